//! What happened at a kiosk that its touch screen must show although the
//! screen did not ask for it (取号机事件): an ID card read at the kiosk's
//! reader took a ticket, or took none and why (issue 9, the kiosk page).
//!
//! The kiosk actor keeps the last [`FEED_KEPT`] events in memory, numbered
//! from 1 in an *epoch* (the kiosk actor's start, in ms since the Unix
//! epoch), and the page polls `GET /api/v1/kiosks/{kiosk}/events?since=SEQ&epoch=E`.
//! Like the screens' streams (`screen_feed`), a page that comes back gets
//! what it missed, or — when the server restarted (another epoch) or the
//! events it missed are no longer kept — a `reset` with what is kept, so it
//! never shows an old read as new. Events are live state, not records: the
//! ticket itself is durable, and an old card read is of no use to the next
//! citizen at the screen.
//!
//! Personal data: an event carries the holder's masked ID number and masked
//! name only (`110***********002X`, `张*丰`), as the reader's link made them;
//! the plain values never reach the kiosk actor.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::printing::PrintStatus;
use crate::ticket::Priority;

/// How many events a kiosk keeps for pages that come back.
pub const FEED_KEPT: usize = 32;

/// One thing the kiosk screen should show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KioskEvent {
    /// A card read at the kiosk's reader took a ticket.
    CardTicket {
        /// Ticket id (`20261126-A001`) and number (`A001`).
        ticket: String,
        number: String,
        /// The reader's item (`[[card_readers]] item`) and the queue.
        item: Option<String>,
        queue: String,
        priority: Priority,
        /// People ahead when it was issued.
        people_ahead: u64,
        /// Predicted call time (预计叫号时间), None when no window is open.
        expected_call_at: Option<DateTime<Utc>>,
        /// How the print went: `printed`, `queued`, `out_of_service`, or
        /// None when the kiosk has no printer.
        print: Option<PrintStatus>,
        /// The holder, masked only.
        id_masked: String,
        name_masked: String,
    },
    /// A card read took no ticket.
    CardRefused {
        /// The refusal's stable code (`item_closed`, `limit_reached`,
        /// `no_open_window`, …, as `POST /api/v1/tickets` answers).
        code: String,
        /// The refusal as the rules word it (zh-CN with the English gist).
        message: String,
        id_masked: String,
        name_masked: String,
    },
}

/// An event with its place in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedEntry {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub event: KioskEvent,
}

/// What a page asking with `since` gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedPage {
    /// The feed's epoch; a page sends it back with `since`.
    pub epoch: u64,
    /// The last sequence number in the feed (0 before any event).
    pub seq: u64,
    /// True when the page's position cannot be resumed (another epoch, a
    /// `since` ahead of the feed, or events dropped since): `events` then
    /// holds everything kept, and the page shows only what is recent.
    pub reset: bool,
    pub events: Vec<FeedEntry>,
}

/// A kiosk's recent events.
#[derive(Debug, Clone)]
pub struct KioskFeed {
    epoch: u64,
    last: u64,
    kept: VecDeque<FeedEntry>,
}

impl KioskFeed {
    /// An empty feed of epoch `epoch` (the kiosk actor's start, ms).
    pub fn new(epoch: u64) -> Self {
        Self {
            epoch,
            last: 0,
            kept: VecDeque::with_capacity(FEED_KEPT),
        }
    }

    /// Appends `event` at `ts`; returns its sequence number. The oldest
    /// event is dropped beyond [`FEED_KEPT`].
    pub fn push(&mut self, event: KioskEvent, ts: DateTime<Utc>) -> u64 {
        self.last += 1;
        if self.kept.len() == FEED_KEPT {
            self.kept.pop_front();
        }
        self.kept.push_back(FeedEntry {
            seq: self.last,
            ts,
            event,
        });
        self.last
    }

