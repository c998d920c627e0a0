//! What a notice says (a case's notices: `case.rs`): the JSON body POSTed to the gateway and its SMS
//! texts (zh-CN and English). Plain functions of the hall, the ticket and
//! the event; no I/O. `docs/notify.md` describes the payload.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};
use tingwu_actors::config::HallConfig;
use tingwu_actors::views::CallView;

/// What a notice is about: a ticket's three occasions, a supervisor's
/// alarms, and a case's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The ticket was issued: number, people ahead, expected call time.
    Issued,
    /// People ahead dropped to the hall's `notify.ahead` or fewer.
    Ahead,
    /// The ticket was called (or re-announced) to a window.
    Called,
    /// An alarm unacknowledged too long, to the supervisor on duty
    /// (`escalation.rs`).
    Escalation,
    /// A bad rating (差评), to the supervisor on duty (`bad_rating.rs`).
    BadRating,
    /// A case was accepted (受理), to the applicant (`case.rs`).
    CaseAccepted,
    /// A correction (补正) was requested, to the applicant.
    CaseCorrection,
    /// A case was decided (办结), to the applicant.
    CaseCompleted,
    /// A case's result was posted (邮寄送达), to the applicant.
    CasePosted,
    /// A package (套餐) was accepted — all its parts — in one notice, to
    /// the applicant (`package.rs`).
    PackageAccepted,
    /// Every part of a package was decided, in one notice, to the
    /// applicant (`package.rs`).
    PackageCompleted,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Issued => "issued",
            Kind::Ahead => "ahead",
            Kind::Called => "called",
            Kind::Escalation => "alarm_escalation",
            Kind::BadRating => "bad_rating",
            Kind::CaseAccepted => "case_accepted",
            Kind::CaseCorrection => "case_correction",
            Kind::CaseCompleted => "case_completed",
            Kind::CasePosted => "case_posted",
            Kind::PackageAccepted => "package_accepted",
            Kind::PackageCompleted => "package_completed",
        }
    }
}

/// A notice ready to send. Its body holds the plain phone number, so it
/// has no `Debug` that shows it: log `phone_masked`.
#[derive(Clone)]
pub struct Notice {
    /// Stable across retries and restarts (`20261126-A023/called`): the
    /// gateway deduplicates by it (also sent as `Idempotency-Key`).
    pub id: String,
    pub kind: Kind,
    pub ticket: String,
    /// The outbox sequence of the event that produced it.
    pub seq: u64,
    pub phone_masked: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notice")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("seq", &self.seq)
            .field("phone", &self.phone_masked)
            .finish_non_exhaustive()
    }
}

/// What notices need to know of the hall.
#[derive(Debug, Clone)]
pub struct Hall {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub tz: Tz,
    /// Queue id → (name, English name).
    pub queues: HashMap<String, (String, String)>,
    /// Window id → English name.
    pub windows_en: HashMap<String, String>,
}

impl Hall {
    pub fn of(cfg: &HallConfig) -> Self {
        let or = |en: &str, zh: &str| {
            if en.is_empty() {
                zh.to_string()
            } else {
                en.to_string()
            }
        };
        Self {
            id: cfg.hall.id.clone(),
            name: cfg.hall.name.clone(),
            name_en: or(&cfg.hall.name_en, &cfg.hall.name),
            tz: cfg.tz(),
            queues: cfg
                .queues
                .iter()
                .map(|q| (q.id.clone(), (q.name.clone(), or(&q.name_en, &q.name))))
                .collect(),
            windows_en: cfg
                .windows
                .iter()
                .map(|w| (w.id.clone(), or(&w.name_en, &w.name)))
                .collect(),
        }
    }

    fn queue_names(&self, queue: &str) -> (String, String) {
        self.queues
            .get(queue)
            .cloned()
            .unwrap_or_else(|| (queue.to_string(), queue.to_string()))
    }

    /// `10:35` in the hall's time zone.
    fn clock(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%H:%M").to_string()
    }

    /// RFC 3339 with the hall's offset: `2026-11-26T10:35:00+08:00`.
    pub(super) fn rfc3339(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }
}

/// The ticket a notice is about, and where it goes.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub ticket: &'a str,
    pub number: &'a str,
    pub queue: &'a str,
    /// The plain number: it goes into the body and nowhere else.
    pub phone: &'a str,
    pub phone_masked: &'a str,
}

