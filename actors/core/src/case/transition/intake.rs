//! 收件 / 受理: a new case from an item, an applicant and the materials
//! handed in at the window (一窗受理).
//!
//! On the spot (当场受理) the case is accepted at once when no required
//! material is missing, except those the item tolerates (容缺受理), which get
//! a one-time notice with their due date; with a required material missing
//! it is refused with the one-time notice of everything owed
//! ([`Refusal::MaterialsMissing`], 《行政许可法》第三十二条第一款第四项).
//! Received for examination (not on the spot) it waits in
//! [`Status::Received`]: the hall has 5 working days to accept it or ask for
//! a correction (第三十二条; see `accept` and `request_correction`).
//! An immediate case (即办件) is due the same day.

use super::super::applicant::Applicant;
use super::super::events::{CaseEvent, CaseEventBody};
use super::super::materials::Checklist;
use super::super::number::CaseNumber;
use super::super::plan::CasePlan;
use super::super::refusal::Refusal;
use super::super::state::{Case, CaseRules, Status};
use super::super::{Actor, Now, Role};
use super::{accept, event};
use crate::calendar::Calendar;
use crate::config::ItemConfig;

/// What the window hands over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// The number the hall gave it (its own sequence).
    pub number: CaseNumber,
    /// The validated applicant (only its masked summary is kept).
    pub applicant: Applicant,
    /// Names of the checklist materials handed in.
    pub provided: Vec<String>,
    /// On the green channel (绿色通道).
    pub green: bool,
    /// Accept on the spot (当场受理); false: received for examination.
    pub on_the_spot: bool,
    /// The window taking it in.
    pub window: Option<String>,
    /// The ticket it is taken in from (`20261130-A001`), recorded in the
    /// `received` event (one case per ticket and item: `case::ticket`).
    pub ticket: Option<String>,
}

/// Takes in a case of `item`. Errors: [`Refusal::NoCaseSettings`],
/// [`Refusal::NoGreenChannel`], [`Refusal::UnknownMaterial`],
/// [`Refusal::MaterialsMissing`], [`Refusal::Calendar`].
pub fn intake(
    item: &ItemConfig,
    input: &Intake,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    let plan = CasePlan::for_item(item, input.green)?;
    intake_plan(&plan, input, actor, now, cal)
}

/// [`intake`] from a resolved plan (used for package parts too).
pub fn intake_plan(
    plan: &CasePlan,
    input: &Intake,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    let materials = Checklist::new(&plan.materials, &input.provided)?;
    if input.on_the_spot && !materials.missing().is_empty() {
        return Err(Refusal::MaterialsMissing {
            notice: materials.incomplete_notice(),
        });
    }
    let received = Case {
        number: input.number.clone(),
        item: plan.item.clone(),
        department: plan.department.clone(),
        applicant: input.applicant.summary(),
        window: input.window.clone(),
        green: plan.green,
        rules: CaseRules {
            kind: plan.kind,
            scope: plan.scope,
            tolerated_days: plan.tolerated_days,
            correction_answer_days: plan.correction_answer_days,
            delivery_days: plan.delivery_days,
            warn: plan.warn,
            extension_role: Role::Supervisor,
        },
        status: Status::Received,
        fee_fen: plan.fee_fen,
        materials,
        received_on: now.date,
        accepted_on: None,
        limit_days: plan.promise_days,
        extension: None,
        stops: Vec::new(),
        steps: Case::steps_from(&plan.steps),
        current: 0,
        correction: None,
        outcome: None,
        completed_on: None,
        delivery_due: None,
        delivery: None,
        termination: None,
        terminated_on: None,
    };
    let case = if input.on_the_spot {
        accept::start_clock(&received, now.date, cal)?
    } else {
        received
    };
    let body = CaseEventBody::Received {
        item: case.item.clone(),
        department: case.department.clone(),
        kind: case.rules.kind,
        green: case.green,
        applicant: case.applicant.clone(),
        window: case.window.clone(),
        fee_fen: case.fee_fen,
        materials: case.materials.clone(),
        accepted_on: case.accepted_on,
        limit_days: case.limit_days,
        deadline: case.deadline(cal)?,
        notice: case.materials.tolerated_notice(),
        ticket: input.ticket.clone(),
    };
    let ev = event(&case, actor, now, body);
    Ok((case, ev))
}
