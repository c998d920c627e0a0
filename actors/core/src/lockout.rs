//! The one lockout rule (登录失败锁定) for every credential: a staff PIN (at
//! the window terminal over MQTT or the RS-485 bus, and on the caller page),
//! a supervisor password, the special-group priority password and an MQTT
//! device password. Issue 8, item 9: every credential path shares it.
//!
//! The rule: [`MAX_FAILURES`] wrong secrets in a row for one credential key
//! lock that key for [`FIRST_LOCKOUT`]; each lockout in a row lasts twice
//! the last, up to [`LONGEST_LOCKOUT`], so guessing a 4-digit PIN takes
//! days, not an afternoon. A right secret clears the record. While a key is
//! locked every attempt is refused, right or wrong, and does not count.
//!
//! The caller keeps one [`Attempts`] per key and asks [`check`] before
//! comparing the secret, then [`failed`] or forgets the record on success.

use chrono::{DateTime, Duration, Utc};

/// Wrong secrets in a row before a key is locked.
pub const MAX_FAILURES: u32 = 5;
/// The first lockout's length, in seconds.
pub const FIRST_LOCKOUT_S: i64 = 60;
/// The first lockout.
pub const FIRST_LOCKOUT: Duration = Duration::seconds(FIRST_LOCKOUT_S);
/// The longest lockout, in seconds (1 h).
pub const LONGEST_LOCKOUT_S: i64 = 3600;
/// The longest lockout.
pub const LONGEST_LOCKOUT: Duration = Duration::seconds(LONGEST_LOCKOUT_S);

/// One credential key's recent failures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Wrong secrets since the last lockout or success.
    pub failures: u32,
    /// Lockouts in a row (cleared by a right secret).
    pub lockouts: u32,
    /// Locked until then, if locked.
    pub until: Option<DateTime<Utc>>,
}

/// An attempt refused because the key is locked; `left_s` whole seconds
/// (at least 1) until it may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many wrong attempts; try again in {left_s} s (错误次数过多，请稍后再试)")]
pub struct Locked {
    pub left_s: u64,
}

/// Whether the key with record `a` may try a secret at `now`.
pub fn check(a: Option<&Attempts>, now: DateTime<Utc>) -> Result<(), Locked> {
    match a.and_then(|a| a.until) {
        Some(until) if until > now => {
            let left_ms = (until - now).num_milliseconds().max(0) as u64;
            Err(Locked {
                left_s: left_ms.div_ceil(1000).max(1),
            })
        }
        _ => Ok(()),
    }
}

/// The record after a wrong secret at `now` (the key was not locked), and
/// whether this failure locked it.
pub fn failed(a: Attempts, now: DateTime<Utc>) -> (Attempts, bool) {
    let failures = a.failures.saturating_add(1);
    if failures < MAX_FAILURES {
        return (
            Attempts {
                failures,
                until: None,
                ..a
            },
            false,
        );
    }
    let factor = 1i32 << a.lockouts.min(6);
    let lock = (FIRST_LOCKOUT * factor).min(LONGEST_LOCKOUT);
    (
        Attempts {
            failures: 0,
            lockouts: a.lockouts.saturating_add(1),
            until: Some(now + lock),
        },
        true,
    )
}

/// Whether a record can be forgotten at `now` (not locked and no recent
/// failures or lockouts worth keeping): keeps tables bounded.
pub fn stale(a: &Attempts, now: DateTime<Utc>) -> bool {
    match a.until {
        // A lockout in a row doubles only while the last one is recent.
        Some(until) => now > until + LONGEST_LOCKOUT,
        None => a.lockouts == 0 && a.failures == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn five_wrong_lock_for_a_minute_then_two() {
        let now = t0();
        let mut a = Attempts::default();
        for i in 1..MAX_FAILURES {
            let (next, locked) = failed(a, now);
            assert!(!locked, "failure {i} does not lock");
            assert_eq!(check(Some(&next), now), Ok(()));
            a = next;
        }
        let (a, locked) = failed(a, now);
        assert!(locked);
        assert_eq!(check(Some(&a), now), Err(Locked { left_s: 60 }));
        assert_eq!(
            check(
                Some(&a),
                now + Duration::seconds(59) + Duration::milliseconds(500)
            ),
            Err(Locked { left_s: 1 })
        );
        let later = now + Duration::seconds(60);
        assert_eq!(check(Some(&a), later), Ok(()));
        let mut b = a;
        for _ in 0..MAX_FAILURES {
            b = failed(b, later).0;
        }
        assert_eq!(check(Some(&b), later), Err(Locked { left_s: 120 }));
    }

    #[test]
    fn no_record_is_never_locked() {
        assert_eq!(check(None, t0()), Ok(()));
        assert!(stale(&Attempts::default(), t0()));
    }

    proptest! {
        /// Invariant: however many failures, a lockout never exceeds the
        /// longest, and every MAX_FAILURES-th failure in a row locks.
        #[test]
        fn lockouts_are_bounded_and_come_every_max_failures(n in 1u32..200) {
            let now = t0();
            let mut a = Attempts::default();
            for i in 1..=n {
                let (next, locked) = failed(a, now);
                prop_assert_eq!(locked, i % MAX_FAILURES == 0);
                if let Some(until) = next.until {
                    prop_assert!(until - now <= LONGEST_LOCKOUT);
                    prop_assert!(until - now >= FIRST_LOCKOUT);
                }
                a = next;
            }
        }
    }
}
