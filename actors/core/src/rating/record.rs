//! One rating per service (一次一评): the prompt when a service finishes,
//! the citizen's answer or "not rated" when the prompt times out, and the
//! refusals. Rating is voluntary: silence is recorded as
//! [`Outcome::NotRated`], never as a good grade; staff cannot rate for the
//! citizen (a staff credential is refused).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::grade::{check_reasons, Indicators, RatingGrade, ReasonError};
use crate::alarm::{Alarm, AlarmKind};
use crate::config::supervision::RatingConfig;

/// The service rated: the ticket (its id is the service's id), the window,
/// the staff member who served, and the case once cases exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRef {
    pub ticket: String,
    /// The ticket's number (A001), for messages.
    pub number: String,
    pub window: String,
    #[serde(default)]
    pub staff: Option<String>,
    #[serde(default)]
    pub case: Option<String>,
}

/// The evaluator was prompted for this service at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub service: ServiceRef,
    pub at: DateTime<Utc>,
}

/// Where a rating came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An MQTT evaluator (评价器).
    Mqtt,
    /// An RS-485 evaluator.
    Rs485,
    /// The tablet page `/evaluate/{window}`.
    Tablet,
}

/// Whose credential sent the rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "id")]
pub enum Rater {
    /// The citizen on an evaluator device (its id).
    Device(String),
    /// A staff member's credential: refused, staff do not rate for the
    /// citizen.
    Staff(String),
}

/// A rating as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// 整体满意度.
    pub grade: RatingGrade,
    pub indicators: Indicators,
    pub reasons: Vec<String>,
    pub rater: Rater,
    pub channel: Channel,
}

/// What became of a prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Rated {
        grade: RatingGrade,
        #[serde(default)]
        indicators: Indicators,
        #[serde(default)]
        reasons: Vec<String>,
        channel: Channel,
        /// The evaluator device.
        device: String,
        at: DateTime<Utc>,
    },
    /// 未评价: nobody answered within the timeout.
    NotRated { at: DateTime<Utc> },
}

/// The one record of a service's rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub service: ServiceRef,
    pub prompted_at: DateTime<Utc>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Why a rating was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingRefusal {
    /// 一次一评: this service has its rating already.
    #[error("ticket {ticket} has been rated already / 该次服务已评价（一次一评）")]
    AlreadyRated { ticket: String },
    /// The prompt timed out (recorded, or due to be, as not rated).
    #[error("the rating prompt for ticket {ticket} timed out / 评价已超时，记为未评价")]
    TimedOut { ticket: String },
    /// Sent with a staff credential.
    #[error("staff cannot rate for the citizen / 工作人员不能代替群众评价")]
    Staff,
    /// The record belongs to another service.
    #[error("record of ticket {record} is not ticket {prompt}")]
    OtherService { record: String, prompt: String },
    /// Before the prompt.
    #[error("rating at {at} is before the prompt at {prompt}")]
    BeforePrompt {
        at: DateTime<Utc>,
        prompt: DateTime<Utc>,
    },
    #[error(transparent)]
    Reasons(#[from] ReasonError),
}

fn timeout(cfg: &RatingConfig) -> Duration {
    Duration::seconds(i64::from(cfg.prompt_timeout_s))
}

fn same_service(prompt: &Prompt, existing: Option<&RatingRecord>) -> Result<(), RatingRefusal> {
    match existing {
        Some(r) if r.service.ticket != prompt.service.ticket => Err(RatingRefusal::OtherService {
            record: r.service.ticket.clone(),
            prompt: prompt.service.ticket.clone(),
        }),
        Some(r) => Err(match r.outcome {
            Outcome::Rated { .. } => RatingRefusal::AlreadyRated {
                ticket: r.service.ticket.clone(),
            },
            Outcome::NotRated { .. } => RatingRefusal::TimedOut {
                ticket: r.service.ticket.clone(),
            },
        }),
        None => Ok(()),
    }
}

/// Records the citizen's rating of `prompt`'s service at `now`, given the
/// record already kept for it (`existing`). Refused: a second rating
/// (一次一评), after the timeout, from a staff credential, with bad reasons.
pub fn rate(
    prompt: &Prompt,
    existing: Option<&RatingRecord>,
    submission: Submission,
    now: DateTime<Utc>,
    cfg: &RatingConfig,
) -> Result<RatingRecord, RatingRefusal> {
    same_service(prompt, existing)?;
    let device = match submission.rater {
        Rater::Device(d) => d,
        Rater::Staff(_) => return Err(RatingRefusal::Staff),
    };
    if now < prompt.at {
        return Err(RatingRefusal::BeforePrompt {
            at: now,
            prompt: prompt.at,
        });
    }
    if now - prompt.at > timeout(cfg) {
        return Err(RatingRefusal::TimedOut {
            ticket: prompt.service.ticket.clone(),
        });
    }
    let reasons = check_reasons(&submission.reasons)?;
    Ok(RatingRecord {
        service: prompt.service.clone(),
        prompted_at: prompt.at,
        outcome: Outcome::Rated {
            grade: submission.grade,
            indicators: submission.indicators,
            reasons,
            channel: submission.channel,
            device,
            at: now,
        },
    })
}

/// The "not rated" record once the prompt has timed out at `now` and
/// nothing was recorded; none before the timeout or when a record exists.
pub fn time_out(
    prompt: &Prompt,
    existing: Option<&RatingRecord>,
    now: DateTime<Utc>,
    cfg: &RatingConfig,
) -> Option<RatingRecord> {
    let due = prompt.at + timeout(cfg);
    (existing.is_none() && now > due).then(|| RatingRecord {
        service: prompt.service.clone(),
        prompted_at: prompt.at,
        outcome: Outcome::NotRated { at: due },
    })
}

impl RatingRecord {
    /// The grade, if rated.
    pub fn grade(&self) -> Option<RatingGrade> {
        match self.outcome {
            Outcome::Rated { grade, .. } => Some(grade),
            Outcome::NotRated { .. } => None,
        }
    }

    /// When it was rated or timed out.
    pub fn at(&self) -> DateTime<Utc> {
        match self.outcome {
            Outcome::Rated { at, .. } | Outcome::NotRated { at } => at,
        }
    }

    /// 差评: rated 不满意 or worse. Not rated is never bad nor good.
    pub fn is_bad(&self) -> bool {
        self.grade().is_some_and(RatingGrade::is_bad)
    }

    /// The alarm of a bad rating (`evaluation/{ticket}/bad`, as the RS-485
    /// path raises it); none for any other.
    pub fn bad_rating_alarm(&self) -> Option<Alarm> {
        let grade = self.grade().filter(|g| g.is_bad())?;
        let s = &self.service;
        Some(AlarmKind::BadRating.alarm(
            format!("evaluation/{}/bad", s.ticket),
            format!("window/{}", s.window),
            format!(
                "差评：{}号窗口 {} 号票 评价为「{}」",
                s.window,
                s.number,
                grade.label_zh()
            ),
            format!(
                "Bad rating at window {}: ticket {} rated {} ({}★)",
                s.window,
                s.number,
                grade.label_en(),
                grade.stars()
            ),
        ))
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;
