use super::*;
use crate::attendance::timeline::StateChange;
use chrono::TimeZone;

/// 2026-03-02 (a Monday) at `h:m` hall time (UTC+8).
fn at(h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 3, 2, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn morning() -> Shift {
    Shift {
        start: at(8, 30),
        end: at(12, 0),
    }
}

fn timeline(changes: &[(u32, u32, WindowState)]) -> Timeline {
    Timeline {
        start: at(0, 0),
        initial: WindowState::LoggedOut,
        changes: changes
            .iter()
            .map(|&(h, m, state)| StateChange {
                at: at(h, m),
                state,
                usual_service_s: None,
            })
            .collect(),
    }
}

fn kinds(list: &[Anomaly]) -> Vec<AnomalyKind> {
    list.iter().map(|a| a.kind).collect()
}

const CFG: fn() -> AttendanceConfig = AttendanceConfig::default;

#[test]
fn not_logged_in_ten_minutes_into_the_shift() {
    let nobody = timeline(&[]);
    assert!(anomalies(&nobody, &[morning()], &CFG(), at(8, 39)).is_empty());
    let got = anomalies(&nobody, &[morning()], &CFG(), at(8, 40));
    assert_eq!(kinds(&got), [AnomalyKind::NotLoggedIn]);
    assert_eq!((got[0].since, got[0].until), (at(8, 40), None));
    assert_eq!(ongoing(&got).count(), 1);
    // Logging in late ends it; the anomaly stays on the record.
    let late = timeline(&[(8, 55, WindowState::Idle)]);
    let got = anomalies(&late, &[morning()], &CFG(), at(9, 30));
    assert_eq!(kinds(&got), [AnomalyKind::NotLoggedIn]);
    assert_eq!(got[0].until, Some(at(8, 55)));
    assert_eq!(ongoing(&got).count(), 0);
    // On time (within the grace): nothing.
    let on_time = timeline(&[(8, 35, WindowState::Idle)]);
    assert!(anomalies(&on_time, &[morning()], &CFG(), at(11, 0)).is_empty());
    // Never came: closed at the shift's end.
    let got = anomalies(&nobody, &[morning()], &CFG(), at(13, 0));
    assert_eq!(got[0].until, Some(at(12, 0)));
}

#[test]
fn left_before_the_shift_ends() {
    let left = timeline(&[(8, 30, WindowState::Idle), (11, 0, WindowState::LoggedOut)]);
    assert!(anomalies(&left, &[morning()], &CFG(), at(10, 59)).is_empty());
    let got = anomalies(&left, &[morning()], &CFG(), at(11, 1));
    assert_eq!(kinds(&got), [AnomalyKind::LeftEarly]);
    assert_eq!((got[0].since, got[0].until), (at(11, 0), None));
    // Within the leave grace (10 minutes before the end): fine.
    let fine = timeline(&[(8, 30, WindowState::Idle), (11, 51, WindowState::LoggedOut)]);
    assert!(anomalies(&fine, &[morning()], &CFG(), at(12, 30)).is_empty());
    // Back after a while: the anomaly ends then.
    let back = timeline(&[
        (8, 30, WindowState::Idle),
        (10, 0, WindowState::LoggedOut),
        (10, 20, WindowState::Idle),
    ]);
    let got = anomalies(&back, &[morning()], &CFG(), at(11, 0));
    assert_eq!(got[0].until, Some(at(10, 20)));
    // Logging out outside any shift is no anomaly.
    let lunch = timeline(&[(8, 30, WindowState::Idle), (12, 0, WindowState::LoggedOut)]);
    assert!(anomalies(&lunch, &[morning()], &CFG(), at(12, 30)).is_empty());
}

#[test]
fn paused_too_long() {
    let paused = timeline(&[(8, 30, WindowState::Idle), (9, 0, WindowState::Paused)]);
    assert!(anomalies(&paused, &[morning()], &CFG(), at(9, 29)).is_empty());
    let got = anomalies(&paused, &[morning()], &CFG(), at(9, 30));
    assert_eq!(kinds(&got), [AnomalyKind::PausedTooLong]);
    assert_eq!(got[0].until, None);
    let resumed = timeline(&[
        (8, 30, WindowState::Idle),
        (9, 0, WindowState::Paused),
        (9, 45, WindowState::Idle),
    ]);
    let got = anomalies(&resumed, &[morning()], &CFG(), at(10, 0));
    assert_eq!((got[0].since, got[0].until), (at(9, 30), Some(at(9, 45))));
    // Exactly the allowed pause is fine.
    let exact = timeline(&[
        (8, 30, WindowState::Idle),
        (9, 0, WindowState::Paused),
        (9, 30, WindowState::Idle),
    ]);
    assert!(anomalies(&exact, &[morning()], &CFG(), at(10, 0)).is_empty());
}

#[test]
fn serving_far_beyond_the_usual_time() {
    let mut t = timeline(&[(8, 30, WindowState::Idle), (9, 0, WindowState::Serving)]);
    t.changes[1].usual_service_s = Some(15 * 60); // 3 × 15 = 45 minutes
    assert!(anomalies(&t, &[morning()], &CFG(), at(9, 44)).is_empty());
    let got = anomalies(&t, &[morning()], &CFG(), at(9, 45));
    assert_eq!(kinds(&got), [AnomalyKind::ServiceTooLong]);
    let alarm = got[0].alarm(&Subject::Window("3".into()), "3号窗口", "Window 3");
    assert_eq!(alarm.id, "window/3/service_too_long");
    assert_eq!(alarm.typed_kind(), Some(AlarmKind::ServiceTooLong));
}

#[test]
fn a_day_off_has_no_shift_anomalies_but_pauses_still_count() {
    let nobody = timeline(&[(9, 0, WindowState::Idle), (9, 1, WindowState::Paused)]);
    let got = anomalies(&nobody, &[], &CFG(), at(11, 0));
    assert_eq!(kinds(&got), [AnomalyKind::PausedTooLong]);
}

#[test]
fn anomalies_raise_attendance_alarms() {
    let got = anomalies(&timeline(&[]), &[morning()], &CFG(), at(9, 0));
    let a = got[0].alarm(&Subject::Staff("S01".into()), "王丽", "");
    assert_eq!(a.id, "staff/S01/attendance/not_logged_in");
    assert_eq!(a.typed_kind(), Some(AlarmKind::AttendanceAnomaly));
    assert!(a.message_zh.contains("考勤异常") && a.message_zh.contains("王丽"));
    assert_eq!(
        a.message_en,
        "Attendance anomaly (Not logged in on time) at 王丽"
    );
    let w = got[0].alarm(&Subject::Window("3".into()), "3号窗口", "Window 3");
    assert_eq!(
        w.message_en,
        "Attendance anomaly (Not logged in on time) at Window 3"
    );
}
