//! 延期: the limit is extended, once.
//!
//! 《行政许可法》第四十二条: a decision not possible within 20 working days
//! may be extended by 10 working days with the approval of the body's head,
//! and the reason told to the applicant; joint handling (a package) by 15
//! with the approval of the government at that level. So: only a
//! [`Role::Supervisor`](crate::case::Role) extends, once
//! ([`Refusal::AlreadyExtended`]), by 1 to 10 (15) working days, with a
//! reason. The deadline moves by that many working days, and the current
//! step's limit with it. An immediate case is not extended.

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::plan::CaseKind;
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Extension};
use super::super::{Actor, Now};
use super::{check, event, reason};
use crate::calendar::Calendar;

/// Extends the case by `days`. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::ImmediateCase`], [`Refusal::Role`],
/// [`Refusal::AlreadyExtended`], [`Refusal::ExtensionTooLong`],
/// [`Refusal::ReasonRequired`], [`Refusal::Calendar`].
pub fn extend(
    case: &Case,
    days: u32,
    why: &str,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Extend)?;
    if case.rules.kind == CaseKind::Immediate {
        return Err(Refusal::ImmediateCase {
            action: Action::Extend,
        });
    }
    if actor.role != case.rules.extension_role {
        return Err(Refusal::Role {
            action: Action::Extend,
            needed: case.rules.extension_role,
        });
    }
    if case.extension.is_some() {
        return Err(Refusal::AlreadyExtended);
    }
    let max = case.rules.scope.extension_days();
    if days == 0 || days > max {
        return Err(Refusal::ExtensionTooLong { max });
    }
    let reason = reason(why, Action::Extend)?;
    let deadline_before = case.deadline(cal)?;
    let mut next = case.clone();
    next.limit_days += days;
    if let Some(s) = next.steps.get_mut(case.current) {
        s.limit_days += days;
    }
    next.extension = Some(Extension {
        days,
        reason: reason.clone(),
        by: actor.id.clone(),
        on: now.date,
    });
    let body = CaseEventBody::Extended {
        days,
        reason,
        deadline_before,
        deadline_after: next.deadline(cal)?,
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
