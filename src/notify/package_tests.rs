//! The package notices (`package.rs`) for 我要开一家公司 in the demo hall:
//! five department parts, the address proof tolerated (容缺).

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::Value;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::calendar::Calendar;
use tingwu_actors::core::case::package::{apply_to_part, intake_package, PackageCase};
use tingwu_actors::core::case::transition::{Input, Intake};
use tingwu_actors::core::case::{
    Actor, Applicant, CaseEvent, CaseNumber, CaseRecord, Now, PackageRecord, SealedApplicant,
};

use super::case::{notice, CaseHall, CaseSubject};
use super::notice::{Hall, Notice};
use super::package::{accepted, completed, completes_acceptance, part_of, PackageSubject};

const PHONE: &str = "13812345678";
const NUMBER: &str = "demo-20261130-000003";

fn now(date: &str, hour: u32) -> Now {
    let day: NaiveDate = date.parse().unwrap();
    Now {
        at: Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).unwrap()),
        date: day,
    }
}

fn staff() -> Actor {
    Actor::staff("S05")
}

/// An intake at window 5 of 张三's materials, the address proof (tolerated)
/// among them or not.
fn intake_input(on_the_spot: bool, with_address: bool) -> Intake {
    let mut provided = vec![
        "公司登记（备案）申请书".to_string(),
        "公司章程".into(),
        "股东及法定代表人身份证明".into(),
    ];
    if with_address {
        provided.push("住所使用证明".into());
    }
    Intake {
        number: CaseNumber::new("demo", "2026-11-30".parse().unwrap(), 3).unwrap(),
        applicant: Applicant::person("11010519491231002X", "张三", Some(PHONE)).unwrap(),
        provided,
        green: false,
        on_the_spot,
        window: Some("5".into()),
        ticket: None,
    }
}

/// The package taken in on the spot at window 5 without the address
/// proof, and its events (`package_received`, then each part's).
fn taken_in(cfg: &HallConfig) -> (PackageCase, Vec<CaseEvent>, Intake) {
    let input = intake_input(true, false);
    let item = cfg.item("company-setup").unwrap();
    let (pkg, events) = intake_package(
        item,
        &input,
        &staff(),
        now("2026-11-30", 2),
        &Calendar::official(),
    )
    .unwrap();
    (pkg, events, input)
}

/// The package record and the parts' records, as the case actor keeps
/// them, from `pkg` and every event so far.
fn records(
    pkg: &PackageCase,
    events: &[CaseEvent],
    input: &Intake,
) -> (PackageRecord, Vec<CaseRecord>) {
    let own = events
        .iter()
        .filter(|e| e.case.part.is_none())
        .cloned()
        .collect();
    let mut header = PackageRecord::of(pkg, input, None, own);
    header.completed_on = pkg.completed_on;
    header.materials = pkg.materials.clone();
    let parts = pkg
        .parts
        .iter()
        .map(|c| CaseRecord {
            case: c.clone(),
            sealed: SealedApplicant::default(),
            history: events
                .iter()
                .filter(|e| e.case == c.number)
                .cloned()
                .collect(),
            keys: Vec::new(),
            ticket: None,
            request_print: None,
        })
        .collect();
    (header, parts)
}

fn body(n: &Notice) -> Value {
    serde_json::from_slice(&n.body).unwrap()
}

fn text(b: &Value) -> String {
    b["text"].as_str().unwrap().to_string()
}

#[test]
fn a_package_is_accepted_in_one_notice_naming_it_and_what_is_owed() {
    let cfg = tingwu_actors::testing::demo_hall();
    let hall = Hall::of(&cfg);
    let h = CaseHall {
        hall: &hall,
        cfg: &cfg,
    };
    let (pkg, events, input) = taken_in(&cfg);
    let (header, parts) = records(&pkg, &events, &input);
    // Accepted together: exactly one part's event tells it (the first).
    let telling: Vec<_> = events
        .iter()
        .filter(|e| completes_acceptance(&parts, e))
        .map(|e| e.case.to_string())
        .collect();
    assert_eq!(telling, vec![format!("{NUMBER}-P1")]);

    let s = PackageSubject {
        package: &header,
        parts: &parts,
        phone: PHONE,
    };
    let n = accepted(&h, &s, 40, now("2026-11-30", 2).at);
    let b = body(&n);
    assert_eq!(b["id"], format!("{NUMBER}/accepted"));
    assert_eq!(b["kind"], "package_accepted");
    assert_eq!(
        (b["case"].as_str(), b["package"].as_str()),
        (Some(NUMBER), Some(NUMBER))
    );
    assert_eq!(b["phone"], PHONE);
    assert_eq!(n.ticket, format!("case:{NUMBER}"));
    let t = text(&b);
    for want in [
        "我要开一家公司",
        NUMBER,
        "已受理",
        "住所使用证明",
        "营业执照",
        "公章刻制备案",
        "住房公积金缴存登记",
        "/case",
    ] {
        assert!(t.contains(want), "{want} missing: {t}");
    }
    assert!(!t.contains("-P1"), "a part's number: {t}");
    assert!(
        !t.contains("企业设立登记"),
        "the item, not the package: {t}"
    );
    let deadline = b["deadline"].as_str().unwrap();
    let owed_by = b["owed_by"].as_str().unwrap();
    assert!(t.contains(deadline) && t.contains(owed_by), "{t}");
    assert_eq!(b["parts"].as_array().unwrap().len(), 5);
    assert!(b["text_en"]
        .as_str()
        .unwrap()
        .contains("Proof of the registered address"));
}

