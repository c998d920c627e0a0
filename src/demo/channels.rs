//! The doors a simulated citizen uses: the hall's kiosks (with the device
//! credentials the demo can present, HTTP Basic), and the citizen's own
//! channel (the phone page, bookings), which the hall limits per address —
//! the demo takes a share of that allowance so it never meets the limit.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::Rng;
use tingwu_actors::config::{DeviceKind, HallConfig};

use super::http_client::Auth;

/// A kiosk the demo can act as.
#[derive(Debug, Clone)]
pub struct Kiosk {
    pub id: String,
    pub area: String,
    pub password: String,
}

pub fn kiosk_auth(k: &Kiosk) -> Auth {
    Auth::Basic(format!("{}:{}", k.id, k.password))
}

/// The hall's kiosks with device credentials the demo can present.
pub fn kiosks(hall: &HallConfig) -> Vec<Kiosk> {
    hall.kiosks
        .iter()
        .filter_map(|k| {
            let d = hall.devices.iter().find(|d| {
                d.id == k.id && d.kind == DeviceKind::Kiosk && !d.password.starts_with('$')
            })?;
            Some(Kiosk {
                id: k.id.clone(),
                area: k.area.clone(),
                password: d.password.clone(),
            })
        })
        .collect()
}

/// The demo's shares of the citizen's own channel (unauthenticated
/// requests from one address, which the hall limits).
pub struct OwnChannel {
    pub phone: Option<DefaultDirectRateLimiter>,
    pub booking: Option<DefaultDirectRateLimiter>,
}

/// `1/divisor` of the hall's per-address allowance for the citizen's own
/// channel (`[limits] per_source_per_minute` and `per_source_burst`, at
/// least 1), so the demo stays inside it; none when the hall has no limit.
pub fn own_channel_limiter(hall: &HallConfig, divisor: u32) -> Option<DefaultDirectRateLimiter> {
    let rate = NonZeroU32::new(hall.limits.per_source_per_minute)?;
    let part = |n: u32| NonZeroU32::new((n / divisor).max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::per_minute(part(rate.get())).allow_burst(part(hall.limits.per_source_burst));
    Some(RateLimiter::direct(quota))
}

/// A valid mainland mobile number (11 digits, 13x–19x).
pub fn phone_number(rng: &mut StdRng) -> String {
    format!(
        "1{}{:09}",
        rng.gen_range(3..=9),
        rng.gen_range(0..1_000_000_000u32)
    )
}
#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use tingwu_protocols::id_number::validate_phone;

    #[test]
    fn generated_phones_are_valid() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let p = phone_number(&mut rng);
            assert!(validate_phone(&p), "{p}");
        }
    }

    #[test]
    fn the_demo_hall_kiosks_have_credentials_and_the_own_channel_is_shared_out() {
        let hall = HallConfig::demo().expect("demo hall");
        let k = kiosks(&hall);
        assert_eq!(k.len(), 3);
        assert_eq!(k[0].password, "demo-pass-K1");
        let l = own_channel_limiter(&hall, 4).expect("limited");
        let allowed = (0..100).filter(|_| l.check().is_ok()).count() as u32;
        assert_eq!(allowed, (hall.limits.per_source_burst / 4).max(1));
        let mut open = hall.clone();
        open.limits.per_source_per_minute = 0;
        assert!(own_channel_limiter(&open, 4).is_none());
    }
}
