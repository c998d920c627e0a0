use super::*;
use chrono::TimeZone;

/// 2026-03-02 09:00 hall time plus `min` minutes.
fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::minutes(min)
}

fn queue(id: &str, waiting: u64, oldest: Option<i64>) -> QueueSnapshot {
    QueueSnapshot {
        id: id.into(),
        name: format!("{id}队列"),
        waiting,
        oldest_since: oldest.map(t),
    }
}

fn window(state: WindowState, since: i64) -> WindowSnapshot {
    WindowSnapshot {
        id: "3".into(),
        name: "3号窗口".into(),
        state,
        since: t(since),
        queues: vec!["A".into()],
        usual_service_s: None,
    }
}

fn ids(alarms: &[Alarm]) -> Vec<&str> {
    alarms.iter().map(|a| a.id.as_str()).collect()
}

fn hall(queues: Vec<QueueSnapshot>, windows: Vec<WindowSnapshot>) -> HallSnapshot {
    HallSnapshot { queues, windows }
}

#[test]
fn the_longest_wait_over_the_threshold() {
    let cfg = SupervisionConfig::default(); // 30 minutes
    let h = hall(vec![queue("A", 3, Some(0))], vec![]);
    assert!(evaluate(&h, t(29), &cfg).is_empty());
    let got = evaluate(&h, t(30), &cfg);
    assert_eq!(ids(&got), ["queue/A/queue_wait_too_long"]);
    assert!(
        got[0].message_zh.contains("30 分钟"),
        "{}",
        got[0].message_zh
    );
    // Nobody waiting: no wait alarm, whatever the stale time says.
    let empty = hall(vec![queue("A", 0, Some(0))], vec![]);
    assert!(evaluate(&empty, t(300), &cfg).is_empty());
}

#[test]
fn a_queue_longer_than_its_own_threshold() {
    let mut cfg = SupervisionConfig::default();
    cfg.queues
        .per_queue
        .push(crate::config::supervision::QueueThreshold {
            queue: "A".into(),
            longest_wait_minutes: None,
            max_waiting: Some(5),
        });
    let at = |n| {
        evaluate(
            &hall(vec![queue("A", n, Some(0)), queue("B", n, Some(0))], vec![]),
            t(1),
            &cfg,
        )
    };
    assert!(at(5).is_empty());
    assert_eq!(
        ids(&at(6)),
        ["queue/A/queue_too_long"],
        "B keeps the hall's 30"
    );
    assert_eq!(
        ids(&at(31)),
        ["queue/A/queue_too_long", "queue/B/queue_too_long"]
    );
}

#[test]
fn a_window_idle_while_its_queue_waits() {
    let cfg = SupervisionConfig::default(); // 5 minutes
                                            // Idle since 0, a ticket waiting since 2: both hold from 2.
    let h = hall(
        vec![queue("A", 1, Some(2))],
        vec![window(WindowState::Idle, 0)],
    );
    assert!(evaluate(&h, t(6), &cfg).is_empty());
    let got = evaluate(&h, t(7), &cfg);
    assert_eq!(ids(&got), ["window/3/window_idle_while_waiting"]);
    assert!(got[0].message_zh.contains("3号窗口"));
    // A queue it does not serve does not count.
    let other = hall(
        vec![queue("B", 9, Some(0))],
        vec![window(WindowState::Idle, 0)],
    );
    assert!(evaluate(&other, t(20), &cfg).is_empty());
    // Serving is not idle.
    let busy = hall(
        vec![queue("A", 1, Some(0))],
        vec![window(WindowState::Called, 0)],
    );
    assert!(evaluate(&busy, t(7), &cfg).is_empty());
}

#[test]
fn a_pause_too_long() {
    let cfg = SupervisionConfig::default(); // 30 minutes
    let h = hall(vec![], vec![window(WindowState::Paused, 0)]);
    assert!(evaluate(&h, t(29), &cfg).is_empty());
    assert_eq!(ids(&evaluate(&h, t(30), &cfg)), ["window/3/pause_too_long"]);
}

#[test]
fn a_service_far_beyond_the_usual_time() {
    let cfg = SupervisionConfig::default(); // 3 × usual, at least 20 minutes
    let mut w = window(WindowState::Serving, 0);
    w.usual_service_s = Some(10 * 60);
    let h = hall(vec![], vec![w.clone()]);
    assert!(evaluate(&h, t(29), &cfg).is_empty());
    assert_eq!(
        ids(&evaluate(&h, t(30), &cfg)),
        ["window/3/service_too_long"]
    );
    // A short item still gets the 20-minute floor.
    w.usual_service_s = Some(60);
    let h = hall(vec![], vec![w.clone()]);
    assert!(evaluate(&h, t(19), &cfg).is_empty());
    assert_eq!(evaluate(&h, t(20), &cfg).len(), 1);
    // Unknown usual time: the floor alone.
    w.usual_service_s = None;
    assert_eq!(evaluate(&hall(vec![], vec![w]), t(20), &cfg).len(), 1);
}

#[test]
fn reconcile_clears_what_no_longer_holds() {
    let cfg = SupervisionConfig::default();
    let h = hall(vec![queue("A", 40, Some(0))], vec![]);
    let holding = evaluate(&h, t(1), &cfg);
    let r = reconcile(
        ["queue/A/queue_too_long", "window/3/pause_too_long"],
        holding,
    );
    assert_eq!(ids(&r.raise), ["queue/A/queue_too_long"]);
    assert_eq!(r.clear, ["window/3/pause_too_long"]);
    for a in &r.raise {
        assert!(KINDS.contains(&a.typed_kind().unwrap()));
    }
}
