//! `tingwu serve`: wires storage, actors and transports together.
//!
//! Start-up order matters: metrics recorder first, then storage (open,
//! recover), then the actors (on their own actix system thread), then the
//! transports; the `tingwu ready …` line is printed only when every port is
//! bound. Shutdown (SIGTERM/SIGINT, or a storage failure) stops accepting,
//! waits for a durable barrier so that everything acknowledged is on disk,
//! and exits.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tingwu_actors::clock::HallClock;
use tingwu_actors::config::HallConfig;
use tingwu_actors::directory::Directory;
use tingwu_actors::events::CommittedEvent;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, watch};
use tracing::{error, info};

use crate::app::App;
use crate::cli::{load_config_with, ServeArgs};
use crate::http::{self, AppState, TicketBoard, WsLimits};
use crate::mqtt::edge::BrokerTarget;
use crate::mqtt::{broker, edge, gate};
use crate::storage::{self, Sealer, Storage, StoreReader};
use crate::telemetry;

pub fn run(args: ServeArgs) -> ExitCode {
    telemetry::init_logs();
    let metrics = match telemetry::init_metrics() {
        Ok(m) => m,
        Err(e) => return fail(&e.to_string()),
    };
    let loaded = if args.demo && args.demo_hall == crate::demo::DemoHall::Large {
        crate::demo::large_config(args.holidays.as_deref())
    } else {
        load_config_with(args.config.as_deref(), args.holidays.as_deref())
    };
    let config = match loaded {
        Ok(c) => Arc::new(c),
        Err(e) => return fail(&format!("configuration: {e}")),
    };
    if let Err(e) = check_calendar(&config) {
        return fail(&format!("calendar: {e}"));
    }
    match serve(args, config, metrics) {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// A hall that serves on working days needs this year's holiday notice;
/// from 1 December a missing next year is a warning in the log.
fn check_calendar(config: &HallConfig) -> Result<(), String> {
    let today = tingwu_actors::core::calendar::local_date(chrono::Utc::now(), config.tz());
    let warnings = config
        .calendar
        .check_years(today)
        .map_err(|e| e.to_string())?;
    for w in warnings {
        tracing::warn!(warning = %w, "holiday calendar");
    }
    let years: Vec<i32> = config.calendar.days.years().collect();
    info!(years = ?years, open_on = ?config.calendar.open_on, "holiday calendar");
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    error!("{message}");
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn serve(
    args: ServeArgs,
    config: Arc<HallConfig>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) -> Result<ExitCode, String> {
    let data = args.data_dir();
    let db = Storage::open(&data).map_err(|e| e.to_string())?;
    let has_data = !db.is_empty();
    let sealer = Arc::new(Sealer::load_or_create(&data, has_data).map_err(|e| e.to_string())?);
    let clock = HallClock::of(&config);
    let reader = db.reader();
    let recovered = storage::recover(&reader, &clock).map_err(|e| e.to_string())?;
    // The ticket board starts from the same recovered tickets the queues
    // do, and follows every event committed after them.
    let board = Arc::new(TicketBoard::seeded(&recovered.day, &recovered.tickets));
    let writer =
        storage::spawn_writer(&db, &data, recovered.last_seq).map_err(|e| e.to_string())?;
    let board_events = writer.store.subscribe();
    let store = writer.store.clone();

    // The actors live on their own actix system thread; transports reach
    // them through addresses, which work across threads.
    let (dir_tx, dir_rx) = std::sync::mpsc::channel::<(Directory, actix::System)>();
    let actor_config = config.clone();
    let actors = std::thread::Builder::new()
        .name("actors".into())
        .spawn(move || {
            let system = actix::System::new();
            let dir = system.block_on(async move {
                let dir = Directory::start(actor_config, store, recovered);
                // What start-up committed (tickets closed by the end-of-day
                // rule) is durable before any request reads it.
                if let Ok(done) = dir.store.barrier() {
                    let _ = done.await;
                }
                dir
            });
            let _ = dir_tx.send((dir, actix::System::current()));
            if let Err(e) = system.run() {
                error!(error = %e, "actor system stopped with an error");
            }
        })
        .map_err(|e| format!("cannot start the actor thread: {e}"))?;
    let (dir, system) = dir_rx
        .recv()
        .map_err(|_| "the actor system did not start".to_string())?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tingwu-io")
        .build()
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
    let code = runtime.block_on(transports(
        args,
        Wiring {
            dir: dir.clone(),
            reader,
            sealer,
            metrics,
            board,
            board_events,
        },
        writer.failed,
    ))?;

    // Everything acknowledged is already durable; this barrier makes sure
    // that whatever was queued is too before we go.
    let barrier = runtime.block_on(async {
        match dir.store.barrier() {
            Ok(f) => tokio::time::timeout(Duration::from_secs(5), f)
                .await
                .is_ok(),
            Err(_) => false,
        }
    });
    info!(durable = barrier, "storage flushed; stopping");
    system.stop();
    let _ = actors.join();
    drop(dir);
    if let Err(e) = db.flush() {
        error!(error = %e, "final flush failed");
    }
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(code)
}

/// What the transports are built from.
struct Wiring {
    dir: Directory,
    reader: StoreReader,
    sealer: Arc<Sealer>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    board: Arc<TicketBoard>,
    board_events: broadcast::Receiver<Arc<CommittedEvent>>,
}

async fn transports(
    args: ServeArgs,
    w: Wiring,
    mut failed: tokio::sync::watch::Receiver<bool>,
) -> Result<ExitCode, String> {
    let Wiring {
        dir,
        reader,
        sealer,
        metrics,
        board,
        board_events,
    } = w;
    let healthy = Arc::new(AtomicBool::new(true));
    let upkeep = telemetry::spawn_upkeep(metrics.clone(), telemetry::UPKEEP_EVERY);
    tokio::spawn(http::board::follow(
        board.clone(),
        board_events,
        reader.clone(),
        dir.clock,
    ));
    crate::notify::start(&dir, &reader, &sealer);
    // MQTT: embedded broker behind the ACL gate, or an external broker.
    let app = App::new(dir.clone(), sealer.clone()).with_case_archive(reader.clone());
    // One window per person: who is logged in where, from the recovered windows.
    app.seat_recovered_staff().await;
    let (violations_tx, violations_rx) = mpsc::channel(256);
    let (mqtt_addr, target) = match &args.mqtt_broker {
        Some(url) => {
            let target = BrokerTarget::parse(url)?;
            (format!("{}:{}", target.host, target.port), target)
        }
        None => {
            // It binds, spawns its thread and polls until it accepts:
            // blocking work, kept off the async workers.
            let config = dir.config.clone();
            let internal = tokio::task::spawn_blocking(move || broker::start(&config))
                .await
                .map_err(|e| format!("embedded broker start-up failed: {e}"))?
                .map_err(|e| e.to_string())?;
            let listener = TcpListener::bind(args.mqtt)
                .await
                .map_err(|e| format!("cannot listen for MQTT on {}: {e}", args.mqtt))?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            let policy = Arc::new(gate::Policy::new(app.clone()));
            tokio::spawn(gate::run(listener, internal.addr, policy, violations_tx));
            (
                bound.to_string(),
                BrokerTarget {
                    host: internal.addr.ip().to_string(),
                    port: internal.addr.port(),
                    user: Some(internal.user),
                    password: Some(internal.password),
                    publish_qos: rumqttc::QoS::AtMostOnce,
                },
            )
        }
    };
    let mut subscribed = edge::start(app.clone(), target, violations_rx);
    // "Ready" means terminals are heard: wait for the server's own
    // subscription before announcing it.
    match tokio::time::timeout(Duration::from_secs(15), subscribed.wait_for(|s| *s)).await {
        Ok(Ok(_)) => {}
        _ => tracing::warn!("MQTT broker not reachable yet; terminal commands wait until it is"),
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let ws_limits = WsLimits::default();
    let printers_dir = dir.clone();
    let demo_hall = dir.config.clone();
    let state = AppState {
        app: app.clone(),
        dir,
        reader,
        metrics,
        healthy: healthy.clone(),
        board,
        ws: ws_limits.clone(),
        shutdown: stop_rx.clone(),
    };
    let listener = TcpListener::bind(args.http)
        .await
        .map_err(|e| format!("cannot listen for HTTP on {}: {e}", args.http))?;
    let http_addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    crate::devices::start_printers(&printers_dir, http_addr).await;
    crate::devices::bus_link::start(&app);
    crate::devices::start_card_readers(&app);
    let limits = http::Limits::default();
    let server = tokio::spawn(http::serve(
        listener,
        http::router(state),
        limits,
        stop_rx.clone(),
    ));
    info!(http = %http_addr, mqtt = %mqtt_addr, data = %args.data_dir().display(), "tingwu ready");
    let shutdown = shutdown_signal();
    println!("tingwu ready http={http_addr} mqtt={mqtt_addr}");
    if args.demo {
        let opts = crate::demo::DemoOptions {
            speed: args.demo_speed,
            seed: args.demo_seed,
            builtin_hall: args.config.is_none()
                && args.demo_hall == crate::demo::DemoHall::Standard,
        };
        let mqtt = mqtt_addr.parse().ok();
        if let Err(e) = crate::demo::start(opts, demo_hall, http_addr, mqtt, stop_rx.clone()) {
            tracing::error!(error = %e, "demo mode could not start; the server runs without it");
        }
    }

    let code = tokio::select! {
        _ = shutdown => {
            info!("shutdown requested");
            ExitCode::SUCCESS
        }
        _ = failed.wait_for(|f| *f) => {
            healthy.store(false, Ordering::Relaxed);
            error!("storage failed; shutting down so that nothing more is acknowledged");
            ExitCode::FAILURE
        }
    };
    // Stops accepting; requests in flight are answered, idle connections
    // and WebSocket streams are closed (each with a close frame).
    let _ = stop_tx.send(true);
    let drained = async {
        let _ = server.await;
        ws_limits.drained().await;
    };
    if tokio::time::timeout(limits.drain + Duration::from_secs(1), drained)
        .await
        .is_err()
    {
        tracing::warn!("HTTP connections or WebSocket streams still open; stopping anyway");
    }
    upkeep.abort();
    Ok(code)
}

/// SIGTERM or SIGINT. The handlers are installed when this is called, not
/// when it is first polled, so a signal sent right after the ready line is
/// caught (and not left to the default action, which kills the process).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = int.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}
