//! The report over the demo hall's configuration.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::groups::tests::ticket;
use super::*;
use crate::ticket::Channel;
use crate::views::StaffView;
use crate::window_state::WindowState;

fn hall() -> HallConfig {
    HallConfig::demo().unwrap()
}

/// 2026-11-26 at `h:m` in Shanghai (UTC+8).
fn local(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, h - 8, m, 0).unwrap()
}

fn range() -> StatsRange {
    let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    StatsRange { from: day, to: day }
}

#[test]
fn tickets_fall_into_hours_channels_areas_and_queues() {
    let cfg = hall();
    let mut appt = ticket("E", 1, local(10, 15), Some(120), Some(600));
    appt.channel = Channel::Appointment;
    let tickets = vec![
        ticket("A", 1, local(9, 5), Some(60), Some(300)),
        ticket("A", 2, local(9, 50), Some(600), None),
        ticket("A", 3, local(10, 0), None, None),
        appt,
    ];
    let now = local(11, 0);
    let r = compute(&Input {
        config: &cfg,
        range: range(),
        tickets: &tickets,
        samples: &[],
        now,
    });
    assert_eq!(
        (r.from.as_str(), r.to.as_str()),
        ("2026-11-26", "2026-11-26")
    );
    assert_eq!(r.totals.tickets, 4);
    assert_eq!(r.by_hour.len(), 24);
    let hour = |h: usize| r.by_hour[h].tickets;
    assert_eq!((hour(8), hour(9), hour(10), hour(11)), (0, 2, 2, 0));
    assert_eq!(r.by_hour[9].key, "09");
    assert_eq!(r.by_day.len(), 1);
    assert_eq!(r.by_day[0].key, "2026-11-26");
    let ch: Vec<(&str, u64)> = r
        .by_channel
        .iter()
        .map(|g| (g.key.as_str(), g.tickets))
        .collect();
    assert_eq!(ch, vec![("onsite", 3), ("appointment", 1), ("online", 0)]);
    assert_eq!(r.by_channel[0].label_zh, "现场");
    // Queues A (area A) and E (area B).
    let area = |id: &str| r.by_area.iter().find(|g| g.key == id).unwrap().tickets;
    assert_eq!((area("A"), area("B"), area("C")), (3, 1, 0));
    let a = r.by_queue.iter().find(|q| q.group.key == "A").unwrap();
    assert_eq!(a.group.label_zh, "综合受理");
    assert_eq!((a.group.tickets, a.group.served, a.waiting_now), (3, 1, 1));
    // Waits 1 min and 10 min: mean 5.5 min, p90 10 min.
    assert_eq!(a.group.avg_wait_ms, Some(330_000));
    assert_eq!(a.group.p90_wait_ms, Some(600_000));
    // A003 waits since 10:00; it is 11:00: an hour; it was told 300 s.
    assert_eq!(a.longest_wait_ms, Some(3_600_000));
    assert_eq!(a.predicted_wait_ms, Some(300_000));
    assert_eq!(a.area, "A");
    let e = r.by_queue.iter().find(|q| q.group.key == "E").unwrap();
    assert_eq!((e.waiting_now, e.longest_wait_ms), (0, None));
    // The table holds every section.
    let rows = table::rows(&r);
    assert_eq!(
        rows.len(),
        1 + 24 + 1 + 3 + cfg.areas.len() + cfg.queues.len()
    );
    assert_eq!(rows[0].section, "total");
}

#[test]
fn staff_time_stops_at_now_within_today() {
    let cfg = hall();
    let samples = vec![WindowSample {
        window: "1".into(),
        at: local(9, 0),
        state: WindowState::Idle,
        staff: Some(StaffView {
            id: "S01".into(),
            name: "张三".into(),
        }),
    }];
    let r = compute(&Input {
        config: &cfg,
        range: range(),
        tickets: &[],
        samples: &samples,
        now: local(9, 30),
    });
    assert_eq!(r.by_staff.len(), 1);
    assert_eq!(r.by_staff[0].idle_ms, 30 * 60_000);
    assert_eq!(table::rows(&r).last().map(|row| row.section), Some("staff"));
}

#[test]
fn an_empty_range_is_all_zeros_not_missing() {
    let cfg = hall();
    let r = compute(&Input {
        config: &cfg,
        range: range(),
        tickets: &[],
        samples: &[],
        now: local(12, 0),
    });
    assert_eq!(r.totals.tickets, 0);
    assert_eq!(r.totals.avg_wait_ms, None);
    assert_eq!(r.by_queue.len(), cfg.queues.len());
    let json = serde_json::to_value(&r).unwrap();
    // A queue's own fields sit beside its group's.
    assert!(json["by_queue"][0]["tickets"].is_u64());
    assert!(json["by_queue"][0]["waiting_now"].is_u64());
}
