//! The scenario file: a simulated day in a hall (docs/simulate.md).
//!
//! Parsed from TOML, every table denying unknown keys, then checked against
//! the hall configuration; an error names the bad field by its path
//! (`arrivals[3].item`), like the hall configuration does.

use std::collections::HashMap;
use tingwu_actors::core::hhmm;

use serde::Deserialize;
use tingwu_actors::config::{HallConfig, QueueRole};
use tingwu_actors::core::strategy::{Class, Strategy};

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario: {0}")]
    Parse(String),
    #[error("scenario: {field}: {message}")]
    Invalid { field: String, message: String },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenario: ScenarioInfo,
    pub profiles: Vec<ProfileFile>,
    pub arrivals: Vec<ArrivalsFile>,
    pub service: Vec<ServiceFile>,
    pub staffing: Vec<StaffingFile>,
    pub strategies: Vec<StrategyFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// Waits up to this many minutes count as "within target".
    #[serde(default = "default_target")]
    pub target_wait_min: u32,
    /// Windows still open when the hall closes serve everyone holding a
    /// ticket before they stop (the usual practice); false: they stop at
    /// closing and the rest are reported unserved.
    #[serde(default = "yes")]
    pub overtime: bool,
}

fn default_target() -> u32 {
    15
}
fn yes() -> bool {
    true
}

/// The shape of a day: relative arrivals per hour from `from`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub name: String,
    /// `HH:MM`: start of the first hour.
    pub from: String,
    /// One weight per hour; the day's arrivals are spread in proportion.
    pub weights: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimChannel {
    /// Walk-ins taking a ticket at the kiosk (现场取号).
    Onsite,
    /// Booked and checked in within the slot (预约).
    Appointment,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsFile {
    pub item: String,
    #[serde(default = "onsite")]
    pub channel: SimChannel,
    /// Expected tickets over the day (Poisson arrivals, shaped by the profile).
    pub per_day: f64,
    pub profile: String,
    /// Share of onsite tickets for special groups (特殊人群).
    #[serde(default)]
    pub special_share: f64,
    /// Share of onsite tickets in the green channel (绿色通道).
    #[serde(default)]
    pub green_share: f64,
}

fn onsite() -> SimChannel {
    SimChannel::Onsite
}

/// Service time of an item: lognormal with this mean and standard deviation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    pub item: String,
    pub mean_s: f64,
    pub sd_s: f64,
}

