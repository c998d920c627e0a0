//! What the API asks of the case actor: one case ([`GetCase`]) and lists
//! ([`ListCases`]) with their e-supervision (电子监察) colours of today.

use actix::prelude::*;
use serde::Serialize;

use super::CaseActor;
use crate::core::case::supervision::{supervise, CaseSupervision};
use crate::core::case::{Case, CaseRecord};

/// One case record by number (none: not in the hall's memory).
#[derive(Message)]
#[rtype(result = "Option<(CaseRecord, Option<CaseSupervision>)>")]
pub struct GetCase(pub String);

/// Cases, newest first, filtered by department and window (none: any).
#[derive(Message)]
#[rtype(result = "Vec<CaseListing>")]
pub struct ListCases {
    /// Only this department's cases.
    pub department: Option<String>,
    /// Only cases taken in at this window.
    pub window: Option<String>,
    /// Only open cases (received, in progress, correction, suspended).
    pub open_only: bool,
}

/// One case of a list: the case (applicant masked) and its supervision
/// today (none when the calendar has no notice for a year it needs).
#[derive(Debug, Clone, Serialize)]
pub struct CaseListing {
    pub case: Case,
    pub supervision: Option<CaseSupervision>,
}

impl CaseActor {
    pub(super) fn supervision(&self, case: &Case) -> Option<CaseSupervision> {
        let today = self.now().date;
        supervise(case, today, &self.config.calendar.days)
            .inspect_err(|e| tracing::warn!(case = %case.number, error = %e, "case supervision needs a holiday calendar"))
            .ok()
    }
}

impl Handler<GetCase> for CaseActor {
    type Result = MessageResult<GetCase>;

    fn handle(&mut self, m: GetCase, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.cases
                .get(&m.0)
                .map(|r| (r.clone(), self.supervision(&r.case))),
        )
    }
}

impl Handler<ListCases> for CaseActor {
    type Result = MessageResult<ListCases>;

    fn handle(&mut self, m: ListCases, _: &mut Self::Context) -> Self::Result {
        let mut out: Vec<CaseListing> = self
            .cases
            .values()
            .map(|r| &r.case)
            .filter(|c| m.department.as_ref().is_none_or(|d| *d == c.department))
            .filter(|c| m.window.is_none() || c.window == m.window)
            .filter(|c| !m.open_only || c.status.is_open())
            .map(|c| CaseListing {
                case: c.clone(),
                supervision: self.supervision(c),
            })
            .collect();
        out.sort_by(|a, b| b.case.number.cmp(&a.case.number));
        MessageResult(out)
    }
}
