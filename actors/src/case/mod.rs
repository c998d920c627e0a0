//! The case actor (办件): one per hall. It owns the hall's open cases (and
//! those closed recently), takes new ones in from the windows, applies every
//! transition through the pure rules (`core::case::transition`) and commits
//! each one durably — the record (`keys::case`), the open-case index by
//! deadline (`keys::open_case`), the case event (`EventBody::Case`) and an
//! audit entry naming who acted (`EventBody::Audit`, hash-chained by the
//! storage writer) — BEFORE it answers.
//!
//! Personal data arrives validated and sealed from the application layer:
//! the case keeps the applicant masked, the record keeps it sealed
//! (`core::case::record`). Nothing here logs an applicant.
//!
//! The messages are in `intake.rs` ([`TakeIn`]), `act.rs` ([`Act`]) and
//! `query.rs` ([`GetCase`], [`ListCases`]); packages (套餐: a package
//! record and one case per department part, [`GetPackage`]) in
//! `package.rs`; a ticket leads to one case per item
//! (`core::case::ticket`). E-supervision (电子监察) — the
//! yellow and red alarms on a timer and after each transition — in
//! `watch.rs` ([`Sweep`], [`CaseActor::with_alarms`]).

mod act;
mod intake;
mod package;
#[cfg(test)]
mod package_tests;
mod query;
#[cfg(test)]
mod tests;
mod watch;
#[cfg(test)]
mod watch_tests;

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use tracing::info;

use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::case::number::NumberError;
use crate::core::case::{CaseEvent, CaseRecord, Now, PackageRecord, Refusal, TicketCases};
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::store::{Commit, Store, StoreError};

pub use act::Act;
pub use intake::{CaseOrPackage, TakeIn};
pub use package::{GetPackage, PackageView};
pub use query::{CaseListing, GetCase, ListCases};
pub use watch::{ColourCounts, Sweep, WATCH_EVERY};

/// Why a case message was not done. The case is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Refused by the rules (the typed refusal, zh/en).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// No case with that number in the hall.
    #[error("办件不存在 / no case {0}")]
    NotFound(String),
    /// Staff of another department than the case's.
    #[error("办件属于{case}部门，不能由{staff}部门办理 / the case belongs to department {case}, not {staff}")]
    OtherDepartment { case: String, staff: String },
    /// The item does not exist.
    #[error("事项不存在 / no item {0:?}")]
    UnknownItem(String),
    /// The day's case numbers ran out (999,999) or the hall id is not one.
    #[error(transparent)]
    Number(#[from] NumberError),
    /// The request key was used for another case (or another kind of
    /// request): refused rather than answered with something else.
    #[error("请求编号已用于办件{0} / the Idempotency-Key was used for case {0}")]
    KeyReused(String),
    /// The request key was used for an intake with another request
    /// (another applicant, item, materials or options): refused rather
    /// than answered with the case the first request made.
    #[error("请求编号已用于内容不同的收件请求（办件{0}），请换用新的请求编号 / the Idempotency-Key was used with a different request (case {0}); use a new key")]
    KeyOtherRequest(String),
    /// Not committed: nothing was acknowledged.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl CaseError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            CaseError::Refused(r) => r.code(),
            CaseError::NotFound(_) => "case_not_found",
            CaseError::OtherDepartment { .. } => "case_other_department",
            CaseError::UnknownItem(_) => "unknown_item",
            CaseError::Number(_) => "case_number_exhausted",
            CaseError::KeyReused(_) | CaseError::KeyOtherRequest(_) => "idempotency_mismatch",
            CaseError::Storage(StoreError::Busy) => "busy",
            CaseError::Storage(_) => "unavailable",
        }
    }
}

/// The hall's case actor.
pub struct CaseActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// Every case it owns, by number.
    cases: HashMap<String, CaseRecord>,
    /// The open-case index key each open case is stored under now.
    indexed: HashMap<String, Vec<u8>>,
    /// The last sequence number used per intake day.
    last_seq: HashMap<NaiveDate, u32>,
    /// Request keys (`Idempotency-Key`) that took effect, and their case.
    request_keys: HashMap<String, String>,
    /// Packages (套餐) by number: what their parts share (the parts are in
    /// `cases`).
    packages: HashMap<String, PackageRecord>,
    /// The cases each ticket led to (one per ticket and item).
    tickets: TicketCases,
    /// A test's own clock; none: the hall's clock.
    now: Option<fn() -> DateTime<Utc>>,
    /// E-supervision: the alarms raised and the colours (`watch.rs`).
    watch: watch::Watch,
}

impl CaseActor {
    /// `recovered`: the case records storage read back at start-up.
    pub fn new(config: Arc<HallConfig>, store: Store, recovered: Vec<CaseRecord>) -> Self {
        let clock = HallClock::of(&config);
        let mut actor = Self {
            config,
            clock,
            store,
            cases: HashMap::new(),
            indexed: HashMap::new(),
            last_seq: HashMap::new(),
            request_keys: HashMap::new(),
            packages: HashMap::new(),
            tickets: TicketCases::default(),
            now: None,
            watch: watch::Watch::default(),
        };
        for r in recovered {
            let n = &r.case.number;
            let seq = actor.last_seq.entry(n.date).or_default();
            *seq = (*seq).max(n.seq);
            if let Some(key) = actor.index_key(&r) {
                actor.indexed.insert(n.to_string(), key);
            }
            for k in &r.keys {
                actor.request_keys.insert(k.clone(), n.to_string());
            }
            if let Some(t) = &r.ticket {
                actor.tickets.record(t, &r.case.item, n);
            }
            actor.cases.insert(n.to_string(), r);
        }
        actor
    }

