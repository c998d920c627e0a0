//! Hall events: every change that matters outside an actor. Each is written
//! to the outbox in the same durable commit as the change itself, gets a
//! gap-free sequence number there, and only then reaches screens, terminals
//! and the dashboard.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alarm::AlarmView;
use crate::views::{CallView, QueueView, TicketView, WindowView};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum EventBody {
    /// A ticket was called (or re-announced) to a window.
    Call(CallView),
    Window(WindowView),
    Queue(QueueView),
    /// A ticket changed: issued, called, started, finished, skipped.
    Ticket(TicketView),
    /// Who did what and why, for supervisors' audit (strategy changes,
    /// out-of-order calls, windows disabled).
    Audit(AuditEntry),
    /// An alarm was raised or changed (`active: true`) or cleared.
    Alarm(AlarmView),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Staff id or supervisor user.
    pub who: String,
    pub action: String,
    /// What it acted on: a window, a ticket, the hall.
    pub target: String,
    pub reason: Option<String>,
    /// Anything else worth keeping, as JSON.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl EventBody {
    /// The envelope type on WebSocket streams.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Call(_) => "call",
            EventBody::Window(_) => "window",
            EventBody::Queue(_) => "queue",
            EventBody::Ticket(_) => "ticket",
            EventBody::Audit(_) => "audit",
            EventBody::Alarm(_) => "alarm",
        }
    }
}

/// An event after its durable commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommittedEvent {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    #[serde(flatten)]
    pub body: EventBody,
}
