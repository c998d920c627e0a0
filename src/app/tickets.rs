//! Tickets: who may take which priority (the rule is
//! `tingwu_core::admission`), issuing through the hall or a kiosk, and
//! printing at the kiosk once the ticket is durable.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::core::admission::{self, Admission, PriorityRefused, PriorityRequest};
use tingwu_actors::core::day::hall_day;
use tingwu_actors::core::ticket::{Channel, Priority, Ticket};
use tingwu_actors::core::ticket_source::{self, Requester, SourceRefused};
use tingwu_actors::hall::{IssueError, IssueTicket, Rejoin, RejoinError};
use tingwu_actors::kiosk::{PrintIssued, TakeTicket};
use tingwu_actors::printer::PrintStatus;
use tingwu_actors::queue::Issued;
use tingwu_actors::views::TicketView;
use tingwu_protocols::id_number::IdNumber;

use super::auth::{same_secret, AuthError, Claim};
use super::lockout::{Attempt, Credential};
use super::personal::PersonalError;
use super::sources::{Asker, AskerError, KioskCredentials, Source};
use super::App;

/// How long the hall may take to issue: shorter than the HTTP request
/// timeout, so a ticket nobody waits for is not issued.
pub const ISSUE_DEADLINE: Duration = Duration::from_secs(8);

