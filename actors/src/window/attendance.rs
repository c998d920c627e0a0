//! What supervision asks of a window: its day so far (the timeline of its
//! states, for attendance, `core::attendance`) and whether it shows 考勤异常.
//!
//! The window keeps today's timeline in memory: each applied change of
//! state is noted at the hall clock's `now`. At start-up it is seeded from
//! the window events of today storage recovered ([`seed_timeline`]). The
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

/// The window's view and today's timeline of its states.
#[derive(Message)]
#[rtype(result = "WindowActivity")]
pub struct GetActivity;

/// A window as supervision reads it.
#[derive(Debug, Clone)]
pub struct WindowActivity {
    pub view: WindowView,
    /// Its states since the start of the hall day.
    pub timeline: Timeline,
    /// The queue of the ticket it has called or serves, if any.
    pub ticket_queue: Option<String>,
}

impl Handler<GetActivity> for WindowActor {
    type Result = MessageResult<GetActivity>;

    fn handle(&mut self, _: GetActivity, _: &mut Self::Context) -> Self::Result {
        self.roll_timeline(self.clock.now());
        MessageResult(WindowActivity {
            view: self.view(),
            timeline: self.timeline.clone(),
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

    /// Notes the state after an applied change in today's timeline.
    pub(super) fn note_state(&mut self, state: WindowState) {
        let now = self.clock.now();
        self.roll_timeline(now);
        let last = self
            .timeline
            .changes
            .last()
            .map_or(self.timeline.initial, |c| c.state);
        if last != state {
            self.timeline.changes.push(StateChange {
                at: now,
                state,
                usual_service_s: None,
            });
        }
    }

    /// A new hall day starts a new timeline in the state the window is in.
    fn roll_timeline(&mut self, now: DateTime<Utc>) {
        let began = self.clock.day_began(now);
        if began > self.timeline.start {
            self.timeline = Timeline {
                start: began,
                initial: self.record.state,
                changes: Vec::new(),
            };
        }
    }
}

/// Today's timeline of window `id` at start-up: logged out from the start
/// of the hall day, then each state its recovered `window` events of today
/// show, then `state` (the recovered record) now if the events did not
/// reach it (they hold only the newest few thousand).
pub fn seed_timeline(
    id: &str,
    state: WindowState,
    clock: &HallClock,
    recent: &[Arc<CommittedEvent>],
) -> Timeline {
    let now = clock.now();
    let start = clock.day_began(now);
    let mut timeline = Timeline {
        start,
        initial: WindowState::LoggedOut,
        changes: Vec::new(),
    };
    let mut last = WindowState::LoggedOut;
    for e in recent.iter().filter(|e| e.ts >= start && e.ts <= now) {
        if let EventBody::Window(w) = &e.body {
            if w.id == id && w.state != last {
                last = w.state;
                timeline.changes.push(StateChange {
                    at: e.ts,
                    state: w.state,
                    usual_service_s: None,
                });
            }
        }
    }
    if last != state {
        timeline.changes.push(StateChange {
            at: now,
            state,
            usual_service_s: None,
        });
    }
    timeline
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
        let t = seed_timeline("1", WindowState::Paused, &clock, &recent);
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
        let t = seed_timeline("2", WindowState::Serving, &clock, &recent);
        assert_eq!(
            t.changes.last().map(|c| (c.at, c.state)),
            Some((at(10, 0), WindowState::Serving))
        );
    }
}
