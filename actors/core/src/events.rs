//! Hall events: every change that matters outside an actor. Each is written
//! to the outbox in the same durable commit as the change itself, gets a
//! gap-free sequence number there, and only then reaches screens, terminals
//! and the dashboard.
//!
//! # Schema versions
//!
//! A stored event (`e/{seq}` in the outbox, and what federation ships) is
//! one JSON object: `{"v": 2, "seq": 42, "ts": "2026-11-26T01:02:03Z",
//! "type": "call", "payload": {…}}`. `v` is its schema version
//! ([`EVENT_VERSION`] is the one this build writes); an object without `v`
//! is version 1, which is what halls wrote before the field existed.
//! Version 2 added only the field: a version 1 event decodes to the same
//! value. Version 3 added the ticket status `expired` (the end-of-day rule,
//! `crate::day_end`): a version 1 or 2 event never holds it and decodes to
//! the same value; an older reader refuses a version 3 event instead of
//! failing on the unknown status. Version 4 added the variant `case` (a
//! case transition, `crate::case::CaseEvent`, issue 10): older bodies never
//! hold it and decode to the same value. Version 5 added the variant
//! `consultation` (a consultation recorded at a window,
//! `crate::consultation::Consultation`, issue 10), likewise. Version 6
//! added the variant `notice` (a hall notice sent, cleared or expired,
//! `crate::hall_notice::NoticeChange`, issue 9), likewise.
//!
//! The rule, for whoever changes [`EventBody`] or any view it carries:
//!
//! - adding an optional field that older readers may ignore
//!   (`#[serde(default)]`, absent meaning what it meant before) needs no new
//!   version;
//! - anything else needs one: a new variant, a field removed or renamed, a
//!   field whose type, unit or meaning changes, a new required field. Bump
//!   [`EVENT_VERSION`], keep decoding every older version (convert it in
//!   `Stored::into_event`), and add a test with literal bytes as the older
//!   version wrote them.
//!
//! A reader refuses a version newer than its own with
//! [`EventDecodeError::UnsupportedVersion`] rather than misreading it: an
//! older hall or central store must be upgraded first.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::alarm::AlarmView;
use crate::case::CaseEvent;
use crate::consultation::Consultation;
use crate::hall_notice::NoticeChange;
use crate::views::{CallView, QueueView, TicketView, WindowView};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum EventBody {
    /// A ticket was called (or re-announced) to a window.
    Call(CallView),
    Window(WindowView),
    Queue(QueueView),
    /// A ticket changed: issued, called, started, finished, skipped.
    Ticket(TicketView),
    /// Who did what and why, for supervisors' audit (strategy changes,
    /// out-of-order calls, windows disabled).
    Audit(AuditEntry),
    /// An alarm was raised or changed (`active: true`) or cleared.
    Alarm(AlarmView),
    /// A case (办件) transition: intake, acceptance, a step, a stop of the
    /// clock, the decision, delivery (`crate::case::events`). It carries the
    /// applicant masked only. Since version 4.
    Case(CaseEvent),
    /// A consultation (咨询) recorded at a window (no personal data).
    /// Since version 5.
    Consultation(Consultation),
    /// A hall notice (大厅公告) was sent (`active: true`), cleared or
    /// expired (`active: false`). Since version 6.
    Notice(NoticeChange),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Staff id or supervisor user.
    pub who: String,
    pub action: String,
    /// What it acted on: a window, a ticket, the hall.
    pub target: String,
    pub reason: Option<String>,
    /// Anything else worth keeping, as JSON.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl EventBody {
    /// The envelope type on WebSocket streams.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Call(_) => "call",
            EventBody::Window(_) => "window",
            EventBody::Queue(_) => "queue",
            EventBody::Ticket(_) => "ticket",
            EventBody::Audit(_) => "audit",
            EventBody::Alarm(_) => "alarm",
            EventBody::Case(_) => "case",
            EventBody::Consultation(_) => "consultation",
            EventBody::Notice(_) => "notice",
        }
    }
}

/// An event after its durable commit. In memory it has no version: every
/// stored version decodes to this, the current shape. It is written with
/// the current version (`v`, see the module documentation); use
/// [`CommittedEvent::decode`] to read one back with a typed error.
#[derive(Debug, Clone, PartialEq)]
pub struct CommittedEvent {
    /// Its position in the hall's outbox: gap-free, from 1.
    pub seq: u64,
    /// When it was committed (UTC).
    pub ts: DateTime<Utc>,
    pub body: EventBody,
}

