//! 审批通过: the current step is approved and the next one starts; approving
//! the last step is the decision (准予许可) and completes the case
//! (`complete`). The decision waits for tolerated materials (容缺) still
//! owed ([`Refusal::MaterialsOwed`]).

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Outcome};
use super::super::{Actor, Now};
use super::{check, complete, event};
use crate::calendar::Calendar;

/// Approves the current step. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::MaterialsOwed`], [`Refusal::Calendar`].
pub fn approve_step(
    case: &Case,
    opinion: Option<&str>,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::ApproveStep)?;
    let step = case.current;
    if step + 1 >= case.steps.len() {
        let owed = case.materials.owed();
        if !owed.is_empty() {
            return Err(Refusal::MaterialsOwed {
                names: owed.into_iter().map(|o| o.name).collect(),
            });
        }
        return complete::complete(case, Outcome::Approved, actor, now, cal);
    }
    let mut next = case.clone();
    if let Some(s) = next.steps.get_mut(step) {
        s.done_on = Some(now.date);
    }
    if let Some(s) = next.steps.get_mut(step + 1) {
        s.started_on = Some(now.date);
    }
    next.current = step + 1;
    let body = CaseEventBody::StepApproved {
        step,
        name: case
            .steps
            .get(step)
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        opinion: opinion
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string),
        next: Some(step + 1),
        step_deadline: next.step_deadline(cal, step + 1)?,
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