#[test]
fn parts_accepted_apart_are_told_once_with_the_last() {
    let cfg = tingwu_actors::testing::demo_hall();
    // Received for examination: each department accepts its own part.
    let input = intake_input(false, true);
    let cal = Calendar::official();
    let item = cfg.item("company-setup").unwrap();
    let (mut pkg, mut events) =
        intake_package(item, &input, &staff(), now("2026-11-30", 2), &cal).unwrap();
    for (i, hour) in [(2usize, 3u32), (0, 4), (4, 5), (1, 5), (3, 6)] {
        let (_, parts) = records(&pkg, &events, &input);
        assert!(events.iter().all(|e| !completes_acceptance(&parts, e)));
        let (next, evs) = apply_to_part(
            &pkg,
            i,
            &Input::Accept,
            &staff(),
            now("2026-11-30", hour),
            &cal,
        )
        .unwrap();
        pkg = next;
        events.extend(evs);
    }
    let (_, parts) = records(&pkg, &events, &input);
    let telling: Vec<_> = events
        .iter()
        .filter(|e| completes_acceptance(&parts, e))
        .map(|e| e.case.to_string())
        .collect();
    assert_eq!(telling, vec![format!("{NUMBER}-P4")]);
}

#[test]
fn a_part_correction_names_the_part_and_its_department() {
    let cfg = tingwu_actors::testing::demo_hall();
    let hall = Hall::of(&cfg);
    let h = CaseHall {
        hall: &hall,
        cfg: &cfg,
    };
    let (pkg, events, input) = taken_in(&cfg);
    let (header, _) = records(&pkg, &events, &input);
    let (pkg, evs) = apply_to_part(
        &pkg,
        1,
        &Input::RequestCorrection {
            owed: vec!["公章样式不符合规定".into()],
        },
        &staff(),
        now("2026-12-01", 2),
        &Calendar::official(),
    )
    .unwrap();
    let part = &pkg.parts[1];
    let of = part_of(&cfg, &header, part);
    assert_eq!(
        (of.part.as_str(), of.department_name.as_str()),
        ("公章刻制备案", "市公安局")
    );
    let s = CaseSubject {
        case: part,
        phone: PHONE,
        part: Some(&of),
    };
    let n = notice(&h, &s, &evs[0].body, 50, evs[0].at).unwrap();
    let b = body(&n);
    assert_eq!(b["kind"], "case_correction");
    assert_eq!(b["id"], format!("{NUMBER}-P2/correction/50"));
    assert_eq!(b["package"], NUMBER);
    assert_eq!(b["item_name"], "公章刻制备案");
    assert_eq!(n.ticket, format!("case:{NUMBER}"));
    let t = text(&b);
    for want in [
        "我要开一家公司",
        "公章刻制备案",
        "市公安局",
        &format!("{NUMBER}-P2"),
        "公章样式不符合规定",
        "补正",
    ] {
        assert!(t.contains(want), "{want} missing: {t}");
    }
    assert!(!t.contains("企业设立登记"), "{t}");
}

#[test]
fn a_package_completes_in_one_notice_with_each_parts_decision() {
    let cfg = tingwu_actors::testing::demo_hall();
    let hall = Hall::of(&cfg);
    let h = CaseHall {
        hall: &hall,
        cfg: &cfg,
    };
    let cal = Calendar::official();
    let (mut pkg, mut events, input) = taken_in(&cfg);
    let supply = Input::Supply {
        provided: vec!["住所使用证明".into()],
    };
    let (next, evs) =
        apply_to_part(&pkg, 0, &supply, &staff(), now("2026-12-01", 2), &cal).unwrap();
    pkg = next;
    events.extend(evs);
    for i in 0..5 {
        let input = if i == 1 {
            Input::Reject {
                reason: "公章样式不符合规定".into(),
            }
        } else {
            Input::ApproveStep { opinion: None }
        };
        let (next, evs) =
            apply_to_part(&pkg, i, &input, &staff(), now("2026-12-01", 3), &cal).unwrap();
        pkg = next;
        events.extend(evs);
    }
    let last = events.last().unwrap();
    assert_eq!(last.body.kind(), "package_completed");
    let (header, parts) = records(&pkg, &events, &input);
    let s = PackageSubject {
        package: &header,
        parts: &parts,
        phone: PHONE,
    };
    let b = body(&completed(&h, &s, 90, last.at));
    assert_eq!(b["id"], format!("{NUMBER}/completed"));
    assert_eq!(b["kind"], "package_completed");
    let t = text(&b);
    for want in [
        "我要开一家公司",
        NUMBER,
        "已全部办结",
        "营业执照准予许可",
        "公章刻制备案不予许可（理由：公章样式不符合规定）",
        "涉税事项及发票申领准予许可",
        "社保登记准予许可",
        "住房公积金缴存登记准予许可",
        "5号窗口",
        "领取",
    ] {
        assert!(t.contains(want), "{want} missing: {t}");
    }
    assert!(!t.contains("企业设立登记"), "{t}");
    assert!(t.contains(b["delivery_due"].as_str().unwrap()), "{t}");
    let outcomes: Vec<_> = b["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["outcome"]["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes,
        ["approved", "rejected", "approved", "approved", "approved"]
    );
}
