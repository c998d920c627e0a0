//! The ID-card reader actor (身份证阅读器): one per second-generation ID-card
//! reader (GA/T 467) at a kiosk or a window.
//!
//! The bytes travel through a link task in the binary
//! (`src/devices/card_reader_link.rs`): it opens the serial port, loops
//! find → select → read, decodes the card, seals and masks the ID number and
//! reports [`LinkEvent`]s and [`CardRead`]s here. The rules are in
//! `core::card_reading`: at a kiosk a read takes a ticket for that person
//! for the reader's item (sent through the kiosk, so the kiosk counts and
//! prints it); at a window it identifies the applicant for the next case
//! intake: shown masked, and held sealed in memory for
//! [`APPLICANT_HOLD`] until an intake takes it ([`TakeApplicant`]); the
//! same holder within
//! [`REREAD_QUIET`] is ignored; a reader whose port vanished raises
//! `reader/{id}/offline`, cleared when it is back. This actor keeps the
//! reader's state, calls them and sends what they decide.

use std::time::{Duration, Instant};

use actix::prelude::*;
use serde::Serialize;

use crate::alarm::{AlarmActor, Clear, Raise};
use crate::config::CardReaderConfig;
use crate::core::card_reading::{self, AlarmChange, Decision, LastRead, Port};
use crate::core::ticket::{Personal, Priority};
use crate::hall::{IssueError, IssueTicket};
use crate::kiosk::{KioskActor, PrintIssued, TakeTicket};
use crate::kiosk_events::{card_event, RecordEvent};

pub use crate::core::card_reading::{offline_alarm, Applicant, ISSUE_DEADLINE, REREAD_QUIET};

/// What the link says about the reader.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum LinkEvent {
    /// The port is open.
    Connected,
    /// The port failed, vanished or could not be opened.
    Disconnected { reason: String },
    /// A counted error that the link got over (garbage, a bad check byte,
    /// a SAM error status, an undecodable card).
    Error { reason: &'static str },
}

/// How long a window reader holds a card read for the next case intake:
/// the applicant hands the card over and the staff member fills in the
/// rest of the intake within minutes; an older read is not taken for a
/// later applicant.
pub const APPLICANT_HOLD: Duration = Duration::from_secs(10 * 60);

/// A card read, already sealed and masked by the link (the plain name and
/// ID number never reach this actor).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct CardRead {
    /// The sealed and masked ID number and the holder's fingerprint.
    pub personal: Personal,
    /// The holder's name, sealed (for a case intake at a window).
    pub name_sealed: Option<String>,
    /// Decided from the holder's age (`[priority] special_age`).
    pub priority: Priority,
    pub applicant: Applicant,
}

/// What a read means at this reader, as the message to act on.
pub enum ReadAction {
    /// At a kiosk: take a ticket through it.
    TakeTicket(Box<IssueTicket>),
    /// At a window: this is the applicant now.
    Identify(Applicant),
    /// The same card again, too soon.
    Ignore,
}

/// The rule for one read (`core::card_reading::decide`), as a ticket
/// request or the applicant. `last` is the fingerprint and time of the
/// previous read that counted.
pub fn action(
    cfg: &CardReaderConfig,
    read: CardRead,
    last: Option<(&str, Instant)>,
    now: Instant,
) -> ReadAction {
    let holder = read.personal.holders.first().map(String::as_str);
    let decision = card_reading::decide(cfg, holder, last, now);
    act_on(decision, read)
}

/// The message a decision about `read` calls for: its priority and
/// personal data go with the ticket request unchanged.
fn act_on(decision: Decision, read: CardRead) -> ReadAction {
    match decision {
        Decision::Ignore => ReadAction::Ignore,
        Decision::Identify => ReadAction::Identify(read.applicant),
        Decision::TakeTicket {
            item,
            channel,
            deadline,
        } => ReadAction::TakeTicket(Box::new(IssueTicket {
            deadline: Some(deadline),
            appointment: None,
            item,
            queue: None,
            channel,
            priority: read.priority,
            personal: read.personal,
            idempotency_key: None,
        })),
    }
}

