//! One supervision pass as plain functions over what the actors answered:
//! the hall snapshot for the threshold rules (`core::alarm::thresholds`),
//! each window's attendance anomalies (`core::attendance`), and the alarms
//! that hold. No actor and no I/O here, so the actor's tests and these
//! agree by construction.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::alarm::thresholds::{self, HallSnapshot, QueueSnapshot, WindowSnapshot};
use crate::core::alarm::{Alarm, AlarmKind};
use crate::core::attendance::{self, Anomaly, AnomalyKind, StateChange, Subject, Timeline};
use crate::core::calendar::{local_date, CalendarError};
use crate::core::window_state::WindowState;
use crate::queue::QueueLoad;
use crate::window::WindowActivity;

/// The alarm kinds supervision raises and so may clear: the thresholds'
/// and attendance's.
pub fn own_kind(kind: AlarmKind) -> bool {
    thresholds::KINDS.contains(&kind) || kind == AlarmKind::AttendanceAnomaly
}

/// The usual service time of `queue` in seconds, when known.
fn usual_of(loads: &[QueueLoad], queue: Option<&str>) -> Option<u32> {
    let q = queue?;
    loads
        .iter()
        .find(|l| l.view.id == q)
        .map(|l| l.usual_service_s)
        .filter(|&s| s > 0)
}

/// The window's timeline with the usual service time of its current
/// ticket's queue on its last change (a service in progress).
fn timeline_of(w: &WindowActivity, loads: &[QueueLoad]) -> Timeline {
    let mut t = w.timeline.clone();
    if let Some(last) = t.changes.last_mut() {
        if last.usual_service_s.is_none() {
            last.usual_service_s = usual_of(loads, w.ticket_queue.as_deref());
        }
    }
    t
}

/// The hall as the threshold rules see it at `now`. Disabled windows (停用)
/// are left out: they call nobody and nobody expects them to.
pub fn snapshot(
    loads: &[QueueLoad],
    windows: &[WindowActivity],
    now: DateTime<Utc>,
) -> HallSnapshot {
    HallSnapshot {
        queues: loads
            .iter()
            .map(|l| QueueSnapshot {
                id: l.view.id.clone(),
                name: l.view.name.clone(),
                waiting: l.view.waiting,
                oldest_since: l.oldest_since,
            })
            .collect(),
        windows: windows
            .iter()
            .filter(|w| w.view.enabled)
            .map(|w| {
                let since = w
                    .timeline
                    .spans(now)
                    .last()
                    .map_or(w.timeline.start, |s| s.from);
                WindowSnapshot {
                    id: w.view.id.clone(),
                    name: w.view.name.clone(),
                    state: w.view.state,
                    since,
                    queues: w.view.queues.iter().map(|q| q.queue.clone()).collect(),
                    usual_service_s: usual_of(loads, w.ticket_queue.as_deref()),
                }
            })
            .collect(),
    }
}

/// What one pass found.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// Every alarm that holds now, one per id.
    pub holding: Vec<Alarm>,
    /// Each enabled window's anomalies of today (ended ones included).
    pub anomalies: BTreeMap<String, Vec<Anomaly>>,
    /// The shift anomalies of today (not logged in, left early) of each
    /// staff member with an own shift (`shifts = [{ staff = … }]`).
    pub staff_anomalies: BTreeMap<String, Vec<Anomaly>>,
    /// Why no shift was counted today (a year without a holiday notice).
    pub calendar_error: Option<CalendarError>,
}

impl Findings {
    /// Whether an anomaly of window `id` holds now.
    pub fn anomaly_holds(&self, id: &str) -> bool {
        self.anomalies
            .get(id)
            .is_some_and(|list| attendance::ongoing(list).next().is_some())
    }
}

/// The threshold alarms and the attendance anomalies of the hall at `now`.
pub fn find(
    config: &HallConfig,
    clock: &HallClock,
    loads: &[QueueLoad],
    windows: &[WindowActivity],
    now: DateTime<Utc>,
) -> Findings {
    let sup = &config.supervision;
    let mut out = Findings::default();
    let mut ids = BTreeSet::new();
    for a in thresholds::evaluate(&snapshot(loads, windows, now), now, sup) {
        if ids.insert(a.id.clone()) {
            out.holding.push(a);
        }
    }
    let date = local_date(now, clock.tz);
    for w in windows.iter().filter(|w| w.view.enabled) {
        let subject = Subject::Window(w.view.id.clone());
        let shifts = match attendance::shifts_on(
            &sup.attendance,
            &subject,
            date,
            clock.tz,
            &config.calendar.days,
        ) {
            Ok(s) => s,
            Err(e) => {
                out.calendar_error = Some(e);
                Vec::new()
            }
        };
        let found = attendance::anomalies(&timeline_of(w, loads), &shifts, &sup.attendance, now);
        for a in attendance::ongoing(&found) {
            let alarm = a.alarm(&subject, &w.view.name, &w.view.name_en);
            if ids.insert(alarm.id.clone()) {
                out.holding.push(alarm);
            }
        }
        out.anomalies.insert(w.view.id.clone(), found);
    }
    let staffed = sup
        .attendance
        .shifts
        .iter()
        .filter_map(|s| s.staff.as_deref());
    for id in staffed {
        let subject = Subject::Staff(id.to_string());
        let shifts = match attendance::shifts_on(
            &sup.attendance,
            &subject,
            date,
            clock.tz,
            &config.calendar.days,
        ) {
            Ok(s) => s,
            Err(e) => {
                out.calendar_error = Some(e);
                Vec::new()
            }
        };
        let timeline = staff_timeline(id, clock.day_began(now), windows);
        // Pauses and services are the window's; a person's shift is theirs.
        let found: Vec<Anomaly> = attendance::anomalies(&timeline, &shifts, &sup.attendance, now)
            .into_iter()
            .filter(|a| matches!(a.kind, AnomalyKind::NotLoggedIn | AnomalyKind::LeftEarly))
            .collect();
        let name = config
            .staff
            .iter()
            .find(|s| s.id == id)
            .map_or(id, |s| s.name.as_str());
        for a in attendance::ongoing(&found) {
            let alarm = a.alarm(&subject, name, name);
            if ids.insert(alarm.id.clone()) {
                out.holding.push(alarm);
            }
        }
        out.staff_anomalies.insert(id.to_string(), found);
    }
    out
}

/// The day of staff member `staff` from the windows' logs: at a window in
/// that window's state while logged in there, otherwise logged out (a
/// person is at one window at a time).
pub fn staff_timeline(staff: &str, start: DateTime<Utc>, windows: &[WindowActivity]) -> Timeline {
    let mut changes = Vec::new();
    for w in windows {
        let mut here = false;
        for e in &w.log.entries {
            if e.staff.as_deref() == Some(staff) {
                here = true;
                changes.push(StateChange {
                    at: e.at,
                    state: e.state,
                    usual_service_s: None,
                });
            } else if here {
                here = false;
                changes.push(StateChange {
                    at: e.at,
                    state: WindowState::LoggedOut,
                    usual_service_s: None,
                });
            }
        }
    }
    changes.sort_by_key(|c| c.at);
    Timeline {
        start,
        initial: WindowState::LoggedOut,
        changes,
    }
}
