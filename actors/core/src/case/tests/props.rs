//! Property tests of the case state machine (issue 10, acceptance 2): no
//! illegal transition is accepted, a refusal changes nothing, time used
//! never counts suspended or correction time, an extension is granted at
//! most once, by the right role, and moves the deadline by working days,
//! and a package completes exactly when all its parts do.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::support::*;
use crate::calendar::Calendar;
use crate::case::clock;
use crate::case::events::CaseEventBody;
use crate::case::package::{apply_to_part, intake_package, progress, PackageStatus};
use crate::case::state::{Case, DeliveryMethod, Status};
use crate::case::transition::intake::intake;
use crate::case::transition::suspend::{SuspendInput, SuspensionReason};
use crate::case::transition::{allowed, apply, Input};
use crate::case::{Action, Actor, Refusal, Role};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(128)
}

/// One generated step: days to wait, which transition, who, and a knob
/// that makes the input well-formed or not.
type Op = (u8, u8, bool, u8);

fn ops(max: usize) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec((0u8..3, 0u8..16, any::<bool>(), any::<u8>()), 1..max)
}

fn start_day(offset: u16) -> NaiveDate {
    // 2024-01-01 … 2026-06-30, so every deadline stays in the calendar.
    d("2024-01-01") + Duration::days(i64::from(offset % 912))
}

fn input_for(case: &Case, op: u8, knob: u8) -> Input {
    let names: Vec<String> = case
        .materials
        .lines
        .iter()
        .map(|l| l.name.clone())
        .collect();
    let pick = |k: u8| {
        names
            .get(usize::from(k) % names.len().max(1))
            .cloned()
            .unwrap_or_default()
    };
    let reason = if knob % 5 == 0 {
        String::new()
    } else {
        "理由".to_string()
    };
    match op {
        0 => Input::Accept,
        1 => Input::RequestCorrection {
            owed: match knob % 3 {
                0 => vec![],
                1 => vec![pick(knob / 3)],
                _ => vec!["申请书签字不全".into()],
            },
        },
        2 => Input::AnswerCorrection {
            provided: if knob % 4 == 0 {
                vec![]
            } else {
                case.materials.owed().into_iter().map(|o| o.name).collect()
            },
        },
        3 => Input::Supply {
            provided: if knob % 4 == 0 {
                vec![]
            } else {
                vec![pick(knob / 4)]
            },
        },
        4 => Input::Suspend(SuspendInput {
            reason: SuspensionReason::Testing,
            detail: "检测".into(),
            written_notice: if knob % 4 == 0 {
                String::new()
            } else {
                "告知书1号".into()
            },
        }),
        5 => Input::Resume,
        6 => Input::ApproveStep { opinion: None },
        // Ending transitions mostly lack their reason (and are refused),
        // so that sequences reach the later statuses.
        7 => Input::Reject {
            reason: if knob % 4 == 0 { reason } else { String::new() },
        },
        8 => Input::Extend {
            days: u32::from(knob % 17),
            reason,
        },
        9 => Input::Terminate {
            reason: if knob % 6 == 0 { reason } else { String::new() },
        },
        11 => Input::ApproveStep {
            opinion: Some("同意".into()),
        },
        12 => Input::Deliver {
            method: DeliveryMethod::Post {
                carrier: "EMS".into(),
                tracking: "EA123456789CN".into(),
            },
        },
        13 => Input::Accept,
        14 => Input::Resume,
        15 => Input::AnswerCorrection {
            provided: case.materials.owed().into_iter().map(|o| o.name).collect(),
        },
        _ => Input::Deliver {
            method: DeliveryMethod::PickUp {
                notice: if knob % 4 == 0 {
                    String::new()
                } else {
                    "领取通知".into()
                },
            },
        },
    }
}

/// Whether the clock stands still at the end of a day with this status.
fn stopped(status: Status) -> bool {
    matches!(status, Status::Correction | Status::Suspended)
}

