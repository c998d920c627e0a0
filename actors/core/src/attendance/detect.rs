//! The anomalies of one day's timeline against its shifts, at `now`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::shifts::{Shift, Subject};
use super::timeline::{Span, Timeline};
use crate::alarm::thresholds::{alarm_id, service_limit};
use crate::alarm::{Alarm, AlarmKind};
use crate::config::supervision::AttendanceConfig;
use crate::window_state::WindowState;

/// What kind of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// 未按时登录: still logged out `login_grace_minutes` into a shift.
    NotLoggedIn,
    /// 早退: logged out more than `leave_grace_minutes` before a shift ends.
    LeftEarly,
    /// 暂停超时: a pause of `max_pause_minutes` or more.
    PausedTooLong,
    /// 办理超时: a service far beyond the item's usual time.
    ServiceTooLong,
}

impl AnomalyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::NotLoggedIn => "not_logged_in",
            AnomalyKind::LeftEarly => "left_early",
            AnomalyKind::PausedTooLong => "paused_too_long",
            AnomalyKind::ServiceTooLong => "service_too_long",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AnomalyKind::NotLoggedIn => "未按时登录",
            AnomalyKind::LeftEarly => "早退",
            AnomalyKind::PausedTooLong => "暂停超时",
            AnomalyKind::ServiceTooLong => "办理超时",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AnomalyKind::NotLoggedIn => "Not logged in on time",
            AnomalyKind::LeftEarly => "Left early",
            AnomalyKind::PausedTooLong => "Paused too long",
            AnomalyKind::ServiceTooLong => "Service too long",
        }
    }

    /// The alarm kind it raises: pauses and services share the alarm
    /// engine's kinds (and ids, so either side raising is one alarm).
    pub fn alarm_kind(self) -> AlarmKind {
        match self {
            AnomalyKind::NotLoggedIn | AnomalyKind::LeftEarly => AlarmKind::AttendanceAnomaly,
            AnomalyKind::PausedTooLong => AlarmKind::PauseTooLong,
            AnomalyKind::ServiceTooLong => AlarmKind::ServiceTooLong,
        }
    }
}

/// One anomaly: from when it counts (`since`) to when it ended (`until`;
/// none: it still holds at `now`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    /// The shift it is against (not logged in, left early).
    #[serde(default)]
    pub shift: Option<Shift>,
}

impl Anomaly {
    /// The alarm for `subject` while the anomaly holds. Ids:
    /// `window/3/attendance/not_logged_in`, `window/3/attendance/left_early`,
    /// and the alarm engine's `window/3/pause_too_long`,
    /// `window/3/service_too_long`.
    /// `name` and `name_en` name the window or person in each language
    /// (an empty `name_en` falls back to `name`).
    pub fn alarm(&self, subject: &Subject, name: &str, name_en: &str) -> Alarm {
        let source = subject.source();
        let kind = self.kind.alarm_kind();
        let id = match self.kind {
            AnomalyKind::NotLoggedIn | AnomalyKind::LeftEarly => {
                format!("{source}/attendance/{}", self.kind.as_str())
            }
            AnomalyKind::PausedTooLong | AnomalyKind::ServiceTooLong => alarm_id(&source, kind),
        };
        kind.alarm(
            id,
            &source,
            format!("考勤异常：{name} {}", self.kind.label_zh()),
            format!(
                "Attendance anomaly ({}) at {}",
                self.kind.label_en(),
                if name_en.is_empty() { name } else { name_en }
            ),
        )
    }
}

fn logged_in(s: WindowState) -> bool {
    s != WindowState::LoggedOut
}

fn min(m: u32) -> Duration {
    Duration::minutes(i64::from(m))
}

/// When a span overlapping `[from, to)` first holds a logged-in state.
fn first_login(spans: &[Span], from: DateTime<Utc>, to: DateTime<Utc>) -> Option<DateTime<Utc>> {
    spans
        .iter()
        .filter(|s| logged_in(s.state))
        .filter(|s| s.from < to && s.to.is_none_or(|end| end > from))
        .map(|s| s.from.max(from))
        .min()
}

/// An interval `[since, end)` closed at `cap` (the shift's end) once `now`
/// has passed it.
fn close(
    end: Option<DateTime<Utc>>,
    cap: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match end {
        Some(e) => Some(e.min(cap)),
        None if now >= cap => Some(cap),
        None => None,
    }
}

fn shift_anomalies(
    spans: &[Span],
    shift: Shift,
    cfg: &AttendanceConfig,
    now: DateTime<Utc>,
    out: &mut Vec<Anomaly>,
) {
    let due = shift.start + min(cfg.login_grace_minutes);
    if due < shift.end
        && now >= due
        && first_login(spans, shift.start, due + Duration::seconds(1)).is_none()
    {
        let back = first_login(spans, due, shift.end).filter(|&t| t <= now);
        out.push(Anomaly {
            kind: AnomalyKind::NotLoggedIn,
            since: due,
            until: close(back, shift.end, now),
            shift: Some(shift),
        });
    }
    let latest_leave = shift.end - min(cfg.leave_grace_minutes);
    for pair in spans.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let left = after.from;
        if logged_in(before.state)
            && !logged_in(after.state)
            && left > shift.start
            && left < latest_leave
            && left <= now
        {
            let back = first_login(spans, left, shift.end).filter(|&t| t <= now);
            out.push(Anomaly {
                kind: AnomalyKind::LeftEarly,
                since: left,
                until: close(back, shift.end, now),
                shift: Some(shift),
            });
        }
    }
}

/// The anomalies of `timeline` at `now` against `shifts` (see
/// [`super::shifts_on`]), in time order. Pauses and services count
/// whether or not a shift is on; logins and leaving only against a shift.
pub fn anomalies(
    timeline: &Timeline,
    shifts: &[Shift],
    cfg: &AttendanceConfig,
    now: DateTime<Utc>,
) -> Vec<Anomaly> {
    let spans = timeline.spans(now);
    let mut out = Vec::new();
    for &shift in shifts {
        shift_anomalies(&spans, shift, cfg, now, &mut out);
    }
    for s in &spans {
        let limit = match s.state {
            WindowState::Paused => min(cfg.max_pause_minutes),
            WindowState::Serving => service_limit(s.usual_service_s, cfg),
            _ => continue,
        };
        // Ongoing: it holds from the limit on; ended: only if it ran past.
        let holds = match s.to {
            None => now - s.from >= limit,
            Some(to) => to - s.from > limit,
        };
        if holds {
            out.push(Anomaly {
                kind: if s.state == WindowState::Paused {
                    AnomalyKind::PausedTooLong
                } else {
                    AnomalyKind::ServiceTooLong
                },
                since: s.from + limit,
                until: s.to,
                shift: None,
            });
        }
    }
    out.sort_by_key(|a| (a.since, a.kind));
    out
}

/// The anomalies that still hold.
pub fn ongoing(anomalies: &[Anomaly]) -> impl Iterator<Item = &Anomaly> {
    anomalies.iter().filter(|a| a.until.is_none())
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
