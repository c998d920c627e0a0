//! ID-card reads (身份证阅读器) as rules: what a read means where the reader
//! stands, and when the reader's offline alarm is raised or cleared.
//!
//! At a kiosk a read takes a ticket for that person for the reader's item;
//! at a window it identifies the applicant for the next case intake. A card
//! left on the reader is not read twice: the same holder within
//! [`REREAD_QUIET`] of the last read that counted is ignored. A reader whose
//! port vanished raises `reader/{id}/offline` once, cleared once it is back.
//! The card reader actor (`tingwu_actors::card_reader`) keeps the state,
//! calls these and sends the ticket request or the alarm.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::alarm::{Alarm, Severity};
use crate::config::CardReaderConfig;
use crate::ticket::Channel;

/// The same card read again within this time takes no second ticket.
pub const REREAD_QUIET: Duration = Duration::from_secs(30);
/// How long a ticket taken by a card read may take to issue.
pub const ISSUE_DEADLINE: Duration = Duration::from_secs(8);

/// The applicant a window's reader identified: masked values only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applicant {
    /// `张*丰`.
    pub name_masked: String,
    /// `110***********002X`.
    pub id_masked: String,
    pub read_at: DateTime<Utc>,
}

/// What a read means at a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// At a kiosk: take a ticket for `item` on `channel`, issued by
    /// `deadline` or not at all. The read's priority and personal data go
    /// with it unchanged.
    TakeTicket {
        item: Option<String>,
        channel: Channel,
        deadline: Instant,
    },
    /// At a window: the read's holder is the applicant now.
    Identify,
    /// The same card again, too soon.
    Ignore,
}

/// The last read that counted: the holder's fingerprint and when.
pub type LastRead = (String, Instant);

/// The rule for one read of the card whose holder fingerprint is `holder`
/// (None when the card gave none), `last` being the last read that counted.
pub fn decide(
    cfg: &CardReaderConfig,
    holder: Option<&str>,
    last: Option<(&str, Instant)>,
    now: Instant,
) -> Decision {
    if let (Some(h), Some((prev, at))) = (holder, last) {
        if h == prev && now.saturating_duration_since(at) < REREAD_QUIET {
            return Decision::Ignore;
        }
    }
    if cfg.kiosk.is_some() {
        Decision::TakeTicket {
            item: cfg.item.clone(),
            channel: Channel::Onsite,
            deadline: now + ISSUE_DEADLINE,
        }
    } else {
        Decision::Identify
    }
}

/// The last read that counts after `decision`: an ignored read changes
/// nothing (so a card left on the reader stays quiet from its first read);
/// any other read is the new last one, and a read without a holder forgets
/// the previous holder.
pub fn remember(
    decision: &Decision,
    last: Option<LastRead>,
    holder: Option<&str>,
    now: Instant,
) -> Option<LastRead> {
    match decision {
        Decision::Ignore => last,
        Decision::TakeTicket { .. } | Decision::Identify => holder.map(|h| (h.to_string(), now)),
    }
}

/// The id of reader `id`'s offline alarm: `reader/R1/offline`.
pub fn offline_alarm_id(id: &str) -> String {
    format!("reader/{id}/offline")
}

/// The offline alarm of reader `id`.
pub fn offline_alarm(id: &str, reason: &str) -> Alarm {
    Alarm {
        id: offline_alarm_id(id),
        source: format!("reader/{id}"),
        kind: "offline".into(),
        severity: Severity::Error,
        message_zh: format!("身份证阅读器 {id} 离线，请检查连接"),
        message_en: format!("ID-card reader {id} is offline: {reason}"),
    }
}

/// The state of a reader's serial port, as its link reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port<'a> {
    /// The port is open.
    Open,
    /// The port failed, vanished or could not be opened, and why.
    Lost { reason: &'a str },
}

/// An alarm to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmChange {
    Raise(Alarm),
    /// The id of the alarm to clear.
    Clear(String),
}

