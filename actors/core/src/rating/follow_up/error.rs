//! [`FollowUpError`]: why a follow-up transition was refused.

use chrono::{DateTime, Utc};

use super::Step;
use crate::calendar::CalendarError;

/// Why a follow-up step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    #[error("only a bad rating (不满意 or worse) has a follow-up")]
    NotBad,
    #[error("请先完成{} / {} comes first, not {}", expected.label_zh(), expected.label_en(), got.label_en())]
    OutOfOrder { expected: Step, got: Step },
    #[error("the follow-up is closed / 整改已办结")]
    Closed,
    #[error("the rating was excluded by an upheld appeal / 申诉已成立，该评价不计入统计")]
    Excluded,
    #[error("请填写{} / the {} needs a description", step.label_zh(), step.label_en())]
    EmptyText { step: Step },
    #[error("an appeal needs a reason / 请填写申诉或复核理由")]
    EmptyReason,
    #[error("time {now} is before {last} already recorded")]
    ClockBehind {
        now: DateTime<Utc>,
        last: DateTime<Utc>,
    },
    #[error("an appeal was filed already / 已提出申诉")]
    AppealExists,
    #[error("no appeal to decide / 无待复核的申诉")]
    NoAppeal,
    #[error("the appeal was decided already / 申诉已复核")]
    AppealDecided,
    #[error("only staff file an appeal / 申诉须由窗口人员提出")]
    NotStaff,
    #[error("only a supervisor decides / 复核须由中心管理员作出")]
    NotSupervisor,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}
