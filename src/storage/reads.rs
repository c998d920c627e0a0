//! The read side of the storage port: typed reads of the hall database for
//! the HTTP handlers, the ticket board, the notifier and start-up.
//!
//! Every method is a blocking database read: on a tokio worker, call it in
//! `spawn_blocking`. Values are decoded here (JSON records, versioned
//! events), so callers see typed values and a typed [`ReadError`], never a
//! key or raw bytes. Keys come from `tingwu_actors::keys`, the one module
//! that spells them.

use std::sync::Arc;

use tingwu_actors::appointment::Booking;
use tingwu_actors::core::case::{CaseRecord, PackageRecord};
use tingwu_actors::core::consultation::StoredConsultation;
use tingwu_actors::core::ticket::{Ticket, TicketStatus};
use tingwu_actors::events::{AuditEntry, CommittedEvent, EventBody, EventDecodeError};
use tingwu_actors::keys;
use tracing::warn;

/// Events looked back through for the newest audit entries: the bound on
/// one `GET /api/v1/audit`.
pub const AUDIT_LOOK_BACK: usize = 100_000;

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The database itself failed (I/O, corruption).
    #[error("database read failed: {0}")]
    Database(#[from] sled::Error),
    /// A record is there but is not what its key says.
    #[error("{what} record unreadable ({key}): {source}")]
    Unreadable {
        /// `ticket`, `evaluation`, …
        what: &'static str,
        key: String,
        source: serde_json::Error,
    },
}

/// The records of one scan, and how many were unreadable and skipped
/// (each logged as a warning with its key).
#[derive(Debug)]
pub struct Scanned<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

/// One stored outbox entry, in sequence order. `event` is `None` when the
/// stored bytes do not decode (logged): the sequence still counts as read.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: u64,
    pub event: Option<Arc<CommittedEvent>>,
}

/// An audit entry as the outbox holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Its outbox sequence number.
    pub seq: u64,
    /// When it was committed (UTC).
    pub ts: chrono::DateTime<chrono::Utc>,
    pub entry: AuditEntry,
}

/// Where the outbox stands: the newest sequence number and the notifier's
/// saved cursor (the last event whose notices are all done), if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxPosition {
    pub last_seq: u64,
    pub notify_cursor: Option<u64>,
}

