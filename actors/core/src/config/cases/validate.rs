//! Validation of `[items.case]` (`HallConfig::validate` runs it after the
//! other sections): limits within the law, steps within the promise,
//! materials, packages and their departments.

use super::super::{invalid, ConfigError, HallConfig, ItemConfig};
use super::*;

/// Checks every item's case section.
pub(super) fn items(cfg: &HallConfig) -> Result<(), ConfigError> {
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
    use super::super::super::DEMO_HALL_TOML;
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
