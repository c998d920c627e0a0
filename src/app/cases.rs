//! Cases (办件) at work: who may take a case in or move it on, and the
//! citizen's query (issue 10).
//!
//! - Intake (一窗受理) happens at a window, from the ticket it has called or
//!   is serving, by the staff member logged in there through the caller page
//!   (a caller session, `auth.rs`); the item is the ticket's (or, when the
//!   ticket names none, one the request names from the ticket's queue).
//! - The applicant is a person (GB 11643 ID number, typed) or an
//!   organisation (GB 32100 unified social credit code). ID number or code,
//!   name and phone are validated, sealed for storage with the hall's key
//!   (`storage::seal`) and masked in every answer (张*三,
//!   510***********1234, 138****5678).
//! - Transitions: window staff for the departments of the items their
//!   window serves; a supervisor (bearer token) for any case — and only a
//!   supervisor extends one (《行政许可法》第四十二条, checked by the rules).
//! - The citizen's query (`public`) is held to the per-source rate limit
//!   (`App::who_asks`); a wrong check is answered exactly like an unknown
//!   number.

use std::collections::BTreeSet;

use tingwu_actors::case::{Act, CaseListing, CaseOrPackage, GetCase, ListCases, TakeIn};
use tingwu_actors::core::case::supervision::CaseSupervision;
use tingwu_actors::core::case::{Actor as Person, Applicant, CaseRecord, Input, SealedApplicant};
use tingwu_actors::core::ticket::parse_ticket_id;
use tingwu_actors::window::GetServing;

use super::auth::AuthError;
use super::sources::{Asker, Source};
use super::App;

pub use super::case_packages::PublicAnswer;
pub use super::case_public::PublicCase;
use super::case_types::unavailable;
pub use super::case_types::{ApplicantInput, CaseAppError, CaseCaller, CaseIntake};

impl App {
    /// Who a bearer token speaks for: a supervisor's token, else a caller
    /// session's (window staff). Errors: [`AuthError::NoCallerToken`],
    /// [`AuthError::UnknownCallerToken`].
    pub fn case_caller(&self, token: Option<&str>) -> Result<CaseCaller, AuthError> {
        let token = token.ok_or(AuthError::NoCallerToken)?;
        if let Some(user) = self.sessions.user(token) {
            return Ok(CaseCaller::Supervisor(user));
        }
        let s = self
            .callers
            .get(token)
            .ok_or(AuthError::UnknownCallerToken)?;
        Ok(CaseCaller::Staff {
            window: s.window,
            staff: s.staff,
        })
    }

    /// The departments of the items a window's queues serve: whose cases
    /// its staff handle.
    pub fn window_departments(&self, window: &str) -> Vec<String> {
        let cfg = &self.dir.config;
        let queues: BTreeSet<&str> = cfg
            .windows
            .iter()
            .filter(|w| w.id == window)
            .flat_map(|w| w.queues.iter().map(|q| q.queue.as_str()))
            .collect();
        let depts: BTreeSet<String> = cfg
            .items
            .iter()
            .filter(|i| queues.contains(i.queue.as_str()))
            .map(|i| i.department.clone())
            .collect();
        depts.into_iter().collect()
    }

    fn person_of(who: &CaseCaller) -> Person {
        match who {
            CaseCaller::Staff { staff, .. } => Person::staff(staff.clone()),
            CaseCaller::Supervisor(u) => Person::supervisor(u.clone()),
        }
    }

    pub(super) fn departments_of(&self, who: &CaseCaller) -> Option<Vec<String>> {
        match who {
            CaseCaller::Staff { window, .. } => Some(self.window_departments(window)),
            CaseCaller::Supervisor(_) => None,
        }
    }

    /// Validates and seals an applicant: the validated value (for the
    /// rules, which keep it masked) and its sealed form (for storage).
    fn applicant(&self, a: &ApplicantInput) -> Result<(Applicant, SealedApplicant), CaseAppError> {
        let applicant = match a {
            ApplicantInput::Person {
                id_number,
                name,
                phone,
            } => Applicant::person(id_number, name, phone.as_deref())?,
            ApplicantInput::Organisation {
                credit_code,
                name,
                phone,
            } => Applicant::organisation(credit_code, name, phone.as_deref())?,
            ApplicantInput::CardReader { .. } => {
                return Err(CaseAppError::NoCardRead(String::new()))
            }
        };
        let (id, name, phone) = match &applicant {
            Applicant::Person { id, name, phone } => (id.as_str().to_string(), name, phone),
            Applicant::Organisation { code, name, phone } => {
                (code.as_str().to_string(), name, phone)
            }
        };
        let sealed = SealedApplicant {
            id: self.sealer.seal(&id),
            name: self.sealer.seal(name),
            phone: phone.as_deref().map(|p| self.sealer.seal(p)),
        };
        Ok((applicant, sealed))
    }