/// The schema version this build writes (`v` in a stored event).
pub const EVENT_VERSION: u32 = 6;

/// The oldest schema version this build reads: an event stored without `v`.
pub const FIRST_EVENT_VERSION: u32 = 1;

/// Why stored event bytes are not an event.
#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    /// Written by a newer (or unknown) schema version: refused, not guessed.
    #[error(
        "event schema version {found} is not one this build reads ({FIRST_EVENT_VERSION} to {EVENT_VERSION}); upgrade the reader"
    )]
    UnsupportedVersion { found: u32 },
    /// Not JSON, or not an event of the version it claims (`None`: no
    /// readable version either).
    #[error("malformed event (schema version {version:?}): {source}")]
    Malformed {
        version: Option<u32>,
        source: serde_json::Error,
    },
}

impl CommittedEvent {
    /// The bytes stored in the outbox: JSON at [`EVENT_VERSION`].
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Reads stored bytes of any version this build knows. A version it
    /// does not know is refused as [`EventDecodeError::UnsupportedVersion`]
    /// even when the rest happens to parse, so nothing is misread.
    pub fn decode(bytes: &[u8]) -> Result<Self, EventDecodeError> {
        match serde_json::from_slice::<Stored>(bytes) {
            Ok(stored) => stored.into_event(),
            // A newer version may not parse at all: say so if it does say
            // its version, rather than calling it malformed.
            Err(source) => match serde_json::from_slice::<VersionOnly>(bytes) {
                Ok(VersionOnly { v }) if !supported(v) => {
                    Err(EventDecodeError::UnsupportedVersion { found: v })
                }
                Ok(VersionOnly { v }) => Err(EventDecodeError::Malformed {
                    version: Some(v),
                    source,
                }),
                Err(_) => Err(EventDecodeError::Malformed {
                    version: None,
                    source,
                }),
            },
        }
    }
}

fn supported(v: u32) -> bool {
    (FIRST_EVENT_VERSION..=EVENT_VERSION).contains(&v)
}

fn first_version() -> u32 {
    FIRST_EVENT_VERSION
}

/// The stored shape, written: `v` first, then as version 1 wrote.
#[derive(Serialize)]
struct StoredRef<'a> {
    v: u32,
    seq: u64,
    ts: &'a DateTime<Utc>,
    #[serde(flatten)]
    body: &'a EventBody,
}

/// The stored shape, read: any version whose body parses as today's.
#[derive(Deserialize)]
struct Stored {
    #[serde(default = "first_version")]
    v: u32,
    seq: u64,
    ts: DateTime<Utc>,
    #[serde(flatten)]
    body: EventBody,
}

/// Just the version of stored bytes that did not parse.
#[derive(Deserialize)]
struct VersionOnly {
    #[serde(default = "first_version")]
    v: u32,
}

impl Stored {
    /// Converts an older version to the current shape (a new version adds
    /// its conversion here).
    fn into_event(self) -> Result<CommittedEvent, EventDecodeError> {
        match self.v {
            // Version 2 only added `v`, version 3 a ticket status value,
            // version 4 the `case`, version 5 the `consultation` and version
            // 6 the `notice` variant that older bodies never hold: the body
            // is the same.
            1..=6 => Ok(CommittedEvent {
                seq: self.seq,
                ts: self.ts,
                body: self.body,
            }),
            found => Err(EventDecodeError::UnsupportedVersion { found }),
        }
    }
}

impl Serialize for CommittedEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredRef {
            v: EVENT_VERSION,
            seq: self.seq,
            ts: &self.ts,
            body: &self.body,
        }
        .serialize(serializer)
    }
}

