//! The dashboard's snapshot after a restart lists the alarms recovered from
//! storage, acknowledged ones with who acknowledged them (issue 9: "an
//! alarm raised before a restart is still there after it"). A device that
//! is still wrong raises nothing new after the restart, so the dashboard's
//! feed must read them from the alarm actor when it starts.

use std::sync::Arc;

use tingwu_actors::config::HallConfig;
use tingwu_actors::core::alarm::lifecycle::{acknowledge, raise};
use tingwu_actors::core::alarm::AlarmKind;
use tingwu_actors::directory::Directory;
use tingwu_actors::records::Recovered;
use tingwu_actors::screen::Subscribe;
use tingwu_actors::store::memory_store;

#[actix::test]
async fn the_dashboard_snapshot_lists_the_recovered_alarms() {
    let cfg = Arc::new(HallConfig::demo().unwrap());
    let clock = tingwu_actors::clock::HallClock::of(&cfg);
    let now = chrono::Utc::now();
    let paper = AlarmKind::PaperOut.alarm(
        "printer/P1/out_of_service",
        "printer/P1",
        "打印机 P1 缺纸，请更换纸卷",
        "Printer P1: out of paper; load a new roll",
    );
    let raised = raise(None, &paper, now).unwrap().record().clone();
    let acked = acknowledge(&raised, "admin", "已安排换纸", now).unwrap();
    let recovered = Recovered {
        day: clock.day(clock.now()),
        alarms: vec![acked],
        ..Recovered::default()
    };
    let dir = Directory::start(cfg, memory_store(2), recovered);
    let sub = dir
        .dashboard
        .send(Subscribe {
            since: None,
            capacity: 8,
        })
        .await
        .unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&sub.first[0]).unwrap();
    let alarms = snapshot["payload"]["alarms"].as_array().unwrap();
    assert_eq!(alarms.len(), 1, "{alarms:?}");
    assert_eq!(alarms[0]["id"], "printer/P1/out_of_service");
    assert_eq!(alarms[0]["acknowledged"]["by"], "admin");
    assert_eq!(alarms[0]["acknowledged"]["note"], "已安排换纸");
    // Hall screens never carry alarms.
    let hall = dir.screens["hall"]
        .send(Subscribe {
            since: None,
            capacity: 8,
        })
        .await
        .unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&hall.first[0]).unwrap();
    assert!(snapshot["payload"].get("alarms").is_none());
}
