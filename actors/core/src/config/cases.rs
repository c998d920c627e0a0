//! An item's case settings (`[items.case]`): how a case (办件) of the item
//! is handled — its approval steps (通用审批), the materials checklist, the
//! fee, the green channel (绿色通道), the legal limit, the e-supervision
//! (电子监察) warning point, and for a package (套餐) its department parts.
//!
//! Whether a case is an immediate case (即办件) or a promise case (承诺件),
//! and its promised limit (承诺时限), come from the item's `promise_days`
//! (0: immediate), so the ticket and the case never disagree. Limits are in
//! working days (《行政许可法》第八十二条); the rules that use them are in
//! the rules crate's `case` module.
//!
//! ```toml
//! [items.case]
//! fee_fen = 0
//! steps = [
//!   { name = "受理", name_en = "Acceptance", days = 0 },
//!   { name = "审查", name_en = "Review", days = 3 },
//!   { name = "决定", name_en = "Decision", days = 1, green_days = 0 },
//!   { name = "办结", name_en = "Completion", days = 1 },
//! ]
//! materials = [
//!   { name = "营业执照", name_en = "Business licence" },
//!   { name = "经营场所平面图", name_en = "Floor plan", tolerated = true },
//! ]
//! green_promise_days = 3
//! ```

use serde::{Deserialize, Serialize};

use super::{ConfigError, HallConfig};

mod validate;

/// The legal limit of a single case: a decision within 20 working days of
/// acceptance (《行政许可法》第四十二条第一款).
pub const LEGAL_DAYS_SINGLE: u32 = 20;
/// The legal limit of joint or centralised handling (统一办理、联合办理、集中
/// 办理), i.e. a package: 45 working days (《行政许可法》第四十二条第二款).
pub const LEGAL_DAYS_PACKAGE: u32 = 45;
/// An extension of a single case: once, by at most 10 working days, with
/// the approval of the body's head (《行政许可法》第四十二条第一款).
pub const EXTENSION_DAYS_SINGLE: u32 = 10;
/// An extension of a package: once, by at most 15 working days, with the
/// approval of the government at that level (《行政许可法》第四十二条第二款).
pub const EXTENSION_DAYS_PACKAGE: u32 = 15;
/// The certificate is issued and delivered within 10 working days of the
/// decision (《行政许可法》第四十四条).
pub const DELIVERY_DAYS: u32 = 10;
/// A correction notice (补正告知) is given on the spot or within 5 working
/// days of receiving the materials (《行政许可法》第三十二条第一款第四项).
pub const CORRECTION_NOTICE_DAYS: u32 = 5;

/// One item's case settings, `[items.case]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSettings {
    /// The item's statutory limit in working days when its own law sets one
    /// shorter than the Administrative Licensing Law's; none: 20, or 45 for
    /// a package (art. 42). The promise (`promise_days`) may not exceed it.
    #[serde(default)]
    pub legal_days: Option<u32>,
    /// The approval steps in order (e.g. 受理 → 审查 → 决定 → 办结); their
    /// limits add up to at most the promise. Empty: one step, 办理.
    /// Delivery (送达) follows the last step with its own limit
    /// (`delivery_days`).
    #[serde(default)]
    pub steps: Vec<StepConfig>,
    /// The materials checklist (申请材料).
    #[serde(default)]
    pub materials: Vec<MaterialConfig>,
    /// The fee by the item's charging standard, in fen (分; 100 fen = 1
    /// yuan); 0: free.
    #[serde(default)]
    pub fee_fen: u64,
    /// The promise on the green channel (绿色通道), in working days; none:
    /// the item has no green channel. At most `promise_days`.
    #[serde(default)]
    pub green_promise_days: Option<u32>,
    /// Working days after acceptance by which tolerated missing materials
    /// (容缺) must be handed in; 5 by default.
    #[serde(default = "default_tolerated_days")]
    pub tolerated_days: u32,
    /// Working days the applicant has to answer a correction notice (补正);
    /// 10 by default. The clock is stopped meanwhile.
    #[serde(default = "default_correction_answer_days")]
    pub correction_answer_days: u32,
    /// Working days from the decision to delivery of the certificate; at
    /// most 10 (art. 44), 10 by default.
    #[serde(default = "default_delivery_days")]
    pub delivery_days: u32,
    /// E-supervision (电子监察) turns yellow when this percentage of a limit
    /// is used; 80 by default.
    #[serde(default = "default_warn_percent")]
    pub warn_percent: u32,
    /// …or when this many working days or fewer are left; 2 by default.
    #[serde(default = "default_warn_days_left")]
    pub warn_days_left: u32,
    /// A package (套餐, 一件事): the department parts handled jointly.
    #[serde(default)]
    pub package: Option<PackageConfig>,
}

/// One approval step (审批环节).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// 受理, 审查, 决定, 办结…
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// The step's limit in working days; 0: the same day.
    pub days: u32,
    /// The step's limit on the green channel; none: `days`.
    #[serde(default)]
    pub green_days: Option<u32>,
}

/// One material of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialConfig {
    /// The material's name, as printed on the checklist (申请书…).
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Whether the application needs it; true by default.
    #[serde(default = "yes")]
    pub required: bool,
    /// Whether a case may be accepted while it is missing (容缺受理), with a
    /// one-time notice (一次性告知) of when it is due. Only for required
    /// materials.
    #[serde(default)]
    pub tolerated: bool,
}

/// A package's parts (套餐, e.g. 我要开一家公司): one application, one set of
/// materials, one sub-case per department, in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// The package's name as citizens know it (我要开一家公司).
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// The lead department (牵头部门), one of the parts' departments.
    pub lead: String,
    /// The department parts (2 to 20).
    pub parts: Vec<PackagePartConfig>,
}

/// One department's part of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackagePartConfig {
    /// The department handling the part.
    pub department: String,
    /// The part's name (营业执照, 公章刻制…).
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// The part's promise in working days (at most the package's).
    pub days: u32,
    /// The part's steps; empty: one step, 办理.
    #[serde(default)]
    pub steps: Vec<StepConfig>,
}

fn yes() -> bool {
    true
}
fn default_tolerated_days() -> u32 {
    5
}
fn default_correction_answer_days() -> u32 {
    10
}
fn default_delivery_days() -> u32 {
    DELIVERY_DAYS
}
fn default_warn_percent() -> u32 {
    80
}
fn default_warn_days_left() -> u32 {
    2
}

impl CaseSettings {
    /// The legal limit in working days: `legal_days`, else 20 for a single
    /// case and 45 for a package (art. 42).
    pub fn legal_limit(&self) -> u32 {
        self.legal_days.unwrap_or(if self.package.is_some() {
            LEGAL_DAYS_PACKAGE
        } else {
            LEGAL_DAYS_SINGLE
        })
    }
}

/// Checks every item's case section; errors name the field
/// (`items[3].case.steps[1].days`).
pub(super) fn validate(cfg: &HallConfig) -> Result<(), ConfigError> {
    validate::items(cfg)
}
