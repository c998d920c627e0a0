//! What the acceptance notice (受理通知书) says: the data both renderings
//! (`notice_html.rs`, `notice_pdf.rs`) lay out. The application layer
//! fills it from a case (`app::case_notice`).

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::core::case::{ApplicantKind, CaseKind};

/// The legal basis printed on every notice, zh and en.
pub const LEGAL_BASIS: (&str, &str) = (
    "依据《中华人民共和国行政许可法》第三十二条、第四十二条、第八十二条，本机关已受理您的申请，将在承诺时限内（以工作日计，法定节假日除外）作出决定；补正、听证、检验检测、专家评审等时间不计入办理时限（第四十五条）。",
    "Under articles 32, 42 and 82 of the Administrative Licensing Law of the PRC this office has accepted your application and will decide within the promised limit (in working days, statutory holidays excluded); time for corrections, hearings, testing, expert review and the like does not count (article 45).",
);

/// One material on the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeMaterial {
    pub name: String,
    /// English name (the Chinese one when the config has none).
    pub name_en: String,
}

/// The acceptance notice of one case. Dates are the hall's local dates.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptanceNotice {
    /// The centre (政务服务中心) issuing it.
    pub hall_name: String,
    pub hall_name_en: String,
    /// The case number, `{hall}-{YYYYMMDD}-{seq:06}`.
    pub number: String,
    /// The citizen's query page for this case (`/case?n=…`), relative to
    /// the hall's public address; the QR code holds it.
    pub query_path: String,
    pub item_name: String,
    pub item_name_en: String,
    pub department_name: String,
    pub department_name_en: String,
    /// The window that took it in (its name), if any.
    pub window_name: Option<String>,
    pub window_name_en: Option<String>,
    /// `immediate` (即办件) or `promise` (承诺件).
    pub kind: CaseKind,
    /// Person or organisation.
    pub applicant_kind: ApplicantKind,
    /// The applicant's name, masked (张*三; an organisation's in full).
    pub applicant_name: String,
    /// ID number masked (110***********002X) or the credit code.
    pub applicant_id: String,
    /// Phone masked (139****5678).
    pub applicant_phone: Option<String>,
    /// 收件: the day the materials arrived.
    pub received_on: NaiveDate,
    /// 受理: the day the clock starts.
    pub accepted_on: NaiveDate,
    /// The promise in working days (with an extension, if granted).
    pub limit_days: u32,
    /// The deadline; none while the clock stands still (补正, 挂起).
    pub deadline: Option<NaiveDate>,
    /// Materials handed in.
    pub received: Vec<NoticeMaterial>,
    /// Materials still owed (容缺 or 补正).
    pub owed: Vec<NoticeMaterial>,
    /// The last working day to hand the owed materials in.
    pub owed_by: Option<NaiveDate>,
    /// The fee in fen (分) and as yuan (元, `"12.50"`).
    pub fee_fen: u64,
    pub fee_yuan: String,
    /// The case's status now, zh and en.
    pub status_zh: &'static str,
    pub status_en: &'static str,
    /// How to query the case, zh and en.
    pub query_zh: String,
    pub query_en: String,
    /// The legal basis line, zh and en ([`LEGAL_BASIS`]).
    pub legal_basis_zh: &'static str,
    pub legal_basis_en: &'static str,
}
