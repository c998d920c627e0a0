//! Threshold alarms over a snapshot of the hall at `now`
//! (`[supervision]` in the config):
//!
//! - `queue_wait_too_long`: a queue's longest wait reached its threshold
//!   (minutes, `queues.longest_wait_minutes` or the queue's own);
//! - `queue_too_long`: more people wait than its threshold (`max_waiting`);
//! - `window_idle_while_waiting`: a window has been idle while a queue it
//!   serves had people waiting, both for `idle_while_waiting_minutes`;
//! - `pause_too_long`: paused for `attendance.max_pause_minutes` or more;
//! - `service_too_long`: serving for `service_multiple` times the item's
//!   usual time and at least `service_min_minutes`.
//!
//! [`evaluate`] returns the alarms whose condition holds now; [`reconcile`]
//! turns them and the ids already open into raises and clears. Alarm ids
//! are stable per condition (`queue/A/queue_too_long`), so raising again
//! while it holds is a repeat (see `super::lifecycle`).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{Alarm, AlarmKind};
use crate::config::supervision::{AttendanceConfig, SupervisionConfig};
use crate::window_state::WindowState;

/// A queue as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSnapshot {
    pub id: String,
    /// Its name for the messages (综合业务).
    pub name: String,
    pub waiting: u64,
    /// When the ticket waiting longest arrived (none: nobody waits).
    pub oldest_since: Option<DateTime<Utc>>,
}

/// A window as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSnapshot {
    pub id: String,
    /// Its name for the messages (3号窗口).
    pub name: String,
    pub state: WindowState,
    /// When it entered `state`.
    pub since: DateTime<Utc>,
    /// The queues it serves.
    pub queues: Vec<String>,
    /// While serving: the item's usual service time in seconds (the
    /// estimate), when known.
    pub usual_service_s: Option<u32>,
}

/// The hall at one instant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HallSnapshot {
    pub queues: Vec<QueueSnapshot>,
    pub windows: Vec<WindowSnapshot>,
}

/// The kinds these rules raise (and so may clear).
pub const KINDS: [AlarmKind; 5] = [
    AlarmKind::QueueWaitTooLong,
    AlarmKind::QueueTooLong,
    AlarmKind::WindowIdleWhileWaiting,
    AlarmKind::PauseTooLong,
    AlarmKind::ServiceTooLong,
];

/// The id of `kind`'s alarm on `source` (`queue/A`, `window/3`).
pub fn alarm_id(source: &str, kind: AlarmKind) -> String {
    format!("{source}/{kind}")
}

