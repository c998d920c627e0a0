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

use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::materials::MaterialState;
use tingwu_actors::core::case::supervision::CaseSupervision;
use tingwu_actors::core::case::{ApplicantKind, CaseRecord};

use super::case_types::{CaseAppError, CaseCaller};
use super::App;
use crate::documents::notice::{AcceptanceNotice, NoticeMaterial, LEGAL_BASIS};
use crate::documents::{self, DocumentError};

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

/// The notice of `record` with its supervision today. Errors:
/// [`CaseNoticeError::NotAccepted`] before acceptance.
pub fn acceptance_notice(
    record: &CaseRecord,
    sup: Option<&CaseSupervision>,
    cfg: &HallConfig,
) -> Result<AcceptanceNotice, CaseNoticeError> {
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
    Ok(AcceptanceNotice {
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
        acceptance_notice(&record, sup.as_ref(), &self.dir.config)
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use tingwu_actors::core::calendar::Calendar;
    use tingwu_actors::core::case::transition::{intake, Intake};
    use tingwu_actors::core::case::{Actor, Applicant, CaseNumber, Now, SealedApplicant};

    use super::*;

    fn record(cfg: &HallConfig, on_the_spot: bool) -> CaseRecord {
        let day: NaiveDate = "2026-11-30".parse().unwrap();
        let (case, ev) = intake(
            cfg.item("food-license").unwrap(),
            &Intake {
                number: CaseNumber::new("demo", day, 1).unwrap(),
                applicant: Applicant::person("11010519491231002X", "张三", Some("13812345678"))
                    .unwrap(),
                provided: vec![
                    "食品经营许可申请书".into(),
                    "营业执照".into(),
                    "食品安全管理制度".into(),
                ],
                green: false,
                on_the_spot,
                window: Some("5".into()),
                ticket: None,
            },
            &Actor::staff("S05"),
            Now {
                at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap()),
                date: day,
            },
            &Calendar::official(),
        )
        .unwrap();
        CaseRecord {
            case,
            sealed: SealedApplicant::default(),
            history: vec![ev],
            keys: Vec::new(),
            ticket: None,
            request_print: None,
        }
    }

    #[test]
    fn the_notice_lists_what_was_received_and_what_is_owed_by_when() {
        let cfg = tingwu_actors::testing::demo_hall();
        let r = record(&cfg, true);
        let n = acceptance_notice(&r, None, &cfg).unwrap();
        assert_eq!(n.number, "demo-20261130-000001");
        assert_eq!(n.item_name, "食品经营许可");
        assert_eq!(n.applicant_name, "张*");
        assert_eq!(n.applicant_id, "110***********002X");
        let names = |v: &[NoticeMaterial]| v.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&n.owed), ["经营场所平面图"]);
        assert_eq!(names(&n.received).len(), 3);
        assert!(n.owed_by.is_some() && n.owed_by == r.case.materials.tolerated_due);
        assert_eq!(n.query_path, "/case?n=demo-20261130-000001");
        assert!(n.query_zh.contains("demo-20261130-000001") && n.query_zh.contains("/case"));
        assert_eq!(n.fee_yuan, yuan(n.fee_fen));
        // Received for examination only: no acceptance notice yet.
        let r = record(&cfg, false);
        assert!(matches!(
            acceptance_notice(&r, None, &cfg),
            Err(CaseNoticeError::NotAccepted)
        ));
    }

    #[test]
    fn fees_are_shown_in_yuan() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(1250), "12.50");
        assert_eq!(yuan(100_000), "1000.00");
    }
}
