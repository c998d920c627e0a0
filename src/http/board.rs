//! The ticket board: an in-memory read model of today's tickets for
//! `GET /api/v1/tickets/{id}`, so that a status page polling its ticket
//! costs a map lookup, not a database read on a tokio worker.
//!
//! It holds only durable state: it is seeded from what start-up recovered
//! and then follows the committed `ticket` events (published by the storage
//! writer after the fsync). If it falls behind the broadcast channel it
//! reloads today's tickets from storage (in `spawn_blocking`) and carries on.
//! It never holds personal data, not even masked: views are stored with
//! `phone` and `id_number` cleared.
//! People ahead and the wait are asked of the queue (by ticket id) when a
//! waiting ticket is read.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use tingwu_actors::clock::HallClock;
use tingwu_actors::core::ticket::{parse_ticket_id, Ticket};
use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_actors::views::TicketView;
use tokio::sync::{broadcast, watch};
use tracing::{debug, error, warn};

use crate::storage::StoreReader;

/// One ticket on the board.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The public view: no phone, no ID number; position fields as of the
    /// last event (the caller asks the queue for fresh ones).
    pub view: TicketView,
}

/// The view the public may see: personal data dropped.
pub fn public(mut view: TicketView) -> TicketView {
    view.phone = None;
    view.id_number = None;
    view
}

#[derive(Default)]
struct Inner {
    /// The newest hall day seen; older days are dropped from the board.
    day: String,
    tickets: HashMap<String, Entry>,
}

pub struct TicketBoard {
    inner: RwLock<Inner>,
    /// Bumped on every change, for `wait_for`.
    changed: watch::Sender<u64>,
}