fn minutes(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// Whether a pause that began at `since` is too long at `now`.
pub fn pause_too_long(since: DateTime<Utc>, now: DateTime<Utc>, cfg: &AttendanceConfig) -> bool {
    now - since >= minutes(cfg.max_pause_minutes)
}

/// How long a service of an item usually taking `usual_s` seconds may run:
/// `service_multiple` times that, but never less than
/// `service_min_minutes` (none known: the minimum alone).
pub fn service_limit(usual_s: Option<u32>, cfg: &AttendanceConfig) -> Duration {
    let floor = minutes(cfg.service_min_minutes);
    let multiple = usual_s
        .map(|s| Duration::seconds(i64::from(s) * i64::from(cfg.service_multiple)))
        .unwrap_or(floor);
    multiple.max(floor)
}

/// Whether a service that began at `since` is too long at `now`.
pub fn service_too_long(
    since: DateTime<Utc>,
    usual_s: Option<u32>,
    now: DateTime<Utc>,
    cfg: &AttendanceConfig,
) -> bool {
    now - since >= service_limit(usual_s, cfg)
}

fn queue_alarms(
    q: &QueueSnapshot,
    now: DateTime<Utc>,
    cfg: &SupervisionConfig,
    out: &mut Vec<Alarm>,
) {
    let (wait_min, max_waiting) = cfg.queues.for_queue(&q.id);
    let source = format!("queue/{}", q.id);
    if let Some(since) = q.oldest_since.filter(|_| q.waiting > 0) {
        let waited = (now - since).num_minutes();
        if now - since >= minutes(wait_min) {
            let k = AlarmKind::QueueWaitTooLong;
            out.push(k.alarm(
                alarm_id(&source, k),
                &source,
                format!(
                    "{} 最长等候已 {waited} 分钟（阈值 {wait_min} 分钟）",
                    q.name
                ),
                format!(
                    "{}: longest wait {waited} min (threshold {wait_min} min)",
                    q.id
                ),
            ));
        }
    }
    if q.waiting > u64::from(max_waiting) {
        let k = AlarmKind::QueueTooLong;
        out.push(k.alarm(
            alarm_id(&source, k),
            &source,
            format!("{} 等候 {} 人（阈值 {max_waiting} 人）", q.name, q.waiting),
            format!("{}: {} waiting (threshold {max_waiting})", q.id, q.waiting),
        ));
    }
}

fn window_alarms(
    w: &WindowSnapshot,
    hall: &HallSnapshot,
    now: DateTime<Utc>,
    cfg: &SupervisionConfig,
    out: &mut Vec<Alarm>,
) {
    let source = format!("window/{}", w.id);
    match w.state {
        WindowState::Idle => {
            let limit = minutes(cfg.idle_while_waiting_minutes);
            // The time both held: idle since `w.since`, people waiting in
            // a served queue since its oldest ticket arrived.
            let waiting = hall
                .queues
                .iter()
                .filter(|q| q.waiting > 0 && w.queues.contains(&q.id))
                .filter_map(|q| q.oldest_since.map(|s| (q, s.max(w.since))))
                .filter(|(_, both)| now - *both >= limit)
                .map(|(q, _)| q.id.as_str())
                .collect::<Vec<_>>();
            if !waiting.is_empty() {
                let k = AlarmKind::WindowIdleWhileWaiting;
                let list = waiting.join(", ");
                let m = cfg.idle_while_waiting_minutes;
                out.push(k.alarm(
                    alarm_id(&source, k),
                    &source,
                    format!("{} 空闲超过 {m} 分钟，队列 {list} 有人等候", w.name),
                    format!("Window {} idle over {m} min while queue {list} waits", w.id),
                ));
            }
        }
        WindowState::Paused if pause_too_long(w.since, now, &cfg.attendance) => {
            let k = AlarmKind::PauseTooLong;
            let m = (now - w.since).num_minutes();
            out.push(k.alarm(
                alarm_id(&source, k),
                &source,
                format!("{} 已暂停 {m} 分钟", w.name),
                format!("Window {} paused for {m} min", w.id),
            ));
        }
        WindowState::Serving
            if service_too_long(w.since, w.usual_service_s, now, &cfg.attendance) =>
        {
            let k = AlarmKind::ServiceTooLong;
            let m = (now - w.since).num_minutes();
            out.push(k.alarm(
                alarm_id(&source, k),
                &source,
                format!("{} 本次办理已 {m} 分钟，远超通常用时", w.name),
                format!(
                    "Window {}: this service has run {m} min, far beyond usual",
                    w.id
                ),
            ));
        }
        _ => {}
    }
}

/// Every threshold alarm whose condition holds at `now`.
pub fn evaluate(hall: &HallSnapshot, now: DateTime<Utc>, cfg: &SupervisionConfig) -> Vec<Alarm> {
    let mut out = Vec::new();
    for q in &hall.queues {
        queue_alarms(q, now, cfg, &mut out);
    }
    for w in &hall.windows {
        window_alarms(w, hall, now, cfg, &mut out);
    }
    out
}

/// Raises and clears that bring the open threshold alarms in line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Every alarm that holds (a repeat of an open one only counts).
    pub raise: Vec<Alarm>,
    /// Open alarm ids whose condition no longer holds.
    pub clear: Vec<String>,
}

/// Given the ids of the open alarms of [`KINDS`] and the alarms that hold
/// now ([`evaluate`]): raise those, clear the rest.
pub fn reconcile<'a>(open: impl IntoIterator<Item = &'a str>, holding: Vec<Alarm>) -> Reconciled {
    let held: BTreeSet<&str> = holding.iter().map(|a| a.id.as_str()).collect();
    let clear = open
        .into_iter()
        .filter(|id| !held.contains(id))
        .map(str::to_string)
        .collect();
    Reconciled {
        raise: holding,
        clear,
    }
}

#[cfg(test)]
#[path = "thresholds_tests.rs"]
mod tests;
