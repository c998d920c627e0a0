//! `tingwu serve --demo`: a living demo hall (issue 9). After the server is
//! ready, simulated citizens, staff and kiosks act on it through its real
//! interfaces — HTTP on its HTTP port, MQTT on its device port, over
//! loopback sockets like any client — so a newcomer sees the screens, the
//! dashboard and the statistics move within a minute.
//!
//! - `clock`: simulated time (`--demo-speed` simulated minutes per real
//!   minute, the days back to back).
//! - `scenario`: which day is played — the simulator's scenario format and
//!   arrival model (`crate::simulate`), `config/scenarios/quiet.toml` for
//!   the demo hall, generated from the hall's shape otherwise.
//! - `roster`: the scenario's staffing plan as one shift per window
//!   (terminal, credentials, staff member, hours).
//! - `citizens`: arrivals → tickets at kiosks (HTTP Basic), on the phone
//!   page, by appointment (`booking`); the kiosks and the citizen's own
//!   channel's share of the rate limit in `channels`.
//! - `staff` and `terminal`: a worker per window on an MQTT terminal.
//! - `evaluator`: the citizen rating each finished service (好差评) on the
//!   window's evaluator tablet, over its HTTP API, or not rating at all.
//! - `progress`: counters, the queues as the server reports them, one log
//!   line per simulated quarter hour.
//! - `large_hall`: the 100-window, 30-queue hall of `--demo-hall large`.
//! - `http_client`: the loopback HTTP client.

mod booking;
mod channels;
mod citizens;
mod clock;
mod evaluator;
mod http_client;
pub mod large_hall;
mod progress;
mod roster;
mod scenario;
mod staff;
mod terminal;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tingwu_actors::config::HallConfig;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::simulate::roster::Roster;
use crate::simulate::scenario::Scenario;

pub use crate::cli::DemoHall;

/// How the demo runs.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Simulated minutes per real minute.
    pub speed: u32,
    pub seed: u64,
    /// True when the hall is the built-in demo hall (it plays
    /// `config/scenarios/quiet.toml`).
    pub builtin_hall: bool,
}

/// The configuration `--demo --demo-hall large` runs (None for the other
/// cases, which load the hall as `serve` always does), with the operator's
/// holiday files applied.
pub fn large_config(holidays: Option<&std::path::Path>) -> Result<HallConfig, String> {
    let (_, mut cfg) = large_hall::large_hall().map_err(|e| e.to_string())?;
    crate::holidays::apply(&mut cfg, None, holidays)?;
    Ok(cfg)
}

