//! The follow-up of a bad rating (差评整改): 回访核实 (who called the
//! citizen back, when, what was found) → 整改 (what was changed) → 反馈
//! (what the citizen was told), each within its limit in working days
//! (`[supervision.rating]`, counted with the hall's
//! [`Calendar`] from the day the previous step
//! was done; provinces use 5 to 15). A step whose limit has passed is
//! overdue and the follow-up shows [`Colour::Red`].
//!
//! A mistaken or malicious rating may be appealed (申诉复核): a staff
//! member files it, a supervisor decides; an upheld appeal removes the
//! rating from the statistics, its reason kept ([`FollowUp::excluded`]).
//!
//! Every transition is a pure function returning the next follow-up or a
//! typed [`FollowUpError`]; nothing goes back: a step done is never undone,
//! a decision never changed.

mod appeal;
mod error;
mod steps;

pub use appeal::{decide_appeal, file_appeal, Appeal, AppealDecision};
pub use error::FollowUpError;
pub use steps::{record_callback, record_feedback, record_rectification};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::grade::RatingGrade;
use super::record::{RatingRecord, ServiceRef};
use crate::alarm::{Alarm, AlarmKind};
use crate::calendar::{local_date, Calendar};
use crate::config::supervision::RatingConfig;

/// Who acts on a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "id")]
pub enum Person {
    /// 窗口人员, by staff id.
    Staff(String),
    /// 中心管理员, by user.
    Supervisor(String),
}

impl Person {
    pub fn id(&self) -> &str {
        match self {
            Person::Staff(id) | Person::Supervisor(id) => id,
        }
    }
}

/// The three steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 回访核实
    CallBack,
    /// 整改
    Rectify,
    /// 反馈
    Feedback,
}

impl Step {
    pub fn label_zh(self) -> &'static str {
        match self {
            Step::CallBack => "回访核实",
            Step::Rectify => "整改",
            Step::Feedback => "反馈",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Step::CallBack => "call back",
            Step::Rectify => "rectification",
            Step::Feedback => "feedback",
        }
    }
}

/// One step done: by whom, when, and what (what was found, what was
/// changed, what the citizen was told).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    pub by: Person,
    pub at: DateTime<Utc>,
    pub text: String,
    /// The step's last allowed day (hall date).
    pub due: NaiveDate,
}

impl StepDone {
    /// Done after its last allowed day.
    pub fn late(&self, tz: Tz) -> bool {
        local_date(self.at, tz) > self.due
    }
}

/// Working-day limits, copied from the config when the follow-up opens
/// (a later config change does not move its deadlines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub callback_days: u32,
    pub rectify_days: u32,
    pub feedback_days: u32,
}

/// Where a follow-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The next step is this one.
    Awaiting(Step),
    /// Fed back: done.
    Closed,
    /// An appeal was upheld: the rating is out of the statistics.
    Excluded,
}

/// The colour the dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Within its limits, or finished.
    Green,
    /// The awaited step's limit has passed (逾期).
    Red,
}

/// A bad rating's follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    pub service: ServiceRef,
    pub grade: RatingGrade,
    /// When the bad rating was given.
    pub opened_at: DateTime<Utc>,
    pub limits: Limits,
    /// The call back's last allowed day (hall date).
    pub callback_due: NaiveDate,
    #[serde(default)]
    pub callback: Option<StepDone>,
    /// The rectification's last allowed day, set when the call back is
    /// done.
    #[serde(default)]
    pub rectify_due: Option<NaiveDate>,
    #[serde(default)]
    pub rectification: Option<StepDone>,
    /// The feedback's last allowed day, set when the rectification is done.
    #[serde(default)]
    pub feedback_due: Option<NaiveDate>,
    #[serde(default)]
    pub feedback: Option<StepDone>,
    #[serde(default)]
    pub appeal: Option<Appeal>,
}

/// The follow-up a rating opens: one for a bad rating, its call back due
/// `callback_days` working days after the rating's hall date.
pub fn open(
    rating: &RatingRecord,
    cfg: &RatingConfig,
    calendar: &Calendar,
    tz: Tz,
) -> Result<FollowUp, FollowUpError> {
    let grade = rating
        .grade()
        .filter(|g| g.is_bad())
        .ok_or(FollowUpError::NotBad)?;
    let at = rating.at();
    let limits = Limits {
        callback_days: cfg.callback_days,
        rectify_days: cfg.rectify_days,
        feedback_days: cfg.feedback_days,
    };
    Ok(FollowUp {
        service: rating.service.clone(),
        grade,
        opened_at: at,
        limits,
        callback_due: calendar.add_working_days(local_date(at, tz), limits.callback_days)?,
        callback: None,
        rectify_due: None,
        rectification: None,
        feedback_due: None,
        feedback: None,
        appeal: None,
    })
}