impl TicketBoard {
    /// A board holding the tickets of `day` that storage recovered.
    pub fn seeded(day: &str, tickets: &[Ticket]) -> Self {
        let board = Self {
            inner: RwLock::new(Inner::default()),
            changed: watch::Sender::new(0),
        };
        board.reseed(day, tickets);
        board
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        // Writers never leave the maps half-changed; poisoned is still usable.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the board with the tickets of `day` read from storage.
    pub fn reseed(&self, day: &str, tickets: &[Ticket]) {
        {
            let mut inner = self.write();
            inner.day = day.to_string();
            inner.tickets.clear();
            for t in tickets.iter().filter(|t| t.day == day) {
                inner.tickets.insert(
                    t.id.clone(),
                    Entry {
                        view: public(TicketView::of(t, 0, 0)),
                    },
                );
            }
        }
        self.changed.send_modify(|v| *v += 1);
    }

    /// Applies a committed ticket event.
    pub fn apply(&self, view: &TicketView) {
        let Some((day, _, _)) = parse_ticket_id(&view.id) else {
            return;
        };
        {
            let mut inner = self.write();
            if day < inner.day.as_str() {
                // A late change to an earlier day's ticket: storage has it,
                // and GET reads earlier days from storage.
                return;
            }
            if day > inner.day.as_str() {
                inner.day = day.to_string();
                let today = inner.day.clone();
                inner
                    .tickets
                    .retain(|id, _| parse_ticket_id(id).is_some_and(|(d, _, _)| d == today));
            }
            let view = public(view.clone());
            inner.tickets.insert(view.id.clone(), Entry { view });
        }
        self.changed.send_modify(|v| *v += 1);
    }

    pub fn get(&self, id: &str) -> Option<Entry> {
        self.read().tickets.get(id).cloned()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.read().tickets.len()
    }

    /// Waits until the board shows ticket `id`, for at most `limit`; false
    /// if it did not. A client that was just given a ticket can then read
    /// it back at once.
    pub async fn wait_for(&self, id: &str, limit: Duration) -> bool {
        let mut changes = self.changed.subscribe();
        let shown = async {
            loop {
                if self.read().tickets.contains_key(id) {
                    return true;
                }
                if changes.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(limit, shown).await.unwrap_or(false)
    }
}

/// Keeps the board in step with the committed events until the store
/// closes. `events` must have been subscribed before anything after the
/// seed was committed.
pub async fn follow(
    board: Arc<TicketBoard>,
    mut events: broadcast::Receiver<Arc<CommittedEvent>>,
    reader: StoreReader,
    clock: HallClock,
) {
    loop {
        match events.recv().await {
            Ok(ev) => {
                if let EventBody::Ticket(view) = &ev.body {
                    board.apply(view);
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                warn!(
                    missed,
                    "ticket board fell behind the events; reloading today's tickets from storage"
                );
                // Whatever is committed from now on arrives on the new
                // receiver; everything before it is in storage already.
                events = events.resubscribe();
                let day = clock.day(clock.now());
                let reader = reader.clone();
                let scan_day_of = day.clone();
                match tokio::task::spawn_blocking(move || reader.tickets_of_day(&scan_day_of)).await
                {
                    Ok(Ok(tickets)) => {
                        debug!(day = %day, tickets = tickets.items.len(), "ticket board reloaded");
                        board.reseed(&day, &tickets.items);
                    }
                    Ok(Err(e)) => error!(error = %e, "ticket board: storage scan failed"),
                    Err(e) => error!(error = %e, "ticket board: storage scan did not finish"),
                }
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use tingwu_actors::core::ticket::{Channel, Priority};
    use tingwu_actors::core::ticket::{Personal, TicketStatus};

    fn ticket(day: &str, queue: &str, seq: u32, arrival: i64) -> Ticket {
        let number = format!("{queue}{seq:03}");
        Ticket {
            id: format!("{day}-{number}"),
            day: day.into(),
            queue: queue.into(),
            seq,
            number,
            item: None,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            status: TicketStatus::Waiting,
            issued_at: Utc.timestamp_micros(arrival).unwrap(),
            arrival,
            window: None,
            called_at: None,
            started_at: None,
            finished_at: None,
            personal: Personal {
                phone_sealed: Some("sealed".into()),
                phone_masked: Some("138****5678".into()),
                id_sealed: Some("sealed".into()),
                id_masked: Some("110***********002X".into()),
                holders: vec!["fp".into()],
            },
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        }
    }

    #[test]
    fn the_board_holds_no_personal_data() {
        let t = ticket("20261126", "A", 1, 1_000);
        let board = TicketBoard::seeded("20261126", std::slice::from_ref(&t));
        let e = board.get(&t.id).unwrap();
        assert_eq!((e.view.phone, e.view.id_number), (None, None));
        board.apply(&TicketView::of(&ticket("20261126", "A", 2, 2_000), 1, 60));
        let e = board.get("20261126-A002").unwrap();
        assert_eq!((e.view.phone, e.view.id_number), (None, None));
    }

    #[test]
    fn events_update_the_board() {
        let seeded = ticket("20261126", "A", 1, 5_000);
        let board = TicketBoard::seeded("20261126", &[seeded]);
        let second = ticket("20261126", "A", 2, 5_001);
        board.apply(&TicketView::of(&second, 1, 0));
        assert_eq!(
            board.get(&second.id).unwrap().view.status,
            TicketStatus::Waiting
        );
        // Called: the status and window change.
        let mut called = second.clone();
        called.status = TicketStatus::Called;
        called.window = Some("3".into());
        board.apply(&TicketView::of(&called, 0, 0));
        let e = board.get(&second.id).unwrap();
        assert_eq!(e.view.status, TicketStatus::Called);
        assert_eq!(e.view.window.as_deref(), Some("3"));
    }

    #[test]
    fn a_new_day_drops_yesterday_and_late_changes_to_it_are_ignored() {
        let board = TicketBoard::seeded("20261126", &[ticket("20261126", "A", 1, 1)]);
        board.apply(&TicketView::of(&ticket("20261127", "A", 1, 10), 0, 0));
        assert!(board.get("20261126-A001").is_none());
        assert!(board.get("20261127-A001").is_some());
        board.apply(&TicketView::of(&ticket("20261126", "A", 2, 2), 0, 0));
        assert!(board.get("20261126-A002").is_none());
        assert_eq!(board.len(), 1);
    }

    #[tokio::test]
    async fn wait_for_sees_a_ticket_applied_later() {
        let board = Arc::new(TicketBoard::seeded("20261126", &[]));
        let t = ticket("20261126", "A", 1, 1);
        let b = board.clone();
        let view = TicketView::of(&t, 0, 0);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            b.apply(&view);
        });
        assert!(board.wait_for(&t.id, Duration::from_secs(5)).await);
        assert!(
            !board
                .wait_for("20261126-A002", Duration::from_millis(30))
                .await
        );
    }

    #[tokio::test]
    async fn a_board_that_falls_behind_reloads_from_storage() {
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = HallClock::of(&cfg);
        let day = clock.day(clock.now());
        let board = Arc::new(TicketBoard::seeded(&day, &[]));
        let (tx, rx) = broadcast::channel::<Arc<CommittedEvent>>(2);
        // Five events, of which the board's receiver can keep two; the
        // tickets are in storage, as they would be before publication.
        for seq in 1..=5u32 {
            let t = ticket(&day, "A", seq, i64::from(seq));
            let mut commit = tingwu_actors::store::Commit::default();
            commit.put_json(tingwu_actors::keys::ticket(&day, "A", seq), &t);
            storage.write_now(commit).unwrap();
            tx.send(Arc::new(CommittedEvent {
                seq: u64::from(seq),
                ts: Utc::now(),
                body: EventBody::Ticket(TicketView::of(&t, 0, 0)),
            }))
            .unwrap();
        }
        let task = tokio::spawn(follow(board.clone(), rx, storage.reader(), clock));
        for seq in 1..=5u32 {
            let id = format!("{day}-A{seq:03}");
            assert!(board.wait_for(&id, Duration::from_secs(5)).await, "{id}");
        }
        // The first three events were lost to the lag; the reload found them.
        assert!(board.get(&format!("{day}-A001")).is_some());
        // And it keeps following afterwards.
        let t = ticket(&day, "A", 6, 6);
        tx.send(Arc::new(CommittedEvent {
            seq: 6,
            ts: Utc::now(),
            body: EventBody::Ticket(TicketView::of(&t, 0, 0)),
        }))
        .unwrap();
        assert!(board.wait_for(&t.id, Duration::from_secs(5)).await);
        drop(tx);
        task.await.unwrap();
    }
}
