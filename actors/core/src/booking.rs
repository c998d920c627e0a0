//! Appointments (预约) as rules: booking codes, the booking record and its
//! views, which days and slots an item can be booked for, the capacity of a
//! slot and one booking per person and item a day, what can be cancelled,
//! which of a person's bookings a check-in is for, and the day's counts.
//! The slot arithmetic and the check-in window are in [`crate::slots`].
//!
//! Slots are offered on working days only (the hall's calendar,
//! `HallConfig.calendar.days`, whatever `[calendar] open_on` says): a
//! statutory holiday or rest day is refused [`Refusal::NotAWorkday`], a day
//! in a year without a holiday notice [`Refusal::NoCalendar`].
//!
//! The appointment actor owns the bookings, calls these and commits.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarError;
use crate::config::{AppointmentConfig, HallConfig, ItemConfig};
use crate::day::day_key;
use crate::hours::{self, DayOff};
use crate::slots::{self, CheckInTiming, SlotTimes};
use crate::ticket::Personal;

/// Booking codes: 8 characters without the look-alikes 0/O and 1/I, so a
/// code read out over the phone or typed at a kiosk is not mistaken.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;

/// Whether `code` looks like a booking code (already upper-cased).
pub fn valid_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

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

/// A booking as stored (`keys::booking`: `a/{day}/{code}`).
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
    /// Its day as storage keys it (`20261126`).
    pub fn day(&self) -> String {
        day_key(self.date)
    }
    /// Whether it takes a place in its slot (anything but cancelled).
    pub fn holds_place(&self) -> bool {
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

/// Why a booking, cancellation or check-in is refused. Messages are shown to
/// citizens as they are; `code()` is the stable code of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
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
    #[error("{day} 不接受预约：{off_zh}；预约仅限工作日 / {day} cannot be booked: {off_en}; appointments are offered on working days only", off_zh = off.zh(), off_en = off.en())]
    NotAWorkday { day: String, off: DayOff },
    #[error("{day} 暂不接受预约：该年度节假日安排尚未配置 / {day} cannot be booked yet: {error}")]
    NoCalendar { day: String, error: CalendarError },
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
}

impl Refusal {
    /// The stable error code of the API (`slot_full`, `too_early`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownItem(_) => "unknown_item",
            Refusal::NoAppointments(_) => "no_appointments",
            Refusal::DayOutOfRange { .. } => "day_out_of_range",
            Refusal::NotAWorkday { .. } => "not_a_workday",
            Refusal::NoCalendar { .. } => "no_calendar",
            Refusal::UnknownSlot(_) => "unknown_slot",
            Refusal::SlotOver(_) => "slot_over",
            Refusal::SlotFull(_) => "slot_full",
            Refusal::AlreadyBooked => "already_booked",
            Refusal::UnknownBooking => "unknown_booking",
            Refusal::Cancelled => "booking_cancelled",
            Refusal::NotCancellable(_) => "not_cancellable",
            Refusal::TooEarly { .. } => "too_early",
            Refusal::AlreadyCheckedIn { .. } => "already_checked_in",
            Refusal::InProgress => "check_in_in_progress",
            Refusal::CodeTaken => "code_taken",
        }
    }
}

/// The item, if it takes bookings, and its slots on `date`, if that day can
/// be booked: from `today` to `appointments.book_days` ahead, and a working
/// day of the hall's calendar (see the module doc).
pub fn bookable<'a>(
    config: &'a HallConfig,
    item: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(&'a ItemConfig, Vec<SlotTimes>), Refusal> {
    let cfg = config
        .item(item)
        .ok_or_else(|| Refusal::UnknownItem(item.to_string()))?;
    if cfg.appointment_capacity == 0 {
        return Err(Refusal::NoAppointments(item.to_string()));
    }
    let last = today
        .checked_add_days(chrono::Days::new(u64::from(config.appointments.book_days)))
        .unwrap_or(today);
    if date < today || date > last {
        return Err(Refusal::DayOutOfRange {
            day: date.format("%Y-%m-%d").to_string(),
            first: today.format("%Y-%m-%d").to_string(),
            last: last.format("%Y-%m-%d").to_string(),
        });
    }
    let day = || date.format("%Y-%m-%d").to_string();
    match hours::day_off(&config.calendar.days, date) {
        Ok(None) => {}
        Ok(Some(off)) => return Err(Refusal::NotAWorkday { day: day(), off }),
        Err(error) => return Err(Refusal::NoCalendar { day: day(), error }),
    }
    // The hours were validated with the configuration.
    let slots = slots::day_slots(&cfg.hours, config.appointments.slot_minutes).unwrap_or_default();
    Ok((cfg, slots))
}

