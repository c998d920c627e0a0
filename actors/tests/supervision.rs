//! Supervision on a test hall driven by a manual clock (issue 9,
//! acceptance 2): every alarm kind the actor raises and every attendance
//! anomaly, without sleeping.

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};

use tingwu_actors::alarm::{AlarmKind, AlarmView, GetAlarms};
use tingwu_actors::clock::ManualClock;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::attendance::AnomalyKind;
use tingwu_actors::core::ticket::{Channel, Priority};
use tingwu_actors::core::window_state::{DisplayState, WindowState};
use tingwu_actors::directory::Directory;
use tingwu_actors::events::EventBody;
use tingwu_actors::hall::IssueTicket;
use tingwu_actors::supervision::Check;
use tingwu_actors::testing::{start_at, SMALL_HALL_TOML};
use tingwu_actors::window::{Command, GetWindow};

/// Windows 1 and 2 have a shift 09:00-12:00 on working days; the others
/// none. At most 3 may wait in a queue.
const SUPERVISION: &str = r#"
[supervision]
idle_while_waiting_minutes = 5
[supervision.queues]
longest_wait_minutes = 30
max_waiting = 3
[supervision.attendance]
shifts = [{ window = "1", hours = ["09:00-12:00"] }, { window = "2", hours = ["09:00-12:00"] }]
login_grace_minutes = 10
leave_grace_minutes = 10
max_pause_minutes = 30
service_multiple = 3
service_min_minutes = 20
"#;

/// Monday 2026-03-02, `h:m` in the hall's time (Asia/Shanghai): a working
/// day.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 3, 2, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn hall_at(h: u32, m: u32) -> (Directory, &'static ManualClock) {
    let cfg = HallConfig::from_toml(&format!("{SMALL_HALL_TOML}\n{SUPERVISION}")).unwrap();
    start_at(cfg, at(h, m))
}

async fn act(dir: &Directory, window: &str, id: &str, action: Action) -> Reply {
    act_as(dir, window, &format!("S{window:0>2}"), id, action).await
}

async fn act_as(dir: &Directory, window: &str, staff: &str, id: &str, action: Action) -> Reply {
    let staff = staff.to_string();
    let cmd = Command {
        cmd: TerminalCommand {
            staff: (action == Action::Login).then_some(staff),
            pin: (action == Action::Login).then(|| "1111".into()),
            ..TerminalCommand::new(id, action)
        },
        received: Instant::now(),
        acting_staff: None,
    };
    let reply = dir.windows[window].send(cmd).await.unwrap();
    assert!(reply.ok, "{action:?} at window {window}: {reply:?}");
    reply
}

