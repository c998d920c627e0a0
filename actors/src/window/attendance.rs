//! What supervision asks of a window: its day so far (its states and who
//! was at it, for attendance, `core::attendance`) and whether it shows
//! 考勤异常.
//!
//! The window keeps today's log in memory: each applied change of state
//! or staff is noted at the hall clock's `now`. At start-up it is seeded
//! from the window events of today storage recovered ([`seed_log`]). The
//! attendance anomaly flag is derived (the supervision actor sets it) and
//! changes only the displayed state (`window_state::display_state`), never
//! the state machine; a change of it goes out as a `window` event so the
//! dashboard recolours the window.

use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use tracing::info;

use super::WindowActor;
use crate::clock::HallClock;
use crate::core::attendance::{StateChange, Timeline};
use crate::core::window_state::{display_state, WindowState};
use crate::events::{CommittedEvent, EventBody};
use crate::store::{Commit, StoreError};
use crate::views::WindowView;

/// The window's view and today's log of its states and staff.
#[derive(Message)]
#[rtype(result = "WindowActivity")]
pub struct GetActivity;

/// One change at a window: its state and who was logged in after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub state: WindowState,
    /// The staff member's id.
    pub staff: Option<String>,
}

/// A window's hall day so far: logged out with nobody at it from `start`,
/// then each entry in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayLog {
    pub start: DateTime<Utc>,
    pub entries: Vec<LogEntry>,
}

impl DayLog {
    /// A day beginning at `start` with nothing noted.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            start,
            entries: Vec::new(),
        }
    }

    /// Notes `state` and `staff` at `at` when either changed.
    pub fn note(&mut self, at: DateTime<Utc>, state: WindowState, staff: Option<&str>) {
        let same = self
            .entries
            .last()
            .map_or(state == WindowState::LoggedOut && staff.is_none(), |e| {
                e.state == state && e.staff.as_deref() == staff
            });
        if !same {
            self.entries.push(LogEntry {
                at,
                state,
                staff: staff.map(str::to_string),
            });
        }
    }

    /// The window's timeline of states (`core::attendance`).
    pub fn timeline(&self) -> Timeline {
        let mut changes: Vec<StateChange> = Vec::new();
        let mut last = WindowState::LoggedOut;
        for e in &self.entries {
            if e.state != last {
                last = e.state;
                changes.push(StateChange {
                    at: e.at,
                    state: e.state,
                    usual_service_s: None,
                });
            }
        }
        Timeline {
            start: self.start,
            initial: WindowState::LoggedOut,
            changes,
        }
    }
}

/// A window as supervision reads it.
#[derive(Debug, Clone)]
pub struct WindowActivity {
    pub view: WindowView,
    /// Its states since the start of the hall day.
    pub timeline: Timeline,
    /// Its states and who was at it since the start of the hall day (for
    /// staff members' shifts).
    pub log: DayLog,
    /// The queue of the ticket it has called or serves, if any.
    pub ticket_queue: Option<String>,
}

impl Handler<GetActivity> for WindowActor {
    type Result = MessageResult<GetActivity>;

    fn handle(&mut self, _: GetActivity, _: &mut Self::Context) -> Self::Result {
        self.roll_log(self.clock.now());
        MessageResult(WindowActivity {
            view: self.view(),
            timeline: self.day_log.timeline(),
            log: self.day_log.clone(),
            ticket_queue: self.ticket.as_ref().map(|t| t.queue.clone()),
        })
    }
}

/// Supervision found an attendance anomaly of this window holding (`true`)
/// or none (`false`). A change is published as a `window` event (answered
/// once committed); the same value again changes nothing.
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct SetAttendanceAnomaly(pub bool);

