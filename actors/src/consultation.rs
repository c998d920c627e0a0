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
//! (today's keys are recovered); it never counts twice.

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
#[rtype(result = "Result<Consultation, StoreError>")]
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
}

/// The hall's consultation actor.
pub struct ConsultationActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// Records written since start-up (orders those of one millisecond).
    written: u64,
    /// `{window}/{key}` → what that request recorded.
    keys: HashMap<String, Consultation>,
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
            .filter_map(|s| Some((s.key?, s.consultation)))
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
    type Result = ResponseFuture<Result<Consultation, StoreError>>;

    fn handle(&mut self, m: Record, _: &mut Self::Context) -> Self::Result {
        let key = m.key.as_ref().map(|k| format!("{}/{k}", m.window));
        if let Some(done) = key.as_ref().and_then(|k| self.keys.get(k)).cloned() {
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
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        self.written += 1;
        if let Some(k) = key {
            if self.keys.len() >= MAX_KEYS {
                // A new day's keys replace the last day's.
                self.keys.retain(|_, v| v.day == c.day);
            }
            self.keys.insert(k, c.clone());
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
