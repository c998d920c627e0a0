//! A queue's numbering (取号编号) and the predicted wait of its tickets.
//!
//! Numbers start at 001 each hall day and are never issued twice in a day:
//! the day only moves forward (a clock stepped back does not restart a day
//! that has tickets), and start-up resumes after the highest number stored.
//! Arrival stamps (µs) are strictly increasing, so the order of arrival is
//! total even when two tickets are issued in the same microsecond.

use chrono::{DateTime, Utc};

use crate::estimate::estimated_wait_s;
use crate::predict::{expected_remaining_s, predict_wait_s};
use crate::ticket::{format_number, ticket_id, AppointmentSlot, Channel, Personal, Priority};
use crate::ticket::{Ticket, TicketStatus};
use crate::views::WindowView;
use crate::window_state::WindowState;

/// Where a queue's numbering stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbering {
    /// The hall day (`20261130`).
    pub day: String,
    /// The next sequence number (1 = `A001`).
    pub next_seq: u32,
    /// The last arrival stamp handed out (µs since the epoch).
    pub last_arrival: i64,
}

impl Numbering {
    /// Resumes after the tickets of `queue` stored for `day`.
    pub fn resume<'a>(
        day: &str,
        queue: &str,
        tickets: impl IntoIterator<Item = &'a Ticket>,
    ) -> Self {
        let mut n = Self {
            day: day.to_string(),
            next_seq: 1,
            last_arrival: 0,
        };
        for t in tickets
            .into_iter()
            .filter(|t| t.day == day && t.queue == queue)
        {
            n.next_seq = n.next_seq.max(t.seq + 1);
            n.last_arrival = n.last_arrival.max(t.arrival);
        }
        n
    }

    /// Starts a new day from 001 if `today` is after the current one. True
    /// when it did.
    pub fn roll(&mut self, today: &str) -> bool {
        if today > self.day.as_str() {
            self.day = today.to_string();
            self.next_seq = 1;
            true
        } else {
            false
        }
    }

    /// The number and arrival stamp the next ticket gets at `now_us`; call
    /// [`Numbering::taken`] once it is committed.
    pub fn peek(&self, now_us: i64) -> (u32, i64) {
        (self.next_seq, now_us.max(self.last_arrival + 1))
    }

    /// The number from [`Numbering::peek`] was used.
    pub fn taken(&mut self, seq: u32, arrival: i64) {
        self.next_seq = self.next_seq.max(seq + 1);
        self.last_arrival = self.last_arrival.max(arrival);
    }
}

/// What a ticket request brings besides its queue.
#[derive(Debug, Clone)]
pub struct Request {
    pub item: Option<String>,
    pub channel: Channel,
    pub priority: Priority,
    pub personal: Personal,
    pub appointment: Option<AppointmentSlot>,
}

/// A new waiting ticket of `queue` (prefix `prefix`) numbered `seq`.
pub fn new_ticket(
    day: &str,
    queue: &str,
    prefix: &str,
    seq: u32,
    arrival: i64,
    now: DateTime<Utc>,
    req: Request,
) -> Ticket {
    let number = format_number(prefix, seq);
    Ticket {
        id: ticket_id(day, &number),
        day: day.to_string(),
        queue: queue.to_string(),
        seq,
        number,
        item: req.item,
        channel: req.channel,
        priority: req.priority,
        status: TicketStatus::Waiting,
        issued_at: now,
        arrival,
        window: None,
        called_at: None,
        started_at: None,
        finished_at: None,
        personal: req.personal,
        returned: false,
        appointment: req.appointment,
        recalls: 0,
        reserved_for: None,
        waiting_in: None,
        predicted_wait_s: None,
    }
}

/// A no-show back in line (过号重排) with the arrival stamp of its new place.
pub fn rejoined(mut t: Ticket, arrival: i64) -> Ticket {
    t.arrival = arrival;
    t.status = TicketStatus::Waiting;
    t.window = None;
    t.finished_at = None;
    t.recalls = 0;
    t
}

