//! The transitions of a case, one file each, and the one table of which
//! transition is allowed from which status ([`allowed`]).
//!
//! Every transition is `fn(&Case, input, &Actor, Now, &Calendar) ->
//! Result<(Case, CaseEvent), Refusal>`: it never changes the case it is
//! given, so a refusal leaves the state exactly as it was. [`apply`]
//! dispatches an [`Input`] to its transition.

pub mod accept;
pub mod answer_correction;
pub mod approve;
pub mod complete;
pub mod deliver;
pub mod extend;
pub mod intake;
pub mod reject;
pub mod request_correction;
pub mod resume;
pub mod supply;
pub mod suspend;
pub mod terminate;

use super::events::{CaseEvent, CaseEventBody};
use super::refusal::{Action, Refusal};
use super::state::{Case, DeliveryMethod, Status};
use super::{Actor, Now};
use crate::calendar::Calendar;

pub use intake::{intake, Intake};
pub use suspend::SuspensionReason;

/// A transition's input (everything but intake, which creates the case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Accept,
    RequestCorrection { owed: Vec<String> },
    AnswerCorrection { provided: Vec<String> },
    Supply { provided: Vec<String> },
    Suspend(suspend::SuspendInput),
    Resume,
    ApproveStep { opinion: Option<String> },
    Reject { reason: String },
    Extend { days: u32, reason: String },
    Terminate { reason: String },
    Deliver { method: DeliveryMethod },
}

impl Input {
    /// Which transition this is.
    pub fn action(&self) -> Action {
        match self {
            Input::Accept => Action::Accept,
            Input::RequestCorrection { .. } => Action::RequestCorrection,
            Input::AnswerCorrection { .. } => Action::AnswerCorrection,
            Input::Supply { .. } => Action::Supply,
            Input::Suspend(_) => Action::Suspend,
            Input::Resume => Action::Resume,
            Input::ApproveStep { .. } => Action::ApproveStep,
            Input::Reject { .. } => Action::Reject,
            Input::Extend { .. } => Action::Extend,
            Input::Terminate { .. } => Action::Terminate,
            Input::Deliver { .. } => Action::Deliver,
        }
    }
}

/// The transitions allowed from each status — the whole state machine:
///
/// | status | allowed |
/// |---|---|
/// | received 已收件 | accept, request correction, terminate |
/// | in progress 办理中 | request correction, hand in materials, suspend, approve the step, reject, extend, terminate |
/// | correction 补正中 | answer the correction, terminate |
/// | suspended 挂起 | resume, extend, terminate |
/// | completed 已办结 | deliver |
/// | delivered 已送达, terminated 已终止 | nothing |
pub fn allowed(status: Status, action: Action) -> bool {
    use Action as A;
    match status {
        Status::Received => matches!(action, A::Accept | A::RequestCorrection | A::Terminate),
        Status::InProgress => matches!(
            action,
            A::RequestCorrection
                | A::Supply
                | A::Suspend
                | A::ApproveStep
                | A::Reject
                | A::Extend
                | A::Terminate
        ),
        Status::Correction => matches!(action, A::AnswerCorrection | A::Terminate),
        Status::Suspended => matches!(action, A::Resume | A::Extend | A::Terminate),
        Status::Completed => matches!(action, A::Deliver),
        Status::Delivered | Status::Terminated => false,
    }
}

/// Applies `input` to `case`. Errors: the transition's [`Refusal`].
pub fn apply(
    case: &Case,
    input: &Input,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    match input {
        Input::Accept => accept::accept(case, actor, now, cal),
        Input::RequestCorrection { owed } => {
            request_correction::request_correction(case, owed, actor, now, cal)
        }
        Input::AnswerCorrection { provided } => {
            answer_correction::answer_correction(case, provided, actor, now, cal)
        }
        Input::Supply { provided } => supply::supply(case, provided, actor, now, cal),
        Input::Suspend(s) => suspend::suspend(case, s, actor, now, cal),
        Input::Resume => resume::resume(case, actor, now, cal),
        Input::ApproveStep { opinion } => {
            approve::approve_step(case, opinion.as_deref(), actor, now, cal)
        }
        Input::Reject { reason } => reject::reject(case, reason, actor, now, cal),
        Input::Extend { days, reason } => extend::extend(case, *days, reason, actor, now, cal),
        Input::Terminate { reason } => terminate::terminate(case, reason, actor, now, cal),
        Input::Deliver { method } => deliver::deliver(case, method, actor, now, cal),
    }
}

/// Refuses `action` unless the table allows it from the case's status.
pub(crate) fn check(case: &Case, action: Action) -> Result<(), Refusal> {
    if allowed(case.status, action) {
        Ok(())
    } else {
        Err(Refusal::NotAllowed {
            action,
            status: case.status,
        })
    }
}

/// A reason, trimmed; refused when empty.
pub(crate) fn reason(text: &str, action: Action) -> Result<String, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        Err(Refusal::ReasonRequired { action })
    } else {
        Ok(t.to_string())
    }
}

/// The event of a transition of `case`.
pub(crate) fn event(case: &Case, actor: &Actor, now: Now, body: CaseEventBody) -> CaseEvent {
    CaseEvent {
        case: case.number.clone(),
        at: now.at,
        by: actor.id.clone(),
        role: actor.role,
        body,
    }
}
