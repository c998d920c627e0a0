use super::*;
use crate::calendar::CalendarError;
use crate::rating::grade::Indicators;
use crate::rating::record::{Channel, Outcome};
use chrono::TimeZone;

const TZ: Tz = chrono_tz::Asia::Shanghai;

/// `y-m-d h:00` hall time.
pub(crate) fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn rated(ticket: &str, grade: RatingGrade, when: DateTime<Utc>) -> RatingRecord {
    RatingRecord {
        service: ServiceRef {
            ticket: ticket.into(),
            number: "A001".into(),
            window: "3".into(),
            staff: Some("S01".into()),
            case: None,
        },
        prompted_at: when,
        outcome: Outcome::Rated {
            grade,
            indicators: Indicators::default(),
            reasons: vec!["等候时间长".into()],
            channel: Channel::Rs485,
            device: "E1".into(),
            at: when,
        },
    }
}

fn boss() -> Person {
    Person::Supervisor("admin".into())
}

/// A bad rating on Thursday 2026-02-12, the eve of the 2026 Spring
/// Festival break (02-15 to 02-23 off, 02-14 and 02-28 make-up days).
fn before_spring_festival() -> FollowUp {
    let r = rated(
        "20260212-A001",
        RatingGrade::VeryDissatisfied,
        at(2026, 2, 12, 10),
    );
    open(&r, &RatingConfig::default(), &Calendar::official(), TZ).unwrap()
}

#[test]
fn only_a_bad_rating_opens_one_and_its_limit_skips_the_holiday() {
    let ok = rated("20260212-A002", RatingGrade::Basic, at(2026, 2, 12, 10));
    assert_eq!(
        open(&ok, &RatingConfig::default(), &Calendar::official(), TZ),
        Err(FollowUpError::NotBad)
    );
    let f = before_spring_festival();
    // 02-13, 02-14 (make-up), then 02-24, 02-25, 02-26: five working days.
    assert_eq!(f.callback_due, date(2026, 2, 26));
    assert_eq!(f.stage(), Stage::Awaiting(Step::CallBack));
    // A count in calendar days would be red by 02-20; working days are not.
    assert_eq!(f.colour(at(2026, 2, 20, 9), TZ), Colour::Green);
    assert_eq!(f.colour(at(2026, 2, 26, 17), TZ), Colour::Green);
    assert_eq!(f.colour(at(2026, 2, 27, 9), TZ), Colour::Red);
    let alarm = f.overdue_alarm(at(2026, 2, 27, 9), TZ).unwrap();
    assert_eq!(alarm.typed_kind(), Some(AlarmKind::FollowUpOverdue));
    assert!(
        alarm.message_zh.contains("回访核实"),
        "{}",
        alarm.message_zh
    );
    assert!(f.overdue_alarm(at(2026, 2, 26, 9), TZ).is_none());
}

#[test]
fn call_back_then_rectify_then_feedback() {
    let cal = Calendar::official();
    let f = before_spring_festival();
    let f = record_callback(
        &f,
        boss(),
        "群众反映等候时间长，核实属实",
        at(2026, 2, 24, 10),
        &cal,
        TZ,
    )
    .unwrap();
    assert_eq!(f.stage(), Stage::Awaiting(Step::Rectify));
    // 02-25, 02-26, 02-27, 02-28 (make-up Saturday), 03-02.
    assert_eq!(f.rectify_due, Some(date(2026, 3, 2)));
    let f = record_rectification(
        &f,
        Person::Staff("S01".into()),
        "高峰时段增开窗口",
        at(2026, 2, 27, 10),
        &cal,
        TZ,
    )
    .unwrap();
    assert_eq!(f.stage(), Stage::Awaiting(Step::Feedback));
    assert_eq!(f.feedback_due, Some(date(2026, 3, 5)));
    let f = record_feedback(&f, boss(), "已电话告知整改情况", at(2026, 3, 3, 10)).unwrap();
    assert_eq!(f.stage(), Stage::Closed);
    assert_eq!(f.colour(at(2026, 12, 1, 10), TZ), Colour::Green);
    assert!(!f.ever_overdue(at(2026, 12, 1, 10), TZ));
    assert_eq!(f.callback.as_ref().unwrap().by, boss());
    assert_eq!(
        record_feedback(&f, boss(), "again", at(2026, 3, 4, 10)),
        Err(FollowUpError::Closed)
    );
}

