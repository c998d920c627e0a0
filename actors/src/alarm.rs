//! Alarms (告警): something in the hall needs a person — a printer out of
//! paper, a device gone. One actor keeps the active alarms; every raise and
//! clear is an [`EventBody::Alarm`] committed through the store like any
//! other event, so the dashboard stream shows it in sequence order.
//!
//! Alarms are live state, not records: they are not kept in storage, and
//! after a restart the devices raise again whatever is still wrong.

use std::collections::BTreeMap;

use actix::prelude::*;
use chrono::Utc;

pub use tingwu_core::alarm::{Alarm, AlarmKind, AlarmView, Severity};

use crate::events::EventBody;
use crate::store::{Commit, Store, StoreError};

pub struct AlarmActor {
    store: Store,
    active: BTreeMap<String, AlarmView>,
}

impl AlarmActor {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            active: BTreeMap::new(),
        }
    }

    fn commit(&self, view: AlarmView) -> ResponseFuture<Result<(), StoreError>> {
        let mut commit = Commit::default();
        let id = view.id.clone();
        commit.event(EventBody::Alarm(view));
        let done = self.store.enqueue(commit);
        Box::pin(async move {
            let result = match done {
                Ok(done) => done.await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = &result {
                tracing::error!(alarm = %id, error = %e, "alarm event not committed");
            }
            result
        })
    }
}

impl Actor for AlarmActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
    }
}

/// Raises an alarm (or changes an active one with the same id).
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct Raise(pub Alarm);

impl Handler<Raise> for AlarmActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, Raise(a): Raise, _: &mut Self::Context) -> Self::Result {
        if let Some(old) = self.active.get(&a.id) {
            if old.severity == a.severity
                && old.message_zh == a.message_zh
                && old.message_en == a.message_en
            {
                return Box::pin(async { Ok(()) });
            }
        }
        let view = AlarmView {
            raised_at: self
                .active
                .get(&a.id)
                .map_or_else(Utc::now, |old| old.raised_at),
            id: a.id,
            source: a.source,
            kind: a.kind,
            severity: a.severity,
            message_zh: a.message_zh,
            message_en: a.message_en,
            active: true,
            cleared_at: None,
        };
        tracing::warn!(alarm = %view.id, severity = ?view.severity, message = %view.message_en, "alarm raised");
        metrics::counter!("tingwu_alarms_raised_total", "kind" => view.kind.clone()).increment(1);
        self.active.insert(view.id.clone(), view.clone());
        self.commit(view)
    }
}

/// Clears an alarm by id; clearing one that is not active changes nothing.
#[derive(Message)]
#[rtype(result = "Result<(), StoreError>")]
pub struct Clear(pub String);

impl Handler<Clear> for AlarmActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, Clear(id): Clear, _: &mut Self::Context) -> Self::Result {
        let Some(mut view) = self.active.remove(&id) else {
            return Box::pin(async { Ok(()) });
        };
        tracing::info!(alarm = %view.id, "alarm cleared");
        view.active = false;
        view.cleared_at = Some(Utc::now());
        self.commit(view)
    }
}

/// The active alarms, errors first, then oldest first.
#[derive(Message)]
#[rtype(result = "Vec<AlarmView>")]
pub struct GetAlarms;

impl Handler<GetAlarms> for AlarmActor {
    type Result = MessageResult<GetAlarms>;

    fn handle(&mut self, _: GetAlarms, _: &mut Self::Context) -> Self::Result {
        let mut list: Vec<AlarmView> = self.active.values().cloned().collect();
        list.sort_by_key(|a| (a.severity != Severity::Error, a.raised_at));
        MessageResult(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory_store;

    fn alarm(severity: Severity, message: &str) -> Alarm {
        Alarm {
            id: "printer/P1/x".into(),
            source: "printer/P1".into(),
            kind: "x".into(),
            severity,
            message_zh: message.into(),
            message_en: message.into(),
        }
    }

    #[actix::test]
    async fn raise_is_idempotent_and_clear_commits_once() {
        let store = memory_store(0);
        let mut events = store.subscribe();
        let alarms = AlarmActor::new(store).start();
        alarms
            .send(Raise(alarm(Severity::Warning, "a")))
            .await
            .unwrap()
            .unwrap();
        alarms
            .send(Raise(alarm(Severity::Warning, "a")))
            .await
            .unwrap()
            .unwrap();
        let list = alarms.send(GetAlarms).await.unwrap();
        assert_eq!(list.len(), 1);
        let raised_at = list[0].raised_at;
        // A change keeps the time it was first raised.
        alarms
            .send(Raise(alarm(Severity::Error, "b")))
            .await
            .unwrap()
            .unwrap();
        let list = alarms.send(GetAlarms).await.unwrap();
        assert_eq!(list[0].severity, Severity::Error);
        assert_eq!(list[0].raised_at, raised_at);
        alarms
            .send(Clear("printer/P1/x".into()))
            .await
            .unwrap()
            .unwrap();
        alarms
            .send(Clear("printer/P1/x".into()))
            .await
            .unwrap()
            .unwrap();
        assert!(alarms.send(GetAlarms).await.unwrap().is_empty());
        let mut seen = Vec::new();
        while let Ok(e) = events.try_recv() {
            if let EventBody::Alarm(a) = &e.body {
                seen.push((a.severity, a.active, a.cleared_at.is_some()));
            }
        }
        assert_eq!(
            seen,
            vec![
                (Severity::Warning, true, false),
                (Severity::Error, true, false),
                (Severity::Error, false, true),
            ]
        );
    }

    #[actix::test]
    async fn errors_are_listed_first() {
        let alarms = AlarmActor::new(memory_store(0)).start();
        let mut w = alarm(Severity::Warning, "w");
        w.id = "a/warning".into();
        let mut e = alarm(Severity::Error, "e");
        e.id = "b/error".into();
        alarms.send(Raise(w)).await.unwrap().unwrap();
        alarms.send(Raise(e)).await.unwrap().unwrap();
        let list = alarms.send(GetAlarms).await.unwrap();
        let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, vec!["b/error", "a/warning"]);
    }
}
