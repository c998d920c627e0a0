//! A package (套餐) at work: 我要开一家公司 in the demo hall, five department
//! parts under the market regulator, shared materials, one progress view.

use super::support::*;
use crate::case::events::CaseEventBody;
use crate::case::package::{apply_to_part, intake_package, progress, PackageStatus};
use crate::case::supervision::Colour;
use crate::case::transition::Input;
use crate::case::Refusal;

fn approve() -> Input {
    Input::ApproveStep { opinion: None }
}

#[test]
fn a_package_completes_when_every_part_does() {
    let cal = cal();
    let it = item("company-setup");
    let provided = [
        "公司登记（备案）申请书",
        "公司章程",
        "股东及法定代表人身份证明",
    ];
    let (mut pkg, events) = intake_package(
        &it,
        &intake_of("2026-12-01", &provided, true),
        &staff(),
        at("2026-12-01"),
        &cal,
    )
    .unwrap();
    assert_eq!(pkg.parts.len(), 5);
    assert_eq!(events.len(), 6);
    assert_eq!(events[0].body.kind(), "package_received");
    assert_eq!(pkg.parts[1].number.to_string(), "demo-20261201-000001-P2");
    assert_eq!(pkg.materials.tolerated_due, Some(d("2026-12-08")));
    // The tolerated address proof holds every part's decision.
    assert!(matches!(
        apply_to_part(&pkg, 0, &approve(), &staff(), at("2026-12-02"), &cal).unwrap_err(),
        Refusal::MaterialsOwed { .. }
    ));
    let supply = Input::Supply {
        provided: vec!["住所使用证明".into()],
    };
    pkg = apply_to_part(&pkg, 0, &supply, &staff(), at("2026-12-02"), &cal)
        .unwrap()
        .0;
    for part in 0..4 {
        let (next, events) =
            apply_to_part(&pkg, part, &approve(), &staff(), at("2026-12-02"), &cal).unwrap();
        assert_eq!(events.len(), 1);
        assert!(!next.is_complete());
        pkg = next;
    }
    let view = progress(&pkg, d("2026-12-02"), &cal).unwrap();
    assert_eq!((view.done, view.total), (4, 5));
    assert_eq!(view.status, PackageStatus::InProgress);
    assert!(view.parts[0].lead && !view.parts[1].lead);
    assert_eq!(view.parts[4].step.as_deref(), Some("办理"));
    assert_eq!(
        view.colour,
        Colour::Yellow,
        "one day's limit: at the warning point"
    );
    let (done, events) =
        apply_to_part(&pkg, 4, &approve(), &staff(), at("2026-12-02"), &cal).unwrap();
    assert!(done.is_complete());
    assert_eq!(done.completed_on, Some(d("2026-12-02")));
    assert_eq!(events.len(), 2);
    assert!(matches!(
        events[1].body,
        CaseEventBody::PackageCompleted { on_time: true }
    ));
    assert_eq!(events[1].case.to_string(), "demo-20261201-000001");
    assert_eq!(
        progress(&done, d("2026-12-02"), &cal).unwrap().status,
        PackageStatus::Completed
    );
    assert_eq!(
        apply_to_part(&done, 9, &approve(), &staff(), at("2026-12-02"), &cal).unwrap_err(),
        Refusal::NoSuchPart { part: 9 }
    );
}
