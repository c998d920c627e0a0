//! SMS notices of packages (套餐, e.g. 我要开一家公司, issue 10): one
//! application to the citizen, however many departments handle its parts.
//!
//! | kind | when | says |
//! |---|---|---|
//! | `package_accepted` | the last of its parts is accepted (at intake on the spot: all at once) | the package's name and number, its parts, the promise and the latest part deadline, what is still owed (容缺, shared by all parts) and by when, how to query |
//! | `package_completed` | `package_completed` (every part decided) | each part's decision (准予 / 不予许可, with the reason) and where and by when to collect (the latest delivery date) |
//!
//! A part's own acceptance and decision are not told ([`super::case::told`]):
//! the citizen applied once and hears once. A part's correction (补正, its
//! department asks) and posting are told as they happen by `case.rs`,
//! naming the part and its department ([`PartOf`]). Ids are stable:
//! `{package}/accepted`, `{package}/completed`; the outbox lane is the
//! package's, so its notices go out in order.
//!
//! Plain functions of the hall, the package record and its parts' records;
//! the follower reads them from the case actor (`GetPackage`).

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::state::Outcome;
use tingwu_actors::core::case::{Case, CaseEvent, CaseRecord, PackageRecord};

use super::case::{by, kind_of, owed_list, CaseHall};
use super::notice::{Kind, Notice};

/// A part as the citizen knows it: the package it belongs to and the
/// department that handles it (names from `[items.case.package]` and
/// `[[departments]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartOf {
    /// The package's number (`demo-20261130-000003`).
    pub package: String,
    /// The package's name (我要开一家公司) and its English name.
    pub name: String,
    pub name_en: String,
    /// The part's name (公章刻制备案) and its English name.
    pub part: String,
    pub part_en: String,
    /// The department's name (市公安局) and its English name.
    pub department_name: String,
    pub department_name_en: String,
}

fn or(en: &str, zh: &str) -> String {
    if en.is_empty() {
        zh.to_string()
    } else {
        en.to_string()
    }
}

/// Part `part` of package `pkg`, named: its config entry by position
/// (`-P{n}` is the n-th of `[items.case.package] parts`), else the
/// department's, else the department's id.
pub fn part_of(cfg: &HallConfig, pkg: &PackageRecord, part: &Case) -> PartOf {
    let parts = cfg
        .item(&pkg.item)
        .and_then(|i| i.case.as_ref())
        .and_then(|c| c.package.as_ref())
        .map(|p| p.parts.as_slice())
        .unwrap_or_default();
    let by_position = part
        .number
        .part
        .and_then(|n| parts.get(usize::from(n).checked_sub(1)?))
        .filter(|p| p.department == part.department);
    let entry = by_position.or_else(|| parts.iter().find(|p| p.department == part.department));
    let dept = cfg.departments.iter().find(|d| d.id == part.department);
    let (dept_zh, dept_en) = dept.map_or_else(
        || (part.department.clone(), part.department.clone()),
        |d| (d.name.clone(), or(&d.name_en, &d.name)),
    );
    let (part_zh, part_en) = entry.map_or_else(
        || (dept_zh.clone(), dept_en.clone()),
        |p| (p.name.clone(), or(&p.name_en, &p.name)),
    );
    PartOf {
        package: pkg.number.to_string(),
        name: pkg.name.clone(),
        name_en: or(&pkg.name_en, &pkg.name),
        part: part_zh,
        part_en,
        department_name: dept_zh,
        department_name_en: dept_en,
    }
}

/// When a part was accepted: its first acceptance event's time.
fn accepted_at(r: &CaseRecord) -> Option<DateTime<Utc>> {
    r.history
        .iter()
        .find(|e| kind_of(&e.body) == Some(Kind::CaseAccepted))
        .map(|e| e.at)
}

