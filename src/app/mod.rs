//! The application layer: the one place between the entry points and the
//! actors.
//!
//! Every entry point — the HTTP handlers, the WebSocket streams, the MQTT
//! edge, the RS-485 bus link, the ID-card reader link and the caller page —
//! parses its input, calls [`App`] and maps its typed errors to its own
//! channel (an HTTP status and JSON body, an MQTT reply, a WebSocket
//! `command_result`, a log line and a metric). [`App`] owns, once each:
//!
//! - routing to the actors (the [`Directory`]);
//! - authentication and roles: supervisor sessions, caller sessions, MQTT
//!   device credentials (`auth.rs`), all through one lockout rule
//!   (`lockout.rs`, the rule in `tingwu_core::lockout`);
//! - sealing and masking of personal data (`personal.rs`);
//! - ticket priority admission, issuing, printing and rejoining
//!   (`tickets.rs`, the priority rule itself in `tingwu_core::admission`);
//! - who is asking: kiosk credentials and the per-source rate limit of the
//!   citizen's channels (`sources.rs`, the rule in
//!   `tingwu_core::ticket_source`);
//! - window commands and their in-flight limits (`window_commands.rs`);
//! - calling-strategy changes and their scope (`strategies.rs`, the scope
//!   rule in `tingwu_core::strategy_scope`);
//! - opening and closing windows (`windows.rs`);
//! - 好差评: one rating path for every evaluator (`evaluations.rs`),
//!   evaluator devices, follow-ups and the monthly ranking (`ratings.rs`);
//! - acknowledging an alarm (`alarms.rs`);
//! - hall notices (大厅公告) to the public screens (`notices.rs`, the rules
//!   in `tingwu_core::hall_notice`);
//! - appointments: slots, booking, cancelling, check-in (`appointments.rs`);
//! - cases (办件): intake at a window, transitions by role, the citizen's
//!   query (`cases.rs`, the rules in `tingwu_core::case`); packages
//!   (套餐) and their one view (`case_packages.rs`); consultations (咨询)
//!   recorded at a window and their counts (`consultations.rs`); a
//!   retry's request compared by its fingerprint (`request_print.rs`);
//! - hall statistics for supervisors (`stats.rs`, the rule in
//!   `tingwu_core::stats`).
//!
//! Each concept has one error enum (`thiserror`) whose messages are the
//! ones clients see; transports choose only the status or reply shape.

pub mod alarms;
pub mod appointments;
pub mod auth;
mod case_archive;
pub mod case_board;
mod case_card;
pub mod case_notice;
mod case_packages;
mod case_public;
mod case_types;
pub mod cases;
pub mod consultations;
pub mod evaluations;
pub mod kiosk_events;
pub mod lockout;
pub mod notices;
pub mod passwords;
pub mod personal;
pub mod rating_summary;
pub mod ratings;
mod request_print;
pub mod seats;
pub mod sources;
pub mod stats;
pub mod strategies;
pub mod tickets;
pub mod window_commands;
pub mod windows;

use std::sync::Arc;

use tingwu_actors::directory::Directory;

use crate::storage::{Sealer, StoreReader};

pub use appointments::{BookOrder, BookingError};
pub use auth::{AuthError, CallerSessions, Sessions};
pub use notices::NoticeError;
pub use personal::PersonalError;
pub use strategies::StrategyError;
pub use tickets::TicketError;
pub use window_commands::WindowCommandError;
pub use windows::WindowAdminRefusal;

/// The application layer's handle; cheap to clone (everything behind it is
/// shared). Build one per hall with [`App::new`].
#[derive(Clone)]
pub struct App {
    dir: Directory,
    sealer: Arc<Sealer>,
    sessions: Arc<Sessions>,
    callers: Arc<CallerSessions>,
    /// Wrong-secret records of every credential path (`lockout.rs`).
    lockouts: Arc<lockout::Lockouts>,
    /// Who is logged in where (one window per person, `seats.rs`).
    seats: Arc<seats::Seats>,
    /// In-flight commands per window from MQTT terminals.
    terminal_slots: Arc<window_commands::InFlight>,
    /// In-flight commands per window from caller pages.
    caller_slots: Arc<window_commands::InFlight>,
    /// The per-source rate limit of the citizen's channels (`sources.rs`).
    source_limits: Arc<sources::SourceLimits>,
    /// Storage, for cases closed longer ago than the case actor keeps
    /// (`case_archive.rs`); none in tests that do not need it.
    archive: Option<StoreReader>,
}

impl App {
    /// The application layer over the hall's actors, sealing personal data
    /// with `sealer`, with the default session capacities.
    pub fn new(dir: Directory, sealer: Arc<Sealer>) -> Self {
        Self::with_sessions(dir, sealer, Sessions::default(), CallerSessions::default())
    }

    /// As [`App::new`], with given supervisor and caller session tables
    /// (for their capacities).
    pub fn with_sessions(
        dir: Directory,
        sealer: Arc<Sealer>,
        sessions: Sessions,
        callers: CallerSessions,
    ) -> Self {
        let windows: Vec<String> = dir.windows.keys().cloned().collect();
        for sup in &dir.config.supervisors {
            if !passwords::is_hashed(&sup.password) {
                tracing::warn!(user = %sup.user, "supervisor password is stored in clear text; store the output of `tingwu hash-password` instead");
            } else if !passwords::is_valid_hash(&sup.password) {
                tracing::error!(user = %sup.user, "supervisor password hash is not a valid PHC string; this supervisor cannot log in");
            }
        }
        for kiosk in tingwu_actors::core::ticket_source::kiosks_without_credentials(&dir.config) {
            tracing::warn!(kiosk = %kiosk, "kiosk has no [[devices]] entry of kind \"kiosk\": it cannot authenticate, so it cannot take tickets over HTTP");
        }
        Self {
            terminal_slots: Arc::new(window_commands::InFlight::new(&windows)),
            caller_slots: Arc::new(window_commands::InFlight::new(&windows)),
            source_limits: Arc::new(sources::SourceLimits::new(&dir.config.limits)),
            archive: None,
            dir,
            sealer,
            sessions: Arc::new(sessions),
            callers: Arc::new(callers),
            lockouts: Arc::default(),
            seats: Arc::default(),
        }
    }

    /// The hall's actors and configuration.
    pub fn directory(&self) -> &Directory {
        &self.dir
    }

    /// The caller-page sessions.
    #[cfg(test)]
    pub fn callers(&self) -> &CallerSessions {
        &self.callers
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! An [`App`] over the demo hall's actors on the in-memory store.

    use super::*;
    use tingwu_actors::testing;

    /// The app and the directory holding its sealer's key (keep it alive).
    pub(crate) fn demo_app() -> (App, tempfile::TempDir) {
        let dir = testing::start(testing::demo_hall());
        let tmp = tempfile::tempdir().unwrap();
        let sealer = Arc::new(Sealer::load_or_create(tmp.path(), false).unwrap());
        (App::new(dir, sealer), tmp)
    }
}
