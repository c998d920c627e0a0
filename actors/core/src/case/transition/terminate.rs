//! 终止: the case ends without a decision (the applicant withdraws, dies or
//! is dissolved, the matter lapses…), with the reason recorded. A stop still
//! open ends with it.

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Status};
use super::super::{Actor, Now};
use super::{check, event, reason};
use crate::calendar::Calendar;

/// Terminates the case. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::ReasonRequired`].
pub fn terminate(
    case: &Case,
    why: &str,
    actor: &Actor,
    now: Now,
    _cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Terminate)?;
    let reason = reason(why, Action::Terminate)?;
    let mut next = case.clone();
    for stop in next.stops.iter_mut().filter(|s| s.to.is_none()) {
        stop.to = Some(now.date);
    }
    next.status = Status::Terminated;
    next.termination = Some(reason.clone());
    next.terminated_on = Some(now.date);
    next.correction = None;
    let ev = event(&next, actor, now, CaseEventBody::Terminated { reason });
    Ok((next, ev))
}
