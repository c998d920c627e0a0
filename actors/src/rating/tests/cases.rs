//! A rating belongs to the case its ticket led to (the first, when a
//! ticket led to several): known from the recovered case records at
//! start-up (and, while running, from committed `received` case events —
//! `tests/e2e/test_case_package.py`).

use super::*;
use crate::core::case::{CaseNumber, TicketCases};

#[actix::test]
async fn the_prompt_names_the_case_its_ticket_led_to() {
    let cfg = Arc::new(HallConfig::demo().expect("the demo hall parses"));
    let store = memory_store(0);
    let alarms = AlarmActor::new(store.clone()).start();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let first = CaseNumber::new("demo", date, 1).unwrap();
    let mut tickets = TicketCases::default();
    tickets.record("20261201-B001", "company-setup", &first.part(2));
    tickets.record(
        "20261201-B001",
        "food-license",
        &CaseNumber::new("demo", date, 2).unwrap(),
    );
    let actor = RatingActor::new(
        cfg.clone(),
        HallClock::of(&cfg),
        store,
        alarms,
        RatingState::default(),
        HashMap::from([("1".to_string(), "S01".to_string())]),
    )
    .with_ticket_cases(tickets)
    .without_sweep()
    .start();
    actor
        .send(finished("20261201-B001", t0()))
        .await
        .unwrap()
        .unwrap();
    let prompt = actor
        .send(GetPrompt { window: "1".into() })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        prompt.prompt.service.case.as_deref(),
        Some("demo-20261201-000001"),
        "the package, the first case of the ticket"
    );
    let rated = actor
        .send(answer(RatingGrade::VerySatisfied, device(), t0()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rated.service.case.as_deref(), Some("demo-20261201-000001"));

    // A ticket that led to no case: none.
    actor
        .send(finished("20261201-A002", t0()))
        .await
        .unwrap()
        .unwrap();
    let prompt = actor
        .send(GetPrompt { window: "1".into() })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prompt.prompt.service.case, None);
}
