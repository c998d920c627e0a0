//! The hall's `[calendar]` section: where the operator's holiday notices
//! are, whether the hall serves on working days only, and the working-day
//! calendar built from both ([`crate::calendar::Calendar`]).
//!
//! ```toml
//! [calendar]
//! holidays_dir = "/etc/tingwu/holidays"  # optional: {year}.json files
//! open_on = "workdays"                   # or "every_day"
//! ```
//!
//! The compiled-in notices (2024–2026, [`crate::calendar::OFFICIAL`]) are the
//! start; every `*.json` in `holidays_dir` adds its year or replaces the
//! compiled-in one, without a rebuild. Reading the directory is I/O and
//! happens in the binary (`tingwu serve`, `check-config`, `calendar`), which
//! hands the files' text to [`CalendarConfig::apply_files`].

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, YearNotice};

/// The `[calendar]` section of a hall file. Every key is optional.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// A directory of operator holiday notices, one `{year}.json` each
    /// ([`YearNotice`]); a relative path is read from the hall file's
    /// directory. `tingwu … --holidays DIR` overrides it. None: the
    /// compiled-in years only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holidays_dir: Option<String>,
    /// Which days the hall's items take tickets on.
    #[serde(default)]
    pub open_on: OpenOn,
    /// The working-day calendar in force: the compiled-in notices, then the
    /// operator's files ([`Self::apply_files`]). Not part of the file.
    #[serde(skip, default = "Calendar::official")]
    pub days: Calendar,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        Self {
            holidays_dir: None,
            open_on: OpenOn::default(),
            days: Calendar::official(),
        }
    }
}

/// Which days the hall serves walk-in tickets on (service hours follow the
/// working-day calendar unless the hall says otherwise). Appointments are
/// offered on working days whatever this says (the booking rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenOn {
    /// Working days only: closed on statutory holidays (法定节假日) and rest
    /// days (休息日), open on make-up workdays (调休上班). The default.
    #[default]
    Workdays,
    /// Every day of the year (24-hour or 7-day halls, and the demo hall).
    EveryDay,
}

/// An operator's holiday file that was refused: its name and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("holiday file {file}: {problem}")]
pub struct HolidayFileError {
    /// The file's name as given (`2027.json`).
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
}

/// What the start-up check of the calendar found that is worth a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearWarning {
    /// From 1 December, next year has no notice yet.
    NextYearMissing(i32),
}

impl std::fmt::Display for YearWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            YearWarning::NextYearMissing(y) => write!(
                f,
                "{y} 年的节假日安排尚未配置，请将 {y}.json 放入 [calendar] holidays_dir 所指目录 / \
                 no holiday calendar for {y} yet: {}",
                CalendarError::MissingYear(*y)
            ),
        }
    }
}

impl CalendarConfig {
    /// Adds or replaces years with the operator's files, given as
    /// `(file name, text)` in any order (they are applied by name, so the
    /// result does not depend on the directory's order). A file's name must
    /// be `{year}.json` for the year its notice governs, and the notice must
    /// pass [`Calendar::with_notice`].
    ///
    /// Errors: [`HolidayFileError`] naming the first bad file and why.
    pub fn apply_files(&mut self, files: &[(String, String)]) -> Result<(), HolidayFileError> {
        let mut files: Vec<&(String, String)> = files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut days = self.days.clone();
        for (name, text) in files {
            let bad = |problem: String| HolidayFileError {
                file: name.clone(),
                problem,
            };
            let notice = YearNotice::parse(text).map_err(|e| bad(e.to_string()))?;
            let stem = name.strip_suffix(".json").unwrap_or(name);
            if stem != notice.year.to_string() {
                return Err(bad(format!(
                    "the file is for {} but its name says {stem:?}; name it {}.json \
                     (文件名应为 {}.json)",
                    notice.year, notice.year, notice.year
                )));
            }
            days = days.with_notice(notice).map_err(|e| bad(e.to_string()))?;
        }
        self.days = days;
        Ok(())
    }

