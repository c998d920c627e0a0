//! Alarms (告警): something in the hall needs a person — a printer out of
//! paper, a device gone, a queue waiting too long. One actor keeps the open
//! alarm occurrences and applies the rules of `tingwu_core::alarm`
//! (de-duplication, raise → acknowledge → clear, escalation).
//!
//! Every step is durable: the open occurrence is kept under
//! `keys::alarm(id)` (deleted when cleared), each step is appended to the
//! history (`keys::alarm_history`, a schema-versioned
//! `tingwu_core::alarm::history::HistoryEntry`), and an
//! [`EventBody::Alarm`] goes out in the same commit, so the dashboard
//! stream shows it in sequence order. Start-up reads the open occurrences
//! back (`Recovered::alarms`): an alarm raised, or acknowledged, before a
//! restart is still there after it. A mere repeat of an open alarm is only
//! counted in memory (written with its next step).
//!
//! Device, threshold and attendance alarms are live conditions: their
//! raisers raise them again while the condition holds, and start with
//! nothing raised. A recovered one that nobody raises again within
//! [`RECONFIRM_WITHIN`] of start-up is cleared (the printer got paper while
//! the server was down); a recovered bad rating or case alarm stays until
//! it is cleared.

mod handlers;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};

pub use handlers::{
    Acknowledge, AcknowledgeError, Clear, DueEscalations, GetAlarmRecords, GetAlarms, Raise,
};
pub use tingwu_core::alarm::escalation::Escalation;
pub use tingwu_core::alarm::history::{Change, HistoryEntry};
pub use tingwu_core::alarm::lifecycle::AlarmRecord;
pub use tingwu_core::alarm::{Alarm, AlarmKind, AlarmView, Severity};

use crate::clock::HallClock;
use crate::events::EventBody;
use crate::keys;
use crate::store::{Commit, Op, Store, StoreError};

/// How long a recovered live-condition alarm waits to be raised again.
pub const RECONFIRM_WITHIN: Duration = Duration::from_secs(120);

pub struct AlarmActor {
    store: Store,
    open: BTreeMap<String, AlarmRecord>,
    /// History entries written since start (orders steps within one ms).
    written: u64,
    /// History keys are never before this millisecond: one past the last
    /// step recovered, so steps after a quick restart sort after it.
    floor_ms: i64,
    /// Recovered live-condition alarms not raised again since start-up.
    unconfirmed: BTreeSet<String>,
    reconfirm_within: Duration,
    /// Where `now` comes from: the hall's clock (system time unless a test
    /// drives it).
    clock: HallClock,
}

impl AlarmActor {
    /// An actor with no open alarms.
    pub fn new(store: Store) -> Self {
        Self::recovered(store, Vec::new())
    }

    /// An actor with the open occurrences storage recovered (cleared ones
    /// are ignored).
    pub fn recovered(store: Store, records: Vec<AlarmRecord>) -> Self {
        let open: BTreeMap<String, AlarmRecord> = records
            .into_iter()
            .filter(AlarmRecord::is_open)
            .map(|r| (r.id.clone(), r))
            .collect();
        let floor_ms = open
            .values()
            .map(|r| r.last_time().timestamp_millis().saturating_add(1))
            .max()
            .unwrap_or(0);
        let unconfirmed = open
            .values()
            .filter(|r| r.kind.is_live_condition())
            .map(|r| r.id.clone())
            .collect();
        Self {
            store,
            open,
            written: 0,
            floor_ms,
            unconfirmed,
            reconfirm_within: RECONFIRM_WITHIN,
            clock: HallClock::system_utc(),
        }
    }

    /// Reads the time from the hall's `clock` (the directory passes it;
    /// tests pass a manual one to drive time).
    pub fn with_clock(mut self, clock: HallClock) -> Self {
        self.clock = clock;
        self
    }

    /// Another wait than [`RECONFIRM_WITHIN`] (tests).
    pub fn reconfirm_within(mut self, wait: Duration) -> Self {
        self.reconfirm_within = wait;
        self
    }

    /// Clears the recovered live-condition alarms nobody raised again.
    fn clear_unconfirmed(&mut self, ctx: &mut Context<Self>) {
        for id in std::mem::take(&mut self.unconfirmed) {
            tracing::info!(alarm = %id, "recovered alarm not raised again since start-up; cleared");
            ctx.notify(Clear(id));
        }
    }

    /// Commits one step of `record` at `at`: the open record (or its
    /// deletion), the history entry and the event. Memory is updated by
    /// the caller before; the answer waits for the disk.
    fn commit(
        &mut self,
        change: Change,
        record: &AlarmRecord,
        at: DateTime<Utc>,
    ) -> Result<impl std::future::Future<Output = Result<(), StoreError>>, StoreError> {
        let mut commit = Commit::default();
        if record.is_open() {
            commit.put_json(keys::alarm(&record.id), record);
        } else {
            commit.ops.push(Op::Delete(keys::alarm(&record.id)));
        }
        let entry = HistoryEntry {
            change,
            at,
            record: record.clone(),
        };
        match entry.encode() {
            Ok(bytes) => {
                self.written += 1;
                let key = keys::alarm_history(
                    at.timestamp_millis().max(self.floor_ms),
                    self.written,
                    &record.id,
                    change_name(change),
                );
                commit.put(key, bytes);
            }
            Err(e) => {
                tracing::error!(alarm = %record.id, error = %e, "alarm history entry not encoded")
            }
        }
        commit.event(EventBody::Alarm(record.view()));
        let id = record.id.clone();
        let done = self.store.enqueue(commit)?;
        Ok(async move {
            let result = done.await.map(|_| ());
            if let Err(e) = &result {
                tracing::error!(alarm = %id, error = %e, "alarm step not committed");
            }
            result
        })
    }

    /// The open occurrences, errors first, then oldest first.
    fn sorted(&self) -> Vec<&AlarmRecord> {
        let mut list: Vec<&AlarmRecord> = self.open.values().collect();
        list.sort_by_key(|a| (a.severity != Severity::Error, a.raised_at));
        list
    }
}

fn change_name(c: Change) -> &'static str {
    match c {
        Change::Raised => "raised",
        Change::Changed => "changed",
        Change::Acknowledged => "acknowledged",
        Change::Escalated => "escalated",
        Change::Cleared => "cleared",
    }
}

impl Actor for AlarmActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        if !self.unconfirmed.is_empty() {
            ctx.run_later(self.reconfirm_within, |act, ctx| act.clear_unconfirmed(ctx));
        }
    }
}
