//! The hall's day: ticket numbers start again at the day start, in the hall's
//! time zone, whatever the server's own clock zone is.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

/// The hall day that `now` belongs to: a day starting at 04:00 runs until
/// 03:59 the next calendar morning.
pub fn hall_day(now: DateTime<Utc>, tz: Tz, day_start: NaiveTime) -> NaiveDate {
    let local = now.with_timezone(&tz).naive_local();
    let since_midnight = local.time().signed_duration_since(NaiveTime::MIN);
    let start = day_start.signed_duration_since(NaiveTime::MIN);
    if since_midnight < start {
        local.date().pred_opt().unwrap_or(local.date())
    } else {
        local.date()
    }
}

/// When the hall day after the one `now` belongs to starts, in UTC: where
/// a per-day limit (tickets per person) lifts. Local times that a DST gap
/// skips resolve to the earliest valid instant; China has no DST.
pub fn next_day_start(now: DateTime<Utc>, tz: Tz, day_start: NaiveTime) -> DateTime<Utc> {
    use chrono::TimeZone;
    let today = hall_day(now, tz, day_start);
    let next = today.succ_opt().unwrap_or(today).and_time(day_start);
    tz.from_local_datetime(&next)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now)
}

/// `20261126`: the day part of ticket ids and storage keys.
pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

/// Local time of day in the hall.
pub fn local_time(now: DateTime<Utc>, tz: Tz) -> NaiveTime {
    now.with_timezone(&tz).time()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_day_starts_at_the_day_start_after_now() {
        use chrono::TimeZone;
        let tz = chrono_tz::Asia::Shanghai;
        let four = NaiveTime::from_hms_opt(4, 0, 0).expect("time");
        // 10:00 in Beijing on the 30th → 04:00 on 1 December (20:00 UTC on the 30th).
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
        assert_eq!(
            super::next_day_start(now, tz, four),
            Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap()
        );
        // 02:00 in Beijing on the 1st still belongs to the 30th's hall day.
        let night = Utc.with_ymd_and_hms(2026, 11, 30, 18, 0, 0).unwrap();
        assert_eq!(
            super::next_day_start(night, tz, four),
            Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap()
        );
    }

    use super::*;
    use chrono::TimeZone;

    #[test]
    fn day_follows_hall_zone_not_utc() {
        // 2026-11-25 17:00 UTC is 2026-11-26 01:00 in Shanghai.
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 17, 0, 0).unwrap();
        let day = hall_day(now, chrono_tz::Asia::Shanghai, NaiveTime::MIN);
        assert_eq!(day_key(day), "20261126");
    }

    #[test]
    fn before_day_start_belongs_to_previous_day() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 17, 0, 0).unwrap(); // 01:00 local
        let four = NaiveTime::from_hms_opt(4, 0, 0).unwrap();
        assert_eq!(
            day_key(hall_day(now, chrono_tz::Asia::Shanghai, four)),
            "20261125"
        );
        let later = Utc.with_ymd_and_hms(2026, 11, 25, 20, 0, 0).unwrap(); // 04:00 local
        assert_eq!(
            day_key(hall_day(later, chrono_tz::Asia::Shanghai, four)),
            "20261126"
        );
    }
}