/// A card reader as the dashboard and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct CardReaderView {
    pub id: String,
    pub kiosk: Option<String>,
    pub window: Option<String>,
    pub connected: bool,
    pub reads: u64,
    pub errors: u64,
    /// At a kiosk: the number and id of the last ticket a read took.
    pub last_ticket: Option<String>,
    pub last_ticket_id: Option<String>,
    /// At a kiosk: why the last read took no ticket (an issue error code).
    pub last_refusal: Option<String>,
    /// The last card holder read (at a window: the applicant for the next
    /// case intake), masked.
    pub applicant: Option<Applicant>,
}

pub struct CardReaderActor {
    cfg: CardReaderConfig,
    alarms: Addr<AlarmActor>,
    kiosk: Option<Addr<KioskActor>>,
    connected: bool,
    raised_offline: bool,
    reads: u64,
    errors: u64,
    /// The last read that counted, for the re-read quiet time.
    last: Option<LastRead>,
    last_ticket: Option<(String, String)>,
    last_refusal: Option<String>,
    applicant: Option<Applicant>,
    /// At a window: the last read, sealed, until an intake takes it.
    held: Option<(HeldApplicant, Instant)>,
}

/// A window reader's card holder for a case intake: sealed ID number and
/// name (opened only by the application layer) and the masked view.
#[derive(Debug, Clone)]
pub struct HeldApplicant {
    pub id_sealed: String,
    pub name_sealed: String,
    pub applicant: Applicant,
}

/// Takes the card holder a window reader read in the last
/// [`APPLICANT_HOLD`], once: a second intake needs the card read again.
/// `None`: no such read.
#[derive(Message)]
#[rtype(result = "Option<HeldApplicant>")]
pub struct TakeApplicant;

impl Handler<TakeApplicant> for CardReaderActor {
    type Result = MessageResult<TakeApplicant>;

    fn handle(&mut self, _: TakeApplicant, _: &mut Self::Context) -> Self::Result {
        let held = self.held.take();
        MessageResult(
            held.filter(|(_, at)| at.elapsed() <= APPLICANT_HOLD)
                .map(|(h, _)| h),
        )
    }
}

impl CardReaderActor {
    pub fn new(
        cfg: CardReaderConfig,
        alarms: Addr<AlarmActor>,
        kiosk: Option<Addr<KioskActor>>,
    ) -> Self {
        Self {
            cfg,
            alarms,
            kiosk,
            connected: false,
            raised_offline: false,
            reads: 0,
            errors: 0,
            last: None,
            last_ticket: None,
            last_refusal: None,
            applicant: None,
            held: None,
        }
    }
}

impl Actor for CardReaderActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
    }
}

impl Handler<LinkEvent> for CardReaderActor {
    type Result = ();

    fn handle(&mut self, msg: LinkEvent, _: &mut Self::Context) {
        let change = match &msg {
            LinkEvent::Connected => {
                tracing::info!(reader = %self.cfg.id, path = %self.cfg.path, "card reader connected");
                self.connected = true;
                card_reading::offline_change(&self.cfg.id, self.raised_offline, Port::Open)
            }
            LinkEvent::Disconnected { reason } => {
                if self.connected {
                    tracing::warn!(reader = %self.cfg.id, reason = %reason, "card reader disconnected");
                }
                self.connected = false;
                card_reading::offline_change(
                    &self.cfg.id,
                    self.raised_offline,
                    Port::Lost { reason },
                )
            }
            LinkEvent::Error { reason } => {
                self.errors += 1;
                tracing::debug!(reader = %self.cfg.id, reason, "card reader error");
                None
            }
        };
        match change {
            Some(AlarmChange::Raise(alarm)) => {
                self.raised_offline = true;
                if let Err(e) = self.alarms.try_send(Raise(alarm)) {
                    tracing::error!(reader = %self.cfg.id, error = %e, "alarm could not be raised");
                }
            }
            Some(AlarmChange::Clear(id)) => {
                self.raised_offline = false;
                if let Err(e) = self.alarms.try_send(Clear(id)) {
                    tracing::error!(reader = %self.cfg.id, error = %e, "alarm could not be cleared");
                }
            }
            None => {}
        }
    }
}

