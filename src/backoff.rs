//! Capped exponential backoff, one rule for every reconnect and retry:
//! the wait after the n-th failure in a row is `initial · factor^(n-1)`, at
//! most `max`; a success resets the count.
//!
//! Pure: it computes waits and never sleeps, so the caller decides how to
//! wait (a `sleep`, a deadline in a queue) and tests need no clock.

use std::time::Duration;

/// A backoff rule and the failures counted against it so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    factor: u32,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// Waits of `initial`, then `initial · factor`, … up to `max`. A
    /// `factor` below 1 counts as 1 (a constant wait).
    pub const fn new(initial: Duration, factor: u32, max: Duration) -> Self {
        Self {
            initial,
            factor: if factor == 0 { 1 } else { factor },
            max,
            failures: 0,
        }
    }

    /// The wait after the `failures`-th failure in a row (0 and 1 both give
    /// `initial`), at most `max`; never overflows.
    pub fn delay(&self, failures: u32) -> Duration {
        let steps = failures.saturating_sub(1);
        self.initial
            .saturating_mul(self.factor.saturating_pow(steps))
            .min(self.max)
    }

    /// Counts one more failure and gives the wait before the next try.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.delay(self.failures)
    }

    /// A success: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff::new(Duration::from_millis(500), 2, Duration::from_secs(30));

    #[test]
    fn waits_grow_by_the_factor_up_to_the_cap() {
        let waits: Vec<u64> = (1..=9).map(|n| B.delay(n).as_millis() as u64).collect();
        assert_eq!(
            waits,
            [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        assert_eq!(B.delay(0), Duration::from_millis(500));
        assert_eq!(B.delay(u32::MAX), Duration::from_secs(30));
        let tripling = Backoff::new(Duration::from_millis(100), 3, Duration::from_secs(5));
        assert_eq!(tripling.delay(3), Duration::from_millis(900));
        let constant = Backoff::new(Duration::from_secs(1), 0, Duration::from_secs(5));
        assert_eq!(constant.delay(10), Duration::from_secs(1));
    }

    #[test]
    fn failures_count_and_a_success_resets() {
        let mut b = B;
        assert_eq!(b.fail(), Duration::from_millis(500));
        assert_eq!(b.fail(), Duration::from_secs(1));
        assert_eq!(b.fail(), Duration::from_secs(2));
        b.reset();
        assert_eq!(b.fail(), Duration::from_millis(500));
    }

    #[test]
    fn it_matches_the_doubling_it_replaces() {
        // `wait = (wait * 2).min(max)` after each failure, from `initial`.
        let mut old = Duration::from_millis(500);
        let mut b = B;
        for _ in 0..40 {
            assert_eq!(b.fail(), old);
            old = (old * 2).min(Duration::from_secs(30));
        }
    }
}
