//! The one reading of `HH:MM` times of day and `HH:MM-HH:MM` ranges, for
//! service hours, appointment slots, the hall's day start and simulation
//! scenarios alike: exactly two ASCII digits on each side of the colon,
//! `00:00` to `24:00` (24:00 is the end of the day and only valid as such),
//! surrounding spaces ignored; a range ends after it starts.

use chrono::NaiveTime;

/// Minutes since midnight of `HH:MM` (`00:00` → 0 … `24:00` → 1440).
pub fn parse_minutes(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// A time of day `00:00` to `23:59` (the hall's day start).
pub fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    let m = parse_minutes(s).filter(|&m| m < 24 * 60)?;
    NaiveTime::from_hms_opt(m / 60, m % 60, 0)
}

/// `HH:MM-HH:MM` as minutes `[from, to)` with `to > from`.
pub fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (parse_minutes(a)?, parse_minutes(b)?);
    (b > a).then_some((a, b))
}

/// `HH:MM` of minutes since midnight (1440 is `24:00`).
pub fn format(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn times_and_ranges() {
        assert_eq!(parse_minutes("08:30"), Some(510));
        assert_eq!(parse_minutes(" 24:00 "), Some(1440));
        for bad in [
            "8:30", "24:01", "12:60", "+1:30", "12:3", "1230", "ab:cd", "",
        ] {
            assert_eq!(parse_minutes(bad), None, "{bad}");
        }
        assert_eq!(parse_time_of_day("04:00"), NaiveTime::from_hms_opt(4, 0, 0));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_range("08:30-12:00"), Some((510, 720)));
        assert_eq!(parse_range("00:00-24:00"), Some((0, 1440)));
        assert_eq!(parse_range("12:00-12:00"), None);
        assert_eq!(parse_range("13:00-12:00"), None);
        assert_eq!(parse_range("12:00"), None);
    }

    proptest! {
        #[test]
        fn every_minute_of_the_day_reads_back(m in 0u32..=1440) {
            prop_assert_eq!(parse_minutes(&format(m)), Some(m));
        }

        #[test]
        fn nothing_panics(s in ".{0,12}") {
            let _ = parse_range(&s);
            let _ = parse_time_of_day(&s);
        }
    }
}
