//! Escalation (告警升级): an alarm nobody has acknowledged within the
//! minutes configured for its severity (`[supervision.escalation]`) is sent
//! to the supervisor on duty through the notification webhook, and again
//! every `repeat_minutes` while it stays unacknowledged.
//!
//! [`due`] is a pure function of (alarms, now, config); the actor sends
//! what it returns and records each send with [`mark_escalated`], so the
//! next call does not return it again before its repeat is due.

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::lifecycle::{AlarmRecord, LifecycleError};
use super::{AlarmKind, Severity};
use crate::config::supervision::EscalationConfig;

/// One alarm to send to the supervisor on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// The alarm's id.
    pub alarm: String,
    pub kind: AlarmKind,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
    /// The supervisor on duty (a `[[supervisors]]` user); none when the
    /// duty roster names nobody for this time: the webhook's receiver
    /// decides.
    pub to: Option<String>,
    /// Whole minutes since the alarm was raised.
    pub unacknowledged_minutes: i64,
    /// False when it was escalated before (a repeat).
    pub first: bool,
}

/// The minutes an alarm of `severity` may stay unacknowledged; none: it is
/// never escalated.
pub fn limit_minutes(cfg: &EscalationConfig, severity: Severity) -> Option<u32> {
    match severity {
        Severity::Warning => cfg.warning_minutes,
        Severity::Error => cfg.error_minutes,
    }
}

/// The supervisor on duty at `now` (hall time `tz`): the first `duty`
/// entry whose hours hold the time of day.
pub fn on_duty(cfg: &EscalationConfig, now: DateTime<Utc>, tz: Tz) -> Option<&str> {
    let local = now.with_timezone(&tz);
    let minute = local.hour() * 60 + local.minute();
    cfg.duty
        .iter()
        .find(|d| {
            d.hours.iter().any(|h| {
                crate::hhmm::parse_range(h).is_some_and(|(a, b)| a <= minute && minute < b)
            })
        })
        .map(|d| d.user.as_str())
}

/// The alarms due for escalation at `now`: open, unacknowledged, raised at
/// least the severity's limit ago, and never escalated or last escalated at
/// least `repeat_minutes` ago. In the order given.
pub fn due<'a>(
    alarms: impl IntoIterator<Item = &'a AlarmRecord>,
    now: DateTime<Utc>,
    cfg: &EscalationConfig,
    tz: Tz,
) -> Vec<Escalation> {
    let to = on_duty(cfg, now, tz).map(str::to_string);
    alarms
        .into_iter()
        .filter(|r| r.is_open() && r.acknowledged.is_none())
        .filter_map(|r| {
            let limit = Duration::minutes(i64::from(limit_minutes(cfg, r.severity)?));
            if now - r.raised_at < limit {
                return None;
            }
            if let Some(last) = r.escalated_at {
                let repeat = Duration::minutes(i64::from(cfg.repeat_minutes?));
                if now - last < repeat {
                    return None;
                }
            }
            Some(Escalation {
                alarm: r.id.clone(),
                kind: r.kind,
                severity: r.severity,
                message_zh: r.message_zh.clone(),
                message_en: r.message_en.clone(),
                to: to.clone(),
                unacknowledged_minutes: (now - r.raised_at).num_minutes(),
                first: r.escalated_at.is_none(),
            })
        })
        .collect()
}

/// Records that the alarm was escalated at `now`.
pub fn mark_escalated(
    record: &AlarmRecord,
    now: DateTime<Utc>,
) -> Result<AlarmRecord, LifecycleError> {
    if let Some(at) = record.cleared_at {
        return Err(LifecycleError::Cleared {
            id: record.id.clone(),
            at,
        });
    }
    let last = record.last_time();
    if now < last {
        return Err(LifecycleError::ClockBehind {
            id: record.id.clone(),
            now,
            last,
        });
    }
    let mut next = record.clone();
    next.escalated_at = Some(now);
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::lifecycle::{acknowledge, clear, raise};
    use crate::config::supervision::DutyConfig;
    use chrono::TimeZone;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    /// 2026-03-02 09:00 hall time plus `min` minutes.
    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn record(kind: AlarmKind, at: i64) -> AlarmRecord {
        let a = kind.alarm(format!("x/{kind}"), "x", "测试", "test");
        raise(None, &a, t(at)).unwrap().record().clone()
    }

    fn config() -> EscalationConfig {
        EscalationConfig {
            warning_minutes: Some(15),
            error_minutes: Some(5),
            repeat_minutes: Some(30),
            duty: vec![
                DutyConfig {
                    user: "day".into(),
                    hours: vec!["08:00-18:00".into()],
                },
                DutyConfig {
                    user: "night".into(),
                    hours: vec!["00:00-08:00".into(), "18:00-24:00".into()],
                },
            ],
        }
    }

    #[test]
    fn an_error_escalates_after_its_minutes_to_the_supervisor_on_duty() {
        let cfg = config();
        let err = record(AlarmKind::PaperOut, 0);
        let warn = record(AlarmKind::QueueTooLong, 0);
        let alarms = [err.clone(), warn.clone()];
        assert!(due(&alarms, t(4), &cfg, TZ).is_empty());
        let now = due(&alarms, t(5), &cfg, TZ);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].alarm, err.id);
        assert_eq!(now[0].to.as_deref(), Some("day"));
        assert!(now[0].first);
        assert_eq!(now[0].unacknowledged_minutes, 5);
        let both = due(&alarms, t(15), &cfg, TZ);
        assert_eq!(both.len(), 2, "the warning after 15 minutes");
        // At 19:00 hall time the night supervisor is told.
        assert_eq!(
            due(&alarms, t(600), &cfg, TZ)[0].to.as_deref(),
            Some("night")
        );
    }

    #[test]
    fn once_sent_it_waits_for_the_repeat_and_acknowledged_or_cleared_never_go() {
        let cfg = config();
        let err = record(AlarmKind::DeviceOffline, 0);
        let sent = mark_escalated(&err, t(5)).unwrap();
        assert!(due([&sent], t(34), &cfg, TZ).is_empty());
        let again = due([&sent], t(35), &cfg, TZ);
        assert_eq!(again.len(), 1);
        assert!(!again[0].first);
        let once = EscalationConfig {
            repeat_minutes: None,
            ..cfg.clone()
        };
        assert!(due([&sent], t(500), &once, TZ).is_empty());
        let acked = acknowledge(&err, "admin", "", t(1)).unwrap();
        assert!(due([&acked], t(100), &cfg, TZ).is_empty());
        let cleared = clear(&err, t(2)).unwrap();
        assert!(due([&cleared], t(100), &cfg, TZ).is_empty());
        assert!(mark_escalated(&cleared, t(3)).is_err());
        assert!(mark_escalated(&err, t(-1)).is_err());
    }

    #[test]
    fn a_severity_without_minutes_is_never_escalated_and_nobody_on_duty_is_none() {
        let cfg = EscalationConfig {
            warning_minutes: None,
            duty: Vec::new(),
            ..config()
        };
        let warn = record(AlarmKind::PauseTooLong, 0);
        assert!(due([&warn], t(10_000), &cfg, TZ).is_empty());
        let err = record(AlarmKind::CoverOpen, 0);
        assert_eq!(due([&err], t(5), &cfg, TZ)[0].to, None);
    }
}
