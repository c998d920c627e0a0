//! 申诉复核: a staff member appeals a mistaken or malicious rating; a
//! supervisor decides. An upheld appeal removes the rating from the
//! statistics with its reason kept; a rejected one changes nothing else.
//! One appeal per rating, decided once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FollowUp, FollowUpError, Person};

/// The appeal and, once made, its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    /// The staff member who filed it.
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub reason: String,
    #[serde(default)]
    pub decision: Option<AppealDecision>,
}

/// The supervisor's decision (复核结论).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealDecision {
    pub by: String,
    pub at: DateTime<Utc>,
    /// True: the appeal is upheld and the rating leaves the statistics.
    pub upheld: bool,
    pub reason: String,
}

/// Files an appeal (staff only, once).
pub fn file_appeal(
    f: &FollowUp,
    by: &Person,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<FollowUp, FollowUpError> {
    let Person::Staff(staff) = by else {
        return Err(FollowUpError::NotStaff);
    };
    if f.appeal.is_some() {
        return Err(FollowUpError::AppealExists);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FollowUpError::EmptyReason);
    }
    f.not_before(now)?;
    let mut next = f.clone();
    next.appeal = Some(Appeal {
        filed_by: staff.clone(),
        filed_at: now,
        reason: reason.to_string(),
        decision: None,
    });
    Ok(next)
}

/// Decides the filed appeal (a supervisor, once).
pub fn decide_appeal(
    f: &FollowUp,
    by: &Person,
    upheld: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<FollowUp, FollowUpError> {
    let Person::Supervisor(user) = by else {
        return Err(FollowUpError::NotSupervisor);
    };
    let Some(appeal) = &f.appeal else {
        return Err(FollowUpError::NoAppeal);
    };
    if appeal.decision.is_some() {
        return Err(FollowUpError::AppealDecided);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FollowUpError::EmptyReason);
    }
    f.not_before(now)?;
    let mut next = f.clone();
    if let Some(a) = next.appeal.as_mut() {
        a.decision = Some(AppealDecision {
            by: user.clone(),
            at: now,
            upheld,
            reason: reason.to_string(),
        });
    }
    Ok(next)
}