    /// What a page at `since` in `epoch` has not seen. Without `since` the
    /// page starts now: no events, only the position to poll from.
    pub fn since(&self, since: Option<u64>, epoch: Option<u64>) -> FeedPage {
        let page = |reset, events| FeedPage {
            epoch: self.epoch,
            seq: self.last,
            reset,
            events,
        };
        let Some(since) = since else {
            return page(false, Vec::new());
        };
        let oldest = self.kept.front().map_or(self.last + 1, |e| e.seq);
        let resumable = epoch == Some(self.epoch) && since <= self.last && since + 1 >= oldest;
        if resumable {
            page(
                false,
                self.kept
                    .iter()
                    .filter(|e| e.seq > since)
                    .cloned()
                    .collect(),
            )
        } else {
            page(true, self.kept.iter().cloned().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused(code: &str) -> KioskEvent {
        KioskEvent::CardRefused {
            code: code.into(),
            message: "m".into(),
            id_masked: "110***********002X".into(),
            name_masked: "张*丰".into(),
        }
    }

    fn ts(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn a_page_starts_now_and_then_gets_what_follows() {
        let mut f = KioskFeed::new(7);
        f.push(refused("old"), ts(0));
        let start = f.since(None, None);
        assert_eq!((start.seq, start.epoch, start.reset), (1, 7, false));
        assert!(start.events.is_empty());
        f.push(refused("item_closed"), ts(1));
        let next = f.since(Some(start.seq), Some(7));
        assert!(!next.reset);
        assert_eq!(next.events.len(), 1);
        assert_eq!(next.events[0].seq, 2);
        assert_eq!(next.events[0].event, refused("item_closed"));
        // Asking again from the new position: nothing new.
        assert!(f.since(Some(2), Some(7)).events.is_empty());
    }

    #[test]
    fn another_epoch_or_a_future_seq_is_a_reset() {
        let mut f = KioskFeed::new(9);
        f.push(refused("a"), ts(0));
        let other = f.since(Some(1), Some(8));
        assert!(other.reset);
        assert_eq!(other.events.len(), 1);
        let ahead = f.since(Some(5), Some(9));
        assert!(ahead.reset);
    }

    #[test]
    fn events_no_longer_kept_make_a_reset() {
        let mut f = KioskFeed::new(1);
        for i in 0..(FEED_KEPT as i64 + 5) {
            f.push(refused("x"), ts(i));
        }
        let page = f.since(Some(2), Some(1));
        assert!(page.reset);
        assert_eq!(page.events.len(), FEED_KEPT);
        // The oldest kept minus one is still a resumable position.
        let oldest = page.events[0].seq;
        assert!(!f.since(Some(oldest - 1), Some(1)).reset);
    }

    #[test]
    fn the_event_serialises_with_its_type_and_masked_data_only() {
        let json = serde_json::to_value(refused("limit_reached")).unwrap_or_default();
        assert_eq!(json["type"], "card_refused");
        assert_eq!(json["code"], "limit_reached");
        assert_eq!(json["id_masked"], "110***********002X");
    }

    proptest! {
        /// Polling from wherever the last answer left off sees every event
        /// exactly once and in order, however pushes and polls interleave.
        #[test]
        fn polling_sees_every_event_once_in_order(steps in proptest::collection::vec(0u8..4, 1..200)) {
            let mut f = KioskFeed::new(3);
            let start = f.since(None, None);
            let mut at = start.seq;
            let mut seen = Vec::new();
            let mut pushed = 0u64;
            let mut since_poll = 0usize;
            for s in steps {
                if s == 0 || since_poll >= FEED_KEPT {
                    let page = f.since(Some(at), Some(3));
                    prop_assert!(!page.reset);
                    seen.extend(page.events.iter().map(|e| e.seq));
                    at = page.seq;
                    since_poll = 0;
                } else {
                    pushed += 1;
                    since_poll += 1;
                    f.push(refused("x"), ts(pushed as i64));
                }
            }
            let page = f.since(Some(at), Some(3));
            seen.extend(page.events.iter().map(|e| e.seq));
            prop_assert_eq!(seen, (1..=pushed).collect::<Vec<_>>());
        }
    }
}
