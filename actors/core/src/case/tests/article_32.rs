//! The worked example of 《中华人民共和国行政许可法》第三十二条: acceptance,
//! the one-time correction notice and deemed acceptance.

use super::support::*;
use crate::case::events::CaseEventBody;
use crate::case::materials::NoticeKind;
use crate::case::state::Status;
use crate::case::supervision::{supervise, Colour};
use crate::case::transition::intake::intake;
use crate::case::transition::{apply, Input};
use crate::case::Refusal;

/// Art. 32: a correction notice on the spot or within 5 working days of
/// receipt, listing everything owed; later, the application counts as
/// accepted from the day the materials arrived.
#[test]
fn article_32_correction_within_five_working_days_or_deemed_accepted() {
    let cal = cal();
    let food = item("food-license");
    // On the spot with a required material missing: not accepted, and the
    // one-time notice lists everything owed, tolerated ones too.
    let err = intake(
        &food,
        &intake_of(
            "2026-11-02",
            &["食品经营许可申请书", "食品安全管理制度"],
            true,
        ),
        &staff(),
        at("2026-11-02"),
        &cal,
    )
    .unwrap_err();
    let Refusal::MaterialsMissing { notice } = err else {
        panic!("{err:?}")
    };
    assert_eq!(notice.kind, NoticeKind::Incomplete);
    let names: Vec<_> = notice.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["营业执照", "经营场所平面图"]);

    // Received for examination on Mon 11-02 without the business licence.
    let (received, _) = intake(
        &food,
        &intake_of(
            "2026-11-02",
            &["食品经营许可申请书", "经营场所平面图", "食品安全管理制度"],
            false,
        ),
        &staff(),
        at("2026-11-02"),
        &cal,
    )
    .unwrap();
    assert_eq!(received.status, Status::Received);
    // E-supervision watches the 5 days to act on it.
    let colour = |day: &str| supervise(&received, d(day), &cal).unwrap().colour;
    assert_eq!(colour("2026-11-03"), Colour::Green);
    assert_eq!(colour("2026-11-05"), Colour::Yellow, "2 working days left");
    assert_eq!(colour("2026-11-09"), Colour::Yellow);
    assert_eq!(colour("2026-11-10"), Colour::Red);
    assert_eq!(
        received.deadline(&cal).unwrap(),
        None,
        "no clock before acceptance"
    );
    let correct = Input::RequestCorrection {
        owed: vec!["申请书缺少法定代表人签字".into()],
    };
    // The 5th working day after receipt is Mon 11-09: a notice then is in
    // time and also lists the missing licence.
    let (correcting, ev) = apply(&received, &correct, &staff(), at("2026-11-09"), &cal).unwrap();
    let CaseEventBody::CorrectionRequested { notice } = ev.body else {
        panic!()
    };
    let names: Vec<_> = notice.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["申请书缺少法定代表人签字", "营业执照"]);
    assert_eq!(
        notice.due,
        Some(cal.add_working_days(d("2026-11-09"), 10).unwrap())
    );
    // The licence alone does not answer the notice: the signature was
    // asked for too (一次性告知, answered as a whole).
    let partial = Input::AnswerCorrection {
        provided: vec!["营业执照".into()],
    };
    let Err(Refusal::MaterialsMissing { notice }) =
        apply(&correcting, &partial, &staff(), at("2026-11-16"), &cal)
    else {
        panic!("a partial answer was taken")
    };
    assert_eq!(notice.items.len(), 1);
    assert_eq!(notice.items[0].name, "申请书缺少法定代表人签字");
    // Answered on 11-16: accepted that day, its materials complete.
    let answer = Input::AnswerCorrection {
        provided: vec!["申请书缺少法定代表人签字".into(), "营业执照".into()],
    };
    let (accepted, _) = apply(&correcting, &answer, &staff(), at("2026-11-16"), &cal).unwrap();
    assert_eq!(accepted.status, Status::InProgress);
    assert_eq!(accepted.accepted_on, Some(d("2026-11-16")));

    // On Tue 11-10 the notice is too late …
    assert_eq!(
        apply(&received, &correct, &staff(), at("2026-11-10"), &cal).unwrap_err(),
        Refusal::CorrectionNoticeLate {
            received_on: d("2026-11-02"),
            due: d("2026-11-09")
        }
    );
    // … and acceptance is dated from the receipt.
    let (deemed, ev) = apply(&received, &Input::Accept, &staff(), at("2026-11-10"), &cal).unwrap();
    assert!(matches!(
        ev.body,
        CaseEventBody::Accepted { deemed: true, .. }
    ));
    assert_eq!(deemed.accepted_on, Some(d("2026-11-02")));
    assert_eq!(deemed.used_days(&cal, d("2026-11-10")).unwrap(), 6);
    // Within the 5 days a case with a material missing is not accepted.
    assert!(matches!(
        apply(&received, &Input::Accept, &staff(), at("2026-11-04"), &cal).unwrap_err(),
        Refusal::MaterialsMissing { .. }
    ));
}
