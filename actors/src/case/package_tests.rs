//! Packages (套餐) and the one-case-per-ticket rule in the case actor, on
//! the in-memory store: what a package's intake commits, each part acted
//! on by its own department, the package completing with its last part,
//! and everything back after a restart.

use std::sync::Arc;

use actix::Actor;
use chrono::{DateTime, Utc};

use super::{Act, CaseActor, CaseError, CaseOrPackage, GetCase, GetPackage, TakeIn};
use crate::core::case::package::PackageStatus;
use crate::core::case::{Actor as Person, Applicant, CaseEventBody, Input, SealedApplicant};
use crate::events::EventBody;
use crate::store::memory_store;

fn at_ten() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn take_in(item: &str, ticket: &str, provided: &[&str]) -> TakeIn {
    TakeIn {
        item: item.into(),
        applicant: Applicant::person("11010519491231002X", "张三", Some("13812345678")).unwrap(),
        sealed: SealedApplicant {
            id: "sealed-id".into(),
            name: "sealed-name".into(),
            phone: None,
        },
        provided: provided.iter().map(|s| s.to_string()).collect(),
        green: false,
        on_the_spot: true,
        window: Some("5".into()),
        ticket: Some(ticket.into()),
        by: Person::staff("S01"),
        key: None,
        fingerprint: None,
    }
}

const COMPANY: [&str; 3] = [
    "公司登记（备案）申请书",
    "公司章程",
    "股东及法定代表人身份证明",
];
const FOOD: [&str; 4] = [
    "食品经营许可申请书",
    "营业执照",
    "经营场所平面图",
    "食品安全管理制度",
];

fn act(number: &str, input: Input, dept: &str) -> Act {
    Act {
        number: number.into(),
        input,
        by: Person::staff("S02"),
        departments: Some(vec![dept.into()]),
        key: None,
    }
}

fn approve() -> Input {
    Input::ApproveStep { opinion: None }
}

#[actix::test]
async fn a_package_runs_in_parts_by_department_and_completes_with_the_last() {
    let cfg = Arc::new(crate::config::HallConfig::demo().unwrap());
    let store = memory_store(0);
    let mut events = store.subscribe();
    let cases = CaseActor::new(cfg.clone(), store, Vec::new())
        .with_clock(at_ten)
        .start();
    let made = cases
        .send(take_in("company-setup", "20261201-B001", &COMPANY))
        .await
        .unwrap()
        .unwrap();
    let CaseOrPackage::Package(pkg) = made else {
        panic!("not a package");
    };
    assert_eq!(pkg.number.to_string(), "demo-20261201-000001");
    assert_eq!(pkg.parts.len(), 5);
    assert_eq!(pkg.ticket.as_deref(), Some("20261201-B001"));
    // One commit: the package's event and each part's, each audited.
    let mut kinds = Vec::new();
    for _ in 0..12 {
        let e = events.recv().await.unwrap();
        kinds.push(match &e.body {
            EventBody::Case(c) => c.body.kind().to_string(),
            other => other.kind().to_string(),
        });
    }
    assert_eq!(kinds[0], "package_received");
    assert_eq!(kinds.iter().filter(|k| *k == "received").count(), 5);
    assert_eq!(kinds.iter().filter(|k| *k == "audit").count(), 6);

    // The same ticket cannot be taken in again for the same item.
    let again = cases
        .send(take_in("company-setup", "20261201-B001", &COMPANY))
        .await
        .unwrap();
    assert_eq!(again.unwrap_err().code(), "case_ticket_taken");
    // Another item from the same ticket is a case of its own.
    let food = cases
        .send(take_in("food-license", "20261201-B001", &FOOD))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(food.case.number.to_string(), "demo-20261201-000002");
    assert_eq!(food.ticket.as_deref(), Some("20261201-B001"));

    let part = |n: usize| format!("demo-20261201-000001-P{n}");
    // The tax bureau may not act on the public security bureau's part.
    let refused = cases.send(act(&part(2), approve(), "tax")).await.unwrap();
    assert!(matches!(refused, Err(CaseError::OtherDepartment { .. })));
    // A part cannot decide while the shared tolerated material is owed.
    let owed = cases.send(act(&part(2), approve(), "psb")).await.unwrap();
    assert_eq!(owed.unwrap_err().code(), "case_materials_owed");
    // The package's own number takes only materials, for all parts.
    let wrong = cases
        .send(act("demo-20261201-000001", approve(), "psb"))
        .await
        .unwrap();
    assert_eq!(wrong.unwrap_err().code(), "case_package_action");
    let supply = Input::Supply {
        provided: vec!["住所使用证明".into()],
    };
    let supplied = cases
        .send(act("demo-20261201-000001", supply, "hrss"))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(supplied, CaseOrPackage::Package(ref p) if p.materials.owed().is_empty()));

    let depts = ["amr", "psb", "tax", "hrss", "hpf"];
    for (i, dept) in depts.iter().enumerate().take(4) {
        cases
            .send(act(&part(i + 1), approve(), dept))
            .await
            .unwrap()
            .unwrap();
        let view = cases
            .send(GetPackage("demo-20261201-000001".into()))
            .await
            .unwrap()
            .unwrap();
        let progress = view.progress.unwrap();
        assert_eq!(progress.done, i + 1);
        assert_eq!(progress.status, PackageStatus::InProgress);
        assert_eq!(view.package.completed_on, None);
    }
    let last = cases
        .send(act(&part(5), approve(), "hpf"))
        .await
        .unwrap()
        .unwrap()
        .into_case()
        .unwrap();
    assert_eq!(last.case.number.to_string(), part(5));
    let view = cases
        .send(GetPackage("demo-20261201-000001".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.progress.unwrap().status, PackageStatus::Completed);
    assert!(view.package.completed_on.is_some());
    assert!(matches!(
        view.package.history.last().map(|e| &e.body),
        Some(CaseEventBody::PackageCompleted { on_time: true })
    ));

    // After a restart: the package, its parts and the ticket rule.
    let parts: Vec<_> = view.parts.clone();
    let mut recovered = parts;
    recovered.push(food);
    let again = CaseActor::new(cfg, memory_store(100), recovered)
        .with_packages(vec![view.package.clone()])
        .with_clock(at_ten)
        .start();
    let back = again
        .send(GetPackage("demo-20261201-000001".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.package, view.package);
    assert_eq!(back.progress.unwrap().status, PackageStatus::Completed);
    let (p3, _) = again.send(GetCase(part(3))).await.unwrap().unwrap();
    assert_eq!(p3.case.department, "tax");
    let refused = again
        .send(take_in("food-license", "20261201-B001", &FOOD))
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err().code(), "case_ticket_taken");
    let next = again
        .send(take_in("food-license", "20261201-B002", &FOOD))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.number(), "demo-20261201-000003");
}

#[actix::test]
async fn a_package_key_with_another_request_is_refused() {
    let cfg = Arc::new(crate::config::HallConfig::demo().unwrap());
    let cases = CaseActor::new(cfg, memory_store(0), Vec::new())
        .with_clock(at_ten)
        .start();
    let keyed = |print: &str| TakeIn {
        key: Some("pk-1".into()),
        fingerprint: Some(print.into()),
        ..take_in("company-setup", "20261201-B001", &COMPANY)
    };
    let first = cases.send(keyed("a")).await.unwrap().unwrap();
    let same = cases.send(keyed("a")).await.unwrap().unwrap();
    assert_eq!(same.number(), first.number());
    let refused = cases.send(keyed("b")).await.unwrap();
    assert_eq!(refused.unwrap_err().code(), "idempotency_mismatch");
}
