//! Who works where in the demo: the scenario's first staffing plan
//! (`crate::simulate::scenario::StaffPlan`) turned into one shift per
//! window — the window's terminal and its device password, a staff member
//! allowed at that window, and the hours the window is open.
//!
//! A person is at one window at a time (the hall's rule), so each staff
//! member gets at most one window. A window without a terminal, a terminal
//! without credentials in `[[devices]]`, or no staff member left for it
//! stays closed (未登录), and the reason is returned for the log.

use tingwu_actors::config::{DeviceKind, HallConfig};

use crate::simulate::scenario::StaffPlan;

/// One window's day in the demo.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub window: String,
    pub terminal: String,
    pub password: String,
    pub staff: String,
    pub pin: String,
    /// Open intervals, seconds of the day, in order.
    pub hours: Vec<(f64, f64)>,
    /// The window's evaluator (评价器) device id and password, if the hall
    /// has one with usable credentials: the citizens rate on it.
    pub evaluator: Option<(String, String)>,
}

impl Shift {
    /// Whether the window is staffed at `time_of_day` (seconds of the day).
    pub fn on_duty(&self, time_of_day: f64) -> bool {
        self.hours
            .iter()
            .any(|(a, b)| (*a..*b).contains(&time_of_day))
    }

    /// The next start of a shift after `time_of_day`, if any today.
    pub fn next_start(&self, time_of_day: f64) -> Option<f64> {
        self.hours
            .iter()
            .map(|(a, _)| *a)
            .find(|a| *a > time_of_day)
    }
}

/// A window the plan opens that the demo cannot staff, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unstaffed {
    pub window: String,
    pub reason: &'static str,
}

/// A secret the demo can present: hashed ones (argon2 PHC strings) cannot
/// be.
fn usable(secret: &str) -> bool {
    !secret.is_empty() && !secret.starts_with('$')
}

/// The shifts of `plan` in `hall`, and the windows it opens that cannot be
/// staffed.
pub fn shifts(hall: &HallConfig, plan: &StaffPlan) -> (Vec<Shift>, Vec<Unstaffed>) {
    let mut taken = vec![false; hall.staff.len()];
    let mut out = Vec::new();
    let mut unstaffed = Vec::new();
    for (w, spans) in hall.windows.iter().zip(&plan.open) {
        if spans.is_empty() {
            continue;
        }
        let mut skip = |reason| {
            unstaffed.push(Unstaffed {
                window: w.id.clone(),
                reason,
            })
        };
        let Some(terminal) = w.terminal.clone() else {
            skip("no terminal");
            continue;
        };
        let Some(device) = hall
            .devices
            .iter()
            .find(|d| d.id == terminal && d.kind == DeviceKind::Terminal && usable(&d.password))
        else {
            skip("no usable terminal credentials");
            continue;
        };
        let Some(i) = hall.staff.iter().enumerate().position(|(i, s)| {
            !taken[i] && usable(&s.pin) && (s.windows.is_empty() || s.windows.contains(&w.id))
        }) else {
            skip("no staff member left for it");
            continue;
        };
        taken[i] = true;
        let evaluator = hall
            .devices
            .iter()
            .find(|d| {
                d.kind == DeviceKind::Evaluator
                    && d.window.as_deref() == Some(w.id.as_str())
                    && usable(&d.password)
            })
            .map(|d| (d.id.clone(), d.password.clone()));
        out.push(Shift {
            window: w.id.clone(),
            terminal,
            password: device.password.clone(),
            staff: hall.staff[i].id.clone(),
            pin: hall.staff[i].pin.clone(),
            hours: spans
                .iter()
                .map(|(a, b)| (*a as f64 / 1e6, *b as f64 / 1e6))
                .collect(),
            evaluator,
        });
    }
    (out, unstaffed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::scenario;

    #[test]
    fn every_window_of_the_quiet_day_gets_its_own_person() {
        let hall = HallConfig::demo().expect("demo hall");
        let sc = scenario::for_hall(&hall, true).expect("quiet");
        let (shifts, unstaffed) = shifts(&hall, &sc.staffing[0]);
        let open = sc.staffing[0].open.iter().filter(|o| !o.is_empty()).count();
        assert_eq!(shifts.len(), open);
        assert!(unstaffed.is_empty(), "{unstaffed:?}");
        let mut staff: Vec<&str> = shifts.iter().map(|s| s.staff.as_str()).collect();
        staff.sort_unstable();
        staff.dedup();
        assert_eq!(staff.len(), shifts.len(), "one window per person");
        let s = &shifts[0];
        assert!(s.on_duty(9.0 * 3600.0) && !s.on_duty(18.0 * 3600.0));
        assert_eq!(s.next_start(0.0), Some(8.5 * 3600.0));
        // Every staffed window of the demo hall has its evaluator.
        for s in &shifts {
            let (device, password) = s.evaluator.clone().expect("an evaluator");
            assert_eq!(
                device,
                format!("E{:02}", s.window.parse::<u32>().expect("number"))
            );
            assert_eq!(password, format!("demo-pass-{device}"));
        }
    }

    #[test]
    fn the_demo_halls_attendance_shifts_fit_the_quiet_day() {
        // config/hall.toml `[supervision.attendance]`: every window the
        // demo staffs has a shift within the hours it is staffed, so the
        // simulated staff raise no anomaly; window 3 alone has a shift and
        // nobody, to show 考勤异常 in the demo.
        use tingwu_actors::core::attendance::shifts::{hours_of, Subject};
        let hall = HallConfig::demo().expect("demo hall");
        let sc = scenario::for_hall(&hall, true).expect("quiet");
        let (shifts, _) = shifts(&hall, &sc.staffing[0]);
        let att = &hall.supervision.attendance;
        let mut unstaffed_with_shift = Vec::new();
        for w in &hall.windows {
            let hours = hours_of(att, &Subject::Window(w.id.clone()));
            let staffed = shifts.iter().find(|s| s.window == w.id);
            match staffed {
                Some(s) => {
                    assert!(
                        !hours.is_empty(),
                        "window {} is staffed but has no shift",
                        w.id
                    );
                    for h in hours {
                        let (a, b) = tingwu_actors::core::hhmm::parse_range(h).expect("range");
                        let secs = |minutes: u32| f64::from(minutes) * 60.0;
                        assert!(
                            s.on_duty(secs(a)) && s.on_duty(secs(b) - 1.0),
                            "window {}: shift {h} outside the demo's hours",
                            w.id
                        );
                    }
                }
                None if !hours.is_empty() => unstaffed_with_shift.push(w.id.as_str()),
                None => {}
            }
        }
        assert_eq!(unstaffed_with_shift, ["3"]);
    }

    #[test]
    fn a_window_nobody_may_work_at_stays_closed_with_a_reason() {
        let mut hall = HallConfig::demo().expect("demo hall");
        hall.staff.truncate(1);
        let sc = scenario::for_hall(&hall, false).expect("generated");
        let (shifts, unstaffed) = shifts(&hall, &sc.staffing[0]);
        assert_eq!(shifts.len(), 1);
        assert_eq!(unstaffed.len(), hall.windows.len() - 1);
        assert_eq!(unstaffed[0].reason, "no staff member left for it");
    }
}
