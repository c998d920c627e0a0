//! The alarm actor's messages: raise, acknowledge, clear, list, escalate.

use actix::prelude::*;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{AlarmActor, AlarmRecord, AlarmView, Change, Escalation};

use crate::store::StoreError;
use tingwu_core::alarm::escalation;
use tingwu_core::alarm::lifecycle::{self, LifecycleError, Raised};
use tingwu_core::alarm::Alarm;
use tingwu_core::config::supervision::EscalationConfig;

type Answer = ResponseFuture<Result<(), StoreError>>;

fn done() -> Answer {
    Box::pin(async { Ok(()) })
}

/// `now`, never before what the occurrence already recorded (a clock that
/// stepped back does not make a step look older than the one before).
fn not_before(now: DateTime<Utc>, record: Option<&AlarmRecord>) -> DateTime<Utc> {
    record.map_or(now, |r| now.max(r.last_time()))
}

/// Raises an alarm. Open already: the same content is only counted, a
/// changed severity or text is committed. An alarm of an unknown kind is
/// logged, counted and dropped.
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct Raise(pub Alarm);

impl Handler<Raise> for AlarmActor {
    type Result = Answer;

    fn handle(&mut self, Raise(a): Raise, _: &mut Self::Context) -> Self::Result {
        self.unconfirmed.remove(&a.id);
        let existing = self.open.get(&a.id);
        let now = not_before(self.clock.now(), existing);
        let raised = match lifecycle::raise(existing, &a, now) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(alarm = %a.id, kind = %a.kind, error = %e, "alarm refused");
                metrics::counter!("tingwu_alarms_refused_total", "reason" => "raise").increment(1);
                return done();
            }
        };
        let change = match &raised {
            Raised::Repeated(r) => {
                self.open.insert(r.id.clone(), r.clone());
                return done();
            }
            Raised::New(r) => {
                tracing::warn!(alarm = %r.id, kind = %r.kind, severity = ?r.severity, message = %r.message_en, "alarm raised");
                metrics::counter!("tingwu_alarms_raised_total", "kind" => r.kind.as_str())
                    .increment(1);
                Change::Raised
            }
            Raised::Changed(r) => {
                tracing::warn!(alarm = %r.id, severity = ?r.severity, message = %r.message_en, "alarm changed");
                Change::Changed
            }
        };
        let record = raised.record().clone();
        self.open.insert(record.id.clone(), record.clone());
        match self.commit(change, &record, now) {
            Ok(f) => Box::pin(f),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

/// Clears an alarm by id; clearing one that is not open changes nothing.
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct Clear(pub String);

impl Handler<Clear> for AlarmActor {
    type Result = Answer;

    fn handle(&mut self, Clear(id): Clear, _: &mut Self::Context) -> Self::Result {
        let Some(open) = self.open.get(&id) else {
            return done();
        };
        let now = not_before(self.clock.now(), Some(open));
        let record = match lifecycle::clear(open, now) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(alarm = %id, error = %e, "alarm clear refused");
                return done();
            }
        };
        tracing::info!(alarm = %id, "alarm cleared");
        self.open.remove(&id);
        match self.commit(Change::Cleared, &record, now) {
            Ok(f) => Box::pin(f),
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

/// Why an acknowledgement was not recorded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AcknowledgeError {
    /// No open alarm has this id (never raised, or cleared).
    #[error("no open alarm {0:?} / 该告警不存在或已消除")]
    NotFound(String),
    /// The lifecycle refused it (acknowledged already, no one named).
    #[error(transparent)]
    Refused(#[from] LifecycleError),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// A supervisor acknowledges an open alarm (确认): answered with the
/// occurrence once the acknowledgement is durable.
#[derive(Message)]
#[rtype(result = "Result<AlarmRecord, AcknowledgeError>")]
pub struct Acknowledge {
    pub id: String,
    /// The supervisor's user id.
    pub by: String,
    pub note: String,
}

impl Handler<Acknowledge> for AlarmActor {
    type Result = ResponseFuture<Result<AlarmRecord, AcknowledgeError>>;

    fn handle(&mut self, m: Acknowledge, _: &mut Self::Context) -> Self::Result {
        let Some(open) = self.open.get(&m.id) else {
            return Box::pin(async move { Err(AcknowledgeError::NotFound(m.id)) });
        };
        let now = not_before(self.clock.now(), Some(open));
        let record = match lifecycle::acknowledge(open, &m.by, &m.note, now) {
            Ok(r) => r,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        tracing::info!(alarm = %record.id, by = %m.by, "alarm acknowledged");
        self.open.insert(record.id.clone(), record.clone());
        let committed = self.commit(Change::Acknowledged, &record, now);
        Box::pin(async move {
            committed?.await?;
            Ok(record)
        })
    }
}

/// The open alarms as the dashboard and the API show them, errors first,
/// then oldest first.
#[derive(Message)]
#[rtype(result = "Vec<AlarmView>")]
pub struct GetAlarms;

impl Handler<GetAlarms> for AlarmActor {
    type Result = MessageResult<GetAlarms>;

    fn handle(&mut self, _: GetAlarms, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.sorted().into_iter().map(AlarmRecord::view).collect())
    }
}

/// The open occurrences with their acknowledgement, count and escalation,
/// in the order of [`GetAlarms`].
#[derive(Message)]
#[rtype(result = "Vec<AlarmRecord>")]
pub struct GetAlarmRecords;

impl Handler<GetAlarmRecords> for AlarmActor {
    type Result = MessageResult<GetAlarmRecords>;

    fn handle(&mut self, _: GetAlarmRecords, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.sorted().into_iter().cloned().collect())
    }
}

/// The alarms due for escalation now (`escalation::due`), each marked as
/// escalated (durably) before the answer, so the caller sends each once per
/// repeat period. The caller sends them to the supervisor on duty.
#[derive(Message)]
#[rtype(result = "Result<Vec<Escalation>, StoreError>")]
pub struct DueEscalations {
    pub config: EscalationConfig,
    pub tz: Tz,
}

impl Handler<DueEscalations> for AlarmActor {
    type Result = ResponseFuture<Result<Vec<Escalation>, StoreError>>;

    fn handle(&mut self, m: DueEscalations, _: &mut Self::Context) -> Self::Result {
        let now = self.clock.now();
        let due = escalation::due(self.open.values(), now, &m.config, m.tz);
        let mut commits = Vec::new();
        for e in &due {
            let Some(open) = self.open.get(&e.alarm) else {
                continue;
            };
            let at = not_before(now, Some(open));
            match escalation::mark_escalated(open, at) {
                Ok(r) => {
                    self.open.insert(r.id.clone(), r.clone());
                    commits.push(self.commit(Change::Escalated, &r, at));
                }
                Err(err) => {
                    tracing::error!(alarm = %e.alarm, error = %err, "escalation not marked")
                }
            }
        }
        Box::pin(async move {
            for c in commits {
                c?.await?;
            }
            Ok(due)
        })
    }
}
