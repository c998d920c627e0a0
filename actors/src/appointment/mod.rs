//! The appointment actor (预约): one per hall. It owns every booking of
//! today and the days ahead, books within each slot's capacity, cancels,
//! checks citizens in at a kiosk (an appointment ticket inside the slot's
//! check-in window, a walk-in ticket after it) and counts no-shows.
//!
//! Bookings are stored under `a/{day}/{code}` (day `20261126`), written
//! through [`Store::enqueue`] in the handler that changes them and
//! acknowledged only once durable. Personal data arrives sealed and masked
//! from the edge, with `persons`: keyed fingerprints of the ID and phone
//! number (computed at the edge) that let a kiosk find a booking by ID card
//! or phone without the plain number ever reaching the actor or the disk.
//!
//! The rules (codes, capacity, one booking per person, cancelling, which
//! booking a check-in is for) are in `core::booking`, the slot arithmetic
//! and the check-in window in `core::slots`. The messages are in `book.rs`,
//! `check_in.rs` and `stats.rs`.

mod book;
mod check_in;
mod stats;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use tracing::{info, warn};

use crate::clock::HallClock;
use crate::config::{HallConfig, ItemConfig};
use crate::core::booking;
use crate::core::day::hall_day;
use crate::core::slots::{self, SlotTimes};
use crate::hall::{HallActor, IssueError};
use crate::keys;
use crate::kiosk::KioskActor;
use crate::store::{Commit, Store, StoreError};

pub use crate::core::booking::{
    valid_code, Booking, BookingStatus, BookingView, Refusal, SlotView, StatsView, CODE_ALPHABET,
    CODE_LEN,
};
pub use book::{Book, CancelBooking, GetSlots};
pub use check_in::{CheckIn, CheckInKind, CheckedIn, FindBy};
pub use stats::{GetStats, SweepNow};

/// How often bookings whose check-in window has closed are counted as
/// no-shows.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// How long a check-in may wait for its ticket before the hall gives up on
/// it (see `queue::Issue::deadline`).
const ISSUE_DEADLINE: Duration = Duration::from_secs(8);

/// Why a booking, cancellation or check-in did not happen: refused by the
/// rules, the ticket not issued, or not committed.
#[derive(Debug, thiserror::Error)]
pub enum AppointmentError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl AppointmentError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            AppointmentError::Refused(r) => r.code(),
            AppointmentError::Issue(e) => e.code(),
            AppointmentError::Storage(StoreError::Busy) => "busy",
            AppointmentError::Storage(_) => "unavailable",
        }
    }
}

/// Where a booking is stored.
fn key(b: &Booking) -> Vec<u8> {
    keys::booking(&b.day(), &b.code)
}

pub struct AppointmentActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    hall: Addr<HallActor>,
    kiosks: HashMap<String, Addr<KioskActor>>,
    /// Today's and later bookings, by code.
    bookings: HashMap<String, Booking>,
    /// Codes by (day, item), for capacity and the per-person limit.
    by_day_item: BTreeMap<(NaiveDate, String), Vec<String>>,
    /// Bookings whose check-in is issuing a ticket right now.
    in_flight: HashSet<String>,
    now: fn() -> DateTime<Utc>,
}

impl AppointmentActor {
    /// `bookings`: what storage holds for today and later (see the loader
    /// in the server).
    pub fn new(
        config: Arc<HallConfig>,
        store: Store,
        hall: Addr<HallActor>,
        kiosks: HashMap<String, Addr<KioskActor>>,
        bookings: Vec<Booking>,
    ) -> Self {
        let clock = HallClock::of(&config);
        let mut actor = Self {
            config,
            clock,
            store,
            hall,
            kiosks,
            bookings: HashMap::new(),
            by_day_item: BTreeMap::new(),
            in_flight: HashSet::new(),
            now: Utc::now,
        };
        for b in bookings {
            actor.insert(b);
        }
        actor
    }

