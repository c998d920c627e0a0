//! E-supervision (电子监察): a colour per case, per step and for delivery,
//! as a pure function of the case, the day and the calendar.
//!
//! - red (红牌): overdue — the day is past the deadline (for a completed case
//!   or step: it was decided after its deadline);
//! - yellow (黄牌): not overdue but at the warning point — by default 80 %
//!   of the limit used or two working days or fewer left (the item's
//!   `warn_percent` and `warn_days_left`; as the issue defines it, a 1- or
//!   2-day promise is yellow from its first day); a limit of 0 (an immediate case,
//!   a same-day step) has no warning point: green on its day, red after;
//! - green (绿牌): otherwise;
//! - a case received but not yet accepted is measured against the 5
//!   working days the hall has to accept it or ask for a correction
//!   (《行政许可法》第三十二条); one awaiting a correction before acceptance
//!   is green (the applicant's turn).
//!
//! Time stopped (补正, 挂起) never counts (`clock`); while a stop holds a
//! clock that has not run out the colour is that of the time used so far.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::clock;
use super::state::{Case, Status};
use crate::calendar::{Calendar, CalendarError};
use crate::config::cases::CORRECTION_NOTICE_DAYS;

/// A supervision colour, ordered green < yellow < red.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Green,
    Yellow,
    Red,
}

/// Where yellow starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarnPoint {
    /// Yellow from this percentage of the limit used (1..=100).
    pub percent: u32,
    /// …or from this many working days left.
    pub days_left: u32,
}

impl Default for WarnPoint {
    fn default() -> Self {
        Self {
            percent: 80,
            days_left: 2,
        }
    }
}

/// The colour of a limit of `limit` working days of which `used` are used
/// on `day`, with its `deadline` (none: not yet known).
pub fn colour(
    used: u32,
    limit: u32,
    deadline: Option<NaiveDate>,
    day: NaiveDate,
    warn: WarnPoint,
) -> Colour {
    if deadline.is_some_and(|d| day > d) || used > limit {
        Colour::Red
    } else if limit > 0
        && (u64::from(used) * 100 >= u64::from(warn.percent) * u64::from(limit)
            || limit - used <= warn.days_left)
    {
        Colour::Yellow
    } else {
        Colour::Green
    }
}

/// One step's supervision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSupervision {
    /// The step's name.
    pub name: String,
    /// Its colour.
    pub colour: Colour,
    /// Working days used (stopped time left out).
    pub used_days: u32,
    /// Its limit in working days.
    pub limit_days: u32,
    /// Its deadline (none while a stop holds it).
    pub deadline: Option<NaiveDate>,
}

/// A case's supervision on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSupervision {
    /// The case's colour.
    pub colour: Colour,
    /// Working days used (stopped time left out).
    pub used_days: u32,
    /// The limit in working days (promise plus extension).
    pub limit_days: u32,
    /// Its deadline (none before acceptance or while a stop holds it).
    pub deadline: Option<NaiveDate>,
    /// Whether the clock stands still today (补正 or 挂起).
    pub paused: bool,
    /// The steps started so far.
    pub steps: Vec<StepSupervision>,
    /// The delivery's colour once decided (第四十四条).
    pub delivery: Option<Colour>,
}

/// The case's colours on `today`. Errors: [`CalendarError::MissingYear`].
pub fn supervise(
    case: &Case,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<CaseSupervision, CalendarError> {
    let warn = case.rules.warn;
    let end = case.end(today);
    let used_days = case.used_days(cal, today)?;
    let deadline = case.deadline(cal)?;
    let colour = match case.accepted_on {
        Some(_) => self::colour(used_days, case.limit_days, deadline, end, warn),
        // Received, not yet accepted: the 5 working days to accept or ask
        // for a correction (art. 32) are what can run out.
        None if case.status == Status::Received => {
            let due = cal.add_working_days(case.received_on, CORRECTION_NOTICE_DAYS)?;
            let used = cal.working_days_between(case.received_on, today)?;
            self::colour(used, CORRECTION_NOTICE_DAYS, Some(due), today, warn)
        }
        None => Colour::Green,
    };
    let mut steps = Vec::new();
    for (i, s) in case.steps.iter().enumerate() {
        let Some(start) = s.started_on else { continue };
        let step_end = s.done_on.unwrap_or(end);
        let used = clock::used(cal, start, &case.stops, step_end)?;
        let dl = case.step_deadline(cal, i)?;
        steps.push(StepSupervision {
            name: s.name.clone(),
            colour: self::colour(used, s.limit_days, dl, step_end, warn),
            used_days: used,
            limit_days: s.limit_days,
            deadline: dl,
        });
    }
    let delivery = match (case.completed_on, case.delivery_due) {
        (Some(decided), Some(due)) => {
            let on = case.delivery.as_ref().map_or(today, |d| d.on);
            let used = cal.working_days_between(decided, on)?;
            Some(self::colour(
                used,
                case.rules.delivery_days,
                Some(due),
                on,
                warn,
            ))
        }
        _ => None,
    };
    Ok(CaseSupervision {
        colour,
        used_days,
        limit_days: case.limit_days,
        deadline,
        paused: matches!(case.status, Status::Correction | Status::Suspended),
        steps,
        delivery,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_colour_rule() {
        let w = WarnPoint::default();
        let dl = Some(d("2026-12-14"));
        let day = d("2026-12-01");
        assert_eq!(colour(0, 10, dl, day, w), Colour::Green);
        assert_eq!(colour(7, 10, dl, day, w), Colour::Green);
        assert_eq!(colour(8, 10, dl, day, w), Colour::Yellow, "80 % used");
        assert_eq!(colour(7, 30, dl, day, w), Colour::Green);
        assert_eq!(colour(28, 30, dl, day, w), Colour::Yellow, "two days left");
        assert_eq!(colour(10, 10, dl, d("2026-12-14"), w), Colour::Yellow);
        assert_eq!(colour(10, 10, dl, d("2026-12-15"), w), Colour::Red);
        assert_eq!(colour(11, 10, None, day, w), Colour::Red);
        // A limit of 0 has no warning point.
        assert_eq!(colour(0, 0, Some(day), day, w), Colour::Green);
        assert_eq!(colour(0, 0, Some(day), d("2026-12-02"), w), Colour::Red);
        // A configured point.
        let strict = WarnPoint {
            percent: 50,
            days_left: 0,
        };
        assert_eq!(colour(5, 10, dl, day, strict), Colour::Yellow);
        assert_eq!(colour(4, 10, dl, day, strict), Colour::Green);
        assert!(Colour::Green < Colour::Yellow && Colour::Yellow < Colour::Red);
    }
}
