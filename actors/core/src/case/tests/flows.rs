//! The other rules at work: immediate cases, tolerated materials, the
//! green channel, correction during review, termination, events.

use super::support::*;
use crate::case::events::{CaseEvent, CaseEventBody, CASE_EVENT_VERSION};
use crate::case::state::Status;
use crate::case::supervision::{supervise, Colour};
use crate::case::transition::intake::intake;
use crate::case::transition::{apply, Input};
use crate::case::{Applicant, CaseKind, Refusal};

fn approve() -> Input {
    Input::ApproveStep { opinion: None }
}

#[test]
fn an_immediate_case_completes_on_the_day() {
    let cal = cal();
    let sole = item("sole-trader");
    let all = ["个体工商户登记申请书", "经营者居民身份证", "经营场所证明"];
    let (case, ev) = intake(
        &sole,
        &intake_of("2026-12-01", &all, true),
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    assert_eq!(case.rules.kind, CaseKind::Immediate);
    assert_eq!(case.deadline(&cal).unwrap(), Some(d("2026-12-01")));
    assert!(matches!(
        ev.body,
        CaseEventBody::Received {
            accepted_on: Some(_),
            limit_days: 0,
            ..
        }
    ));
    assert_eq!(
        supervise(&case, d("2026-12-01"), &cal).unwrap().colour,
        Colour::Green
    );
    assert_eq!(
        supervise(&case, d("2026-12-02"), &cal).unwrap().colour,
        Colour::Red
    );
    let (done, ev) = apply(&case, &approve(), &staff(), at("2026-12-01"), &cal).unwrap();
    assert_eq!(done.status, Status::Completed);
    assert!(matches!(
        ev.body,
        CaseEventBody::Completed {
            on_time: true,
            used_days: 0,
            ..
        }
    ));
    let (_, ev) = apply(&case, &approve(), &staff(), at("2026-12-02"), &cal).unwrap();
    assert!(matches!(
        ev.body,
        CaseEventBody::Completed { on_time: false, .. }
    ));
    // No suspension, extension or correction for an immediate case.
    for input in [
        Input::Extend {
            days: 1,
            reason: "x".into(),
        },
        Input::RequestCorrection {
            owed: vec!["x".into()],
        },
    ] {
        assert!(matches!(
            apply(&case, &input, &boss(), at("2026-12-01"), &cal).unwrap_err(),
            Refusal::ImmediateCase { .. }
        ));
    }
}

#[test]
fn tolerated_materials_are_noticed_and_hold_the_decision() {
    let cal = cal();
    let food = item("food-license");
    let provided = ["食品经营许可申请书", "营业执照", "食品安全管理制度"];
    let (case, ev) = intake(
        &food,
        &intake_of("2026-12-01", &provided, true),
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    assert_eq!(case.status, Status::InProgress);
    let CaseEventBody::Received {
        notice: Some(notice),
        ..
    } = ev.body
    else {
        panic!("no tolerated notice")
    };
    assert_eq!(notice.items[0].name, "经营场所平面图");
    assert_eq!(
        notice.due,
        Some(d("2026-12-08")),
        "5 working days after acceptance"
    );
    let mut c = case;
    for day in ["2026-12-01", "2026-12-03", "2026-12-07"] {
        c = apply(&c, &approve(), &staff(), at(day), &cal).unwrap().0;
    }
    assert_eq!(c.current, 3, "at 办结");
    assert_eq!(
        apply(&c, &approve(), &staff(), at("2026-12-08"), &cal).unwrap_err(),
        Refusal::MaterialsOwed {
            names: vec!["经营场所平面图".into()]
        }
    );
    let supply = Input::Supply {
        provided: vec!["经营场所平面图".into()],
    };
    let (c, _) = apply(&c, &supply, &staff(), at("2026-12-08"), &cal).unwrap();
    let (c, _) = apply(&c, &approve(), &staff(), at("2026-12-08"), &cal).unwrap();
    assert_eq!(c.status, Status::Completed);
    // Each step's own colour: 审查 took 6 − 0 … within limits.
    let sup = supervise(&c, d("2026-12-08"), &cal).unwrap();
    assert_eq!(sup.steps.len(), 4);
    assert!(sup.steps.iter().all(|s| s.colour != Colour::Red), "{sup:?}");
}

#[test]
fn a_step_goes_red_on_its_own() {
    let cal = cal();
    // 受理 (0 days) approved at once; 审查 has 6 working days from Tue 12-01.
    let case = food_case("2026-12-01");
    let (c, ev) = apply(&case, &approve(), &staff(), at("2026-12-01"), &cal).unwrap();
    assert!(
        matches!(ev.body, CaseEventBody::StepApproved { step: 0, next: Some(1), step_deadline: Some(dl), .. } if dl == d("2026-12-09"))
    );
    let sup = supervise(&c, d("2026-12-10"), &cal).unwrap();
    assert_eq!(sup.steps[1].colour, Colour::Red);
    assert_eq!(sup.colour, Colour::Green, "7 of 10 for the case");
    assert_eq!(
        supervise(&c, d("2026-12-07"), &cal).unwrap().steps[1].colour,
        Colour::Yellow
    );
}

#[test]
fn the_green_channel_has_its_shorter_limits() {
    let cal = cal();
    let mut input = intake_of("2026-12-01", &FOOD_ALL, true);
    input.green = true;
    let (case, _) = intake(
        &item("food-license"),
        &input,
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    assert!(case.green);
    assert_eq!(case.limit_days, 6);
    assert_eq!(case.steps[1].limit_days, 3);
    assert_eq!(
        intake(
            &item("sole-trader"),
            &input,
            &staff(),
            at("2026-12-01"),
            &cal
        )
        .unwrap_err(),
        Refusal::NoGreenChannel {
            item: "sole-trader".into()
        }
    );
    assert_eq!(
        intake(&item("marriage"), &input, &staff(), at("2026-12-01"), &cal).unwrap_err(),
        Refusal::NoCaseSettings {
            item: "marriage".into()
        }
    );
}

#[test]
fn correction_during_review_stops_the_clock() {
    let cal = cal();
    let case = food_case("2026-11-02");
    let ask = Input::RequestCorrection {
        owed: vec!["营业执照".into()],
    };
    let (c, _) = apply(&case, &ask, &staff(), at("2026-11-04"), &cal).unwrap();
    assert_eq!(c.status, Status::Correction);
    assert_eq!(c.used_days(&cal, d("2026-11-20")).unwrap(), 2);
    // The answer must bring what the notice named.
    let none = Input::AnswerCorrection { provided: vec![] };
    assert!(matches!(
        apply(&c, &none, &staff(), at("2026-11-20"), &cal).unwrap_err(),
        Refusal::MaterialsMissing { .. }
    ));
    let answer = Input::AnswerCorrection {
        provided: vec!["营业执照".into()],
    };
    let (c, _) = apply(&c, &answer, &staff(), at("2026-11-20"), &cal).unwrap();
    assert_eq!(c.status, Status::InProgress);
    assert_eq!(c.used_days(&cal, d("2026-11-23")).unwrap(), 3);
    assert_eq!(
        c.deadline(&cal).unwrap(),
        Some(cal.add_working_days(d("2026-11-20"), 8).unwrap())
    );
}

#[test]
fn an_organisation_applies_and_terminates() {
    let cal = cal();
    let mut input = intake_of("2026-12-01", &FOOD_ALL, true);
    input.applicant =
        Applicant::organisation("91350100M000100Y43", "示例餐饮有限公司", None).unwrap();
    let (case, _) = intake(
        &item("food-license"),
        &input,
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    assert_eq!(case.applicant.id, "91350100M000100Y43");
    let t = Input::Terminate {
        reason: "申请人撤回申请".into(),
    };
    let (ended, ev) = apply(&case, &t, &staff(), at("2026-12-03"), &cal).unwrap();
    assert_eq!(ended.status, Status::Terminated);
    assert!(matches!(ev.body, CaseEventBody::Terminated { .. }));
    assert_eq!(
        ended.used_days(&cal, d("2026-12-20")).unwrap(),
        2,
        "the clock ends with it"
    );
    assert!(matches!(
        apply(&ended, &Input::Resume, &staff(), at("2026-12-04"), &cal).unwrap_err(),
        Refusal::NotAllowed { .. }
    ));
}

#[test]
fn events_are_versioned_for_the_outbox() {
    let cal = cal();
    let (_, ev) = intake(
        &item("food-license"),
        &intake_of("2026-12-01", &FOOD_ALL, true),
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    let bytes = ev.encode().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.starts_with(&format!("{{\"v\":{CASE_EVENT_VERSION},")),
        "{text}"
    );
    assert!(
        !text.contains("11010519491231002X") && !text.contains("13812345678"),
        "{text}"
    );
    assert_eq!(CaseEvent::decode(&bytes).unwrap(), ev);
    // Version 1 as written by this build, literally.
    const V1: &str = r#"{"v":1,"case":"demo-20261201-000001","at":"2026-12-01T02:00:00Z","by":"s01","role":"staff","type":"completed","payload":{"outcome":"rejected","reason":"不符合条件","used_days":3,"limit_days":10,"on_time":true,"delivery_due":"2026-12-18"}}"#;
    let old = CaseEvent::decode(V1.as_bytes()).unwrap();
    assert!(matches!(
        old.body,
        CaseEventBody::Completed {
            used_days: 3,
            on_time: true,
            ..
        }
    ));
    assert_eq!(String::from_utf8(old.encode().unwrap()).unwrap(), V1);
    let newer = V1.replacen("\"v\":1", "\"v\":2", 1);
    assert!(CaseEvent::decode(newer.as_bytes()).is_err());
    assert!(CaseEvent::decode(V1.replacen("\"v\":1,", "", 1).as_bytes()).is_err());
}

#[test]
fn now_takes_the_hall_local_date() {
    use chrono::TimeZone;
    let late = chrono::Utc
        .with_ymd_and_hms(2026, 11, 30, 17, 0, 0)
        .unwrap();
    let now = crate::case::Now::new(late, chrono_tz::Asia::Shanghai);
    assert_eq!(now.date, d("2026-12-01"), "01:00 the next day in Shanghai");
    assert_eq!(now.at, late);
}