/// The predicted wait (seconds) of a ticket with `ahead` people in front:
/// the enabled, staffed windows free up one by one, a busy one after the
/// expected rest of its current service (`predict`); with nobody staffed,
/// `configured_windows` at the mean service time (`estimate`).
pub fn predicted_wait_s<'a>(
    ahead: usize,
    staffed: impl IntoIterator<Item = &'a WindowView>,
    now: DateTime<Utc>,
    mean_service_s: f64,
    configured_windows: usize,
) -> u64 {
    let free_in: Vec<f64> = staffed
        .into_iter()
        .filter(|w| w.enabled)
        .filter_map(|w| match w.state {
            WindowState::Idle => Some(0.0),
            WindowState::Called | WindowState::Serving => {
                let elapsed = w
                    .busy_since
                    .map_or(0.0, |t| (now - t).num_milliseconds() as f64 / 1000.0);
                Some(expected_remaining_s(elapsed, mean_service_s))
            }
            WindowState::Paused | WindowState::LoggedOut => None,
        })
        .collect();
    match predict_wait_s(ahead, &free_in, mean_service_s) {
        Some(w) if w.is_finite() && w >= 0.0 => w.round() as u64,
        _ => estimated_wait_s(ahead, configured_windows, mean_service_s),
    }
}

/// Until when a skipped ticket (过号, `no_show`) may rejoin its queue, as
/// the phone page offers it (issue 8, item 16): the time it was skipped plus
/// the hall's `calling.rejoin_within_s`, for a no-show of `today` (hall
/// day, `20261130`) skipped no longer ago than that at `now`. None: it may
/// not (another status, another day, the limit passed, or the hall allows
/// no rejoin: `rejoin_within_s` 0). The same limit as the rejoin itself
/// (`hall::Rejoin`).
pub fn rejoin_until(
    t: &Ticket,
    rejoin_within_s: u32,
    today: &str,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if t.status != TicketStatus::NoShow || t.day != today || rejoin_within_s == 0 {
        return None;
    }
    let until = t.finished_at? + chrono::Duration::seconds(i64::from(rejoin_within_s));
    (now <= until).then_some(until)
}

