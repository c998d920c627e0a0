//! The follow-up of a bad rating: 回访核实 → 整改 → 反馈 and 申诉复核,
//! each step one [`Act`] applied by the rules of
//! `tingwu_core::rating::follow_up` and committed (`rf/{ticket}` and an
//! `Audit` event) before it is answered.

use actix::prelude::*;

use crate::alarm::Clear;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{audit, RatingActor};
use crate::core::rating::follow_up::{
    decide_appeal, file_appeal, record_callback, record_feedback, record_rectification, Colour,
    FollowUp, FollowUpError, Person, Stage,
};
use crate::core::rating::stored::FOLLOW_UP_ACTION;
use crate::keys;
use crate::store::{Commit, StoreError};

/// One step on a follow-up.
#[derive(Debug, Clone)]
pub enum Act {
    /// 回访核实: who called back and what was found.
    CallBack { by: Person, found: String },
    /// 整改: what was changed.
    Rectify { by: Person, changed: String },
    /// 反馈: what the citizen was told.
    Feedback { by: Person, told: String },
    /// 申诉 (staff).
    Appeal { by: Person, reason: String },
    /// 复核 (supervisor): upheld or not, and why.
    Decide {
        by: Person,
        upheld: bool,
        reason: String,
    },
}

/// Applies `act` to the follow-up of `ticket` at `now`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<FollowUpView, FollowUpActError>")]
pub struct ActOnFollowUp {
    pub ticket: String,
    pub act: Act,
    pub now: DateTime<Utc>,
}

/// Why a follow-up step was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpActError {
    #[error("no follow-up {0:?} / 无此差评整改记录")]
    NotFound(String),
    #[error(transparent)]
    Refused(#[from] FollowUpError),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// A follow-up as the supervisors see it at `now`: the record, where it
/// stands, its colour (red: the awaited step's limit has passed) and the
/// awaited step's last allowed day.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpView {
    /// The follow-up's id: the rated ticket's id.
    pub id: String,
    pub stage: Stage,
    pub colour: Colour,
    pub due: Option<NaiveDate>,
    /// Left out of the statistics by an upheld appeal.
    pub excluded: bool,
    #[serde(flatten)]
    pub follow_up: FollowUp,
}

impl FollowUpView {
    pub fn of(f: &FollowUp, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Self {
        Self {
            id: f.service.ticket.clone(),
            stage: f.stage(),
            colour: f.colour(now, tz),
            due: f.due(),
            excluded: f.excluded(),
            follow_up: f.clone(),
        }
    }
}

/// The follow-ups at `now`, oldest first: the open ones (awaiting a step,
/// or an appeal awaiting its decision), or every one with `all`.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<FollowUpView>")]
pub struct GetFollowUps {
    pub now: DateTime<Utc>,
    pub all: bool,
}

fn is_open(f: &FollowUp) -> bool {
    matches!(f.stage(), Stage::Awaiting(_))
        || f.appeal.as_ref().is_some_and(|a| a.decision.is_none())
}

impl Handler<ActOnFollowUp> for RatingActor {
    type Result = ResponseFuture<Result<FollowUpView, FollowUpActError>>;

    fn handle(&mut self, m: ActOnFollowUp, _: &mut Self::Context) -> Self::Result {
        let Some(f) = self.follow_ups.get(&m.ticket) else {
            return Box::pin(async move { Err(FollowUpActError::NotFound(m.ticket)) });
        };
        let (cal, tz) = (&self.cfg.calendar.days, self.cfg.tz());
        let (who, next) = match &m.act {
            Act::CallBack { by, found } => {
                (by, record_callback(f, by.clone(), found, m.now, cal, tz))
            }
            Act::Rectify { by, changed } => (
                by,
                record_rectification(f, by.clone(), changed, m.now, cal, tz),
            ),
            Act::Feedback { by, told } => (by, record_feedback(f, by.clone(), told, m.now)),
            Act::Appeal { by, reason } => (by, file_appeal(f, by, reason, m.now)),
            Act::Decide { by, upheld, reason } => {
                (by, decide_appeal(f, by, *upheld, reason, m.now))
            }
        };
        let next = match next {
            Ok(n) => n,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        let mut commit = Commit::default();
        commit.put_json(keys::follow_up(&m.ticket), &next);
        commit.event(audit(who.id(), FOLLOW_UP_ACTION, &m.ticket, &next));
        let done = match self.store.enqueue(commit) {
            Ok(d) => d,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        tracing::info!(ticket = %m.ticket, by = %who.id(), stage = ?next.stage(), "rating follow-up step recorded");
        let view = FollowUpView::of(&next, m.now, tz);
        // Closed or excluded: its alarms have done their work.
        let clear = next.settled().then(|| {
            self.overdue.remove(&m.ticket);
            [
                format!("evaluation/{}/bad", m.ticket),
                format!("evaluation/{}/follow_up", m.ticket),
            ]
        });
        self.follow_ups.insert(m.ticket, next);
        let alarms = self.alarms.clone();
        Box::pin(async move {
            done.await?;
            for id in clear.into_iter().flatten() {
                let _ = alarms.try_send(Clear(id));
            }
            Ok(view)
        })
    }
}

impl Handler<GetFollowUps> for RatingActor {
    type Result = Vec<FollowUpView>;

    fn handle(&mut self, m: GetFollowUps, _: &mut Self::Context) -> Self::Result {
        let tz = self.cfg.tz();
        let mut list: Vec<FollowUpView> = self
            .follow_ups
            .values()
            .filter(|f| m.all || is_open(f))
            .map(|f| FollowUpView::of(f, m.now, tz))
            .collect();
        list.sort_by_key(|v| v.follow_up.opened_at);
        list
    }
}
