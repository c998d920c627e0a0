//! The audit entries of staff and supervisor actions at a window (issue 8,
//! item 13): login, logout, pause (with its reason), resume, skip (过号) and
//! a supervisor enabling or disabling the window. They go into the same
//! commit as the change they record. (Named calls are
//! `window_actions::out_of_order_audit`; transfers are audited where they
//! are planned.)

use serde_json::json;
use tingwu_protocols::terminal::{Action, TerminalCommand};

use crate::config::WindowConfig;
use crate::events::{AuditEntry, EventBody};
use crate::records::WindowRecord;
use crate::ticket::Ticket;

/// The audit entry of a terminal command that took effect, if its action
/// is audited. `before` and `after` are the window's record around the
/// change; `ticket` the ticket record the command wrote, if any.
pub fn of_command(
    cfg: &WindowConfig,
    cmd: &TerminalCommand,
    before: &WindowRecord,
    after: &WindowRecord,
    ticket: Option<&Ticket>,
) -> Option<EventBody> {
    let action = match cmd.action {
        Action::Login => "login",
        Action::Logout => "logout",
        Action::Pause => "pause",
        Action::Resume => "resume",
        Action::Skip => "skip",
        _ => return None,
    };
    // Who acted: the person logging in, else whoever was on duty.
    let who = after
        .staff
        .as_ref()
        .or(before.staff.as_ref())
        .map_or_else(|| format!("window {}", cfg.id), |s| s.id.clone());
    let (target, detail) = match (cmd.action, ticket) {
        (Action::Skip, Some(t)) => (
            t.id.clone(),
            json!({"window": cfg.id, "number": t.number, "status": t.status}),
        ),
        _ => (cfg.id.clone(), json!({"window": cfg.id})),
    };
    Some(EventBody::Audit(AuditEntry {
        who,
        action: action.into(),
        target,
        reason: cmd.reason.clone(),
        detail,
    }))
}

/// The audit entry of supervisor `by` enabling or disabling window `window`.
pub fn of_enabled(window: &str, enabled: bool, by: &str, reason: Option<String>) -> EventBody {
    EventBody::Audit(AuditEntry {
        who: by.to_string(),
        action: if enabled {
            "window_enabled"
        } else {
            "window_disabled"
        }
        .into(),
        target: window.to_string(),
        reason,
        detail: json!({"window": window, "enabled": enabled}),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabling_and_disabling_name_the_supervisor() {
        let EventBody::Audit(a) = of_enabled("3", false, "admin", Some("维修".into())) else {
            panic!("not an audit entry");
        };
        assert_eq!(
            (a.who.as_str(), a.action.as_str(), a.target.as_str()),
            ("admin", "window_disabled", "3")
        );
        assert_eq!(a.reason.as_deref(), Some("维修"));
    }
}