/// Whether a waiting ticket's wait can be told at all (issue 8, item 16):
/// only while some window of the queue is open to call it — enabled, staffed
/// and not paused (idle, calling or serving). With none, the predicted wait
/// is a guess from the configuration, and the phone page must say the wait
/// is unknown rather than promise minutes.
pub fn wait_known<'a>(staffed: impl IntoIterator<Item = &'a WindowView>) -> bool {
    staffed.into_iter().any(|w| {
        w.enabled
            && w.staff.is_some()
            && matches!(
                w.state,
                WindowState::Idle | WindowState::Called | WindowState::Serving
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn req() -> Request {
        Request {
            item: None,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            personal: Personal::default(),
            appointment: None,
        }
    }

    #[test]
    fn numbering_resumes_after_the_stored_tickets_of_its_queue_and_day() {
        let now = Utc::now();
        let t = |day: &str, queue: &str, seq| {
            new_ticket(day, queue, "A", seq, 10 * seq as i64, now, req())
        };
        let stored = [
            t("20261130", "A", 7),
            t("20261130", "B", 40),
            t("20261129", "A", 90),
        ];
        let n = Numbering::resume("20261130", "A", &stored);
        assert_eq!(n.next_seq, 8);
        assert_eq!(n.last_arrival, 70);
        assert_eq!(stored[0].number, "A007");
        assert_eq!(stored[0].id, "20261130-A007");
    }

    #[test]
    fn a_day_rolls_forward_only() {
        let mut n = Numbering::resume("20261130", "A", []);
        n.taken(5, 100);
        assert!(!n.roll("20261129"));
        assert_eq!(n.next_seq, 6);
        assert!(n.roll("20261201"));
        assert_eq!(n.next_seq, 1);
    }

    #[test]
    fn a_rejoined_ticket_waits_again() {
        let mut t = new_ticket("20261130", "A", "A", 1, 1, Utc::now(), req());
        t.status = TicketStatus::NoShow;
        t.window = Some("w1".into());
        t.recalls = 2;
        t.finished_at = Some(Utc::now());
        let back = rejoined(t, 99);
        assert_eq!(back.status, TicketStatus::Waiting);
        assert_eq!((back.arrival, back.recalls), (99, 0));
        assert!(back.window.is_none() && back.finished_at.is_none());
    }

    #[test]
    fn with_nobody_staffed_the_configured_windows_estimate_the_wait() {
        let now = Utc::now();
        let none: [WindowView; 0] = [];
        assert_eq!(
            predicted_wait_s(4, &none, now, 300.0, 2),
            estimated_wait_s(4, 2, 300.0)
        );
    }

    /// Issue 8, item 16: a skipped ticket is offered rejoin within the
    /// hall's limit, and only then.
    #[test]
    fn a_no_show_may_rejoin_within_the_limit_only() {
        let now = Utc::now();
        let mut t = new_ticket("20261130", "A", "A", 1, 1, now, req());
        assert_eq!(rejoin_until(&t, 1800, "20261130", now), None, "waiting");
        t.status = TicketStatus::NoShow;
        t.finished_at = Some(now);
        let until = now + chrono::Duration::seconds(1800);
        assert_eq!(rejoin_until(&t, 1800, "20261130", now), Some(until));
        assert_eq!(rejoin_until(&t, 1800, "20261130", until), Some(until));
        let late = until + chrono::Duration::seconds(1);
        assert_eq!(rejoin_until(&t, 1800, "20261130", late), None, "too late");
        assert_eq!(rejoin_until(&t, 1800, "20261201", now), None, "another day");
        assert_eq!(rejoin_until(&t, 0, "20261130", now), None, "not allowed");
    }

    /// Issue 8, item 16 (kind: the page says when it does not know): the
    /// wait is known only while a window of the queue is open to call.
    #[test]
    fn the_wait_is_known_only_while_a_window_can_call() {
        let w = |state, enabled, staffed: bool| WindowView {
            id: "1".into(),
            number: 1,
            name: "1号窗口".into(),
            name_en: "Window 1".into(),
            area: "north".into(),
            state,
            state_zh: String::new(),
            enabled,
            staff: staffed.then(|| crate::views::StaffView {
                id: "S01".into(),
                name: "工作人员".into(),
            }),
            ticket: None,
            queues: Vec::new(),
            pause_message: None,
            pause_reason: None,
            version: 1,
            silent: false,
            parked: Vec::new(),
            busy_since: None,
            display_state: None,
        };
        let none: [WindowView; 0] = [];
        assert!(!wait_known(&none), "no window at all");
        assert!(!wait_known(&[w(WindowState::LoggedOut, true, false)]));
        assert!(!wait_known(&[w(WindowState::Paused, true, true)]));
        assert!(
            !wait_known(&[w(WindowState::Idle, false, true)]),
            "disabled"
        );
        for s in [WindowState::Idle, WindowState::Called, WindowState::Serving] {
            assert!(wait_known(&[
                w(WindowState::Paused, true, true),
                w(s, true, true)
            ]));
        }
    }

    proptest! {
        /// Whatever the clock does, numbers and arrival stamps of a day
        /// strictly increase: no number is issued twice.
        #[test]
        fn numbers_and_arrivals_strictly_increase(
            clocks in proptest::collection::vec(-1_000i64..1_000, 1..60),
        ) {
            let mut n = Numbering::resume("20261130", "A", []);
            let mut last = (0u32, i64::MIN);
            for c in clocks {
                let (seq, arrival) = n.peek(c);
                prop_assert!(seq > last.0);
                prop_assert!(arrival > last.1);
                n.taken(seq, arrival);
                last = (seq, arrival);
            }
        }
    }
}