#[test]
fn a_step_past_its_limit_turns_red_and_stays_on_the_record() {
    let cal = Calendar::official();
    let f = before_spring_festival();
    let f = record_callback(&f, boss(), "核实", at(2026, 2, 24, 10), &cal, TZ).unwrap();
    assert_eq!(f.colour(at(2026, 3, 2, 17), TZ), Colour::Green);
    assert_eq!(f.colour(at(2026, 3, 3, 9), TZ), Colour::Red);
    let late = record_rectification(&f, boss(), "整改", at(2026, 3, 4, 10), &cal, TZ).unwrap();
    assert_eq!(late.colour(at(2026, 3, 4, 11), TZ), Colour::Green);
    assert!(late.rectification.as_ref().unwrap().late(TZ));
    assert!(late.ever_overdue(at(2026, 3, 4, 11), TZ));
}

#[test]
fn steps_in_order_with_text_and_time() {
    let cal = Calendar::official();
    let f = before_spring_festival();
    assert_eq!(
        record_rectification(&f, boss(), "x", at(2026, 2, 13, 10), &cal, TZ),
        Err(FollowUpError::OutOfOrder {
            expected: Step::CallBack,
            got: Step::Rectify
        })
    );
    assert_eq!(
        record_callback(&f, boss(), "  ", at(2026, 2, 13, 10), &cal, TZ),
        Err(FollowUpError::EmptyText {
            step: Step::CallBack
        })
    );
    assert!(matches!(
        record_callback(&f, boss(), "x", at(2026, 2, 11, 10), &cal, TZ),
        Err(FollowUpError::ClockBehind { .. })
    ));
    // Past the calendar's last year: a typed error, not a guess.
    let r = rated(
        "20261230-A001",
        RatingGrade::Dissatisfied,
        at(2026, 12, 30, 10),
    );
    assert_eq!(
        open(&r, &RatingConfig::default(), &cal, TZ),
        Err(FollowUpError::Calendar(CalendarError::MissingYear(2027)))
    );
}

#[test]
fn an_appeal_filed_by_staff_and_upheld_by_a_supervisor_excludes_the_rating() {
    let cal = Calendar::official();
    let f = before_spring_festival();
    let staff = Person::Staff("S01".into());
    assert_eq!(
        file_appeal(&f, &boss(), "x", at(2026, 2, 13, 9)),
        Err(FollowUpError::NotStaff)
    );
    assert_eq!(
        decide_appeal(&f, &boss(), true, "x", at(2026, 2, 13, 9)),
        Err(FollowUpError::NoAppeal)
    );
    let f = file_appeal(&f, &staff, "评价人误按，监控录像可证", at(2026, 2, 13, 9)).unwrap();
    assert_eq!(
        file_appeal(&f, &staff, "again", at(2026, 2, 13, 9)),
        Err(FollowUpError::AppealExists)
    );
    assert_eq!(
        decide_appeal(&f, &staff, true, "x", at(2026, 2, 13, 10)),
        Err(FollowUpError::NotSupervisor)
    );
    let f = decide_appeal(
        &f,
        &boss(),
        true,
        "录像显示误操作，申诉成立",
        at(2026, 2, 13, 11),
    )
    .unwrap();
    assert!(f.excluded());
    assert_eq!(f.stage(), Stage::Excluded);
    assert_eq!(f.colour(at(2026, 12, 1, 9), TZ), Colour::Green, "never red");
    let d = f.appeal.as_ref().unwrap().decision.as_ref().unwrap();
    assert_eq!(d.reason, "录像显示误操作，申诉成立", "the reason is kept");
    assert_eq!(
        decide_appeal(&f, &boss(), false, "x", at(2026, 2, 13, 12)),
        Err(FollowUpError::AppealDecided)
    );
    assert_eq!(
        record_callback(&f, boss(), "x", at(2026, 2, 13, 12), &cal, TZ),
        Err(FollowUpError::Excluded)
    );
}

#[test]
fn a_rejected_appeal_leaves_the_follow_up_running() {
    let cal = Calendar::official();
    let staff = Person::Staff("S01".into());
    let f = file_appeal(
        &before_spring_festival(),
        &staff,
        "不服",
        at(2026, 2, 13, 9),
    )
    .unwrap();
    let f = decide_appeal(&f, &boss(), false, "证据不足", at(2026, 2, 13, 10)).unwrap();
    assert!(!f.excluded());
    assert!(record_callback(&f, boss(), "核实", at(2026, 2, 13, 11), &cal, TZ).is_ok());
}