/// Whether `persons` may book `slot` among the bookings that already hold a
/// place for the same item and day: one booking per person and item a day,
/// at most `capacity` per slot.
pub fn place<'a>(
    held: impl IntoIterator<Item = &'a Booking>,
    persons: &[String],
    slot: SlotTimes,
    capacity: u32,
) -> Result<(), Refusal> {
    let mut taken = 0u32;
    for b in held {
        if b.persons.iter().any(|p| persons.contains(p)) {
            return Err(Refusal::AlreadyBooked);
        }
        if b.slot_start == slot.start {
            taken += 1;
        }
    }
    if taken >= capacity {
        return Err(Refusal::SlotFull(slot.start_hhmm()));
    }
    Ok(())
}

/// Whether a booking can still be cancelled at `now`: only one that is
/// booked and whose check-in window has not closed.
pub fn cancellable(b: &Booking, now: DateTime<Utc>, late_minutes: u32) -> Result<(), Refusal> {
    match b.status {
        BookingStatus::Booked if slots::is_no_show(now, b.start, late_minutes) => {
            Err(Refusal::NotCancellable("past its check-in time"))
        }
        BookingStatus::Booked => Ok(()),
        BookingStatus::Cancelled => Err(Refusal::Cancelled),
        BookingStatus::CheckedIn => Err(Refusal::NotCancellable("checked in")),
        BookingStatus::Late => Err(Refusal::NotCancellable("used")),
        BookingStatus::NoShow => Err(Refusal::NotCancellable("past its check-in time")),
    }
}

/// Which of a person's bookings of `today` a check-in is for: one whose
/// window is open, else the latest one already past it, else the next one
/// (or, failing all, a used one, so the answer can say so).
pub fn for_person<'a>(
    bookings: impl IntoIterator<Item = &'a Booking>,
    person: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
    rules: &AppointmentConfig,
) -> Option<&'a Booking> {
    let mut mine: Vec<&Booking> = bookings
        .into_iter()
        .filter(|b| b.date == today && b.persons.iter().any(|p| p == person))
        .filter(|b| b.status != BookingStatus::Cancelled)
        .collect();
    mine.sort_by_key(|b| (b.start, b.code.clone()));
    let open: Vec<&Booking> = mine
        .iter()
        .copied()
        .filter(|b| matches!(b.status, BookingStatus::Booked | BookingStatus::NoShow))
        .collect();
    let timing =
        |b: &Booking| slots::check_in_timing(now, b.start, rules.early_minutes, rules.late_minutes);
    open.iter()
        .find(|b| timing(b) == CheckInTiming::InWindow)
        .or_else(|| open.iter().rev().find(|b| timing(b) == CheckInTiming::Late))
        .or_else(|| open.first())
        .or_else(|| mine.first())
        .copied()
}

