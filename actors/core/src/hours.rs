//! Service hours of an item (`08:30-12:00`, `13:30-17:00`, `00:00-24:00`),
//! and the days they apply on: working days of the hall's calendar
//! ([`day_off`]), so an item is closed on statutory holidays (法定节假日,
//! 《全国年节及纪念日放假办法》 and the State Council General Office's
//! yearly notice) and rest days (休息日, 《国务院关于职工工作时间的规定》第七条:
//! Saturday and Sunday), and open on make-up workdays (调休上班).

use chrono::{NaiveDate, NaiveTime};

use crate::calendar::{Calendar, CalendarError, DayKind};
use crate::hhmm;

/// Why a date is not a working day, told to citizens in zh-CN and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOff {
    /// A day of a holiday period of the year's notice; the festival's name
    /// as the notice gives it (春节, 国庆节, …).
    Holiday(String),
    /// An ordinary Saturday or Sunday (休息日).
    RestDay,
}

impl DayOff {
    /// `法定节假日（国庆节）` or `休息日`.
    pub fn zh(&self) -> String {
        match self {
            DayOff::Holiday(name) => format!("法定节假日（{name}）"),
            DayOff::RestDay => "休息日".to_string(),
        }
    }

    /// `public holiday (National Day, 国庆节)` or `rest day (weekend)`.
    pub fn en(&self) -> String {
        match self {
            DayOff::Holiday(name) => match festival_en(name) {
                Some(en) => format!("public holiday ({en}, {name})"),
                None => format!("public holiday ({name})"),
            },
            DayOff::RestDay => "rest day (weekend)".to_string(),
        }
    }
}

impl std::fmt::Display for DayOff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

/// The English names of the statutory festivals (《全国年节及纪念日放假办法》第二条).
fn festival_en(zh: &str) -> Option<&'static str> {
    Some(match zh {
        "元旦" => "New Year's Day",
        "春节" => "Spring Festival",
        "清明节" => "Qingming Festival",
        "劳动节" => "Labour Day",
        "端午节" => "Dragon Boat Festival",
        "中秋节" => "Mid-Autumn Festival",
        "国庆节" => "National Day",
        "中秋节、国庆节" | "国庆节、中秋节" => "Mid-Autumn Festival and National Day",
        _ => return None,
    })
}

/// Whether `date` is a working day of `calendar`: `None` if it is, else why
/// not. Errors: [`CalendarError::MissingYear`] for a year without a notice.
pub fn day_off(calendar: &Calendar, date: NaiveDate) -> Result<Option<DayOff>, CalendarError> {
    Ok(match calendar.day_kind(date)? {
        DayKind::Workday | DayKind::MakeUpWorkday => None,
        DayKind::Weekend => Some(DayOff::RestDay),
        DayKind::Holiday => Some(DayOff::Holiday(
            calendar.holiday_name(date).unwrap_or("节假日").to_string(),
        )),
    })
}

/// Half-open ranges of minutes since midnight, `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHours {
    ranges: Vec<(u32, u32)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("expected HH:MM-HH:MM with the end after the start, got {0:?}")]
pub struct HoursError(pub String);

impl ServiceHours {
    /// Parses `HH:MM-HH:MM` ranges (see [`crate::hhmm`]).
    pub fn parse(ranges: &[String]) -> Result<Self, HoursError> {
        let mut out = Vec::with_capacity(ranges.len());
        for r in ranges {
            out.push(hhmm::parse_range(r).ok_or_else(|| HoursError(r.clone()))?);
        }
        Ok(Self { ranges: out })
    }

    /// Whether the local time of day falls inside any range.
    pub fn is_open(&self, local: NaiveTime) -> bool {
        use chrono::Timelike;
        let m = local.hour() * 60 + local.minute();
        self.ranges.iter().any(|&(a, b)| a <= m && m < b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn ranges_are_half_open() {
        let hours =
            ServiceHours::parse(&["08:30-12:00".to_string(), "13:30-17:00".to_string()]).unwrap();
        assert!(!hours.is_open(t(8, 29)));
        assert!(hours.is_open(t(8, 30)));
        assert!(!hours.is_open(t(12, 0)));
        assert!(hours.is_open(t(16, 59)));
        assert!(!hours.is_open(t(17, 0)));
    }

    #[test]
    fn all_day_is_always_open() {
        let hours = ServiceHours::parse(&["00:00-24:00".to_string()]).unwrap();
        assert!(hours.is_open(t(0, 0)));
        assert!(hours.is_open(t(23, 59)));
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn days_off_follow_the_2026_notice() {
        let cal = Calendar::official();
        // 国务院办公厅关于2026年部分节假日安排的通知: 国庆节 10-1..10-7,
        // Saturday 10-10 worked; 11-28 an ordinary Saturday.
        let national = day_off(&cal, d(2026, 10, 1)).unwrap().unwrap();
        assert_eq!(national, DayOff::Holiday("国庆节".into()));
        assert_eq!(national.zh(), "法定节假日（国庆节）");
        assert_eq!(national.en(), "public holiday (National Day, 国庆节)");
        assert_eq!(day_off(&cal, d(2026, 10, 10)), Ok(None));
        assert_eq!(day_off(&cal, d(2026, 11, 30)), Ok(None));
        let sat = day_off(&cal, d(2026, 11, 28)).unwrap().unwrap();
        assert_eq!(sat.to_string(), "休息日 / rest day (weekend)");
        assert_eq!(
            day_off(&cal, d(2027, 1, 4)),
            Err(CalendarError::MissingYear(2027))
        );
        assert_eq!(
            DayOff::Holiday("校庆".into()).en(),
            "public holiday (校庆)",
            "an unknown name is kept as it is"
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        for bad in [
            "",
            "8:30-12:00",
            "12:00-08:00",
            "24:01-24:30",
            "10:00",
            "aa:bb-cc:dd",
        ] {
            assert!(ServiceHours::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