/// The fields every notice has.
fn common(
    hall: &Hall,
    s: &Subject<'_>,
    kind: Kind,
    id: &str,
    seq: u64,
    at: DateTime<Utc>,
) -> Map<String, Value> {
    let (queue_name, _) = hall.queue_names(s.queue);
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("kind".into(), json!(kind.as_str()));
    m.insert("hall".into(), json!(hall.id));
    m.insert("ticket".into(), json!(s.ticket));
    m.insert("number".into(), json!(s.number));
    m.insert("queue".into(), json!(s.queue));
    m.insert("queue_name".into(), json!(queue_name));
    m.insert("phone".into(), json!(s.phone));
    m.insert("seq".into(), json!(seq));
    m.insert("at".into(), json!(hall.rfc3339(at)));
    m
}

fn finish(mut m: Map<String, Value>, text: String, text_en: String) -> Vec<u8> {
    m.insert("text".into(), json!(text));
    m.insert("text_en".into(), json!(text_en));
    Value::Object(m).to_string().into_bytes()
}

fn notice(s: &Subject<'_>, kind: Kind, id: String, seq: u64, body: Vec<u8>) -> Notice {
    Notice {
        id,
        kind,
        ticket: s.ticket.to_string(),
        seq,
        phone_masked: s.phone_masked.to_string(),
        body,
    }
}

/// The ticket was issued (取号成功).
pub fn issued(
    hall: &Hall,
    s: &Subject<'_>,
    people_ahead: u64,
    expected: DateTime<Utc>,
    seq: u64,
    at: DateTime<Utc>,
) -> Notice {
    let id = format!("{}/issued", s.ticket);
    let (queue_zh, queue_en) = hall.queue_names(s.queue);
    let mut m = common(hall, s, Kind::Issued, &id, seq, at);
    m.insert("people_ahead".into(), json!(people_ahead));
    m.insert("expected_call_at".into(), json!(hall.rfc3339(expected)));
    let when = hall.clock(expected);
    let text = format!(
        "【{}】您已取号{}（{}），前面还有{}人，预计{}叫号，请留意叫号通知。",
        hall.name, s.number, queue_zh, people_ahead, when
    );
    let text_en = format!(
        "[{}] Your number is {} ({}): {} ahead of you, expected to be called around {}.",
        hall.name_en,
        s.number,
        queue_en,
        people(people_ahead),
        when
    );
    notice(s, Kind::Issued, id, seq, finish(m, text, text_en))
}

/// Few people are ahead now: time to come back to the hall (即将叫号).
pub fn ahead(
    hall: &Hall,
    s: &Subject<'_>,
    people_ahead: u64,
    expected: DateTime<Utc>,
    seq: u64,
    at: DateTime<Utc>,
) -> Notice {
    let id = format!("{}/ahead", s.ticket);
    let mut m = common(hall, s, Kind::Ahead, &id, seq, at);
    m.insert("people_ahead".into(), json!(people_ahead));
    m.insert("expected_call_at".into(), json!(hall.rfc3339(expected)));
    let when = hall.clock(expected);
    let (text, text_en) = if people_ahead == 0 {
        (
            format!(
                "【{}】您的号码{}即将叫号，请到大厅候叫。",
                hall.name, s.number
            ),
            format!(
                "[{}] Your number {} is next: please come to the hall.",
                hall.name_en, s.number
            ),
        )
    } else {
        (
            format!(
                "【{}】您的号码{}前面还有{}人，预计{}叫号，请到大厅候叫。",
                hall.name, s.number, people_ahead, when
            ),
            format!(
                "[{}] {} ahead of your number {}, expected call around {}: please come to the hall.",
                hall.name_en,
                people(people_ahead),
                s.number,
                when
            ),
        )
    };
    notice(s, Kind::Ahead, id, seq, finish(m, text, text_en))
}

/// The ticket was called to a window (叫号), or called again (重呼).
pub fn called(
    hall: &Hall,
    s: &Subject<'_>,
    call: &CallView,
    seq: u64,
    at: DateTime<Utc>,
) -> Notice {
    // A recall is a new notice each time; the first call has one id.
    let id = if call.recall {
        format!("{}/recall/{seq}", s.ticket)
    } else {
        format!("{}/called", s.ticket)
    };
    let mut m = common(hall, s, Kind::Called, &id, seq, at);
    m.insert("window".into(), json!(call.window));
    m.insert("window_number".into(), json!(call.window_number));
    m.insert("window_name".into(), json!(call.window_name));
    m.insert("recall".into(), json!(call.recall));
    let window_en = hall
        .windows_en
        .get(&call.window)
        .cloned()
        .unwrap_or_else(|| call.window_name.clone());
    let (text, text_en) = if call.recall {
        (
            format!(
                "【{}】再次叫号：您的号码{}，请尽快到{}号窗口办理。",
                hall.name, s.number, call.window_number
            ),
            format!(
                "[{}] Your number {} is called again: please go to window {} ({}) now.",
                hall.name_en, s.number, call.window_number, window_en
            ),
        )
    } else {
        (
            format!(
                "【{}】您的号码{}已叫号，请到{}号窗口办理。",
                hall.name, s.number, call.window_number
            ),
            format!(
                "[{}] Your number {} is called: please go to window {} ({}).",
                hall.name_en, s.number, call.window_number, window_en
            ),
        )
    };
    notice(s, Kind::Called, id, seq, finish(m, text, text_en))
}

