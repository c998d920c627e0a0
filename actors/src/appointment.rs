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
//! The slot arithmetic and the check-in rule are in [`crate::core::slots`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::clock::HallClock;
use crate::config::{HallConfig, ItemConfig};
use crate::core::day::{day_key, hall_day};
use crate::core::slots::{self, CheckInTiming, SlotTimes};
use crate::core::ticket::{AppointmentSlot, Channel, Personal, Priority};
use crate::hall::{HallActor, IssueError, IssueTicket};
use crate::keys;
use crate::kiosk::{KioskActor, TakeTicket};
use crate::store::{Commit, Store, StoreError};
use crate::views::TicketView;

/// How often bookings whose check-in window has closed are counted as
/// no-shows.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// A ticket request of a check-in that nobody waits for any more is not
/// issued (see `queue::Issue::deadline`).
const ISSUE_DEADLINE: Duration = Duration::from_secs(8);

// ---------------------------------------------------------------- codes

/// Booking codes: 8 characters without the look-alikes 0/O and 1/I, so a
/// code read out over the phone or typed at a kiosk is not mistaken.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;

/// Whether `code` looks like a booking code (already upper-cased).
pub fn valid_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

// ---------------------------------------------------------------- records

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Booked, not yet checked in.
    Booked,
    /// Checked in within the window: an appointment ticket.
    CheckedIn,
    /// Came after the window: a walk-in ticket.
    Late,
    /// The check-in window closed without a check-in.
    NoShow,
    Cancelled,
}

/// A booking as stored (`a/{day}/{code}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub code: String,
    pub item: String,
    /// The slot's calendar day in the hall's time zone.
    pub date: NaiveDate,
    /// Minutes since local midnight.
    pub slot_start: u32,
    pub slot_end: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Keyed fingerprints of the ID and/or phone number it was booked
    /// with (see the module doc).
    pub persons: Vec<String>,
    pub personal: Personal,
    pub status: BookingStatus,
    pub booked_at: DateTime<Utc>,
    #[serde(default)]
    pub changed_at: Option<DateTime<Utc>>,
    /// The ticket issued at check-in.
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(default)]
    pub kiosk: Option<String>,
}

impl Booking {
    fn day(&self) -> String {
        day_key(self.date)
    }
    fn key(&self) -> Vec<u8> {
        keys::booking(&self.day(), &self.code)
    }
    fn holds_place(&self) -> bool {
        self.status != BookingStatus::Cancelled
    }
}

/// What the API shows of a booking: masked personal data only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingView {
    pub code: String,
    pub item: String,
    /// `2026-11-26`.
    pub day: String,
    /// `09:00`, local.
    pub start: String,
    pub end: String,
    pub status: BookingStatus,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub ticket: Option<String>,
}

impl BookingView {
    pub fn of(b: &Booking) -> Self {
        Self {
            code: b.code.clone(),
            item: b.item.clone(),
            day: b.date.format("%Y-%m-%d").to_string(),
            start: slots::hhmm(b.slot_start),
            end: slots::hhmm(b.slot_end),
            status: b.status,
            phone: b.personal.phone_masked.clone(),
            id_number: b.personal.id_masked.clone(),
            ticket: b.ticket.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub start: String,
    pub end: String,
    pub capacity: u32,
    pub booked: u32,
    /// Places left and the slot has not ended.
    pub available: bool,
}

/// Counts of one day's bookings. `booked` is every booking made for the
/// day; the others split it: `pending` (not yet due), `checked_in` (on
/// time), `late` (walk-ins), `no_show`, `cancelled`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsView {
    pub day: String,
    pub booked: u64,
    pub pending: u64,
    pub checked_in: u64,
    pub late: u64,
    pub no_show: u64,
    pub cancelled: u64,
}

impl StatsView {
    /// Counts `bookings` of `day` as of `now`: a booking still `booked`
    /// whose window has closed counts as a no-show even before the sweep
    /// has marked it.
    pub fn count<'a>(
        day: NaiveDate,
        bookings: impl Iterator<Item = &'a Booking>,
        now: DateTime<Utc>,
        late_minutes: u32,
    ) -> Self {
        let mut s = StatsView {
            day: day.format("%Y-%m-%d").to_string(),
            ..Self::default()
        };
        for b in bookings.filter(|b| b.date == day) {
            s.booked += 1;
            match b.status {
                BookingStatus::Booked if slots::is_no_show(now, b.start, late_minutes) => {
                    s.no_show += 1
                }
                BookingStatus::Booked => s.pending += 1,
                BookingStatus::CheckedIn => s.checked_in += 1,
                BookingStatus::Late => s.late += 1,
                BookingStatus::NoShow => s.no_show += 1,
                BookingStatus::Cancelled => s.cancelled += 1,
            }
        }
        s
    }
}

