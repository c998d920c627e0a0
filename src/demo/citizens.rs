//! Simulated citizens: the simulator's arrivals (`simulate::engine::
//! draw_arrivals`, Poisson by hour per item, classes by share, lognormal
//! service times) become real requests on the server's HTTP port.
//!
//! - most walk-ins take a ticket at a kiosk of their queue's area (HTTP
//!   Basic with the kiosk's device password, as a real kiosk does);
//! - about one in five uses the phone page instead (an online ticket named
//!   by a generated, valid mobile number), within a quarter of the hall's
//!   per-address rate limit and never before a `Retry-After` — otherwise
//!   they walk to a kiosk;
//! - the appointment stream books (within another quarter) the first slot
//!   whose check-in has not closed, for an item of the queue that takes
//!   bookings, and checks in at a kiosk; too early, a rest day
//!   (`not_a_workday`) or no bookable item: a walk-in ticket;
//! - special groups use the special-group password (特殊人群密码) when the
//!   hall has one.
//!
//! At most [`IN_FLIGHT`] requests are under way; a citizen who finds them
//! all busy leaves (counted as refused): the demo never floods the server.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tingwu_actors::config::{DeviceKind, HallConfig};
use tingwu_actors::core::hhmm;
use tingwu_actors::core::strategy::Class;
use tokio::sync::{watch, Semaphore};
use tracing::debug;

use super::clock::SimClock;
use super::http_client::{Answer, Auth, LocalHttp};
use super::progress::Tally;
use crate::simulate::engine::{draw_arrivals, Arrival};
use crate::simulate::scenario::Scenario;

/// Requests under way at once, at most.
const IN_FLIGHT: usize = 8;
/// Share of walk-ins who take their ticket on the phone page.
const PHONE_SHARE: f64 = 0.2;
/// Service times remembered for tickets not yet finished, at most.
const REMEMBERED: usize = 50_000;

/// The service time the model drew for each ticket issued, by ticket id,
/// seconds: the simulated staff take that long.
#[derive(Debug, Clone, Default)]
pub struct ServiceTimes(Arc<Mutex<HashMap<String, f64>>>);

impl ServiceTimes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, f64>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, ticket: &str, seconds: f64) {
        let mut m = self.lock();
        if m.len() < REMEMBERED {
            m.insert(ticket.to_string(), seconds);
        }
    }

    /// The drawn service time of `ticket`, forgotten as it is taken.
    pub fn take(&self, ticket: &str) -> Option<f64> {
        self.lock().remove(ticket)
    }
}

/// A kiosk the demo can act as.
#[derive(Debug, Clone)]
struct Kiosk {
    id: String,
    area: String,
    password: String,
}

/// Everything the citizens need.
pub struct Citizens {
    pub http: LocalHttp,
    pub clock: SimClock,
    pub hall: Arc<HallConfig>,
    pub scenario: Arc<Scenario>,
    pub seed: u64,
    pub tally: Arc<Tally>,
    pub services: ServiceTimes,
    /// Set when the server answered the phone channel `429` with
    /// `Retry-After`: no phone visits before then.
    pub phone_hold: Arc<Mutex<Option<Instant>>>,
}

/// What one citizen does; drawn before the request is made.
#[derive(Debug, Clone)]
enum Visit {
    Kiosk {
        kiosk: Kiosk,
        body: Value,
    },
    Phone {
        body: Value,
    },
    Appointment {
        kiosk: Kiosk,
        item: String,
        phone: String,
    },
}