fn people(n: u64) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hall() -> Hall {
        let mut queues = HashMap::new();
        queues.insert(
            "A".to_string(),
            ("综合业务".to_string(), "General services".to_string()),
        );
        let mut windows_en = HashMap::new();
        windows_en.insert("5".to_string(), "Window 5".to_string());
        Hall {
            id: "demo".into(),
            name: "示例市政务服务中心".into(),
            name_en: "Example City Government Service Center".into(),
            tz: chrono_tz::Asia::Shanghai,
            queues,
            windows_en,
        }
    }

    fn subject() -> Subject<'static> {
        Subject {
            ticket: "20261126-A023",
            number: "A023",
            queue: "A",
            phone: "13812345678",
            phone_masked: "138****5678",
        }
    }

    fn body(n: &Notice) -> Value {
        serde_json::from_slice(&n.body).unwrap()
    }

    fn at(hhmm: &str) -> DateTime<Utc> {
        // 2026-11-26 in Shanghai (UTC+8).
        DateTime::parse_from_rfc3339(&format!("2026-11-26T{hhmm}:00+08:00"))
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_issued_notice_tells_number_people_ahead_and_time() {
        let n = issued(&hall(), &subject(), 5, at("10:35"), 42, at("10:10"));
        let b = body(&n);
        assert_eq!(b["kind"], "issued");
        assert_eq!(b["id"], "20261126-A023/issued");
        assert_eq!(b["number"], "A023");
        assert_eq!(b["people_ahead"], 5);
        assert_eq!(b["expected_call_at"], "2026-11-26T10:35:00+08:00");
        assert_eq!(b["phone"], "13812345678");
        assert_eq!(b["seq"], 42);
        assert_eq!(
            b["text"],
            "【示例市政务服务中心】您已取号A023（综合业务），前面还有5人，预计10:35叫号，请留意叫号通知。"
        );
        assert!(b["text_en"].as_str().unwrap().contains("5 people ahead"));
        // The plain phone never reaches Debug (logs).
        let shown = format!("{n:?}");
        assert!(
            !shown.contains("13812345678") && shown.contains("138****5678"),
            "{shown}"
        );
    }

    #[test]
    fn an_ahead_notice_says_how_many_are_left() {
        let b = body(&ahead(&hall(), &subject(), 2, at("10:50"), 50, at("10:40")));
        assert_eq!(b["kind"], "ahead");
        assert_eq!(b["id"], "20261126-A023/ahead");
        assert_eq!(b["people_ahead"], 2);
        assert!(b["text"].as_str().unwrap().contains("前面还有2人"));
        let b = body(&ahead(&hall(), &subject(), 0, at("10:50"), 51, at("10:49")));
        assert!(b["text"].as_str().unwrap().contains("即将叫号"));
    }

    #[test]
    fn a_called_notice_names_the_window() {
        let mut call = CallView {
            ticket: "20261126-A023".into(),
            number: "A023".into(),
            window: "5".into(),
            window_number: 5,
            window_name: "5号窗口".into(),
            queue: "A".into(),
            recall: false,
            speech: String::new(),
        };
        let b = body(&called(&hall(), &subject(), &call, 60, at("11:00")));
        assert_eq!(b["kind"], "called");
        assert_eq!(b["id"], "20261126-A023/called");
        assert_eq!(b["window"], "5");
        assert_eq!(b["window_number"], 5);
        assert_eq!(b["window_name"], "5号窗口");
        assert_eq!(
            b["text"],
            "【示例市政务服务中心】您的号码A023已叫号，请到5号窗口办理。"
        );
        assert_eq!(
            b["text_en"],
            "[Example City Government Service Center] Your number A023 is called: please go to window 5 (Window 5)."
        );
        call.recall = true;
        let b = body(&called(&hall(), &subject(), &call, 61, at("11:02")));
        assert_eq!(b["id"], "20261126-A023/recall/61");
        assert_eq!(b["recall"], true);
    }
}