// ---------------------------------------------------------------- errors

#[derive(Debug, thiserror::Error)]
pub enum AppointmentError {
    #[error("unknown service item {0:?} (事项不存在)")]
    UnknownItem(String),
    #[error("item {0:?} takes no appointments (该事项不接受预约)")]
    NoAppointments(String),
    #[error("{day} cannot be booked; bookings are open from {first} to {last} (不在可预约日期内)")]
    DayOutOfRange {
        day: String,
        first: String,
        last: String,
    },
    #[error("there is no slot starting at {0} for this item on that day (该时段不存在)")]
    UnknownSlot(String),
    #[error("the slot starting at {0} is over (该时段已结束)")]
    SlotOver(String),
    #[error("the slot starting at {0} is fully booked (该时段已约满)")]
    SlotFull(String),
    #[error(
        "this person already holds a booking for this item on that day (同一事项每人每天限约一次)"
    )]
    AlreadyBooked,
    #[error("no such booking (预约不存在)")]
    UnknownBooking,
    #[error("the booking was cancelled (预约已取消)")]
    Cancelled,
    #[error("the booking is {0}, it can no longer be cancelled (预约已使用，不能取消)")]
    NotCancellable(&'static str),
    #[error("check-in opens at {opens_local} (签到尚未开始，请于 {opens_local} 后签到)")]
    TooEarly {
        opens: DateTime<Utc>,
        opens_local: String,
    },
    #[error("already checked in; ticket {ticket} (已签到，号票 {ticket})")]
    AlreadyCheckedIn { ticket: String },
    #[error("a check-in for this booking is in progress; try again (签到处理中，请稍后)")]
    InProgress,
    #[error("booking code already in use")]
    CodeTaken,
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl AppointmentError {
    pub fn code(&self) -> &'static str {
        match self {
            AppointmentError::UnknownItem(_) => "unknown_item",
            AppointmentError::NoAppointments(_) => "no_appointments",
            AppointmentError::DayOutOfRange { .. } => "day_out_of_range",
            AppointmentError::UnknownSlot(_) => "unknown_slot",
            AppointmentError::SlotOver(_) => "slot_over",
            AppointmentError::SlotFull(_) => "slot_full",
            AppointmentError::AlreadyBooked => "already_booked",
            AppointmentError::UnknownBooking => "unknown_booking",
            AppointmentError::Cancelled => "booking_cancelled",
            AppointmentError::NotCancellable(_) => "not_cancellable",
            AppointmentError::TooEarly { .. } => "too_early",
            AppointmentError::AlreadyCheckedIn { .. } => "already_checked_in",
            AppointmentError::InProgress => "check_in_in_progress",
            AppointmentError::CodeTaken => "code_taken",
            AppointmentError::Issue(e) => e.code(),
            AppointmentError::Storage(StoreError::Busy) => "busy",
            AppointmentError::Storage(_) => "unavailable",
        }
    }
}

