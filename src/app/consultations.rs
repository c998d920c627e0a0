//! Consultations (咨询) at work: who may record one, where it counts, and
//! the counts for supervisors (the monthly report's "consultations", apart
//! from cases taken in).
//!
//! - Window staff record one through their caller session (like case
//!   intake), at their window, with the ticket it serves if any. It counts
//!   for the item's department when an item is named (the item must be one
//!   the window serves), else for the department the request names (one
//!   of the window's), else for the serving ticket's item's, else for the
//!   window's only department; otherwise the request must name one.
//! - Supervisors read the counts of a range of hall days by department,
//!   window and day (`core::consultation::tally`).

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::consultation::{Record, RecordError};
use tingwu_actors::core::consultation::{
    check, check_range, tally, Consultation, ConsultationError, Tally,
};
use tingwu_actors::window::GetServing;

use super::auth::AuthError;
use super::case_types::CaseCaller;
use super::App;
use crate::storage::{ReadError, StoreReader};

/// A consultation as the window sends it.
#[derive(Debug, Clone, Default)]
pub struct ConsultationRequest {
    /// The item asked about (one the window serves).
    pub item: Option<String>,
    /// A free topic, when no item fits.
    pub topic: Option<String>,
    /// The department it counts for, when neither the item nor the window
    /// says (one of the window's).
    pub department: Option<String>,
    /// A short note (no personal data).
    pub note: String,
    /// The request's `Idempotency-Key`.
    pub key: Option<String>,
}

/// Why a consultation request is refused. Messages are the ones clients
/// see.
#[derive(Debug, thiserror::Error)]
pub enum ConsultationAppError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// What was typed breaks a rule (400).
    #[error(transparent)]
    Rules(#[from] ConsultationError),
    /// Only window staff record consultations (403).
    #[error(
        "咨询须由窗口工作人员登记 / consultations are recorded by window staff (caller session)"
    )]
    StaffOnly,
    /// Only supervisors read the counts (403).
    #[error("咨询统计仅限管理员查看 / consultation counts are for supervisors")]
    SupervisorOnly,
    /// The item is unknown or not served at the window (400).
    #[error("窗口{window}不办理事项{item} / window {window} does not serve item {item:?}")]
    ItemNotAtWindow { window: String, item: String },
    /// The department is not one of the window's (400).
    #[error("窗口{window}不属于部门{department} / window {window} does not work for department {department:?}")]
    OtherDepartment { window: String, department: String },
    /// The window works for several departments and nothing says which
    /// (400).
    #[error("请指定咨询所属部门（{choices}） / name the department it counts for ({choices})")]
    DepartmentRequired { choices: String },
    /// A date is not `YYYY-MM-DD` (400).
    #[error("日期格式应为YYYY-MM-DD / dates read YYYY-MM-DD")]
    BadDate,
    /// The request key recorded another request at this window (422
    /// `idempotency_mismatch`).
    #[error("请求编号已用于内容不同的咨询登记（{0}），请换用新的请求编号 / the Idempotency-Key was used with a different consultation request ({0}); use a new key")]
    KeyOtherRequest(String),
    /// Not recorded or not read: storage is busy or down (503).
    #[error("咨询服务暂不可用 / the consultation service is not available: {0}")]
    Unavailable(String),
}

impl ConsultationAppError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Auth(_) => "unauthorized",
            Self::Rules(e) => e.code(),
            Self::StaffOnly => "staff_only",
            Self::SupervisorOnly => "forbidden",
            Self::ItemNotAtWindow { .. } => "item_not_at_window",
            Self::OtherDepartment { .. } => "consultation_other_department",
            Self::DepartmentRequired { .. } => "department_required",
            Self::BadDate => "bad_date",
            Self::KeyOtherRequest(_) => "idempotency_mismatch",
            Self::Unavailable(_) => "unavailable",
        }
    }
}

impl From<ReadError> for ConsultationAppError {
    fn from(e: ReadError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// The counts of a range of hall days.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultationCounts {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(flatten)]
    pub tally: Tally,
    /// Records that could not be read (logged), not counted.
    pub skipped: usize,
}

fn day(s: &str) -> Result<NaiveDate, ConsultationAppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ConsultationAppError::BadDate)
}

