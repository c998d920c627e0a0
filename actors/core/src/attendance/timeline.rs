//! What a window (or a staff member) did today: its state from the start
//! of the hall day, and each change since, in time order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::window_state::WindowState;

/// One change of state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub at: DateTime<Utc>,
    pub state: WindowState,
    /// When the new state is serving: the item's usual service time in
    /// seconds, when known.
    #[serde(default)]
    pub usual_service_s: Option<u32>,
}

/// A day's states. For a staff member, `LoggedOut` means "at no window".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The start of the hall day.
    pub start: DateTime<Utc>,
    /// The state at `start`.
    pub initial: WindowState,
    /// Changes after `start`; out-of-order entries are read in time order.
    pub changes: Vec<StateChange>,
}

/// One stretch of a single state: `[from, to)`, `to` none while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub state: WindowState,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    pub usual_service_s: Option<u32>,
}

impl Timeline {
    /// The spans up to `now`, in order (changes after `now` ignored;
    /// changes before `start` count from `start`).
    pub fn spans(&self, now: DateTime<Utc>) -> Vec<Span> {
        let mut changes: Vec<&StateChange> = self.changes.iter().filter(|c| c.at <= now).collect();
        changes.sort_by_key(|c| c.at);
        let mut out = vec![Span {
            state: self.initial,
            from: self.start,
            to: None,
            usual_service_s: None,
        }];
        for c in changes {
            let at = c.at.max(self.start);
            if let Some(last) = out.last_mut() {
                last.to = Some(at);
            }
            out.push(Span {
                state: c.state,
                from: at,
                to: None,
                usual_service_s: c.usual_service_s,
            });
        }
        out.retain(|s| s.to.is_none_or(|to| to > s.from));
        out
    }

    /// The state at instant `at` (the last change at or before it).
    pub fn state_at(&self, at: DateTime<Utc>) -> WindowState {
        self.spans(at).last().map_or(self.initial, |s| s.state)
    }
}
