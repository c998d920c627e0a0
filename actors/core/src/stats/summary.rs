//! Average and 90th percentile of a set of durations (ms).
//!
//! The percentile is the nearest-rank one (Hyndman & Fan 1996, definition
//! 1; the inverse of the empirical distribution function): the smallest
//! value such that at least 90 % of the values are less than or equal to
//! it, i.e. the value at rank ⌈0.9·n⌉ of the sorted set. It is always one
//! of the observed waits, never an interpolation, so a report can point at
//! the ticket behind it.

use serde::Serialize;

/// Durations collected for one group, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Durations {
    values: Vec<u64>,
}

/// What [`Durations::summary`] reports: how many, their mean (rounded down
/// to whole ms) and nearest-rank p90, both `None` for an empty set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub avg_ms: Option<u64>,
    pub p90_ms: Option<u64>,
}

impl Durations {
    /// Adds one duration (ms).
    pub fn push(&mut self, ms: u64) {
        self.values.push(ms);
    }

    /// Count, mean and p90 of what was pushed.
    pub fn summary(&self) -> Summary {
        let n = self.values.len();
        if n == 0 {
            return Summary::default();
        }
        let sum: u128 = self.values.iter().map(|&v| u128::from(v)).sum();
        let mut sorted = self.values.clone();
        sorted.sort_unstable();
        Summary {
            count: n as u64,
            avg_ms: u64::try_from(sum / n as u128).ok(),
            p90_ms: sorted.get(p90_rank(n) - 1).copied(),
        }
    }
}

/// The 1-based nearest rank of the 90th percentile among `n ≥ 1` values:
/// ⌈0.9·n⌉, computed in integers (⌈9n/10⌉).
fn p90_rank(n: usize) -> usize {
    (9 * n).div_ceil(10).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn of(values: &[u64]) -> Summary {
        let mut d = Durations::default();
        for &v in values {
            d.push(v);
        }
        d.summary()
    }

    #[test]
    fn an_empty_set_has_no_average_or_percentile() {
        assert_eq!(
            of(&[]),
            Summary {
                count: 0,
                avg_ms: None,
                p90_ms: None
            }
        );
    }

    #[test]
    fn worked_examples() {
        // One value: it is both.
        assert_eq!(of(&[7_000]).p90_ms, Some(7_000));
        // Ten values 1..=10 s: rank ⌈9⌉ = 9 → 9 s; mean 5.5 s.
        let ten: Vec<u64> = (1..=10).map(|s| s * 1_000).collect();
        assert_eq!(
            of(&ten),
            Summary {
                count: 10,
                avg_ms: Some(5_500),
                p90_ms: Some(9_000)
            }
        );
        // Eleven values 1..=11 s: rank ⌈9.9⌉ = 10 → 10 s.
        let eleven: Vec<u64> = (1..=11).map(|s| s * 1_000).collect();
        assert_eq!(of(&eleven).p90_ms, Some(10_000));
        // Unsorted input, one long wait: 4 values, rank ⌈3.6⌉ = 4 → the
        // longest; mean (60+120+180+1200)/4 = 390 s.
        let s = of(&[180_000, 60_000, 1_200_000, 120_000]);
        assert_eq!(s.p90_ms, Some(1_200_000));
        assert_eq!(s.avg_ms, Some(390_000));
        // Mean rounds down to whole ms.
        assert_eq!(of(&[1, 2]).avg_ms, Some(1));
    }

    proptest! {
        /// p90 is an observed value, at least 90 % of the values are ≤ it,
        /// and fewer than 90 % are strictly below it; the mean lies between
        /// the least and the greatest.
        #[test]
        fn p90_is_the_nearest_rank(values in prop::collection::vec(0u64..10_000_000, 1..200)) {
            let s = of(&values);
            let p = s.p90_ms.unwrap();
            prop_assert!(values.contains(&p));
            let n = values.len();
            let at_most = values.iter().filter(|&&v| v <= p).count();
            let below = values.iter().filter(|&&v| v < p).count();
            prop_assert!(at_most * 10 >= 9 * n);
            prop_assert!(below * 10 < 9 * n);
            let avg = s.avg_ms.unwrap();
            prop_assert!(avg >= *values.iter().min().unwrap());
            prop_assert!(avg <= *values.iter().max().unwrap());
        }
    }
}