/// `tingwu demo-config --hall …`: prints the demo hall's TOML.
pub fn print_config(hall: DemoHall) -> std::process::ExitCode {
    match hall {
        DemoHall::Standard => {
            print!("{}", tingwu_actors::config::DEMO_HALL_TOML);
            std::process::ExitCode::SUCCESS
        }
        DemoHall::Large => match large_hall::large_hall() {
            Ok((text, _)) => {
                print!("{text}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// A listening address as a client reaches it: an unspecified address
/// (`0.0.0.0`) is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
    } else {
        addr
    }
}

/// The hall's open period from the scenario: the first opening and the
/// last closing of its first staffing plan and of its arrivals, seconds of
/// the day.
fn open_period(sc: &Scenario) -> (f64, f64) {
    let spans = sc.staffing[0]
        .open
        .iter()
        .flatten()
        .map(|(a, b)| (*a as f64 / 1e6, *b as f64 / 1e6));
    let arrivals = sc
        .streams
        .iter()
        .flat_map(|s| s.segments.iter().filter(|g| g.2 > 0.0).map(|g| (g.0, g.1)));
    spans
        .chain(arrivals)
        .fold((f64::MAX, 0.0f64), |(o, c), (a, b)| (o.min(a), c.max(b)))
}

/// Starts the demo against the server at `http` and `mqtt` (the addresses
/// it listens on); everything stops when `stop` turns true.
pub fn start(
    opts: DemoOptions,
    hall: Arc<HallConfig>,
    http: SocketAddr,
    mqtt: Option<SocketAddr>,
    stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let scenario =
        scenario::for_hall(&hall, opts.builtin_hall).map_err(|e| format!("demo scenario: {e}"))?;
    let plan = &scenario.staffing[0];
    let (open_s, close_s) = open_period(&scenario);
    let clock = clock::SimClock::new(opts.speed, open_s, close_s);
    let http = http_client::LocalHttp::new(reachable(http));
    let tally = Arc::new(progress::Tally::default());
    let services = citizens::ServiceTimes::default();
    let (shifts, unstaffed) = roster::shifts(&hall, plan);
    for u in &unstaffed {
        warn!(window = %u.window, reason = u.reason, "demo: window not staffed");
    }
    info!(
        hall = %hall.hall.id,
        scenario = %scenario.name,
        scenario_en = %scenario.name_en,
        speed = opts.speed,
        roster = %Roster::of(plan).describe(),
        "demo: simulated citizens and staff start"
    );

    let (waiting_tx, waiting_rx) = watch::channel(progress::Waiting::new());
    spawn_until(
        &stop,
        progress::watch_queues(http.clone(), waiting_tx, stop.clone()),
    );
    spawn_until(
        &stop,
        progress::report(clock, tally.clone(), waiting_rx.clone(), stop.clone()),
    );
    let citizens = citizens::Citizens {
        http: http.clone(),
        clock,
        hall: hall.clone(),
        scenario: Arc::new(scenario.clone()),
        seed: opts.seed,
        tally: tally.clone(),
        services: services.clone(),
        phone_hold: Arc::default(),
    };
    spawn_until(&stop, citizens.run(stop.clone()));

    let Some(mqtt) = mqtt.map(reachable) else {
        warn!("demo: the MQTT address is not an IP address; no simulated staff");
        return Ok(());
    };
    let run: u32 = rand::random();
    for (n, shift) in shifts.into_iter().enumerate() {
        let queues = hall
            .windows
            .iter()
            .find(|w| w.id == shift.window)
            .map(|w| w.queues.iter().map(|q| q.queue.clone()).collect())
            .unwrap_or_default();
        let evaluator = shift.evaluator.as_ref().map(|(device, password)| {
            evaluator::Tablet::new(http.clone(), &shift.window, device, password)
        });
        let terminal = terminal::Terminal::connect(
            &hall.hall.id,
            &shift.window,
            &shift.terminal,
            &shift.password,
            mqtt,
            run,
            stop.clone(),
        );
        let worker = staff::Worker {
            shift,
            queues,
            terminal,
            clock,
            waiting: waiting_rx.clone(),
            services: services.clone(),
            tally: tally.clone(),
            seed: opts.seed.wrapping_add(1000 + n as u64),
            overtime: scenario.overtime,
            evaluator,
        };
        spawn_until(&stop, worker.run(stop.clone()));
    }
    Ok(())
}

/// Spawns `task`, dropped as soon as `stop` turns true.
fn spawn_until<F>(stop: &watch::Receiver<bool>, task: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let mut stop = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = task => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quiet_day_opens_at_half_past_eight() {
        let hall = HallConfig::demo().expect("demo hall");
        let sc = scenario::for_hall(&hall, true).expect("quiet");
        let (open, close) = open_period(&sc);
        assert_eq!(open, 8.5 * 3600.0);
        assert_eq!(close, 17.0 * 3600.0);
    }

    #[test]
    fn demo_data_stays_apart_and_wildcard_addresses_are_reached_on_loopback() {
        use crate::cli::{data_dir, DEMO_DATA_DIR};
        use std::path::PathBuf;
        assert_eq!(data_dir(None, true), PathBuf::from(DEMO_DATA_DIR));
        assert_eq!(data_dir(None, false), PathBuf::from("./data"));
        assert_eq!(data_dir(Some("x".into()), true), PathBuf::from("x"));
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(
            reachable(any),
            "127.0.0.1:8080".parse::<SocketAddr>().unwrap()
        );
    }
}
