//! Case events (办件事件): one per transition, ready for the durable outbox
//! and federation.
//!
//! # Schema versions
//!
//! Stored as one JSON object, `{"v": 1, "case": "demo-20261130-000123",
//! "at": "…Z", "by": "s01", "role": "staff", "type": "accepted",
//! "payload": {…}}`. The rule is the hall events' (the `events` module): adding an optional field
//! that older readers may ignore (`#[serde(default)]`, absent meaning what
//! it meant before) needs no new version; anything else — a new variant, a
//! field removed, renamed or changed in type, unit or meaning, a new
//! required field — bumps [`CASE_EVENT_VERSION`], keeps decoding every older
//! version, and adds a test with the older bytes. A reader refuses a newer
//! version ([`CaseEventDecodeError::UnsupportedVersion`]) rather than guess.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::applicant::ApplicantSummary;
use super::clock::StopKind;
use super::materials::{Checklist, OneTimeNotice};
use super::number::CaseNumber;
use super::plan::CaseKind;
use super::state::{DeliveryMethod, Outcome};
use super::transition::suspend::SuspensionReason;
use super::Role;

/// The case event schema version this build writes.
pub const CASE_EVENT_VERSION: u32 = 1;

/// One transition, as everyone outside the case sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// The case (or package part) it belongs to.
    pub case: CaseNumber,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// Staff id or supervisor user.
    pub by: String,
    /// The role they acted in.
    pub role: Role,
    #[serde(flatten)]
    pub body: CaseEventBody,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum CaseEventBody {
    /// 收件 (and 受理 when `accepted_on` is set): a new case.
    Received {
        item: String,
        department: String,
        kind: CaseKind,
        green: bool,
        applicant: ApplicantSummary,
        window: Option<String>,
        fee_fen: u64,
        materials: Checklist,
        accepted_on: Option<NaiveDate>,
        limit_days: u32,
        deadline: Option<NaiveDate>,
        /// The 容缺 notice, if materials are tolerated missing.
        notice: Option<OneTimeNotice>,
        /// The ticket it was taken in from (optional, added without a new
        /// version: absent in older events, meaning not recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<String>,
    },
    /// 受理. `deemed`: by art. 32, from the day the materials arrived.
    Accepted {
        accepted_on: NaiveDate,
        deemed: bool,
        deadline: Option<NaiveDate>,
        notice: Option<OneTimeNotice>,
    },
    /// 补正告知: the clock stops.
    CorrectionRequested { notice: OneTimeNotice },
    /// 补正: the applicant answered; the clock runs again (or starts, when
    /// the notice came before acceptance).
    CorrectionAnswered {
        provided: Vec<String>,
        accepted_on: Option<NaiveDate>,
        deadline: Option<NaiveDate>,
    },
    /// 补交容缺材料.
    MaterialsSupplied { provided: Vec<String> },
    /// 挂起 (art. 45), told in writing by `notice`.
    Suspended {
        reason: SuspensionReason,
        detail: String,
        notice: String,
    },
    /// 恢复: the clock runs again; `stopped_days` working days did not count.
    Resumed {
        stop: StopKind,
        stopped_days: u32,
        deadline: Option<NaiveDate>,
    },
    /// A step approved; `next` is the next step's index.
    StepApproved {
        step: usize,
        name: String,
        opinion: Option<String>,
        next: Option<usize>,
        step_deadline: Option<NaiveDate>,
    },
    /// 延期 (art. 42).
    Extended {
        days: u32,
        reason: String,
        deadline_before: Option<NaiveDate>,
        deadline_after: Option<NaiveDate>,
    },
    /// 办结: the decision.
    Completed {
        #[serde(flatten)]
        outcome: Outcome,
        used_days: u32,
        limit_days: u32,
        on_time: bool,
        delivery_due: NaiveDate,
    },
    /// 送达 (art. 44).
    Delivered {
        #[serde(flatten)]
        method: DeliveryMethod,
        on_time: bool,
    },
    /// 终止.
    Terminated { reason: String },
    /// A package was taken in: its parts, in parallel under `lead`.
    PackageReceived {
        item: String,
        name: String,
        lead: String,
        parts: Vec<CaseNumber>,
        materials: Checklist,
    },
    /// Every part of a package is completed.
    PackageCompleted { on_time: bool },
}

