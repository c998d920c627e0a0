//! 回访核实 → 整改 → 反馈, in this order, each once.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{FollowUp, FollowUpError, Person, Stage, Step, StepDone};
use crate::calendar::{local_date, Calendar};

/// Checks that `step` is the awaited one and may be done at `now`.
fn ready(
    f: &FollowUp,
    step: Step,
    text: &str,
    now: DateTime<Utc>,
) -> Result<String, FollowUpError> {
    match f.stage() {
        Stage::Excluded => return Err(FollowUpError::Excluded),
        Stage::Closed => return Err(FollowUpError::Closed),
        Stage::Awaiting(expected) if expected != step => {
            return Err(FollowUpError::OutOfOrder {
                expected,
                got: step,
            })
        }
        Stage::Awaiting(_) => {}
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(FollowUpError::EmptyText { step });
    }
    f.not_before(now)?;
    Ok(text.to_string())
}

/// 回访核实: `by` called the citizen back at `now` and found `found`; the
/// rectification is then due `rectify_days` working days later.
pub fn record_callback(
    f: &FollowUp,
    by: Person,
    found: &str,
    now: DateTime<Utc>,
    calendar: &Calendar,
    tz: Tz,
) -> Result<FollowUp, FollowUpError> {
    let text = ready(f, Step::CallBack, found, now)?;
    let mut next = f.clone();
    next.rectify_due = Some(calendar.add_working_days(local_date(now, tz), f.limits.rectify_days)?);
    next.callback = Some(StepDone {
        by,
        at: now,
        text,
        due: f.callback_due,
    });
    Ok(next)
}

/// 整改: `by` changed `changed` at `now`; the feedback is then due
/// `feedback_days` working days later.
pub fn record_rectification(
    f: &FollowUp,
    by: Person,
    changed: &str,
    now: DateTime<Utc>,
    calendar: &Calendar,
    tz: Tz,
) -> Result<FollowUp, FollowUpError> {
    let text = ready(f, Step::Rectify, changed, now)?;
    let due = f.rectify_due.unwrap_or(f.callback_due);
    let mut next = f.clone();
    next.feedback_due =
        Some(calendar.add_working_days(local_date(now, tz), f.limits.feedback_days)?);
    next.rectification = Some(StepDone {
        by,
        at: now,
        text,
        due,
    });
    Ok(next)
}

/// 反馈: `by` told the citizen `told` at `now`; the follow-up is closed.
pub fn record_feedback(
    f: &FollowUp,
    by: Person,
    told: &str,
    now: DateTime<Utc>,
) -> Result<FollowUp, FollowUpError> {
    let text = ready(f, Step::Feedback, told, now)?;
    let due = f.feedback_due.unwrap_or(f.callback_due);
    let mut next = f.clone();
    next.feedback = Some(StepDone {
        by,
        at: now,
        text,
        due,
    });
    Ok(next)
}
