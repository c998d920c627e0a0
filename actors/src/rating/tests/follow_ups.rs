//! A bad rating: alarm, follow-up 回访 → 整改 → 反馈 across working days,
//! red when a limit passes, an upheld appeal.

use super::super::*;
use super::*;
use crate::alarm::GetAlarms;
use crate::core::rating::follow_up::{Colour, Person, Stage};
use chrono::Duration;

#[actix::test]
async fn a_bad_rating_alarms_and_its_follow_up_runs_turns_red_and_an_appeal_is_upheld() {
    let (actor, alarms, store) = start();
    let mut events = store.subscribe();
    actor
        .send(finished("20261201-A003", t0()))
        .await
        .unwrap()
        .unwrap();
    actor
        .send(answer(
            RatingGrade::Dissatisfied,
            device(),
            t0() + Duration::seconds(3),
        ))
        .await
        .unwrap()
        .unwrap();
    let listed = alarms.send(GetAlarms).await.unwrap();
    assert!(format!("{listed:?}").contains("evaluation/20261201-A003/bad"));
    let mut actions = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let crate::events::EventBody::Audit(a) = &e.body {
            actions.push(a.action.clone());
        }
    }
    assert!(actions.contains(&"rating".to_string()), "{actions:?}");
    assert!(
        actions.contains(&"rating_follow_up".to_string()),
        "{actions:?}"
    );

    let open = actor
        .send(GetFollowUps {
            now: t0(),
            all: false,
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].colour, Colour::Green);
    // Call back due 5 working days after Tue 1 Dec: Tue 8 Dec.
    assert_eq!(open[0].due.unwrap().to_string(), "2026-12-08");

    let sup = Person::Supervisor("admin".into());
    let act = |act: Act, now| ActOnFollowUp {
        ticket: "20261201-A003".into(),
        act,
        now,
    };
    // Rectification before the call back is refused.
    let early = actor
        .send(act(
            Act::Rectify {
                by: sup.clone(),
                changed: "x".into(),
            },
            t0(),
        ))
        .await
        .unwrap();
    assert!(matches!(early, Err(FollowUpActError::Refused(_))));
    let v = actor
        .send(act(
            Act::CallBack {
                by: sup.clone(),
                found: "等候过久属实".into(),
            },
            t0() + Duration::days(1),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        v.stage,
        Stage::Awaiting(crate::core::rating::follow_up::Step::Rectify)
    );
    // Rectification due 5 working days after Wed 2 Dec: Wed 9 Dec. On
    // Thursday 10 Dec it is red, and the overdue alarm is raised.
    let thu = Utc.with_ymd_and_hms(2026, 12, 10, 2, 0, 0).unwrap();
    let red = actor
        .send(GetFollowUps {
            now: thu,
            all: false,
        })
        .await
        .unwrap();
    assert_eq!(red[0].colour, Colour::Red);
    let wed = Utc.with_ymd_and_hms(2026, 12, 9, 2, 0, 0).unwrap();
    let green = actor
        .send(GetFollowUps {
            now: wed,
            all: false,
        })
        .await
        .unwrap();
    assert_eq!(
        green[0].colour,
        Colour::Green,
        "the last allowed day is not overdue"
    );
    actor.send(Sweep { now: thu }).await.unwrap().unwrap();
    let listed = alarms.send(GetAlarms).await.unwrap();
    assert!(format!("{listed:?}").contains("evaluation/20261201-A003/follow_up"));

    actor
        .send(act(
            Act::Rectify {
                by: sup.clone(),
                changed: "增开窗口".into(),
            },
            thu,
        ))
        .await
        .unwrap()
        .unwrap();
    let v = actor
        .send(act(
            Act::Feedback {
                by: sup.clone(),
                told: "已电话告知".into(),
            },
            thu + Duration::hours(1),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.stage, Stage::Closed);
    assert_eq!(v.colour, Colour::Green);
    let open = actor
        .send(GetFollowUps {
            now: thu,
            all: false,
        })
        .await
        .unwrap();
    assert!(open.is_empty());
    // Fed back: the bad rating's alarm and the overdue one have done their
    // work and are cleared (found by a newcomer's trial: they stayed).
    let listed = format!("{:?}", alarms.send(GetAlarms).await.unwrap());
    assert!(!listed.contains("evaluation/20261201-A003/bad"), "{listed}");
    assert!(
        !listed.contains("evaluation/20261201-A003/follow_up"),
        "{listed}"
    );

    // 申诉复核: staff appeal, the supervisor upholds it.
    let not_staff = actor
        .send(act(
            Act::Appeal {
                by: sup.clone(),
                reason: "x".into(),
            },
            thu + Duration::hours(2),
        ))
        .await
        .unwrap();
    assert!(matches!(not_staff, Err(FollowUpActError::Refused(_))));
    actor
        .send(act(
            Act::Appeal {
                by: Person::Staff("S01".into()),
                reason: "群众误按".into(),
            },
            thu + Duration::hours(2),
        ))
        .await
        .unwrap()
        .unwrap();
    let v = actor
        .send(act(
            Act::Decide {
                by: sup.clone(),
                upheld: true,
                reason: "录像核实为误按".into(),
            },
            thu + Duration::hours(3),
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(v.excluded);
    assert_eq!(v.stage, Stage::Excluded);
    let all = actor
        .send(GetFollowUps {
            now: thu,
            all: true,
        })
        .await
        .unwrap();
    assert_eq!(
        all[0]
            .follow_up
            .appeal
            .as_ref()
            .unwrap()
            .decision
            .as_ref()
            .unwrap()
            .reason,
        "录像核实为误按"
    );
}
