//! The recommendation that ends a simulation report, in a hall director's
//! words: which roster and calling strategy to use, what it costs against
//! the other rosters, and where citizens still wait too long.
//!
//! The rule: the combination that calls the most citizens within the
//! scenario's target wait wins; on a tie, the one whose 9-in-10 wait is
//! shorter. Below 80% within the target the report says where to add staff
//! first (the area with the longest 9-in-10 wait).

use std::fmt::Write as _;

use super::report::{PlanStats, RunStats};

/// Share of citizens called within the target below which the report
/// advises adding staff.
const ENOUGH_WITHIN_TARGET: f64 = 0.8;

fn p90_all(r: &RunStats) -> f64 {
    r.all.map(|s| s.p90).unwrap_or(0.0)
}

/// Better first: more within the target, then a shorter 9-in-10 wait.
fn better(a: &RunStats, b: &RunStats) -> std::cmp::Ordering {
    a.within_target
        .total_cmp(&b.within_target)
        .then_with(|| p90_all(b).total_cmp(&p90_all(a)))
}

fn best_run(plan: &PlanStats) -> Option<&RunStats> {
    plan.runs.iter().max_by(|a, b| better(a, b))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The closing paragraph, starting `建议 Recommendation`; empty when no
/// plan was run.
pub fn recommend(plans: &[PlanStats], target_min: i64, area_names: &[String]) -> String {
    let Some((plan, run)) = plans
        .iter()
        .filter_map(|p| best_run(p).map(|r| (p, r)))
        .max_by(|a, b| better(a.1, b.1))
    else {
        return String::new();
    };
    let mut o = String::new();
    let _ = writeln!(o, "建议 Recommendation");
    let _ = writeln!(
        o,
        "采用「{}」排班和「{}」叫号策略：{} 的群众在 {} 分钟内被叫到，九成人等候不超过 {:.0} 分钟。",
        plan.name_zh,
        run.strategy_zh,
        pct(run.within_target),
        target_min,
        p90_all(run)
    );
    let _ = writeln!(
        o,
        "Use the \"{}\" roster with the \"{}\" calling strategy: {} of citizens are called within {} min, and 9 in 10 wait at most {:.0} min.",
        plan.name,
        run.strategy,
        pct(run.within_target),
        target_min,
        p90_all(run)
    );
    for other in plans.iter().filter(|p| p.name != plan.name) {
        let Some(o_run) = best_run(other) else {
            continue;
        };
        let hours = plan.roster.window_hours - other.roster.window_hours;
        let points = (run.within_target - o_run.within_target) * 100.0;
        let (more_zh, more_en) = if hours >= 0.0 {
            ("多", "more")
        } else {
            ("少", "fewer")
        };
        let _ = writeln!(
            o,
            "与「{}」相比：{} {:.1} 个窗口小时，目标内叫到的群众多 {:.1} 个百分点。 Against \"{}\": {:.1} {} staffed window-hours, {:.1} points more citizens called within the target.",
            other.name_zh,
            more_zh,
            hours.abs(),
            points,
            other.name,
            hours.abs(),
            more_en,
            points
        );
    }
    if run.within_target < ENOUGH_WITHIN_TARGET {
        let worst = run
            .areas
            .iter()
            .zip(area_names)
            .filter_map(|((_, p90), name)| p90.map(|p| (name, p)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let late = pct(1.0 - run.within_target);
        match worst {
            Some((area, p90)) => {
                let _ = writeln!(
                    o,
                    "即便如此，仍有 {late} 的群众等候超过 {target_min} 分钟，{area} 最久（九成人等候不超过 {p90:.0} 分钟）：先在该区高峰时段加开窗口。 Even so, {late} wait longer than {target_min} min, longest in {area} (9 in 10 within {p90:.0} min): open more windows there at the peak first."
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "即便如此，仍有 {late} 的群众等候超过 {target_min} 分钟：高峰时段需加开窗口。 Even so, {late} wait longer than {target_min} min: open more windows at the peak."
                );
            }
        }
    }
    o
}
