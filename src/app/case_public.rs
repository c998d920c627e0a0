//! [`PublicCase`]: what the citizen's query (`/case`) shows of a case — its
//! item, status, dates and each step, in Chinese and English. No staff ids,
//! no applicant data beyond the masked name.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::supervision::CaseSupervision;
use tingwu_actors::core::case::{CaseEventBody, CaseRecord, Status};

/// One step of the case's history.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The event's type (`received`, `accepted`, `suspended`, …).
    pub r#type: &'static str,
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

/// One approval step's progress.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStage {
    pub name: String,
    pub name_en: String,
    /// Its limit in working days.
    pub limit_days: u32,
    pub started_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
}

/// The citizen's view of a case.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCase {
    pub number: String,
    pub item: String,
    pub item_name: String,
    pub item_name_en: String,
    /// The applicant's name, masked (张*三; an organisation's in full).
    pub applicant: String,
    pub status: String,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    /// The limit in working days (promise plus extension).
    pub limit_days: u32,
    /// Working days used so far (stopped time left out).
    pub used_days: Option<u32>,
    /// The deadline (none before acceptance or while the clock stands still).
    pub deadline: Option<NaiveDate>,
    /// Why there is no deadline now, in words for the citizen (zh, en):
    /// the clock starts at acceptance and stands still during a correction
    /// (补正, art. 32) or a suspension (挂起, art. 45).
    pub deadline_note: Option<(&'static str, &'static str)>,
    /// The day of the decision (办结), once made.
    pub completed_on: Option<NaiveDate>,
    /// Materials still owed (容缺), by name.
    pub owed: Vec<String>,
    pub stages: Vec<PublicStage>,
    /// Every step so far, oldest first.
    pub history: Vec<PublicStep>,
}

/// Why a case has no running deadline, as the citizen reads it.
fn deadline_note(status: Status) -> Option<(&'static str, &'static str)> {
    match status {
        Status::Received => Some((
            "受理后开始计算办理时限",
            "the time limit starts when the application is accepted",
        )),
        Status::Correction => Some((
            "补正材料期间办理时限暂停，补正后继续计算",
            "the time limit stands still until the requested corrections arrive",
        )),
        Status::Suspended => Some((
            "听证、检验、鉴定等特别程序期间办理时限暂停",
            "the time limit stands still during the special procedure (hearing, inspection, appraisal …)",
        )),
        _ => None,
    }
}

/// The zh and en words for one event.
pub(super) fn words(body: &CaseEventBody) -> (String, String) {
    use CaseEventBody as B;
    match body {
        B::Received {
            accepted_on: Some(_),
            ..
        } => ("收件并受理".into(), "received and accepted".into()),
        B::Received { .. } => ("收件".into(), "received".into()),
        B::Accepted { .. } => ("受理".into(), "accepted".into()),
        B::CorrectionRequested { notice } => (
            format!(
                "补正告知：{}",
                notice
                    .items
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            "correction requested".into(),
        ),
        B::CorrectionAnswered { .. } => ("已补正".into(), "correction answered".into()),
        B::MaterialsSupplied { provided } => (
            format!("补交材料：{}", provided.join("、")),
            "materials handed in".into(),
        ),
        B::Suspended { .. } => (
            "挂起（特别程序，时间不计入办理时限）".into(),
            "suspended (special procedure; the clock stops)".into(),
        ),
        B::Resumed { stopped_days, .. } => (
            format!("恢复办理（暂停{stopped_days}个工作日）"),
            format!("resumed ({stopped_days} working days stopped)"),
        ),
        B::StepApproved { name, .. } => (format!("{name}通过"), format!("step {name} approved")),
        B::Extended { days, .. } => (
            format!("延期{days}个工作日"),
            format!("extended by {days} working days"),
        ),
        B::Completed { outcome, .. } => match outcome {
            tingwu_actors::core::case::state::Outcome::Approved => {
                ("办结：准予许可".into(), "completed: approved".into())
            }
            tingwu_actors::core::case::state::Outcome::Rejected { .. } => {
                ("办结：不予许可".into(), "completed: rejected".into())
            }
        },
        B::Delivered { .. } => ("已送达".into(), "delivered".into()),
        B::Terminated { .. } => ("终止".into(), "terminated".into()),
        B::PackageReceived { .. } => ("套餐收件".into(), "package received".into()),
        B::PackageCompleted { .. } => ("套餐办结".into(), "package completed".into()),
    }
}

impl PublicCase {
    /// The citizen's view of `record` with its supervision today.
    pub fn of(record: &CaseRecord, sup: Option<&CaseSupervision>, cfg: &HallConfig) -> Self {
        let c = &record.case;
        let item = cfg.item(&c.item);
        Self {
            number: c.number.to_string(),
            item: c.item.clone(),
            item_name: item.map(|i| i.name.clone()).unwrap_or_default(),
            item_name_en: item.map(|i| i.name_en.clone()).unwrap_or_default(),
            applicant: c.applicant.name.clone(),
            status: serde_json::to_value(c.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            status_zh: c.status.zh(),
            status_en: c.status.en(),
            received_on: c.received_on,
            accepted_on: c.accepted_on,
            limit_days: c.limit_days,
            used_days: sup.map(|s| s.used_days),
            deadline: sup.and_then(|s| s.deadline),
            deadline_note: deadline_note(c.status),
            completed_on: c.completed_on,
            owed: c.materials.owed().iter().map(|m| m.name.clone()).collect(),
            stages: c
                .steps
                .iter()
                .map(|s| PublicStage {
                    name: s.name.clone(),
                    name_en: s.name_en.clone(),
                    limit_days: s.limit_days,
                    started_on: s.started_on,
                    done_on: s.done_on,
                })
                .collect(),
            history: record
                .history
                .iter()
                .map(|e| {
                    let (zh, en) = words(&e.body);
                    PublicStep {
                        at: e.at,
                        r#type: e.body.kind(),
                        zh,
                        en,
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_citizen_is_told_why_there_is_no_deadline() {
        let (zh, en) = deadline_note(Status::Correction).expect("correction");
        assert!(zh.contains("补正") && zh.contains("暂停"), "{zh}");
        assert!(en.contains("corrections"), "{en}");
        assert!(deadline_note(Status::Suspended).is_some());
        assert!(deadline_note(Status::Received).is_some());
        for running in [Status::InProgress, Status::Completed, Status::Delivered] {
            assert!(deadline_note(running).is_none(), "{running:?}");
        }
    }
}
