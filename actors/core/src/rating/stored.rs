//! What the rating actor keeps durably and reads back at start-up: each
//! window's latest prompt (with its record once answered or timed out,
//! which is how 一次一评 holds across a restart) and every follow-up.
//!
//! Ratings travel in the outbox as `Audit` events (no new event variant,
//! so no new outbox schema version, see `crate::events`): `action` is
//! [`RATING_ACTION`] or [`FOLLOW_UP_ACTION`], `target` the ticket, and
//! `detail` the record or follow-up as JSON with `"v":`
//! [`RATING_DETAIL_VERSION`] beside it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::follow_up::FollowUp;
use super::record::{Outcome, Prompt, RatingRecord};

/// `Audit.action` of a stored rating (rated or not rated).
pub const RATING_ACTION: &str = "rating";
/// `Audit.action` of a follow-up opened or changed.
pub const FOLLOW_UP_ACTION: &str = "rating_follow_up";
/// The version of the `detail` shapes above; bump it when a field of
/// `RatingRecord` or `FollowUp` changes its meaning (added optional
/// fields do not need it).
pub const RATING_DETAIL_VERSION: u32 = 1;

/// A window's latest prompt and, once settled, its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowPrompt {
    pub prompt: Prompt,
    #[serde(default)]
    pub record: Option<RatingRecord>,
}

/// Everything the rating actor recovers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingState {
    pub prompts: Vec<WindowPrompt>,
    pub follow_ups: Vec<FollowUp>,
}

/// The "not rated" record of an open prompt whose window finished its next
/// service at `now` before the citizen answered: the evaluator now asks
/// about the next service, so the earlier one can no longer be rated.
/// None when the prompt is settled already.
pub fn superseded(open: &WindowPrompt, now: DateTime<Utc>) -> Option<RatingRecord> {
    if open.record.is_some() {
        return None;
    }
    Some(RatingRecord {
        service: open.prompt.service.clone(),
        prompted_at: open.prompt.at,
        outcome: Outcome::NotRated {
            at: now.max(open.prompt.at),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::ServiceRef;
    use chrono::TimeZone;

    fn prompt() -> WindowPrompt {
        WindowPrompt {
            prompt: Prompt {
                service: ServiceRef {
                    ticket: "20261130-A001".into(),
                    number: "A001".into(),
                    window: "1".into(),
                    staff: Some("S01".into()),
                    case: None,
                },
                at: Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap(),
            },
            record: None,
        }
    }

    #[test]
    fn an_unanswered_prompt_is_not_rated_when_the_next_service_finishes() {
        let p = prompt();
        let now = p.prompt.at + chrono::Duration::seconds(10);
        let r = superseded(&p, now).unwrap();
        assert_eq!(r.grade(), None);
        assert_eq!(r.at(), now);
        assert!(!r.is_bad());
        let settled = WindowPrompt {
            record: Some(r),
            ..p
        };
        assert_eq!(superseded(&settled, now), None);
    }
}
