//! SMS notices of cases (办件短信告知, issue 10) to the applicant's phone:
//!
//! | kind | when (case event) | says |
//! |---|---|---|
//! | `case_accepted` | `received` with `accepted_on`, `accepted`, or `correction_answered` that accepts | the case number, the promise and deadline, what is still owed and by when (容缺), how to query |
//! | `case_correction` | `correction_requested` | everything to correct and by when (补正, 一次性告知), that the clock stops |
//! | `case_completed` | `completed` | the decision (准予 / 不予许可, with the reason) and how to collect: at the window by the delivery date, or by post (a `case_posted` notice then follows) |
//! | `case_posted` | `delivered` by post | the carrier and tracking number |
//!
//! A package's (套餐) parts are told differently (`package.rs`): their
//! acceptance in one `package_accepted` notice, their decisions in one
//! `package_completed` notice; a part's correction and posting here, the
//! part and its department named ([`CaseSubject::part`]).
//!
//! Plain functions of the hall, the case and the event; the follower
//! (`follower.rs`) reads the case from the case actor, opens the sealed
//! phone and pushes the notice through the same outbox as the ticket
//! notices, so delivery survives restarts (the follower's cursor) and the
//! gateway drops repeats by `id` (`{case}/accepted`, `{case}/correction/{seq}`,
//! `{case}/completed`, `{case}/posted`). `docs/notify.md` shows the body.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::materials::OneTimeNotice;
use tingwu_actors::core::case::state::{DeliveryMethod, Outcome};
use tingwu_actors::core::case::{Case, CaseEventBody, CaseNumber};

use super::notice::{Hall, Kind, Notice};

/// Which notice an event of a case calls for, if any.
pub fn kind_of(body: &CaseEventBody) -> Option<Kind> {
    use CaseEventBody as B;
    match body {
        B::Received {
            accepted_on: Some(_),
            ..
        }
        | B::Accepted { .. }
        | B::CorrectionAnswered {
            accepted_on: Some(_),
            ..
        } => Some(Kind::CaseAccepted),
        B::CorrectionRequested { .. } => Some(Kind::CaseCorrection),
        B::Completed { .. } => Some(Kind::CaseCompleted),
        B::PackageCompleted { .. } => Some(Kind::PackageCompleted),
        B::Delivered {
            method: DeliveryMethod::Post { .. },
            ..
        } => Some(Kind::CasePosted),
        _ => None,
    }
}

/// Whether this event of case `number` is told as the case's own notice
/// ([`notice`]). A package (套餐) is one application: its parts'
/// acceptances are told once for the package (`package::accepted`, when
/// the last part is accepted) and their decisions once when the package
/// completes (`package::completed`); each part's correction and posting
/// come from its own department and are told as they happen, naming it.
pub fn told(number: &CaseNumber, kind: Kind) -> bool {
    let part = number.part.is_some();
    match kind {
        Kind::CaseAccepted | Kind::CaseCompleted => !part,
        Kind::CaseCorrection | Kind::CasePosted => true,
        _ => false,
    }
}

/// The case a notice is about and where it goes.
pub struct CaseSubject<'a> {
    /// The case as it is now (its item, window, materials).
    pub case: &'a Case,
    /// The plain phone: it goes into the body and nowhere else.
    pub phone: &'a str,
    /// The package and department, when the case is a package's part:
    /// the notice names them and goes in the package's lane.
    pub part: Option<&'a super::package::PartOf>,
}

/// What notices need of the hall for cases: names, and where citizens
/// query (`[ticket] status_base_url`).
pub struct CaseHall<'a> {
    pub hall: &'a Hall,
    pub cfg: &'a HallConfig,
}

impl CaseHall<'_> {
    pub(super) fn item(&self, c: &Case) -> (String, String) {
        let i = self.cfg.item(&c.item);
        let zh = i.map_or_else(|| c.item.clone(), |i| i.name.clone());
        let en = i
            .map(|i| i.name_en.clone())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| zh.clone());
        (zh, en)
    }

    pub(super) fn window_of(&self, window: Option<&String>) -> Option<(String, String)> {
        let w = self.cfg.windows.iter().find(|w| Some(&w.id) == window)?;
        let en = if w.name_en.is_empty() {
            w.name.clone()
        } else {
            w.name_en.clone()
        };
        Some((w.name.clone(), en))
    }

    /// The query hint: the page's link when the hall has a public address,
    /// else the page's name.
    pub(super) fn query(&self, number: &str) -> (String, String) {
        match self.cfg.ticket.status_base_url.as_deref() {
            Some(base) => {
                let url = format!("{}/case?n={number}", base.trim_end_matches('/'));
                (
                    format!("查询进度：{url}（输入手机号后四位）"),
                    format!("Follow it at {url} (with the last four digits of your phone)."),
                )
            }
            None => (
                "可在本中心“办件查询”页面（/case）凭办件编号和手机号后四位查询进度。".into(),
                "Follow it on the centre's case query page (/case) with the case number and the last four digits of your phone.".into(),
            ),
        }
    }
}

