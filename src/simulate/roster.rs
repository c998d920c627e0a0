//! A staffing plan in the words of a roster: how many windows open at which
//! hours, and the staffed window-hours of the day, so two plans that differ
//! only in when some windows open are printed differently.

use std::collections::BTreeMap;

use super::scenario::StaffPlan;

/// One line of a roster: `windows` windows open over the same `hours`
/// (intervals in microseconds of the day, merged and in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterLine {
    pub windows: usize,
    pub hours: Vec<(i64, i64)>,
}

/// A plan's roster: its lines (earliest opening first) and its staffed
/// window-hours (the sum over windows of the hours they are open).
#[derive(Debug, Clone, PartialEq)]
pub struct Roster {
    pub lines: Vec<RosterLine>,
    pub window_hours: f64,
}

impl Roster {
    /// Groups the plan's windows by identical opening hours; windows never
    /// open are left out.
    pub fn of(plan: &StaffPlan) -> Self {
        let mut groups: BTreeMap<Vec<(i64, i64)>, usize> = BTreeMap::new();
        let mut open_us = 0i64;
        for hours in plan.open.iter().filter(|h| !h.is_empty()) {
            *groups.entry(hours.clone()).or_default() += 1;
            open_us += hours.iter().map(|(a, b)| b - a).sum::<i64>();
        }
        Roster {
            lines: groups
                .into_iter()
                .map(|(hours, windows)| RosterLine { windows, hours })
                .collect(),
            window_hours: open_us as f64 / 3_600e6,
        }
    }

    /// E.g. `15 个窗口 windows 08:30–17:00; 9 个窗口 windows 09:00–12:00,
    /// 14:00–17:00 · 共 154.5 窗口小时 staffed window-hours`.
    pub fn describe(&self) -> String {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| {
                let hours: Vec<String> = l
                    .hours
                    .iter()
                    .map(|(a, b)| format!("{}–{}", hhmm(*a), hhmm(*b)))
                    .collect();
                format!("{} 个窗口 windows {}", l.windows, hours.join(", "))
            })
            .collect();
        format!(
            "{} · 共 {:.1} 窗口小时 staffed window-hours",
            lines.join("; "),
            self.window_hours
        )
    }
}

fn hhmm(us: i64) -> String {
    let m = us / 60_000_000;
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000;

    fn plan(open: Vec<Vec<(i64, i64)>>) -> StaffPlan {
        StaffPlan {
            name: "p".into(),
            name_zh: "p".into(),
            open,
        }
    }

    #[test]
    fn windows_with_the_same_hours_share_a_line() {
        let r = Roster::of(&plan(vec![
            vec![(9 * H, 12 * H), (14 * H, 17 * H)],
            vec![],
            vec![(8 * H + H / 2, 17 * H)],
            vec![(9 * H, 12 * H), (14 * H, 17 * H)],
        ]));
        assert_eq!(r.lines.iter().map(|l| l.windows).sum::<usize>(), 3);
        assert_eq!(r.lines.len(), 2);
        assert_eq!(r.window_hours, 6.0 + 6.0 + 8.5);
        assert_eq!(
            r.describe(),
            "1 个窗口 windows 08:30–17:00; 2 个窗口 windows 09:00–12:00, 14:00–17:00 \
             · 共 20.5 窗口小时 staffed window-hours"
        );
    }

    #[test]
    fn plans_differing_only_in_hours_are_described_differently() {
        let a = Roster::of(&plan(vec![vec![(9 * H, 12 * H)]; 3]));
        let b = Roster::of(&plan(vec![vec![(8 * H, 12 * H)]; 3]));
        assert_eq!(a.lines[0].windows, b.lines[0].windows);
        assert_ne!(a.describe(), b.describe());
    }
}
