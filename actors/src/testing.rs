//! The one test hall of the Rust tests: a hall's actors started on the
//! in-memory store (same ordering and sequencing as the real writer, no
//! disk) with nothing recovered but today's date. Compiled for this crate's
//! tests and, through the `testing` feature, for the binary's tests and the
//! integration tests; never in a release build.

use std::sync::Arc;

use crate::clock::{HallClock, ManualClock};
use crate::config::HallConfig;
use crate::directory::Directory;
use crate::records::Recovered;
use crate::store::{memory_store, Store};

/// The e2e tests' small hall (`tests/e2e/fixtures/small_hall.toml`): queues
/// A/B/C, 24 windows, staff `Snn`/PIN 1111, supervisor `admin`/`secret`.
pub const SMALL_HALL_TOML: &str = include_str!("../../tests/e2e/fixtures/small_hall.toml");

/// The small hall, parsed.
pub fn small_hall() -> HallConfig {
    match HallConfig::from_toml(SMALL_HALL_TOML) {
        Ok(cfg) => cfg,
        Err(e) => panic!("tests/e2e/fixtures/small_hall.toml: {e}"),
    }
}

/// The demo hall (`config/hall.toml`), parsed.
pub fn demo_hall() -> HallConfig {
    match HallConfig::demo() {
        Ok(cfg) => cfg,
        Err(e) => panic!("config/hall.toml: {e}"),
    }
}

/// What start-up recovers on an empty disk: today's date and nothing else.
pub fn fresh(cfg: &HallConfig) -> Recovered {
    let clock = HallClock::of(cfg);
    Recovered {
        day: clock.day(clock.now()),
        ..Recovered::default()
    }
}

/// Starts `cfg`'s actors on `store` with nothing recovered. Must run inside
/// an actix system (`#[actix::test]`).
pub fn start_on(cfg: Arc<HallConfig>, store: Store) -> Directory {
    let recovered = fresh(&cfg);
    Directory::start(cfg, store, recovered)
}

/// Starts `cfg`'s actors on a fresh in-memory store.
pub fn start(cfg: HallConfig) -> Directory {
    start_on(Arc::new(cfg), memory_store(0))
}

/// Starts `cfg`'s actors on a fresh in-memory store with every actor
/// reading the time from a manual clock set to `at`; the test moves it
/// (`advance`, `set`) to drive rules counted in minutes without sleeping.
pub fn start_at(
    cfg: HallConfig,
    at: chrono::DateTime<chrono::Utc>,
) -> (Directory, &'static ManualClock) {
    let manual = ManualClock::leaked(at);
    let clock = HallClock::of(&cfg).with_manual(manual);
    let recovered = Recovered {
        day: clock.day(at),
        ..Recovered::default()
    };
    let dir = Directory::start_with_clock(Arc::new(cfg), memory_store(0), recovered, clock);
    (dir, manual)
}
