//! The working-day calendar (工作日历): which dates are working days, and
//! how deadlines in working days fall.
//!
//! China's working days move every year with the State Council General
//! Office's holiday notice (国务院办公厅关于 YYYY 年部分节假日安排的通知):
//! statutory holidays (法定节假日) are off even on weekdays, and make-up
//! workdays (调休上班) are on even on weekends. A year is therefore data —
//! one [`YearNotice`] per year, kept as `config/holidays/{year}.json` — and a
//! date in a year without a notice is an error ([`CalendarError::MissingYear`]),
//! never a guess.
//!
//! Counting rule (used for every limit in working days): limits of the
//! Administrative Licensing Law count working days with statutory holidays
//! excluded (《行政许可法》第八十二条), and a period counted in days starts on
//! the day after the event (《民法典》第二百零一条: 开始的当日不计入，自下一日开始计算).
//! So a limit of N working days from an intake on date D ends at the close
//! of the N-th working day after D ([`Calendar::add_working_days`]), and the
//! time used by date T is the number of working days in `(D, T]`
//! ([`Calendar::working_days_between`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One year's holiday notice, as kept in `config/holidays/{year}.json`:
///
/// ```json
/// { "year": 2026, "source": "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
///   "holidays": [{ "name": "春节", "from": "2026-02-15", "to": "2026-02-23" }],
///   "workdays": ["2026-02-14", "2026-02-28"] }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearNotice {
    /// The calendar year the notice governs.
    pub year: i32,
    /// The notice's title and date, shown by `tingwu calendar list`.
    pub source: String,
    /// Holiday periods (放假调休), inclusive on both ends.
    pub holidays: Vec<Holiday>,
    /// Make-up workdays (调休上班): weekend dates that are working days.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

/// A holiday period of a notice, `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The festival's name (元旦, 春节, …).
    pub name: String,
    /// First day off.
    pub from: NaiveDate,
    /// Last day off (inclusive).
    pub to: NaiveDate,
}

/// Why a calendar could not be built or could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No holiday notice for this year: the operator adds `{year}.json`
    /// from the State Council's notice to `[calendar] holidays_dir` (or
    /// `--holidays`); no rebuild.
    #[error(
        "no holiday calendar for {0}: put {0}.json, from the State Council General Office's \
         holiday notice for {0} (国务院办公厅关于{0}年部分节假日安排的通知), in the directory of \
         [calendar] holidays_dir or --holidays (the format of config/holidays/2026.json; \
         `tingwu calendar list {0}` checks it)"
    )]
    MissingYear(i32),
    /// The notice's JSON could not be read.
    #[error("holiday notice is not valid JSON: {0}")]
    Json(String),
    /// The notice contradicts itself or the calendar.
    #[error("holiday notice for {year}: {problem}")]
    Invalid { year: i32, problem: String },
    /// A count that runs past the last year the calendar knows.
    #[error("{0} working days run past the calendar's last year")]
    TooFar(u32),
}

/// What one date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary Monday–Friday.
    Workday,
    /// A weekend date the notice makes a working day (调休上班).
    MakeUpWorkday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A day off of a holiday period (法定节假日 or its 调休).
    Holiday,
}

impl DayKind {
    /// Whether staff work and limits count on this day.
    pub fn is_workday(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday)
    }
}

#[derive(Debug, Clone, Default)]
struct YearDays {
    source: String,
    off: BTreeMap<NaiveDate, String>,
    on: BTreeSet<NaiveDate>,
}

/// The hall's working-day calendar: the years it has notices for.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, YearDays>,
}

/// The official notices for 2024–2026, compiled in. An operator's file
/// for the same year replaces one of these (see [`Calendar::with_notice`]).
pub const OFFICIAL: [(&str, &str); 3] = [
    (
        "2024.json",
        include_str!("../../../config/holidays/2024.json"),
    ),
    (
        "2025.json",
        include_str!("../../../config/holidays/2025.json"),
    ),
    (
        "2026.json",
        include_str!("../../../config/holidays/2026.json"),
    ),
];

/// Longest run of days [`Calendar::add_working_days`] will walk (ten years):
/// every count ends, and a missing year is found rather than looped over.
const MAX_WALK_DAYS: i64 = 3660;

impl YearNotice {
    /// Parses one year's JSON. Errors: [`CalendarError::Json`].
    pub fn parse(json: &str) -> Result<Self, CalendarError> {
        serde_json::from_str(json).map_err(|e| CalendarError::Json(e.to_string()))
    }
}

