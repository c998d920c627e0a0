//! The hall's clock: its day and local time, in its own time zone, and the
//! one place actors read the time. It reads the system clock, or — in tests
//! — a [`ManualClock`] the test sets and advances, so that rules counted in
//! minutes (alarms, attendance) are tested without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::config::HallConfig;
use crate::core::day;

#[derive(Debug, Clone, Copy)]
pub struct HallClock {
    pub tz: Tz,
    pub day_start: NaiveTime,
    source: Source,
}

/// Where [`HallClock::now`] comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    System,
    Manual(&'static ManualClock),
}

/// A clock that stands still until it is set or advanced (tests, the
/// `tingwu_actors::testing` halls). Microsecond resolution.
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A manual clock at `at`, living for the rest of the process (a
    /// [`HallClock`] is `Copy`, so it holds a `'static` reference; one
    /// small leak per test hall).
    pub fn leaked(at: DateTime<Utc>) -> &'static ManualClock {
        Box::leak(Box::new(ManualClock {
            micros: AtomicI64::new(at.timestamp_micros()),
        }))
    }

    /// The time it shows.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.micros.load(Ordering::SeqCst)).unwrap_or_default()
    }

    /// Sets it to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.micros.store(at.timestamp_micros(), Ordering::SeqCst);
    }

    /// Moves it on by `by` (back, if negative).
    pub fn advance(&self, by: chrono::Duration) {
        let d = by.num_microseconds().unwrap_or(i64::MAX);
        self.micros.fetch_add(d, Ordering::SeqCst);
    }
}

impl HallClock {
    pub fn of(cfg: &HallConfig) -> Self {
        Self {
            tz: cfg.tz(),
            day_start: cfg.day_start(),
            source: Source::System,
        }
    }

    /// The system clock in UTC with the day starting at midnight: for an
    /// actor that only needs `now` and was started without the hall's
    /// clock.
    pub fn system_utc() -> Self {
        Self {
            tz: chrono_tz::UTC,
            day_start: NaiveTime::MIN,
            source: Source::System,
        }
    }

    /// The same clock reading `manual` instead of the system clock.
    pub fn with_manual(mut self, manual: &'static ManualClock) -> Self {
        self.source = Source::Manual(manual);
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.source {
            Source::System => Utc::now(),
            Source::Manual(m) => m.now(),
        }
    }

    /// `20261126`.
    pub fn day(&self, now: DateTime<Utc>) -> String {
        day::day_key(day::hall_day(now, self.tz, self.day_start))
    }

    /// The instant the hall day holding `now` began (`day_start` in hall
    /// time on the hall date of `now`).
    pub fn day_began(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        use chrono::TimeZone;
        let date = day::hall_day(now, self.tz, self.day_start);
        self.tz
            .from_local_datetime(&date.and_time(self.day_start))
            .earliest()
            .map_or(now, |t| t.with_timezone(&Utc))
    }

    pub fn local_time(&self, now: DateTime<Utc>) -> NaiveTime {
        day::local_time(now, self.tz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_moved() {
        let cfg = crate::testing::small_hall();
        let at = DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let manual = ManualClock::leaked(at);
        let clock = HallClock::of(&cfg).with_manual(manual);
        assert_eq!(clock.now(), at);
        manual.advance(chrono::Duration::minutes(31));
        assert_eq!(clock.now(), at + chrono::Duration::minutes(31));
        manual.set(at);
        assert_eq!(clock.now(), at);
        // The hall day (Asia/Shanghai) began at its day start that morning.
        let began = clock.day_began(at);
        assert!(began <= at && at - began < chrono::Duration::days(1));
        assert_eq!(clock.day(began), clock.day(at));
    }
}
