//! The hall's clock: its day and local time, in its own time zone.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::config::HallConfig;
use crate::core::day;

#[derive(Debug, Clone, Copy)]
pub struct HallClock {
    pub tz: Tz,
    pub day_start: NaiveTime,
}

impl HallClock {
    pub fn of(cfg: &HallConfig) -> Self {
        Self {
            tz: cfg.tz(),
            day_start: cfg.day_start(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// `20261126`.
    pub fn day(&self, now: DateTime<Utc>) -> String {
        day::day_key(day::hall_day(now, self.tz, self.day_start))
    }

    pub fn local_time(&self, now: DateTime<Utc>) -> NaiveTime {
        day::local_time(now, self.tz)
    }
}
