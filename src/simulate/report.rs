//! What a simulated day comes to, per staffing plan and strategy, and the
//! plain-text tables `tingwu simulate` prints (strategies side by side).

use std::fmt::Write as _;

use tingwu_actors::core::strategy::Class;

use super::advice::recommend;
use super::engine::{DayOutcome, TicketOutcome};
use super::roster::Roster;
use super::scenario::{Scenario, SimHall};

/// p50, p90 and max, in minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub p50: f64,
    pub p90: f64,
    pub max: f64,
}

/// Mean absolute and p90 absolute error of a prediction, and its mean
/// signed error (positive: predicted too long), in minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Error {
    pub mae: f64,
    pub p90: f64,
    pub bias: f64,
}

#[derive(Debug, Clone)]
pub struct RunStats {
    pub strategy: String,
    pub strategy_zh: String,
    pub issued: usize,
    pub served: usize,
    /// By class, in the order of `CLASSES`; None when the class had no ticket served.
    pub waits: Vec<(Class, Option<Spread>)>,
    pub all: Option<Spread>,
    /// Served within the target, of all tickets issued.
    pub within_target: f64,
    pub utilisation: f64,
    /// Per area of the hall: (utilisation, p90 wait in minutes).
    pub areas: Vec<(Option<f64>, Option<f64>)>,
    pub last_done_us: i64,
    /// Our prediction, the per-window estimate, the naive baseline.
    pub ours: Option<Error>,
    pub per_window: Option<Error>,
    pub naive: Option<Error>,
    pub compared: usize,
}

#[derive(Debug, Clone)]
pub struct PlanStats {
    pub name: String,
    pub name_zh: String,
    /// Which windows open when, and the staffed window-hours.
    pub roster: Roster,
    pub refused: usize,
    pub at_opening: usize,
    pub runs: Vec<RunStats>,
}

const CLASSES: [(Class, &str, &str); 4] = [
    (Class::Green, "green channel", "绿色通道"),
    (Class::Appointment, "appointments", "预约"),
    (Class::Special, "special groups", "特殊人群"),
    (Class::Walkin, "walk-ins", "普通"),
];

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn spread(mut v: Vec<f64>) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Spread {
        p50: percentile(&v, 0.5),
        p90: percentile(&v, 0.9),
        max: v[v.len() - 1],
    })
}

/// From signed errors (predicted − actual), in minutes.
fn error(signed_min: &[f64]) -> Option<Error> {
    if signed_min.is_empty() {
        return None;
    }
    let n = signed_min.len() as f64;
    let mut abs: Vec<f64> = signed_min.iter().map(|e| e.abs()).collect();
    let mae = abs.iter().sum::<f64>() / n;
    abs.sort_by(f64::total_cmp);
    Some(Error {
        mae,
        p90: percentile(&abs, 0.9),
        bias: signed_min.iter().sum::<f64>() / n,
    })
}

fn wait_min(t: &TicketOutcome) -> Option<f64> {
    t.called_us.map(|c| (c - t.issued_us) as f64 / 60e6)
}

