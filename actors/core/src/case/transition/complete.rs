//! 办结: the decision is made — approved by the last step or rejected at any
//! step — and the clock stops. The case was on time when decided by its
//! deadline (《行政许可法》第四十二条); the certificate or the written decision
//! is then due within `delivery_days` working days (at most 10, 第四十四条).
//! An immediate case (即办件, limit 0) is on time only when decided on the
//! day it was accepted (or before the next working day).

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::Refusal;
use super::super::state::{Case, Outcome, Status};
use super::super::{Actor, Now};
use super::event;
use crate::calendar::Calendar;

/// The case completed with `outcome` today. Callers check the transition.
pub(crate) fn complete(
    case: &Case,
    outcome: Outcome,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    let deadline = case.deadline(cal)?;
    let mut next = case.clone();
    if let Some(s) = next.steps.get_mut(case.current) {
        s.done_on = Some(now.date);
    }
    next.status = Status::Completed;
    next.completed_on = Some(now.date);
    next.outcome = Some(outcome.clone());
    let delivery_due = cal.add_working_days(now.date, case.rules.delivery_days)?;
    next.delivery_due = Some(delivery_due);
    let body = CaseEventBody::Completed {
        outcome,
        used_days: next.used_days(cal, now.date)?,
        limit_days: next.limit_days,
        on_time: deadline.is_none_or(|d| now.date <= d),
        delivery_due,
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
