//! Service hours of an item (`08:30-12:00`, `13:30-17:00`, `00:00-24:00`).

use chrono::NaiveTime;

use crate::hhmm;

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