/// Why a ticket is not issued.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    /// The phone or ID number is invalid (400, its own code).
    #[error(transparent)]
    Personal(#[from] PersonalError),
    /// A supervisor claim that is not a valid token (401).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The priority asked for is not allowed (403 `priority_not_allowed`).
    #[error(transparent)]
    Priority(#[from] PriorityRefused),
    /// Who asks is not established (see [`AskerError`]).
    #[error(transparent)]
    Asker(#[from] AskerError),
    /// What the requester may not take (`tingwu_core::ticket_source`).
    #[error(transparent)]
    Source(#[from] SourceRefused),
    /// The hall refused (its code is [`IssueError::code`]).
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// The hall's actors are stopping (503 `unavailable`).
    #[error("the hall is shutting down")]
    ShuttingDown,
}

/// A request for a ticket, parsed by its transport.
#[derive(Debug, Clone, Default)]
pub struct TicketOrder {
    pub item: Option<String>,
    pub queue: Option<String>,
    /// The channel the request names, if any (see
    /// `tingwu_core::ticket_source::admit` for who may name which).
    pub channel: Option<Channel>,
    /// The priority asked for.
    pub priority: Priority,
    /// The special-group password (特殊人群密码), if given.
    pub priority_password: Option<String>,
    /// Plain phone and ID number; sealed here, never kept plain.
    pub phone: Option<String>,
    pub id_number: Option<String>,
    /// The kiosk taking the ticket, if any (取号机编号).
    pub kiosk: Option<String>,
    /// The kiosk's proof that it is one (its device password).
    pub kiosk_credentials: Option<KioskCredentials>,
    /// The client's address, for the per-source rate limit.
    pub source: Source,
    /// The client's idempotency key, already checked for shape.
    pub idempotency_key: Option<String>,
    /// Who asks, for a green-channel or special-group ticket.
    pub supervisor: Claim,
}

/// How a kiosk's printer took a ticket, and what the kiosk offers when it
/// is out of service.
#[derive(Debug, Clone, Serialize)]
pub struct PrintAnswer {
    /// The printer's id (empty if the kiosk's printer is not configured).
    pub printer: String,
    pub status: PrintStatus,
}

/// What a kiosk screen offers instead of paper: the status page as a QR
/// code, and SMS if the ticket has a phone and notices are configured.
#[derive(Debug, Clone, Serialize)]
pub struct Fallback {
    /// Path of the ticket's status page (`/t/{id}`).
    pub qr: String,
    pub sms: bool,
}

impl App {
    /// The hall's day now.
    fn today(&self) -> NaiveDate {
        let clock = &self.dir.clock;
        hall_day(clock.now(), clock.tz, clock.day_start)
    }

    /// The priority a request gets (see `tingwu_core::admission::admit`).
    /// The supervisor claim is checked only when it decides, so a bad token
    /// on a normal ticket is not an error.
    pub fn admit_priority(
        &self,
        requested: Priority,
        id: Option<&IdNumber>,
        password: Option<&str>,
        source: Option<&str>,
        supervisor: &Claim,
    ) -> Result<Priority, TicketError> {
        let cfg = &self.dir.config.priority;
        let password_ok = match (password, cfg.special_password.as_deref()) {
            // Guesses go through the lockout rule, per source (the kiosk,
            // or `online` without one).
            (Some(given), Some(expected)) => {
                let key = source.unwrap_or("online");
                match self.lockouts.attempt(
                    Credential::PriorityPassword,
                    key,
                    self.dir.clock.now(),
                    || same_secret(given, expected),
                ) {
                    Ok(()) => true,
                    Err(Attempt::Wrong) => false,
                    Err(Attempt::Locked(l)) => {
                        return Err(AuthError::LockedOut { left_s: l.left_s }.into())
                    }
                }
            }
            _ => false,
        };
        let req = PriorityRequest {
            requested,
            id,
            password_ok,
        };
        match admission::admit(req, cfg, self.today()) {
            Admission::Allowed(p) => Ok(p),
            Admission::IfSupervisor(p, refused) => {
                if self.supervisor_if_any(supervisor)?.is_some() {
                    Ok(p)
                } else {
                    if password.is_some() && requested == Priority::Special {
                        tracing::warn!("special-group ticket refused: wrong priority password");
                    }
                    Err(refused.into())
                }
            }
        }
    }

    /// The priority of a ticket taken with an ID card and nothing else:
    /// the holder's age alone decides (no supervisor is asked).
    pub fn priority_by_age(&self, id: &IdNumber) -> Priority {
        self.admit_priority(Priority::Normal, Some(id), None, None, &Claim::Absent)
            .unwrap_or(Priority::Normal)
    }

    /// Issues a ticket: establishes who asks (and so the channel), seals
    /// the personal data, admits the priority, and hands it to the kiosk
    /// (which counts it) or to the hall. A repeated idempotency key answers
    /// the first ticket (`replayed`).
    pub async fn issue_ticket(&self, order: TicketOrder) -> Result<Issued, TicketError> {
        let (requester, kiosk_id) = self.who_asks(&Asker {
            kiosk: order.kiosk.clone(),
            kiosk_credentials: order.kiosk_credentials.clone(),
            supervisor: order.supervisor.clone(),
            source: order.source,
        })?;
        let (personal, id) =
            self.seal_personal(order.phone.as_deref(), order.id_number.as_deref())?;
        let names_person = personal.phone_sealed.is_some() || id.is_some();
        let channel = ticket_source::admit(requester, order.channel, names_person)?;
        if order.priority_password.is_some() {
            ticket_source::password_allowed(requester)?;
        }
        // A key is the requester's own: another kiosk (or a citizen) using
        // the same key gets its own ticket, never this one's.
        let scope = match (&requester, &kiosk_id) {
            (_, Some(k)) => k.as_str(),
            (Requester::Staff, _) => "staff",
            _ => "online",
        };
        let idempotency_key = order.idempotency_key.map(|k| format!("{scope}/{k}"));
        let priority = self.admit_priority(
            order.priority,
            id.as_ref(),
            order.priority_password.as_deref(),
            kiosk_id.as_deref(),
            &order.supervisor,
        )?;
        let kiosk = kiosk_id.as_ref().and_then(|k| self.dir.kiosks.get(k));
        let ticket = IssueTicket {
            deadline: Some(Instant::now() + ISSUE_DEADLINE),
            appointment: None,
            item: order.item,
            queue: order.queue,
            channel,
            priority,
            personal,
            idempotency_key,
        };
        let issued = match kiosk {
            Some(kiosk) => kiosk.send(TakeTicket(ticket)).await,
            None => self.dir.hall.send(ticket).await,
        }
        .map_err(|_| TicketError::ShuttingDown)??;
        if !issued.replayed {
            tracing::info!(ticket = %issued.ticket.id, queue = %issued.ticket.queue, channel = ?issued.ticket.channel, priority = ?issued.ticket.priority, "ticket issued");
        }
        Ok(issued)
    }

    /// A no-show comes back: the durable `ticket` (skipped) rejoins its
    /// queue a few places back, within the hall's time limit.
    pub async fn rejoin(&self, ticket: Ticket) -> Result<TicketView, RejoinError> {
        self.dir
            .hall
            .send(Rejoin(Box::new(ticket)))
            .await
            .map_err(|_| RejoinError::Unavailable)?
    }

    /// Prints a durable ticket at `kiosk`'s printer. None when the kiosk
    /// has no printer (or is gone); out of service, the answer carries the
    /// fallback the kiosk offers. A printer never refuses a ticket.
    pub async fn print_ticket(
        &self,
        kiosk: &str,
        ticket: &TicketView,
    ) -> Option<(PrintAnswer, Option<Fallback>)> {
        let addr = self.dir.kiosks.get(kiosk)?;
        let status = addr
            .send(PrintIssued(Box::new(ticket.clone())))
            .await
            .ok()
            .flatten()?;
        let printer = self
            .dir
            .config
            .printers
            .iter()
            .find(|p| p.kiosk == kiosk)
            .map(|p| p.id.clone())
            .unwrap_or_default();
        let fallback = (status == PrintStatus::OutOfService).then(|| Fallback {
            qr: format!("/t/{}", ticket.id),
            sms: ticket.phone.is_some() && self.dir.config.notify.webhook.is_some(),
        });
        Some((PrintAnswer { printer, status }, fallback))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_protocols::id_number;

    fn young() -> IdNumber {
        let first17 = "11010519900101002";
        let check = id_number::check_digit(first17).unwrap();
        id_number::validate(&format!("{first17}{check}")).unwrap()
    }

    #[actix::test]
    async fn green_needs_a_valid_supervisor_claim() {
        let (app, _keys) = demo_app();
        let token = app.login("admin", "demo-admin").unwrap();
        let green = |claim: Claim| app.admit_priority(Priority::Green, None, None, None, &claim);
        assert!(matches!(
            green(Claim::Absent),
            Err(TicketError::Priority(PriorityRefused::Green))
        ));
        assert!(matches!(
            green(Claim::Bearer(None)),
            Err(TicketError::Auth(AuthError::NoSupervisorToken))
        ));
        assert!(matches!(
            green(Claim::Bearer(Some("forged".into()))),
            Err(TicketError::Auth(AuthError::UnknownSupervisorToken))
        ));
        assert_eq!(
            green(Claim::Bearer(Some(format!(" {token} ")))).unwrap(),
            Priority::Green
        );
    }

    #[actix::test]
    async fn special_takes_the_configured_password_and_ignores_claims_otherwise() {
        let (app, _keys) = demo_app();
        let special = |pw: Option<&str>| {
            app.admit_priority(Priority::Special, Some(&young()), pw, None, &Claim::Absent)
        };
        assert_eq!(special(Some("demo-special")).unwrap(), Priority::Special);
        assert!(matches!(
            special(Some("demo-specia")),
            Err(TicketError::Priority(PriorityRefused::Special { .. }))
        ));
        assert!(matches!(
            special(None),
            Err(TicketError::Priority(PriorityRefused::Special { .. }))
        ));
        // A normal ticket never asks about the supervisor: a bad token is
        // not an error there.
        let forged = Claim::Bearer(Some("forged".into()));
        assert_eq!(
            app.admit_priority(Priority::Normal, Some(&young()), None, None, &forged)
                .unwrap(),
            Priority::Normal
        );
        assert_eq!(app.priority_by_age(&young()), Priority::Normal);
    }

    #[actix::test]
    async fn bad_personal_data_and_unknown_kiosks_issue_nothing() {
        let (app, _keys) = demo_app();
        let order = |edit: fn(&mut TicketOrder)| {
            let mut o = TicketOrder {
                queue: Some("A".into()),
                kiosk: Some("K1".into()),
                kiosk_credentials: Some(KioskCredentials {
                    kiosk: "K1".into(),
                    password: "demo-pass-K1".into(),
                }),
                ..TicketOrder::default()
            };
            edit(&mut o);
            o
        };
        let e = app
            .issue_ticket(order(|o| o.phone = Some("12345".into())))
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            TicketError::Personal(PersonalError::InvalidPhone)
        ));
        let e = app
            .issue_ticket(order(|o| o.kiosk = Some("nowhere".into())))
            .await
            .unwrap_err();
        assert_eq!(e.to_string(), "unknown kiosk \"nowhere\" (取号机不存在)");
    }
}
