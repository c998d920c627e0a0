//! 好差评 at work: one actor per hall keeps each window's rating prompt,
//! records the citizen's answer from any evaluator (RS-485, MQTT, the
//! tablet page) or "not rated" when the prompt times out, and keeps the
//! follow-ups of bad ratings. The rules are `tingwu_core::rating`; this
//! actor only owns the state, commits it and raises the alarms.
//!
//! - A prompt opens when a window finishes a service (a committed `ticket`
//!   event with status `done`), for that service (一次一评), with the staff
//!   member the window's last `window` event named. A prompt still open
//!   when the window finishes its next service is recorded "not rated".
//! - [`Rate`] applies `rating::rate`; [`Sweep`] (every [`SWEEP_EVERY`],
//!   with the hall clock's `now`, or sent by tests with any `now`) records
//!   timed-out prompts as "not rated" and raises or clears the
//!   `follow_up_overdue` alarms.
//! - A bad rating opens a follow-up in the same commit and raises
//!   `evaluation/{ticket}/bad` once durable; the notifier sends the
//!   `bad_rating` notice from the committed event.
//!
//! Durable keys: `rp/{window}` (prompt and record), `rr/{day}/{ticket}`
//! (the record), `rf/{ticket}` (the follow-up); each change is also an
//! `Audit` event (`tingwu_core::rating::stored`).

mod follow_ups;
mod prompts;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tracing::warn;

pub use follow_ups::{Act, ActOnFollowUp, FollowUpActError, FollowUpView, GetFollowUps};
pub use prompts::{GetPrompt, Rate, RateError, ServiceFinished, Sweep};

use crate::alarm::AlarmActor;
use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::case::{CaseEventBody, TicketCases};
use crate::core::rating::follow_up::FollowUp;
use crate::core::rating::stored::{RatingState, WindowPrompt, RATING_DETAIL_VERSION};
use crate::events::{AuditEntry, CommittedEvent, EventBody};
use crate::store::Store;

/// How often timed-out prompts and overdue follow-ups are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

pub struct RatingActor {
    cfg: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    alarms: Addr<AlarmActor>,
    /// Each window's latest prompt.
    prompts: HashMap<String, WindowPrompt>,
    /// Follow-ups by ticket id, closed ones too.
    follow_ups: BTreeMap<String, FollowUp>,
    /// The staff member at each window, from its committed changes.
    staff: HashMap<String, String>,
    /// Follow-ups whose overdue alarm is raised.
    overdue: BTreeSet<String>,
    /// The cases each ticket led to (from committed `received` case
    /// events): a rating's `service.case` is the first of its ticket's.
    tickets: TicketCases,
    /// Whether the actor runs its own sweep (off in tests that send
    /// [`Sweep`] with an injected `now`).
    sweeping: bool,
}

impl RatingActor {
    /// The actor with what storage recovered and the staff at each window
    /// at start-up.
    pub fn new(
        cfg: Arc<HallConfig>,
        clock: HallClock,
        store: Store,
        alarms: Addr<AlarmActor>,
        recovered: RatingState,
        staff: HashMap<String, String>,
    ) -> Self {
        Self {
            cfg,
            clock,
            store,
            alarms,
            prompts: recovered
                .prompts
                .into_iter()
                .map(|p| (p.prompt.service.window.clone(), p))
                .collect(),
            // Every recovered follow-up counts as possibly alarmed: the
            // first sweep clears the overdue alarm of those no longer red
            // (clearing one that is not open changes nothing).
            overdue: recovered
                .follow_ups
                .iter()
                .map(|f| f.service.ticket.clone())
                .collect(),
            follow_ups: recovered
                .follow_ups
                .into_iter()
                .map(|f| (f.service.ticket.clone(), f))
                .collect(),
            staff,
            tickets: TicketCases::default(),
            sweeping: true,
        }
    }

    /// The cases tickets led to before start-up (from the recovered case
    /// records), so a service finished after a restart keeps its case.
    pub fn with_ticket_cases(mut self, tickets: TicketCases) -> Self {
        self.tickets = tickets;
        self
    }

    /// No sweep of its own: tests drive time with [`Sweep`].
    pub fn without_sweep(mut self) -> Self {
        self.sweeping = false;
        self
    }

    fn on_event(&mut self, e: &CommittedEvent, ctx: &mut Context<Self>) {
        match &e.body {
            EventBody::Window(w) => match &w.staff {
                Some(s) => {
                    self.staff.insert(w.id.clone(), s.id.clone());
                }
                None => {
                    self.staff.remove(&w.id);
                }
            },
            EventBody::Case(c) => {
                if let CaseEventBody::Received {
                    item,
                    ticket: Some(ticket),
                    ..
                } = &c.body
                {
                    self.tickets.record(ticket, item, &c.case);
                }
            }
            EventBody::Ticket(t) if t.status == crate::core::ticket::TicketStatus::Done => {
                if let Some(window) = &t.window {
                    ctx.notify(ServiceFinished {
                        ticket: t.id.clone(),
                        number: t.number.clone(),
                        window: window.clone(),
                        at: e.ts,
                    });
                }
            }
            _ => {}
        }
    }
}

/// The `Audit` event of a rating or follow-up change.
fn audit(who: &str, action: &str, ticket: &str, detail: &impl serde::Serialize) -> EventBody {
    let mut detail = serde_json::to_value(detail).unwrap_or_default();
    if let Some(o) = detail.as_object_mut() {
        o.insert("v".into(), RATING_DETAIL_VERSION.into());
    }
    EventBody::Audit(AuditEntry {
        who: who.to_string(),
        action: action.to_string(),
        target: ticket.to_string(),
        reason: None,
        detail,
    })
}

impl Actor for RatingActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        ctx.add_stream(BroadcastStream::new(self.store.subscribe()));
        if self.sweeping {
            ctx.run_interval(SWEEP_EVERY, |act, ctx| {
                ctx.notify(Sweep {
                    now: act.clock.now(),
                });
            });
        }
    }
}

impl StreamHandler<Result<Arc<CommittedEvent>, BroadcastStreamRecvError>> for RatingActor {
    fn handle(
        &mut self,
        item: Result<Arc<CommittedEvent>, BroadcastStreamRecvError>,
        ctx: &mut Self::Context,
    ) {
        match item {
            Ok(e) => self.on_event(&e, ctx),
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                // A missed `done` only means no prompt for that service.
                warn!(
                    missed = n,
                    "rating actor fell behind the events; some services get no rating prompt"
                );
                metrics::counter!("tingwu_rating_prompts_missed_total").increment(n);
            }
        }
    }

    fn finished(&mut self, _: &mut Self::Context) {
        warn!("rating actor's event stream ended");
    }
}
