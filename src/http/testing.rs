//! The one `AppState` of the HTTP tests: a hall's actors on the in-memory
//! store (`tingwu_actors::testing`), a temporary database, the ticket board
//! following the events and a fresh sealer.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tingwu_actors::config::HallConfig;
use tingwu_actors::store::memory_store;
use tokio::sync::watch;

use super::{board, AppState, TicketBoard, WsLimits};
use crate::app::{App, CallerSessions, Sessions};
use crate::storage::{Sealer, Storage};

/// An `AppState` and what must live as long as it.
pub(crate) struct TestState {
    pub state: AppState,
    /// Turns the state's `shutdown` true when sent `true` (or dropped).
    pub stop: watch::Sender<bool>,
    /// Holds the sealer's key.
    pub _dir: tempfile::TempDir,
}

/// Starts `cfg`'s hall with supervisor `sessions` and stream limits `ws`.
/// Must run inside an actix system.
pub(crate) fn state(cfg: HallConfig, sessions: Sessions, ws: WsLimits) -> TestState {
    state_edited(cfg, sessions, ws, |_| {})
}

/// As [`state`], with the hall's actors changed by `edit` before the
/// application layer takes them (e.g. a case actor on an injected clock).
pub(crate) fn state_edited(
    cfg: HallConfig,
    sessions: Sessions,
    ws: WsLimits,
    edit: impl FnOnce(&mut tingwu_actors::directory::Directory),
) -> TestState {
    let cfg = Arc::new(cfg);
    let store = memory_store(0);
    let reader = Storage::temporary().unwrap().reader();
    let recovered = tingwu_actors::testing::fresh(&cfg);
    let board = Arc::new(TicketBoard::seeded(&recovered.day, &[]));
    let clock = tingwu_actors::clock::HallClock::of(&cfg);
    tokio::spawn(board::follow(
        board.clone(),
        store.subscribe(),
        reader.clone(),
        clock,
    ));
    let mut dir = tingwu_actors::testing::start_on(cfg, store);
    edit(&mut dir);
    let tmp = tempfile::tempdir().unwrap();
    let (stop, shutdown) = watch::channel(false);
    let sealer = Arc::new(Sealer::load_or_create(tmp.path(), false).unwrap());
    let state = AppState {
        app: App::with_sessions(dir.clone(), sealer, sessions, CallerSessions::default()),
        dir,
        reader,
        metrics: metrics_exporter_prometheus::PrometheusBuilder::new()
            .build_recorder()
            .handle(),
        healthy: Arc::new(AtomicBool::new(true)),
        board,
        ws,
        shutdown,
    };
    TestState {
        state,
        stop,
        _dir: tmp,
    }
}
