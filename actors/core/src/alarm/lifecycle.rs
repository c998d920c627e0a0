//! One alarm occurrence and its lifecycle: raise → acknowledge (who, when,
//! note) → clear, as a pure state machine.
//!
//! - **De-duplication**: raising an alarm whose occurrence is still open
//!   (active or acknowledged) starts nothing new: the same content only
//!   counts one more sighting (`count`, `last_seen`); a changed severity or
//!   text is taken over, keeping when it was first raised and who
//!   acknowledged it.
//! - **Acknowledge** once, while the occurrence is open; a cleared one or
//!   one already acknowledged is refused ([`LifecycleError`]).
//! - **Clear** once; the occurrence is then closed for good. Raising the
//!   same id afterwards starts a new occurrence.
//! - Nothing goes backwards: the [`Stage`] only rises, and no time recorded
//!   is before the one it follows (a `now` earlier than the last recorded
//!   time is refused as [`LifecycleError::ClockBehind`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Alarm, AlarmKind, AlarmView, Severity};

/// Who acknowledged an alarm, when, and what they said (处理说明).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The supervisor's user id.
    pub by: String,
    pub at: DateTime<Utc>,
    /// Free text; may be empty.
    #[serde(default)]
    pub note: String,
}

/// Where an occurrence stands. Ordered: it only ever moves up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Raised, nobody has acknowledged it.
    Active,
    /// A supervisor has taken it on; the condition may still hold.
    Acknowledged,
    /// The condition is over (the device came back, the queue shortened).
    Cleared,
}

/// One occurrence of an alarm, from its raise to its clear: what the alarm
/// actor keeps, the dashboard lists and durable history records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmRecord {
    /// What is wrong with what: `printer/P1/paper_near_end`.
    pub id: String,
    pub kind: AlarmKind,
    /// The device, queue or window: `printer/P1`.
    pub source: String,
    pub severity: Severity,
    pub message_zh: String,
    pub message_en: String,
    /// When this occurrence was first raised.
    pub raised_at: DateTime<Utc>,
    /// When it was last raised again (equal to `raised_at` at first).
    pub last_seen: DateTime<Utc>,
    /// How many times it was raised during this occurrence (from 1).
    pub count: u32,
    #[serde(default)]
    pub acknowledged: Option<Acknowledgement>,
    /// When it was last sent to the supervisor on duty (see
    /// `super::escalation`).
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cleared_at: Option<DateTime<Utc>>,
}

/// Why a lifecycle step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// The alarm's `kind` is no [`AlarmKind`] wire name.
    #[error("unknown alarm kind {0:?}")]
    UnknownKind(String),
    /// The raise names another alarm id than the record.
    #[error("alarm {raised:?} is not occurrence {record:?}")]
    OtherAlarm { record: String, raised: String },
    /// Acknowledged already (by whom, when).
    #[error("告警已由 {by} 于 {} 确认 / alarm {id} was already acknowledged by {by} at {}", at.format("%Y-%m-%d %H:%M:%S UTC"), at.format("%Y-%m-%d %H:%M:%S UTC"))]
    AlreadyAcknowledged {
        id: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// The occurrence is cleared; nothing more can happen to it.
    #[error("告警已消除 / alarm {id} was cleared at {}", at.format("%Y-%m-%d %H:%M:%S UTC"))]
    Cleared { id: String, at: DateTime<Utc> },
    /// Acknowledged without saying who.
    #[error("an acknowledgement needs the supervisor's id / 确认须注明确认人")]
    NoOne,
    /// `now` is before the last time recorded on the occurrence.
    #[error("alarm {id}: time {now} is before {last} already recorded")]
    ClockBehind {
        id: String,
        now: DateTime<Utc>,
        last: DateTime<Utc>,
    },
}

/// What a raise did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raised {
    /// A new occurrence (nothing open under that id).
    New(AlarmRecord),
    /// The same content again: only `count` and `last_seen` changed.
    Repeated(AlarmRecord),
    /// The severity or text changed; kept: first raise and acknowledgement.
    Changed(AlarmRecord),
}

impl Raised {
    /// The record after the raise.
    pub fn record(&self) -> &AlarmRecord {
        match self {
            Raised::New(r) | Raised::Repeated(r) | Raised::Changed(r) => r,
        }
    }

    /// Whether anyone outside needs to hear of it (a new occurrence or a
    /// change; a repeat is only counted).
    pub fn is_news(&self) -> bool {
        !matches!(self, Raised::Repeated(_))
    }
}

