//! [`Case`]: one case's state, as the transitions see and return it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::applicant::ApplicantSummary;
use super::clock::{self, Stop};
use super::materials::{Checklist, OneTimeNotice};
use super::number::CaseNumber;
use super::plan::{CaseKind, Scope, StepPlan};
use super::supervision::WarnPoint;
use super::Role;
use crate::calendar::{Calendar, CalendarError};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 已收件: materials received, acceptance pending (at most 5 working
    /// days, 《行政许可法》第三十二条).
    Received,
    /// 办理中: accepted, at one of its steps, the clock running.
    InProgress,
    /// 补正中: waiting for the applicant's correction; the clock stopped.
    Correction,
    /// 挂起: a special procedure (第四十五条); the clock stopped.
    Suspended,
    /// 已办结: decided (approved or rejected), awaiting delivery.
    Completed,
    /// 已送达: the decision or certificate delivered.
    Delivered,
    /// 已终止: ended without a decision.
    Terminated,
}

impl Status {
    /// 中文 name.
    pub fn zh(self) -> &'static str {
        match self {
            Status::Received => "已收件",
            Status::InProgress => "办理中",
            Status::Correction => "补正中",
            Status::Suspended => "挂起",
            Status::Completed => "已办结",
            Status::Delivered => "已送达",
            Status::Terminated => "已终止",
        }
    }
    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::InProgress => "in progress",
            Status::Correction => "awaiting correction",
            Status::Suspended => "suspended",
            Status::Completed => "completed",
            Status::Delivered => "delivered",
            Status::Terminated => "terminated",
        }
    }
    /// Whether the case is still being handled (its deadline matters).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::InProgress | Status::Correction | Status::Suspended
        )
    }
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// 准予许可 / approved.
    Approved,
    /// 不予许可 / rejected, with the reason given to the applicant.
    Rejected { reason: String },
}

/// One step's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    /// The step's name.
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// Its limit in working days (plus an extension granted during it).
    pub limit_days: u32,
    /// The day it started (acceptance or the previous step's approval).
    pub started_on: Option<NaiveDate>,
    /// The day it was approved, or the case decided at it.
    pub done_on: Option<NaiveDate>,
}

/// The one extension a case may have (第四十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Working days added (1 to 10, 15 for a package part).
    pub days: u32,
    /// The reason told to the applicant.
    pub reason: String,
    /// Who approved it (a supervisor).
    pub by: String,
    /// The day it was granted.
    pub on: NaiveDate,
}

/// The open correction notice and whether it came before acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The notice given (一次性告知).
    pub notice: OneTimeNotice,
    /// Whether it came before acceptance (the answer then starts the clock).
    pub before_acceptance: bool,
}

/// How the decision reached the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 窗口领取: picked up at the window after a pick-up notice.
    PickUp { notice: String },
    /// 邮寄送达: posted, with the carrier's tracking number.
    Post { carrier: String, tracking: String },
}

/// The delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Pick-up or post.
    pub method: DeliveryMethod,
    /// The day it was delivered.
    pub on: NaiveDate,
    /// Whether within `delivery_due` (art. 44).
    pub on_time: bool,
}

/// The limits and roles a case carries from its plan, so that every
/// transition needs only the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRules {
    /// Immediate or promise case.
    pub kind: CaseKind,
    /// A case of its own or a package part (the extension allowed).
    pub scope: Scope,
    /// Working days after acceptance by which tolerated materials are due.
    pub tolerated_days: u32,
    /// Working days the applicant has to answer a correction.
    pub correction_answer_days: u32,
    /// Working days from the decision to delivery (at most 10).
    pub delivery_days: u32,
    /// Where e-supervision turns yellow.
    pub warn: WarnPoint,
    /// Who may extend (第四十二条: the body's head).
    pub extension_role: Role,
}

/// One case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Its number, `{hall}-{YYYYMMDD}-{seq:06}`.
    pub number: CaseNumber,
    /// The item's id.
    pub item: String,
    /// The department handling it.
    pub department: String,
    /// The applicant, masked.
    pub applicant: ApplicantSummary,
    /// The window that took it in.
    pub window: Option<String>,
    /// Whether the green channel's limits apply.
    pub green: bool,
    /// The limits and roles it carries from its plan.
    pub rules: CaseRules,
    /// Where it stands.
    pub status: Status,
    /// The fee in fen (分).
    pub fee_fen: u64,
    /// Its materials checklist.
    pub materials: Checklist,
    /// The day the materials arrived (收件).
    pub received_on: NaiveDate,
    /// The day the clock starts (受理; by art. 32 possibly `received_on`).
    pub accepted_on: Option<NaiveDate>,
    /// The limit in working days: the promise plus an extension.
    pub limit_days: u32,
    /// The one extension, once granted.
    pub extension: Option<Extension>,
    /// Every stop of the clock, in order (at most one open).
    pub stops: Vec<Stop>,
    /// Its steps, in order.
    pub steps: Vec<StepState>,
    /// Index of the current step.
    pub current: usize,
    /// The open correction notice (status correction).
    pub correction: Option<Correction>,
    /// The decision, once made.
    pub outcome: Option<Outcome>,
    /// The day of the decision (办结).
    pub completed_on: Option<NaiveDate>,
    /// Last working day to deliver (art. 44).
    pub delivery_due: Option<NaiveDate>,
    /// The delivery, once made.
    pub delivery: Option<Delivery>,
    /// Why it ended without a decision (终止).
    pub termination: Option<String>,
    /// The day it was terminated.
    pub terminated_on: Option<NaiveDate>,
}

impl Case {
    /// Working days used by the end of `today` (or of the completion day),
    /// stopped time left out; 0 before acceptance.
    pub fn used_days(&self, cal: &Calendar, today: NaiveDate) -> Result<u32, CalendarError> {
        match self.accepted_on {
            None => Ok(0),
            Some(start) => clock::used(cal, start, &self.stops, self.end(today)),
        }
    }

    /// The case's deadline (`None` before acceptance or while a stop holds
    /// a clock that has not yet run out).
    pub fn deadline(&self, cal: &Calendar) -> Result<Option<NaiveDate>, CalendarError> {
        match self.accepted_on {
            None => Ok(None),
            Some(start) => clock::deadline(cal, start, self.limit_days, &self.stops),
        }
    }

    /// Step `step`'s deadline, as [`Self::deadline`] (none before it starts).
    pub fn step_deadline(
        &self,
        cal: &Calendar,
        step: usize,
    ) -> Result<Option<NaiveDate>, CalendarError> {
        match self.steps.get(step) {
            Some(StepState {
                started_on: Some(start),
                limit_days,
                ..
            }) => clock::deadline(cal, *start, *limit_days, &self.stops),
            _ => Ok(None),
        }
    }

    /// The day counting ends: the completion or termination day, else
    /// `today`.
    pub(crate) fn end(&self, today: NaiveDate) -> NaiveDate {
        self.completed_on
            .or(self.terminated_on)
            .map_or(today, |c| c.min(today))
    }

    /// Whether an extension has been granted.
    pub fn is_extended(&self) -> bool {
        self.extension.is_some()
    }

    /// The steps as planned, from a plan's step list.
    pub(crate) fn steps_from(plan: &[StepPlan]) -> Vec<StepState> {
        plan.iter()
            .map(|s| StepState {
                name: s.name.clone(),
                name_en: s.name_en.clone(),
                limit_days: s.days,
                started_on: None,
                done_on: None,
            })
            .collect()
    }
}
