//! The alarm actor's tests, over the in-memory store.

use super::*;
use crate::store::memory_store;

fn alarm(severity: Severity, message: &str) -> Alarm {
    Alarm {
        id: "printer/P1/x".into(),
        source: "printer/P1".into(),
        kind: "paper_near_end".into(),
        severity,
        message_zh: message.into(),
        message_en: message.into(),
    }
}

#[actix::test]
async fn raise_is_idempotent_and_clear_commits_once() {
    let store = memory_store(0);
    let mut events = store.subscribe();
    let alarms = AlarmActor::new(store).start();
    alarms
        .send(Raise(alarm(Severity::Warning, "a")))
        .await
        .unwrap()
        .unwrap();
    alarms
        .send(Raise(alarm(Severity::Warning, "a")))
        .await
        .unwrap()
        .unwrap();
    let list = alarms.send(GetAlarms).await.unwrap();
    assert_eq!(list.len(), 1);
    let raised_at = list[0].raised_at;
    // A change keeps the time it was first raised.
    alarms
        .send(Raise(alarm(Severity::Error, "b")))
        .await
        .unwrap()
        .unwrap();
    let list = alarms.send(GetAlarms).await.unwrap();
    assert_eq!(list[0].severity, Severity::Error);
    assert_eq!(list[0].raised_at, raised_at);
    alarms
        .send(Clear("printer/P1/x".into()))
        .await
        .unwrap()
        .unwrap();
    alarms
        .send(Clear("printer/P1/x".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(alarms.send(GetAlarms).await.unwrap().is_empty());
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let EventBody::Alarm(a) = &e.body {
            seen.push((a.severity, a.active, a.cleared_at.is_some()));
        }
    }
    assert_eq!(
        seen,
        vec![
            (Severity::Warning, true, false),
            (Severity::Error, true, false),
            (Severity::Error, false, true),
        ]
    );
}

#[actix::test]
async fn errors_are_listed_first() {
    let alarms = AlarmActor::new(memory_store(0)).start();
    let mut w = alarm(Severity::Warning, "w");
    w.id = "a/warning".into();
    let mut e = alarm(Severity::Error, "e");
    e.id = "b/error".into();
    alarms.send(Raise(w)).await.unwrap().unwrap();
    alarms.send(Raise(e)).await.unwrap().unwrap();
    let list = alarms.send(GetAlarms).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec!["b/error", "a/warning"]);
}

/// A store that keeps its puts and deletes in memory, so a test can start
/// a second actor from what the first one wrote (a restart).
type Kv = std::sync::Arc<std::sync::Mutex<BTreeMap<Vec<u8>, Vec<u8>>>>;

fn kv_store() -> (Store, Kv) {
    use crate::store::CommitRequest;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<CommitRequest>(64);
    let (events, _) = tokio::sync::broadcast::channel(64);
    let kv = Kv::default();
    let disk = kv.clone();
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            if let Ok(mut map) = disk.lock() {
                for op in req.commit.ops {
                    match op {
                        Op::Put(k, v) => {
                            map.insert(k, v);
                        }
                        Op::Delete(k) => {
                            map.remove(&k);
                        }
                    }
                }
            }
            let _ = req.done.send(Ok(Vec::new()));
        }
    });
    (Store::new(tx, events), kv)
}

/// What start-up reads back: the open occurrences under `l/`.
fn recover(kv: &Kv) -> Vec<AlarmRecord> {
    let map = kv.lock().unwrap();
    map.iter()
        .filter(|(k, _)| k.starts_with(keys::ALARMS))
        .map(|(_, v)| serde_json::from_slice(v).unwrap())
        .collect()
}

fn history(kv: &Kv) -> Vec<(Change, AlarmKind)> {
    let map = kv.lock().unwrap();
    map.iter()
        .filter(|(k, _)| k.starts_with(keys::ALARM_HISTORY))
        .map(|(_, v)| HistoryEntry::decode(v).unwrap())
        .map(|e| (e.change, e.record.kind))
        .collect()
}

fn paper_out() -> Alarm {
    AlarmKind::PaperOut.alarm(
        "printer/P1/out_of_service",
        "printer/P1",
        "打印机 P1 缺纸，请更换纸卷",
        "Printer P1: out of paper; load a new roll",
    )
}