impl Handler<CardRead> for CardReaderActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, read: CardRead, _: &mut Self::Context) -> Self::Result {
        let now = Instant::now();
        let holder = read.personal.holders.first().cloned();
        let last = self.last.as_ref().map(|(h, at)| (h.as_str(), *at));
        let decision = card_reading::decide(&self.cfg, holder.as_deref(), last, now);
        self.last = card_reading::remember(&decision, self.last.take(), holder.as_deref(), now);
        if decision != Decision::Ignore {
            self.reads += 1;
            self.applicant = Some(read.applicant.clone());
        }
        if decision == Decision::Identify {
            self.held = match (&read.personal.id_sealed, &read.name_sealed) {
                (Some(id), Some(name)) => Some((
                    HeldApplicant {
                        id_sealed: id.clone(),
                        name_sealed: name.clone(),
                        applicant: read.applicant.clone(),
                    },
                    now,
                )),
                _ => None,
            };
        }
        let act = act_on(decision, read);
        match act {
            ReadAction::Ignore => Box::pin(actix::fut::ready(())),
            ReadAction::Identify(applicant) => {
                tracing::info!(reader = %self.cfg.id, window = ?self.cfg.window, applicant = %applicant.id_masked, "applicant identified");
                self.applicant = Some(applicant);
                Box::pin(actix::fut::ready(()))
            }
            ReadAction::TakeTicket(ticket) => {
                let Some(kiosk) = self.kiosk.clone() else {
                    return Box::pin(actix::fut::ready(()));
                };
                let screen = kiosk.clone();
                let holder = self.applicant.clone();
                let fut = async move {
                    let issued = kiosk
                        .send(TakeTicket(*ticket))
                        .await
                        .map_err(|_| IssueError::Unavailable)??;
                    // Durable: now print it (the ticket stands either way).
                    let print = kiosk
                        .send(PrintIssued(Box::new(issued.ticket.clone())))
                        .await
                        .ok()
                        .flatten();
                    Ok::<_, IssueError>((issued, print))
                };
                Box::pin(fut.into_actor(self).map(move |res, act, _| {
                    // The kiosk's screen shows what the read did.
                    let event = card_event(&res, holder.as_ref());
                    if let Err(e) = screen.try_send(RecordEvent(event)) {
                        tracing::warn!(reader = %act.cfg.id, error = %e, "card read not shown on the kiosk screen");
                    }
                    match res {
                        Ok((issued, _)) => {
                            tracing::info!(reader = %act.cfg.id, ticket = %issued.ticket.id, number = %issued.ticket.number, priority = ?issued.ticket.priority, "ticket taken by ID card");
                            act.last_ticket = Some((issued.ticket.number, issued.ticket.id));
                            act.last_refusal = None;
                        }
                        Err(e) => {
                            tracing::warn!(reader = %act.cfg.id, error = %e, "card read took no ticket");
                            act.last_refusal = Some(e.code().to_string());
                        }
                    }
                }))
            }
        }
    }
}

#[derive(Message)]
#[rtype(result = "CardReaderView")]
pub struct GetCardReader;

impl Handler<GetCardReader> for CardReaderActor {
    type Result = MessageResult<GetCardReader>;