/// Cloneable read handle on the hall database (clones share it).
#[derive(Clone)]
pub struct StoreReader {
    pub(super) db: sled::Db,
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl StoreReader {
    /// Records under one key prefix, decoded; unreadable ones skipped.
    fn scan<T: serde::de::DeserializeOwned>(
        &self,
        what: &'static str,
        prefix: Vec<u8>,
    ) -> Result<Scanned<T>, ReadError> {
        self.decode_all(what, self.db.scan_prefix(prefix))
    }

    fn decode_all<T: serde::de::DeserializeOwned>(
        &self,
        what: &'static str,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Scanned<T>, ReadError> {
        let mut out = Scanned {
            items: Vec::new(),
            skipped: 0,
        };
        for kv in iter {
            let (k, v) = kv?;
            match serde_json::from_slice::<T>(&v) {
                Ok(t) => out.items.push(t),
                Err(e) => {
                    out.skipped += 1;
                    warn!(record = what, key = %lossy(&k), error = %e, "unreadable record skipped");
                }
            }
        }
        Ok(out)
    }

    /// One JSON record, `None` if absent.
    fn get<T: serde::de::DeserializeOwned>(
        &self,
        what: &'static str,
        key: Vec<u8>,
    ) -> Result<Option<T>, ReadError> {
        let Some(v) = self.db.get(&key)? else {
            return Ok(None);
        };
        serde_json::from_slice(&v)
            .map(Some)
            .map_err(|source| ReadError::Unreadable {
                what,
                key: lossy(&key),
                source,
            })
    }

    /// Every ticket of a hall day (`20261126`), any status, in queue and
    /// number order.
    pub fn tickets_of_day(&self, day: &str) -> Result<Scanned<Ticket>, ReadError> {
        self.scan("ticket", keys::tickets_of_day(day))
    }

    /// One ticket by its day, queue id and number in the day.
    pub fn ticket(&self, day: &str, queue: &str, seq: u32) -> Result<Option<Ticket>, ReadError> {
        self.get("ticket", keys::ticket(day, queue, seq))
    }

    /// A day's tickets still waiting whose record holds a sealed phone.
    pub fn waiting_with_phone(&self, day: &str) -> Result<Vec<Ticket>, ReadError> {
        Ok(self
            .tickets_of_day(day)?
            .items
            .into_iter()
            .filter(|t| t.status == TicketStatus::Waiting && t.personal.phone_sealed.is_some())
            .collect())
    }

    /// Tickets still waiting from hall days before `today` (`20261126`) that
    /// the end-of-day rule may not have reached: the bounded run of days of
    /// `core::day_end::days_to_check` after the last day closed
    /// (`keys::DAY_END_DONE`), one prefix scan each.
    pub fn unfinished_before(&self, today: &str) -> Result<Scanned<Ticket>, ReadError> {
        let done = self
            .db
            .get(keys::DAY_END_DONE)?
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        let mut out = Scanned {
            items: Vec::new(),
            skipped: 0,
        };
        for day in tingwu_actors::core::day_end::days_to_check(today, done.as_deref()) {
            let scanned = self.tickets_of_day(&day)?;
            out.skipped += scanned.skipped;
            out.items.extend(
                scanned
                    .items
                    .into_iter()
                    .filter(|t| tingwu_actors::core::day_end::unfinished(t, today)),
            );
        }
        Ok(out)
    }

    /// Bookings of one hall day (`20261126`).
    pub fn bookings_of_day(&self, day: &str) -> Result<Scanned<Booking>, ReadError> {
        self.scan("booking", keys::bookings_of_day(day))
    }

    /// Bookings of a hall day and every later day.
    pub fn bookings_from(&self, day: &str) -> Result<Scanned<Booking>, ReadError> {
        let range = keys::bookings_of_day(day)..keys::BOOKINGS_END.to_vec();
        self.decode_all("booking", self.db.range(range))
    }

    /// The rating record (好差评) of a ticket's service, by its day and id.
    pub fn rating(
        &self,
        day: &str,
        ticket: &str,
    ) -> Result<Option<tingwu_actors::core::rating::RatingRecord>, ReadError> {
        self.get("rating", keys::rating(day, ticket))
    }

    /// Every case record, in number order.
    pub fn cases(&self) -> Result<Scanned<CaseRecord>, ReadError> {
        self.scan("case", keys::CASES.to_vec())
    }

    /// The consultations (咨询) of hall days `from` to `to` (`20261130`,
    /// both included), oldest first.
    pub fn consultations(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Scanned<StoredConsultation>, ReadError> {
        let range = keys::consultations_of_day(from)..keys::consultations_after_day(to);
        self.decode_all("consultation", self.db.range(range))
    }

    /// One case record by number (`keys::case`), open or closed, however
    /// old: the case actor holds only open cases and those closed in the
    /// last 90 days.
    pub fn case(&self, number: &str) -> Result<Option<CaseRecord>, ReadError> {
        self.get("case", keys::case(number))
    }

    /// Every package (套餐) record, in number order (`keys::package`).
    pub fn packages(&self) -> Result<Scanned<PackageRecord>, ReadError> {
        self.scan("package", keys::PACKAGES.to_vec())
    }

    /// The numbers of the open cases, soonest deadline first (those whose
    /// deadline is not known — before acceptance, or while the clock stands
    /// still — last): the supervision index `keys::open_case`.
    pub fn open_cases_by_deadline(&self) -> Result<Vec<String>, ReadError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix(keys::OPEN_CASES) {
            let (k, _) = kv?;
            if let Some(n) = keys::open_case_number(&k) {
                out.push(n.to_string());
            }
        }
        Ok(out)
    }

    /// Up to `limit` outbox entries after sequence `after`, oldest first.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<OutboxEntry>, ReadError> {
        let mut out = Vec::new();
        for kv in self.db.range(keys::event(after.saturating_add(1))..) {
            let (k, v) = kv?;
            if !k.starts_with(keys::EVENTS) {
                break;
            }
            let Some(seq) = keys::event_seq(&k) else {
                continue;
            };
            out.push(OutboxEntry {
                seq,
                event: decode_event(seq, &v).map(Arc::new),
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The newest `limit` events, oldest first, and the newest sequence
    /// number in the outbox (0 when empty). Unreadable events are skipped
    /// (logged) but count towards the sequence.
    pub fn newest_events(
        &self,
        limit: usize,
    ) -> Result<(Vec<Arc<CommittedEvent>>, u64), ReadError> {
        let mut last_seq = 0;
        let mut recent = Vec::new();
        if limit == 0 {
            return Ok((recent, self.last_seq()?));
        }
        for kv in self.db.scan_prefix(keys::EVENTS).rev() {
            let (k, v) = kv?;
            let Some(seq) = keys::event_seq(&k) else {
                continue;
            };
            last_seq = last_seq.max(seq);
            if let Some(e) = decode_event(seq, &v) {
                recent.push(Arc::new(e));
            }
            if recent.len() >= limit {
                break;
            }
        }
        recent.reverse();
        Ok((recent, last_seq))
    }

    /// The newest sequence number in the outbox (0 when empty).
    pub fn last_seq(&self) -> Result<u64, ReadError> {
        Ok(match self.db.scan_prefix(keys::EVENTS).next_back() {
            Some(kv) => keys::event_seq(&kv?.0).unwrap_or(0),
            None => 0,
        })
    }

    /// The newest sequence number and the notifier's saved cursor (a
    /// cursor that does not parse counts as none).
    pub fn outbox_position(&self) -> Result<OutboxPosition, ReadError> {
        let notify_cursor = self
            .db
            .get(keys::NOTIFY_CURSOR)?
            .and_then(|v| std::str::from_utf8(&v).ok()?.trim().parse().ok());
        Ok(OutboxPosition {
            last_seq: self.last_seq()?,
            notify_cursor,
        })
    }

    /// The newest `limit` audit entries, newest first, looking back through
    /// at most [`AUDIT_LOOK_BACK`] events. A read failure part-way ends the
    /// look-back (logged) with the entries found so far: they are still the
    /// newest. Events that do not decode are passed over.
    pub fn newest_audit(&self, limit: usize) -> Vec<AuditRecord> {
        let mut out = Vec::new();
        if limit == 0 {
            return out;
        }
        for kv in self
            .db
            .scan_prefix(keys::EVENTS)
            .rev()
            .take(AUDIT_LOOK_BACK)
        {
            let (_, v) = match kv {
                Ok(kv) => kv,
                Err(e) => {
                    warn!(error = %e, found = out.len(), "audit look-back ended by a read failure");
                    break;
                }
            };
            if let Ok(e) = CommittedEvent::decode(&v) {
                if let EventBody::Audit(entry) = e.body {
                    out.push(AuditRecord {
                        seq: e.seq,
                        ts: e.ts,
                        entry,
                    });
                    if out.len() >= limit {
                        break;
                    }
                }
            }
        }
        out
    }

    /// Every record under one prefix, raw: for start-up recovery only.
    pub(super) fn raw_prefix(
        &self,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), ReadError>> {
        self.db.scan_prefix(prefix).map(|kv| {
            kv.map(|(k, v)| (k.to_vec(), v.to_vec()))
                .map_err(ReadError::from)
        })
    }
}

/// Decodes a stored event, logging (not failing on) one that does not.
fn decode_event(seq: u64, bytes: &[u8]) -> Option<CommittedEvent> {
    match CommittedEvent::decode(bytes) {
        Ok(e) => Some(e),
        Err(e @ EventDecodeError::UnsupportedVersion { .. }) => {
            warn!(seq, error = %e, "event of an unknown schema version skipped");
            None
        }
        Err(e) => {
            warn!(seq, error = %e, "unreadable event skipped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;
    use chrono::Utc;
    use tingwu_actors::store::Commit;
    use tingwu_actors::views::QueueView;

    fn audit(n: u64) -> EventBody {
        EventBody::Audit(AuditEntry {
            who: "admin".into(),
            action: format!("action{n}"),
            target: "hall".into(),
            reason: None,
            detail: serde_json::Value::Null,
        })
    }

    fn queue(n: u64) -> EventBody {
        EventBody::Queue(QueueView {
            id: "A".into(),
            prefix: "A".into(),
            name: "综合".into(),
            name_en: String::new(),
            area: "A".into(),
            waiting: n,
            issued: n,
            version: n,
        })
    }

    /// Stores events 1..=n as the writer would (`audit` every third).
    fn outbox(n: u64) -> Storage {
        let storage = Storage::temporary().unwrap();
        let mut c = Commit::default();
        for seq in 1..=n {
            let body = if seq % 3 == 0 { audit(seq) } else { queue(seq) };
            let e = CommittedEvent {
                seq,
                ts: Utc::now(),
                body,
            };
            c.put(keys::event(seq), e.encode().unwrap());
        }
        storage.write_now(c).unwrap();
        storage
    }

    #[test]
    fn newest_audit_entries_come_newest_first_and_bounded() {
        let r = outbox(30).reader();
        let got: Vec<u64> = r.newest_audit(4).iter().map(|a| a.seq).collect();
        assert_eq!(got, [30, 27, 24, 21]);
        assert_eq!(r.newest_audit(100).len(), 10);
        assert_eq!(r.newest_audit(4)[0].entry.action, "action30");
        assert!(r.newest_audit(0).is_empty());
    }

    #[test]
    fn events_after_reads_in_order_and_passes_over_unreadable_ones() {
        let storage = outbox(10);
        let mut c = Commit::default();
        c.put(keys::event(11), b"not an event".to_vec());
        c.put(
            keys::event(12),
            br#"{"v":9,"seq":12,"ts":"2026-11-26T01:02:03Z","type":"queue","payload":{}}"#.to_vec(),
        );
        // Not part of the outbox, sorting right after it.
        c.put(keys::window("1"), b"{}".to_vec());
        storage.write_now(c).unwrap();
        let r = storage.reader();
        let seqs = |v: Vec<OutboxEntry>| v.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(r.events_after(0, 3).unwrap()), [1, 2, 3]);
        let tail = r.events_after(8, 100).unwrap();
        assert_eq!(seqs(tail.clone()), [9, 10, 11, 12]);
        assert!(tail[1].event.is_some());
        assert!(tail[2].event.is_none() && tail[3].event.is_none());
        let (recent, last) = r.newest_events(5).unwrap();
        assert_eq!(last, 12);
        assert_eq!(
            recent.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [6, 7, 8, 9, 10]
        );
    }

    #[test]
    fn events_stored_before_versions_are_read_back() {
        let storage = Storage::temporary().unwrap();
        let mut c = Commit::default();
        // Exactly as halls stored them before the `v` field.
        c.put(
            keys::event(1),
            br#"{"seq":1,"ts":"2026-11-26T01:02:03.456789Z","type":"audit","payload":{"who":"admin","action":"strategy","target":"hall","reason":null,"detail":null}}"#.to_vec(),
        );
        storage.write_now(c).unwrap();
        let r = storage.reader();
        assert_eq!(r.newest_audit(5).len(), 1);
        assert!(r.events_after(0, 5).unwrap()[0].event.is_some());
    }

    #[test]
    fn the_outbox_position_has_the_last_seq_and_the_cursor() {
        let storage = outbox(7);
        let r = storage.reader();
        assert_eq!(
            r.outbox_position().unwrap(),
            OutboxPosition {
                last_seq: 7,
                notify_cursor: None
            }
        );
        let mut c = Commit::default();
        c.put(keys::NOTIFY_CURSOR.to_vec(), b"5".to_vec());
        storage.write_now(c).unwrap();
        assert_eq!(r.outbox_position().unwrap().notify_cursor, Some(5));
        let empty = Storage::temporary().unwrap().reader();
        assert_eq!(empty.outbox_position().unwrap(), OutboxPosition::default());
    }

    #[test]
    fn a_record_that_does_not_decode_is_a_typed_error() {
        let storage = Storage::temporary().unwrap();
        let mut c = Commit::default();
        c.put(keys::ticket("20261126", "A", 1), b"{".to_vec());
        storage.write_now(c).unwrap();
        let r = storage.reader();
        assert!(matches!(
            r.ticket("20261126", "A", 1),
            Err(ReadError::Unreadable { what: "ticket", .. })
        ));
        assert!(r.ticket("20261126", "A", 2).unwrap().is_none());
        assert!(r.rating("20261126", "20261126-A001").unwrap().is_none());
        let day = r.tickets_of_day("20261126").unwrap();
        assert_eq!((day.items.len(), day.skipped), (0, 1));
    }
}
