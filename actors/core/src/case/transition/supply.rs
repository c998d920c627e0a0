//! 补交容缺材料: the applicant hands in materials that were tolerated
//! missing (容缺受理); the decision waits for them (see `approve`).

use super::super::events::{CaseEvent, CaseEventBody};
use super::super::refusal::{Action, Refusal};
use super::super::state::Case;
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;

/// Records `provided` (checklist names). Errors: [`Refusal::NotAllowed`],
/// [`Refusal::NothingOwed`] for an empty list, [`Refusal::UnknownMaterial`].
pub fn supply(
    case: &Case,
    provided: &[String],
    actor: &Actor,
    now: Now,
    _cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Supply)?;
    if provided.is_empty() {
        return Err(Refusal::NothingOwed);
    }
    let mut next = case.clone();
    next.materials = case.materials.supply(provided)?;
    let ev = event(
        &next,
        actor,
        now,
        CaseEventBody::MaterialsSupplied {
            provided: provided.to_vec(),
        },
    );
    Ok((next, ev))
}
