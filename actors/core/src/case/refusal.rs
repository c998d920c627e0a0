//! Why a transition was refused: one typed [`Refusal`], Chinese then English
//! in its message, with a stable [`Refusal::code`] for the API.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::materials::OneTimeNotice;
use super::state::Status;
use super::Role;
use crate::calendar::CalendarError;

/// A transition of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Intake,
    Accept,
    RequestCorrection,
    AnswerCorrection,
    Supply,
    Suspend,
    Resume,
    ApproveStep,
    Reject,
    Extend,
    Terminate,
    Deliver,
}

impl Action {
    /// 中文 name.
    pub fn zh(self) -> &'static str {
        match self {
            Action::Intake => "收件",
            Action::Accept => "受理",
            Action::RequestCorrection => "补正告知",
            Action::AnswerCorrection => "补正",
            Action::Supply => "补交材料",
            Action::Suspend => "挂起",
            Action::Resume => "恢复",
            Action::ApproveStep => "审批通过",
            Action::Reject => "不予许可",
            Action::Extend => "延期",
            Action::Terminate => "终止",
            Action::Deliver => "送达",
        }
    }
    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Action::Intake => "intake",
            Action::Accept => "accept",
            Action::RequestCorrection => "request a correction",
            Action::AnswerCorrection => "answer a correction",
            Action::Supply => "hand in materials",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::ApproveStep => "approve the step",
            Action::Reject => "reject",
            Action::Extend => "extend",
            Action::Terminate => "terminate",
            Action::Deliver => "deliver",
        }
    }
}

fn role_zh(r: &Role) -> &'static str {
    match r {
        Role::Staff => "工作人员",
        Role::Supervisor => "负责人",
    }
}

/// Why a transition was refused. The case is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("办件{}，不能{} / a case that is {} cannot {}", .status.zh(), .action.zh(), .status.en(), .action.en())]
    NotAllowed { action: Action, status: Status },
    #[error("{}需由{}批准 / only a {needed:?} may {}", .action.zh(), role_zh(.needed), .action.en())]
    Role { action: Action, needed: Role },
    #[error("即办件不能{} / an immediate case cannot {}", .action.zh(), .action.en())]
    ImmediateCase { action: Action },
    #[error("办件已延期一次，不能再次延期（行政许可法第四十二条） / the case has already been extended once (art. 42)")]
    AlreadyExtended,
    #[error("延期最多{max}个工作日（行政许可法第四十二条） / an extension is 1 to {max} working days (art. 42)")]
    ExtensionTooLong { max: u32 },
    #[error("{}须说明理由 / a reason is required to {}", .action.zh(), .action.en())]
    ReasonRequired { action: Action },
    #[error("挂起须书面告知申请人（行政许可法第四十五条） / the applicant must be told in writing (art. 45)")]
    WrittenNoticeRequired,
    #[error("收到材料已逾5个工作日（{received_on}起，{due}止），不能再要求补正，视为自收到材料之日起受理（行政许可法第三十二条） / more than 5 working days since the materials arrived ({received_on}, notice due {due}): the application counts as accepted from that day (art. 32)")]
    CorrectionNoticeLate {
        received_on: NaiveDate,
        due: NaiveDate,
    },
    #[error("补正告知须列明需补正的全部内容 / a correction notice lists what is owed")]
    NothingOwed,
    #[error("材料清单中没有“{name}” / no material named {name:?} on the checklist")]
    UnknownMaterial { name: String },
    #[error(
        "申请材料不齐全，已一次性告知 / required materials are missing; see the one-time notice"
    )]
    MaterialsMissing { notice: OneTimeNotice },
    #[error("容缺材料尚未补齐，不能作出决定 / tolerated materials are still owed: {}", .names.join("、"))]
    MaterialsOwed { names: Vec<String> },
    #[error("送达方式信息不全（领取通知或邮寄单号） / delivery needs a pick-up notice or a carrier and tracking number")]
    DeliveryDetail,
    #[error("事项“{item}”未配置办件 / item {item:?} takes no cases")]
    NoCaseSettings { item: String },
    #[error("事项“{item}”没有绿色通道 / item {item:?} has no green channel")]
    NoGreenChannel { item: String },
    #[error("没有这个部门子件 / the package has no part {part}")]
    NoSuchPart { part: usize },
    #[error("该号已受理过此事项的办件{case}，同一事项不能重复受理 / ticket {ticket} already has case {case} for item {item:?}; an item is taken in once per ticket")]
    TicketTaken {
        ticket: String,
        item: String,
        case: String,
    },
    #[error("套餐的操作须针对部门子件（编号加-P序号），套餐本身只能补交材料 / act on a package's department part ({{number}}-P{{n}}); the package itself only takes materials")]
    PackageAction { action: Action },
    #[error("工作日历：{0} / working-day calendar: {0}")]
    Calendar(#[from] CalendarError),
}

impl Refusal {
    /// A stable code for the API (`{"error":{"code", …}}`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowed { .. } => "case_transition_not_allowed",
            Refusal::Role { .. } => "case_role_not_allowed",
            Refusal::ImmediateCase { .. } => "case_immediate",
            Refusal::AlreadyExtended => "case_already_extended",
            Refusal::ExtensionTooLong { .. } => "case_extension_too_long",
            Refusal::ReasonRequired { .. } => "case_reason_required",
            Refusal::WrittenNoticeRequired => "case_written_notice_required",
            Refusal::CorrectionNoticeLate { .. } => "case_correction_notice_late",
            Refusal::NothingOwed => "case_nothing_owed",
            Refusal::UnknownMaterial { .. } => "case_unknown_material",
            Refusal::MaterialsMissing { .. } => "case_materials_missing",
            Refusal::MaterialsOwed { .. } => "case_materials_owed",
            Refusal::DeliveryDetail => "case_delivery_detail",
            Refusal::NoCaseSettings { .. } => "case_not_configured",
            Refusal::NoGreenChannel { .. } => "case_no_green_channel",
            Refusal::NoSuchPart { .. } => "case_no_such_part",
            Refusal::TicketTaken { .. } => "case_ticket_taken",
            Refusal::PackageAction { .. } => "case_package_action",
            Refusal::Calendar(_) => "calendar_missing_year",
        }
    }
}
