use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap() + Duration::seconds(s)
}

pub(crate) fn service(ticket: &str) -> ServiceRef {
    ServiceRef {
        ticket: ticket.into(),
        number: "A001".into(),
        window: "3".into(),
        staff: Some("S01".into()),
        case: None,
    }
}

fn prompt() -> Prompt {
    Prompt {
        service: service("20260302-A001"),
        at: t(0),
    }
}

fn sub(grade: RatingGrade, rater: Rater) -> Submission {
    Submission {
        grade,
        indicators: Indicators {
            attitude: Some(grade),
            ..Indicators::default()
        },
        reasons: vec!["态度好".into()],
        rater,
        channel: Channel::Mqtt,
    }
}

fn citizen(grade: RatingGrade) -> Submission {
    sub(grade, Rater::Device("E1".into()))
}

#[test]
fn one_rating_per_service() {
    let cfg = RatingConfig::default();
    let r = rate(
        &prompt(),
        None,
        citizen(RatingGrade::Satisfied),
        t(10),
        &cfg,
    )
    .unwrap();
    assert_eq!(r.grade(), Some(RatingGrade::Satisfied));
    assert!(!r.is_bad() && r.bad_rating_alarm().is_none());
    assert_eq!(
        rate(
            &prompt(),
            Some(&r),
            citizen(RatingGrade::VeryDissatisfied),
            t(20),
            &cfg
        ),
        Err(RatingRefusal::AlreadyRated {
            ticket: "20260302-A001".into()
        })
    );
    assert!(time_out(&prompt(), Some(&r), t(1000), &cfg).is_none());
}

#[test]
fn silence_is_not_rated_and_a_late_answer_is_refused() {
    let cfg = RatingConfig::default(); // 60 s
    assert!(time_out(&prompt(), None, t(60), &cfg).is_none());
    let nr = time_out(&prompt(), None, t(61), &cfg).unwrap();
    assert_eq!(nr.grade(), None);
    assert_eq!(nr.outcome, Outcome::NotRated { at: t(60) });
    assert!(!nr.is_bad());
    let late = rate(
        &prompt(),
        None,
        citizen(RatingGrade::VerySatisfied),
        t(61),
        &cfg,
    );
    assert!(matches!(late, Err(RatingRefusal::TimedOut { .. })));
    let after = rate(
        &prompt(),
        Some(&nr),
        citizen(RatingGrade::VerySatisfied),
        t(30),
        &cfg,
    );
    assert!(matches!(after, Err(RatingRefusal::TimedOut { .. })));
}

#[test]
fn staff_cannot_rate_for_the_citizen() {
    let cfg = RatingConfig::default();
    let got = rate(
        &prompt(),
        None,
        sub(RatingGrade::VerySatisfied, Rater::Staff("S01".into())),
        t(5),
        &cfg,
    );
    assert_eq!(got, Err(RatingRefusal::Staff));
    assert!(got
        .unwrap_err()
        .to_string()
        .contains("工作人员不能代替群众评价"));
}

#[test]
fn other_refusals() {
    let cfg = RatingConfig::default();
    let mut s = citizen(RatingGrade::Basic);
    s.reasons = vec![" ".into()];
    assert!(matches!(
        rate(&prompt(), None, s, t(5), &cfg),
        Err(RatingRefusal::Reasons(_))
    ));
    assert!(matches!(
        rate(&prompt(), None, citizen(RatingGrade::Basic), t(-1), &cfg),
        Err(RatingRefusal::BeforePrompt { .. })
    ));
    let other = Prompt {
        service: service("20260302-A002"),
        at: t(0),
    };
    let r = rate(&other, None, citizen(RatingGrade::Basic), t(5), &cfg).unwrap();
    assert!(matches!(
        rate(&prompt(), Some(&r), citizen(RatingGrade::Basic), t(5), &cfg),
        Err(RatingRefusal::OtherService { .. })
    ));
}

#[test]
fn a_bad_rating_raises_its_alarm() {
    let cfg = RatingConfig::default();
    let r = rate(
        &prompt(),
        None,
        citizen(RatingGrade::Dissatisfied),
        t(5),
        &cfg,
    )
    .unwrap();
    let a = r.bad_rating_alarm().unwrap();
    assert_eq!(a.id, "evaluation/20260302-A001/bad");
    assert_eq!(a.typed_kind(), Some(AlarmKind::BadRating));
    assert!(a.message_zh.contains("不满意"), "{}", a.message_zh);
    // The record reads back from JSON.
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"outcome\":\"rated\""), "{json}");
    assert_eq!(serde_json::from_str::<RatingRecord>(&json).unwrap(), r);
}

proptest! {
    /// Whatever is sent and whenever, a record is either the citizen's own
    /// grade or "not rated" — never a grade nobody gave.
    #[test]
    fn not_rated_never_counts_as_satisfied(
        stars in 1i64..=5, at in -10i64..200, staff in any::<bool>(), wait in 0i64..200,
    ) {
        let cfg = RatingConfig::default();
        let grade = RatingGrade::from_stars(stars).unwrap();
        let rater = if staff { Rater::Staff("S01".into()) } else { Rater::Device("E1".into()) };
        let got = rate(&prompt(), None, sub(grade, rater), t(at), &cfg);
        if let Ok(r) = &got {
            prop_assert!(!staff);
            prop_assert_eq!(r.grade(), Some(grade));
        }
        if let Some(nr) = time_out(&prompt(), got.as_ref().ok(), t(wait), &cfg) {
            prop_assert!(got.is_err());
            prop_assert_eq!(nr.grade(), None);
            prop_assert!(!nr.is_bad());
        }
    }
}