/// A staffing plan: which windows are open when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingFile {
    pub name: String,
    #[serde(default)]
    pub name_zh: String,
    pub shifts: Vec<ShiftFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftFile {
    /// Window ids of the hall configuration.
    pub windows: Vec<String>,
    /// `HH:MM-HH:MM` ranges.
    pub hours: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyFile {
    pub name: String,
    #[serde(default)]
    pub name_zh: String,
    /// The calling strategy (core::strategy::Strategy), for every window.
    #[serde(default)]
    pub strategy: Strategy,
}

/// One stream of arrivals, checked and resolved against the hall.
#[derive(Debug, Clone)]
pub struct Stream {
    pub queue: usize,
    pub channel: SimChannel,
    /// (start, end, tickets per second) in seconds of the day.
    pub segments: Vec<(f64, f64, f64)>,
    pub special_share: f64,
    pub green_share: f64,
    /// Lognormal parameters of the service time in seconds.
    pub mu: f64,
    pub sigma: f64,
}

impl Stream {
    /// The class a ticket of this stream gets, from one uniform draw.
    pub fn class(&self, u: f64) -> Class {
        match self.channel {
            SimChannel::Appointment => Class::Appointment,
            SimChannel::Onsite if u < self.green_share => Class::Green,
            SimChannel::Onsite if u < self.green_share + self.special_share => Class::Special,
            SimChannel::Onsite => Class::Walkin,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StaffPlan {
    pub name: String,
    pub name_zh: String,
    /// Per hall window (in configuration order): merged open intervals in
    /// microseconds of the day.
    pub open: Vec<Vec<(i64, i64)>>,
}

#[derive(Debug, Clone)]
pub struct NamedStrategy {
    pub name: String,
    pub name_zh: String,
    pub strategy: Strategy,
}

/// The hall as the simulator sees it.
#[derive(Debug, Clone)]
pub struct SimHall {
    pub queues: Vec<String>,
    /// Area of each queue.
    pub queue_area: Vec<String>,
    pub areas: Vec<String>,
    pub windows: Vec<SimWindow>,
    pub default_service_s: u32,
}

#[derive(Debug, Clone)]
pub struct SimWindow {
    pub area: String,
    pub queues: Vec<(usize, QueueRole)>,
}

impl SimHall {
    pub fn new(cfg: &HallConfig) -> Self {
        let queues: Vec<String> = cfg.queues.iter().map(|q| q.id.clone()).collect();
        let index: HashMap<&str, usize> = queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.as_str(), i))
            .collect();
        let windows = cfg
            .windows
            .iter()
            .map(|w| SimWindow {
                area: w.area.clone(),
                // validate() has checked every queue exists.
                queues: w
                    .queues
                    .iter()
                    .filter_map(|wq| index.get(wq.queue.as_str()).map(|i| (*i, wq.role)))
                    .collect(),
            })
            .collect();
        Self {
            queue_area: cfg.queues.iter().map(|q| q.area.clone()).collect(),
            areas: cfg.areas.iter().map(|a| a.id.clone()).collect(),
            queues,
            windows,
            default_service_s: cfg.estimate.default_service_s,
        }
    }
}

/// A scenario checked against the hall, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub name_en: String,
    pub target_wait_s: i64,
    pub overtime: bool,
    pub streams: Vec<Stream>,
    pub staffing: Vec<StaffPlan>,
    pub strategies: Vec<NamedStrategy>,
}

pub const DAY_S: f64 = 86_400.0;

/// `HH:MM` (00:00 to 24:00) in seconds of the day (the hall's one rule,
/// `tingwu_actors::core::hhmm`).
fn hhmm(s: &str) -> Option<f64> {
    hhmm::parse_minutes(s).map(|m| f64::from(m * 60))
}

fn range(field: &str, s: &str) -> Result<(f64, f64), ScenarioError> {
    let bad = || invalid(field, format!("{s:?} is not a HH:MM-HH:MM range"));
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (a, b) = (hhmm(a).ok_or_else(bad)?, hhmm(b).ok_or_else(bad)?);
    if a >= b {
        return Err(invalid(field, format!("{s:?} ends before it starts")));
    }
    Ok((a, b))
}

fn share(field: &str, v: f64) -> Result<f64, ScenarioError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(field, "must be a share from 0 to 1"))
    }
}