async fn issue(dir: &Directory, item: &str) {
    dir.hall
        .send(IssueTicket {
            deadline: None,
            appointment: None,
            item: Some(item.into()),
            queue: None,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            personal: Default::default(),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .unwrap();
}

/// Runs a pass at `clock`'s time and answers the open alarms.
async fn check(dir: &Directory) -> Vec<AlarmView> {
    dir.supervision.send(Check).await.unwrap();
    dir.alarms.send(GetAlarms).await.unwrap()
}

fn ids(alarms: &[AlarmView]) -> Vec<&str> {
    let mut v: Vec<&str> = alarms.iter().map(|a| a.id.as_str()).collect();
    v.sort();
    v
}

async fn shown(dir: &Directory, window: &str) -> (WindowState, Option<DisplayState>) {
    let v = dir.windows[window].send(GetWindow).await.unwrap();
    (v.state, v.display_state)
}

#[actix::test]
async fn not_logged_in_after_the_shift_starts() {
    let (dir, clock) = hall_at(8, 50);
    let mut events = dir.store.subscribe();
    assert!(check(&dir).await.is_empty());
    clock.set(at(9, 9));
    assert!(check(&dir).await.is_empty(), "within the 10 minutes' grace");
    clock.set(at(9, 10));
    let open = check(&dir).await;
    assert_eq!(
        ids(&open),
        [
            "window/1/attendance/not_logged_in",
            "window/2/attendance/not_logged_in"
        ]
    );
    assert_eq!(open[0].kind, AlarmKind::AttendanceAnomaly.as_str());
    assert_eq!(open[0].raised_at, at(9, 10), "raised on the hall clock");
    assert!(open[0].message_zh.contains("考勤异常"));
    assert_eq!(
        shown(&dir, "1").await,
        (
            WindowState::LoggedOut,
            Some(DisplayState::AttendanceAnomaly)
        )
    );
    // A window without a shift is not expected.
    assert_eq!(
        shown(&dir, "3").await,
        (WindowState::LoggedOut, Some(DisplayState::LoggedOut))
    );
    // The dashboard stream got the window's new displayed state.
    let mut recoloured = false;
    while let Ok(e) = events.try_recv() {
        if let EventBody::Window(w) = &e.body {
            recoloured |= w.id == "1" && w.display_state == Some(DisplayState::AttendanceAnomaly);
        }
    }
    assert!(recoloured);
    // Logging in late ends it.
    clock.set(at(9, 15));
    act(&dir, "1", "login", Action::Login).await;
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["window/2/attendance/not_logged_in"]);
    assert_eq!(
        shown(&dir, "1").await,
        (WindowState::Idle, Some(DisplayState::Idle))
    );
}

#[actix::test]
async fn left_before_the_shift_ends() {
    let (dir, clock) = hall_at(9, 0);
    act(&dir, "1", "login", Action::Login).await;
    act(&dir, "2", "login", Action::Login).await;
    clock.set(at(11, 0));
    act(&dir, "1", "logout", Action::Logout).await;
    clock.set(at(11, 1));
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["window/1/attendance/left_early"]);
    assert_eq!(
        shown(&dir, "1").await.1,
        Some(DisplayState::AttendanceAnomaly)
    );
    // Logging out within the last 10 minutes is no anomaly.
    clock.set(at(11, 55));
    act(&dir, "2", "logout", Action::Logout).await;
    // Back at the window: over.
    act(&dir, "1", "login again", Action::Login).await;
    assert!(check(&dir).await.is_empty());
    assert_eq!(shown(&dir, "1").await.1, Some(DisplayState::Idle));
}

#[actix::test]
async fn paused_too_long() {
    let (dir, clock) = hall_at(9, 0);
    act(&dir, "1", "login", Action::Login).await;
    act(&dir, "2", "login", Action::Login).await;
    act(&dir, "1", "pause", Action::Pause).await;
    clock.set(at(9, 29));
    assert!(check(&dir).await.is_empty());
    clock.set(at(9, 30));
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["window/1/pause_too_long"]);
    assert_eq!(open[0].kind, AlarmKind::PauseTooLong.as_str());
    let found = dir.supervision.send(Check).await.unwrap();
    let kinds: Vec<AnomalyKind> = found.anomalies["1"].iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AnomalyKind::PausedTooLong]);
    assert_eq!(
        shown(&dir, "1").await,
        (WindowState::Paused, Some(DisplayState::AttendanceAnomaly))
    );
    act(&dir, "1", "resume", Action::Resume).await;
    assert!(check(&dir).await.is_empty());
    assert_eq!(shown(&dir, "1").await.1, Some(DisplayState::Idle));
}

#[actix::test]
async fn serving_far_beyond_the_usual_time() {
    // After the shifts of windows 1 and 2 (their not logging in is over);
    // window 3 has no shift: a long service counts all the same.
    let (dir, clock) = hall_at(13, 0);
    issue(&dir, "general").await;
    act(&dir, "3", "login", Action::Login).await;
    act(&dir, "3", "call", Action::CallNext).await;
    act(&dir, "3", "start", Action::Start).await;
    // Usual 300 s × 3 = 15 minutes, but never less than 20.
    clock.set(at(13, 19));
    assert!(check(&dir).await.is_empty());
    clock.set(at(13, 20));
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["window/3/service_too_long"]);
    assert_eq!(open[0].kind, AlarmKind::ServiceTooLong.as_str());
    assert_eq!(
        shown(&dir, "3").await,
        (WindowState::Serving, Some(DisplayState::AttendanceAnomaly))
    );
    act(&dir, "3", "finish", Action::Finish).await;
    assert!(check(&dir).await.is_empty());
    assert_eq!(shown(&dir, "3").await.1, Some(DisplayState::Idle));
}

