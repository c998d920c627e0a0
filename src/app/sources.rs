//! Who is asking (issue 8, item 12): kiosks prove they are kiosks with
//! their device password, and requests from anyone else — the citizen's own
//! channels — are held to a rate limit per source address.
//!
//! The rule for what each requester may take is
//! `tingwu_core::ticket_source`; the rate limiter is `governor`'s GCRA
//! (generic cell rate algorithm), keyed by client address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tingwu_actors::core::config::{DeviceKind, LimitsConfig};
use tingwu_actors::core::ticket_source::Requester;

use super::auth::{same_secret, AuthError, Claim};
use super::lockout::{Attempt, Credential};
use super::App;

/// Where a request came from, as its transport saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// A client address (after trusted proxies, see `[limits]`).
    Addr(IpAddr),
    /// The transport has no address (in-process tests).
    #[default]
    Unknown,
}

/// A kiosk's claim to be one: its id and device password (HTTP Basic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskCredentials {
    pub kiosk: String,
    pub password: String,
}

/// Why a kiosk's claim is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KioskAuthError {
    /// A ticket names a kiosk without its credentials, or with wrong ones
    /// (401 `kiosk_unauthorized`).
    #[error(
        "kiosk {0:?} must authenticate with its device password (HTTP Basic, user = kiosk id) \
         (取号机须以设备密码认证)"
    )]
    Unauthorized(String),
    /// The password is wrong (401 `kiosk_unauthorized`); after five in a
    /// row the kiosk is locked out.
    #[error(
        "wrong device password for kiosk {0:?}; repeated wrong passwords lock the kiosk out \
         (取号机设备密码错误，多次错误将被锁定)"
    )]
    WrongPassword(String),
    /// The credentials are another kiosk's than the one named (403
    /// `kiosk_mismatch`).
    #[error(
        "the credentials are kiosk {given:?}'s, the request names kiosk {named:?} (取号机不符)"
    )]
    Mismatch { given: String, named: String },
    /// Too many wrong passwords for this kiosk (429 `too_many_attempts`).
    #[error(
        "too many wrong passwords for kiosk {kiosk:?}; try again in {left_s} s (密码错误次数过多)"
    )]
    LockedOut { kiosk: String, left_s: u64 },
}

/// A source over its rate (429 `too_many_requests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests from this address; try again in {retry_after_s} s (请求过于频繁，请稍后再试)")]
pub struct RateLimited {
    /// Seconds until the next request is allowed (`Retry-After`).
    pub retry_after_s: u64,
}

/// Sources the limiter remembers before it forgets those back at full
/// allowance (bounds its memory under address scans).
const REMEMBERED_SOURCES: usize = 10_000;

/// The per-source rate limit of the citizen's channels.
pub struct SourceLimits {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU64,
}

