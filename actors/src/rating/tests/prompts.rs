//! 一次一评, staff refused, not rated on a timeout.

use super::super::*;
use super::*;
use chrono::Duration;

#[actix::test]
async fn one_rating_per_service_staff_refused_and_not_rated_on_timeout() {
    let (actor, _alarms, _store) = start();
    let none = actor
        .send(answer(RatingGrade::Satisfied, device(), t0()))
        .await;
    assert!(matches!(none, Ok(Err(RateError::NoPrompt { .. }))));
    actor
        .send(finished("20261201-A001", t0()))
        .await
        .unwrap()
        .unwrap();
    let staff = actor
        .send(answer(
            RatingGrade::VerySatisfied,
            Rater::Staff("S01".into()),
            t0(),
        ))
        .await
        .unwrap();
    assert!(matches!(
        staff,
        Err(RateError::Refused(RatingRefusal::Staff))
    ));
    let r = actor
        .send(answer(
            RatingGrade::Satisfied,
            device(),
            t0() + Duration::seconds(5),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.grade(), Some(RatingGrade::Satisfied));
    assert_eq!(r.service.staff.as_deref(), Some("S01"));
    let again = actor
        .send(answer(
            RatingGrade::VerySatisfied,
            device(),
            t0() + Duration::seconds(6),
        ))
        .await
        .unwrap();
    assert!(matches!(
        again,
        Err(RateError::Refused(RatingRefusal::AlreadyRated { .. }))
    ));

    // The next service: nobody answers; the sweep records "not rated".
    let t1 = t0() + Duration::minutes(10);
    actor
        .send(finished("20261201-A002", t1))
        .await
        .unwrap()
        .unwrap();
    let early = actor
        .send(Sweep {
            now: t1 + Duration::seconds(30),
        })
        .await
        .unwrap();
    assert_eq!(early.unwrap(), 0);
    let late = actor
        .send(Sweep {
            now: t1 + Duration::seconds(61),
        })
        .await
        .unwrap();
    assert_eq!(late.unwrap(), 1);
    let p = actor
        .send(GetPrompt { window: "1".into() })
        .await
        .unwrap()
        .unwrap();
    let rec = p.record.unwrap();
    assert_eq!(rec.grade(), None, "silence is never a grade");
    let after = actor
        .send(answer(
            RatingGrade::VerySatisfied,
            device(),
            t1 + Duration::seconds(62),
        ))
        .await
        .unwrap();
    assert!(matches!(
        after,
        Err(RateError::Refused(RatingRefusal::TimedOut { .. }))
    ));
}
