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

use super::{invalid, ConfigError, HallConfig, ItemConfig};

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
    pub parts: Vec<PackagePartConfig>,
}

/// One department's part of a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackagePartConfig {
    pub department: String,
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
    for (i, item) in cfg.items.iter().enumerate() {
        if let Some(case) = &item.case {
            validate_item(cfg, i, item, case)?;
        }
    }
    Ok(())
}

fn validate_item(
    cfg: &HallConfig,
    i: usize,
    item: &ItemConfig,
    case: &CaseSettings,
) -> Result<(), ConfigError> {
    let at = |field: &str| format!("items[{i}].case.{field}");
    let legal = case.legal_limit();
    let cap = if case.package.is_some() {
        LEGAL_DAYS_PACKAGE
    } else {
        LEGAL_DAYS_SINGLE
    };
    if legal == 0 || legal > cap {
        return Err(invalid(
            at("legal_days"),
            format!("1 to {cap} working days (《行政许可法》第四十二条)"),
        ));
    }
    if item.promise_days > legal {
        return Err(invalid(
            format!("items[{i}].promise_days"),
            format!(
                "the promise ({} working days) exceeds the legal limit ({legal}) / 承诺时限超过法定时限",
                item.promise_days
            ),
        ));
    }
    check_steps(
        &at("steps"),
        &case.steps,
        item.promise_days,
        case.green_promise_days,
    )?;
    if let Some(green) = case.green_promise_days {
        if green > item.promise_days {
            return Err(invalid(
                at("green_promise_days"),
                "the green channel's promise must not exceed promise_days",
            ));
        }
    }
    let mut names = std::collections::HashSet::new();
    for (m, mat) in case.materials.iter().enumerate() {
        let field = at(&format!("materials[{m}]"));
        if mat.name.trim().is_empty() || !names.insert(mat.name.as_str()) {
            return Err(invalid(field, "a material needs a name of its own"));
        }
        if mat.tolerated && !mat.required {
            return Err(invalid(
                format!("{field}.tolerated"),
                "only a required material can be tolerated missing (容缺)",
            ));
        }
    }
    if case.delivery_days > DELIVERY_DAYS {
        return Err(invalid(
            at("delivery_days"),
            "at most 10 working days from the decision (《行政许可法》第四十四条)",
        ));
    }
    if case.warn_percent == 0 || case.warn_percent > 100 {
        return Err(invalid(at("warn_percent"), "1 to 100"));
    }
    if case.tolerated_days == 0 || case.correction_answer_days == 0 {
        return Err(invalid(
            at("tolerated_days"),
            "tolerated_days and correction_answer_days are at least 1",
        ));
    }
    if let Some(pkg) = &case.package {
        check_package(cfg, &at("package"), pkg, item.promise_days)?;
    }
    Ok(())
}

fn check_steps(
    field: &str,
    steps: &[StepConfig],
    promise: u32,
    green: Option<u32>,
) -> Result<(), ConfigError> {
    let mut total = 0u32;
    let mut green_total = 0u32;
    for (s, step) in steps.iter().enumerate() {
        if step.name.trim().is_empty() {
            return Err(invalid(format!("{field}[{s}].name"), "a step needs a name"));
        }
        total = total.saturating_add(step.days);
        let g = step.green_days.unwrap_or(step.days);
        if g > step.days {
            return Err(invalid(
                format!("{field}[{s}].green_days"),
                "the green channel's limit must not exceed days",
            ));
        }
        green_total = green_total.saturating_add(g);
    }
    if total > promise {
        return Err(invalid(
            field,
            format!("the steps' limits add up to {total} working days, more than the promise ({promise})"),
        ));
    }
    if let Some(green) = green {
        if green_total > green {
            return Err(invalid(
                field,
                format!("the steps' green-channel limits add up to {green_total}, more than green_promise_days ({green})"),
            ));
        }
    }
    Ok(())
}