    /// Runs the actor on another clock (tests).
    pub fn with_clock(mut self, now: fn() -> DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    fn insert(&mut self, b: Booking) {
        self.by_day_item
            .entry((b.date, b.item.clone()))
            .or_default()
            .push(b.code.clone());
        self.bookings.insert(b.code.clone(), b);
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        hall_day(now, self.clock.tz, self.clock.day_start)
    }

    fn local_hhmm(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.clock.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The item, if it takes bookings, and the day, if it can be booked
    /// (a working day of the hall's calendar). A day the calendar cannot
    /// answer for is logged: the operator has a holiday file to add.
    fn bookable(
        &self,
        item: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(&ItemConfig, Vec<SlotTimes>), Refusal> {
        let result = booking::bookable(&self.config, item, date, self.today(now));
        if let Err(Refusal::NoCalendar { day, error }) = &result {
            warn!(day = %day, item = %item, error = %error, "booking refused: no holiday calendar for that year");
        }
        result
    }

    fn held(&self, date: NaiveDate, item: &str) -> impl Iterator<Item = &Booking> {
        self.by_day_item
            .get(&(date, item.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|c| self.bookings.get(c))
            .filter(|b| b.holds_place())
    }

    /// Marks bookings whose window has closed as no-shows and forgets the
    /// days before today.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let now = (self.now)();
        let late = self.config.appointments.late_minutes;
        let due: Vec<String> = self
            .bookings
            .values()
            .filter(|b| b.status == BookingStatus::Booked)
            .filter(|b| !self.in_flight.contains(&b.code))
            .filter(|b| slots::is_no_show(now, b.start, late))
            .map(|b| b.code.clone())
            .collect();
        if !due.is_empty() {
            let mut commit = Commit::default();
            for code in &due {
                if let Some(b) = self.bookings.get(code) {
                    let mut b = b.clone();
                    b.status = BookingStatus::NoShow;
                    b.changed_at = Some(now);
                    commit.put_json(key(&b), &b);
                }
            }
            match self.store.enqueue(commit) {
                Ok(done) => {
                    for code in &due {
                        if let Some(b) = self.bookings.get_mut(code) {
                            b.status = BookingStatus::NoShow;
                            b.changed_at = Some(now);
                        }
                    }
                    metrics::counter!("tingwu_appointments_total", "event" => "no_show")
                        .increment(due.len() as u64);
                    info!(count = due.len(), "appointments counted as no-shows");
                    ctx.spawn(fut::wrap_future(async move {
                        if let Err(e) = done.await {
                            warn!(error = %e, "no-show commit failed");
                        }
                    }));
                }
                // Tried again at the next sweep.
                Err(e) => warn!(error = %e, "no-show sweep postponed"),
            }
        }
        let today = self.today(now);
        let old: Vec<(NaiveDate, String)> = self
            .by_day_item
            .range(..(today, String::new()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in old {
            if let Some(codes) = self.by_day_item.remove(&k) {
                for c in codes {
                    if !self.in_flight.contains(&c) {
                        self.bookings.remove(&c);
                    }
                }
            }
        }
    }
}

impl Actor for AppointmentActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        info!(bookings = self.bookings.len(), "appointments started");
        ctx.run_interval(SWEEP_EVERY, |act, ctx| act.sweep(ctx));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ticket::{Channel, Personal};
    use crate::store::memory_store;
    use chrono::TimeZone;

    /// 2026-11-26 10:05 in Shanghai.
    fn ten_past() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 2, 5, 0)
            .single()
            .unwrap_or_default()
    }

    const HALL: &str = r#"
[hall]
id = "t"
name = "t"
[[areas]]
id = "a"
name = "a"
[[departments]]
id = "d"
name = "d"
[[queues]]
id = "A"
prefix = "A"
name = "A"
area = "a"
[[items]]
id = "book"
name = "预约事项"
department = "d"
queue = "A"
appointment_capacity = 2
[[items]]
id = "plain"
name = "plain"
department = "d"
queue = "A"
[[windows]]
id = "1"
number = 1
name = "1"
area = "a"
queues = [{ queue = "A" }]
[appointments]
slot_minutes = 30
early_minutes = 30
late_minutes = 15
book_days = 7
"#;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn start() -> (Addr<AppointmentActor>, Store) {
        let cfg = Arc::new(HallConfig::from_toml(HALL).unwrap());
        let store = memory_store(0);
        let dir = crate::testing::start_on(cfg.clone(), store.clone());
        let actor = AppointmentActor::new(cfg, store.clone(), dir.hall, dir.kiosks, Vec::new())
            .with_clock(ten_past)
            .start();
        (actor, store)
    }

    fn book(code: &str, start: u32, person: &str) -> Book {
        Book {
            code: code.into(),
            item: "book".into(),
            date: date(),
            start,
            persons: vec![person.into()],
            personal: Personal::default(),
        }
    }

    fn code_of<T>(r: Result<T, AppointmentError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[actix::test]
    async fn capacity_limits_and_cancel() {
        let (a, _) = start();
        let ten = 600;
        assert!(a.send(book("AAAAAAA2", ten, "p1")).await.unwrap().is_ok());
        assert_eq!(
            code_of(a.send(book("AAAAAAA3", ten + 30, "p1")).await.unwrap()),
            "already_booked"
        );
        assert!(a.send(book("AAAAAAA4", ten, "p2")).await.unwrap().is_ok());
        assert_eq!(
            code_of(a.send(book("AAAAAAA5", ten, "p3")).await.unwrap()),
            "slot_full"
        );
        assert_eq!(
            code_of(a.send(book("AAAAAAA2", ten + 30, "p3")).await.unwrap()),
            "code_taken"
        );
        let slots = a
            .send(GetSlots {
                item: "book".into(),
                date: date(),
            })
            .await
            .unwrap()
            .unwrap();
        let s10 = slots.iter().find(|s| s.start == "10:00").unwrap();
        assert_eq!((s10.booked, s10.available), (2, false));
        // 09:30-10:00 has ended at 10:05.
        let s930 = slots.iter().find(|s| s.start == "09:30").unwrap();
        assert!(!s930.available);
        assert_eq!(
            code_of(a.send(book("AAAAAAA6", 570, "p4")).await.unwrap()),
            "slot_over"
        );
        assert_eq!(
            code_of(a.send(book("AAAAAAA6", 605, "p4")).await.unwrap()),
            "unknown_slot"
        );
        let cancelled = a
            .send(CancelBooking {
                code: "AAAAAAA4".into(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cancelled.status, BookingStatus::Cancelled);
        assert!(a.send(book("AAAAAAA5", ten, "p3")).await.unwrap().is_ok());
        let mut other = book("AAAAAAA7", ten, "p9");
        other.item = "plain".into();
        assert_eq!(code_of(a.send(other).await.unwrap()), "no_appointments");
        let mut far = book("AAAAAAA7", ten, "p9");
        far.date = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(code_of(a.send(far).await.unwrap()), "day_out_of_range");
    }

    #[actix::test]
    async fn check_in_window_late_walk_in_and_no_shows() {
        let (a, _) = start();
        // 10:00 slot at 10:05: on time. 11:00 at 10:05: too early (opens
        // 10:30). 09:30 at 10:05 has ended, so it cannot be booked; the
        // late case is covered by a booking made by an earlier clock below.
        a.send(book("BBBBBBB2", 600, "p1")).await.unwrap().unwrap();
        a.send(book("BBBBBBB3", 660, "p2")).await.unwrap().unwrap();
        let on_time = a
            .send(CheckIn {
                by: FindBy::Code("BBBBBBB2".into()),
                kiosk: None,
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(on_time.kind, CheckInKind::OnTime);
        assert_eq!(on_time.ticket.channel, Channel::Appointment);
        assert_eq!(
            on_time.appointment.as_ref().map(|s| s.booking.as_str()),
            Some("BBBBBBB2")
        );
        let again = a
            .send(CheckIn {
                by: FindBy::Person("p1".into()),
                kiosk: None,
            })
            .await
            .unwrap();
        assert_eq!(code_of(again), "already_checked_in");
        match a
            .send(CheckIn {
                by: FindBy::Code("BBBBBBB3".into()),
                kiosk: None,
            })
            .await
            .unwrap()
        {
            Err(AppointmentError::Refused(Refusal::TooEarly { opens_local, .. })) => {
                assert_eq!(opens_local, "2026-11-26 10:30")
            }
            other => panic!("not too early: {other:?}"),
        }
        assert_eq!(
            code_of(
                a.send(CheckIn {
                    by: FindBy::Code("ZZZZZZZZ".into()),
                    kiosk: None
                })
                .await
                .unwrap()
            ),
            "unknown_booking"
        );
        let stats = a.send(GetStats { date: date() }).await.unwrap().unwrap();
        assert_eq!((stats.booked, stats.checked_in, stats.pending), (2, 1, 1));
    }

    #[actix::test]
    async fn late_arrivals_are_walk_ins_and_no_shows_are_counted() {
        let cfg = Arc::new(HallConfig::from_toml(HALL).unwrap());
        let store = memory_store(0);
        let dir = crate::testing::start_on(cfg.clone(), store.clone());
        // Two bookings for 09:30 made earlier (as storage would load them).
        let made = |code: &str, person: &str| Booking {
            code: code.into(),
            item: "book".into(),
            date: date(),
            slot_start: 570,
            slot_end: 600,
            start: slots::instant(date(), 570, chrono_tz::Asia::Shanghai).unwrap(),
            end: slots::instant(date(), 600, chrono_tz::Asia::Shanghai).unwrap(),
            persons: vec![person.into()],
            personal: Personal::default(),
            status: BookingStatus::Booked,
            booked_at: ten_past(),
            changed_at: None,
            ticket: None,
            kiosk: None,
        };
        let a = AppointmentActor::new(
            cfg,
            store,
            dir.hall,
            dir.kiosks,
            vec![made("CCCCCCC2", "p1"), made("CCCCCCC3", "p2")],
        )
        .with_clock(ten_past)
        .start();
        let late = a
            .send(CheckIn {
                by: FindBy::Person("p1".into()),
                kiosk: None,
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(late.kind, CheckInKind::LateWalkin);
        assert_eq!(late.appointment, None);
        assert_eq!(late.booking.status, BookingStatus::Late);
        // The other one is already counted as a no-show, before the sweep
        // marks it and after.
        let stats = a.send(GetStats { date: date() }).await.unwrap().unwrap();
        assert_eq!((stats.late, stats.no_show), (1, 1));
        a.send(SweepNow).await.unwrap();
        let stats = a.send(GetStats { date: date() }).await.unwrap().unwrap();
        assert_eq!((stats.booked, stats.late, stats.no_show), (2, 1, 1));
        assert_eq!(
            code_of(
                a.send(CancelBooking {
                    code: "CCCCCCC3".into()
                })
                .await
                .unwrap()
            ),
            "not_cancellable"
        );
    }
}