/// Whether a booking can be checked in (not cancelled, not used).
pub fn check_in_allowed(b: &Booking) -> Result<(), Refusal> {
    match b.status {
        BookingStatus::Booked | BookingStatus::NoShow => Ok(()),
        BookingStatus::Cancelled => Err(Refusal::Cancelled),
        BookingStatus::CheckedIn | BookingStatus::Late => Err(Refusal::AlreadyCheckedIn {
            ticket: b.ticket.clone().unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn codes() {
        assert!(valid_code("K7M2Q9XA"));
        assert!(!valid_code("K7M2Q9X0"));
        assert!(!valid_code("k7m2q9xa"));
        assert!(!valid_code("K7M2Q9X"));
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // 2026-11-26 in Shanghai (UTC+8).
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap() - chrono::Duration::hours(8)
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn booking(code: &str, start_h: u32, person: &str, status: BookingStatus) -> Booking {
        Booking {
            code: code.into(),
            item: "i".into(),
            date: day(),
            slot_start: start_h * 60,
            slot_end: start_h * 60 + 30,
            start: at(start_h, 0),
            end: at(start_h, 30),
            persons: vec![person.into()],
            personal: Personal::default(),
            status,
            booked_at: at(7, 0),
            changed_at: None,
            ticket: Some("t1".into()),
            kiosk: None,
        }
    }

    fn slot(start_h: u32) -> SlotTimes {
        SlotTimes {
            start: start_h * 60,
            end: start_h * 60 + 30,
        }
    }

    #[test]
    fn days_and_items_that_can_be_booked() {
        let mut cfg = HallConfig::demo().unwrap();
        cfg.items[0].appointment_capacity = 2;
        cfg.items[1].appointment_capacity = 0;
        let (id0, id1) = (cfg.items[0].id.clone(), cfg.items[1].id.clone());
        let today = day();
        let (_, slots) = bookable(&cfg, &id0, today, today).unwrap();
        assert!(!slots.is_empty());
        assert_eq!(
            bookable(&cfg, "nope", today, today).unwrap_err(),
            Refusal::UnknownItem("nope".into())
        );
        assert_eq!(
            bookable(&cfg, &id1, today, today).unwrap_err().code(),
            "no_appointments"
        );
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(
            bookable(&cfg, &id0, yesterday, today).unwrap_err().code(),
            "day_out_of_range"
        );
        let last = today
            .checked_add_days(chrono::Days::new(u64::from(cfg.appointments.book_days)))
            .unwrap();
        assert!(bookable(&cfg, &id0, last, today).is_ok());
        assert!(bookable(&cfg, &id0, last.succ_opt().unwrap(), today).is_err());
    }

    #[test]
    fn only_working_days_can_be_booked() {
        let mut cfg = HallConfig::demo().unwrap();
        cfg.items[0].appointment_capacity = 2;
        cfg.calendar.open_on = crate::config::OpenOn::EveryDay;
        let id = cfg.items[0].id.clone();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // 2026-11-28 is a Saturday, 11-30 a Monday.
        let e = bookable(&cfg, &id, d(11, 28), d(11, 26)).unwrap_err();
        assert_eq!(e.code(), "not_a_workday");
        assert_eq!(
            e.to_string(),
            "2026-11-28 不接受预约：休息日；预约仅限工作日 / 2026-11-28 cannot be booked: \
             rest day (weekend); appointments are offered on working days only"
        );
        assert!(bookable(&cfg, &id, d(11, 30), d(11, 26)).is_ok());
        // 国庆节 (国务院办公厅关于2026年部分节假日安排的通知): 10-1..10-7 off,
        // Saturday 10-10 a make-up workday.
        let e = bookable(&cfg, &id, d(10, 1), d(9, 30)).unwrap_err();
        assert_eq!(
            e,
            Refusal::NotAWorkday {
                day: "2026-10-01".into(),
                off: DayOff::Holiday("国庆节".into())
            }
        );
        assert!(e.to_string().contains("国庆节") && e.to_string().contains("National Day"));
        assert!(bookable(&cfg, &id, d(10, 10), d(10, 5)).is_ok());
        // Past the last notice: no calendar, never a guess.
        let e = bookable(&cfg, &id, d(12, 31).succ_opt().unwrap(), d(12, 28)).unwrap_err();
        assert_eq!(e.code(), "no_calendar");
        assert!(e.to_string().contains("2027.json"), "{e}");
        // Checked after the range: a day outside it is out of range first.
        let e = bookable(&cfg, &id, d(11, 28), d(11, 29)).unwrap_err();
        assert_eq!(e.code(), "day_out_of_range");
    }

    #[test]
    fn one_booking_per_person_and_a_full_slot() {
        let held = [
            booking("A", 9, "p1", BookingStatus::Booked),
            booking("B", 9, "p2", BookingStatus::CheckedIn),
        ];
        assert_eq!(
            place(&held, &["p1".into()], slot(10), 5),
            Err(Refusal::AlreadyBooked)
        );
        assert_eq!(
            place(&held, &["p3".into()], slot(9), 2).unwrap_err().code(),
            "slot_full"
        );
        assert_eq!(place(&held, &["p3".into()], slot(9), 3), Ok(()));
        assert_eq!(place(&held, &["p3".into()], slot(10), 1), Ok(()));
    }

    #[test]
    fn only_an_unused_booking_before_its_window_closes_can_be_cancelled() {
        let late = 15;
        let b = booking("A", 9, "p", BookingStatus::Booked);
        assert_eq!(cancellable(&b, at(8, 0), late), Ok(()));
        assert_eq!(
            cancellable(&b, at(9, 30), late),
            Err(Refusal::NotCancellable("past its check-in time"))
        );
        for (status, code) in [
            (BookingStatus::Cancelled, "booking_cancelled"),
            (BookingStatus::CheckedIn, "not_cancellable"),
            (BookingStatus::Late, "not_cancellable"),
            (BookingStatus::NoShow, "not_cancellable"),
        ] {
            let b = booking("A", 9, "p", status);
            assert_eq!(cancellable(&b, at(8, 0), late).unwrap_err().code(), code);
        }
        assert!(check_in_allowed(&booking("A", 9, "p", BookingStatus::NoShow)).is_ok());
        assert_eq!(
            check_in_allowed(&booking("A", 9, "p", BookingStatus::Late)),
            Err(Refusal::AlreadyCheckedIn {
                ticket: "t1".into()
            })
        );
    }

    #[test]
    fn a_person_checks_in_for_the_booking_whose_window_is_open() {
        let rules = AppointmentConfig::default();
        let mine = [
            booking("A", 9, "p", BookingStatus::Booked),
            booking("B", 11, "p", BookingStatus::Booked),
            booking("C", 14, "p", BookingStatus::Booked),
            booking("D", 11, "q", BookingStatus::Booked),
            booking("E", 13, "p", BookingStatus::Cancelled),
        ];
        let pick = |now| for_person(&mine, "p", day(), now, &rules).map(|b| b.code.as_str());
        // Inside B's window.
        assert_eq!(pick(at(11, 0)), Some("B"));
        // Between B and C, past B's window: the latest one already past.
        assert_eq!(pick(at(12, 30)), Some("B"));
        // Before anything: the first.
        assert_eq!(pick(at(7, 0)), Some("A"));
        assert_eq!(for_person(&mine, "z", day(), at(11, 0), &rules), None);
        let other_day = day().succ_opt().unwrap();
        assert_eq!(for_person(&mine, "p", other_day, at(11, 0), &rules), None);
    }

    proptest! {
        /// Whatever day is asked for, a day that can be booked is a working
        /// day of the hall's calendar, and every working day in range can.
        #[test]
        fn only_working_days_are_ever_bookable(today in 0u64..1089, ahead in 0u64..8) {
            let mut cfg = HallConfig::demo().unwrap();
            cfg.items[0].appointment_capacity = 1;
            let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
            let today = first.checked_add_days(chrono::Days::new(today)).unwrap();
            let date = today.checked_add_days(chrono::Days::new(ahead)).unwrap();
            let workday = cfg.calendar.days.is_workday(date).unwrap();
            let result = bookable(&cfg, &cfg.items[0].id, date, today);
            prop_assert_eq!(result.is_ok(), workday, "{} {:?}", date, result.err());
        }

        /// However bookings arrive, a slot never holds more than its
        /// capacity and nobody holds two bookings of the item that day.
        #[test]
        fn capacity_and_one_per_person_hold(
            capacity in 1u32..4,
            requests in proptest::collection::vec((0u32..4, 0usize..6), 0..40),
        ) {
            let mut held: Vec<Booking> = Vec::new();
            for (n, (s, p)) in requests.into_iter().enumerate() {
                let person = format!("p{p}");
                if place(&held, std::slice::from_ref(&person), slot(9 + s), capacity).is_ok() {
                    held.push(booking(&format!("C{n}"), 9 + s, &person, BookingStatus::Booked));
                }
            }
            for s in 0..4 {
                let n = held.iter().filter(|b| b.slot_start == (9 + s) * 60).count();
                prop_assert!(n as u32 <= capacity);
            }
            let mut people: Vec<_> = held.iter().map(|b| b.persons[0].clone()).collect();
            people.sort();
            let len = people.len();
            people.dedup();
            prop_assert_eq!(people.len(), len);
        }
    }
}