    /// Takes a case in at the caller's window from the ticket it serves —
    /// for a package item (套餐) a package with one part per department —
    /// recording the ticket on it; the same ticket cannot be taken in
    /// twice for the same item (`core::case::ticket`). Answers once the
    /// case is durable. Errors: [`CaseAppError`].
    pub async fn take_in_case(
        &self,
        who: &CaseCaller,
        req: CaseIntake,
    ) -> Result<CaseOrPackage, CaseAppError> {
        let CaseCaller::Staff { window, staff } = who else {
            return Err(CaseAppError::StaffOnly);
        };
        let mut req = req;
        if let ApplicantInput::CardReader { phone } = req.applicant {
            req.applicant = self.applicant_from_card(window, phone).await?;
        }
        let addr = self
            .dir
            .windows
            .get(window)
            .ok_or_else(|| AuthError::UnknownWindow(window.clone()))?;
        let serving = addr.send(GetServing).await.map_err(unavailable)?;
        let ticket = serving
            .ticket
            .ok_or_else(|| CaseAppError::NoTicket(window.clone()))?;
        let asked_item = req.item.clone();
        let item = match (&ticket.item, req.item) {
            (Some(t), Some(asked)) if *t != asked => {
                return Err(CaseAppError::OtherItem {
                    ticket: t.clone(),
                    asked,
                })
            }
            (Some(t), _) => t.clone(),
            (None, None) => return Err(CaseAppError::ItemRequired),
            (None, Some(asked)) => {
                let queue = parse_ticket_id(&ticket.id)
                    .map(|(_, q, _)| q.to_string())
                    .unwrap_or_else(|| ticket.queue.clone());
                if self
                    .dir
                    .config
                    .item(&asked)
                    .is_none_or(|i| i.queue != queue)
                {
                    return Err(CaseAppError::ItemNotOfTicket { item: asked, queue });
                }
                asked
            }
        };
        let (applicant, sealed) = self.applicant(&req.applicant)?;
        let fingerprint = req.key.as_ref().map(|_| {
            super::request_print::case_intake(
                &self.sealer,
                window,
                asked_item.as_deref(),
                &applicant,
                &req.materials,
                (req.green, req.on_the_spot),
            )
        });
        let record = self
            .dir
            .cases
            .send(TakeIn {
                item,
                applicant,
                sealed,
                provided: req.materials,
                green: req.green,
                on_the_spot: req.on_the_spot,
                window: Some(window.clone()),
                ticket: Some(ticket.id.clone()),
                by: Person::staff(staff.clone()),
                key: req.key,
                fingerprint,
            })
            .await
            .map_err(unavailable)??;
        tracing::info!(case = %record.number(), window = %window, staff = %staff, ticket = %ticket.id, item = %record.item(), "case taken in");
        Ok(record)
    }

    /// Applies one transition; `key` (the request's `Idempotency-Key`)
    /// makes a retry answer the case as it is without applying it again.
    /// A package's part is acted on by its own department's staff; the
    /// package's own number takes only materials (`supply`). Errors:
    /// [`CaseAppError`].
    pub async fn act_on_case(
        &self,
        who: &CaseCaller,
        number: &str,
        input: Input,
        key: Option<String>,
    ) -> Result<CaseOrPackage, CaseAppError> {
        let action = input.action();
        let result = self
            .dir
            .cases
            .send(Act {
                number: number.to_string(),
                input,
                by: Self::person_of(who),
                departments: self.departments_of(who),
                key,
            })
            .await
            .map_err(unavailable)?;
        if let Err(e) = &result {
            tracing::info!(case = %number, action = ?action, code = e.code(), error = %e, "case transition refused");
        }
        Ok(result?)
    }

    /// One case for staff (of its department) or a supervisor, masked,
    /// with its supervision today. Errors: [`CaseAppError::NotFound`],
    /// [`CaseAppError::OtherDepartment`].
    pub async fn case(
        &self,
        who: &CaseCaller,
        number: &str,
    ) -> Result<(CaseRecord, Option<CaseSupervision>), CaseAppError> {
        let found = self
            .dir
            .cases
            .send(GetCase(number.to_string()))
            .await
            .map_err(unavailable)?;
        let (record, sup) = match found {
            Some(x) => x,
            // Closed more than 90 days ago: from storage, no supervision.
            None => (
                self.archived_case(number)?.ok_or(CaseAppError::NotFound)?,
                None,
            ),
        };
        if let Some(depts) = self.departments_of(who) {
            if !depts.contains(&record.case.department) {
                return Err(CaseAppError::OtherDepartment);
            }
        }
        Ok((record, sup))
    }

    /// Cases for the caller: staff see their window's departments', a
    /// supervisor all, each with its e-supervision colour.
    pub async fn cases(
        &self,
        who: &CaseCaller,
        open_only: bool,
    ) -> Result<Vec<CaseListing>, CaseAppError> {
        let depts = self.departments_of(who);
        let all = self
            .dir
            .cases
            .send(ListCases {
                department: None,
                window: None,
                open_only,
            })
            .await
            .map_err(unavailable)?;
        Ok(all
            .into_iter()
            .filter(|l| {
                depts
                    .as_ref()
                    .is_none_or(|d| d.contains(&l.case.department))
            })
            .collect())
    }

    /// The citizen's query: the case's steps if `check` is the last four of
    /// the applicant's phone or ID number; for a package's number every
    /// part's. Rate-limited per source. Errors:
    /// [`CaseAppError::NotFound`] for an unknown number and a wrong check
    /// alike, [`CaseAppError::Asker`].
    pub async fn public_case(
        &self,
        source: Source,
        number: &str,
        check: &str,
    ) -> Result<PublicAnswer, CaseAppError> {
        self.who_asks(&Asker {
            source,
            ..Asker::default()
        })?;
        let found = self
            .dir
            .cases
            .send(GetCase(number.to_string()))
            .await
            .map_err(unavailable)?;
        let found = match found {
            Some(x) => Some(x),
            None => {
                if let Some(view) = self.public_package(number, check).await? {
                    return Ok(PublicAnswer::Package(Box::new(view)));
                }
                self.archived_case(number)?.map(|r| (r, None))
            }
        };
        match found {
            Some((record, sup)) if record.check_matches(check) => Ok(PublicAnswer::Case(Box::new(
                PublicCase::of(&record, sup.as_ref(), &self.dir.config),
            ))),
            _ => {
                metrics::counter!("tingwu_case_queries_refused_total").increment(1);
                Err(CaseAppError::NotFound)
            }
        }
    }
}
