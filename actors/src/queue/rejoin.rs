//! A no-show rejoins its line a few places back, once.

use actix::prelude::*;

use super::QueueActor;
use crate::core::numbering::rejoined;
use crate::core::ticket::Ticket;
use crate::events::EventBody;
use crate::keys;
use crate::store::{Commit, StoreError};
use crate::views::TicketView;

/// Why a no-show could not rejoin its queue.
#[derive(Debug, thiserror::Error)]
pub enum RejoinError {
    #[error("only a ticket skipped as a no-show can rejoin (只有过号的号票可以重新排队)")]
    NotSkipped,
    #[error("a no-show may rejoin within {0} minutes of being skipped; this one is too late (已超过重新排队时限)")]
    TooLate(u32),
    #[error("that ticket is from another day")]
    OtherDay,
    #[error("this ticket has already rejoined the queue today (已重新排队)")]
    AlreadyRejoined,
    #[error(transparent)]
    Storage(#[from] StoreError),
    #[error("the hall is shutting down")]
    Unavailable,
}

/// A no-show comes back (the hall has checked the time limit): it rejoins
/// `places` places back in its class. Checked, committed and placed in one
/// handler, so it rejoins at most once.
#[derive(Message)]
#[rtype(result = "Result<TicketView, RejoinError>")]
pub struct RejoinTicket {
    pub ticket: Box<Ticket>,
    pub places: usize,
}

impl Handler<RejoinTicket> for QueueActor {
    type Result = ResponseFuture<Result<TicketView, RejoinError>>;

    fn handle(&mut self, msg: RejoinTicket, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        let t = *msg.ticket;
        if t.day != self.numbering.day {
            return Box::pin(async { Err(RejoinError::OtherDay) });
        }
        if self.rejoined.contains(&t.id) || self.line.get(&t.id).is_some() {
            return Box::pin(async { Err(RejoinError::AlreadyRejoined) });
        }
        let class = crate::core::dispatch::class_of(&t);
        let arrival = self
            .line
            .arrival_after(class, msg.places)
            .unwrap_or_else(|| self.clock.now().timestamp_micros());
        let t = rejoined(t, arrival);
        let mut commit = Commit::default();
        commit.put_json(keys::ticket(&t.day, &t.queue, t.seq), &t);
        self.line.push(t.clone());
        let view = self.ticket_view(&t);
        commit
            .event(EventBody::Ticket(view.clone()))
            .event(EventBody::Queue(self.view()));
        let durable = match self.store.enqueue(commit) {
            Ok(f) => f,
            Err(e) => {
                self.line.take_id(&t.id);
                return Box::pin(async move { Err(RejoinError::Storage(e)) });
            }
        };
        self.rejoined.insert(t.id.clone());
        self.changed();
        Box::pin(async move {
            durable.await?;
            Ok(view)
        })
    }
}
