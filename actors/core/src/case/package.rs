//! Packages (套餐, "一件事", e.g. 我要开一家公司): one application split into
//! department sub-cases that run in parallel under a lead department
//! (牵头部门), with one set of materials shared by all parts.
//!
//! Each part is a [`Case`] of scope [`PackagePart`](super::plan::Scope::PackagePart): joint handling
//! has the legal limit of 45 working days and an extension of up to 15
//! (《行政许可法》第四十二条第二款). The package completes exactly when every
//! part is completed (decided) — [`PackageCase::is_complete`] — and
//! [`apply_to_part`] emits `package_completed` at that moment, once. Its
//! progress is one view ([`progress`]). Tolerated materials (容缺) belong
//! to the package: no part decides while one is owed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::events::{CaseEvent, CaseEventBody};
use super::materials::Checklist;
use super::number::CaseNumber;
use super::plan::CasePlan;
use super::refusal::{Action, Refusal};
use super::state::{Case, Status};
use super::transition::intake::{intake_plan, Intake};
use super::transition::{self, check, Input};
use super::{Actor, Now};

mod progress;
mod record;

use crate::calendar::Calendar;
use crate::config::ItemConfig;
pub use progress::{progress, PackageProgress, PartProgress};
pub use record::PackageRecord;

/// A package and its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageCase {
    /// The package's number; parts add `-P{n}`.
    pub number: CaseNumber,
    /// The item's id.
    pub item: String,
    /// The package's name (我要开一家公司).
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// The lead department.
    pub lead: String,
    /// The shared checklist.
    pub materials: Checklist,
    /// One sub-case per department, numbered `{number}-P1`, `-P2`, ….
    pub parts: Vec<Case>,
    /// The day the last part was completed.
    pub completed_on: Option<NaiveDate>,
}

/// Where a package stands, from its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageStatus {
    /// Some part is still being handled.
    InProgress,
    /// Every part is completed (decided, delivered or not).
    Completed,
    /// Every part is closed and some ended without a decision.
    Ended,
}

pub(crate) fn decided(c: &Case) -> bool {
    matches!(c.status, Status::Completed | Status::Delivered)
}

impl PackageCase {
    /// Whether every part is completed.
    pub fn is_complete(&self) -> bool {
        !self.parts.is_empty() && self.parts.iter().all(decided)
    }

    /// The package's status.
    pub fn status(&self) -> PackageStatus {
        if self.is_complete() {
            PackageStatus::Completed
        } else if self.parts.iter().all(|p| !p.status.is_open()) {
            PackageStatus::Ended
        } else {
            PackageStatus::InProgress
        }
    }
}

/// Takes in a package of `item` (its config has `[items.case.package]`):
/// the shared checklist, then one part per department, accepted together.
/// The events: `package_received`, then each part's `received`. Errors: as
/// [`transition::intake()`].
pub fn intake_package(
    item: &ItemConfig,
    input: &Intake,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(PackageCase, Vec<CaseEvent>), Refusal> {
    let plan = CasePlan::for_item(item, false)?;
    let pkg_cfg = item
        .case
        .as_ref()
        .and_then(|c| c.package.as_ref())
        .ok_or_else(|| Refusal::NoCaseSettings {
            item: item.id.clone(),
        })?;
    let mut materials = Checklist::new(&plan.materials, &input.provided)?;
    if input.on_the_spot && !materials.missing().is_empty() {
        return Err(Refusal::MaterialsMissing {
            notice: materials.incomplete_notice(),
        });
    }
    if input.on_the_spot && materials.tolerated_notice().is_some() {
        materials.tolerated_due = Some(cal.add_working_days(now.date, plan.tolerated_days)?);
    }
    let mut parts = Vec::new();
    let mut part_events = Vec::new();
    for (k, part_plan) in CasePlan::for_parts(item)?.iter().enumerate() {
        let part_input = Intake {
            number: input.number.part(u8::try_from(k + 1).unwrap_or(u8::MAX)),
            provided: Vec::new(),
            ..input.clone()
        };
        let (case, ev) = intake_plan(part_plan, &part_input, actor, now, cal)?;
        parts.push(case);
        part_events.push(ev);
    }
    let pkg = PackageCase {
        number: input.number.clone(),
        item: item.id.clone(),
        name: pkg_cfg.name.clone(),
        name_en: pkg_cfg.name_en.clone(),
        lead: pkg_cfg.lead.clone(),
        materials,
        parts,
        completed_on: None,
    };
    let mut events = vec![CaseEvent {
        case: pkg.number.clone(),
        at: now.at,
        by: actor.id.clone(),
        role: actor.role,
        body: CaseEventBody::PackageReceived {
            item: pkg.item.clone(),
            name: pkg.name.clone(),
            lead: pkg.lead.clone(),
            parts: pkg.parts.iter().map(|p| p.number.clone()).collect(),
            materials: pkg.materials.clone(),
        },
    }];
    events.extend(part_events);
    Ok((pkg, events))
}

/// Applies `input` to part `part` (0-based). Handing in materials goes to
/// the shared checklist; a decision waits for tolerated materials still
/// owed. When this completes the last open part the package completes: a
/// `package_completed` event follows the part's. Errors:
/// [`Refusal::NoSuchPart`], [`Refusal::MaterialsOwed`], the part's refusal.
pub fn apply_to_part(
    pkg: &PackageCase,
    part: usize,
    input: &Input,
    actor: &Actor,
    now: Now,
    cal: &Calendar,
) -> Result<(PackageCase, Vec<CaseEvent>), Refusal> {
    let case = pkg.parts.get(part).ok_or(Refusal::NoSuchPart { part })?;
    let mut next = pkg.clone();
    if let Input::Supply { provided } = input {
        check(case, Action::Supply)?;
        if provided.is_empty() {
            return Err(Refusal::NothingOwed);
        }
        next.materials = pkg.materials.supply(provided)?;
        let ev = CaseEvent {
            case: pkg.number.clone(),
            at: now.at,
            by: actor.id.clone(),
            role: actor.role,
            body: CaseEventBody::MaterialsSupplied {
                provided: provided.clone(),
            },
        };
        return Ok((next, vec![ev]));
    }
    let deciding =
        matches!(input, Input::ApproveStep { .. }) && case.current + 1 >= case.steps.len();
    if deciding && case.status == Status::InProgress {
        let owed = pkg.materials.owed();
        if !owed.is_empty() {
            return Err(Refusal::MaterialsOwed {
                names: owed.into_iter().map(|o| o.name).collect(),
            });
        }
    }
    let was_complete = pkg.is_complete();
    let (updated, ev) = transition::apply(case, input, actor, now, cal)?;
    if let Some(slot) = next.parts.get_mut(part) {
        *slot = updated;
    }
    let mut events = vec![ev];
    if !was_complete && next.is_complete() {
        next.completed_on = Some(now.date);
        let mut on_time = true;
        for p in &next.parts {
            let dl = p.deadline(cal)?;
            on_time &= match (p.completed_on, dl) {
                (Some(done), Some(dl)) => done <= dl,
                _ => true,
            };
        }
        events.push(CaseEvent {
            case: next.number.clone(),
            at: now.at,
            by: actor.id.clone(),
            role: actor.role,
            body: CaseEventBody::PackageCompleted { on_time },
        });
    }
    Ok((next, events))
}