/// Working days used, counted independently of `clock`: a day counts when
/// it is a working day after acceptance, on or before the end, and the
/// clock was running at the end of the day before.
fn oracle(
    cal: &Calendar,
    accepted: NaiveDate,
    end: NaiveDate,
    status_at_end_of: &BTreeMap<NaiveDate, Status>,
) -> u32 {
    let mut n = 0;
    let mut day = accepted;
    while day < end {
        let prev = day;
        day += Duration::days(1);
        let status = status_at_end_of
            .range(..=prev)
            .next_back()
            .map(|(_, s)| *s)
            .unwrap_or(Status::Received);
        if cal.is_workday(day).unwrap() && !stopped(status) {
            n += 1;
        }
    }
    n
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_state_machine_holds(offset in 0u16..2000, provided_mask in 0u8..32, spot in any::<bool>(), steps in ops(40)) {
        let cal = cal();
        let food = item("food-license");
        let mut today = start_day(offset);
        let all: Vec<&str> = vec![FOOD_ALL[0], FOOD_ALL[1], FOOD_ALL[2], FOOD_ALL[3], "授权委托书"];
        let provided: Vec<&str> = all.iter().enumerate().filter(|(i, _)| provided_mask & (1 << i) != 0).map(|(_, n)| *n).collect();
        let first = at(&today.to_string());
        let mut case = match intake(&food, &intake_of(&today.to_string(), &provided, spot), &staff(), first, &cal) {
            Ok((c, _)) => c,
            Err(Refusal::MaterialsMissing { .. }) => {
                prop_assert!(spot);
                intake(&food, &intake_of(&today.to_string(), &provided, false), &staff(), first, &cal).unwrap().0
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let mut status_at_end_of = BTreeMap::new();
        status_at_end_of.insert(today, case.status);
        let mut extensions = 0;
        for (gap, op, supervisor, knob) in steps {
            today += Duration::days(i64::from(gap));
            let now = at(&today.to_string());
            let input = input_for(&case, op, knob);
            let action = input.action();
            let actor = if supervisor { Actor::supervisor("boss") } else { Actor::staff("s01") };
            let before = case.clone();
            match apply(&case, &input, &actor, now, &cal) {
                Ok((next, ev)) => {
                    prop_assert!(allowed(before.status, action), "{action:?} accepted from {:?}", before.status);
                    prop_assert_eq!(&ev.case, &case.number);
                    if action == Action::Extend {
                        extensions += 1;
                        prop_assert_eq!(actor.role, Role::Supervisor);
                        prop_assert!(before.extension.is_none());
                        let Input::Extend { days, .. } = input else { unreachable!() };
                        prop_assert!((1..=10).contains(&days));
                        prop_assert_eq!(next.limit_days, before.limit_days + days);
                        match (before.deadline(&cal).unwrap(), next.deadline(&cal).unwrap()) {
                            (Some(old), Some(new)) => {
                                let start = next.accepted_on.unwrap();
                                prop_assert_eq!(clock::used(&cal, start, &next.stops, new).unwrap(), next.limit_days);
                                prop_assert!(cal.is_workday(new).unwrap());
                                if next.stops.iter().all(|s| s.to.is_some_and(|to| to <= old)) {
                                    prop_assert_eq!(new, cal.add_working_days(old, days).unwrap());
                                }
                            }
                            (_, None) => prop_assert_eq!(before.status, Status::Suspended),
                            other => prop_assert!(false, "deadlines {:?}", other),
                        }
                    }
                    case = next;
                }
                Err(refusal) => {
                    prop_assert_eq!(&case, &before, "a refusal changes nothing");
                    let is_not_allowed = matches!(refusal, Refusal::NotAllowed { .. });
                    prop_assert_eq!(is_not_allowed, !allowed(before.status, action), "{:?} from {:?}: {}", action, before.status, refusal);
                    if action == Action::Extend && allowed(before.status, action) {
                        if actor.role != Role::Supervisor {
                            let by_role = matches!(refusal, Refusal::Role { needed: Role::Supervisor, .. });
                            prop_assert!(by_role, "{}", refusal);
                        } else if before.extension.is_some() {
                            prop_assert_eq!(refusal, Refusal::AlreadyExtended);
                        }
                    }
                }
            }
            prop_assert!(extensions <= 1);
            prop_assert_eq!(case.is_extended(), extensions == 1);
            status_at_end_of.insert(today, case.status);
            if let Some(accepted) = case.accepted_on {
                let end = case.end(today);
                let used = case.used_days(&cal, today).unwrap();
                prop_assert_eq!(used, oracle(&cal, accepted, end, &status_at_end_of));
                let stopped_days = clock::stopped(&cal, accepted, &case.stops, end).unwrap();
                prop_assert_eq!(used + stopped_days, cal.working_days_between(accepted, end).unwrap());
            }
        }
    }

    #[test]
    fn a_package_completes_exactly_when_all_its_parts_do(offset in 0u16..2000, steps in proptest::collection::vec((0usize..5, 0u8..6, 0u8..2), 1..60)) {
        let cal = cal();
        let it = item("company-setup");
        let day = start_day(offset);
        let all = ["公司登记（备案）申请书", "公司章程", "股东及法定代表人身份证明", "住所使用证明"];
        let (mut pkg, _) = intake_package(&it, &intake_of(&day.to_string(), &all, true), &staff(), at(&day.to_string()), &cal).unwrap();
        let total = pkg.parts.len();
        let mut decided = BTreeSet::new();
        let mut completions = 0;
        let mut today = day;
        for (part, op, gap) in steps {
            today += Duration::days(i64::from(gap));
            let input = match op {
                0 | 1 => Input::ApproveStep { opinion: None },
                2 => Input::Reject { reason: "不符合条件".into() },
                3 => Input::Suspend(SuspendInput { reason: SuspensionReason::Hearing, detail: String::new(), written_notice: "听证告知".into() }),
                4 => Input::Resume,
                _ => Input::Terminate { reason: "撤回".into() },
            };
            let Ok((next, events)) = apply_to_part(&pkg, part, &input, &Actor::staff("s01"), at(&today.to_string()), &cal) else { continue };
            for ev in &events {
                if matches!(ev.body, CaseEventBody::Completed { .. }) {
                    decided.insert(ev.case.clone());
                }
                if matches!(ev.body, CaseEventBody::PackageCompleted { .. }) {
                    completions += 1;
                    prop_assert_eq!(decided.len(), total, "completed with parts open");
                    prop_assert_eq!(&ev.case, &pkg.number);
                }
            }
            pkg = next;
            prop_assert_eq!(pkg.is_complete(), decided.len() == total);
            prop_assert_eq!(completions, usize::from(decided.len() == total));
            let view = progress(&pkg, today, &cal).unwrap();
            prop_assert_eq!(view.done, decided.len());
            prop_assert_eq!(view.status == PackageStatus::Completed, decided.len() == total);
        }
    }
}
