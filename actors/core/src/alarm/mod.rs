//! Alarms (告警) as data: what is wrong with what, and how the dashboard and
//! the API show it. The actor that keeps the active ones is
//! `tingwu_actors::alarm::AlarmActor`.
//!
//! The alarm engine's rules, one concept per file:
//!
//! - [`kind`]: [`AlarmKind`], every kind of alarm the hall raises (issue 9)
//!   with its default [`Severity`];
//! - [`lifecycle`]: one occurrence's record and its pure state machine
//!   raise → acknowledge (who, when, note) → clear, with de-duplication
//!   and typed refusals;
//! - [`history`]: the schema-versioned entry kept for durable history;
//! - [`escalation`]: which unacknowledged alarms are due to go to the
//!   supervisor on duty, as a function of (alarms, now, config);
//! - [`thresholds`]: the queue and window threshold rules over a hall
//!   snapshot and `now`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod escalation;
pub mod history;
pub mod kind;
pub mod lifecycle;
pub mod thresholds;

pub use kind::AlarmKind;

/// How pressing an alarm is. Ordered: `Warning < Error`, so "at least a
/// given severity" (escalation) is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Works, but someone should act soon (paper near end).
    Warning,
    /// Out of service until someone acts (paper end, cover open, offline).
    Error,
}

/// An alarm to raise. Its `id` names what is wrong with what
/// (`printer/P1/paper_near_end`): raising the same id again with the same
/// content changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub id: String,
    /// The device or part: `printer/P1`.
    pub source: String,
    /// What is wrong: `paper_near_end`, `out_of_service`, …
    pub kind: String,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
}

/// An alarm as the dashboard and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmView {
    pub id: String,
    pub source: String,
    pub kind: String,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
    pub raised_at: DateTime<Utc>,
    /// False in the event that clears it.
    pub active: bool,
    #[serde(default)]
    pub cleared_at: Option<DateTime<Utc>>,
    /// Who acknowledged it, when, with what note; left out of the JSON
    /// until then (an optional field: no new event version, see
    /// `events.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<lifecycle::Acknowledgement>,
}