impl SourceLimits {
    /// From `[limits] per_source_per_minute` and `per_source_burst`
    /// (0 per minute: no limit).
    pub fn new(cfg: &LimitsConfig) -> Self {
        let limiter = NonZeroU32::new(cfg.per_source_per_minute).map(|rate| {
            let burst = NonZeroU32::new(cfg.per_source_burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Self {
            limiter,
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one request from `source`'s allowance. A source without an
    /// address is not limited (only in-process callers have none).
    pub fn check(&self, source: Source) -> Result<(), RateLimited> {
        let (Some(limiter), Source::Addr(addr)) = (&self.limiter, source) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 0
            || limiter.len() > REMEMBERED_SOURCES
        {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&addr).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            RateLimited {
                retry_after_s: wait.as_secs()
                    + u64::from(wait > Duration::from_secs(wait.as_secs())),
            }
        })
    }
}

/// Who a request says it is, as its transport read it.
#[derive(Debug, Clone, Default)]
pub struct Asker {
    /// The kiosk the request names (body), if any.
    pub kiosk: Option<String>,
    /// The kiosk's credentials (HTTP Basic), if any.
    pub kiosk_credentials: Option<KioskCredentials>,
    /// A supervisor's token, if any.
    pub supervisor: Claim,
    /// The client's address.
    pub source: Source,
}

/// Why who asks is not established.
#[derive(Debug, thiserror::Error)]
pub enum AskerError {
    /// The request names a kiosk the hall does not have (400
    /// `unknown_kiosk`).
    #[error("unknown kiosk {0:?} (取号机不存在)")]
    UnknownKiosk(String),
    /// A kiosk's credentials are missing or wrong.
    #[error(transparent)]
    Kiosk(#[from] KioskAuthError),
    /// A supervisor's token that is not valid (401).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A citizen source over its rate (429 `too_many_requests`).
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
}

impl App {
    /// Who asks: a kiosk that proves itself (with its id), staff with a
    /// supervisor's token, or a citizen source — which this call holds to
    /// its rate limit. Every public write that can act for a kiosk or take
    /// a place (tickets, bookings, check-ins, cancellations) asks this first.
    pub fn who_asks(&self, a: &Asker) -> Result<(Requester, Option<String>), AskerError> {
        let named = a
            .kiosk
            .as_deref()
            .or(a.kiosk_credentials.as_ref().map(|c| c.kiosk.as_str()));
        if let Some(k) = named {
            if !self.dir.kiosks.contains_key(k) {
                return Err(AskerError::UnknownKiosk(k.to_string()));
            }
        }
        if let Some(kiosk) =
            self.authenticate_kiosk(a.kiosk.as_deref(), a.kiosk_credentials.as_ref())?
        {
            return Ok((Requester::Kiosk, Some(kiosk)));
        }
        if self.supervisor_if_any(&a.supervisor)?.is_some() {
            return Ok((Requester::Staff, None));
        }
        self.check_source(a.source)?;
        Ok((Requester::Citizen, None))
    }

    /// Checks a kiosk's claim: `named` is the kiosk a request names (if
    /// any), `given` its credentials (if any). `Ok(Some(id))` for a kiosk
    /// that proved itself, `Ok(None)` when the request names no kiosk and
    /// carries no credentials. Wrong passwords go through the lockout rule
    /// under the kiosk's device id, shared with its MQTT CONNECT.
    pub fn authenticate_kiosk(
        &self,
        named: Option<&str>,
        given: Option<&KioskCredentials>,
    ) -> Result<Option<String>, KioskAuthError> {
        let kiosk = match (named, given) {
            (None, None) => return Ok(None),
            (Some(n), None) => return Err(KioskAuthError::Unauthorized(n.to_string())),
            (Some(n), Some(g)) if n != g.kiosk => {
                return Err(KioskAuthError::Mismatch {
                    given: g.kiosk.clone(),
                    named: n.to_string(),
                })
            }
            (_, Some(g)) => g,
        };
        let device = self
            .dir
            .config
            .devices
            .iter()
            .find(|d| d.id == kiosk.kiosk && d.kind == DeviceKind::Kiosk);
        let Some(device) = device else {
            tracing::warn!(kiosk = %kiosk.kiosk, "kiosk credentials refused: no kiosk device with this id");
            return Err(KioskAuthError::Unauthorized(kiosk.kiosk.clone()));
        };
        let now = self.dir.clock.now();
        match self
            .lockouts
            .attempt(Credential::DevicePassword, &device.id, now, || {
                same_secret(&kiosk.password, &device.password)
            }) {
            Ok(()) => Ok(Some(device.id.clone())),
            Err(Attempt::Wrong) => Err(KioskAuthError::WrongPassword(kiosk.kiosk.clone())),
            Err(Attempt::Locked(l)) => Err(KioskAuthError::LockedOut {
                kiosk: kiosk.kiosk.clone(),
                left_s: l.left_s,
            }),
        }
    }

    /// Takes one request from a citizen source's allowance (see
    /// [`SourceLimits`]); refusals are logged with the address.
    pub fn check_source(&self, source: Source) -> Result<(), RateLimited> {
        self.source_limits.check(source).inspect_err(|e| {
            if let Source::Addr(addr) = source {
                tracing::warn!(source = %addr, retry_after_s = e.retry_after_s, "request refused: over the per-source rate limit");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;

    fn creds(kiosk: &str, password: &str) -> KioskCredentials {
        KioskCredentials {
            kiosk: kiosk.into(),
            password: password.into(),
        }
    }

    #[actix::test]
    async fn kiosks_prove_themselves_with_their_device_password() {
        let (app, _keys) = demo_app();
        assert_eq!(app.authenticate_kiosk(None, None), Ok(None));
        assert_eq!(
            app.authenticate_kiosk(Some("K1"), Some(&creds("K1", "demo-pass-K1"))),
            Ok(Some("K1".into()))
        );
        assert_eq!(
            app.authenticate_kiosk(None, Some(&creds("K2", "demo-pass-K2"))),
            Ok(Some("K2".into()))
        );
        assert_eq!(
            app.authenticate_kiosk(Some("K1"), None),
            Err(KioskAuthError::Unauthorized("K1".into()))
        );
        assert_eq!(
            app.authenticate_kiosk(Some("K1"), Some(&creds("K1", "demo-pass-K2"))),
            Err(KioskAuthError::WrongPassword("K1".into()))
        );
        assert!(matches!(
            app.authenticate_kiosk(Some("K1"), Some(&creds("K2", "demo-pass-K2"))),
            Err(KioskAuthError::Mismatch { .. })
        ));
        // A terminal's password is not a kiosk's.
        assert!(app
            .authenticate_kiosk(None, Some(&creds("T01", "demo-pass-T01")))
            .is_err());
    }

    #[actix::test]
    async fn guessing_a_kiosk_password_locks_it_out() {
        let (app, _keys) = demo_app();
        for _ in 0..5 {
            let _ = app.authenticate_kiosk(Some("K3"), Some(&creds("K3", "guess")));
        }
        assert!(matches!(
            app.authenticate_kiosk(Some("K3"), Some(&creds("K3", "demo-pass-K3"))),
            Err(KioskAuthError::LockedOut { .. })
        ));
    }

    #[test]
    fn a_source_gets_its_burst_then_waits() {
        let limits = SourceLimits::new(&LimitsConfig {
            per_source_per_minute: 6,
            per_source_burst: 3,
            ..LimitsConfig::default()
        });
        let a = Source::Addr("192.0.2.1".parse().unwrap());
        let b = Source::Addr("192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            limits.check(a).unwrap();
        }
        let refused = limits.check(a).unwrap_err();
        assert!((1..=10).contains(&refused.retry_after_s), "{refused:?}");
        // Another source has its own allowance; no address, no limit.
        limits.check(b).unwrap();
        for _ in 0..10 {
            limits.check(Source::Unknown).unwrap();
        }
        // Zero per minute: no limit at all.
        let off = SourceLimits::new(&LimitsConfig {
            per_source_per_minute: 0,
            ..LimitsConfig::default()
        });
        for _ in 0..100 {
            off.check(a).unwrap();
        }
    }
}
