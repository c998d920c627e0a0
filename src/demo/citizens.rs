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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::DefaultDirectRateLimiter;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::strategy::Class;
use tokio::sync::{watch, Semaphore};
use tracing::debug;

use super::booking;
use super::channels::{kiosk_auth, kiosks, own_channel_limiter, phone_number, Kiosk, OwnChannel};
use super::clock::SimClock;
use super::http_client::{Auth, LocalHttp};
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
            Visit::Appointment { kiosk, item, phone } => {
                booking::book_and_check_in(&self.http, &self.hall, kiosk, item, phone).await
            }
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
}
