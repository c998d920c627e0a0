//! 补正: the applicant answers the correction notice. The clock runs again
//! from the day after (the stop's days never count), or — when the notice
//! came before acceptance — the case is accepted now, its materials being
//! complete (《行政许可法》第三十二条第一款第五项).

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Status};
use super::super::{Actor, Now};
use super::{accept, check, event};
use crate::calendar::Calendar;

/// Records the answer: `provided` are the checklist materials handed in
/// (free-text points of the notice are answered with them). Every checklist
/// material the notice named must be among them. Errors:
/// [`Refusal::NotAllowed`], [`Refusal::UnknownMaterial`],
/// [`Refusal::MaterialsMissing`] (with what is still owed),
/// [`Refusal::Calendar`].
pub fn answer_correction(
    case: &Case,
    provided: &[String],
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::AnswerCorrection)?;
    let Some(correction) = case.correction.as_ref() else {
        return Err(Refusal::NotAllowed {
            action: Action::AnswerCorrection,
            status: case.status,
        });
    };
    let on_list: Vec<String> = provided
        .iter()
        .filter(|p| case.materials.lines.iter().any(|l| &l.name == *p))
        .cloned()
        .collect();
    for p in provided {
        let in_notice = correction.notice.items.iter().any(|i| &i.name == p);
        if !in_notice && !on_list.contains(p) {
            return Err(Refusal::UnknownMaterial { name: p.clone() });
        }
    }
    // Every point of the notice must be answered, a free-text one (a
    // signature, a corrected form) as much as a checklist material: the
    // notice was given once and completely (一次性告知), and so is the answer.
    let unanswered: Vec<_> = correction
        .notice
        .items
        .iter()
        .filter(|i| !provided.contains(&i.name))
        .cloned()
        .collect();
    if !unanswered.is_empty() {
        let mut notice = correction.notice.clone();
        notice.items = unanswered;
        return Err(Refusal::MaterialsMissing { notice });
    }
    let materials = case.materials.supply(&on_list)?;
    if !materials.missing().is_empty() {
        let mut notice = correction.notice.clone();
        notice
            .items
            .retain(|i| materials.missing().iter().any(|m| m.name == i.name));
        return Err(Refusal::MaterialsMissing { notice });
    }
    let mut next = case.clone();
    next.materials = materials;
    next.correction = None;
    if correction.before_acceptance {
        next = accept::start_clock(&next, now.date, cal)?;
    } else {
        if let Some(stop) = next.stops.iter_mut().rev().find(|s| s.to.is_none()) {
            stop.to = Some(now.date);
        }
        next.status = Status::InProgress;
    }
    let body = CaseEventBody::CorrectionAnswered {
        provided: provided.to_vec(),
        accepted_on: correction.before_acceptance.then_some(now.date),
        deadline: next.deadline(cal)?,
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
