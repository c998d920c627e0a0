//! [`TakeIn`]: a new case at a window (一窗受理), numbered
//! `{hall}-{YYYYMMDD}-{seq:06}` by the hall's own sequence of the day.

use actix::prelude::*;

use super::{CaseActor, CaseError};
use crate::core::case::transition::{intake, Intake};
use crate::core::case::{
    Actor as CaseActorRole, Applicant, CaseNumber, CaseRecord, SealedApplicant,
};

/// Take a case in. The applicant is validated (`Applicant`) and sealed
/// (`SealedApplicant`) by the application layer. Answers the stored record
/// once it is durable. Errors: [`CaseError`].
#[derive(Message)]
#[rtype(result = "Result<CaseRecord, CaseError>")]
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
    /// Who takes it in.
    pub by: CaseActorRole,
    /// The request's `Idempotency-Key`: a repeat gets the case it made.
    pub key: Option<String>,
}

impl Handler<TakeIn> for CaseActor {
    type Result = ResponseFuture<Result<CaseRecord, CaseError>>;

    fn handle(&mut self, m: TakeIn, _: &mut Self::Context) -> Self::Result {
        let result = self.take_in(m);
        Box::pin(async move {
            let (record, durable) = result?;
            durable.await?;
            Ok(record)
        })
    }
}

type Durable = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<u64>, crate::store::StoreError>> + Send>,
>;

impl CaseActor {
    fn take_in(&mut self, m: TakeIn) -> Result<(CaseRecord, Durable), CaseError> {
        if let Some(r) = self.replay(m.key.as_deref()) {
            let r = r.clone();
            if r.history.len() != 1 || r.case.window != m.window {
                return Err(CaseError::KeyReused(r.case.number.to_string()));
            }
            let durable = self.store.barrier()?;
            return Ok((r, Box::pin(durable)));
        }
        let item = self
            .config
            .item(&m.item)
            .ok_or_else(|| CaseError::UnknownItem(m.item.clone()))?;
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
        };
        let (case, event) = intake(item, &input, &m.by, now, &self.config.calendar.days)?;
        let record = CaseRecord {
            case,
            sealed: m.sealed,
            history: vec![event.clone()],
            keys: Vec::new(),
        };
        let durable = self.commit(record, &event, None, m.key.as_deref())?;
        self.last_seq.insert(now.date, seq);
        let record = self
            .cases
            .get(&event.case.to_string())
            .cloned()
            .ok_or_else(|| CaseError::NotFound(event.case.to_string()))?;
        Ok((record, Box::pin(durable)))
    }
}
