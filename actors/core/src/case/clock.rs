//! The case clock: working days used and deadlines, with stopped time left
//! out.
//!
//! Limits count working days with statutory holidays excluded
//! (《行政许可法》第八十二条), from the day after the start (the calendar's
//! counting rule, `crate::calendar`). Time the clock is stopped — a
//! correction (补正) awaiting the applicant's answer, or a suspension (挂起)
//! for a hearing, inspection, testing, expert review… (第四十五条) — does not
//! count: a stop from date F to date T (the day it ended) leaves out the
//! working days in `(F, T]`, so the day it began still counts and counting
//! starts again on the day after it ended, the same rule as for the start.
//! A stop still open leaves out every day after F.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};

/// Why the clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// 补正: waiting for the applicant's corrected materials.
    Correction,
    /// 挂起: a special procedure (第四十五条).
    Suspension,
}

/// One stop of the clock, `(from, to]`; `to` none while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    /// Correction or suspension.
    pub kind: StopKind,
    /// The day it began (still counted).
    pub from: NaiveDate,
    /// The day it ended (not counted); none while it lasts.
    pub to: Option<NaiveDate>,
}

impl Stop {
    /// Whether the clock is stopped on `d` (d in `(from, to]`).
    pub fn covers(&self, d: NaiveDate) -> bool {
        d > self.from && self.to.is_none_or(|to| d <= to)
    }
}

/// Longest walk for a deadline (ten years), so every walk ends.
const MAX_WALK_DAYS: i64 = 3660;

/// Working days used in `(start, until]`, leaving out stopped days.
/// Errors: [`CalendarError::MissingYear`].
pub fn used(
    cal: &Calendar,
    start: NaiveDate,
    stops: &[Stop],
    until: NaiveDate,
) -> Result<u32, CalendarError> {
    let mut n = 0;
    let mut d = start;
    while d < until {
        d += Duration::days(1);
        if cal.is_workday(d)? && !stops.iter().any(|s| s.covers(d)) {
            n += 1;
        }
    }
    Ok(n)
}

/// Working days the clock stood still in `(start, until]`: the working
/// days of that span that [`used`] leaves out.
pub fn stopped(
    cal: &Calendar,
    start: NaiveDate,
    stops: &[Stop],
    until: NaiveDate,
) -> Result<u32, CalendarError> {
    Ok(cal.working_days_between(start, until)? - used(cal, start, stops, until)?)
}

/// The day a limit of `limit` working days from `start` runs out: the
/// `limit`-th counted working day after `start` (`start` itself for 0).
/// `None` while a stop that is still open holds the clock before the limit
/// is reached (the deadline is not known until it ends).
/// Errors: [`CalendarError::MissingYear`], [`CalendarError::TooFar`].
pub fn deadline(
    cal: &Calendar,
    start: NaiveDate,
    limit: u32,
    stops: &[Stop],
) -> Result<Option<NaiveDate>, CalendarError> {
    let mut d = start;
    let mut left = limit;
    let mut walked = 0;
    while left > 0 {
        d += Duration::days(1);
        walked += 1;
        if walked > MAX_WALK_DAYS {
            return Err(CalendarError::TooFar(limit));
        }
        if stops.iter().any(|s| s.to.is_none() && d > s.from) {
            return Ok(None);
        }
        if cal.is_workday(d)? && !stops.iter().any(|s| s.covers(d)) {
            left -= 1;
        }
    }
    Ok(Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_stop_leaves_out_its_days_after_the_first() {
        let cal = Calendar::official();
        // Accepted Mon 2026-11-02; suspended Wed 11-04, resumed Mon 11-09.
        let stops = [Stop {
            kind: StopKind::Suspension,
            from: d("2026-11-04"),
            to: Some(d("2026-11-09")),
        }];
        // Tue, Wed counted; Thu, Fri, Mon not; Tue 11-10 counted.
        assert_eq!(
            used(&cal, d("2026-11-02"), &stops, d("2026-11-10")).unwrap(),
            3
        );
        assert_eq!(
            stopped(&cal, d("2026-11-02"), &stops, d("2026-11-10")).unwrap(),
            3
        );
        // Five working days: Tue, Wed, Tue, Wed, Thu 11-12.
        assert_eq!(
            deadline(&cal, d("2026-11-02"), 5, &stops).unwrap(),
            Some(d("2026-11-12"))
        );
        assert_eq!(
            deadline(&cal, d("2026-11-02"), 0, &stops).unwrap(),
            Some(d("2026-11-02"))
        );
        // Still suspended: the deadline is not known, but a limit reached
        // before the stop is.
        let open = [Stop {
            to: None,
            ..stops[0]
        }];
        assert_eq!(deadline(&cal, d("2026-11-02"), 5, &open).unwrap(), None);
        assert_eq!(
            deadline(&cal, d("2026-11-02"), 2, &open).unwrap(),
            Some(d("2026-11-04"))
        );
        assert_eq!(
            used(&cal, d("2026-11-02"), &open, d("2026-11-30")).unwrap(),
            2
        );
    }
}