pub fn run_stats(
    hall: &SimHall,
    sc: &Scenario,
    name: &str,
    name_zh: &str,
    day: &DayOutcome,
) -> RunStats {
    let served: Vec<&TicketOutcome> = day
        .tickets
        .iter()
        .filter(|t| t.called_us.is_some())
        .collect();
    let waits = CLASSES
        .iter()
        .map(|(c, _, _)| {
            (
                *c,
                spread(
                    served
                        .iter()
                        .filter(|t| t.class == *c)
                        .filter_map(|t| wait_min(t))
                        .collect(),
                ),
            )
        })
        .collect();
    let target_min = sc.target_wait_s as f64 / 60.0;
    let within = served
        .iter()
        .filter_map(|t| wait_min(t))
        .filter(|w| *w <= target_min)
        .count();
    let busy: i64 = day.windows.iter().map(|w| w.busy_us).sum();
    let open: i64 = day.windows.iter().map(|w| w.open_us).sum();
    let areas = hall
        .areas
        .iter()
        .map(|a| {
            let (b, o) = hall
                .windows
                .iter()
                .zip(&day.windows)
                .filter(|(w, _)| &w.area == a)
                .fold((0i64, 0i64), |(b, o), (_, d)| {
                    (b + d.busy_us, o + d.open_us)
                });
            let util = (o > 0).then(|| b as f64 / o as f64);
            let p90 = spread(
                served
                    .iter()
                    .filter(|t| &hall.queue_area[t.queue] == a)
                    .filter_map(|t| wait_min(t))
                    .collect(),
            )
            .map(|s| s.p90);
            (util, p90)
        })
        .collect();
    // Prediction errors over the tickets that had a prediction and were called.
    let mut ours = Vec::new();
    let mut per_window = Vec::new();
    let mut naive = Vec::new();
    for t in &served {
        if let (Some(p), Some(w)) = (t.predicted_s, wait_min(t)) {
            ours.push(p / 60.0 - w);
            per_window.push(t.per_window_s / 60.0 - w);
            naive.push(t.naive_s / 60.0 - w);
        }
    }
    RunStats {
        strategy: name.to_string(),
        strategy_zh: name_zh.to_string(),
        issued: day.tickets.len(),
        served: served.len(),
        waits,
        all: spread(served.iter().filter_map(|t| wait_min(t)).collect()),
        within_target: if day.tickets.is_empty() {
            1.0
        } else {
            within as f64 / day.tickets.len() as f64
        },
        utilisation: if open > 0 {
            busy as f64 / open as f64
        } else {
            0.0
        },
        areas,
        last_done_us: day.last_done_us,
        compared: ours.len(),
        ours: error(&ours),
        per_window: error(&per_window),
        naive: error(&naive),
    }
}

/// Display width: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn padl(s: &str, w: usize) -> String {
    let mut out = String::new();
    for _ in width(s)..w {
        out.push(' ');
    }
    out.push_str(s);
    out
}

