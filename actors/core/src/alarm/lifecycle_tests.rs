use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + chrono::Duration::minutes(min)
}

fn paper(severity: Severity, text: &str) -> Alarm {
    Alarm {
        id: "printer/P1/paper_near_end".into(),
        source: "printer/P1".into(),
        kind: "paper_near_end".into(),
        severity,
        message_zh: text.into(),
        message_en: text.into(),
    }
}

#[test]
fn raise_acknowledge_clear() {
    let a = paper(Severity::Warning, "纸将用完");
    let Raised::New(r) = raise(None, &a, t(0)).unwrap() else {
        panic!("not new");
    };
    assert_eq!((r.stage(), r.count), (Stage::Active, 1));
    let r = acknowledge(&r, "admin", "已通知保洁换纸", t(5)).unwrap();
    assert_eq!(r.stage(), Stage::Acknowledged);
    let json = serde_json::to_value(r.view()).unwrap();
    assert_eq!(json["acknowledged"]["by"], "admin", "the stream shows it");
    let fresh = serde_json::to_value(raise(None, &a, t(0)).unwrap().record().view()).unwrap();
    assert!(fresh.get("acknowledged").is_none(), "left out until then");
    assert_eq!(r.acknowledged.as_ref().unwrap().by, "admin");
    let r = clear(&r, t(9)).unwrap();
    assert_eq!(r.stage(), Stage::Cleared);
    assert!(!r.view().active && r.view().cleared_at == Some(t(9)));
}

#[test]
fn raising_an_open_alarm_only_counts() {
    let a = paper(Severity::Warning, "纸将用完");
    let r = raise(None, &a, t(0)).unwrap().record().clone();
    let r = acknowledge(&r, "admin", "", t(1)).unwrap();
    let again = raise(Some(&r), &a, t(3)).unwrap();
    assert!(!again.is_news());
    let Raised::Repeated(r2) = again else {
        panic!("not a repeat");
    };
    assert_eq!((r2.count, r2.last_seen), (2, t(3)));
    assert_eq!(r2.raised_at, t(0));
    assert_eq!(r2.acknowledged, r.acknowledged, "still acknowledged");
    // A changed severity is taken over, first raise kept.
    let Raised::Changed(r3) = raise(Some(&r2), &paper(Severity::Error, "缺纸"), t(4)).unwrap()
    else {
        panic!("not a change");
    };
    assert_eq!(
        (r3.severity, r3.raised_at, r3.count),
        (Severity::Error, t(0), 3)
    );
    // After a clear the same id starts a new occurrence.
    let cleared = clear(&r3, t(5)).unwrap();
    let Raised::New(fresh) = raise(Some(&cleared), &a, t(6)).unwrap() else {
        panic!("not new");
    };
    assert_eq!((fresh.raised_at, fresh.count), (t(6), 1));
    assert!(fresh.acknowledged.is_none());
}

#[test]
fn refusals() {
    let a = paper(Severity::Warning, "x");
    let r = raise(None, &a, t(0)).unwrap().record().clone();
    assert_eq!(acknowledge(&r, "  ", "", t(1)), Err(LifecycleError::NoOne));
    let acked = acknowledge(&r, "admin", "", t(1)).unwrap();
    assert!(matches!(
        acknowledge(&acked, "other", "", t(2)),
        Err(LifecycleError::AlreadyAcknowledged { by, .. }) if by == "admin"
    ));
    let cleared = clear(&acked, t(3)).unwrap();
    assert!(matches!(
        acknowledge(&cleared, "admin", "", t(4)),
        Err(LifecycleError::Cleared { .. })
    ));
    assert!(matches!(
        clear(&cleared, t(4)),
        Err(LifecycleError::Cleared { .. })
    ));
    assert!(matches!(
        acknowledge(&r, "admin", "", t(-1)),
        Err(LifecycleError::ClockBehind { .. })
    ));
    let mut odd = a.clone();
    odd.kind = "weird".into();
    assert_eq!(
        raise(None, &odd, t(0)),
        Err(LifecycleError::UnknownKind("weird".into()))
    );
    let mut other = a.clone();
    other.id = "printer/P2/paper_near_end".into();
    assert!(matches!(
        raise(Some(&r), &other, t(1)),
        Err(LifecycleError::OtherAlarm { .. })
    ));
}

#[derive(Debug, Clone)]
enum Step {
    Raise(bool),
    Ack,
    Clear,
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<bool>().prop_map(Step::Raise),
        Just(Step::Ack),
        Just(Step::Clear),
        (-3i64..10).prop_map(Step::Wait),
    ]
}

proptest! {
    /// Raising the same alarm any number of times while it is open
    /// changes nothing but its count and last sighting.
    #[test]
    fn de_duplication(times in prop::collection::vec(0i64..1000, 1..20)) {
        let a = paper(Severity::Warning, "x");
        let first = raise(None, &a, t(0)).unwrap().record().clone();
        let mut r = first.clone();
        let mut now = 0;
        for (i, d) in times.iter().enumerate() {
            now += d;
            let next = raise(Some(&r), &a, t(now)).unwrap();
            prop_assert!(!next.is_news());
            r = next.record().clone();
            prop_assert_eq!(r.count as usize, i + 2);
            let mut expected = first.clone();
            expected.count = r.count;
            expected.last_seen = t(now);
            prop_assert_eq!(&r, &expected);
        }
    }

    /// Whatever happens, an occurrence's stage never goes back, its
    /// times never run backwards, and once cleared it stays so.
    #[test]
    fn the_lifecycle_never_goes_backwards(steps in prop::collection::vec(step(), 1..40)) {
        let mut now = 0i64;
        let mut r = raise(None, &paper(Severity::Warning, "x"), t(0)).unwrap().record().clone();
        for s in steps {
            let before = r.clone();
            let next = match s {
                Step::Wait(d) => { now += d; continue; }
                Step::Raise(worse) => {
                    let sev = if worse { Severity::Error } else { Severity::Warning };
                    // A raise on a cleared one starts a new occurrence:
                    // look at the old one only.
                    if !r.is_open() { continue; }
                    raise(Some(&r), &paper(sev, "x"), t(now)).map(|x| x.record().clone())
                }
                Step::Ack => acknowledge(&r, "admin", "", t(now)),
                Step::Clear => clear(&r, t(now)),
            };
            if let Ok(n) = next {
                r = n;
            }
            prop_assert!(r.stage() >= before.stage());
            prop_assert!(r.last_time() >= before.last_time());
            prop_assert_eq!(r.raised_at, before.raised_at);
            if before.acknowledged.is_some() {
                prop_assert_eq!(&r.acknowledged, &before.acknowledged);
            }
            if before.cleared_at.is_some() {
                prop_assert_eq!(&r, &before);
            }
        }
    }
}
