//! The shapes of the case API of the application layer (`cases.rs`): who
//! acts, the applicant and intake as typed at the window, and the one error
//! enum of case requests with its stable codes.

use tingwu_actors::case::CaseError;
use tingwu_actors::core::case::ApplicantError;

use super::auth::AuthError;
use super::sources::AskerError;

/// Who acts on cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseCaller {
    /// Window staff through a caller session.
    Staff { window: String, staff: String },
    /// A supervisor (中心管理员 / 负责人).
    Supervisor(String),
}

/// The applicant as typed at the window.
#[derive(Debug, Clone)]
pub enum ApplicantInput {
    /// A natural person: ID number (GB 11643), name, optional phone.
    Person {
        id_number: String,
        name: String,
        phone: Option<String>,
    },
    /// An organisation: unified social credit code (GB 32100), name,
    /// optional contact phone.
    Organisation {
        credit_code: String,
        name: String,
        phone: Option<String>,
    },
    /// The person whose ID card the window's reader read in the last
    /// `card_reader::APPLICANT_HOLD`, with an optional phone typed.
    CardReader { phone: Option<String> },
}

/// A case intake as the window sends it.
#[derive(Debug, Clone)]
pub struct CaseIntake {
    /// The item, when the ticket names none (else it must be the ticket's).
    pub item: Option<String>,
    pub applicant: ApplicantInput,
    /// Checklist materials handed in, by name.
    pub materials: Vec<String>,
    /// On the green channel (绿色通道).
    pub green: bool,
    /// Accept on the spot (当场受理; default); false: received for
    /// examination within 5 working days (第三十二条).
    pub on_the_spot: bool,
    /// The request's `Idempotency-Key`: a retry gets the case it made.
    pub key: Option<String>,
}

/// Why a case request is refused. Messages are the ones clients see.
#[derive(Debug, thiserror::Error)]
pub enum CaseAppError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The rules or the case actor refused.
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    Applicant(#[from] ApplicantError),
    /// Only window staff take cases in (403 `staff_only`).
    #[error("办件须由窗口工作人员受理 / cases are taken in by window staff (caller session)")]
    StaffOnly,
    /// The window has no ticket called or being served (409).
    #[error("窗口{0}没有正在办理的号 / window {0} is serving no ticket")]
    NoTicket(String),
    /// The ticket names no item and the request none either (400).
    #[error("请指定事项 / name the item (the ticket names none)")]
    ItemRequired,
    /// The item named is not one of the ticket's queue (400).
    #[error("事项{item}不属于该号的队列{queue} / item {item} is not served by the ticket's queue {queue}")]
    ItemNotOfTicket { item: String, queue: String },
    /// The item named is not the ticket's (400).
    #[error("该号的事项是{ticket}，不是{asked} / the ticket is for item {ticket}, not {asked}")]
    OtherItem { ticket: String, asked: String },
    /// A staff member asks for a case of another department (403).
    #[error("无权查看其他部门的办件 / the case belongs to another department")]
    OtherDepartment,
    /// Unknown number, or a wrong check (404; never says which).
    #[error("没有找到该办件，请核对编号和校验码 / no case with that number and check")]
    NotFound,
    /// The citizen's channel over its rate, or a bad claim (429/401).
    #[error(transparent)]
    Asker(#[from] AskerError),
    /// The caller's window has no ID-card reader (409 `no_card_reader`).
    #[error("窗口{0}没有身份证阅读器，请手工录入证件号码 / window {0} has no ID-card reader; type the ID number")]
    NoCardReader(String),
    /// No card was read at the window in the last 10 minutes, or it was
    /// taken by an intake already (409 `no_card_read`).
    #[error("请先在窗口{0}的阅读器上读取申请人的身份证（10分钟内有效，每次受理读取一次）/ read the applicant's ID card on window {0}'s reader first (valid 10 minutes, one read per intake)")]
    NoCardRead(String),
    /// The case actor did not answer (503).
    #[error("办件服务暂不可用 / the case service is not available: {0}")]
    Unavailable(String),
}

impl CaseAppError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Auth(_) => "unauthorized",
            Self::Case(e) => e.code(),
            Self::Applicant(ApplicantError::IdNumber(_)) => "invalid_id_number",
            Self::Applicant(ApplicantError::CreditCode(_)) => "invalid_credit_code",
            Self::Applicant(ApplicantError::Phone) => "invalid_phone",
            Self::Applicant(ApplicantError::Name) => "invalid_name",
            Self::StaffOnly => "staff_only",
            Self::NoTicket(_) => "no_ticket",
            Self::ItemRequired => "item_required",
            Self::ItemNotOfTicket { .. } => "item_not_of_ticket",
            Self::OtherItem { .. } => "other_item",
            Self::OtherDepartment => "case_other_department",
            Self::NotFound => "not_found",
            Self::NoCardReader(_) => "no_card_reader",
            Self::NoCardRead(_) => "no_card_read",
            Self::Asker(_) => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
        }
    }
}

pub(super) fn unavailable(e: actix::MailboxError) -> CaseAppError {
    CaseAppError::Unavailable(e.to_string())
}