    /// The start-up check on `today` (the hall's local date): a hall that
    /// serves on working days cannot run a year it has no notice for; from
    /// 1 December a missing next year is a warning (the State Council
    /// usually publishes the notice in late October or November).
    ///
    /// Errors: [`CalendarError::MissingYear`] for the current year.
    pub fn check_years(&self, today: NaiveDate) -> Result<Vec<YearWarning>, CalendarError> {
        let year = today.year();
        if self.open_on == OpenOn::Workdays && self.days.source(year).is_none() {
            return Err(CalendarError::MissingYear(year));
        }
        let mut warnings = Vec::new();
        if today.month() == 12 && self.days.source(year + 1).is_none() {
            warnings.push(YearWarning::NextYearMissing(year + 1));
        }
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(year: i32, workdays: &str) -> String {
        format!(
            r#"{{"year": {year}, "source": "test notice", "holidays":
                [{{"name": "元旦", "from": "{year}-01-01", "to": "{year}-01-01"}}],
                "workdays": [{workdays}]}}"#
        )
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn defaults_follow_working_days_with_the_official_years() {
        let c: CalendarConfig = toml::from_str("").unwrap();
        assert_eq!(c.open_on, OpenOn::Workdays);
        assert!(c.holidays_dir.is_none());
        assert_eq!(c.days.years().collect::<Vec<_>>(), [2024, 2025, 2026]);
        let c: CalendarConfig = toml::from_str("open_on = \"every_day\"").unwrap();
        assert_eq!(c.open_on, OpenOn::EveryDay);
        assert!(toml::from_str::<CalendarConfig>("open_on = \"weekends\"").is_err());
        assert!(toml::from_str::<CalendarConfig>("days = 3").is_err());
    }

    #[test]
    fn a_file_adds_a_year_and_another_replaces_one() {
        let mut c = CalendarConfig::default();
        assert!(c.days.is_workday(d(2027, 1, 1)).is_err());
        // 2026-10-01 is 国庆节 in the official notice; this one has only 元旦.
        c.apply_files(&[
            ("2027.json".into(), notice(2027, "")),
            ("2026.json".into(), notice(2026, "\"2026-10-03\"")),
        ])
        .unwrap();
        assert_eq!(c.days.is_workday(d(2027, 1, 1)), Ok(false));
        assert_eq!(c.days.is_workday(d(2027, 1, 4)), Ok(true));
        assert_eq!(c.days.is_workday(d(2026, 10, 1)), Ok(true));
        assert_eq!(c.days.is_workday(d(2026, 10, 3)), Ok(true), "make-up");
        assert_eq!(c.days.source(2026), Some("test notice"));
        assert_eq!(c.days.source(2025).map(|s| s.contains("2025")), Some(true));
    }

    #[test]
    fn bad_files_are_refused_by_name_and_change_nothing() {
        let mut c = CalendarConfig::default();
        let e = c
            .apply_files(&[
                ("2027.json".into(), notice(2027, "")),
                ("2028.json".into(), "{ not json".into()),
            ])
            .unwrap_err();
        assert_eq!(e.file, "2028.json");
        assert!(e.to_string().contains("not valid JSON"), "{e}");
        assert!(c.days.source(2027).is_none(), "nothing applied");
        let e = c
            .apply_files(&[("2029.json".into(), notice(2027, ""))])
            .unwrap_err();
        assert!(e.to_string().contains("2027.json"), "{e}");
        // A make-up workday on a Monday contradicts the calendar.
        let e = c
            .apply_files(&[("2027.json".into(), notice(2027, "\"2027-01-04\""))])
            .unwrap_err();
        assert!(e.problem.contains("not a weekend day"), "{e}");
    }

    #[test]
    fn the_current_year_is_needed_and_next_year_warned_of_in_december() {
        let mut c = CalendarConfig::default();
        assert_eq!(c.check_years(d(2026, 11, 30)), Ok(vec![]));
        assert_eq!(
            c.check_years(d(2026, 12, 1)),
            Ok(vec![YearWarning::NextYearMissing(2027)])
        );
        assert_eq!(
            c.check_years(d(2027, 3, 1)),
            Err(CalendarError::MissingYear(2027))
        );
        c.open_on = OpenOn::EveryDay;
        assert_eq!(c.check_years(d(2027, 3, 1)), Ok(vec![]));
        c.apply_files(&[("2027.json".into(), notice(2027, ""))])
            .unwrap();
        c.open_on = OpenOn::Workdays;
        assert_eq!(c.check_years(d(2027, 3, 1)), Ok(vec![]));
        assert_eq!(
            c.check_years(d(2027, 12, 31)),
            Ok(vec![YearWarning::NextYearMissing(2028)])
        );
    }
}