impl CaseEventBody {
    /// The audit log's name for the act (`case.{action}`): the event's
    /// `type`, except that a decision names its outcome — 准予许可
    /// `approved` or 不予许可 `rejected` — rather than `completed`.
    pub fn audit_action(&self) -> &'static str {
        match self {
            CaseEventBody::Completed {
                outcome: Outcome::Approved,
                ..
            } => "approved",
            CaseEventBody::Completed {
                outcome: Outcome::Rejected { .. },
                ..
            } => "rejected",
            other => other.kind(),
        }
    }

    /// The `type` string.
    pub fn kind(&self) -> &'static str {
        match self {
            CaseEventBody::Received { .. } => "received",
            CaseEventBody::Accepted { .. } => "accepted",
            CaseEventBody::CorrectionRequested { .. } => "correction_requested",
            CaseEventBody::CorrectionAnswered { .. } => "correction_answered",
            CaseEventBody::MaterialsSupplied { .. } => "materials_supplied",
            CaseEventBody::Suspended { .. } => "suspended",
            CaseEventBody::Resumed { .. } => "resumed",
            CaseEventBody::StepApproved { .. } => "step_approved",
            CaseEventBody::Extended { .. } => "extended",
            CaseEventBody::Completed { .. } => "completed",
            CaseEventBody::Delivered { .. } => "delivered",
            CaseEventBody::Terminated { .. } => "terminated",
            CaseEventBody::PackageReceived { .. } => "package_received",
            CaseEventBody::PackageCompleted { .. } => "package_completed",
        }
    }
}

/// Why stored bytes are not a case event.
#[derive(Debug, thiserror::Error)]
pub enum CaseEventDecodeError {
    #[error("case event schema version {found} is newer than this build's ({CASE_EVENT_VERSION}); upgrade the reader")]
    UnsupportedVersion { found: u32 },
    #[error("malformed case event: {0}")]
    Malformed(#[from] serde_json::Error),
}

#[derive(Serialize)]
struct StoredRef<'a> {
    v: u32,
    #[serde(flatten)]
    event: &'a CaseEvent,
}

#[derive(Deserialize)]
struct Version {
    v: Option<u32>,
}

impl CaseEvent {
    /// The bytes for the outbox: JSON at [`CASE_EVENT_VERSION`].
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&StoredRef {
            v: CASE_EVENT_VERSION,
            event: self,
        })
    }

    /// Reads stored bytes back. Errors: a version this build does not know
    /// (none, 0 or newer) or bytes that are not an event.
    pub fn decode(bytes: &[u8]) -> Result<Self, CaseEventDecodeError> {
        let Version { v } = serde_json::from_slice(bytes)?;
        match v {
            Some(CASE_EVENT_VERSION) => Ok(serde_json::from_slice(bytes)?),
            other => Err(CaseEventDecodeError::UnsupportedVersion {
                found: other.unwrap_or(0),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(outcome: Outcome) -> CaseEventBody {
        CaseEventBody::Completed {
            outcome,
            used_days: 3,
            limit_days: 10,
            on_time: true,
            delivery_due: NaiveDate::from_ymd_opt(2026, 12, 14).expect("date"),
        }
    }

    #[test]
    fn a_decision_is_audited_by_its_outcome() {
        assert_eq!(completed(Outcome::Approved).audit_action(), "approved");
        let rejected = completed(Outcome::Rejected {
            reason: "不符合条件".into(),
        });
        assert_eq!(rejected.audit_action(), "rejected");
        assert_eq!(rejected.kind(), "completed", "the event type stays");
        let terminated = CaseEventBody::Terminated {
            reason: "撤回".into(),
        };
        assert_eq!(terminated.audit_action(), terminated.kind());
    }
}
