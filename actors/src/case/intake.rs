//! [`TakeIn`]: a new case at a window (一窗受理), numbered
//! `{hall}-{YYYYMMDD}-{seq:06}` by the hall's own sequence of the day — or,
//! for a package item (套餐), a package whose department parts are
//! `{number}-P{n}` (`package.rs`). A ticket leads to one case per item
//! (`core::case::ticket`).

use actix::prelude::*;

use super::{CaseActor, CaseError};
use crate::core::case::transition::{intake, Intake};
use crate::core::case::{
    Actor as CaseActorRole, Applicant, CaseNumber, CaseRecord, PackageRecord, SealedApplicant,
};

/// Take a case in. The applicant is validated (`Applicant`) and sealed
/// (`SealedApplicant`) by the application layer. Answers the stored record
/// once it is durable. Errors: [`CaseError`].
#[derive(Message)]
#[rtype(result = "Result<CaseOrPackage, CaseError>")]
pub struct TakeIn {
    /// The item's id (`[[items]]` with an `[items.case]` section).
    pub item: String,
    /// The applicant (plain values live only in memory, never logged).
    pub applicant: Applicant,
    /// The applicant sealed for storage.
    pub sealed: SealedApplicant,
    /// Names of the checklist materials handed in.
    pub provided: Vec<String>,
    /// On the green channel (绿色通道).
    pub green: bool,
    /// Accept on the spot (当场受理).
    pub on_the_spot: bool,
    /// The window taking it in.
    pub window: Option<String>,
    /// The ticket it is taken in from (its id): a second case of the same
    /// item from it is refused (`Refusal::TicketTaken`).
    pub ticket: Option<String>,
    /// Who takes it in.
    pub by: CaseActorRole,
    /// The request's `Idempotency-Key`: a repeat gets the case it made.
    pub key: Option<String>,
    /// A fingerprint of the request (`App::take_in_case`: keyed, nothing
    /// personal in clear), kept with the key: the same key with another
    /// fingerprint is refused ([`CaseError::KeyOtherRequest`]). None: not
    /// compared.
    pub fingerprint: Option<String>,
}

/// What an intake or a transition made or changed: a case, or a package
/// (its parts are cases of their own).
#[derive(Debug, Clone)]
pub enum CaseOrPackage {
    /// A case of its own.
    Case(Box<CaseRecord>),
    /// A package (套餐); its parts are cases `{number}-P{n}`.
    Package(Box<PackageRecord>),
}

impl CaseOrPackage {
    /// The number of the case or package.
    pub fn number(&self) -> String {
        match self {
            CaseOrPackage::Case(r) => r.case.number.to_string(),
            CaseOrPackage::Package(p) => p.number.to_string(),
        }
    }
    /// The case record, if it is a case (not a package).
    pub fn into_case(self) -> Option<CaseRecord> {
        match self {
            CaseOrPackage::Case(r) => Some(*r),
            CaseOrPackage::Package(_) => None,
        }
    }
    /// The item's id.
    pub fn item(&self) -> &str {
        match self {
            CaseOrPackage::Case(r) => &r.case.item,
            CaseOrPackage::Package(p) => &p.item,
        }
    }
}

impl Handler<TakeIn> for CaseActor {
    type Result = ResponseFuture<Result<CaseOrPackage, CaseError>>;

    fn handle(&mut self, m: TakeIn, _: &mut Self::Context) -> Self::Result {
        let result = self.take_in(m);
        Box::pin(async move {
            let (record, durable) = result?;
            durable.await?;
            Ok(record)
        })
    }
}

/// Whether a repeat's fingerprint is another request's: both known and
/// unequal (a record from before fingerprints, or a caller that sends
/// none, is not compared).
fn differs(kept: Option<&str>, asked: Option<&str>) -> bool {
    matches!((kept, asked), (Some(a), Some(b)) if a != b)
}

pub(super) type Durable = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<u64>, crate::store::StoreError>> + Send>,
>;

impl CaseActor {
    fn take_in(&mut self, m: TakeIn) -> Result<(CaseOrPackage, Durable), CaseError> {
        if let Some(k) = m.key.as_deref() {
            if let Some(p) = self.request_keys.get(k).and_then(|n| self.packages.get(n)) {
                let p = p.clone();
                if p.history.len() != 1 || p.window != m.window {
                    return Err(CaseError::KeyReused(p.number.to_string()));
                }
                if differs(p.request_print.as_deref(), m.fingerprint.as_deref()) {
                    return Err(CaseError::KeyOtherRequest(p.number.to_string()));
                }
                let durable = self.store.barrier()?;
                return Ok((CaseOrPackage::Package(Box::new(p)), Box::pin(durable)));
            }
        }
        if let Some(r) = self.replay(m.key.as_deref()) {
            let r = r.clone();
            if r.history.len() != 1 || r.case.window != m.window {
                return Err(CaseError::KeyReused(r.case.number.to_string()));
            }
            if differs(r.request_print.as_deref(), m.fingerprint.as_deref()) {
                return Err(CaseError::KeyOtherRequest(r.case.number.to_string()));
            }
            let durable = self.store.barrier()?;
            return Ok((CaseOrPackage::Case(Box::new(r)), Box::pin(durable)));
        }
        let item = self
            .config
            .item(&m.item)
            .ok_or_else(|| CaseError::UnknownItem(m.item.clone()))?;
        if let Some(t) = &m.ticket {
            self.tickets.check(t, &m.item)?;
        }
        let now = self.now();
        let seq = self.last_seq.get(&now.date).copied().unwrap_or(0) + 1;
        let number = CaseNumber::new(&self.config.hall.id, now.date, seq)?;
        let input = Intake {
            number,
            applicant: m.applicant,
            provided: m.provided,
            green: m.green,
            on_the_spot: m.on_the_spot,
            window: m.window,
            ticket: m.ticket.clone(),
        };
        if item.case.as_ref().is_some_and(|c| c.package.is_some()) {
            let item = item.clone();
            let (pkg, durable) = self.take_in_package(
                &item,
                &input,
                m.sealed,
                &m.by,
                now,
                (m.key.as_deref(), m.fingerprint),
            )?;
            self.last_seq.insert(now.date, seq);
            return Ok((CaseOrPackage::Package(Box::new(pkg)), durable));
        }
        let (case, event) = intake(item, &input, &m.by, now, &self.config.calendar.days)?;
        let record = CaseRecord {
            case,
            sealed: m.sealed,
            history: vec![event.clone()],
            keys: Vec::new(),
            ticket: m.ticket,
            request_print: m.key.as_ref().and(m.fingerprint),
        };
        let durable = self.commit(record, &event, None, m.key.as_deref())?;
        self.last_seq.insert(now.date, seq);
        let record = self
            .cases
            .get(&event.case.to_string())
            .cloned()
            .ok_or_else(|| CaseError::NotFound(event.case.to_string()))?;
        Ok((CaseOrPackage::Case(Box::new(record)), Box::pin(durable)))
    }
}
