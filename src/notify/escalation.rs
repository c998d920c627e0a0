//! Escalation of unacknowledged alarms (告警升级): every
//! [`ESCALATE_EVERY`] the alarm actor is asked which open alarms have gone
//! unacknowledged past `[supervision.escalation]` (the rule is
//! `tingwu_core::alarm::escalation::due`; the actor marks each durably so
//! it is sent once per repeat period), and each goes to the webhook,
//! addressed to the supervisor on duty, through the same outbox as the
//! citizens' notices. `docs/notify.md` shows the body.

use std::time::Duration;

use serde_json::json;
use tingwu_actors::alarm::DueEscalations;
use tingwu_actors::core::alarm::escalation::Escalation;
use tingwu_actors::directory::Directory;
use tracing::{info, warn};

use super::notice::{Kind, Notice};
use super::outbox::Outbox;

/// How often due escalations are looked for.
pub const ESCALATE_EVERY: Duration = Duration::from_secs(5);

/// The webhook body of one escalation (`"type": "alarm_escalation"`).
pub fn notice(hall: &str, e: &Escalation) -> Notice {
    let id = format!("alarm/{}/escalated/{}", e.alarm, e.unacknowledged_minutes);
    let body = json!({
        "type": Kind::Escalation.as_str(),
        "id": id,
        "hall": hall,
        "alarm": e.alarm,
        "kind": e.kind,
        "severity": e.severity,
        "to": e.to,
        "unacknowledged_minutes": e.unacknowledged_minutes,
        "text": format!("【告警未确认】{}（已{}分钟）", e.message_zh, e.unacknowledged_minutes),
        "text_en": format!("[Unacknowledged alarm] {} ({} min)", e.message_en, e.unacknowledged_minutes),
    });
    Notice {
        id,
        kind: Kind::Escalation,
        // One lane per alarm: escalations of one alarm go in order.
        ticket: format!("alarm:{}", e.alarm),
        // Not an event of the outbox: never holds the notifier's cursor back.
        seq: u64::MAX,
        phone_masked: e.to.clone().unwrap_or_default(),
        body: body.to_string().into_bytes(),
    }
}

/// Runs for ever: looks for due escalations and queues them.
pub async fn run(dir: Directory, outbox: Outbox) {
    let cfg = dir.config.supervision.escalation.clone();
    let tz = dir.config.tz();
    let mut tick = tokio::time::interval(ESCALATE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = dir
            .alarms
            .send(DueEscalations {
                config: cfg.clone(),
                tz,
            })
            .await;
        match due {
            Ok(Ok(due)) => {
                for e in due {
                    info!(alarm = %e.alarm, to = ?e.to, minutes = e.unacknowledged_minutes, "alarm escalated to the supervisor on duty");
                    metrics::counter!("tingwu_alarm_escalations_total", "kind" => e.kind.as_str())
                        .increment(1);
                    outbox.push(notice(&dir.config.hall.id, &e));
                }
            }
            Ok(Err(err)) => warn!(error = %err, "alarm escalations could not be marked"),
            Err(_) => return, // the hall is stopping
        }
    }
}