// ---------------------------------------------------------------- actor

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

    /// The item, if it takes bookings, and the day, if it can be booked.
    fn bookable(
        &self,
        item: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(&ItemConfig, Vec<SlotTimes>), AppointmentError> {
        let cfg = self
            .config
            .item(item)
            .ok_or_else(|| AppointmentError::UnknownItem(item.to_string()))?;
        if cfg.appointment_capacity == 0 {
            return Err(AppointmentError::NoAppointments(item.to_string()));
        }
        let first = self.today(now);
        let last = first
            .checked_add_days(chrono::Days::new(u64::from(
                self.config.appointments.book_days,
            )))
            .unwrap_or(first);
        if date < first || date > last {
            return Err(AppointmentError::DayOutOfRange {
                day: date.format("%Y-%m-%d").to_string(),
                first: first.format("%Y-%m-%d").to_string(),
                last: last.format("%Y-%m-%d").to_string(),
            });
        }
        // The hours were validated with the configuration.
        let slots =
            slots::day_slots(&cfg.hours, self.config.appointments.slot_minutes).unwrap_or_default();
        Ok((cfg, slots))
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
                    commit.put_json(b.key(), &b);
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

/// The slots of an item's day with their bookings.
#[derive(Message)]
#[rtype(result = "Result<Vec<SlotView>, AppointmentError>")]
pub struct GetSlots {
    pub item: String,
    pub date: NaiveDate,
}

impl Handler<GetSlots> for AppointmentActor {
    type Result = Result<Vec<SlotView>, AppointmentError>;

    fn handle(&mut self, msg: GetSlots, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let tz = self.clock.tz;
        let (cfg, day_slots) = self.bookable(&msg.item, msg.date, now)?;
        let capacity = cfg.appointment_capacity;
        let mut booked: HashMap<u32, u32> = HashMap::new();
        for b in self.held(msg.date, &msg.item) {
            *booked.entry(b.slot_start).or_default() += 1;
        }
        Ok(day_slots
            .iter()
            .filter_map(|s| {
                let end = slots::instant(msg.date, s.end, tz)?;
                let n = booked.get(&s.start).copied().unwrap_or(0);
                Some(SlotView {
                    start: s.start_hhmm(),
                    end: s.end_hhmm(),
                    capacity,
                    booked: n,
                    available: n < capacity && end > now,
                })
            })
            .collect())
    }
}

/// Books a slot. `code` is a fresh random code from the edge; a collision
/// is answered `CodeTaken` and the edge tries another.
#[derive(Message)]
#[rtype(result = "Result<BookingView, AppointmentError>")]
pub struct Book {
    pub code: String,
    pub item: String,
    pub date: NaiveDate,
    /// The slot's start, minutes since local midnight.
    pub start: u32,
    /// Fingerprints of the ID and/or phone number (at least one).
    pub persons: Vec<String>,
    pub personal: Personal,
}

impl Handler<Book> for AppointmentActor {
    type Result = ResponseFuture<Result<BookingView, AppointmentError>>;

    fn handle(&mut self, msg: Book, _: &mut Self::Context) -> Self::Result {
        let result = (|| {
            let now = (self.now)();
            let tz = self.clock.tz;
            let (cfg, day_slots) = self.bookable(&msg.item, msg.date, now)?;
            let capacity = cfg.appointment_capacity;
            let slot = day_slots
                .iter()
                .find(|s| s.start == msg.start)
                .copied()
                .ok_or_else(|| AppointmentError::UnknownSlot(slots::hhmm(msg.start)))?;
            let (Some(start), Some(end)) = (
                slots::instant(msg.date, slot.start, tz),
                slots::instant(msg.date, slot.end, tz),
            ) else {
                return Err(AppointmentError::UnknownSlot(slot.start_hhmm()));
            };
            if end <= now {
                return Err(AppointmentError::SlotOver(slot.start_hhmm()));
            }
            let mut taken = 0u32;
            for b in self.held(msg.date, &msg.item) {
                if b.persons.iter().any(|p| msg.persons.contains(p)) {
                    return Err(AppointmentError::AlreadyBooked);
                }
                if b.slot_start == slot.start {
                    taken += 1;
                }
            }
            if taken >= capacity {
                return Err(AppointmentError::SlotFull(slot.start_hhmm()));
            }
            if self.bookings.contains_key(&msg.code) {
                return Err(AppointmentError::CodeTaken);
            }
            let booking = Booking {
                code: msg.code,
                item: msg.item,
                date: msg.date,
                slot_start: slot.start,
                slot_end: slot.end,
                start,
                end,
                persons: msg.persons,
                personal: msg.personal,
                status: BookingStatus::Booked,
                booked_at: now,
                changed_at: None,
                ticket: None,
                kiosk: None,
            };
            let mut commit = Commit::default();
            commit.put_json(booking.key(), &booking);
            let done = self.store.enqueue(commit)?;
            let view = BookingView::of(&booking);
            info!(code = %booking.code, item = %booking.item, day = %booking.date, start = %view.start, "appointment booked");
            self.insert(booking);
            Ok((done, view))
        })();
        Box::pin(async move {
            let (done, view) = result?;
            done.await?;
            metrics::counter!("tingwu_appointments_total", "event" => "booked").increment(1);
            Ok(view)
        })
    }
}

/// Cancels a booking that has not been used.
#[derive(Message)]
#[rtype(result = "Result<BookingView, AppointmentError>")]
pub struct CancelBooking {
    pub code: String,
}

impl Handler<CancelBooking> for AppointmentActor {
    type Result = ResponseFuture<Result<BookingView, AppointmentError>>;

    fn handle(&mut self, msg: CancelBooking, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let result = (|| {
            if self.in_flight.contains(&msg.code) {
                return Err(AppointmentError::InProgress);
            }
            let b = self
                .bookings
                .get(&msg.code)
                .ok_or(AppointmentError::UnknownBooking)?;
            let late = self.config.appointments.late_minutes;
            match b.status {
                BookingStatus::Booked if slots::is_no_show(now, b.start, late) => {
                    return Err(AppointmentError::NotCancellable("past its check-in time"))
                }
                BookingStatus::Booked => {}
                BookingStatus::Cancelled => return Err(AppointmentError::Cancelled),
                BookingStatus::CheckedIn => {
                    return Err(AppointmentError::NotCancellable("checked in"))
                }
                BookingStatus::Late => return Err(AppointmentError::NotCancellable("used")),
                BookingStatus::NoShow => {
                    return Err(AppointmentError::NotCancellable("past its check-in time"))
                }
            }
            let mut b = b.clone();
            b.status = BookingStatus::Cancelled;
            b.changed_at = Some(now);
            let mut commit = Commit::default();
            commit.put_json(b.key(), &b);
            let done = self.store.enqueue(commit)?;
            let view = BookingView::of(&b);
            info!(code = %b.code, "appointment cancelled");
            self.bookings.insert(b.code.clone(), b);
            Ok((done, view))
        })();
        Box::pin(async move {
            let (done, view) = result?;
            done.await?;
            metrics::counter!("tingwu_appointments_total", "event" => "cancelled").increment(1);
            Ok(view)
        })
    }
}

/// How a kiosk names the booking being checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindBy {
    Code(String),
    /// The fingerprint of an ID or phone number: that person's booking
    /// of today.
    Person(String),
}

/// Checks a citizen in at the hall.
#[derive(Message)]
#[rtype(result = "Result<CheckedIn, AppointmentError>")]
pub struct CheckIn {
    pub by: FindBy,
    /// The kiosk the citizen stands at (already checked to exist).
    pub kiosk: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInKind {
    /// Inside the window: an appointment ticket.
    OnTime,
    /// After the window: a walk-in ticket.
    LateWalkin,
}

#[derive(Debug, Clone)]
pub struct CheckedIn {
    pub kind: CheckInKind,
    pub booking: BookingView,
    pub ticket: TicketView,
    /// Set for on-time check-ins.
    pub appointment: Option<AppointmentSlot>,
}

impl AppointmentActor {
    /// The booking a check-in is for. By person: among today's bookings,
    /// one whose window is open, else the latest one already past it, else
    /// the next one.
    fn find(&self, by: &FindBy, now: DateTime<Utc>) -> Result<&Booking, AppointmentError> {
        match by {
            FindBy::Code(code) => self
                .bookings
                .get(code)
                .ok_or(AppointmentError::UnknownBooking),
            FindBy::Person(person) => {
                let today = self.today(now);
                let mut mine: Vec<&Booking> = self
                    .bookings
                    .values()
                    .filter(|b| b.date == today && b.persons.contains(person))
                    .filter(|b| b.status != BookingStatus::Cancelled)
                    .collect();
                mine.sort_by_key(|b| (b.start, b.code.clone()));
                let (early, late) = (
                    self.config.appointments.early_minutes,
                    self.config.appointments.late_minutes,
                );
                let open: Vec<&Booking> = mine
                    .iter()
                    .copied()
                    .filter(|b| matches!(b.status, BookingStatus::Booked | BookingStatus::NoShow))
                    .collect();
                let timing = |b: &Booking| slots::check_in_timing(now, b.start, early, late);
                open.iter()
                    .find(|b| timing(b) == CheckInTiming::InWindow)
                    .or_else(|| open.iter().rev().find(|b| timing(b) == CheckInTiming::Late))
                    .or_else(|| open.first())
                    .or_else(|| mine.first())
                    .copied()
                    .ok_or(AppointmentError::UnknownBooking)
            }
        }
    }
}

impl Handler<CheckIn> for AppointmentActor {
    type Result = ResponseActFuture<Self, Result<CheckedIn, AppointmentError>>;

    fn handle(&mut self, msg: CheckIn, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let (early, late) = (
            self.config.appointments.early_minutes,
            self.config.appointments.late_minutes,
        );
        let booking = match self.find(&msg.by, now) {
            Ok(b) => b.clone(),
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let refused = |e| -> Self::Result { Box::pin(fut::ready(Err(e))) };
        if self.in_flight.contains(&booking.code) {
            return refused(AppointmentError::InProgress);
        }
        match booking.status {
            BookingStatus::Booked | BookingStatus::NoShow => {}
            BookingStatus::Cancelled => return refused(AppointmentError::Cancelled),
            BookingStatus::CheckedIn | BookingStatus::Late => {
                return refused(AppointmentError::AlreadyCheckedIn {
                    ticket: booking.ticket.clone().unwrap_or_default(),
                })
            }
        }
        let (kind, appointment) = match slots::check_in_timing(now, booking.start, early, late) {
            CheckInTiming::TooEarly { opens } => {
                return refused(AppointmentError::TooEarly {
                    opens,
                    opens_local: self.local_hhmm(opens),
                })
            }
            CheckInTiming::InWindow => (
                CheckInKind::OnTime,
                Some(AppointmentSlot {
                    booking: booking.code.clone(),
                    start: booking.start,
                    end: booking.end,
                }),
            ),
            CheckInTiming::Late => (CheckInKind::LateWalkin, None),
        };
        let request = IssueTicket {
            deadline: Some(std::time::Instant::now() + ISSUE_DEADLINE),
            appointment: appointment.clone(),
            item: Some(booking.item.clone()),
            queue: None,
            channel: Channel::Appointment,
            priority: Priority::Normal,
            personal: booking.personal.clone(),
            // A retried check-in (say, after a crash between the ticket and
            // the booking's record) gets the same ticket back.
            idempotency_key: Some(format!("appt-{}", booking.code)),
        };
        let kiosk = msg.kiosk.as_ref().and_then(|k| self.kiosks.get(k)).cloned();
        let hall = self.hall.clone();
        self.in_flight.insert(booking.code.clone());
        let code = booking.code.clone();
        let issue = async move {
            match kiosk {
                Some(k) => k
                    .send(TakeTicket(request))
                    .await
                    .map_err(|_| IssueError::Unavailable)?,
                None => hall
                    .send(request)
                    .await
                    .map_err(|_| IssueError::Unavailable)?,
            }
        };
        Box::pin(
            fut::wrap_future::<_, Self>(issue)
                .map(move |issued, act, _| -> Result<_, AppointmentError> {
                    act.in_flight.remove(&code);
                    let issued = issued?;
                    let mut b = act
                        .bookings
                        .get(&code)
                        .cloned()
                        .ok_or(AppointmentError::UnknownBooking)?;
                    b.status = match kind {
                        CheckInKind::OnTime => BookingStatus::CheckedIn,
                        CheckInKind::LateWalkin => BookingStatus::Late,
                    };
                    b.changed_at = Some(now);
                    b.ticket = Some(issued.ticket.id.clone());
                    b.kiosk = msg.kiosk;
                    let mut commit = Commit::default();
                    commit.put_json(b.key(), &b);
                    let done = act.store.enqueue(commit)?;
                    info!(code = %b.code, ticket = %issued.ticket.id, kind = ?kind, "appointment checked in");
                    let view = BookingView::of(&b);
                    act.bookings.insert(code, b);
                    Ok((done, view, issued.ticket))
                })
                .then(move |res, _, _| {
                    fut::wrap_future(async move {
                        let (done, booking, ticket) = res?;
                        done.await?;
                        let event = match kind {
                            CheckInKind::OnTime => "checked_in",
                            CheckInKind::LateWalkin => "late",
                        };
                        metrics::counter!("tingwu_appointments_total", "event" => event)
                            .increment(1);
                        Ok(CheckedIn {
                            kind,
                            booking,
                            ticket,
                            appointment,
                        })
                    })
                }),
        )
    }
}

/// Counts of a day's bookings; None for a day the actor does not hold
/// (before today: read them from storage with [`StatsView::count`]).
#[derive(Message)]
#[rtype(result = "Option<StatsView>")]
pub struct GetStats {
    pub date: NaiveDate,
}

impl Handler<GetStats> for AppointmentActor {
    type Result = Option<StatsView>;

    fn handle(&mut self, msg: GetStats, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        if msg.date < self.today(now) {
            return None;
        }
        Some(StatsView::count(
            msg.date,
            self.bookings.values(),
            now,
            self.config.appointments.late_minutes,
        ))
    }
}

/// Runs the no-show sweep now (tests; it also runs every [`SWEEP_EVERY`]).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SweepNow;

impl Handler<SweepNow> for AppointmentActor {
    type Result = ();

    fn handle(&mut self, _: SweepNow, ctx: &mut Self::Context) {
        self.sweep(ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Directory;
    use crate::records::Recovered;
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
        let clock = HallClock::of(&cfg);
        let store = memory_store(0);
        let dir = Directory::start(
            cfg.clone(),
            store.clone(),
            Recovered {
                day: clock.day(clock.now()),
                ..Recovered::default()
            },
        );
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
            Err(AppointmentError::TooEarly { opens_local, .. }) => {
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
        let clock = HallClock::of(&cfg);
        let store = memory_store(0);
        let dir = Directory::start(
            cfg.clone(),
            store.clone(),
            Recovered {
                day: clock.day(clock.now()),
                ..Recovered::default()
            },
        );
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

    #[test]
    fn codes_and_keys() {
        assert!(valid_code("K7M2Q9XA"));
        assert!(!valid_code("K7M2Q9X0"));
        assert!(!valid_code("k7m2q9xa"));
        assert!(!valid_code("K7M2Q9X"));
    }
}