impl AlarmRecord {
    /// Where the occurrence stands.
    pub fn stage(&self) -> Stage {
        if self.cleared_at.is_some() {
            Stage::Cleared
        } else if self.acknowledged.is_some() {
            Stage::Acknowledged
        } else {
            Stage::Active
        }
    }

    /// Active or acknowledged: not cleared.
    pub fn is_open(&self) -> bool {
        self.cleared_at.is_none()
    }

    /// The latest time recorded on the occurrence.
    pub fn last_time(&self) -> DateTime<Utc> {
        [
            Some(self.last_seen),
            self.acknowledged.as_ref().map(|a| a.at),
            self.escalated_at,
            self.cleared_at,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.raised_at)
    }

    fn not_before(&self, now: DateTime<Utc>) -> Result<(), LifecycleError> {
        let last = self.last_time();
        if now < last {
            return Err(LifecycleError::ClockBehind {
                id: self.id.clone(),
                now,
                last,
            });
        }
        Ok(())
    }

    fn open(&self) -> Result<(), LifecycleError> {
        match self.cleared_at {
            Some(at) => Err(LifecycleError::Cleared {
                id: self.id.clone(),
                at,
            }),
            None => Ok(()),
        }
    }

    /// The view the dashboard stream and the API carry.
    pub fn view(&self) -> AlarmView {
        AlarmView {
            id: self.id.clone(),
            source: self.source.clone(),
            kind: self.kind.as_str().to_string(),
            severity: self.severity,
            message_zh: self.message_zh.clone(),
            message_en: self.message_en.clone(),
            raised_at: self.raised_at,
            active: self.is_open(),
            cleared_at: self.cleared_at,
            acknowledged: self.acknowledged.clone(),
        }
    }
}

/// Raises `alarm` at `now` given the occurrence open under its id, if any
/// (`existing`; a cleared record counts as none: a new occurrence starts).
pub fn raise(
    existing: Option<&AlarmRecord>,
    alarm: &Alarm,
    now: DateTime<Utc>,
) -> Result<Raised, LifecycleError> {
    let kind = AlarmKind::parse(&alarm.kind)
        .ok_or_else(|| LifecycleError::UnknownKind(alarm.kind.clone()))?;
    let open = match existing {
        Some(r) if r.id != alarm.id => {
            return Err(LifecycleError::OtherAlarm {
                record: r.id.clone(),
                raised: alarm.id.clone(),
            })
        }
        Some(r) if r.is_open() => r,
        _ => {
            return Ok(Raised::New(AlarmRecord {
                id: alarm.id.clone(),
                kind,
                source: alarm.source.clone(),
                severity: alarm.severity,
                message_zh: alarm.message_zh.clone(),
                message_en: alarm.message_en.clone(),
                raised_at: now,
                last_seen: now,
                count: 1,
                acknowledged: None,
                escalated_at: None,
                cleared_at: None,
            }))
        }
    };
    open.not_before(now)?;
    let mut next = open.clone();
    next.count = next.count.saturating_add(1);
    next.last_seen = now;
    let same = open.kind == kind
        && open.severity == alarm.severity
        && open.source == alarm.source
        && open.message_zh == alarm.message_zh
        && open.message_en == alarm.message_en;
    if same {
        return Ok(Raised::Repeated(next));
    }
    next.kind = kind;
    next.source = alarm.source.clone();
    next.severity = alarm.severity;
    next.message_zh = alarm.message_zh.clone();
    next.message_en = alarm.message_en.clone();
    Ok(Raised::Changed(next))
}

/// Acknowledges an open, unacknowledged occurrence.
pub fn acknowledge(
    record: &AlarmRecord,
    by: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<AlarmRecord, LifecycleError> {
    record.open()?;
    if let Some(a) = &record.acknowledged {
        return Err(LifecycleError::AlreadyAcknowledged {
            id: record.id.clone(),
            by: a.by.clone(),
            at: a.at,
        });
    }
    if by.trim().is_empty() {
        return Err(LifecycleError::NoOne);
    }
    record.not_before(now)?;
    let mut next = record.clone();
    next.acknowledged = Some(Acknowledgement {
        by: by.trim().to_string(),
        at: now,
        note: note.trim().to_string(),
    });
    Ok(next)
}

/// Clears an open occurrence (acknowledged or not).
pub fn clear(record: &AlarmRecord, now: DateTime<Utc>) -> Result<AlarmRecord, LifecycleError> {
    record.open()?;
    record.not_before(now)?;
    let mut next = record.clone();
    next.cleared_at = Some(now);
    Ok(next)
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
