//! The acceptance notice (受理通知书) of a case taken in: what the window
//! prints for the applicant, as a page and as a PDF (issue 10).
//!
//! It tells the centre, the case number (and a QR code of the citizen's
//! query link), the item and its department, the applicant (masked, as
//! every case answer is), the day of acceptance, the promise in working
//! days and the deadline, the materials received and those still owed with
//! the day they are owed by (一次性告知, 《行政许可法》第三十二条), the fee in
//! yuan, how to query the case (`/case`, the last four digits of the phone
//! or ID number) and the legal basis. Who may read it is who may read the
//! case (`App::case`: staff of its department, supervisors). A case only
//! received for examination (收件, not yet 受理) has no acceptance notice.

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::materials::MaterialState;
use tingwu_actors::core::case::supervision::CaseSupervision;
use tingwu_actors::core::case::{ApplicantKind, CaseKind, CaseRecord};

use super::case_types::{CaseAppError, CaseCaller};
use super::App;
use crate::documents::{self, DocumentError};

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

/// Why a notice cannot be had.
#[derive(Debug, thiserror::Error)]
pub enum CaseNoticeError {
    /// Reading the case was refused (not found, other department…).
    #[error(transparent)]
    Case(#[from] CaseAppError),
    /// The case was received for examination but not accepted (409).
    #[error("该办件尚未受理，没有受理通知书 / the case has not been accepted yet, so it has no acceptance notice")]
    NotAccepted,
    /// The PDF could not be made (the font is missing: 503).
    #[error(transparent)]
    Document(#[from] DocumentError),
}

impl CaseNoticeError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Case(e) => e.code(),
            Self::NotAccepted => "case_not_accepted",
            Self::Document(e) => e.code(),
        }
    }
}

/// `12.50` from 1250 fen.
pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn material(name: &str, name_en: &str) -> NoticeMaterial {
    NoticeMaterial {
        name: name.to_string(),
        name_en: if name_en.is_empty() {
            name.to_string()
        } else {
            name_en.to_string()
        },
    }
}

impl AcceptanceNotice {
    /// The notice of `record` with its supervision today. Errors:
    /// [`CaseNoticeError::NotAccepted`] before acceptance.
    pub fn of(
        record: &CaseRecord,
        sup: Option<&CaseSupervision>,
        cfg: &HallConfig,
    ) -> Result<Self, CaseNoticeError> {
        let c = &record.case;
        let accepted_on = c.accepted_on.ok_or(CaseNoticeError::NotAccepted)?;
        let or = |en: &str, zh: &str| if en.is_empty() { zh } else { en }.to_string();
        let item = cfg.item(&c.item);
        let dept = cfg.departments.iter().find(|d| d.id == c.department);
        let window = c
            .window
            .as_ref()
            .and_then(|w| cfg.windows.iter().find(|x| &x.id == w));
        let owed: Vec<NoticeMaterial> = c
            .materials
            .owed()
            .iter()
            .map(|m| material(&m.name, &m.name_en))
            .collect();
        // Points of an open correction that are not checklist materials
        // are owed too.
        let mut owed = owed;
        if let Some(corr) = &c.correction {
            for i in &corr.notice.items {
                if !owed.iter().any(|o| o.name == i.name) {
                    owed.push(material(&i.name, &i.name_en));
                }
            }
        }
        let owed_by = match &c.correction {
            Some(corr) => corr.notice.due,
            None => c.materials.tolerated_due,
        }
        .filter(|_| !owed.is_empty());
        let hall_name = cfg.hall.name.clone();
        let number = c.number.to_string();
        let check = match c.applicant.kind {
            ApplicantKind::Person => "手机号码或身份证号码后四位",
            ApplicantKind::Organisation => "联系电话或统一社会信用代码后四位",
        };
        let check_en = match c.applicant.kind {
            ApplicantKind::Person => "the last four digits of your phone or ID number",
            ApplicantKind::Organisation => {
                "the last four characters of the contact phone or the unified social credit code"
            }
        };
        Ok(Self {
            hall_name_en: or(&cfg.hall.name_en, &hall_name),
            hall_name,
            query_path: format!("/case?n={number}"),
            query_zh: format!(
                "扫描二维码或访问本中心网站“办件查询”（/case），输入办件编号 {number} 和{check}即可查询办理进度。"
            ),
            query_en: format!(
                "Scan the QR code or open the centre's case query page (/case) and enter the case number {number} and {check_en} to follow the case."
            ),
            number,
            item_name: item.map(|i| i.name.clone()).unwrap_or_else(|| c.item.clone()),
            item_name_en: item
                .map(|i| or(&i.name_en, &i.name))
                .unwrap_or_else(|| c.item.clone()),
            department_name: dept
                .map(|d| d.name.clone())
                .unwrap_or_else(|| c.department.clone()),
            department_name_en: dept
                .map(|d| or(&d.name_en, &d.name))
                .unwrap_or_else(|| c.department.clone()),
            window_name: window.map(|w| w.name.clone()),
            window_name_en: window.map(|w| or(&w.name_en, &w.name)),
            kind: c.rules.kind,
            applicant_kind: c.applicant.kind,
            applicant_name: c.applicant.name.clone(),
            applicant_id: c.applicant.id.clone(),
            applicant_phone: c.applicant.phone.clone(),
            received_on: c.received_on,
            accepted_on,
            limit_days: c.limit_days,
            deadline: sup.and_then(|s| s.deadline),
            received: c
                .materials
                .lines
                .iter()
                .filter(|l| l.state == MaterialState::Provided)
                .map(|l| material(&l.name, &l.name_en))
                .collect(),
            owed,
            owed_by,
            fee_fen: c.fee_fen,
            fee_yuan: yuan(c.fee_fen),
            status_zh: c.status.zh(),
            status_en: c.status.en(),
            legal_basis_zh: LEGAL_BASIS.0,
            legal_basis_en: LEGAL_BASIS.1,
        })
    }
}

impl App {
    /// The acceptance notice of a case, for whoever may read the case
    /// (staff of its department, supervisors). Errors:
    /// [`CaseNoticeError::Case`] (not found, other department),
    /// [`CaseNoticeError::NotAccepted`].
    pub async fn case_notice(
        &self,
        who: &CaseCaller,
        number: &str,
    ) -> Result<AcceptanceNotice, CaseNoticeError> {
        let (record, sup) = self.case(who, number).await?;
        AcceptanceNotice::of(&record, sup.as_ref(), &self.dir.config)
    }

    /// The acceptance notice as a PDF (A4, the hall's `[documents]` font
    /// subset into it), with a QR code of `query_url`. Rendered off the
    /// async threads. Errors: as [`App::case_notice`], and
    /// [`CaseNoticeError::Document`] when the font is missing or unusable.
    pub async fn case_notice_pdf(
        &self,
        who: &CaseCaller,
        number: &str,
        query_url: String,
    ) -> Result<Vec<u8>, CaseNoticeError> {
        let notice = self.case_notice(who, number).await?;
        let settings = self.dir.config.documents.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            documents::notice_pdf(&notice, &query_url, &settings)
        })
        .await
        .map_err(|e| DocumentError::Render(e.to_string()))??;
        tracing::info!(case = %number, bytes = pdf.len(), "acceptance notice PDF made");
        Ok(pdf)
    }
}
