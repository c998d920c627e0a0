//! Appointment slots (预约时段) and the check-in rule, as plain functions.
//!
//! An item's day is cut into slots of `slot_minutes` from the start of each
//! of its service-hour ranges (`08:30-12:00` with 30-minute slots gives
//! 08:30, 09:00, … 11:30); a last piece shorter than a slot is not offered.
//! Ranges that touch or overlap are merged first, so `08:00-09:00` and
//! `09:00-10:00` behave as `08:00-10:00`.
//!
//! A booking may be checked in from `early` minutes before its slot starts
//! until `late` minutes after (both ends included); after that the citizen
//! is served as a walk-in.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::hours::HoursError;

/// One slot of a day, in minutes since local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotTimes {
    pub start: u32,
    pub end: u32,
}

impl SlotTimes {
    /// `09:00`.
    pub fn start_hhmm(&self) -> String {
        hhmm(self.start)
    }
    /// `09:30`; the end of the day is `24:00`.
    pub fn end_hhmm(&self) -> String {
        hhmm(self.end)
    }
}

pub use crate::hhmm::format as hhmm;

/// The slots of a day for an item open during `hours` (`HH:MM-HH:MM`).
pub fn day_slots(hours: &[String], slot_minutes: u32) -> Result<Vec<SlotTimes>, HoursError> {
    let mut ranges = Vec::with_capacity(hours.len());
    for r in hours {
        ranges.push(crate::hhmm::parse_range(r).ok_or_else(|| HoursError(r.clone()))?);
    }
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = Vec::new();
    if slot_minutes == 0 {
        return Ok(out);
    }
    for (a, b) in merged {
        let mut start = a;
        while start + slot_minutes <= b {
            out.push(SlotTimes {
                start,
                end: start + slot_minutes,
            });
            start += slot_minutes;
        }
    }
    Ok(out)
}

/// The instant of `minutes` after local midnight of `date` in `tz`
/// (1440 is the next midnight). A local time skipped by a clock change
/// has no instant; one that happens twice takes the earlier.
pub fn instant(date: NaiveDate, minutes: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let date = if minutes >= 1440 {
        date.succ_opt()?
    } else {
        date
    };
    let m = minutes % 1440;
    let time = NaiveTime::from_hms_opt(m / 60, m % 60, 0)?;
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// What a check-in at `now` for a slot starting at `start` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInTiming {
    /// Before the check-in window; it opens at `opens`.
    TooEarly { opens: DateTime<Utc> },
    /// Inside `[start − early, start + late]`: an appointment ticket.
    InWindow,
    /// After `start + late`: served as a walk-in.
    Late,
}

/// The check-in rule: `[start − early, start + late]`, both ends included.
pub fn check_in_timing(
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    early_minutes: u32,
    late_minutes: u32,
) -> CheckInTiming {
    let opens = start - Duration::minutes(i64::from(early_minutes));
    let closes = start + Duration::minutes(i64::from(late_minutes));
    if now < opens {
        CheckInTiming::TooEarly { opens }
    } else if now <= closes {
        CheckInTiming::InWindow
    } else {
        CheckInTiming::Late
    }
}

/// Whether a booking not checked in by `now` is a no-show: its check-in
/// window has closed.
pub fn is_no_show(now: DateTime<Utc>, start: DateTime<Utc>, late_minutes: u32) -> bool {
    now > start + Duration::minutes(i64::from(late_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn slots_start_at_each_range_and_drop_short_tails() {
        let slots = day_slots(&s(&["08:30-12:00", "13:30-17:10"]), 60).unwrap();
        let starts: Vec<String> = slots.iter().map(|x| x.start_hhmm()).collect();
        assert_eq!(
            starts,
            ["08:30", "09:30", "10:30", "13:30", "14:30", "15:30"]
        );
        assert_eq!(slots[0].end_hhmm(), "09:30");
    }

    #[test]
    fn all_day_gives_48_half_hours_ending_at_24() {
        let slots = day_slots(&s(&["00:00-24:00"]), 30).unwrap();
        assert_eq!(slots.len(), 48);
        assert_eq!(slots[47].end_hhmm(), "24:00");
    }

    #[test]
    fn touching_ranges_merge() {
        let slots = day_slots(&s(&["09:00-10:00", "08:00-09:00"]), 120).unwrap();
        assert_eq!(
            slots,
            vec![SlotTimes {
                start: 480,
                end: 600
            }]
        );
    }

    #[test]
    fn bad_hours_are_refused() {
        for bad in [
            "",
            "9:00-10:00",
            "10:00-09:00",
            "24:30-25:00",
            "+9:00-10:00",
        ] {
            assert!(day_slots(&s(&[bad]), 30).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_follow_the_hall_zone() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let t = instant(date, 9 * 60, chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-26T01:00:00+00:00");
        let midnight = instant(date, 1440, chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(midnight.to_rfc3339(), "2026-11-26T16:00:00+00:00");
        // 02:30 on the day clocks go forward in Berlin does not exist.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(instant(spring, 150, chrono_tz::Europe::Berlin), None);
    }

    #[test]
    fn check_in_window_ends_are_included() {
        let start = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        let at = |m: i64| start + Duration::minutes(m);
        assert_eq!(
            check_in_timing(at(-31), start, 30, 15),
            CheckInTiming::TooEarly { opens: at(-30) }
        );
        assert_eq!(
            check_in_timing(at(-30), start, 30, 15),
            CheckInTiming::InWindow
        );
        assert_eq!(
            check_in_timing(at(15), start, 30, 15),
            CheckInTiming::InWindow
        );
        assert_eq!(
            check_in_timing(at(15) + Duration::seconds(1), start, 30, 15),
            CheckInTiming::Late
        );
        assert!(!is_no_show(at(15), start, 15));
        assert!(is_no_show(at(16), start, 15));
    }

    proptest! {
        #[test]
        fn slots_are_inside_hours_ordered_and_full_length(
            ranges in proptest::collection::vec((0u32..1440, 1u32..600), 1..4),
            slot in prop::sample::select(vec![5u32, 10, 15, 20, 30, 45, 60, 90, 120, 240]),
        ) {
            let hours: Vec<String> = ranges
                .iter()
                .map(|&(a, len)| format!("{}-{}", hhmm(a), hhmm((a + len).min(1440))))
                .filter(|r| day_slots(std::slice::from_ref(r), slot).is_ok())
                .collect();
            prop_assume!(!hours.is_empty());
            let slots = day_slots(&hours, slot).unwrap();
            let open = crate::hours::ServiceHours::parse(&hours).unwrap();
            for w in slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
            for x in &slots {
                prop_assert_eq!(x.end - x.start, slot);
                for m in x.start..x.end {
                    let t = NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap();
                    prop_assert!(open.is_open(t), "slot {:?} not inside {:?}", x, hours);
                }
            }
        }

        #[test]
        fn every_instant_has_exactly_one_timing(
            offset in -600i64..600,
            early in 0u32..120,
            late in 0u32..120,
        ) {
            let start = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
            let now = start + Duration::minutes(offset);
            let timing = check_in_timing(now, start, early, late);
            let expect = if offset < -i64::from(early) {
                CheckInTiming::TooEarly { opens: start - Duration::minutes(i64::from(early)) }
            } else if offset <= i64::from(late) {
                CheckInTiming::InWindow
            } else {
                CheckInTiming::Late
            };
            prop_assert_eq!(timing, expect);
            prop_assert_eq!(is_no_show(now, start, late), timing == CheckInTiming::Late);
        }
    }
}
