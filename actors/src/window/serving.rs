//! [`GetServing`]: who is logged in at the window and the ticket it has
//! called or is serving — what a case intake (一窗受理) starts from.

use actix::prelude::*;

use super::WindowActor;
use crate::core::ticket::Ticket;
use crate::core::window_state::WindowState;

/// The staff id logged in and the ticket called or being served, if any.
#[derive(Message)]
#[rtype(result = "Serving")]
pub struct GetServing;

/// A window's answer to [`GetServing`].
#[derive(Debug, Clone)]
pub struct Serving {
    /// The staff member logged in (none: logged out).
    pub staff: Option<String>,
    /// The ticket called or being served.
    pub ticket: Option<Ticket>,
}

impl Handler<GetServing> for WindowActor {
    type Result = MessageResult<GetServing>;

    fn handle(&mut self, _: GetServing, _: &mut Self::Context) -> Self::Result {
        let ticket = match self.record.state {
            WindowState::Called | WindowState::Serving => self.ticket.clone(),
            _ => None,
        };
        MessageResult(Serving {
            staff: self.record.staff.as_ref().map(|s| s.id.clone()),
            ticket,
        })
    }
}