/// Whether `event`, an acceptance of a part, is the one that leaves every
/// part of the package accepted — so the package's one acceptance notice
/// goes with it. `parts`: the package's parts as they are now, in order.
/// The last acceptance is the latest in time, the first part among those
/// accepted together (at intake on the spot, all are: part 1). Exactly one
/// event qualifies however often the events are replayed; none while a
/// part is not accepted (one ended before acceptance keeps the package
/// from being told).
pub fn completes_acceptance(parts: &[CaseRecord], event: &CaseEvent) -> bool {
    let mut last: Option<(DateTime<Utc>, &CaseRecord)> = None;
    for r in parts {
        let Some(at) = accepted_at(r) else {
            return false;
        };
        if last.is_none_or(|(t, _)| at > t) {
            last = Some((at, r));
        }
    }
    last.is_some_and(|(at, r)| r.case.number == event.case && at == event.at)
}

/// A package a notice is about and where it goes.
pub struct PackageSubject<'a> {
    /// The package record (shared materials, window, applicant masked).
    pub package: &'a PackageRecord,
    /// Its parts' records, in order.
    pub parts: &'a [CaseRecord],
    /// The plain phone: it goes into the body and nowhere else.
    pub phone: &'a str,
}

fn latest(dates: impl Iterator<Item = Option<NaiveDate>>) -> Option<NaiveDate> {
    dates
        .collect::<Option<Vec<_>>>()
        .and_then(|d| d.into_iter().max())
}

impl PackageSubject<'_> {
    fn named(&self, cfg: &HallConfig) -> Vec<(PartOf, &CaseRecord)> {
        self.parts
            .iter()
            .map(|r| (part_of(cfg, self.package, &r.case), r))
            .collect()
    }

    /// The common fields and the notice around the texts.
    fn notice(
        &self,
        h: &CaseHall<'_>,
        kind: Kind,
        (seq, at): (u64, DateTime<Utc>),
        mut m: Map<String, Value>,
        (text, text_en): (String, String),
    ) -> Notice {
        let number = self.package.number.to_string();
        let id = format!("{number}/{}", kind.as_str().trim_start_matches("package_"));
        m.insert("id".into(), json!(id));
        m.insert("kind".into(), json!(kind.as_str()));
        m.insert("hall".into(), json!(h.hall.id));
        m.insert("case".into(), json!(number));
        m.insert("package".into(), json!(number));
        m.insert("package_name".into(), json!(self.package.name));
        m.insert("item".into(), json!(self.package.item));
        m.insert("phone".into(), json!(self.phone));
        m.insert("seq".into(), json!(seq));
        m.insert("at".into(), json!(h.hall.rfc3339(at)));
        m.insert("text".into(), json!(text));
        m.insert("text_en".into(), json!(text_en));
        Notice {
            id,
            kind,
            ticket: format!("case:{number}"),
            seq,
            phone_masked: self.package.applicant.phone.clone().unwrap_or_default(),
            body: Value::Object(m).to_string().into_bytes(),
        }
    }
}

fn part_json(p: &PartOf, r: &CaseRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("case".into(), json!(r.case.number.to_string()));
    m.insert("name".into(), json!(p.part));
    m.insert("name_en".into(), json!(p.part_en));
    m.insert("department".into(), json!(r.case.department));
    m.insert("department_name".into(), json!(p.department_name));
    m
}