fn hhmm(us: i64) -> String {
    let m = us / 60_000_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn f1(x: f64) -> String {
    format!("{x:.1}")
}

fn spread_cell(s: Option<Spread>) -> String {
    match s {
        Some(s) => format!("{} / {} / {}", f1(s.p50), f1(s.p90), f1(s.max)),
        None => "-".into(),
    }
}

fn error_cell(e: Option<Error>, part: fn(&Error) -> String) -> String {
    e.as_ref().map(part).unwrap_or_else(|| "-".into())
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

const LABEL: usize = 58;

/// The whole report, deterministic for the same inputs.
pub fn render(
    sc: &Scenario,
    hall_name: &str,
    area_names: &[String],
    seed: u64,
    arrivals: usize,
    plans: &[PlanStats],
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "厅务 排队模拟 / Tingwu queue simulation");
    let _ = writeln!(
        o,
        "场景 scenario: {} ({}) · 大厅 hall: {} · 种子 seed: {}",
        sc.name, sc.name_en, hall_name, seed
    );
    let _ = writeln!(
        o,
        "到达 citizens arriving: {} · 目标等候 target wait: {} min",
        arrivals,
        sc.target_wait_s / 60
    );
    for plan in plans {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "== 排班 staffing: {} {} — {}; 开门时已有 {} 人取号 took a ticket at opening; {} 人无窗口可办未能取号 refused (no window open later) ==",
            plan.name_zh,
            plan.name,
            plan.roster.describe(),
            plan.at_opening,
            plan.refused
        );
        let cols: Vec<usize> = plan
            .runs
            .iter()
            .map(|r| width(&r.strategy).max(width(&r.strategy_zh)).max(20) + 2)
            .collect();
        let row = |o: &mut String, label: &str, cells: Vec<String>| {
            let mut line = pad(label, LABEL);
            for (c, w) in cells.iter().zip(&cols) {
                line.push_str(&padl(c, *w));
            }
            let _ = writeln!(o, "{}", line.trim_end());
        };
        let runs = &plan.runs;
        row(
            &mut o,
            "叫号策略 calling strategy",
            runs.iter().map(|r| r.strategy_zh.clone()).collect(),
        );
        row(
            &mut o,
            "",
            runs.iter().map(|r| r.strategy.clone()).collect(),
        );
        row(
            &mut o,
            "取号 / 已叫号 tickets taken / called",
            runs.iter()
                .map(|r| format!("{} / {}", r.issued, r.served))
                .collect(),
        );
        row(
            &mut o,
            "等候（分钟）：一半人不超过 / 九成人不超过 / 最长",
            Vec::new(),
        );
        row(
            &mut o,
            "wait, min: half within / 9 in 10 within / longest",
            Vec::new(),
        );
        for (i, (_, en, zh)) in CLASSES.iter().enumerate() {
            if runs.iter().all(|r| r.waits[i].1.is_none()) {
                continue;
            }
            row(
                &mut o,
                &format!("  {zh} {en}"),
                runs.iter().map(|r| spread_cell(r.waits[i].1)).collect(),
            );
        }
        row(
            &mut o,
            "  全部 everyone",
            runs.iter().map(|r| spread_cell(r.all)).collect(),
        );
        row(
            &mut o,
            &format!(
                "{0} 分钟内叫到 called within {0} min",
                sc.target_wait_s / 60
            ),
            runs.iter().map(|r| pct(r.within_target)).collect(),
        );
        row(
            &mut o,
            "窗口忙碌占比 windows busy, of open time",
            runs.iter().map(|r| pct(r.utilisation)).collect(),
        );
        row(&mut o, "分区：窗口忙碌占比，九成人等候不超过", Vec::new());
        row(
            &mut o,
            "by area: windows busy, 9 in 10 waited at most",
            Vec::new(),
        );
        for (i, name) in area_names.iter().enumerate() {
            row(
                &mut o,
                &format!("  {name}"),
                runs.iter()
                    .map(|r| match r.areas.get(i) {
                        Some((Some(u), p90)) => format!(
                            "{}, {}",
                            pct(*u),
                            p90.map(|p| format!("{} min", f1(p)))
                                .unwrap_or_else(|| "-".into())
                        ),
                        _ => "关闭 closed".into(),
                    })
                    .collect(),
            );
        }
        row(
            &mut o,
            "最后办结 last service ends",
            runs.iter().map(|r| hhmm(r.last_done_us)).collect(),
        );
        row(&mut o, "告诉群众的等候时间偏差多少（分钟）", Vec::new());
        row(
            &mut o,
            "how far the wait told to citizens was off, min",
            Vec::new(),
        );
        row(
            &mut o,
            "  本系统预测平均偏差 ours: typical error",
            runs.iter()
                .map(|r| error_cell(r.ours, |e| f1(e.mae)))
                .collect(),
        );
        row(
            &mut o,
            "  九成预测偏差不超过 9 in 10 off by at most",
            runs.iter()
                .map(|r| error_cell(r.ours, |e| f1(e.p90)))
                .collect(),
        );
        row(
            &mut o,
            "  总体偏长+/偏短− on average too long+/short−",
            runs.iter()
                .map(|r| error_cell(r.ours, |e| format!("{:+.1}", e.bias)))
                .collect(),
        );
        row(
            &mut o,
            "  对照 人数×均时÷窗口 预测平均偏差 per window",
            runs.iter()
                .map(|r| error_cell(r.per_window, |e| f1(e.mae)))
                .collect(),
        );
        row(
            &mut o,
            "  对照 人数×均时 预测平均偏差 naive ahead×mean",
            runs.iter()
                .map(|r| error_cell(r.naive, |e| f1(e.mae)))
                .collect(),
        );
        row(
            &mut o,
            "  比较票数 tickets compared",
            runs.iter().map(|r| r.compared.to_string()).collect(),
        );
    }
    let _ = writeln!(o);
    o.push_str(&recommend(plans, sc.target_wait_s / 60, area_names));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_widths() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 5.0);
        assert_eq!(percentile(&v, 0.9), 9.0);
        assert_eq!(percentile(&v, 1.0), 10.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
        assert_eq!(width("ab"), 2);
        assert_eq!(width("预约"), 4);
        assert_eq!(pad("预约", 6), "预约  ");
        assert_eq!(hhmm(9 * 3_600_000_000 + 5 * 60_000_000), "09:05");
    }
}
