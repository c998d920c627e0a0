//! A no-show comes back (过号重排): the hall checks the time limit, the
//! queue decides and commits.

use actix::prelude::*;

use super::HallActor;
use crate::core::ticket::{Ticket, TicketStatus};
pub use crate::queue::RejoinError;
use crate::queue::RejoinTicket;
use crate::views::TicketView;

/// A citizen who missed their call comes back: the ticket rejoins its queue
/// a few places back (`calling.rejoin_places`), if within the time limit.
#[derive(Message)]
#[rtype(result = "Result<TicketView, RejoinError>")]
pub struct Rejoin(pub Box<Ticket>);

impl Handler<Rejoin> for HallActor {
    type Result = ResponseActFuture<Self, Result<TicketView, RejoinError>>;

    fn handle(&mut self, msg: Rejoin, _: &mut Self::Context) -> Self::Result {
        let t = *msg.0;
        let now = self.clock.now();
        let calling = self.config.calling.clone();
        let checked = if t.status != TicketStatus::NoShow {
            Err(RejoinError::NotSkipped)
        } else if t.day != self.clock.day(now) {
            Err(RejoinError::OtherDay)
        } else if t
            .finished_at
            .is_some_and(|f| (now - f).num_seconds() > i64::from(calling.rejoin_within_s))
        {
            Err(RejoinError::TooLate(calling.rejoin_within_s / 60))
        } else {
            Ok(())
        };
        let queue = self.queues.get(t.line_queue()).cloned();
        Box::pin(fut::wrap_future(async move {
            checked?;
            let queue = queue.ok_or(RejoinError::Unavailable)?;
            // The queue decides and commits in one handler, so two rejoins
            // of the same ticket cannot both put it back in line.
            queue
                .send(RejoinTicket {
                    ticket: Box::new(t),
                    places: calling.rejoin_places as usize,
                })
                .await
                .map_err(|_| RejoinError::Unavailable)?
        }))
    }
}
