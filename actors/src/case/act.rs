//! [`Act`]: one transition of a case (受理, 补正, 挂起, 恢复, 审批, 延期,
//! 终止, 送达 …) by the rules' [`Input`], for a person in a role.

use actix::prelude::*;

use super::intake::CaseOrPackage;
use super::{CaseActor, CaseError};
use crate::core::case::transition::apply;
use crate::core::case::{Actor as CaseActorRole, Input};

/// Apply `input` to case `number` — a package's part through the rules of
/// packages, a package's own number only for materials handed in
/// (`package.rs`). `departments`: the departments the
/// acting staff works for (those of the items their window serves), one of
/// which must be the case's (none: a supervisor, any department). Answers the stored record once it is durable. Errors:
/// [`CaseError`].
#[derive(Message)]
#[rtype(result = "Result<CaseOrPackage, CaseError>")]
pub struct Act {
    /// The case number.
    pub number: String,
    /// The transition and its input.
    pub input: Input,
    /// Who acts, in which role.
    pub by: CaseActorRole,
    /// The staff's departments; none for a supervisor.
    pub departments: Option<Vec<String>>,
    /// The request's `Idempotency-Key`: a repeat gets the case as it is.
    pub key: Option<String>,
}

type Durable = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<u64>, crate::store::StoreError>> + Send>,
>;

impl Handler<Act> for CaseActor {
    type Result = ResponseFuture<Result<CaseOrPackage, CaseError>>;

    fn handle(&mut self, m: Act, _: &mut Self::Context) -> Self::Result {
        let result = self.act(m);
        Box::pin(async move {
            let (record, durable) = result?;
            durable.await?;
            Ok(record)
        })
    }
}

/// The reason a transition gives, for the audit entry.
fn reason_of(input: &Input) -> Option<String> {
    match input {
        Input::Reject { reason } | Input::Extend { reason, .. } | Input::Terminate { reason } => {
            Some(reason.clone())
        }
        Input::Suspend(s) => Some(s.detail.clone()),
        Input::ApproveStep { opinion } => opinion.clone(),
        _ => None,
    }
}

impl CaseActor {
    fn act(&mut self, m: Act) -> Result<(CaseOrPackage, Durable), CaseError> {
        if let Some(header) = self.packages.get(&m.number).cloned() {
            if let Some(r) = self.replay(m.key.as_deref()) {
                return Err(CaseError::KeyReused(r.case.number.to_string()));
            }
            if let Some(k) = m.key.as_deref() {
                if let Some(n) = self.request_keys.get(k) {
                    if *n != m.number {
                        return Err(CaseError::KeyReused(n.clone()));
                    }
                    let durable = self.store.barrier()?;
                    return Ok((CaseOrPackage::Package(Box::new(header)), Box::pin(durable)));
                }
            }
            return self.act_on_package(
                header,
                &m.input,
                &m.by,
                m.departments.as_deref(),
                m.key.as_deref(),
            );
        }
        let record = self
            .cases
            .get(&m.number)
            .ok_or_else(|| CaseError::NotFound(m.number.clone()))?;
        if let Some(depts) = &m.departments {
            if !depts.contains(&record.case.department) {
                return Err(CaseError::OtherDepartment {
                    case: record.case.department.clone(),
                    staff: depts.join(","),
                });
            }
        }
        if let Some(r) = self.replay(m.key.as_deref()) {
            if r.case.number.to_string() != m.number {
                return Err(CaseError::KeyReused(r.case.number.to_string()));
            }
            let r = r.clone();
            let durable = self.store.barrier()?;
            return Ok((CaseOrPackage::Case(Box::new(r)), Box::pin(durable)));
        }
        if let Some(header) = self.package_of(&record.case.number).cloned() {
            let number = record.case.number.clone();
            let reason = reason_of(&m.input);
            return self.act_on_part(header, &number, &m.input, &m.by, reason, m.key.as_deref());
        }
        let now = self.now();
        let (case, event) = apply(
            &record.case,
            &m.input,
            &m.by,
            now,
            &self.config.calendar.days,
        )?;
        let mut next = record.clone();
        next.case = case;
        next.history.push(event.clone());
        let number = m.number;
        let durable = self.commit(next, &event, reason_of(&m.input), m.key.as_deref())?;
        let next = self
            .cases
            .get(&number)
            .cloned()
            .ok_or(CaseError::NotFound(number))?;
        Ok((CaseOrPackage::Case(Box::new(next)), Box::pin(durable)))
    }
}
