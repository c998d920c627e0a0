//! The consultation actor (咨询): one per hall. It records the
//! consultations window staff answer — each one durable before it is
//! acknowledged: the record (`keys::consultation`, with the request key),
//! an `EventBody::Consultation` event for the outbox and an audit entry
//! naming who recorded it, in one commit. The rules (what may be recorded,
//! the tallies) are `core::consultation`; who may record one is the
//! application layer's.
//!
//! A request repeated with its key (`Idempotency-Key`, per window) is
//! answered with the consultation it recorded, also after a restart
//! (today's keys are recovered, with the request's fingerprint); it never
//! counts twice. The same key with another request (another fingerprint)
//! is refused ([`RecordError::KeyOtherRequest`]).

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use tracing::info;

use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::calendar::local_date;
use crate::core::consultation::{Consultation, StoredConsultation};
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::store::{Commit, Store, StoreError};

/// Request keys remembered (a day's consultations at a large hall).
const MAX_KEYS: usize = 10_000;

/// Record a consultation checked by the rules (`core::consultation::check`)
/// and placed by the application layer (window, staff, department).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Consultation, RecordError>")]
pub struct Record {
    pub window: String,
    pub staff: String,
    pub department: String,
    pub item: Option<String>,
    pub topic: Option<String>,
    pub ticket: Option<String>,
    pub note: String,
    /// The request's `Idempotency-Key`.
    pub key: Option<String>,
    /// The request's fingerprint (made by the application layer), kept
    /// with the key; none: not compared.
    pub fingerprint: Option<String>,
}

/// Why a consultation was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The request key recorded another request at this window (422
    /// `idempotency_mismatch`); the consultation it recorded is named.
    #[error("请求编号已用于内容不同的咨询登记（{0}），请换用新的请求编号 / the Idempotency-Key was used with a different consultation request ({0}); use a new key")]
    KeyOtherRequest(String),
    /// Not committed: nothing was acknowledged.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// What a request key recorded: the consultation and the request's
/// fingerprint.
type Done = (Consultation, Option<String>);

/// The hall's consultation actor.
pub struct ConsultationActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// Records written since start-up (orders those of one millisecond).
    written: u64,
    /// `{window}/{key}` → what that request recorded, and its fingerprint.
    keys: HashMap<String, Done>,
}

impl ConsultationActor {
    /// `recovered`: today's consultations, for their request keys.
    pub fn new(
        config: Arc<HallConfig>,
        clock: HallClock,
        store: Store,
        recovered: Vec<StoredConsultation>,
    ) -> Self {
        let keys = recovered
            .into_iter()
            .filter_map(|s| Some((s.key?, (s.consultation, s.fingerprint))))
            .collect();
        Self {
            config,
            clock,
            store,
            written: 0,
            keys,
        }
    }
}

impl Actor for ConsultationActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        info!(
            hall = %self.config.hall.id,
            keys = self.keys.len(),
            "consultation actor started"
        );
    }
}

impl Handler<Record> for ConsultationActor {
    type Result = ResponseFuture<Result<Consultation, RecordError>>;

    fn handle(&mut self, m: Record, _: &mut Self::Context) -> Self::Result {
        let key = m.key.as_ref().map(|k| format!("{}/{k}", m.window));
        if let Some((done, print)) = key.as_ref().and_then(|k| self.keys.get(k)).cloned() {
            if matches!((&print, &m.fingerprint), (Some(a), Some(b)) if a != b) {
                return Box::pin(async move { Err(RecordError::KeyOtherRequest(done.id)) });
            }
            // Answered once durable (commits apply in order).
            let barrier = self.store.barrier();
            return Box::pin(async move {
                barrier?.await?;
                Ok(done)
            });
        }
        let at = self.clock.now();
        let day_key = self.clock.day(at);
        let n = self.written;
        let c = Consultation {
            id: format!("{day_key}-{}-{n}", at.timestamp_millis()),
            at,
            day: local_date(at, self.clock.tz),
            window: m.window,
            staff: m.staff,
            department: m.department,
            item: m.item,
            topic: m.topic,
            ticket: m.ticket,
            note: m.note,
        };
        let mut commit = Commit::default();
        commit.put_json(
            keys::consultation(&day_key, at.timestamp_millis(), n),
            &StoredConsultation {
                consultation: c.clone(),
                key: key.clone(),
                fingerprint: key.as_ref().and(m.fingerprint.clone()),
            },
        );
        commit.event(EventBody::Consultation(c.clone()));
        commit.event(EventBody::Audit(AuditEntry {
            who: c.staff.clone(),
            action: "consultation.recorded".into(),
            target: c.window.clone(),
            reason: None,
            detail: serde_json::json!({
                "id": c.id,
                "department": c.department,
                "item": c.item,
                "ticket": c.ticket,
            }),
        }));
        let durable = match self.store.enqueue(commit) {
            Ok(d) => d,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        self.written += 1;
        if let Some(k) = key {
            if self.keys.len() >= MAX_KEYS {
                // A new day's keys replace the last day's.
                self.keys.retain(|_, (v, _)| v.day == c.day);
            }
            self.keys.insert(k, (c.clone(), m.fingerprint));
        }
        metrics::counter!("tingwu_consultations_total", "department" => c.department.clone())
            .increment(1);
        info!(consultation = %c.id, window = %c.window, staff = %c.staff, department = %c.department, "consultation recorded");
        Box::pin(async move {
            durable.await?;
            Ok(c)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory_store;

    fn record(note: &str, print: &str) -> Record {
        Record {
            window: "5".into(),
            staff: "S05".into(),
            department: "amr".into(),
            item: None,
            topic: Some("开办企业".into()),
            ticket: None,
            note: note.into(),
            key: Some("c-1".into()),
            fingerprint: Some(print.into()),
        }
    }

    #[actix::test]
    async fn a_key_answers_its_request_and_refuses_another_also_after_a_restart() {
        let cfg = Arc::new(HallConfig::demo().unwrap());
        let clock = HallClock::of(&cfg);
        let actor = ConsultationActor::new(cfg.clone(), clock, memory_store(0), Vec::new()).start();
        let first = actor.send(record("问材料", "a")).await.unwrap().unwrap();
        let again = actor.send(record("问材料", "a")).await.unwrap().unwrap();
        assert_eq!(again, first);
        let other = actor.send(record("问时限", "b")).await.unwrap();
        let Err(RecordError::KeyOtherRequest(id)) = other else {
            panic!("not refused: {other:?}");
        };
        assert_eq!(id, first.id);
        // Another window's same key is its own.
        let elsewhere = actor
            .send(Record {
                window: "6".into(),
                ..record("问时限", "b")
            })
            .await
            .unwrap()
            .unwrap();
        assert_ne!(elsewhere.id, first.id);
        // After a restart: the stored fingerprint is compared.
        let stored = StoredConsultation {
            consultation: first.clone(),
            key: Some("5/c-1".into()),
            fingerprint: Some("a".into()),
        };
        let back = ConsultationActor::new(cfg, clock, memory_store(10), vec![stored]).start();
        assert!(matches!(
            back.send(record("问时限", "b")).await.unwrap(),
            Err(RecordError::KeyOtherRequest(_))
        ));
        assert_eq!(
            back.send(record("问材料", "a")).await.unwrap().unwrap(),
            first
        );
    }
}