/// Through serde the same rule holds: an unknown version is an error
/// (typed only through [`CommittedEvent::decode`]).
impl<'de> Deserialize<'de> for CommittedEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Stored::deserialize(deserializer)?
            .into_event()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One event of every kind, byte for byte as version 1 (every hall
    /// before the `v` field) wrote them.
    const VERSION_1: [&str; 6] = [
        r#"{"seq":41,"ts":"2026-11-26T01:02:03.456789Z","type":"call","payload":{"ticket":"20261126-A001","number":"A001","window":"3","window_number":3,"window_name":"3号窗口","queue":"A","recall":false}}"#,
        r#"{"seq":42,"ts":"2026-11-26T01:02:03.456789Z","type":"window","payload":{"id":"3","number":3,"name":"3号窗口","name_en":"Window 3","area":"A","state":"serving","state_zh":"正在办理","enabled":true,"staff":{"id":"S01","name":"张三"},"ticket":{"id":"20261126-A001","number":"A001"},"queues":[{"queue":"A","role":"primary"}],"pause_message":null,"version":7,"silent":false,"parked":[],"busy_since":"2026-11-26T01:02:03.456789Z"}}"#,
        r#"{"seq":43,"ts":"2026-11-26T01:02:03.456789Z","type":"queue","payload":{"id":"A","prefix":"A","name":"综合","name_en":"General","area":"A","waiting":4,"issued":9,"version":12}}"#,
        r#"{"seq":44,"ts":"2026-11-26T01:02:03.456789Z","type":"ticket","payload":{"id":"20261126-A001","number":"A001","queue":"A","item":"id_card","status":"waiting","channel":"onsite","priority":"normal","issued_at":"2026-11-26T01:02:03.456789Z","people_ahead":2,"estimated_wait_s":300,"expected_call_at":"2026-11-26T01:02:03.456789Z","window":null,"waiting_in":null,"phone":"138****5678","id_number":null}}"#,
        r#"{"seq":45,"ts":"2026-11-26T01:02:03.456789Z","type":"audit","payload":{"who":"admin","action":"strategy","target":"hall","reason":"午间高峰","detail":{"strategy":"fifo"}}}"#,
        r#"{"seq":46,"ts":"2026-11-26T01:02:03.456789Z","type":"alarm","payload":{"id":"printer-1/paper_end","source":"printer-1","kind":"paper_end","severity":"error","message_zh":"缺纸","message_en":"Paper end","raised_at":"2026-11-26T01:02:03.456789Z","active":true,"cleared_at":null}}"#,
    ];

    #[test]
    fn events_written_by_version_1_still_decode_unchanged() {
        let kinds = ["call", "window", "queue", "ticket", "audit", "alarm"];
        for (i, (old, kind)) in VERSION_1.iter().zip(kinds).enumerate() {
            let e = CommittedEvent::decode(old.as_bytes()).unwrap();
            assert_eq!(e.seq, 41 + i as u64);
            assert_eq!(e.ts.to_rfc3339(), "2026-11-26T01:02:03.456789+00:00");
            assert_eq!(e.body.kind(), kind);
            // Nothing was lost or changed: written again, it is the same
            // object with only the version in front.
            let again = String::from_utf8(e.encode().unwrap()).unwrap();
            assert_eq!(again, old.replacen('{', "{\"v\":6,", 1), "{kind}");
            // And serde's own path reads it the same.
            assert_eq!(serde_json::from_str::<CommittedEvent>(old).unwrap(), e);
        }
    }

    #[test]
    fn version_1_fields_arrive_where_they_were() {
        let EventBody::Call(c) = CommittedEvent::decode(VERSION_1[0].as_bytes())
            .unwrap()
            .body
        else {
            panic!("not a call");
        };
        assert_eq!((c.ticket.as_str(), c.window_number), ("20261126-A001", 3));
        let EventBody::Audit(a) = CommittedEvent::decode(VERSION_1[4].as_bytes())
            .unwrap()
            .body
        else {
            panic!("not an audit entry");
        };
        assert_eq!(a.reason.as_deref(), Some("午间高峰"));
        assert_eq!(a.detail, serde_json::json!({"strategy": "fifo"}));
    }

    /// A ticket event byte for byte as version 2 wrote it.
    const VERSION_2_TICKET: &str = r#"{"v":2,"seq":47,"ts":"2026-11-26T01:02:03.456789Z","type":"ticket","payload":{"id":"20261126-A002","number":"A002","queue":"A","item":null,"status":"no_show","channel":"onsite","priority":"normal","issued_at":"2026-11-26T01:02:03.456789Z","people_ahead":0,"estimated_wait_s":0,"expected_call_at":null,"window":"3","waiting_in":null,"phone":null,"id_number":null}}"#;

    #[test]
    fn events_written_by_version_2_still_decode_unchanged() {
        let e = CommittedEvent::decode(VERSION_2_TICKET.as_bytes()).unwrap();
        let EventBody::Ticket(t) = &e.body else {
            panic!("not a ticket");
        };
        assert_eq!(t.status, crate::ticket::TicketStatus::NoShow);
        let again = String::from_utf8(e.encode().unwrap()).unwrap();
        assert_eq!(again, VERSION_2_TICKET.replacen("\"v\":2", "\"v\":6", 1));
    }

    #[test]
    fn version_3_carries_the_expired_status() {
        let v3 = VERSION_2_TICKET
            .replacen("\"v\":2", "\"v\":3", 1)
            .replacen("no_show", "expired", 1);
        let e = CommittedEvent::decode(v3.as_bytes()).unwrap();
        let EventBody::Ticket(t) = &e.body else {
            panic!("not a ticket");
        };
        assert_eq!(t.status, crate::ticket::TicketStatus::Expired);
        assert_eq!(
            String::from_utf8(e.encode().unwrap()).unwrap(),
            v3.replacen("\"v\":3", "\"v\":6", 1)
        );
    }

    /// A ticket event byte for byte as version 3 wrote it (the last version
    /// without case events).
    const VERSION_3_TICKET: &str = r#"{"v":3,"seq":48,"ts":"2026-11-26T01:02:03.456789Z","type":"ticket","payload":{"id":"20261126-A003","number":"A003","queue":"A","item":null,"status":"expired","channel":"onsite","priority":"normal","issued_at":"2026-11-26T01:02:03.456789Z","people_ahead":0,"estimated_wait_s":0,"expected_call_at":null,"window":null,"waiting_in":null,"phone":null,"id_number":null}}"#;

    #[test]
    fn events_written_by_version_3_still_decode_unchanged() {
        let e = CommittedEvent::decode(VERSION_3_TICKET.as_bytes()).unwrap();
        assert_eq!(e.body.kind(), "ticket");
        let again = String::from_utf8(e.encode().unwrap()).unwrap();
        assert_eq!(again, VERSION_3_TICKET.replacen("\"v\":3", "\"v\":6", 1));
    }

    /// A case event as version 4 writes it: the case event's own fields
    /// (without its own `v`) under `payload`.
    const VERSION_4_CASE: &str = r#"{"v":4,"seq":49,"ts":"2026-11-30T01:02:03Z","type":"case","payload":{"case":"demo-20261130-000001","at":"2026-11-30T01:02:03Z","by":"S01","role":"staff","type":"suspended","payload":{"reason":"hearing","detail":"听证","notice":"告知书1号"}}}"#;

    #[test]
    fn version_4_carries_case_events() {
        let e = CommittedEvent::decode(VERSION_4_CASE.as_bytes()).unwrap();
        let EventBody::Case(c) = &e.body else {
            panic!("not a case event");
        };
        assert_eq!(c.case.to_string(), "demo-20261130-000001");
        assert_eq!(c.body.kind(), "suspended");
        assert_eq!(e.body.kind(), "case");
        assert_eq!(
            String::from_utf8(e.encode().unwrap()).unwrap(),
            VERSION_4_CASE.replacen("\"v\":4", "\"v\":6", 1)
        );
    }

    /// A consultation event as version 5 writes it.
    const VERSION_5_CONSULTATION: &str = r#"{"v":5,"seq":50,"ts":"2026-11-30T01:02:03Z","type":"consultation","payload":{"id":"20261130-1764464523000-0","at":"2026-11-30T01:02:03Z","day":"2026-11-30","window":"5","staff":"S05","department":"amr","item":"company-setup","topic":null,"ticket":"20261130-B001","note":"询问所需材料"}}"#;

    #[test]
    fn version_5_carries_consultations_and_older_bytes_still_decode() {
        let e = CommittedEvent::decode(VERSION_5_CONSULTATION.as_bytes()).unwrap();
        let EventBody::Consultation(c) = &e.body else {
            panic!("not a consultation");
        };
        assert_eq!((c.window.as_str(), c.department.as_str()), ("5", "amr"));
        assert_eq!(e.body.kind(), "consultation");
        assert_eq!(
            String::from_utf8(e.encode().unwrap()).unwrap(),
            VERSION_5_CONSULTATION.replacen("\"v\":5", "\"v\":6", 1)
        );
        // Version 4 bytes (the last without consultations) read the same.
        let v4 = CommittedEvent::decode(VERSION_4_CASE.as_bytes()).unwrap();
        assert_eq!(v4.body.kind(), "case");
    }

    /// A notice event as version 6 writes it (sent, then cleared).
    const VERSION_6_NOTICES: [&str; 2] = [
        r#"{"v":6,"seq":50,"ts":"2026-11-30T02:00:00Z","type":"notice","payload":{"id":"n1764468000000","text_zh":"系统维护","text_en":"Maintenance","areas":["B"],"screens":[],"starts_at":"2026-11-30T02:00:00Z","expires_at":"2026-11-30T02:30:00Z","by":"admin","active":true}}"#,
        r#"{"v":6,"seq":51,"ts":"2026-11-30T02:10:00Z","type":"notice","payload":{"id":"n1764468000000","text_zh":"系统维护","areas":[],"screens":["hall"],"starts_at":"2026-11-30T02:00:00Z","expires_at":null,"by":"admin","active":false,"end":{"reason":"cleared","at":"2026-11-30T02:10:00Z","by":"boss"}}}"#,
    ];

    #[test]
    fn version_6_carries_notices_and_older_bytes_still_decode() {
        for bytes in VERSION_6_NOTICES {
            let e = CommittedEvent::decode(bytes.as_bytes()).unwrap();
            let EventBody::Notice(n) = &e.body else {
                panic!("not a notice");
            };
            assert_eq!(n.notice.id, "n1764468000000");
            assert_eq!(e.body.kind(), "notice");
            assert_eq!(String::from_utf8(e.encode().unwrap()).unwrap(), bytes);
        }
        let EventBody::Notice(cleared) = CommittedEvent::decode(VERSION_6_NOTICES[1].as_bytes())
            .unwrap()
            .body
        else {
            panic!("not a notice");
        };
        assert!(!cleared.active);
        assert_eq!(
            cleared.end.map(|e| (e.reason, e.by)),
            Some((
                crate::hall_notice::NoticeEndKind::Cleared,
                "boss".to_string()
            ))
        );
        // Version 5 bytes (the last without notices) read the same.
        let v5 = CommittedEvent::decode(VERSION_5_CONSULTATION.as_bytes()).unwrap();
        assert_eq!(v5.body.kind(), "consultation");
    }

    #[test]
    fn the_current_version_round_trips() {
        for old in VERSION_1 {
            let e = CommittedEvent::decode(old.as_bytes()).unwrap();
            let bytes = e.encode().unwrap();
            assert!(bytes.starts_with(b"{\"v\":6,"));
            assert_eq!(CommittedEvent::decode(&bytes).unwrap(), e);
        }
    }

    #[test]
    fn an_unknown_version_is_refused_not_misread() {
        // A future version whose bytes happen to parse as today's event.
        let same_shape = VERSION_1[0].replacen('{', "{\"v\":7,", 1);
        // And one that does not parse at all.
        let new_shape = r#"{"v":7,"seq":41,"ts":"2026-11-26T01:02:03Z","kind":"call","data":[]}"#;
        for bytes in [same_shape.as_str(), new_shape] {
            match CommittedEvent::decode(bytes.as_bytes()) {
                Err(EventDecodeError::UnsupportedVersion { found: 7 }) => {}
                other => panic!("version 7 not refused: {other:?}"),
            }
            assert!(serde_json::from_str::<CommittedEvent>(bytes).is_err());
        }
        let zero = VERSION_1[0].replacen('{', "{\"v\":0,", 1);
        assert!(matches!(
            CommittedEvent::decode(zero.as_bytes()),
            Err(EventDecodeError::UnsupportedVersion { found: 0 })
        ));
        let err = CommittedEvent::decode(same_shape.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("version 7"), "{err}");
    }

    #[test]
    fn malformed_bytes_are_malformed() {
        assert!(matches!(
            CommittedEvent::decode(b"not json"),
            Err(EventDecodeError::Malformed { version: None, .. })
        ));
        assert!(matches!(
            CommittedEvent::decode(br#"{"v":2,"seq":1}"#),
            Err(EventDecodeError::Malformed {
                version: Some(2),
                ..
            })
        ));
    }
}
