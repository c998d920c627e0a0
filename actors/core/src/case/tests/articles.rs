//! One worked example per article of 《中华人民共和国行政许可法》 the clock
//! follows: 42, 44, 45 and 82 (32 in `article_32.rs`).

use super::support::*;
use crate::case::events::CaseEventBody;
use crate::case::package::{apply_to_part, intake_package};
use crate::case::state::{DeliveryMethod, Status};
use crate::case::supervision::{supervise, Colour};
use crate::case::transition::intake::intake;
use crate::case::transition::suspend::{SuspendInput, SuspensionReason};
use crate::case::transition::{apply, Input};
use crate::case::{Action, Refusal, Role};

fn suspend_input(notice: &str) -> Input {
    Input::Suspend(SuspendInput {
        reason: SuspensionReason::ExpertReview,
        detail: "专家评审约三周".into(),
        written_notice: notice.into(),
    })
}

/// Art. 82: limits count working days, statutory holidays excluded. A food
/// licence accepted on Fri 2025-09-26, promising 10 working days, runs
/// across National Day and Mid-Autumn 2025 (10-01..10-08 off; Sun 09-28 and
/// Sat 10-11 make-up workdays) and is due on Thu 2025-10-16.
#[test]
fn article_82_limits_count_working_days_without_holidays() {
    let cal = cal();
    let case = food_case("2025-09-26");
    assert_eq!(case.limit_days, 10);
    assert_eq!(case.deadline(&cal).unwrap(), Some(d("2025-10-16")));
    // 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13 = 7 by Monday 10-13.
    assert_eq!(case.used_days(&cal, d("2025-10-13")).unwrap(), 7);
    assert_eq!(
        case.used_days(&cal, d("2025-10-05")).unwrap(),
        3,
        "holidays never count"
    );
    let colour = |day: &str| supervise(&case, d(day), &cal).unwrap().colour;
    assert_eq!(colour("2025-10-09"), Colour::Green);
    assert_eq!(colour("2025-10-14"), Colour::Yellow, "8 of 10 used");
    assert_eq!(colour("2025-10-16"), Colour::Yellow, "due today");
    assert_eq!(colour("2025-10-17"), Colour::Red, "overdue");
}

/// Art. 42 (1): a decision within 20 working days unless the item promises
/// less; extended once, by at most 10, with the head's approval and a
/// reason; the deadline moves by working days.
#[test]
fn article_42_twenty_days_one_extension_of_ten_by_the_head() {
    let cal = cal();
    let (case, _) = intake(
        &item_promising(20),
        &intake_of("2026-03-02", &FOOD_ALL, true),
        &staff(),
        at("2026-03-02"),
        &cal,
    )
    .unwrap();
    let before = case.deadline(&cal).unwrap().unwrap();
    assert_eq!(before, cal.add_working_days(d("2026-03-02"), 20).unwrap());
    assert_eq!(before, d("2026-03-30"));
    let now = at("2026-03-20");
    let ext = |days: u32, why: &str| Input::Extend {
        days,
        reason: why.into(),
    };
    // Staff may not extend.
    assert_eq!(
        apply(&case, &ext(10, "需补充现场核查"), &staff(), now, &cal).unwrap_err(),
        Refusal::Role {
            action: Action::Extend,
            needed: Role::Supervisor
        }
    );
    assert_eq!(
        apply(&case, &ext(11, "需补充现场核查"), &boss(), now, &cal).unwrap_err(),
        Refusal::ExtensionTooLong { max: 10 }
    );
    assert_eq!(
        apply(&case, &ext(10, "  "), &boss(), now, &cal).unwrap_err(),
        Refusal::ReasonRequired {
            action: Action::Extend
        }
    );
    let (extended, ev) = apply(&case, &ext(10, "需补充现场核查"), &boss(), now, &cal).unwrap();
    let after = extended.deadline(&cal).unwrap().unwrap();
    // 10 working days after 03-30: 03-31 … 04-03, 04-07 … 04-10 (清明
    // 04-04..06 off), 04-13, 04-14.
    assert_eq!(after, cal.add_working_days(before, 10).unwrap());
    assert_eq!(after, d("2026-04-14"));
    assert!(matches!(
        ev.body,
        CaseEventBody::Extended { days: 10, deadline_before: Some(b), deadline_after: Some(a), .. }
            if b == before && a == after
    ));
    assert_eq!(
        apply(&extended, &ext(5, "再次延期"), &boss(), now, &cal).unwrap_err(),
        Refusal::AlreadyExtended,
        "once only"
    );
}

/// Art. 42 (2): joint handling — a package — within 45 working days,
/// extended by up to 15 with the approval of the government at that level.
#[test]
fn article_42_packages_have_45_days_and_extend_by_15() {
    let cal = cal();
    let it = item("company-setup");
    assert_eq!(it.case.as_ref().unwrap().legal_limit(), 45);
    let (pkg, _) = intake_package(
        &it,
        &intake_of(
            "2026-06-01",
            &[
                "公司登记（备案）申请书",
                "公司章程",
                "股东及法定代表人身份证明",
                "住所使用证明",
            ],
            true,
        ),
        &staff(),
        at("2026-06-01"),
        &cal,
    )
    .unwrap();
    let ext = |days| Input::Extend {
        days,
        reason: "联合审查需延长".into(),
    };
    let now = at("2026-06-02");
    assert_eq!(
        apply_to_part(&pkg, 1, &ext(16), &boss(), now, &cal).unwrap_err(),
        Refusal::ExtensionTooLong { max: 15 }
    );
    let (pkg, _) = apply_to_part(&pkg, 1, &ext(15), &boss(), now, &cal).unwrap();
    let part = &pkg.parts[1];
    assert_eq!(part.limit_days, 1 + 15);
    assert_eq!(
        part.deadline(&cal).unwrap(),
        Some(cal.add_working_days(d("2026-06-02"), 15).unwrap())
    );
}