impl FollowUp {
    /// An upheld appeal took the rating out of the statistics.
    pub fn excluded(&self) -> bool {
        self.appeal
            .as_ref()
            .and_then(|a| a.decision.as_ref())
            .is_some_and(|d| d.upheld)
    }

    /// Whether the bad rating's alarm (`evaluation/{ticket}/bad`) and any
    /// overdue alarm have done their work: the follow-up is closed (fed
    /// back) or an upheld appeal took the rating out. Until then the alarm
    /// stays, acknowledged or not.
    pub fn settled(&self) -> bool {
        matches!(self.stage(), Stage::Closed | Stage::Excluded)
    }

    pub fn stage(&self) -> Stage {
        if self.excluded() {
            Stage::Excluded
        } else if self.feedback.is_some() {
            Stage::Closed
        } else if self.rectification.is_some() {
            Stage::Awaiting(Step::Feedback)
        } else if self.callback.is_some() {
            Stage::Awaiting(Step::Rectify)
        } else {
            Stage::Awaiting(Step::CallBack)
        }
    }

    /// The awaited step's last allowed day; none when nothing is awaited.
    pub fn due(&self) -> Option<NaiveDate> {
        match self.stage() {
            Stage::Awaiting(Step::CallBack) => Some(self.callback_due),
            Stage::Awaiting(Step::Rectify) => self.rectify_due,
            Stage::Awaiting(Step::Feedback) => self.feedback_due,
            Stage::Closed | Stage::Excluded => None,
        }
    }

    /// Red once the awaited step's last allowed day is over at `now`.
    pub fn colour(&self, now: DateTime<Utc>, tz: Tz) -> Colour {
        match self.due() {
            Some(due) if local_date(now, tz) > due => Colour::Red,
            _ => Colour::Green,
        }
    }

    /// Overdue now, or a step was done after its limit: counts as an
    /// overdue follow-up in the monthly tallies.
    pub fn ever_overdue(&self, now: DateTime<Utc>, tz: Tz) -> bool {
        self.colour(now, tz) == Colour::Red
            || [&self.callback, &self.rectification, &self.feedback]
                .into_iter()
                .flatten()
                .any(|s| s.late(tz))
    }

    /// The latest time recorded on it.
    pub fn last_time(&self) -> DateTime<Utc> {
        let appeal = self.appeal.as_ref();
        [
            Some(self.opened_at),
            self.callback.as_ref().map(|s| s.at),
            self.rectification.as_ref().map(|s| s.at),
            self.feedback.as_ref().map(|s| s.at),
            appeal.map(|a| a.filed_at),
            appeal.and_then(|a| a.decision.as_ref()).map(|d| d.at),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.opened_at)
    }

    pub(super) fn not_before(&self, now: DateTime<Utc>) -> Result<(), FollowUpError> {
        let last = self.last_time();
        if now < last {
            return Err(FollowUpError::ClockBehind { now, last });
        }
        Ok(())
    }

    /// The `follow_up_overdue` alarm while it is red.
    pub fn overdue_alarm(&self, now: DateTime<Utc>, tz: Tz) -> Option<Alarm> {
        if self.colour(now, tz) != Colour::Red {
            return None;
        }
        let Stage::Awaiting(step) = self.stage() else {
            return None;
        };
        let s = &self.service;
        let due = self.due()?;
        Some(AlarmKind::FollowUpOverdue.alarm(
            format!("evaluation/{}/follow_up", s.ticket),
            format!("window/{}", s.window),
            format!(
                "差评整改逾期：{}号窗口 {} 号票 「{}」应于 {due} 前完成",
                s.window,
                s.number,
                step.label_zh()
            ),
            format!(
                "Bad-rating follow-up overdue: window {}, ticket {}, {} was due by {due}",
                s.window,
                s.number,
                step.label_en()
            ),
        ))
    }
}

#[cfg(test)]
mod tests;