fn merge(mut spans: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

impl Scenario {
    pub fn parse(text: &str, hall: &HallConfig) -> Result<Self, ScenarioError> {
        let file: ScenarioFile =
            toml::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        Self::check(file, hall)
    }

    fn check(f: ScenarioFile, hall: &HallConfig) -> Result<Self, ScenarioError> {
        if f.scenario.target_wait_min == 0 || f.scenario.target_wait_min > 24 * 60 {
            return Err(invalid(
                "scenario.target_wait_min",
                "must be 1 to 1440 minutes",
            ));
        }
        let queue_index: HashMap<&str, usize> = hall
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();

        let mut profiles: HashMap<&str, (f64, &[f64])> = HashMap::new();
        for (i, p) in f.profiles.iter().enumerate() {
            let field = format!("profiles[{i}]");
            let from =
                hhmm(&p.from).ok_or_else(|| invalid(format!("{field}.from"), "must be HH:MM"))?;
            if p.weights.is_empty()
                || p.weights.iter().any(|w| !w.is_finite() || *w < 0.0)
                || p.weights.iter().sum::<f64>() <= 0.0
            {
                return Err(invalid(
                    format!("{field}.weights"),
                    "must be weights of 0 or more, not all 0",
                ));
            }
            if from + p.weights.len() as f64 * 3600.0 > DAY_S {
                return Err(invalid(
                    format!("{field}.weights"),
                    "runs past the end of the day",
                ));
            }
            if profiles
                .insert(p.name.as_str(), (from, &p.weights))
                .is_some()
            {
                return Err(invalid(
                    format!("{field}.name"),
                    format!("{:?} is defined twice", p.name),
                ));
            }
        }

        let mut service: HashMap<&str, (f64, f64)> = HashMap::new();
        for (i, s) in f.service.iter().enumerate() {
            let field = format!("service[{i}]");
            if hall.item(&s.item).is_none() {
                return Err(invalid(
                    format!("{field}.item"),
                    format!("no item {:?} in the hall", s.item),
                ));
            }
            if !(s.mean_s.is_finite() && (10.0..=14_400.0).contains(&s.mean_s)) {
                return Err(invalid(
                    format!("{field}.mean_s"),
                    "must be 10 to 14400 seconds",
                ));
            }
            if !(s.sd_s.is_finite() && s.sd_s >= 0.0 && s.sd_s <= 4.0 * s.mean_s) {
                return Err(invalid(
                    format!("{field}.sd_s"),
                    "must be 0 to 4 times mean_s",
                ));
            }
            // Lognormal with the given mean and sd.
            let sigma2 = (1.0 + (s.sd_s / s.mean_s).powi(2)).ln();
            let mu = s.mean_s.ln() - sigma2 / 2.0;
            if service
                .insert(s.item.as_str(), (mu, sigma2.sqrt()))
                .is_some()
            {
                return Err(invalid(
                    format!("{field}.item"),
                    format!("{:?} has two service entries", s.item),
                ));
            }
        }

        let mut streams = Vec::new();
        for (i, a) in f.arrivals.iter().enumerate() {
            let field = format!("arrivals[{i}]");
            let item = hall.item(&a.item).ok_or_else(|| {
                invalid(
                    format!("{field}.item"),
                    format!("no item {:?} in the hall", a.item),
                )
            })?;
            let queue = queue_index
                .get(item.queue.as_str())
                .copied()
                .ok_or_else(|| {
                    invalid(
                        format!("{field}.item"),
                        "the item's queue is not in the hall",
                    )
                })?;
            let (mu, sigma) = service.get(a.item.as_str()).copied().ok_or_else(|| {
                invalid(
                    format!("{field}.item"),
                    format!("{:?} has no [[service]] entry", a.item),
                )
            })?;
            if !(a.per_day.is_finite() && (0.0..=100_000.0).contains(&a.per_day)) {
                return Err(invalid(
                    format!("{field}.per_day"),
                    "must be 0 to 100000 tickets",
                ));
            }
            let (from, weights) = profiles.get(a.profile.as_str()).copied().ok_or_else(|| {
                invalid(
                    format!("{field}.profile"),
                    format!("no profile {:?}", a.profile),
                )
            })?;
            let special_share = share(&format!("{field}.special_share"), a.special_share)?;
            let green_share = share(&format!("{field}.green_share"), a.green_share)?;
            if special_share + green_share > 1.0 {
                return Err(invalid(
                    format!("{field}.special_share"),
                    "special_share + green_share must not pass 1",
                ));
            }
            if a.channel == SimChannel::Appointment && special_share + green_share > 0.0 {
                return Err(invalid(
                    format!("{field}.special_share"),
                    "appointment tickets are all of class appointment; shares apply to onsite",
                ));
            }
            let total: f64 = weights.iter().sum();
            let segments = weights
                .iter()
                .enumerate()
                .map(|(h, w)| {
                    let start = from + h as f64 * 3600.0;
                    (start, start + 3600.0, a.per_day * w / total / 3600.0)
                })
                .collect();
            streams.push(Stream {
                queue,
                channel: a.channel,
                segments,
                special_share,
                green_share,
                mu,
                sigma,
            });
        }

        if f.staffing.is_empty() {
            return Err(invalid("staffing", "needs at least one staffing plan"));
        }
        let mut staffing = Vec::new();
        for (i, s) in f.staffing.iter().enumerate() {
            let mut spans: Vec<Vec<(i64, i64)>> = vec![Vec::new(); hall.windows.len()];
            for (j, shift) in s.shifts.iter().enumerate() {
                let field = format!("staffing[{i}].shifts[{j}]");
                let mut ranges = Vec::new();
                for (k, h) in shift.hours.iter().enumerate() {
                    ranges.push(range(&format!("{field}.hours[{k}]"), h)?);
                }
                for (k, w) in shift.windows.iter().enumerate() {
                    let wi = hall
                        .windows
                        .iter()
                        .position(|x| &x.id == w)
                        .ok_or_else(|| {
                            invalid(
                                format!("{field}.windows[{k}]"),
                                format!("no window {w:?} in the hall"),
                            )
                        })?;
                    for (a, b) in &ranges {
                        spans[wi].push(((a * 1e6) as i64, (b * 1e6) as i64));
                    }
                }
            }
            let open: Vec<Vec<(i64, i64)>> = spans.into_iter().map(merge).collect();
            if open.iter().all(Vec::is_empty) {
                return Err(invalid(format!("staffing[{i}].shifts"), "opens no window"));
            }
            staffing.push(StaffPlan {
                name: s.name.clone(),
                name_zh: s.name_zh.clone(),
                open,
            });
        }

        if f.strategies.is_empty() {
            return Err(invalid("strategies", "needs at least one strategy"));
        }
        let mut strategies = Vec::new();
        for (i, s) in f.strategies.iter().enumerate() {
            s.strategy
                .validate()
                .map_err(|e| invalid(format!("strategies[{i}].strategy"), e.to_string()))?;
            strategies.push(NamedStrategy {
                name: s.name.clone(),
                name_zh: s.name_zh.clone(),
                strategy: s.strategy.clone(),
            });
        }

        Ok(Self {
            name: f.scenario.name,
            name_en: f.scenario.name_en,
            target_wait_s: i64::from(f.scenario.target_wait_min) * 60,
            overtime: f.scenario.overtime,
            streams,
            staffing,
            strategies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEAK: &str = include_str!("../../config/scenarios/peak.toml");
    const QUIET: &str = include_str!("../../config/scenarios/quiet.toml");

    fn hall() -> HallConfig {
        HallConfig::demo().expect("demo hall")
    }

    #[test]
    fn shipped_scenarios_parse() {
        let h = hall();
        for text in [PEAK, QUIET] {
            let s = Scenario::parse(text, &h).expect("scenario");
            assert!(!s.streams.is_empty());
            assert!(!s.strategies.is_empty());
        }
        assert!(Scenario::parse(PEAK, &h).expect("peak").strategies.len() >= 2);
    }

    fn error_of(edit: impl Fn(&str) -> String) -> String {
        match Scenario::parse(&edit(QUIET), &hall()) {
            Ok(_) => "parsed".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let e = error_of(|t| t.replacen("item = \"id-renewal\"", "item = \"nope\"", 1));
        assert!(e.contains("arrivals[") && e.contains(".item"), "{e}");
        let e = error_of(|t| t.replacen("\"08:30-17:00\"", "\"8:30-17:00\"", 1));
        assert!(e.contains("staffing[0].shifts[0].hours[0]"), "{e}");
        let e = error_of(|t| t.replacen("windows = [\"1\"", "windows = [\"99\"", 1));
        assert!(e.contains("staffing[0].shifts[0].windows[0]"), "{e}");
        let e = error_of(|t| {
            format!("{t}\n[[strategies]]\nname = \"x\"\nstrategy = {{ max_wait_s = 5 }}\n")
        });
        assert!(e.contains("strategies[") && e.contains("max_wait_s"), "{e}");
        let e = error_of(|t| t.replacen("[scenario]", "[scenario]\ncolour = 1", 1));
        assert!(e.contains("colour"), "{e}");
        let e = error_of(|t| t.replacen("special_share = ", "special_share = 7.0 #", 1));
        assert!(e.contains("special_share"), "{e}");
    }

    #[test]
    fn time_ranges() {
        assert_eq!(hhmm("24:00"), Some(86_400.0));
        assert_eq!(hhmm("08:30"), Some(30_600.0));
        assert_eq!(hhmm("24:01"), None);
        assert_eq!(hhmm("8:30"), None);
        assert!(range("f", "12:00-09:00").is_err());
        assert_eq!(merge(vec![(5, 9), (1, 3), (2, 4)]), vec![(1, 4), (5, 9)]);
    }
}