fn check_package(
    cfg: &HallConfig,
    field: &str,
    pkg: &PackageConfig,
    promise: u32,
) -> Result<(), ConfigError> {
    if !(2..=20).contains(&pkg.parts.len()) {
        return Err(invalid(
            format!("{field}.parts"),
            "a package has 2 to 20 department parts",
        ));
    }
    let known = |d: &str| cfg.departments.iter().any(|x| x.id == d);
    for (p, part) in pkg.parts.iter().enumerate() {
        let at = format!("{field}.parts[{p}]");
        if !known(&part.department) {
            return Err(invalid(
                format!("{at}.department"),
                format!("unknown department {:?}", part.department),
            ));
        }
        if part.days > promise {
            return Err(invalid(
                format!("{at}.days"),
                format!("a part's promise must not exceed the package's ({promise})"),
            ));
        }
        check_steps(&format!("{at}.steps"), &part.steps, part.days, None)?;
    }
    if !pkg.parts.iter().any(|p| p.department == pkg.lead) {
        return Err(invalid(
            format!("{field}.lead"),
            format!(
                "the lead department {:?} has no part in the package",
                pkg.lead
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::DEMO_HALL_TOML;
    use super::*;

    fn err(edit: impl Fn(&str) -> String) -> String {
        match HallConfig::from_toml(&edit(DEMO_HALL_TOML)) {
            Ok(_) => panic!("edited config was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_demo_hall_has_cases_and_a_package() {
        let cfg = HallConfig::demo().unwrap();
        let with_case: Vec<_> = cfg.items.iter().filter(|i| i.case.is_some()).collect();
        assert!(with_case.len() >= 2, "{}", with_case.len());
        let pkg = cfg
            .items
            .iter()
            .find_map(|i| i.case.as_ref()?.package.as_ref().map(|p| (i, p)))
            .expect("a package item");
        assert!(pkg.1.parts.len() >= 2);
        assert_eq!(
            pkg.0.case.as_ref().unwrap().legal_limit(),
            LEGAL_DAYS_PACKAGE
        );
        assert!(with_case.iter().any(|i| i
            .case
            .as_ref()
            .unwrap()
            .materials
            .iter()
            .any(|m| m.tolerated)));
    }

    #[test]
    fn a_promise_beyond_the_legal_limit_is_refused() {
        // The food licence promises 10 working days; its law allows 20.
        let food = "name_en = \"Food business licence\"\ndepartment = \"amr\"\nqueue = \"B\"\npromise_days = 10";
        assert!(DEMO_HALL_TOML.contains(food));
        let e = err(|t| t.replacen(food, &food.replace("= 10", "= 21"), 1));
        assert!(
            e.contains("promise_days") && e.contains("legal limit (20)"),
            "{e}"
        );
        let e = err(|t| {
            t.replacen(
                "green_promise_days = 6",
                "green_promise_days = 6\nlegal_days = 9",
                1,
            )
        });
        assert!(e.contains("legal limit (9)"), "{e}");
        // A package may have up to 45 (art. 42), not more.
        let e = err(|t| t.replacen("[items.case]\n", "[items.case]\nlegal_days = 46\n", 1));
        assert!(e.contains("case.legal_days") && e.contains("45"), "{e}");
    }

    #[test]
    fn bad_sections_name_their_field() {
        let e = err(|t| t.replacen("[items.case]\n", "[items.case]\ndelivery_days = 11\n", 1));
        assert!(e.contains("case.delivery_days"), "{e}");
        let e = err(|t| t.replacen("[items.case]\n", "[items.case]\nwarn_percent = 0\n", 1));
        assert!(e.contains("case.warn_percent"), "{e}");
        let e = err(|t| t.replacen("[items.case]\n", "[items.case]\nfee = 1\n", 1));
        assert!(e.contains("fee"), "{e}");
        let e = err(|t| t.replacen("lead = \"amr\"", "lead = \"civil\"", 1));
        assert!(e.contains("package.lead"), "{e}");
        let e = err(|t| {
            t.replacen(
                "department = \"tax\", name",
                "department = \"nope\", name",
                1,
            )
        });
        assert!(e.contains("package.parts[") && e.contains("nope"), "{e}");
        let e = err(|t| t.replacen("days = 6, green_days = 3", "days = 16, green_days = 3", 1));
        assert!(
            e.contains("case.steps") && e.contains("more than the promise"),
            "{e}"
        );
        let e = err(|t| t.replacen("green_days = 3", "green_days = 7", 1));
        assert!(e.contains("steps[1].green_days"), "{e}");
        let e = err(|t| {
            t.replacen(
                "of the premises\", tolerated = true",
                "of the premises\", tolerated = true, required = false",
                1,
            )
        });
        assert!(e.contains("tolerated"), "{e}");
    }
}