#[actix::test]
async fn an_acknowledged_alarm_survives_a_restart() {
    let (store, kv) = kv_store();
    let alarms = AlarmActor::new(store.clone()).start();
    alarms.send(Raise(paper_out())).await.unwrap().unwrap();
    let acked = alarms
        .send(Acknowledge {
            id: "printer/P1/out_of_service".into(),
            by: "admin".into(),
            note: "已安排换纸".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acked.acknowledged.as_ref().unwrap().by, "admin");
    // Restart: a new actor from what was written.
    drop(alarms);
    let recovered = recover(&kv);
    assert_eq!(recovered.len(), 1);
    let alarms = AlarmActor::recovered(store, recovered).start();
    let list = alarms.send(GetAlarmRecords).await.unwrap();
    assert_eq!(list.len(), 1);
    let ack = list[0].acknowledged.as_ref().unwrap();
    assert_eq!(
        (ack.by.as_str(), ack.note.as_str()),
        ("admin", "已安排换纸")
    );
    assert_eq!(list[0].raised_at, acked.raised_at);
    let views = alarms.send(GetAlarms).await.unwrap();
    assert_eq!(views[0].kind, "paper_out");
    assert_eq!(
        views[0].acknowledged.as_ref().map(|a| a.by.as_str()),
        Some("admin")
    );
    // The printer raises it again after the restart: one occurrence, still
    // acknowledged, counted twice.
    alarms.send(Raise(paper_out())).await.unwrap().unwrap();
    let list = alarms.send(GetAlarmRecords).await.unwrap();
    assert_eq!(list[0].count, 2);
    assert!(list[0].acknowledged.is_some());
    let twice = alarms
        .send(Acknowledge {
            id: "printer/P1/out_of_service".into(),
            by: "other".into(),
            note: String::new(),
        })
        .await
        .unwrap();
    assert!(
        matches!(twice, Err(AcknowledgeError::Refused(_))),
        "{twice:?}"
    );
    alarms
        .send(Clear("printer/P1/out_of_service".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(recover(&kv).is_empty(), "a cleared alarm is no longer open");
    let gone = alarms
        .send(Acknowledge {
            id: "printer/P1/out_of_service".into(),
            by: "admin".into(),
            note: String::new(),
        })
        .await
        .unwrap();
    assert!(matches!(gone, Err(AcknowledgeError::NotFound(_))));
    assert_eq!(
        history(&kv),
        vec![
            (Change::Raised, AlarmKind::PaperOut),
            (Change::Acknowledged, AlarmKind::PaperOut),
            (Change::Cleared, AlarmKind::PaperOut),
        ]
    );
}

#[actix::test]
async fn unacknowledged_errors_are_escalated_once_per_repeat() {
    let (store, kv) = kv_store();
    let alarms = AlarmActor::new(store).start();
    alarms.send(Raise(paper_out())).await.unwrap().unwrap();
    let mut near_end = paper_out();
    near_end.id = "printer/P1/paper_near_end".into();
    near_end.kind = "paper_near_end".into();
    near_end.severity = Severity::Warning;
    alarms.send(Raise(near_end)).await.unwrap().unwrap();
    let config = tingwu_core::config::supervision::EscalationConfig {
        warning_minutes: None,
        error_minutes: Some(0),
        repeat_minutes: Some(30),
        duty: Vec::new(),
    };
    let due = |c: &tingwu_core::config::supervision::EscalationConfig| DueEscalations {
        config: c.clone(),
        tz: chrono_tz::Asia::Shanghai,
    };
    let sent = alarms.send(due(&config)).await.unwrap().unwrap();
    assert_eq!(sent.len(), 1, "errors only: {sent:?}");
    assert_eq!(sent[0].alarm, "printer/P1/out_of_service");
    assert!(sent[0].first);
    assert!(alarms.send(due(&config)).await.unwrap().unwrap().is_empty());
    assert!(recover(&kv)
        .iter()
        .any(|r| r.id == "printer/P1/out_of_service" && r.escalated_at.is_some()));
}

#[actix::test]
async fn an_unknown_kind_is_dropped() {
    let alarms = AlarmActor::new(memory_store(0)).start();
    let mut odd = paper_out();
    odd.kind = "nonsense".into();
    alarms.send(Raise(odd)).await.unwrap().unwrap();
    assert!(alarms.send(GetAlarms).await.unwrap().is_empty());
}

#[actix::test]
async fn recovered_conditions_nobody_raises_again_are_cleared() {
    let (store, kv) = kv_store();
    let first = AlarmActor::new(store.clone()).start();
    let mut offline = paper_out();
    offline.id = "bus/B1/T1/offline".into();
    offline.kind = "offline".into();
    let bad = AlarmKind::BadRating.alarm("evaluation/T1/bad", "window/1", "差评", "Bad rating");
    for a in [paper_out(), offline.clone(), bad] {
        first.send(Raise(a)).await.unwrap().unwrap();
    }
    drop(first);
    let wait = Duration::from_millis(100);
    let alarms = AlarmActor::recovered(store, recover(&kv))
        .reconfirm_within(wait)
        .start();
    // The printer is still out of paper and says so again; the bus device
    // came back while the server was down and says nothing.
    alarms.send(Raise(paper_out())).await.unwrap().unwrap();
    assert_eq!(alarms.send(GetAlarms).await.unwrap().len(), 3);
    tokio::time::sleep(wait * 3).await;
    let mut left: Vec<String> = alarms
        .send(GetAlarms)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    left.sort();
    assert_eq!(left, ["evaluation/T1/bad", "printer/P1/out_of_service"]);
    assert!(recover(&kv).iter().all(|r| r.id != offline.id));
}
