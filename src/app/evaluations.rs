//! Evaluations (好差评): a citizen's grade of a finished ticket, from an
//! evaluator, committed as a record (`v/{day}/{ticket}`) with an `Audit`
//! event (`action: "evaluation"`) before anyone is told; a bad grade
//! raises an alarm for the supervisors at once.

use tingwu_actors::alarm::Raise;
use tingwu_actors::bus::{self, Evaluation};
use tingwu_actors::core::ticket::parse_ticket_id;
use tingwu_actors::events::{AuditEntry, EventBody};
use tingwu_actors::keys;
use tingwu_actors::store::{Commit, StoreError};
use tingwu_protocols::modbus_profile::Grade;

use super::App;

/// Why an evaluation was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The rated ticket's id is not a ticket id (nothing to record).
    #[error("{0:?} is not a ticket id")]
    NotATicket(String),
    /// The commit failed (busy or storage down); the rating may be read
    /// again and retried.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// A grade given on an evaluator for a finished ticket.
#[derive(Debug, Clone)]
pub struct Rating {
    /// The ticket's id and number.
    pub ticket: String,
    pub number: String,
    /// The window that served it.
    pub window: String,
    pub grade: Grade,
    /// The evaluator's device id.
    pub device: String,
    /// Who records it, for the audit log (e.g. `bus/{bus}/{device}`).
    pub who: String,
}

impl App {
    /// Records a rating durably and answers the stored evaluation; a bad
    /// one also raises `evaluation/{ticket}/bad`.
    pub async fn record_evaluation(&self, r: Rating) -> Result<Evaluation, EvaluationError> {
        let Some((day, _, _)) = parse_ticket_id(&r.ticket) else {
            return Err(EvaluationError::NotATicket(r.ticket));
        };
        let e = Evaluation {
            ticket: r.ticket.clone(),
            number: r.number,
            window: r.window,
            score: r.grade.code(),
            label: r.grade.label().to_string(),
            device: r.device,
            at: chrono::Utc::now(),
        };
        let mut commit = Commit::default();
        commit.put_json(keys::evaluation(day, &r.ticket), &e);
        commit.event(EventBody::Audit(AuditEntry {
            who: r.who,
            action: "evaluation".into(),
            target: r.ticket.clone(),
            reason: None,
            detail: serde_json::to_value(&e).unwrap_or_default(),
        }));
        self.dir.store.commit(commit).await?;
        metrics::counter!("tingwu_evaluations_total", "score" => e.score.to_string()).increment(1);
        tracing::info!(ticket = %e.ticket, window = %e.window, score = e.score, "evaluation stored");
        if bus::is_bad(r.grade) {
            let _ = self.dir.alarms.send(Raise(bus::bad_rating_alarm(&e))).await;
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_actors::alarm::GetAlarms;

    fn rating(ticket: &str, grade: Grade) -> Rating {
        Rating {
            ticket: ticket.into(),
            number: "A001".into(),
            window: "1".into(),
            grade,
            device: "eval-1".into(),
            who: "bus/b1/eval-1".into(),
        }
    }

    #[actix::test]
    async fn a_rating_is_committed_with_an_audit_event_and_a_bad_one_alarms() {
        let (app, _keys) = demo_app();
        let mut events = app.directory().store.subscribe();
        let ticket = app.directory().clock.day(app.directory().clock.now()) + "-A001";
        let Some((_, _, _)) = parse_ticket_id(&ticket) else {
            panic!("test ticket id {ticket:?} does not parse");
        };
        let e = app
            .record_evaluation(rating(&ticket, Grade::VeryDissatisfied))
            .await
            .unwrap();
        assert_eq!(e.score, Grade::VeryDissatisfied.code());
        let committed = events.recv().await.unwrap();
        assert!(
            matches!(&committed.body, EventBody::Audit(a) if a.action == "evaluation" && a.target == ticket)
        );
        let alarms = app.directory().alarms.send(GetAlarms).await.unwrap();
        assert!(format!("{alarms:?}").contains(&format!("evaluation/{ticket}/bad")));
        let e = app
            .record_evaluation(rating("garbage", Grade::VerySatisfied))
            .await
            .unwrap_err();
        assert!(matches!(e, EvaluationError::NotATicket(_)));
    }
}
