//! Durable records that are not tickets, and what start-up recovers.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::events::CommittedEvent;
use crate::ticket::Ticket;
use crate::views::StaffView;
use crate::window_state::WindowState;

/// A window's durable state (`w/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowRecord {
    pub state: WindowState,
    pub staff: Option<StaffView>,
    /// The ticket called or being served, by id.
    pub ticket: Option<String>,
    pub enabled: bool,
    pub pause_reason: Option<String>,
    /// Why a supervisor disabled the window (停用).
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Grows with every change, across restarts (it starts from the clock),
    /// so that readers can drop a view older than one they already have.
    #[serde(default)]
    pub version: u64,
}

impl WindowRecord {
    pub fn fresh() -> Self {
        Self {
            enabled: true,
            ..Self::default()
        }
    }
}

/// A kiosk's count of the day's tickets (`k/{day}/{kiosk}`), kept so that
/// it survives a restart (issue 8, item 17).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskRecord {
    /// Tickets issued at this kiosk on the record's hall day (replays of the
    /// same request not counted).
    pub issued_today: u64,
    /// The number of the newest of them (`A012`).
    pub last_ticket: Option<String>,
}

/// Everything start-up reads back from storage.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The current hall day (`20261126`) the rest belongs to.
    pub day: String,
    /// Today's tickets, any status.
    pub tickets: Vec<Ticket>,
    pub windows: HashMap<String, WindowRecord>,
    /// Today's replies to commands that took effect, by window.
    pub commands: HashMap<String, Vec<(String, Vec<u8>)>>,
    /// Today's idempotency keys and the ticket each produced.
    pub idempotency: HashMap<String, String>,
    pub last_seq: u64,
    /// The newest events, oldest first, so screens can resume across a restart.
    pub recent_events: Vec<Arc<CommittedEvent>>,
    /// Calling strategies set by supervisors: `hall::HALL_STRATEGY` for the
    /// hall, window ids for overrides.
    pub strategies: HashMap<String, crate::strategy::Strategy>,
    /// Bookings (预约) of today and the days ahead.
    pub bookings: Vec<crate::booking::Booking>,
    /// Today's kiosk records, by kiosk id.
    pub kiosks: HashMap<String, KioskRecord>,
    /// Tickets of earlier hall days still `waiting` (the day ended while
    /// the server was down, or under `carry_over`): the end-of-day rule
    /// (`crate::day_end`) applies to them at start-up.
    pub unfinished: Vec<Ticket>,
    /// Open alarm occurrences (`l/{id}`), acknowledged or not.
    pub alarms: Vec<crate::alarm::lifecycle::AlarmRecord>,
    /// Cases (办件) still open, and those closed recently (see the storage's
    /// recovery), for the case actor.
    pub cases: Vec<crate::case::CaseRecord>,
    /// Packages (套餐) whose parts are among `cases` (`keys::package`).
    pub packages: Vec<crate::case::PackageRecord>,
    /// Today's consultations (咨询), for their request keys.
    pub consultations: Vec<crate::consultation::StoredConsultation>,
    /// Windows' rating prompts (`rp/{window}`) and follow-ups (`rf/{ticket}`).
    pub ratings: crate::rating::stored::RatingState,
    /// Hall notices (`nt/{id}`) not cleared, expired ones included (the
    /// notice actor ends those at start-up).
    pub notices: Vec<crate::hall_notice::Notice>,
}
