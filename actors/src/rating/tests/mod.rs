//! The rating actor over the in-memory store, with time injected through
//! the messages' `now` (no sleeping): prompts and answers (`prompts.rs`),
//! the follow-up across working days (`follow_ups.rs`).

mod cases;
mod follow_ups;
mod prompts;

use std::collections::HashMap;
use std::sync::Arc;

pub(super) use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::core::rating::record::Channel;
pub(super) use crate::core::rating::{Indicators, Rater, RatingGrade, RatingRefusal, Submission};
use crate::store::memory_store;

/// 2026-12-01 10:00 in the hall (a Tuesday, a working day).
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

pub(super) fn start() -> (Addr<RatingActor>, Addr<AlarmActor>, Store) {
    let cfg = Arc::new(HallConfig::demo().expect("the demo hall parses"));
    let store = memory_store(0);
    let alarms = AlarmActor::new(store.clone()).start();
    let staff = HashMap::from([("1".to_string(), "S01".to_string())]);
    let actor = RatingActor::new(
        cfg.clone(),
        HallClock::of(&cfg),
        store.clone(),
        alarms.clone(),
        RatingState::default(),
        staff,
    )
    .without_sweep()
    .start();
    (actor, alarms, store)
}

pub(super) fn finished(ticket: &str, at: DateTime<Utc>) -> ServiceFinished {
    ServiceFinished {
        ticket: ticket.into(),
        number: ticket.rsplit('-').next().unwrap_or("A001").into(),
        window: "1".into(),
        at,
    }
}

pub(super) fn answer(grade: RatingGrade, rater: Rater, now: DateTime<Utc>) -> Rate {
    Rate {
        window: "1".into(),
        submission: Submission {
            grade,
            indicators: Indicators::default(),
            reasons: vec!["等候时间长".into()],
            rater,
            channel: Channel::Tablet,
        },
        now,
    }
}

pub(super) fn device() -> Rater {
    Rater::Device("EV1".into())
}