    fn handle(&mut self, _: GetCardReader, _: &mut Self::Context) -> Self::Result {
        MessageResult(CardReaderView {
            id: self.cfg.id.clone(),
            kiosk: self.cfg.kiosk.clone(),
            window: self.cfg.window.clone(),
            connected: self.connected,
            reads: self.reads,
            errors: self.errors,
            last_ticket: self.last_ticket.as_ref().map(|t| t.0.clone()),
            last_ticket_id: self.last_ticket.as_ref().map(|t| t.1.clone()),
            last_refusal: self.last_refusal.clone(),
            applicant: self.applicant.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;

    use super::*;
    use crate::alarm::Severity;
    use crate::core::ticket::Channel;

    fn cfg(kiosk: bool) -> CardReaderConfig {
        CardReaderConfig {
            id: "R1".into(),
            path: "/dev/ttyUSB0".into(),
            baud: 115_200,
            kiosk: kiosk.then(|| "K1".to_string()),
            window: (!kiosk).then(|| "3".to_string()),
            item: kiosk.then(|| "general".to_string()),
        }
    }

    fn read(holder: &str) -> CardRead {
        CardRead {
            personal: Personal {
                id_sealed: Some("sealed".into()),
                id_masked: Some("110***********002X".into()),
                holders: vec![holder.into()],
                ..Personal::default()
            },
            priority: Priority::Special,
            name_sealed: Some("sealed-name".into()),
            applicant: Applicant {
                name_masked: "张*丰".into(),
                id_masked: "110***********002X".into(),
                read_at: Utc::now(),
            },
        }
    }

    #[test]
    fn a_kiosk_read_takes_a_ticket_for_the_item() {
        let now = Instant::now();
        let ReadAction::TakeTicket(t) = action(&cfg(true), read("h1"), None, now) else {
            panic!("a kiosk read takes a ticket");
        };
        assert_eq!(t.item.as_deref(), Some("general"));
        assert_eq!(t.priority, Priority::Special);
        assert_eq!(t.channel, Channel::Onsite);
        assert_eq!(t.personal.id_masked.as_deref(), Some("110***********002X"));
        assert!(t.idempotency_key.is_none() && t.deadline.is_some());
    }

    #[actix::test]
    async fn a_window_reader_holds_the_sealed_holder_for_one_intake() {
        let mut hall = crate::testing::demo_hall();
        hall.card_readers.push(cfg(false));
        let dir = crate::testing::start(hall);
        let reader = dir.card_readers.get("R1").expect("reader R1").clone();
        assert!(
            reader.send(TakeApplicant).await.unwrap().is_none(),
            "nothing read yet"
        );
        reader.send(read("h1")).await.unwrap();
        let held = reader.send(TakeApplicant).await.unwrap().expect("held");
        assert_eq!(held.id_sealed, "sealed");
        assert_eq!(held.name_sealed, "sealed-name");
        assert_eq!(held.applicant.name_masked, "张*丰");
        // Once: the next intake needs the card again.
        assert!(reader.send(TakeApplicant).await.unwrap().is_none());
        // The masked view stays for the dashboard.
        let view = reader.send(GetCardReader).await.unwrap();
        assert_eq!(
            view.applicant.map(|a| a.id_masked).as_deref(),
            Some("110***********002X")
        );
    }

    #[actix::test]
    async fn a_kiosk_reader_holds_nobody_for_an_intake() {
        let mut hall = crate::testing::demo_hall();
        hall.card_readers.push(cfg(true));
        let dir = crate::testing::start(hall);
        let reader = dir.card_readers.get("R1").expect("reader R1").clone();
        reader.send(read("h2")).await.unwrap();
        assert!(reader.send(TakeApplicant).await.unwrap().is_none());
    }

    #[test]
    fn a_window_read_identifies_the_applicant() {
        let now = Instant::now();
        match action(&cfg(false), read("h1"), None, now) {
            ReadAction::Identify(a) => assert_eq!(a.name_masked, "张*丰"),
            _ => panic!("a window read identifies"),
        }
    }

    #[test]
    fn the_same_card_is_not_read_twice_in_a_row() {
        let now = Instant::now();
        let c = cfg(true);
        assert!(matches!(
            action(
                &c,
                read("h1"),
                Some(("h1", now)),
                now + Duration::from_secs(5)
            ),
            ReadAction::Ignore
        ));
        assert!(matches!(
            action(
                &c,
                read("h2"),
                Some(("h1", now)),
                now + Duration::from_secs(5)
            ),
            ReadAction::TakeTicket(_)
        ));
        assert!(matches!(
            action(&c, read("h1"), Some(("h1", now)), now + REREAD_QUIET),
            ReadAction::TakeTicket(_)
        ));
    }

    #[test]
    fn the_offline_alarm_names_the_reader() {
        let a = offline_alarm("R1", "port vanished");
        assert_eq!(a.id, "reader/R1/offline");
        assert_eq!(a.severity, Severity::Error);
    }
}
