//! Per staff member (窗口人员): tickets served, their service time, and the
//! time spent idle (空闲) and paused (暂停办理) at a window.
//!
//! Time at a window comes from the window's committed changes (its
//! `window` events, as [`WindowSample`]s): each sample's state and staff
//! member hold from the sample's commit time until the window's next
//! sample, clipped to the range (and to `now`). The last sample before the
//! range starts, if the caller passes it, says who was where when it began.
//! A ticket served counts for whoever was at its window when it finished.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::groups::{ms_between, service_ms};
use crate::events::{CommittedEvent, EventBody};
use crate::ticket::Ticket;
use crate::views::StaffView;
use crate::window_state::WindowState;

/// A window's state from one committed `window` event on.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSample {
    pub window: String,
    /// The event's commit time.
    pub at: DateTime<Utc>,
    pub state: WindowState,
    pub staff: Option<StaffView>,
}

impl WindowSample {
    /// The sample a committed event gives, if it is a `window` event.
    pub fn of(event: &CommittedEvent) -> Option<Self> {
        match &event.body {
            EventBody::Window(w) => Some(Self {
                window: w.id.clone(),
                at: event.ts,
                state: w.state,
                staff: w.staff.clone(),
            }),
            _ => None,
        }
    }
}

/// One staff member's figures over the range; times in ms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StaffStats {
    pub staff: String,
    pub name: String,
    /// Tickets finished (`done`) while they were at the ticket's window.
    pub served: u64,
    /// Sum of those tickets' service times.
    pub service_ms: u64,
    /// `service_ms / served`, `null` when nothing was served.
    pub avg_service_ms: Option<u64>,
    /// Logged in with no ticket (空闲).
    pub idle_ms: u64,
    /// Paused (暂停办理).
    pub paused_ms: u64,
    /// With a ticket called or being served (已呼叫 / 正在办理).
    pub busy_ms: u64,
    /// Logged in at any window, whatever the state.
    pub logged_in_ms: u64,
}

fn entry<'a>(out: &'a mut BTreeMap<String, StaffStats>, who: &StaffView) -> &'a mut StaffStats {
    out.entry(who.id.clone()).or_insert_with(|| StaffStats {
        staff: who.id.clone(),
        name: who.name.clone(),
        ..StaffStats::default()
    })
}

/// Per staff member, by staff id, over `[start, end)`. `samples` may come
/// in any order; `tickets` are the range's tickets.
pub fn staff_stats(
    samples: &[WindowSample],
    tickets: &[Ticket],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<StaffStats> {
    let mut by_window: HashMap<&str, Vec<&WindowSample>> = HashMap::new();
    for s in samples {
        by_window.entry(s.window.as_str()).or_default().push(s);
    }
    for list in by_window.values_mut() {
        list.sort_by_key(|s| s.at);
    }
    let mut out: BTreeMap<String, StaffStats> = BTreeMap::new();
    for list in by_window.values() {
        for (i, s) in list.iter().enumerate() {
            let Some(who) = &s.staff else { continue };
            let from = s.at.max(start);
            let until = list.get(i + 1).map_or(end, |n| n.at).min(end);
            if until <= from {
                continue;
            }
            let ms = ms_between(from, until);
            let e = entry(&mut out, who);
            match s.state {
                WindowState::LoggedOut => continue,
                WindowState::Idle => e.idle_ms += ms,
                WindowState::Paused => e.paused_ms += ms,
                WindowState::Called | WindowState::Serving => e.busy_ms += ms,
                #[allow(unreachable_patterns)] // states added later count as logged in only
                _ => {}
            }
            e.logged_in_ms += ms;
        }
    }
    for t in tickets {
        let (Some(w), Some(done), Some(ms)) = (&t.window, t.finished_at, service_ms(t)) else {
            continue;
        };
        if done < start || done >= end {
            continue;
        }
        let at_window = by_window
            .get(w.as_str())
            .and_then(|list| list.iter().rev().find(|s| s.at <= done))
            .and_then(|s| s.staff.as_ref());
        if let Some(who) = at_window {
            let e = entry(&mut out, who);
            e.served += 1;
            e.service_ms += ms;
        }
    }
    out.into_values()
        .map(|mut s| {
            s.avg_service_ms = (s.served > 0).then(|| s.service_ms / s.served);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::groups::tests::ticket;
    use chrono::{Duration, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap()
    }

    fn sample(
        window: &str,
        t: DateTime<Utc>,
        state: WindowState,
        who: Option<&str>,
    ) -> WindowSample {
        WindowSample {
            window: window.into(),
            at: t,
            state,
            staff: who.map(|id| StaffView {
                id: id.into(),
                name: format!("name of {id}"),
            }),
        }
    }

    #[test]
    fn time_at_the_window_is_split_by_state_and_clipped_to_the_range() {
        use WindowState as S;
        // S01 logged in at 00:30 (before the range), idle until 01:10,
        // serving until 01:20, idle until 01:30, paused until 02:00, gone.
        let samples = vec![
            sample("1", at(1, 30), S::Paused, Some("S01")),
            sample("1", at(0, 30), S::Idle, Some("S01")),
            sample("1", at(1, 10), S::Serving, Some("S01")),
            sample("1", at(1, 20), S::Idle, Some("S01")),
            sample("1", at(2, 0), S::LoggedOut, None),
        ];
        let mut t = ticket("A", 1, at(1, 5), Some(300), Some(600));
        t.window = Some("1".into());
        let stats = staff_stats(&samples, &[t], at(1, 0), at(3, 0));
        assert_eq!(stats.len(), 1);
        let s = &stats[0];
        assert_eq!(s.staff, "S01");
        // Idle 01:00–01:10 and 01:20–01:30; busy 01:10–01:20; paused 30 min.
        assert_eq!(s.idle_ms, 20 * 60_000);
        assert_eq!(s.busy_ms, 10 * 60_000);
        assert_eq!(s.paused_ms, 30 * 60_000);
        assert_eq!(s.logged_in_ms, 60 * 60_000);
        assert_eq!(
            (s.served, s.service_ms, s.avg_service_ms),
            (1, 600_000, Some(600_000))
        );
    }

    #[test]
    fn a_ticket_counts_for_whoever_was_at_its_window_when_it_finished() {
        use WindowState as S;
        let samples = vec![
            sample("1", at(1, 0), S::Idle, Some("S01")),
            sample("1", at(2, 0), S::LoggedOut, None),
            sample("1", at(2, 1), S::Idle, Some("S02")),
        ];
        let mut early = ticket("A", 1, at(1, 5), Some(60), Some(120));
        early.window = Some("1".into());
        let mut late = ticket("A", 2, at(2, 5), Some(60), Some(120));
        late.window = Some("1".into());
        let stats = staff_stats(&samples, &[early, late], at(0, 0), at(3, 0));
        let served: Vec<(&str, u64)> = stats.iter().map(|s| (s.staff.as_str(), s.served)).collect();
        assert_eq!(served, vec![("S01", 1), ("S02", 1)]);
        // The last sample runs to the end of the range.
        assert_eq!(stats[1].idle_ms, 59 * 60_000);
    }

    #[test]
    fn the_open_end_stops_at_the_range_end() {
        let samples = vec![sample("1", at(1, 0), WindowState::Idle, Some("S01"))];
        let end = at(1, 0) + Duration::seconds(90);
        let stats = staff_stats(&samples, &[], at(0, 0), end);
        assert_eq!(stats[0].idle_ms, 90_000);
        assert_eq!(stats[0].avg_service_ms, None);
    }
}