pub(super) fn owed_list(notice: &OneTimeNotice) -> (String, String) {
    let zh = notice
        .items
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let en = notice
        .items
        .iter()
        .map(|i| {
            if i.name_en.is_empty() {
                i.name.as_str()
            } else {
                i.name_en.as_str()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    (zh, en)
}

pub(super) fn by(due: Option<NaiveDate>) -> (String, String) {
    match due {
        Some(d) => (format!("请于{d}前"), format!(" by {d}")),
        None => ("请尽快".into(), String::new()),
    }
}

/// The notice for `body`, an event of `s.case` at `seq`, or none when the
/// event calls for none ([`kind_of`]).
pub fn notice(
    h: &CaseHall<'_>,
    s: &CaseSubject<'_>,
    body: &CaseEventBody,
    seq: u64,
    at: DateTime<Utc>,
) -> Option<Notice> {
    use CaseEventBody as B;
    let kind = kind_of(body)?;
    let c = s.case;
    let number = c.number.to_string();
    let hall = h.hall;
    let (item, item_en) = match s.part {
        Some(p) => (p.part.clone(), p.part_en.clone()),
        None => h.item(c),
    };
    let (query, query_en) = h.query(&number);
    let mut m = Map::new();
    let id = match kind {
        Kind::CaseCorrection => format!("{number}/correction/{seq}"),
        _ => format!("{number}/{}", kind.as_str().trim_start_matches("case_")),
    };
    m.insert("id".into(), json!(id));
    m.insert("kind".into(), json!(kind.as_str()));
    m.insert("hall".into(), json!(hall.id));
    m.insert("case".into(), json!(number));
    m.insert("item".into(), json!(c.item));
    m.insert("item_name".into(), json!(item));
    m.insert("phone".into(), json!(s.phone));
    m.insert("seq".into(), json!(seq));
    m.insert("at".into(), json!(hall.rfc3339(at)));
    let (head, head_en) = match s.part {
        Some(p) => {
            m.insert("package".into(), json!(p.package));
            m.insert("package_name".into(), json!(p.name));
            m.insert("department".into(), json!(c.department));
            m.insert("department_name".into(), json!(p.department_name));
            (
                format!(
                    "【{}】您申请的“{}”中的“{item}”（{}，办件编号{number}）",
                    hall.name, p.name, p.department_name
                ),
                format!(
                    "[{}] Your case {number} ({item_en}, {}) of the package \"{}\"",
                    hall.name_en, p.department_name_en, p.name_en
                ),
            )
        }
        None => (
            format!("【{}】您申请的“{item}”（办件编号{number}）", hall.name),
            format!("[{}] Your case {number} ({item_en})", hall.name_en),
        ),
    };
    let (text, text_en) = match body {
        B::Received { .. } | B::Accepted { .. } | B::CorrectionAnswered { .. } => {
            let deadline = match body {
                B::Received { deadline, .. }
                | B::Accepted { deadline, .. }
                | B::CorrectionAnswered { deadline, .. } => *deadline,
                _ => None,
            };
            m.insert("limit_days".into(), json!(c.limit_days));
            m.insert("deadline".into(), json!(deadline));
            let (promise, promise_en) = match deadline {
                Some(d) => (
                    format!("承诺{}个工作日内办结（{d}前）", c.limit_days),
                    format!(
                        "to be decided within {} working days (by {d})",
                        c.limit_days
                    ),
                ),
                None => (
                    format!("承诺{}个工作日内办结", c.limit_days),
                    format!("to be decided within {} working days", c.limit_days),
                ),
            };
            let tolerated = match body {
                B::Received { notice, .. } | B::Accepted { notice, .. } => notice.clone(),
                _ => c.materials.tolerated_notice(),
            };
            let (owed, owed_en) = match &tolerated {
                Some(n) if !n.items.is_empty() => {
                    let (zh, en) = owed_list(n);
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
            (
                format!("{head}已受理，{promise}。{owed}{query}"),
                format!("{head_en} has been accepted, {promise_en}.{owed_en} {query_en}"),
            )
        }
        B::CorrectionRequested { notice } => {
            let (zh, en) = owed_list(notice);
            let (when, when_en) = by(notice.due);
            m.insert("owed".into(), json!(notice.items));
            m.insert("owed_by".into(), json!(notice.due));
            (
                format!("{head}需要补正，{when}补正或补交：{zh}。补正期间办理时限暂停计算。{query}"),
                format!(
                    "{head_en} needs correcting: please correct or hand in{when_en}: {en}. The time limit stops meanwhile. {query_en}"
                ),
            )
        }
        B::Completed {
            outcome,
            delivery_due,
            ..
        } => {
            m.insert("outcome".into(), json!(outcome));
            m.insert("delivery_due".into(), json!(delivery_due));
            let (result, result_en) = match outcome {
                Outcome::Approved => ("准予许可".to_string(), "approved".to_string()),
                Outcome::Rejected { reason } => (
                    format!("不予许可（理由：{reason}）"),
                    format!("rejected (reason: {reason})"),
                ),
            };
            let (place, place_en) = h
                .window_of(c.window.as_ref())
                .unwrap_or_else(|| ("受理窗口".into(), "the window that took it in".into()));
            (
                format!(
                    "{head}已办结，结果：{result}。请于{delivery_due}前携带本人身份证件和受理通知书到{}{place}领取；选择邮寄送达的，寄出后另行短信告知运单号。{query}",
                    hall.name
                ),
                format!(
                    "{head_en} is completed: {result_en}. Collect the result at {place_en} by {delivery_due} with your ID and the acceptance notice; if it is posted, a message with the tracking number follows. {query_en}"
                ),
            )
        }
        B::Delivered {
            method: DeliveryMethod::Post { carrier, tracking },
            ..
        } => {
            m.insert("carrier".into(), json!(carrier));
            m.insert("tracking".into(), json!(tracking));
            (
                format!("{head}的办理结果已由{carrier}寄出，运单号{tracking}，请注意查收。"),
                format!("{head_en}: the result has been posted by {carrier}, tracking number {tracking}."),
            )
        }
        _ => return None,
    };
    m.insert("text".into(), json!(text));
    m.insert("text_en".into(), json!(text_en));
    Some(Notice {
        id,
        kind,
        // The outbox's lane: a case's notices go out in order (a part's
        // in its package's, after the package's acceptance).
        ticket: format!(
            "case:{}",
            s.part.map_or(number.as_str(), |p| p.package.as_str())
        ),
        seq,
        phone_masked: c.applicant.phone.clone().unwrap_or_default(),
        body: Value::Object(m).to_string().into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use tingwu_actors::core::calendar::Calendar;
    use tingwu_actors::core::case::transition::{apply, intake, Input, Intake};
    use tingwu_actors::core::case::{Actor, Applicant, CaseNumber, Now};

    use super::*;

    const PHONE: &str = "13812345678";

    #[test]
    fn a_part_tells_its_correction_and_posting_the_package_the_rest() {
        let day: NaiveDate = "2026-12-01".parse().unwrap();
        let case = CaseNumber::new("demo", day, 7).unwrap();
        assert!(told(&case, Kind::CaseAccepted));
        assert!(told(&case, Kind::CaseCompleted));
        for p in 1..=3 {
            assert!(!told(&case.part(p), Kind::CaseAccepted));
            assert!(!told(&case.part(p), Kind::CaseCompleted));
            assert!(told(&case.part(p), Kind::CaseCorrection));
            assert!(told(&case.part(p), Kind::CasePosted));
        }
    }

    fn now(date: &str) -> Now {
        let day: NaiveDate = date.parse().unwrap();
        Now {
            at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap()),
            date: day,
        }
    }

    fn cfg() -> HallConfig {
        tingwu_actors::testing::demo_hall()
    }

    /// A food licence taken in on 2026-11-30 without its floor plan, which
    /// the demo hall tolerates (容缺), and the event of its intake.
    fn food_case(cfg: &HallConfig) -> (Case, CaseEventBody) {
        let item = cfg.item("food-license").unwrap();
        let (case, ev) = intake(
            item,
            &Intake {
                number: CaseNumber::new("demo", "2026-11-30".parse().unwrap(), 1).unwrap(),
                applicant: Applicant::person("11010519491231002X", "张三", Some(PHONE)).unwrap(),
                provided: vec![
                    "食品经营许可申请书".into(),
                    "营业执照".into(),
                    "食品安全管理制度".into(),
                ],
                green: false,
                on_the_spot: true,
                window: Some("5".into()),
                ticket: None,
            },
            &Actor::staff("S05"),
            now("2026-11-30"),
            &Calendar::official(),
        )
        .unwrap();
        (case, ev.body)
    }

    fn body(n: &Notice) -> Value {
        serde_json::from_slice(&n.body).unwrap()
    }

    #[test]
    fn acceptance_tells_number_deadline_what_is_owed_and_how_to_query() {
        let cfg = cfg();
        let hall = Hall::of(&cfg);
        let h = CaseHall {
            hall: &hall,
            cfg: &cfg,
        };
        let (case, ev) = food_case(&cfg);
        let s = CaseSubject {
            case: &case,
            phone: PHONE,
            part: None,
        };
        let n = notice(&h, &s, &ev, 7, now("2026-11-30").at).unwrap();
        let b = body(&n);
        assert_eq!(b["kind"], "case_accepted");
        assert_eq!(b["id"], "demo-20261130-000001/accepted");
        assert_eq!(b["phone"], PHONE);
        assert_eq!(b["case"], "demo-20261130-000001");
        let text = b["text"].as_str().unwrap();
        assert!(text.starts_with("【示例市政务服务中心】"), "{text}");
        for want in ["demo-20261130-000001", "已受理", "经营场所平面图", "/case"] {
            assert!(text.contains(want), "{want} missing: {text}");
        }
        let owed_by = b["owed_by"].as_str().unwrap();
        let deadline = b["deadline"].as_str().unwrap();
        assert!(text.contains(owed_by) && text.contains(deadline), "{text}");
        assert_eq!(n.ticket, "case:demo-20261130-000001");
        // Logs (Debug) show the masked phone only.
        let shown = format!("{n:?}");
        assert!(
            !shown.contains(PHONE) && shown.contains("138****5678"),
            "{shown}"
        );
    }

    #[test]
    fn correction_completion_and_posting_each_say_what_matters() {
        let cfg = cfg();
        let hall = Hall::of(&cfg);
        let h = CaseHall {
            hall: &hall,
            cfg: &cfg,
        };
        let cal = Calendar::official();
        let (case, _) = food_case(&cfg);
        let staff = Actor::staff("S05");
        let step =
            |c: &Case, input: Input, day: &str| apply(c, &input, &staff, now(day), &cal).unwrap();

        let (corrected, ev) = step(
            &case,
            Input::RequestCorrection {
                owed: vec!["申请书缺少法定代表人签字".into()],
            },
            "2026-12-01",
        );
        let s = CaseSubject {
            case: &corrected,
            phone: PHONE,
            part: None,
        };
        let b = body(&notice(&h, &s, &ev.body, 12, ev.at).unwrap());
        assert_eq!(b["kind"], "case_correction");
        assert_eq!(b["id"], "demo-20261130-000001/correction/12");
        let text = b["text"].as_str().unwrap();
        assert!(
            text.contains("申请书缺少法定代表人签字") && text.contains("暂停"),
            "{text}"
        );
        assert!(text.contains(b["owed_by"].as_str().unwrap()), "{text}");

        let (rejected, ev) = step(
            &case,
            Input::Reject {
                reason: "经营场所不符合要求".into(),
            },
            "2026-12-02",
        );
        let s = CaseSubject {
            case: &rejected,
            phone: PHONE,
            part: None,
        };
        let b = body(&notice(&h, &s, &ev.body, 13, ev.at).unwrap());
        assert_eq!(b["kind"], "case_completed");
        let text = b["text"].as_str().unwrap();
        for want in [
            "已办结",
            "不予许可",
            "经营场所不符合要求",
            "5号窗口",
            "领取",
            "邮寄",
        ] {
            assert!(text.contains(want), "{want} missing: {text}");
        }
        assert!(text.contains(b["delivery_due"].as_str().unwrap()));

        let (_, ev) = step(
            &rejected,
            Input::Deliver {
                method: DeliveryMethod::Post {
                    carrier: "EMS".into(),
                    tracking: "EA123456789CN".into(),
                },
            },
            "2026-12-03",
        );
        let b = body(&notice(&h, &s, &ev.body, 14, ev.at).unwrap());
        assert_eq!(b["kind"], "case_posted");
        assert!(b["text"].as_str().unwrap().contains("EA123456789CN"));

        // A pick-up delivery or an approved step tells nothing new.
        let (_, ev) = step(
            &rejected,
            Input::Deliver {
                method: DeliveryMethod::PickUp {
                    notice: "领取通知书001".into(),
                },
            },
            "2026-12-03",
        );
        assert_eq!(kind_of(&ev.body), None);
        let (_, ev) = step(&case, Input::ApproveStep { opinion: None }, "2026-11-30");
        assert_eq!(kind_of(&ev.body), None);
    }
}
