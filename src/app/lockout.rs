//! The hall's lockout table: one record per credential key, for every
//! credential path (issue 8, item 9) — staff PINs (window terminal over MQTT
//! or RS-485, caller page), supervisor passwords, the special-group
//! priority password (keyed by the kiosk, or `online` without one) and MQTT
//! device passwords. The rule is `tingwu_core::lockout`; every comparison
//! is `tingwu_core::secret::same_secret`.
//!
//! Refusals are logged with the credential kind and key, never the secret,
//! and counted in `tingwu_auth_refusals_total{credential,reason}` (reason
//! `wrong_secret` or `locked_out`). Keys are only ever configured ids (staff,
//! supervisors, devices, kiosks), so the table is bounded by the config.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tingwu_actors::core::lockout::{self, Attempts, Locked};

/// Which secret a key guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credential {
    /// A staff member's PIN, keyed by staff id (the terminal and the caller
    /// page share it: guessing on one locks the other).
    StaffPin,
    /// A supervisor's password, keyed by user.
    SupervisorPassword,
    /// The special-group password, keyed by kiosk id or `online`.
    PriorityPassword,
    /// An MQTT device's password, keyed by device id.
    DevicePassword,
}

impl Credential {
    /// The metric and log label.
    pub fn label(self) -> &'static str {
        match self {
            Self::StaffPin => "staff_pin",
            Self::SupervisorPassword => "supervisor_password",
            Self::PriorityPassword => "priority_password",
            Self::DevicePassword => "device_password",
        }
    }
}

/// Why a credential attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The key is locked; the secret was not even compared.
    Locked(Locked),
    /// The secret is wrong (counted toward a lockout).
    Wrong,
}

/// Failures per (credential, key).
#[derive(Default)]
pub struct Lockouts {
    table: Mutex<HashMap<(Credential, String), Attempts>>,
}

fn refused(kind: Credential, key: &str, reason: &'static str) {
    metrics::counter!("tingwu_auth_refusals_total", "credential" => kind.label(), "reason" => reason)
        .increment(1);
    tracing::warn!(credential = kind.label(), key = %key, reason, "credential refused");
}

impl Lockouts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Credential, String), Attempts>> {
        // Each change is one insert or remove; a poisoned map is still whole.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tries a secret for `key` at `now`: refused at once while the key is
    /// locked, otherwise `right` (the constant-time comparison) decides; a
    /// wrong secret counts toward the lockout, a right one clears it.
    pub fn attempt(
        &self,
        kind: Credential,
        key: &str,
        now: DateTime<Utc>,
        right: impl FnOnce() -> bool,
    ) -> Result<(), Attempt> {
        let mut table = self.lock();
        let k = (kind, key.to_string());
        if let Err(l) = lockout::check(table.get(&k), now) {
            drop(table);
            refused(kind, key, "locked_out");
            return Err(Attempt::Locked(l));
        }
        if right() {
            table.remove(&k);
            return Ok(());
        }
        let before = table.get(&k).copied().unwrap_or_default();
        let (after, locked) = lockout::failed(before, now);
        table.insert(k, after);
        table.retain(|_, a| !lockout::stale(a, now));
        drop(table);
        refused(kind, key, "wrong_secret");
        if locked {
            tracing::warn!(credential = kind.label(), key = %key, lockouts = after.lockouts, "credential locked after wrong attempts");
        }
        Err(Attempt::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingwu_actors::core::lockout::MAX_FAILURES;

    #[test]
    fn wrong_secrets_lock_the_key_and_a_lock_refuses_the_right_one() {
        let t = Lockouts::default();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for _ in 0..MAX_FAILURES {
            assert_eq!(
                t.attempt(Credential::StaffPin, "S01", now, || false),
                Err(Attempt::Wrong)
            );
        }
        assert!(matches!(
            t.attempt(Credential::StaffPin, "S01", now, || true),
            Err(Attempt::Locked(_))
        ));
        // Another kind with the same key is another credential.
        assert_eq!(
            t.attempt(Credential::DevicePassword, "S01", now, || true),
            Ok(())
        );
        let later = now + lockout::FIRST_LOCKOUT;
        assert_eq!(
            t.attempt(Credential::StaffPin, "S01", later, || true),
            Ok(())
        );
    }
}