/// Art. 44: the certificate is issued and delivered within 10 working days
/// of the decision. Decided Thu 2026-04-30, it is due Mon 2026-05-18 (05-01
/// to 05-05 off, Sat 05-09 a make-up workday); delivered on 05-18 it is on
/// time, on 05-19 it is late and red.
#[test]
fn article_44_delivery_within_ten_working_days_of_the_decision() {
    let cal = cal();
    let mut case = food_case("2026-04-20");
    for day in ["2026-04-21", "2026-04-27", "2026-04-29", "2026-04-30"] {
        case = apply(
            &case,
            &Input::ApproveStep { opinion: None },
            &staff(),
            at(day),
            &cal,
        )
        .unwrap()
        .0;
    }
    assert_eq!(case.status, Status::Completed);
    assert_eq!(case.delivery_due, Some(d("2026-05-18")));
    let post = Input::Deliver {
        method: DeliveryMethod::Post {
            carrier: "EMS".into(),
            tracking: "1123456789012".into(),
        },
    };
    let (on_time, ev) = apply(&case, &post, &staff(), at("2026-05-18"), &cal).unwrap();
    assert_eq!(on_time.status, Status::Delivered);
    assert!(matches!(
        ev.body,
        CaseEventBody::Delivered { on_time: true, .. }
    ));
    assert_eq!(
        supervise(&on_time, d("2026-05-18"), &cal).unwrap().delivery,
        Some(Colour::Yellow)
    );
    let (late, ev) = apply(&case, &post, &staff(), at("2026-05-19"), &cal).unwrap();
    assert!(matches!(
        ev.body,
        CaseEventBody::Delivered { on_time: false, .. }
    ));
    assert_eq!(
        supervise(&late, d("2026-05-19"), &cal).unwrap().delivery,
        Some(Colour::Red)
    );
    // Not yet delivered: red once the 10 days are past.
    assert_eq!(
        supervise(&case, d("2026-05-19"), &cal).unwrap().delivery,
        Some(Colour::Red)
    );
    assert_eq!(
        supervise(&case, d("2026-05-06"), &cal).unwrap().delivery,
        Some(Colour::Green)
    );
    // A tracking number is required to post.
    let bad = Input::Deliver {
        method: DeliveryMethod::Post {
            carrier: "EMS".into(),
            tracking: "".into(),
        },
    };
    assert_eq!(
        apply(&case, &bad, &staff(), at("2026-05-18"), &cal).unwrap_err(),
        Refusal::DeliveryDetail
    );
}

/// Art. 45: an expert review's time does not count and is told in writing.
/// Accepted Mon 2026-02-09 promising 10, suspended Wed 02-11 and resumed
/// Mon 03-02 across the 2026 Spring Festival (02-15..02-23 off; Sat 02-14
/// and Sat 02-28 make-up workdays): 9 working days did not count, and the
/// deadline moves from Sat 02-28 to Thu 03-12.
#[test]
fn article_45_suspension_across_the_2026_spring_festival_does_not_count() {
    let cal = cal();
    let case = food_case("2026-02-09");
    assert_eq!(case.deadline(&cal).unwrap(), Some(d("2026-02-28")));
    assert_eq!(
        apply(&case, &suspend_input(" "), &staff(), at("2026-02-11"), &cal).unwrap_err(),
        Refusal::WrittenNoticeRequired
    );
    let (suspended, ev) = apply(
        &case,
        &suspend_input("示监字〔2026〕18号"),
        &staff(),
        at("2026-02-11"),
        &cal,
    )
    .unwrap();
    assert!(
        matches!(ev.body, CaseEventBody::Suspended { ref notice, .. } if notice == "示监字〔2026〕18号")
    );
    assert_eq!(
        suspended.deadline(&cal).unwrap(),
        None,
        "unknown while suspended"
    );
    let during = supervise(&suspended, d("2026-02-27"), &cal).unwrap();
    assert!(during.paused);
    assert_eq!(during.used_days, 2);
    assert_eq!(during.colour, Colour::Green);
    let (resumed, ev) =
        apply(&suspended, &Input::Resume, &staff(), at("2026-03-02"), &cal).unwrap();
    assert!(
        matches!(ev.body, CaseEventBody::Resumed { stopped_days: 9, deadline: Some(dl), .. } if dl == d("2026-03-12"))
    );
    assert_eq!(resumed.deadline(&cal).unwrap(), Some(d("2026-03-12")));
    assert_eq!(resumed.used_days(&cal, d("2026-03-02")).unwrap(), 2);
    assert_eq!(resumed.used_days(&cal, d("2026-03-03")).unwrap(), 3);
}
