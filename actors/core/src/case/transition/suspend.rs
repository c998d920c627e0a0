//! 挂起: a special procedure stops the clock.
//!
//! 《行政许可法》第四十五条: time needed for a hearing, tendering, an auction,
//! inspection, testing, quarantine, appraisal or expert review is not
//! counted in the limits, and the body tells the applicant in writing how
//! long it will take. So a suspension names its procedure and the written
//! notice (文书编号) given; without one it is refused
//! ([`Refusal::WrittenNoticeRequired`]). Site inspection (现场核查/勘验) is
//! the special procedure local rules most often add.

use serde::{Deserialize, Serialize};

use super::super::clock::{Stop, StopKind};
use super::super::events::{CaseEvent, CaseEventBody};
use super::super::plan::CaseKind;
use super::super::refusal::{Action, Refusal};
use super::super::state::{Case, Status};
use super::super::{Actor, Now};
use super::{check, event};
use crate::calendar::Calendar;

/// The special procedure (特别程序) of art. 45.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    /// 听证
    Hearing,
    /// 招标
    Tendering,
    /// 拍卖
    Auction,
    /// 检验
    Inspection,
    /// 检测
    Testing,
    /// 检疫
    Quarantine,
    /// 鉴定
    Appraisal,
    /// 专家评审
    ExpertReview,
    /// 现场核查 (local rules' special procedure)
    SiteInspection,
}

/// A suspension's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspendInput {
    /// The special procedure.
    pub reason: SuspensionReason,
    /// What is done, and how long it is expected to take.
    pub detail: String,
    /// The reference of the written notice to the applicant (告知书编号).
    pub written_notice: String,
}

/// Suspends the case. Errors: [`Refusal::NotAllowed`],
/// [`Refusal::ImmediateCase`], [`Refusal::WrittenNoticeRequired`].
pub fn suspend(
    case: &Case,
    input: &SuspendInput,
    actor: &Actor,
    now: Now,
    _cal: &Calendar,
) -> Result<(Case, CaseEvent), Refusal> {
    check(case, Action::Suspend)?;
    if case.rules.kind == CaseKind::Immediate {
        return Err(Refusal::ImmediateCase {
            action: Action::Suspend,
        });
    }
    let notice = input.written_notice.trim();
    if notice.is_empty() {
        return Err(Refusal::WrittenNoticeRequired);
    }
    let mut next = case.clone();
    next.stops.push(Stop {
        kind: StopKind::Suspension,
        from: now.date,
        to: None,
    });
    next.status = Status::Suspended;
    let body = CaseEventBody::Suspended {
        reason: input.reason,
        detail: input.detail.trim().to_string(),
        notice: notice.to_string(),
    };
    let ev = event(&next, actor, now, body);
    Ok((next, ev))
}