/// The offline alarm change for reader `id` when its port is `port` and
/// the alarm is `raised` now: raised once when the port is lost, cleared
/// once when it is open again, otherwise nothing. After a change the alarm
/// is raised exactly when the change was a [`AlarmChange::Raise`].
pub fn offline_change(id: &str, raised: bool, port: Port) -> Option<AlarmChange> {
    match port {
        Port::Open if raised => Some(AlarmChange::Clear(offline_alarm_id(id))),
        Port::Lost { reason } if !raised => Some(AlarmChange::Raise(offline_alarm(id, reason))),
        Port::Open | Port::Lost { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cfg(kiosk: bool) -> CardReaderConfig {
        CardReaderConfig {
            id: "R1".into(),
            path: "/dev/ttyUSB0".into(),
            baud: 115_200,
            kiosk: kiosk.then(|| "K1".to_string()),
            window: (!kiosk).then(|| "3".to_string()),
            item: kiosk.then(|| "general".to_string()),
        }
    }

    #[test]
    fn a_kiosk_read_takes_a_ticket_for_the_item() {
        let now = Instant::now();
        assert_eq!(
            decide(&cfg(true), Some("h1"), None, now),
            Decision::TakeTicket {
                item: Some("general".into()),
                channel: Channel::Onsite,
                deadline: now + ISSUE_DEADLINE,
            }
        );
    }

    #[test]
    fn a_window_read_identifies_the_applicant() {
        let now = Instant::now();
        assert_eq!(
            decide(&cfg(false), Some("h1"), None, now),
            Decision::Identify
        );
    }

    #[test]
    fn the_same_card_is_quiet_for_a_while() {
        let now = Instant::now();
        let c = cfg(true);
        let soon = now + Duration::from_secs(5);
        assert_eq!(
            decide(&c, Some("h1"), Some(("h1", now)), soon),
            Decision::Ignore
        );
        assert!(matches!(
            decide(&c, Some("h2"), Some(("h1", now)), soon),
            Decision::TakeTicket { .. }
        ));
        assert!(matches!(
            decide(&c, Some("h1"), Some(("h1", now)), now + REREAD_QUIET),
            Decision::TakeTicket { .. }
        ));
        assert!(
            matches!(
                decide(&c, None, Some(("h1", now)), soon),
                Decision::TakeTicket { .. }
            ),
            "a card without a holder fingerprint is never taken for the last one"
        );
        // An ignored read keeps the first read's time: the quiet time does
        // not grow while the card lies there.
        let last = Some(("h1".to_string(), now));
        assert_eq!(
            remember(&Decision::Ignore, last.clone(), Some("h1"), soon),
            last
        );
        assert_eq!(
            remember(&Decision::Identify, last, Some("h2"), soon),
            Some(("h2".to_string(), soon))
        );
        assert_eq!(
            remember(&Decision::Identify, Some(("h1".into(), now)), None, soon),
            None
        );
    }

    #[test]
    fn the_offline_alarm_names_the_reader_and_is_raised_once() {
        let a = offline_alarm("R1", "port vanished");
        assert_eq!(a.id, "reader/R1/offline");
        assert_eq!(a.severity, Severity::Error);
        assert!(a.message_en.contains("port vanished"));
        let lost = Port::Lost {
            reason: "port vanished",
        };
        assert_eq!(
            offline_change("R1", false, lost),
            Some(AlarmChange::Raise(a))
        );
        assert_eq!(offline_change("R1", true, lost), None);
        assert_eq!(
            offline_change("R1", true, Port::Open),
            Some(AlarmChange::Clear("reader/R1/offline".into()))
        );
        assert_eq!(offline_change("R1", false, Port::Open), None);
    }

    proptest! {
        /// Whatever the order and timing of reads, a holder never counts
        /// twice within the quiet time of its previous counted read, and a
        /// read is ignored only for that reason.
        #[test]
        fn a_holder_counts_at_most_once_per_quiet_time(
            reads in proptest::collection::vec((proptest::option::of(0u8..3), 0u64..40), 1..60),
            at_kiosk in any::<bool>(),
        ) {
            let c = cfg(at_kiosk);
            let start = Instant::now();
            let mut now = start;
            let mut last: Option<LastRead> = None;
            for (holder, gap) in reads {
                now += Duration::from_secs(gap);
                let holder = holder.map(|h| format!("h{h}"));
                let d = decide(&c, holder.as_deref(), last.as_ref().map(|(h, at)| (h.as_str(), *at)), now);
                let too_soon = match (&holder, &last) {
                    (Some(h), Some((prev, at))) => h == prev && now - *at < REREAD_QUIET,
                    _ => false,
                };
                prop_assert_eq!(d == Decision::Ignore, too_soon);
                if d != Decision::Ignore {
                    prop_assert_eq!(matches!(d, Decision::TakeTicket { .. }), at_kiosk);
                }
                last = remember(&d, last, holder.as_deref(), now);
            }
        }

        /// Any run of port reports raises and clears the offline alarm
        /// alternately, starting with a raise: never twice in a row, never
        /// a clear of an alarm that is not raised.
        #[test]
        fn the_offline_alarm_alternates(ports in proptest::collection::vec(any::<bool>(), 0..40)) {
            let mut raised = false;
            for open in ports {
                let port = if open { Port::Open } else { Port::Lost { reason: "gone" } };
                match offline_change("R1", raised, port) {
                    Some(AlarmChange::Raise(_)) => { prop_assert!(!raised && !open); raised = true; }
                    Some(AlarmChange::Clear(_)) => { prop_assert!(raised && open); raised = false; }
                    None => prop_assert_eq!(raised, !open),
                }
                prop_assert_eq!(raised, !open);
            }
        }
    }
}
