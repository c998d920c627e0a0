//! What the demo has done, counted, and what the hall looks like from
//! outside: the queues' waiting counts, read from `GET /api/v1/queues`
//! like any client, shared with the simulated staff (a worker calls only
//! when one of the window's queues has someone waiting, so idle windows do
//! not send a stream of refused `call_next`s). One info line per simulated
//! quarter hour.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tracing::info;

use super::clock::SimClock;
use super::http_client::LocalHttp;

/// How often the queues are read, real time.
const QUEUES_EVERY: Duration = Duration::from_millis(500);
/// Simulated seconds between two progress lines.
const QUARTER_HOUR_S: f64 = 900.0;

/// The demo's counters, since it began.
#[derive(Debug, Default)]
pub struct Tally {
    /// Citizens who came (arrivals of the model).
    pub arrivals: AtomicU64,
    /// Tickets the server issued to them (kiosk, phone, appointment).
    pub issued: AtomicU64,
    /// Requests the server refused, or the demo left out (it never queues
    /// more than a few requests: a citizen who finds the kiosks busy leaves).
    pub refused: AtomicU64,
    pub calls: AtomicU64,
    pub served: AtomicU64,
    pub no_shows: AtomicU64,
    pub pauses: AtomicU64,
    /// Services the citizen rated on the evaluator, and left unrated.
    pub rated: AtomicU64,
    pub not_rated: AtomicU64,
}

impl Tally {
    pub fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Waiting tickets per queue id, as the server last said.
pub type Waiting = HashMap<String, u64>;

/// Reads `GET /api/v1/queues` every [`QUEUES_EVERY`] into `tx` until `stop`.
pub async fn watch_queues(
    http: LocalHttp,
    tx: watch::Sender<Waiting>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if let Ok(a) = http.get("/api/v1/queues").await {
            let waiting: Waiting = a.body["queues"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|q| Some((q["id"].as_str()?.to_string(), q["waiting"].as_u64()?)))
                .collect();
            let _ = tx.send(waiting);
        }
        tokio::select! {
            _ = tokio::time::sleep(QUEUES_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Logs one line per simulated quarter hour until `stop`.
pub async fn report(
    clock: SimClock,
    tally: Arc<Tally>,
    waiting: watch::Receiver<Waiting>,
    mut stop: watch::Receiver<bool>,
) {
    let mut next = QUARTER_HOUR_S;
    loop {
        tokio::select! {
            _ = clock.sleep_until(next) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let (day, tod) = clock.day_and_time(next);
        let minutes = (tod / 60.0).round() as u64;
        let now_waiting: u64 = waiting.borrow().values().sum();
        info!(
            day = day + 1,
            sim_time = %format!("{:02}:{:02}", minutes / 60, minutes % 60),
            arrivals = Tally::get(&tally.arrivals),
            issued = Tally::get(&tally.issued),
            refused = Tally::get(&tally.refused),
            waiting = now_waiting,
            calls = Tally::get(&tally.calls),
            served = Tally::get(&tally.served),
            no_shows = Tally::get(&tally.no_shows),
            rated = Tally::get(&tally.rated),
            not_rated = Tally::get(&tally.not_rated),
            "demo hall"
        );
        next += QUARTER_HOUR_S;
        // Far behind (a slow machine at a high speed): skip to now.
        if next < clock.now() {
            next = (clock.now() / QUARTER_HOUR_S).ceil() * QUARTER_HOUR_S;
        }
    }
}