#[actix::test]
async fn queue_alarms_and_a_window_idle_while_people_wait() {
    let (dir, clock) = hall_at(13, 0);
    for _ in 0..4 {
        issue(&dir, "general").await;
    }
    // Four wait in A, more than its 3.
    assert_eq!(ids(&check(&dir).await), ["queue/A/queue_too_long"]);
    act(&dir, "3", "login", Action::Login).await;
    clock.set(at(13, 4));
    assert_eq!(ids(&check(&dir).await), ["queue/A/queue_too_long"]);
    // Idle for 5 minutes while A waits.
    clock.set(at(13, 5));
    let open = check(&dir).await;
    assert_eq!(
        ids(&open),
        [
            "queue/A/queue_too_long",
            "window/3/window_idle_while_waiting"
        ]
    );
    // The first ticket has waited 30 minutes.
    clock.set(at(13, 30));
    let open = check(&dir).await;
    assert_eq!(
        ids(&open),
        [
            "queue/A/queue_too_long",
            "queue/A/queue_wait_too_long",
            "window/3/window_idle_while_waiting"
        ]
    );
    let kinds: Vec<&str> = open.iter().map(|a| a.kind.as_str()).collect();
    assert!(kinds.contains(&AlarmKind::QueueWaitTooLong.as_str()));
    assert!(kinds.contains(&AlarmKind::WindowIdleWhileWaiting.as_str()));
    // Calling clears the idle window and brings the queue to 3.
    act(&dir, "3", "call", Action::CallNext).await;
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["queue/A/queue_wait_too_long"]);
    // The window's display is not an attendance matter.
    assert_eq!(shown(&dir, "3").await.1, Some(DisplayState::Called));
}

#[actix::test]
async fn a_staff_member_with_an_own_shift() {
    let cfg = HallConfig::from_toml(&format!(
        "{SMALL_HALL_TOML}\n[supervision.attendance]\nshifts = [{{ staff = \"S05\", hours = [\"09:00-12:00\"] }}]\n"
    ))
    .unwrap();
    let (dir, clock) = start_at(cfg, at(8, 50));
    clock.set(at(9, 10));
    let open = check(&dir).await;
    assert_eq!(ids(&open), ["staff/S05/attendance/not_logged_in"]);
    assert_eq!(open[0].kind, AlarmKind::AttendanceAnomaly.as_str());
    assert!(
        open[0].message_zh.contains("工作人员05"),
        "{}",
        open[0].message_zh
    );
    // At any window will do.
    clock.set(at(9, 15));
    act_as(&dir, "7", "S05", "in", Action::Login).await;
    assert!(check(&dir).await.is_empty());
    // Gone at 10:00, before the shift ends: left early while away.
    clock.set(at(10, 0));
    act_as(&dir, "7", "S05", "out", Action::Logout).await;
    clock.set(at(10, 1));
    assert_eq!(ids(&check(&dir).await), ["staff/S05/attendance/left_early"]);
    // Back, at another window: over.
    clock.set(at(10, 2));
    act_as(&dir, "8", "S05", "in at 8", Action::Login).await;
    assert!(check(&dir).await.is_empty());
}

#[actix::test]
async fn a_disabled_window_is_not_expected_to_call_or_attend() {
    let (dir, clock) = hall_at(8, 50);
    dir.windows["1"]
        .send(tingwu_actors::window::SetEnabled {
            enabled: false,
            reason: Some("设备维修".into()),
            by: "admin".into(),
        })
        .await
        .unwrap()
        .unwrap();
    issue(&dir, "general").await;
    clock.set(at(9, 0));
    act(&dir, "2", "login", Action::Login).await;
    // Window 2 idles while A waits; window 1 (停用) has its shift but is
    // out of service: neither its not logging in nor anything else counts.
    clock.set(at(9, 10));
    assert_eq!(
        ids(&check(&dir).await),
        ["window/2/window_idle_while_waiting"]
    );
    assert_eq!(
        shown(&dir, "1").await,
        (WindowState::LoggedOut, Some(DisplayState::LoggedOut))
    );
}
