//! What supervision reads of a queue: how many wait, since when the one
//! waiting longest, and the usual service time (the estimate).

use actix::prelude::*;
use chrono::{DateTime, Utc};

use super::QueueActor;
use crate::views::QueueView;

/// The queue's load now.
#[derive(Message)]
#[rtype(result = "QueueLoad")]
pub struct GetLoad;

/// A queue as supervision reads it.
#[derive(Debug, Clone)]
pub struct QueueLoad {
    pub view: QueueView,
    /// When the ticket waiting longest was issued (none: nobody waits).
    pub oldest_since: Option<DateTime<Utc>>,
    /// The usual service time of its tickets in seconds (the running
    /// estimate, `core::estimate::ServiceTime`).
    pub usual_service_s: u32,
}

impl Handler<GetLoad> for QueueActor {
    type Result = MessageResult<GetLoad>;

    fn handle(&mut self, _: GetLoad, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        let mean = self.service.mean_s();
        MessageResult(QueueLoad {
            view: self.view(),
            oldest_since: self.line.iter().map(|t| t.issued_at).min(),
            usual_service_s: if mean.is_finite() && mean > 0.0 {
                mean.round().min(f64::from(u32::MAX)) as u32
            } else {
                0
            },
        })
    }
}
