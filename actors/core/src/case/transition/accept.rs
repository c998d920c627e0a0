//! 受理: a case received for examination is accepted, and its clock starts.
//!
//! 《行政许可法》第三十二条第一款第四项: a correction notice is given on the
//! spot or within 5 working days of receipt; otherwise the application
//! counts as accepted from the day the materials arrived. So an acceptance
//! later than 5 working days after receipt is dated from the receipt
//! (`deemed`), and within those 5 days a case with required materials
//! missing is refused (ask for a correction instead).

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Status};
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;
use crate::config::cases::CORRECTION_NOTICE_DAYS;
use chrono::NaiveDate;

/// Accepts a received case. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::MaterialsMissing`], [`Refusal::Calendar`].
pub fn accept(
    case: &Case,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Accept)?;
    let notice_due = cal.add_working_days(case.received_on, CORRECTION_NOTICE_DAYS)?;
    let deemed = now.date > notice_due;
    if !deemed && !case.materials.missing().is_empty() {
        return Err(Refusal::MaterialsMissing {
            notice: case.materials.incomplete_notice(),
        });
    }
    let start = if deemed { case.received_on } else { now.date };
    let next = start_clock(case, start, cal)?;
    let body = CaseEventBody::Accepted {
        accepted_on: start,
        deemed,
        deadline: next.deadline(cal)?,
        notice: next.materials.tolerated_notice(),
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}

/// The case accepted on `on`: in progress at its first step, tolerated
/// materials due `tolerated_days` working days later.
pub(crate) fn start_clock(case: &Case, on: NaiveDate, cal: &Calendar) -> Result<Case, Refusal> {
    let mut next = case.clone();
    next.status = Status::InProgress;
    next.accepted_on = Some(on);
    next.current = 0;
    if let Some(first) = next.steps.first_mut() {
        first.started_on = Some(on);
    }
    if next.materials.tolerated_notice().is_some() {
        next.materials.tolerated_due = Some(cal.add_working_days(on, case.rules.tolerated_days)?);
    }
    Ok(next)
}
