//! The dates a statistics request covers (`?from=YYYY-MM-DD&to=YYYY-MM-DD`),
//! as hall days: a hall day runs from the hall's `day_start` in its time
//! zone to the next one (`crate::day`), so its tickets are the ones whose
//! ids carry that day.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The longest range one request may cover, in days: a month of a busy
/// hall is read within the request time limit.
pub const MAX_DAYS: i64 = 31;

/// A checked range of hall days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why a range was refused. The messages are what clients see (zh-CN and
/// English); they name the field, and echo dates only once parsed, never
/// the submitted text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// Not a calendar date written `YYYY-MM-DD`.
    #[error("`{field}` must be a date written YYYY-MM-DD ({field} 应为 YYYY-MM-DD 格式的日期)")]
    BadDate { field: &'static str },
    /// `from` is later than `to`.
    #[error("`from` ({from}) is after `to` ({to}) (起始日期晚于结束日期)")]
    Reversed { from: NaiveDate, to: NaiveDate },
    /// More than [`MAX_DAYS`] days.
    #[error("the range covers {days} days; one request covers at most {MAX_DAYS} (统计区间最长 {MAX_DAYS} 天，当前 {days} 天)")]
    TooLong { days: i64 },
}

fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, RangeError> {
    // Exactly `YYYY-MM-DD`: chrono alone would also take `2026-1-5`.
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(RangeError::BadDate { field });
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| RangeError::BadDate { field })
}

impl StatsRange {
    /// Checks a request's `from` and `to`. A missing `to` is `today` (the
    /// current hall day); a missing `from` is `to`, so no parameters at all
    /// mean today.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Self, RangeError> {
        let to = match to {
            Some(t) => parse_date("to", t)?,
            None => today,
        };
        let from = match from {
            Some(f) => parse_date("from", f)?,
            None => to,
        };
        if from > to {
            return Err(RangeError::Reversed { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_DAYS {
            return Err(RangeError::TooLong { days });
        }
        Ok(Self { from, to })
    }

    /// Every hall day of the range, in order.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.from
            .iter_days()
            .take_while(|d| *d <= self.to)
            .collect()
    }

    /// The instant the first hall day starts.
    pub fn start(&self, tz: Tz, day_start: NaiveTime) -> DateTime<Utc> {
        day_begins(self.from, tz, day_start)
    }

    /// The instant the hall day after the last one starts (the range is
    /// `[start, end)`).
    pub fn end(&self, tz: Tz, day_start: NaiveTime) -> DateTime<Utc> {
        let next = self.to.succ_opt().unwrap_or(self.to);
        day_begins(next, tz, day_start)
    }
}

/// When hall day `day` begins: `day_start` on that date in the hall's zone.
/// A start that falls in a daylight-saving gap is taken an hour later.
fn day_begins(day: NaiveDate, tz: Tz, day_start: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(day_start);
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn missing_dates_mean_today() {
        let today = d("2026-11-30");
        assert_eq!(
            StatsRange::parse(None, None, today),
            Ok(StatsRange {
                from: today,
                to: today
            })
        );
        assert_eq!(
            StatsRange::parse(Some("2026-11-01"), None, today).map(|r| r.days().len()),
            Ok(30)
        );
    }

    #[test]
    fn bad_dates_are_refused_by_field() {
        let today = d("2026-11-30");
        for bad in [
            "2026-1-05",
            "20261105",
            "2026-02-30",
            "",
            "2026-11-05T00:00",
            "２０２６-11-05",
        ] {
            assert_eq!(
                StatsRange::parse(Some(bad), None, today),
                Err(RangeError::BadDate { field: "from" }),
                "{bad}"
            );
            assert_eq!(
                StatsRange::parse(None, Some(bad), today),
                Err(RangeError::BadDate { field: "to" }),
                "{bad}"
            );
        }
    }

    #[test]
    fn reversed_and_too_long_ranges_are_refused() {
        let today = d("2026-11-30");
        assert!(matches!(
            StatsRange::parse(Some("2026-11-30"), Some("2026-11-29"), today),
            Err(RangeError::Reversed { .. })
        ));
        assert_eq!(
            StatsRange::parse(Some("2026-10-01"), Some("2026-11-01"), today),
            Err(RangeError::TooLong { days: 32 })
        );
        assert!(StatsRange::parse(Some("2026-10-01"), Some("2026-10-31"), today).is_ok());
        let msg = RangeError::TooLong { days: 32 }.to_string();
        assert!(
            msg.contains("统计区间") && msg.contains("at most 31"),
            "{msg}"
        );
    }

    #[test]
    fn the_range_runs_from_day_start_to_day_start_in_the_halls_zone() {
        let r = StatsRange::parse(Some("2026-11-26"), Some("2026-11-27"), d("2026-11-30")).unwrap();
        let four = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(r.start(tz, four).to_rfc3339(), "2026-11-25T20:00:00+00:00");
        assert_eq!(r.end(tz, four).to_rfc3339(), "2026-11-27T20:00:00+00:00");
    }
}
