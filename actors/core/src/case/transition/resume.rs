//! 恢复: a suspension ends and the clock runs again from the day after
//! (《行政许可法》第四十五条: the special procedure's time is not counted).

use super::super::clock::StopKind;
use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Status};
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;

/// Resumes a suspended case. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::Calendar`].
pub fn resume(
    case: &Case,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Resume)?;
    let mut next = case.clone();
    let mut stopped_days = 0;
    if let Some(stop) = next.stops.iter_mut().rev().find(|s| s.to.is_none()) {
        stop.to = Some(now.date);
        stopped_days = cal.working_days_between(stop.from, now.date)?;
    }
    next.status = Status::InProgress;
    let body = CaseEventBody::Resumed {
        stop: StopKind::Suspension,
        stopped_days,
        deadline: next.deadline(cal)?,
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