impl Citizens {
    /// Plays day after day of arrivals until `stop`.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let kiosks = kiosks(&self.hall);
        if kiosks.is_empty() {
            tracing::warn!("demo: the hall has no kiosk with device credentials; citizens use the phone page only");
        }
        // The citizen's own channel, shared out: a quarter of the hall's
        // per-address allowance for phone tickets, a quarter for bookings.
        let own = OwnChannel {
            phone: own_channel_limiter(&self.hall, 4),
            booking: own_channel_limiter(&self.hall, 4),
        };
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        let this = Arc::new(self);
        for day in 0u64.. {
            let mut rng = StdRng::seed_from_u64(this.seed.wrapping_add(day));
            for a in draw_arrivals(&this.scenario, this.seed.wrapping_add(day)) {
                let at = this.clock.at(day, a.at_us as f64 / 1e6);
                tokio::select! {
                    _ = this.clock.sleep_until(at) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                Tally::add(&this.tally.arrivals);
                let visit = this.visit(&a, &kiosks, &own, &mut rng);
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    Tally::add(&this.tally.refused);
                    continue;
                };
                let (me, service_s) = (this.clone(), a.service_us as f64 / 1e6);
                tokio::spawn(async move {
                    me.make(visit, service_s).await;
                    drop(permit);
                });
            }
            // Wait for the next day to begin.
            tokio::select! {
                _ = this.clock.sleep_until(this.clock.at(day + 1, 0.0)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }

    fn visit(&self, a: &Arrival, kiosks: &[Kiosk], own: &OwnChannel, rng: &mut StdRng) -> Visit {
        let hall = &self.hall;
        let queue = hall
            .queues
            .get(a.queue)
            .map(|q| q.id.clone())
            .unwrap_or_default();
        let area = hall
            .queues
            .get(a.queue)
            .map(|q| q.area.as_str())
            .unwrap_or_default();
        let phone = phone_number(rng);
        let kiosk = kiosks
            .iter()
            .find(|k| k.area == area)
            .or_else(|| kiosks.get(rng.gen_range(0..kiosks.len().max(1))))
            .cloned();
        let appointment_item = hall
            .items
            .iter()
            .find(|i| i.queue == queue && i.appointment_capacity > 0)
            .map(|i| i.id.clone());
        let held = self
            .phone_hold
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|until| Instant::now() < until);
        let allowed = |l: &Option<DefaultDirectRateLimiter>| {
            !held && l.as_ref().is_none_or(|l| l.check().is_ok())
        };
        match (a.class, appointment_item, kiosk.clone()) {
            (Class::Appointment, Some(item), Some(kiosk)) if allowed(&own.booking) => {
                return Visit::Appointment { kiosk, item, phone }
            }
            _ => {}
        }
        let mut body = json!({ "queue": queue });
        if matches!(a.class, Class::Special | Class::Green) {
            if let Some(pw) = &hall.priority.special_password {
                body["priority"] = json!("special");
                body["priority_password"] = json!(pw);
            }
        }
        match kiosk {
            Some(kiosk) if !(rng.gen_bool(PHONE_SHARE) && allowed(&own.phone)) => {
                Visit::Kiosk { kiosk, body }
            }
            _ => {
                // The phone page: the citizen names themselves; online channel.
                let body = json!({ "queue": queue, "phone": phone });
                Visit::Phone { body }
            }
        }
    }

    async fn make(&self, visit: Visit, service_s: f64) {
        let answer = match &visit {
            Visit::Kiosk { kiosk, body } => {
                self.http
                    .post("/api/v1/tickets", body, &kiosk_auth(kiosk))
                    .await
            }
            Visit::Phone { body } => self.http.post("/api/v1/tickets", body, &Auth::None).await,
            Visit::Appointment { kiosk, item, phone } => self.appointment(kiosk, item, phone).await,
        };
        match answer {
            Ok(a) if a.status.is_success() => {
                let ticket = a.body.get("ticket").unwrap_or(&a.body);
                if let Some(id) = ticket["id"].as_str() {
                    self.services.insert(id, service_s);
                    Tally::add(&self.tally.issued);
                }
            }
            Ok(a) => {
                Tally::add(&self.tally.refused);
                if let (Visit::Phone { .. }, Some(s)) = (&visit, a.retry_after_s) {
                    *self.phone_hold.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(Instant::now() + Duration::from_secs(s.min(600)));
                }
                debug!(status = %a.status, code = %a.body["error"]["code"], "demo: ticket refused");
            }
            Err(e) => {
                Tally::add(&self.tally.refused);
                debug!(error = %e, "demo: ticket request failed");
            }
        }
    }

    /// Books the first slot still open today and checks in at the kiosk;
    /// when that cannot be done now, the citizen takes a walk-in ticket.
    async fn appointment(
        &self,
        kiosk: &Kiosk,
        item: &str,
        phone: &str,
    ) -> Result<Answer, super::http_client::HttpError> {
        let now = chrono::Utc::now().with_timezone(&self.hall.tz());
        let today = now.format("%Y-%m-%d").to_string();
        // The first slot whose check-in has not closed (an on-time check-in
        // if it is open now; too early gets a walk-in).
        let now_min = now.format("%H:%M").to_string();
        let now_min = hhmm::parse_minutes(&now_min).unwrap_or(0);
        let late = self.hall.appointments.late_minutes;
        let slots = self
            .http
            .get(&format!(
                "/api/v1/appointments/slots?item={item}&day={today}"
            ))
            .await?;
        let start = slots.body["slots"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["available"].as_bool() == Some(true))
            .find(|s| {
                s["start"]
                    .as_str()
                    .and_then(hhmm::parse_minutes)
                    .is_some_and(|start| start + late > now_min)
            })
            .and_then(|s| s["start"].as_str().map(str::to_string));
        if start.is_none() {
            debug!(item, "demo: no slot open for check-in now; walk-in instead");
        }
        if let Some(start) = start {
            let booked = self
                .http
                .post(
                    "/api/v1/appointments",
                    &json!({"item": item, "day": today, "start": start, "phone": phone}),
                    &Auth::None,
                )
                .await?;
            if !booked.status.is_success() {
                debug!(status = %booked.status, code = %booked.body["error"]["code"], "demo: booking refused; walk-in instead");
            }
            if let Some(code) = booked.body["code"].as_str() {
                let checked = self
                    .http
                    .post(
                        "/api/v1/appointments/checkin",
                        &json!({"code": code, "kiosk": kiosk.id}),
                        &kiosk_auth(kiosk),
                    )
                    .await?;
                if checked.status.is_success() {
                    return Ok(checked);
                }
                debug!(code = %checked.body["error"]["code"], "demo: check-in refused; walk-in instead");
            }
        }
        self.http
            .post(
                "/api/v1/tickets",
                &json!({"item": item}),
                &kiosk_auth(kiosk),
            )
            .await
    }
}

fn kiosk_auth(k: &Kiosk) -> Auth {
    Auth::Basic(format!("{}:{}", k.id, k.password))
}

/// The hall's kiosks with device credentials the demo can present.
fn kiosks(hall: &HallConfig) -> Vec<Kiosk> {
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
struct OwnChannel {
    phone: Option<DefaultDirectRateLimiter>,
    booking: Option<DefaultDirectRateLimiter>,
}

/// `1/divisor` of the hall's per-address allowance for the citizen's own
/// channel (`[limits] per_source_per_minute` and `per_source_burst`, at
/// least 1), so the demo stays inside it; none when the hall has no limit.
fn own_channel_limiter(hall: &HallConfig, divisor: u32) -> Option<DefaultDirectRateLimiter> {
    let rate = NonZeroU32::new(hall.limits.per_source_per_minute)?;
    let part = |n: u32| NonZeroU32::new((n / divisor).max(1)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::per_minute(part(rate.get())).allow_burst(part(hall.limits.per_source_burst));
    Some(RateLimiter::direct(quota))
}

/// A valid mainland mobile number (11 digits, 13x–19x).
fn phone_number(rng: &mut StdRng) -> String {
    format!(
        "1{}{:09}",
        rng.gen_range(3..=9),
        rng.gen_range(0..1_000_000_000u32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
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
