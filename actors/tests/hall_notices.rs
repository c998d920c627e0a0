//! 大厅公告 at work (issue 9): the notice actor with the screens, on a manual
//! hall clock — a notice sent reaches the screens of its scope as a
//! `notice` frame and in their snapshots, ends when its minutes are over
//! (no sleeping: the test moves the clock and sweeps), and one recovered
//! from storage is on the screens from the start after a restart while an
//! expired one is ended then.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use tingwu_actors::core::hall_notice::{compose, Draft};
use tingwu_actors::directory::Directory;
use tingwu_actors::events::EventBody;
use tingwu_actors::notice::{GetNotices, SendNotice, Sweep};
use tingwu_actors::records::Recovered;
use tingwu_actors::screen::{Subscribe, Subscription};
use tingwu_actors::store::memory_store;
use tingwu_actors::testing;

/// Waits for the next frame of a subscription; a missing frame fails the
/// test after a generous bound instead of hanging it.
async fn next(sub: &mut Subscription) -> Value {
    let frame = tokio::time::timeout(Duration::from_secs(30), sub.rx.recv())
        .await
        .expect("a frame")
        .expect("the screen is running");
    serde_json::from_str(&frame).unwrap()
}

async fn subscribe(dir: &Directory, screen: &str) -> Subscription {
    let addr = if screen == "dashboard" {
        &dir.dashboard
    } else {
        &dir.screens[screen]
    };
    addr.send(Subscribe {
        since: None,
        capacity: 64,
    })
    .await
    .unwrap()
}

fn snapshot_notices(sub: &Subscription) -> Vec<Value> {
    let snap: Value = serde_json::from_str(&sub.first[0]).unwrap();
    assert_eq!(snap["type"], "snapshot");
    snap["payload"]["notices"].as_array().unwrap().clone()
}

fn draft(text: &str, areas: &[&str], minutes: Option<u32>) -> Draft {
    Draft {
        text_zh: text.into(),
        text_en: Some("Notice".into()),
        areas: areas.iter().map(|a| a.to_string()).collect(),
        screens: Vec::new(),
        minutes,
    }
}

#[actix::test]
async fn a_notice_reaches_its_screens_and_expires_on_the_hall_clock() {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap();
    let (dir, clock) = testing::start_at(testing::small_hall(), t0);
    let mut hall = subscribe(&dir, "hall").await;
    let mut w1 = subscribe(&dir, "w1").await;
    let south = dir
        .notices
        .send(SendNotice {
            draft: draft("南区系统维护", &["south"], None),
            by: "admin".into(),
        })
        .await
        .unwrap()
        .unwrap()
        .notice;
    let five = dir
        .notices
        .send(SendNotice {
            draft: draft("五分钟后恢复", &[], Some(5)),
            by: "admin".into(),
        })
        .await
        .unwrap()
        .unwrap()
        .notice;
    assert_eq!(five.expires_at, Some(t0 + chrono::Duration::minutes(5)));
    // The whole-hall screen shows both, the window screen (north) the second.
    let f = next(&mut hall).await;
    assert_eq!(
        (f["type"].as_str(), f["payload"]["id"].as_str()),
        (Some("notice"), Some(south.id.as_str()))
    );
    assert!(
        f["payload"].get("by").is_none(),
        "public: who sent it stays private"
    );
    assert_eq!(next(&mut hall).await["payload"]["id"], five.id.as_str());
    let f = next(&mut w1).await;
    assert_eq!(f["payload"]["id"], five.id.as_str());
    assert_eq!(f["payload"]["active"], true);
    assert_eq!(snapshot_notices(&subscribe(&dir, "hall").await).len(), 2);
    let on_w1 = snapshot_notices(&subscribe(&dir, "w1").await);
    assert_eq!(on_w1.len(), 1);
    assert_eq!(on_w1[0]["text_zh"], "五分钟后恢复");
    let dash = snapshot_notices(&subscribe(&dir, "dashboard").await);
    assert_eq!(dash[0]["by"], "admin", "supervisors see who sent it");

    // Four minutes on: nothing ends.
    clock.advance(chrono::Duration::minutes(4));
    assert_eq!(
        dir.notices
            .send(Sweep { now: clock.now() })
            .await
            .unwrap()
            .unwrap(),
        0
    );
    // Five: the second notice ends, with a frame on each screen it was on.
    clock.advance(chrono::Duration::minutes(1));
    assert_eq!(
        dir.notices
            .send(Sweep { now: clock.now() })
            .await
            .unwrap()
            .unwrap(),
        1
    );
    let f = next(&mut w1).await;
    assert_eq!(f["payload"]["id"], five.id.as_str());
    assert_eq!(f["payload"]["active"], false);
    assert_eq!(f["payload"]["end"]["reason"], "expired");
    assert_eq!(next(&mut hall).await["payload"]["end"]["reason"], "expired");
    assert!(snapshot_notices(&subscribe(&dir, "w1").await).is_empty());
    let left = dir.notices.send(GetNotices).await.unwrap();
    assert_eq!(
        left.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        [south.id.as_str()]
    );
    // A notice until cleared never expires.
    clock.advance(chrono::Duration::days(30));
    assert_eq!(
        dir.notices
            .send(Sweep { now: clock.now() })
            .await
            .unwrap()
            .unwrap(),
        0
    );
}

#[actix::test]
async fn after_a_restart_notices_in_force_are_shown_and_expired_ones_end() {
    let cfg = Arc::new(testing::small_hall());
    let clock = tingwu_actors::clock::HallClock::of(&cfg);
    let now = clock.now();
    let in_force = compose(
        &draft("仍然有效", &[], None),
        &cfg,
        0,
        "n1".into(),
        "admin",
        now,
    )
    .unwrap();
    let expired = compose(
        &draft("已过期", &[], Some(5)),
        &cfg,
        0,
        "n2".into(),
        "admin",
        now - chrono::Duration::minutes(10),
    )
    .unwrap();
    let store = memory_store(0);
    let mut events = store.subscribe();
    let recovered = Recovered {
        day: clock.day(now),
        notices: vec![in_force.clone(), expired.clone()],
        ..Recovered::default()
    };
    let dir = Directory::start(cfg, store, recovered);
    let shown = snapshot_notices(&subscribe(&dir, "hall").await);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["id"], "n1");
    // The notice actor ends the expired one at start-up, durably.
    let change = loop {
        let e = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .expect("an event")
            .unwrap();
        if let EventBody::Notice(change) = &e.body {
            break change.clone();
        }
    };
    assert_eq!(change.notice.id, "n2");
    assert!(!change.active);
    let left = dir.notices.send(GetNotices).await.unwrap();
    assert_eq!(left, vec![in_force]);
    // A new notice gets an id after the recovered ones.
    let sent = dir
        .notices
        .send(SendNotice {
            draft: draft("新公告", &[], None),
            by: "admin".into(),
        })
        .await
        .unwrap()
        .unwrap()
        .notice;
    assert!(sent.id != "n1" && sent.id != "n2");
}
