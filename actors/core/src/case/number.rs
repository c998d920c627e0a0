//! Case numbers (办件编号): `{hall}-{YYYYMMDD}-{seq:06}`, e.g.
//! `demo-20261130-000123`, and for a package's department part
//! `demo-20261130-000123-P2`.
//!
//! Unique across halls: the hall id is unique in the city or province (the
//! central store keys everything by hall), the date is the hall-local day of
//! intake, and the sequence counts that hall's cases of the day from 1
//! (at most 999,999). Hall ids may contain `-`, so a number is parsed from
//! the right.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest sequence number of a day.
pub const MAX_SEQ: u32 = 999_999;

/// A case number; its `Display` is the documented format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseNumber {
    /// The hall's id (unique in the federation).
    pub hall: String,
    /// The hall-local day of intake.
    pub date: NaiveDate,
    /// 1..=999,999 within the hall's day.
    pub seq: u32,
    /// A package's department part, from 1; none for a case of its own.
    pub part: Option<u8>,
}

/// Why a text is not a case number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("办件编号格式应为 厅号-YYYYMMDD-六位序号 / a case number reads hall-YYYYMMDD-NNNNNN")]
    Format,
    #[error("办件序号超出范围 / the sequence is 1 to 999999")]
    Sequence,
    #[error("厅号无效 / the hall id is not valid")]
    Hall,
}

impl CaseNumber {
    /// The `seq`-th case of `date` in `hall`. Errors: [`NumberError`] for a
    /// sequence outside 1..=999,999 or a hall id that is not one.
    pub fn new(hall: &str, date: NaiveDate, seq: u32) -> Result<Self, NumberError> {
        if seq == 0 || seq > MAX_SEQ {
            return Err(NumberError::Sequence);
        }
        if crate::config::check_id("hall", hall).is_err() {
            return Err(NumberError::Hall);
        }
        Ok(Self {
            hall: hall.to_string(),
            date,
            seq,
            part: None,
        })
    }

    /// The number of this package's `part`-th department part (from 1).
    pub fn part(&self, part: u8) -> Self {
        Self {
            part: Some(part),
            ..self.clone()
        }
    }

    /// The package's own number for a part's number.
    pub fn package(&self) -> Self {
        Self {
            part: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:06}",
            self.hall,
            self.date.format("%Y%m%d"),
            self.seq
        )?;
        if let Some(p) = self.part {
            write!(f, "-P{p}")?;
        }
        Ok(())
    }
}

impl FromStr for CaseNumber {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rest, part) = match s.rsplit_once('-') {
            Some((rest, p)) if p.starts_with('P') => {
                let n: u8 = p[1..].parse().map_err(|_| NumberError::Format)?;
                if n == 0 || p.len() > 4 || p[1..].starts_with('0') {
                    return Err(NumberError::Format);
                }
                (rest, Some(n))
            }
            _ => (s, None),
        };
        let (rest, seq) = rest.rsplit_once('-').ok_or(NumberError::Format)?;
        let (hall, date) = rest.rsplit_once('-').ok_or(NumberError::Format)?;
        if seq.len() != 6 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::Format);
        }
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::Format);
        }
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| NumberError::Format)?;
        let seq: u32 = seq.parse().map_err(|_| NumberError::Format)?;
        let mut n = CaseNumber::new(hall, date, seq)?;
        n.part = part;
        Ok(n)
    }
}

impl Serialize for CaseNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CaseNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_documented_format() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let n = CaseNumber::new("demo", d, 123).unwrap();
        assert_eq!(n.to_string(), "demo-20261130-000123");
        assert_eq!(n.part(2).to_string(), "demo-20261130-000123-P2");
        assert_eq!("demo-20261130-000123".parse::<CaseNumber>().unwrap(), n);
        assert_eq!(
            "demo-20261130-000123-P2".parse::<CaseNumber>().unwrap(),
            n.part(2)
        );
        assert_eq!(n.part(2).package(), n);
        // Hall ids with dashes parse from the right.
        let h = CaseNumber::new("city-east-2", d, 1).unwrap();
        assert_eq!(h.to_string().parse::<CaseNumber>().unwrap(), h);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"demo-20261130-000123\"");
        assert_eq!(serde_json::from_str::<CaseNumber>(&json).unwrap(), n);
    }

    #[test]
    fn bad_numbers_are_refused() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(CaseNumber::new("demo", d, 0), Err(NumberError::Sequence));
        assert_eq!(
            CaseNumber::new("demo", d, 1_000_000),
            Err(NumberError::Sequence)
        );
        assert_eq!(CaseNumber::new("de mo", d, 1), Err(NumberError::Hall));
        for bad in [
            "",
            "demo",
            "demo-20261130",
            "demo-20261131-000001",
            "demo-2026113-000001",
            "demo-20261130-00001",
            "demo-20261130-0000001",
            "demo-20261130-000000",
            "-20261130-000001",
            "demo-20261130-000001-P0",
            "demo-20261130-000001-P01",
            "demo-20261130-000001-Px",
            "demo-20261130-+00001",
        ] {
            assert!(bad.parse::<CaseNumber>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn numbers_round_trip(hall in "[a-z0-9][a-z0-9-]{0,20}", days in 0i64..1096, seq in 1u32..=MAX_SEQ, part in proptest::option::of(1u8..=99)) {
            let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(days);
            let mut n = CaseNumber::new(&hall, date, seq).unwrap();
            n.part = part;
            prop_assert_eq!(n.to_string().parse::<CaseNumber>().unwrap(), n);
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<CaseNumber>();
        }
    }
}
