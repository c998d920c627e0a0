//! [`CasePlan`]: an item's case settings resolved for one case — its kind,
//! promise, steps (on the green channel or not), materials, fee and the
//! limits of the law that govern it.

use serde::{Deserialize, Serialize};

use super::refusal::Refusal;
use super::supervision::WarnPoint;
use crate::config::cases::{
    CaseSettings, MaterialConfig, StepConfig, EXTENSION_DAYS_PACKAGE, EXTENSION_DAYS_SINGLE,
};
use crate::config::ItemConfig;

/// Immediate case (即办件: decided on the day of acceptance) or promise case
/// (承诺件: decided within the promised working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Immediate,
    Promise,
}

/// A case of its own, or a department's part of a package (joint handling,
/// 联合办理: 45 working days, extension by 15; 《行政许可法》第四十二条第二款).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Single,
    PackagePart,
}

impl Scope {
    /// The most an extension may add (art. 42): 10 working days, 15 for a
    /// package.
    pub fn extension_days(self) -> u32 {
        match self {
            Scope::Single => EXTENSION_DAYS_SINGLE,
            Scope::PackagePart => EXTENSION_DAYS_PACKAGE,
        }
    }
}

/// One step's name and limit in working days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPlan {
    /// The step's name (受理, 审查…).
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// Its limit in working days (0: the same day).
    pub days: u32,
}

/// Everything a case needs from its item's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePlan {
    /// The item's id.
    pub item: String,
    /// The department handling it.
    pub department: String,
    /// Immediate (即办件) or promise case (承诺件).
    pub kind: CaseKind,
    /// A case of its own or a package part.
    pub scope: Scope,
    /// The promise (承诺时限) in working days (green channel applied).
    pub promise_days: u32,
    /// The steps in order; never empty.
    pub steps: Vec<StepPlan>,
    /// The checklist's materials (empty for package parts: the package holds them).
    pub materials: Vec<MaterialConfig>,
    /// The fee in fen (分).
    pub fee_fen: u64,
    /// Whether the green channel's limits apply.
    pub green: bool,
    /// Working days after acceptance by which tolerated materials are due.
    pub tolerated_days: u32,
    /// Working days the applicant has to answer a correction.
    pub correction_answer_days: u32,
    /// Working days from the decision to delivery (at most 10, art. 44).
    pub delivery_days: u32,
    /// Where e-supervision turns yellow.
    pub warn: WarnPoint,
}

fn steps_of(steps: &[StepConfig], promise: u32, green: bool) -> Vec<StepPlan> {
    if steps.is_empty() {
        return vec![StepPlan {
            name: "办理".into(),
            name_en: "Handling".into(),
            days: promise,
        }];
    }
    steps
        .iter()
        .map(|s| StepPlan {
            name: s.name.clone(),
            name_en: s.name_en.clone(),
            days: if green {
                s.green_days.unwrap_or(s.days)
            } else {
                s.days
            },
        })
        .collect()
}

fn settings(item: &ItemConfig) -> Result<&CaseSettings, Refusal> {
    item.case.as_ref().ok_or_else(|| Refusal::NoCaseSettings {
        item: item.id.clone(),
    })
}

impl CasePlan {
    /// The plan of a case of `item`, on the green channel (绿色通道) if
    /// `green`. Errors: [`Refusal::NoCaseSettings`], [`Refusal::NoGreenChannel`].
    pub fn for_item(item: &ItemConfig, green: bool) -> Result<Self, Refusal> {
        let s = settings(item)?;
        let promise = if green {
            s.green_promise_days
                .ok_or_else(|| Refusal::NoGreenChannel {
                    item: item.id.clone(),
                })?
        } else {
            item.promise_days
        };
        Ok(Self {
            item: item.id.clone(),
            department: item.department.clone(),
            kind: if promise == 0 {
                CaseKind::Immediate
            } else {
                CaseKind::Promise
            },
            scope: Scope::Single,
            promise_days: promise,
            steps: steps_of(&s.steps, promise, green),
            materials: s.materials.clone(),
            fee_fen: s.fee_fen,
            green,
            tolerated_days: s.tolerated_days,
            correction_answer_days: s.correction_answer_days,
            delivery_days: s.delivery_days,
            warn: WarnPoint {
                percent: s.warn_percent,
                days_left: s.warn_days_left,
            },
        })
    }

    /// The plans of a package item's department parts, in config order
    /// (materials stay with the package). Errors: [`Refusal::NoCaseSettings`]
    /// (also when the item is not a package).
    pub fn for_parts(item: &ItemConfig) -> Result<Vec<Self>, Refusal> {
        let s = settings(item)?;
        let pkg = s.package.as_ref().ok_or_else(|| Refusal::NoCaseSettings {
            item: item.id.clone(),
        })?;
        let base = Self::for_item(item, false)?;
        Ok(pkg
            .parts
            .iter()
            .map(|p| Self {
                department: p.department.clone(),
                kind: if p.days == 0 {
                    CaseKind::Immediate
                } else {
                    CaseKind::Promise
                },
                scope: Scope::PackagePart,
                promise_days: p.days,
                steps: steps_of(&p.steps, p.days, false),
                materials: Vec::new(),
                fee_fen: 0,
                ..base.clone()
            })
            .collect())
    }
}
