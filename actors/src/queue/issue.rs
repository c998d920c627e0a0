//! Taking a number (取号): idempotent replays, the next number, the
//! predicted wait, one durable commit.

use actix::prelude::*;

use super::QueueActor;
use crate::core::numbering::{new_ticket, Request};
use crate::core::ticket::{AppointmentSlot, Channel, Personal, Priority};
use crate::events::EventBody;
use crate::keys;
use crate::store::{Commit, StoreError};
use crate::views::TicketView;

/// Take a number.
#[derive(Message)]
#[rtype(result = "Result<Issued, StoreError>")]
pub struct Issue {
    pub item: Option<String>,
    pub channel: Channel,
    pub priority: Priority,
    pub personal: Personal,
    pub idempotency_key: Option<String>,
    /// The booked slot, for a ticket taken by an appointment check-in.
    pub appointment: Option<AppointmentSlot>,
    /// After this the requester has given up (its HTTP request timed out):
    /// issuing then would give a ticket to nobody.
    pub deadline: Option<std::time::Instant>,
}

#[derive(Debug, Clone)]
pub struct Issued {
    pub ticket: TicketView,
    /// True when an Idempotency-Key matched an earlier request.
    pub replayed: bool,
}

impl Handler<Issue> for QueueActor {
    type Result = ResponseFuture<Result<Issued, StoreError>>;

    fn handle(&mut self, msg: Issue, _ctx: &mut Self::Context) -> Self::Result {
        self.roll_day();
        if msg.deadline.is_some_and(|d| std::time::Instant::now() > d) {
            metrics::counter!("tingwu_issue_expired_total").increment(1);
            return Box::pin(async { Err(StoreError::Busy) });
        }
        if let Some(key) = &msg.idempotency_key {
            if let Some(t) = self.idempotency.get(key) {
                let ticket = self.ticket_view(t);
                // The first request may still be committing: answer only once it is durable.
                let barrier = self.store.barrier();
                return Box::pin(async move {
                    barrier?.await?;
                    Ok(Issued {
                        ticket,
                        replayed: true,
                    })
                });
            }
        }
        let now = self.clock.now();
        let (seq, arrival) = self.numbering.peek(now.timestamp_micros());
        let day = self.numbering.day.clone();
        let request = Request {
            item: msg.item,
            channel: msg.channel,
            priority: msg.priority,
            personal: msg.personal,
            appointment: msg.appointment,
        };
        let mut ticket = new_ticket(
            &day,
            &self.cfg.id,
            &self.cfg.prefix,
            seq,
            arrival,
            now,
            request,
        );
        self.line.push(ticket.clone());
        let ahead = self.line.people_ahead(&ticket.id).unwrap_or(0);
        let wait = self.predict(ahead);
        // Kept with the ticket, to check the prediction when it is called.
        ticket.predicted_wait_s = Some(wait);
        self.line.push(ticket.clone());
        let view = TicketView::of(&ticket, ahead as u64, wait);
        let mut commit = Commit::default();
        commit.put_json(keys::ticket(&day, &self.cfg.id, seq), &ticket);
        if let Some(key) = &msg.idempotency_key {
            commit.put(keys::idempotency(&day, key), ticket.id.clone().into_bytes());
        }
        let mut queue_view = self.view();
        queue_view.issued = u64::from(seq);
        let version = self.next_version();
        queue_view.version = version;
        commit
            .event(EventBody::Ticket(view.clone()))
            .event(EventBody::Queue(queue_view));
        let durable = match self.store.enqueue(commit) {
            Ok(f) => f,
            Err(e) => {
                // Refused before it reached the writer: no trace, number unused.
                self.line.take_id(&ticket.id);
                return Box::pin(async move { Err(e) });
            }
        };
        self.numbering.taken(seq, arrival);
        self.version = version;
        if let Some(key) = msg.idempotency_key {
            self.idempotency.insert(key, ticket);
        }
        self.publish_gauge();
        let queue = self.cfg.id.clone();
        Box::pin(async move {
            durable.await?;
            metrics::counter!("tingwu_tickets_issued_total", "queue" => queue).increment(1);
            Ok(Issued {
                ticket: view,
                replayed: false,
            })
        })
    }
}