impl App {
    /// Records a consultation at the caller's window. Answers once it is
    /// durable. Errors: [`ConsultationAppError`].
    pub async fn record_consultation(
        &self,
        who: &CaseCaller,
        req: ConsultationRequest,
    ) -> Result<Consultation, ConsultationAppError> {
        let CaseCaller::Staff { window, staff } = who else {
            return Err(ConsultationAppError::StaffOnly);
        };
        let (topic, note) = check(req.item.as_deref(), req.topic.as_deref(), &req.note)?;
        let fingerprint = req.key.as_ref().map(|_| {
            super::request_print::consultation(
                &self.sealer,
                window,
                req.item.as_deref(),
                req.topic.as_deref(),
                req.department.as_deref(),
                &req.note,
            )
        });
        let addr = self
            .dir
            .windows
            .get(window)
            .ok_or_else(|| AuthError::UnknownWindow(window.clone()))?;
        let serving = addr
            .send(GetServing)
            .await
            .map_err(|e| ConsultationAppError::Unavailable(e.to_string()))?;
        let ticket = serving.ticket;
        let depts = self.window_departments(window);
        let cfg = &self.dir.config;
        let department = if let Some(item) = &req.item {
            let served = cfg
                .item(item)
                .filter(|i| self.window_serves_queue(window, &i.queue));
            let Some(i) = served else {
                return Err(ConsultationAppError::ItemNotAtWindow {
                    window: window.clone(),
                    item: item.clone(),
                });
            };
            i.department.clone()
        } else if let Some(d) = &req.department {
            if !depts.contains(d) {
                return Err(ConsultationAppError::OtherDepartment {
                    window: window.clone(),
                    department: d.clone(),
                });
            }
            d.clone()
        } else if let Some(d) = ticket
            .as_ref()
            .and_then(|t| t.item.as_deref())
            .and_then(|i| cfg.item(i))
            .map(|i| i.department.clone())
        {
            d
        } else if let [only] = depts.as_slice() {
            only.clone()
        } else {
            return Err(ConsultationAppError::DepartmentRequired {
                choices: depts.join(", "),
            });
        };
        let c = self
            .dir
            .consultations
            .send(Record {
                window: window.clone(),
                staff: staff.clone(),
                department,
                item: req.item,
                topic,
                ticket: ticket.map(|t| t.id),
                note,
                key: req.key,
                fingerprint,
            })
            .await
            .map_err(|e| ConsultationAppError::Unavailable(e.to_string()))?
            .map_err(|e| match e {
                RecordError::KeyOtherRequest(id) => ConsultationAppError::KeyOtherRequest(id),
                RecordError::Storage(e) => ConsultationAppError::Unavailable(e.to_string()),
            })?;
        Ok(c)
    }

    fn window_serves_queue(&self, window: &str, queue: &str) -> bool {
        self.dir
            .config
            .windows
            .iter()
            .any(|w| w.id == window && w.queues.iter().any(|q| q.queue == queue))
    }

    /// The consultations of hall days `from` to `to` (`YYYY-MM-DD`, both
    /// included) counted by department, window and day, for a supervisor.
    /// Blocking (storage reads): call it in `spawn_blocking`. Errors:
    /// [`ConsultationAppError::SupervisorOnly`], `BadDate`, the range
    /// rule, `Unavailable`.
    pub fn consultation_counts(
        &self,
        who: &CaseCaller,
        reader: &StoreReader,
        from: &str,
        to: &str,
    ) -> Result<ConsultationCounts, ConsultationAppError> {
        if !matches!(who, CaseCaller::Supervisor(_)) {
            return Err(ConsultationAppError::SupervisorOnly);
        }
        let (from, to) = (day(from)?, day(to)?);
        check_range(from, to)?;
        let key = |d: NaiveDate| d.format("%Y%m%d").to_string();
        let read = reader.consultations(&key(from), &key(to))?;
        let items: Vec<Consultation> = read.items.into_iter().map(|s| s.consultation).collect();
        Ok(ConsultationCounts {
            from,
            to,
            tally: tally(&items, from, to),
            skipped: read.skipped,
        })
    }
}
