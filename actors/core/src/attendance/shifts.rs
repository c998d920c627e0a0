//! Which shifts a window or a staff member has on a date: its own
//! `[[supervision.attendance.shifts]]` entry, else (windows only) the
//! hall's `attendance.hours`; none on a day the calendar says is not a
//! working day.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError};
use crate::config::supervision::AttendanceConfig;

/// Whose attendance is read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum Subject {
    Window(String),
    Staff(String),
}

impl Subject {
    /// `window/3`, `staff/S01`: the source of its alarms.
    pub fn source(&self) -> String {
        match self {
            Subject::Window(w) => format!("window/{w}"),
            Subject::Staff(s) => format!("staff/{s}"),
        }
    }
}

/// One shift on one date: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn at(date: NaiveDate, minutes: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let local = if minutes >= 24 * 60 {
        date.succ_opt()?.and_time(NaiveTime::MIN)
    } else {
        date.and_time(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)?)
    };
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The configured `HH:MM-HH:MM` ranges of `subject` (none: no shift).
pub fn hours_of<'a>(cfg: &'a AttendanceConfig, subject: &Subject) -> &'a [String] {
    let own = cfg.shifts.iter().find(|s| match subject {
        Subject::Window(w) => s.window.as_deref() == Some(w.as_str()),
        Subject::Staff(p) => s.staff.as_deref() == Some(p.as_str()),
    });
    match (own, subject) {
        (Some(s), _) => &s.hours,
        (None, Subject::Window(_)) => &cfg.hours,
        (None, Subject::Staff(_)) => &[],
    }
}

/// The shifts of `subject` on hall-local `date` (time zone `tz`), in the
/// configured order; none when the date is not a working day. Ranges that
/// do not parse (the config check refuses them) are skipped. Errors:
/// [`CalendarError::MissingYear`] for a year without a holiday notice.
pub fn shifts_on(
    cfg: &AttendanceConfig,
    subject: &Subject,
    date: NaiveDate,
    tz: Tz,
    calendar: &Calendar,
) -> Result<Vec<Shift>, CalendarError> {
    let hours = hours_of(cfg, subject);
    if hours.is_empty() || !calendar.is_workday(date)? {
        return Ok(Vec::new());
    }
    Ok(hours
        .iter()
        .filter_map(|h| crate::hhmm::parse_range(h))
        .filter_map(|(a, b)| {
            Some(Shift {
                start: at(date, a, tz)?,
                end: at(date, b, tz)?,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::supervision::ShiftConfig;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn cfg() -> AttendanceConfig {
        AttendanceConfig {
            hours: vec!["08:30-12:00".into(), "13:30-17:00".into()],
            shifts: vec![
                ShiftConfig {
                    window: Some("9".into()),
                    staff: None,
                    hours: vec!["09:00-12:00".into()],
                },
                ShiftConfig {
                    window: None,
                    staff: Some("S01".into()),
                    hours: vec!["13:00-18:00".into()],
                },
            ],
            ..AttendanceConfig::default()
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn working_days_have_the_shifts_in_hall_time() {
        let cal = Calendar::official();
        let w = Subject::Window("1".into());
        // Monday 2026-03-02.
        let s = shifts_on(&cfg(), &w, date(2026, 3, 2), TZ, &cal).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].start.to_rfc3339(), "2026-03-02T00:30:00+00:00");
        assert_eq!(s[1].end.to_rfc3339(), "2026-03-02T09:00:00+00:00");
        // A window's own shift replaces the hall's.
        let own = shifts_on(
            &cfg(),
            &Subject::Window("9".into()),
            date(2026, 3, 2),
            TZ,
            &cal,
        );
        assert_eq!(own.unwrap().len(), 1);
        // Staff have only their own.
        let staff = shifts_on(
            &cfg(),
            &Subject::Staff("S01".into()),
            date(2026, 3, 2),
            TZ,
            &cal,
        );
        assert_eq!(
            staff.unwrap()[0].start.to_rfc3339(),
            "2026-03-02T05:00:00+00:00"
        );
        let other = shifts_on(
            &cfg(),
            &Subject::Staff("S02".into()),
            date(2026, 3, 2),
            TZ,
            &cal,
        );
        assert!(other.unwrap().is_empty());
    }

    #[test]
    fn no_shift_on_weekends_and_holidays_but_on_make_up_days() {
        let cal = Calendar::official();
        let w = Subject::Window("1".into());
        // Saturday 2026-03-07; National Day 2025-10-01; Spring Festival 2026-02-17.
        for d in [date(2026, 3, 7), date(2025, 10, 1), date(2026, 2, 17)] {
            assert!(
                shifts_on(&cfg(), &w, d, TZ, &cal).unwrap().is_empty(),
                "{d}"
            );
        }
        // Sunday 2025-09-28 was a make-up working day (调休上班).
        assert_eq!(
            shifts_on(&cfg(), &w, date(2025, 9, 28), TZ, &cal)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            shifts_on(&cfg(), &w, date(2031, 3, 3), TZ, &cal),
            Err(CalendarError::MissingYear(2031))
        );
    }
}