impl Handler<SetAttendanceAnomaly> for WindowActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, m: SetAttendanceAnomaly, _: &mut Self::Context) -> Self::Result {
        if self.anomaly == m.0 {
            return Box::pin(async { Ok(()) });
        }
        self.anomaly = m.0;
        info!(window = %self.cfg.id, anomaly = m.0, "attendance anomaly shown");
        let mut commit = Commit::default();
        commit.event(EventBody::Window(self.view()));
        match self.store.enqueue(commit) {
            Ok(done) => Box::pin(async move { done.await.map(|_| ()) }),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

impl WindowActor {
    /// `view` with the displayed state this window has now.
    pub(super) fn shown(&self, mut view: WindowView) -> WindowView {
        view.display_state = Some(display_state(view.state, self.anomaly));
        view
    }

    /// Notes the state and staff after an applied change in today's log.
    pub(super) fn note_state(&mut self) {
        let now = self.clock.now();
        self.roll_log(now);
        let staff = self.record.staff.as_ref().map(|s| s.id.clone());
        self.day_log.note(now, self.record.state, staff.as_deref());
    }

    /// A new hall day starts a new log in the state the window is in.
    fn roll_log(&mut self, now: DateTime<Utc>) {
        let began = self.clock.day_began(now);
        if began > self.day_log.start {
            self.day_log = DayLog::new(began);
            let staff = self.record.staff.as_ref().map(|s| s.id.clone());
            self.day_log
                .note(began, self.record.state, staff.as_deref());
        }
    }
}

/// Today's log of window `id` at start-up: logged out from the start of
/// the hall day, then each state and staff member its recovered `window`
/// events of today show, then `state` and `staff` (the recovered record)
/// now if the events did not reach them (they hold only the newest few
/// thousand).
pub fn seed_log(
    id: &str,
    state: WindowState,
    staff: Option<&str>,
    clock: &HallClock,
    recent: &[Arc<CommittedEvent>],
) -> DayLog {
    let now = clock.now();
    let start = clock.day_began(now);
    let mut log = DayLog::new(start);
    for e in recent.iter().filter(|e| e.ts >= start && e.ts <= now) {
        if let EventBody::Window(w) = &e.body {
            if w.id == id {
                log.note(e.ts, w.state, w.staff.as_ref().map(|s| s.id.as_str()));
            }
        }
    }
    log.note(now, state, staff);
    log
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 3, 2, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn event(seq: u64, ts: DateTime<Utc>, id: &str, state: WindowState) -> Arc<CommittedEvent> {
        let cfg = crate::testing::small_hall();
        let w = cfg.windows.iter().find(|w| w.id == id).unwrap();
        let desk = crate::core::window_actions::Desk {
            cfg: w,
            record: &crate::records::WindowRecord::fresh(),
            ticket: None,
            parked: &[],
            silent: false,
        };
        let record = crate::records::WindowRecord {
            state,
            ..crate::records::WindowRecord::fresh()
        };
        let view = crate::core::window_actions::view_of(&desk, &record, None);
        Arc::new(CommittedEvent {
            seq,
            ts,
            body: EventBody::Window(view),
        })
    }

    #[test]
    fn the_timeline_after_a_restart_comes_from_todays_events() {
        let cfg = crate::testing::small_hall();
        let clock = HallClock::of(&cfg).with_manual(ManualClock::leaked(at(10, 0)));
        let recent = vec![
            // Yesterday's and another window's do not count.
            event(
                1,
                at(9, 0) - chrono::Duration::days(1),
                "1",
                WindowState::Idle,
            ),
            event(2, at(9, 0), "1", WindowState::Idle),
            event(3, at(9, 1), "2", WindowState::Idle),
            event(4, at(9, 30), "1", WindowState::Paused),
        ];
        let log = seed_log("1", WindowState::Paused, None, &clock, &recent);
        let t = log.timeline();
        assert_eq!(t.start, clock.day_began(at(10, 0)));
        assert_eq!(t.initial, WindowState::LoggedOut);
        let seen: Vec<_> = t.changes.iter().map(|c| (c.at, c.state)).collect();
        assert_eq!(
            seen,
            [
                (at(9, 0), WindowState::Idle),
                (at(9, 30), WindowState::Paused)
            ]
        );
        // Events that do not reach the recovered state: it holds from now.
        let t = seed_log("2", WindowState::Serving, None, &clock, &recent).timeline();
        assert_eq!(
            t.changes.last().map(|c| (c.at, c.state)),
            Some((at(10, 0), WindowState::Serving))
        );
    }
}