/// The package's one acceptance notice (`package_accepted`): its name
/// and number, its parts, the promise (the longest part's limit) and the
/// latest part deadline, the materials still owed (容缺) and by when, and
/// how to query (the package number).
pub fn accepted(h: &CaseHall<'_>, s: &PackageSubject<'_>, seq: u64, at: DateTime<Utc>) -> Notice {
    let pkg = s.package;
    let number = pkg.number.to_string();
    let cal = &h.cfg.calendar.days;
    let named = s.named(h.cfg);
    let limit = s.parts.iter().map(|r| r.case.limit_days).max().unwrap_or(0);
    let deadline = latest(s.parts.iter().map(|r| r.case.deadline(cal).ok().flatten()));
    let mut m = Map::new();
    let parts: Vec<Value> = named
        .iter()
        .map(|(p, r)| {
            let mut j = part_json(p, r);
            j.insert(
                "deadline".into(),
                json!(r.case.deadline(cal).ok().flatten()),
            );
            Value::Object(j)
        })
        .collect();
    m.insert("parts".into(), json!(parts));
    m.insert("limit_days".into(), json!(limit));
    m.insert("deadline".into(), json!(deadline));
    let names = named
        .iter()
        .map(|(p, _)| p.part.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let names_en = named
        .iter()
        .map(|(p, _)| p.part_en.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (promise, promise_en) = match deadline {
        Some(d) => (
            format!("承诺{limit}个工作日内全部办结（{d}前）"),
            format!("all to be decided within {limit} working days (by {d})"),
        ),
        None => (
            format!("承诺{limit}个工作日内全部办结"),
            format!("all to be decided within {limit} working days"),
        ),
    };
    let (owed, owed_en) = match pkg.materials.tolerated_notice() {
        Some(n) if !n.items.is_empty() => {
            let (zh, en) = owed_list(&n);
            let (when, when_en) = by(n.due);
            m.insert("owed".into(), json!(n.items));
            m.insert("owed_by".into(), json!(n.due));
            (
                format!("{when}补交：{zh}。"),
                format!(" Please hand in{when_en}: {en}."),
            )
        }
        _ => (String::new(), String::new()),
    };
    let (query, query_en) = h.query(&number);
    let name_en = or(&pkg.name_en, &pkg.name);
    let text = format!(
        "【{}】您申请的“{}”（套餐办件编号{number}，含{names}共{}项）已受理，{promise}。{owed}{query}",
        h.hall.name,
        pkg.name,
        named.len()
    );
    let text_en = format!(
        "[{}] Your package {number} (\"{name_en}\": {names_en}) has been accepted, {promise_en}.{owed_en} {query_en}",
        h.hall.name_en
    );
    s.notice(h, Kind::PackageAccepted, (seq, at), m, (text, text_en))
}

/// The package's one completion notice (`package_completed`): each
/// part's decision and where and by when to collect the results (the
/// window that took it in, by the latest part's delivery date).
pub fn completed(h: &CaseHall<'_>, s: &PackageSubject<'_>, seq: u64, at: DateTime<Utc>) -> Notice {
    let pkg = s.package;
    let number = pkg.number.to_string();
    let named = s.named(h.cfg);
    let mut m = Map::new();
    let mut results = Vec::new();
    let mut results_en = Vec::new();
    let mut parts = Vec::new();
    for (p, r) in &named {
        let (zh, en) = match &r.case.outcome {
            Some(Outcome::Approved) => ("准予许可".to_string(), "approved".to_string()),
            Some(Outcome::Rejected { reason }) => (
                format!("不予许可（理由：{reason}）"),
                format!("rejected (reason: {reason})"),
            ),
            None => ("未作决定".to_string(), "not decided".to_string()),
        };
        results.push(format!("{}{}", p.part, zh));
        results_en.push(format!("{}: {en}", p.part_en));
        let mut j = part_json(p, r);
        j.insert("outcome".into(), json!(r.case.outcome));
        j.insert("delivery_due".into(), json!(r.case.delivery_due));
        parts.push(Value::Object(j));
    }
    let due = latest(s.parts.iter().map(|r| r.case.delivery_due));
    m.insert("parts".into(), json!(parts));
    m.insert("delivery_due".into(), json!(due));
    let (place, place_en) = h
        .window_of(pkg.window.as_ref())
        .unwrap_or_else(|| ("受理窗口".into(), "the window that took it in".into()));
    let (when, when_en) = by(due);
    let (query, query_en) = h.query(&number);
    let name_en = or(&pkg.name_en, &pkg.name);
    let text = format!(
        "【{}】您申请的“{}”（套餐办件编号{number}）已全部办结：{}。{when}携带本人身份证件和受理通知书到{}{place}领取办理结果；选择邮寄送达的，寄出后另行短信告知运单号。{query}",
        h.hall.name,
        pkg.name,
        results.join("；"),
        h.hall.name
    );
    let text_en = format!(
        "[{}] Your package {number} (\"{name_en}\") is completed: {}. Collect the results at {place_en}{when_en} with your ID and the acceptance notice; if posted, a message with the tracking number follows. {query_en}",
        h.hall.name_en,
        results_en.join("; ")
    );
    s.notice(h, Kind::PackageCompleted, (seq, at), m, (text, text_en))
}