    /// The packages storage read back at start-up (their parts come with
    /// the cases).
    pub fn with_packages(mut self, recovered: Vec<PackageRecord>) -> Self {
        for p in recovered {
            let n = p.number.to_string();
            for k in &p.keys {
                self.request_keys.insert(k.clone(), n.clone());
            }
            if let Some(t) = &p.ticket {
                self.tickets.record(t, &p.item, &p.number);
            }
            let seq = self.last_seq.entry(p.number.date).or_default();
            *seq = (*seq).max(p.number.seq);
            self.packages.insert(n, p);
        }
        self
    }

    /// The case a request key already took effect on, if any: the replay's
    /// answer is that case as it is now (and, while its commit is still on
    /// its way, once it is durable — commits apply in order).
    fn replay(&self, key: Option<&str>) -> Option<&CaseRecord> {
        key.and_then(|k| self.request_keys.get(k))
            .and_then(|n| self.cases.get(n))
    }

    /// Runs the actor on another clock (tests).
    pub fn with_clock(mut self, now: fn() -> DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Runs the actor on the hall's clock (the directory's, which a test
    /// may drive by hand).
    pub fn on_hall_clock(mut self, clock: HallClock) -> Self {
        self.clock = clock;
        self
    }

    /// The moment now, with its hall-local date.
    fn now(&self) -> Now {
        let at = self.now.map_or_else(|| self.clock.now(), |f| f());
        Now::new(at, self.clock.tz)
    }

    /// The open-case index key of a record (none once closed). A deadline
    /// the calendar cannot give files the case as "not known".
    fn index_key(&self, r: &CaseRecord) -> Option<Vec<u8>> {
        if !r.case.status.is_open() {
            return None;
        }
        let deadline = r.case.deadline(&self.config.calendar.days).ok().flatten();
        Some(keys::open_case(deadline, &r.case.number.to_string()))
    }

    /// Puts `record` into `commit` and moves its open-case index entry;
    /// answers the index key it is filed under now (none once closed).
    fn put_record(&self, commit: &mut Commit, record: &CaseRecord) -> Option<Vec<u8>> {
        let number = record.case.number.to_string();
        commit.put_json(keys::case(&number), record);
        let new_key = self.index_key(record);
        if let Some(old) = self.indexed.get(&number) {
            if Some(old) != new_key.as_ref() {
                commit.ops.push(crate::store::Op::Delete(old.clone()));
            }
        }
        if let Some(k) = &new_key {
            commit.put(k.clone(), Vec::new());
        }
        new_key
    }

    /// Puts `event` into `commit` with its audit entry naming who acted;
    /// `case`: the case (or package part) it leaves behind, none for a
    /// package's own event (`lead`: the package's lead department).
    fn put_event(
        commit: &mut Commit,
        event: &CaseEvent,
        reason: Option<String>,
        (department, item, status): (&str, &str, serde_json::Value),
    ) {
        commit.event(EventBody::Case(event.clone()));
        commit.event(EventBody::Audit(AuditEntry {
            who: event.by.clone(),
            action: format!("case.{}", event.body.audit_action()),
            target: event.case.to_string(),
            reason,
            detail: serde_json::json!({
                "role": event.role,
                "department": department,
                "item": item,
                "status": status,
            }),
        }));
    }

    /// The commit of `record` after `event`: the record, its index moved,
    /// the case event and the audit entry naming who acted.
    fn commit_of(
        &self,
        record: &CaseRecord,
        event: &CaseEvent,
        reason: Option<String>,
    ) -> (Commit, Option<Vec<u8>>) {
        let mut commit = Commit::default();
        let new_key = self.put_record(&mut commit, record);
        let c = &record.case;
        let status = serde_json::json!(c.status);
        Self::put_event(&mut commit, event, reason, (&c.department, &c.item, status));
        (commit, new_key)
    }

    /// Takes a committed `record` into memory, filed under `new_key`.
    fn take_record(&mut self, record: CaseRecord, new_key: Option<Vec<u8>>) {
        let number = record.case.number.to_string();
        if let Some(t) = &record.ticket {
            self.tickets
                .record(t, &record.case.item, &record.case.number);
        }
        match new_key {
            Some(k) => {
                self.indexed.insert(number.clone(), k);
            }
            None => {
                self.indexed.remove(&number);
            }
        }
        self.cases.insert(number, record);
    }

    /// Counts and logs a committed event.
    fn note(event: &CaseEvent, status: &dyn std::fmt::Debug) {
        metrics::counter!("tingwu_case_transitions_total", "type" => event.body.kind())
            .increment(1);
        info!(case = %event.case, kind = event.body.kind(), by = %event.by, status = ?status, "case transition");
    }

    /// Enqueues the commit of `record` and takes it into memory (commits
    /// apply in order, so memory may lead the disk); the future resolves
    /// once it is durable. `key`: the request's `Idempotency-Key`, kept
    /// with the record. Errors: the store's refusal (nothing changed).
    fn commit(
        &mut self,
        mut record: CaseRecord,
        event: &CaseEvent,
        reason: Option<String>,
        key: Option<&str>,
    ) -> Result<impl std::future::Future<Output = Result<Vec<u64>, StoreError>>, StoreError> {
        record.remember(key);
        let (commit, new_key) = self.commit_of(&record, event, reason);
        let durable = self.store.enqueue(commit)?;
        let number = record.case.number.to_string();
        if let Some(k) = key {
            self.request_keys.insert(k.to_string(), number.clone());
        }
        Self::note(event, &record.case.status);
        self.take_record(record, new_key);
        self.watch_case(&number);
        Ok(durable)
    }
}

impl Actor for CaseActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        self.start_watch(ctx);
        info!(
            cases = self.cases.len(),
            open = self.indexed.len(),
            "case actor started"
        );
    }
}
