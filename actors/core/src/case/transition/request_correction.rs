//! 补正告知: the hall tells the applicant, once and completely, what to
//! correct (一次性告知), and the clock stops until the answer.
//!
//! 《行政许可法》第三十二条第一款第四项: before acceptance the notice is due on
//! the spot or within 5 working days of receipt; later it is refused
//! ([`Refusal::CorrectionNoticeLate`]) because the application already
//! counts as accepted from the day the materials arrived — accept it
//! (`accept` dates it from then). During review a correction stops the
//! clock (`clock`): the days awaiting the answer never count.

use super::super::clock::{Stop, StopKind};
use super::super::events::{CaseEvent, CaseEventBody};
use super::super::materials::{NoticeKind, OneTimeNotice, OwedItem};
use super::super::plan::CaseKind;
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Correction, Status};
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;
use crate::config::cases::CORRECTION_NOTICE_DAYS;

/// Asks for a correction of `owed` (checklist materials by name, or
/// free-text points). Errors: [`Refusal::NotAllowed`],
/// [`Refusal::ImmediateCase`], [`Refusal::NothingOwed`],
/// [`Refusal::CorrectionNoticeLate`], [`Refusal::Calendar`].
pub fn request_correction(
    case: &Case,
    owed: &[String],
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::RequestCorrection)?;
    let before_acceptance = case.status == Status::Received;
    if !before_acceptance && case.rules.kind == CaseKind::Immediate {
        return Err(Refusal::ImmediateCase {
            action: Action::RequestCorrection,
        });
    }
    let mut names: Vec<String> = owed
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(Refusal::NothingOwed);
    }
    // 一次告知全部内容: required materials still missing are always listed.
    for m in case.materials.missing() {
        if !names.contains(&m.name) {
            names.push(m.name);
        }
    }
    if before_acceptance {
        let due = cal.add_working_days(case.received_on, CORRECTION_NOTICE_DAYS)?;
        if now.date > due {
            return Err(Refusal::CorrectionNoticeLate {
                received_on: case.received_on,
                due,
            });
        }
    }
    let items = names
        .iter()
        .map(|n| OwedItem {
            name: n.clone(),
            name_en: case
                .materials
                .lines
                .iter()
                .find(|l| &l.name == n)
                .map(|l| l.name_en.clone())
                .unwrap_or_default(),
        })
        .collect();
    let notice = OneTimeNotice {
        kind: NoticeKind::Correction,
        items,
        due: Some(cal.add_working_days(now.date, case.rules.correction_answer_days)?),
    };
    let mut next = case.clone();
    next.materials = case.materials.mark_owed(&names);
    next.correction = Some(Correction {
        notice: notice.clone(),
        before_acceptance,
    });
    if !before_acceptance {
        next.stops.push(Stop {
            kind: StopKind::Correction,
            from: now.date,
            to: None,
        });
    }
    next.status = Status::Correction;
    let ev = event(
        &next,
        actor,
        now,
        CaseEventBody::CorrectionRequested { notice },
    );
    Ok((next, ev))
}