impl Calendar {
    /// The compiled-in official calendar (2024–2026).
    pub fn official() -> Self {
        let mut cal = Calendar::default();
        for (_, json) in OFFICIAL {
            // The compiled-in files are checked by this module's tests.
            if let Ok(notice) = YearNotice::parse(json) {
                if let Ok(next) = cal.clone().with_notice(notice) {
                    cal = next;
                }
            }
        }
        cal
    }

    /// Adds (or replaces) one year's notice after checking it: every date in
    /// that year, holiday periods in order and not overlapping, make-up
    /// workdays on weekends and not inside a holiday.
    /// Errors: [`CalendarError::Invalid`] naming the problem.
    pub fn with_notice(mut self, notice: YearNotice) -> Result<Self, CalendarError> {
        let year = notice.year;
        let invalid = |problem: String| CalendarError::Invalid { year, problem };
        let mut days = YearDays {
            source: notice.source.clone(),
            ..YearDays::default()
        };
        for h in &notice.holidays {
            if h.from.year() != year || h.to.year() != year {
                return Err(invalid(format!(
                    "holiday {} ({}..{}) is not inside {year}",
                    h.name, h.from, h.to
                )));
            }
            if h.to < h.from {
                return Err(invalid(format!("holiday {} ends before it starts", h.name)));
            }
            let mut d = h.from;
            while d <= h.to {
                if days.off.insert(d, h.name.clone()).is_some() {
                    return Err(invalid(format!("{d} is in two holiday periods")));
                }
                d += Duration::days(1);
            }
        }
        for &w in &notice.workdays {
            if w.year() != year {
                return Err(invalid(format!("make-up workday {w} is not inside {year}")));
            }
            if !is_weekend(w) {
                return Err(invalid(format!(
                    "make-up workday {w} is a {:?}, not a weekend day",
                    w.weekday()
                )));
            }
            if days.off.contains_key(&w) {
                return Err(invalid(format!(
                    "{w} is both a holiday and a make-up workday"
                )));
            }
            days.on.insert(w);
        }
        self.years.insert(year, days);
        Ok(self)
    }

    /// The years this calendar has notices for, in order.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    /// The notice's source line for a year, if the calendar has it.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    /// What a date is. Errors: [`CalendarError::MissingYear`].
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        let year = self
            .years
            .get(&date.year())
            .ok_or(CalendarError::MissingYear(date.year()))?;
        Ok(if year.off.contains_key(&date) {
            DayKind::Holiday
        } else if year.on.contains(&date) {
            DayKind::MakeUpWorkday
        } else if is_weekend(date) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        })
    }

    /// The holiday's name when `date` is a day off of a holiday period.
    pub fn holiday_name(&self, date: NaiveDate) -> Option<&str> {
        self.years
            .get(&date.year())
            .and_then(|y| y.off.get(&date))
            .map(String::as_str)
    }

    /// Whether `date` is a working day. Errors: [`CalendarError::MissingYear`].
    pub fn is_workday(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_workday())
    }

    /// The `n`-th working day after `start` (the start day itself never
    /// counts; see the module's counting rule). `n = 0` gives `start`.
    /// Errors: [`CalendarError::MissingYear`] when the count reaches a year
    /// without a notice.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = start;
        let mut left = n;
        let mut walked = 0i64;
        while left > 0 {
            d += Duration::days(1);
            walked += 1;
            if walked > MAX_WALK_DAYS {
                return Err(CalendarError::TooFar(n));
            }
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days in `(from, to]`: the whole working days used by the end
    /// of `to` of a period that began on `from`. Zero when `to <= from`.
    /// Errors: [`CalendarError::MissingYear`].
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        let mut count = 0u32;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_workday(d)? {
                count += 1;
            }
        }
        Ok(count)
    }

    /// [`Self::working_days_between`] for two instants, read as dates in the
    /// hall's time zone.
    pub fn working_days_between_instants(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: Tz,
    ) -> Result<u32, CalendarError> {
        self.working_days_between(local_date(from, tz), local_date(to, tz))
    }

    /// Every date of a year with its kind, in order (for `tingwu calendar
    /// list`). Errors: [`CalendarError::MissingYear`].
    pub fn list_year(&self, year: i32) -> Result<Vec<(NaiveDate, DayKind)>, CalendarError> {
        if !self.years.contains_key(&year) {
            return Err(CalendarError::MissingYear(year));
        }
        let mut out = Vec::with_capacity(366);
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(CalendarError::MissingYear(year))?;
        while d.year() == year {
            out.push((d, self.day_kind(d)?));
            d += Duration::days(1);
        }
        Ok(out)
    }
}

/// The hall-local date of an instant.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
