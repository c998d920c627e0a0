//! 不予许可: the application is rejected at the current step, with the
//! reason the applicant is given (《行政许可法》第三十八条第二款: 说明理由),
//! which completes the case (`complete`).

use super::super::events::CaseEvent;
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Outcome};
use super::super::{Actor, Now};
use super::{check, complete, reason};
use crate::calendar::Calendar;

/// Rejects the case. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::ReasonRequired`], [`Refusal::Calendar`].
pub fn reject(
    case: &Case,
    why: &str,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Reject)?;
    let reason = reason(why, Action::Reject)?;
    complete::complete(case, Outcome::Rejected { reason }, actor, now, cal)
}
