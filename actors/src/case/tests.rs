//! The case actor on the in-memory store: what it commits, and that a
//! refusal commits nothing.

use std::sync::Arc;

use actix::Actor;
use chrono::{DateTime, Utc};

use super::{Act, CaseActor, CaseError, GetCase, TakeIn};
use crate::core::case::{Actor as Person, Applicant, Input, SealedApplicant};
use crate::events::EventBody;
use crate::store::memory_store;

fn at_ten() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn take_in(key: Option<&str>) -> TakeIn {
    TakeIn {
        item: "food-license".into(),
        applicant: Applicant::person("11010519491231002X", "张三", Some("13812345678")).unwrap(),
        sealed: SealedApplicant {
            id: "sealed-id".into(),
            name: "sealed-name".into(),
            phone: Some("sealed-phone".into()),
        },
        provided: vec![
            "食品经营许可申请书".into(),
            "营业执照".into(),
            "经营场所平面图".into(),
            "食品安全管理制度".into(),
        ],
        green: false,
        on_the_spot: true,
        window: Some("5".into()),
        ticket: None,
        by: Person::staff("S01"),
        key: key.map(str::to_string),
        fingerprint: key.map(|_| "print-1".to_string()),
    }
}

#[actix::test]
async fn a_transition_commits_record_event_and_audit_and_a_refusal_nothing() {
    let cfg = Arc::new(crate::config::HallConfig::demo().unwrap());
    let store = memory_store(0);
    let mut events = store.subscribe();
    let cases = CaseActor::new(cfg, store, Vec::new())
        .with_clock(at_ten)
        .start();
    let r = cases
        .send(take_in(None))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    let number = r.case.number.to_string();
    assert_eq!(number, "demo-20261201-000001");
    assert_eq!(r.sealed.id, "sealed-id");
    let kinds: Vec<&str> = [events.recv().await.unwrap(), events.recv().await.unwrap()]
        .iter()
        .map(|e| e.body.kind())
        .collect();
    assert_eq!(kinds, ["case", "audit"]);

    // Another department's staff: refused, nothing committed or changed.
    let refused = cases
        .send(Act {
            number: number.clone(),
            input: Input::Resume,
            by: Person::staff("S09"),
            departments: Some(vec!["tax".into()]),
            key: None,
        })
        .await
        .unwrap();
    assert!(matches!(refused, Err(CaseError::OtherDepartment { .. })));
    // Not allowed by the rules: refused, nothing committed.
    let refused = cases
        .send(Act {
            number: number.clone(),
            input: Input::Resume,
            by: Person::staff("S01"),
            departments: None,
            key: None,
        })
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err().code(), "case_transition_not_allowed");
    assert!(events.try_recv().is_err(), "a refusal commits nothing");
    let (same, _) = cases.send(GetCase(number.clone())).await.unwrap().unwrap();
    assert_eq!(same, r);

    // The next case of the day gets the next number; the audit names who.
    let second = cases
        .send(take_in(None))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(second.case.number.to_string(), "demo-20261201-000002");
    let _case = events.recv().await.unwrap();
    let EventBody::Audit(a) = &events.recv().await.unwrap().body else {
        panic!("no audit entry");
    };
    assert_eq!(
        (a.who.as_str(), a.action.as_str()),
        ("S01", "case.received")
    );
    assert_eq!(a.target, "demo-20261201-000002");
}

#[actix::test]
async fn numbers_continue_after_the_recovered_cases() {
    let cfg = Arc::new(crate::config::HallConfig::demo().unwrap());
    let first = CaseActor::new(cfg.clone(), memory_store(0), Vec::new())
        .with_clock(at_ten)
        .start();
    let r = first
        .send(take_in(Some("k1")))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    let again = CaseActor::new(cfg, memory_store(10), vec![r.clone()])
        .with_clock(at_ten)
        .start();
    // The recovered key still answers with its case.
    let replay = again
        .send(take_in(Some("k1")))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(replay.case.number, r.case.number);
    let next = again
        .send(take_in(None))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(next.case.number.to_string(), "demo-20261201-000002");
}

#[actix::test]
async fn a_key_with_another_request_is_refused_also_after_a_restart() {
    let cfg = Arc::new(crate::config::HallConfig::demo().unwrap());
    let cases = CaseActor::new(cfg.clone(), memory_store(0), Vec::new())
        .with_clock(at_ten)
        .start();
    let first = cases
        .send(take_in(Some("k1")))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(first.request_print.as_deref(), Some("print-1"));
    let other = |m: TakeIn| TakeIn {
        fingerprint: Some("print-2".into()),
        ..m
    };
    let refused = cases.send(other(take_in(Some("k1")))).await.unwrap();
    let Err(e @ CaseError::KeyOtherRequest(_)) = refused else {
        panic!("not refused: {refused:?}");
    };
    assert_eq!(e.code(), "idempotency_mismatch");
    assert!(e.to_string().contains(&first.case.number.to_string()));
    // The same request again is still answered with its case.
    let same = cases.send(take_in(Some("k1"))).await.unwrap().unwrap();
    assert_eq!(same.number(), first.case.number.to_string());
    // After a restart the fingerprint came back with the record.
    let again = CaseActor::new(cfg, memory_store(10), vec![first.clone()])
        .with_clock(at_ten)
        .start();
    let refused = again.send(other(take_in(Some("k1")))).await.unwrap();
    assert!(
        matches!(refused, Err(CaseError::KeyOtherRequest(_))),
        "{refused:?}"
    );
    let same = again.send(take_in(Some("k1"))).await.unwrap().unwrap();
    assert_eq!(same.number(), first.case.number.to_string());
}
