//! Windows take tickets: the heads of the line by class, the first of a
//! class, a named ticket; and tickets that come back (put back after a
//! refused commit, or transferred here).

use actix::prelude::*;

use super::QueueActor;
use crate::core::strategy::Class;
use crate::core::ticket::{OrderKey, Ticket};
use crate::views::QueueView;

/// The first ticket of each class and the length of the line, for a window
/// choosing with its strategy.
#[derive(Message)]
#[rtype(result = "LineHeads")]
pub struct Heads;

#[derive(Debug, Clone, Default)]
pub struct LineHeads {
    pub heads: Vec<(Class, OrderKey)>,
    pub len: usize,
}

impl Handler<Heads> for QueueActor {
    type Result = MessageResult<Heads>;

    fn handle(&mut self, _: Heads, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        MessageResult(LineHeads {
            heads: self.line.heads(),
            len: self.line.len(),
        })
    }
}

/// Take the first ticket of a class. If another window was faster, the
/// first is now the next of the same class, which is what the window's
/// strategy would choose from this queue anyway; only when the class has
/// emptied does the window choose again. (`expect` is what the window saw,
/// for the log.) So many windows calling at once never spin.
#[derive(Message)]
#[rtype(result = "Taken")]
pub struct TakeClass {
    pub class: Class,
    pub expect: OrderKey,
}

#[derive(Debug)]
pub enum Taken {
    /// The ticket, now out of the line, and the queue after it left.
    Ticket(Box<Ticket>, QueueView),
    /// The line changed under the window: choose again.
    Changed,
    /// No such ticket waits here.
    Missing,
}

impl Handler<TakeClass> for QueueActor {
    type Result = MessageResult<TakeClass>;

    fn handle(&mut self, msg: TakeClass, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        match self.line.take_class(msg.class) {
            Some(t) => {
                self.changed();
                MessageResult(Taken::Ticket(Box::new(t), self.view()))
            }
            None => MessageResult(Taken::Changed),
        }
    }
}

/// Take a named ticket out of order (by id or number).
#[derive(Message)]
#[rtype(result = "Taken")]
pub struct TakeNamed {
    pub ticket: String,
}

impl Handler<TakeNamed> for QueueActor {
    type Result = MessageResult<TakeNamed>;

    fn handle(&mut self, msg: TakeNamed, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        let id = match self.line.get(&msg.ticket) {
            Some(t) => t.id.clone(),
            None => match self.line.find_number(&msg.ticket) {
                Some(t) => t.id.clone(),
                None => return MessageResult(Taken::Missing),
            },
        };
        match self.line.take_id(&id) {
            Some(t) => {
                self.changed();
                MessageResult(Taken::Ticket(Box::new(t), self.view()))
            }
            None => MessageResult(Taken::Missing),
        }
    }
}

/// A taken ticket whose call could not be committed goes back in line, in
/// its old place (storage never saw it leave).
#[derive(Message)]
#[rtype(result = "()")]
pub struct PutBack(pub Box<Ticket>);

impl Handler<PutBack> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: PutBack, _: &mut Self::Context) {
        if msg.0.day == self.numbering.day {
            self.line.push(*msg.0);
            self.changed();
        }
    }
}

/// A ticket joins this queue's line after a durable change elsewhere (a
/// transfer from a window): the sender has committed
/// the ticket as waiting here; the queue only places it.
#[derive(Message)]
#[rtype(result = "QueueView")]
pub struct Enqueue(pub Box<Ticket>);

impl Handler<Enqueue> for QueueActor {
    type Result = MessageResult<Enqueue>;

    fn handle(&mut self, msg: Enqueue, _: &mut Self::Context) -> Self::Result {
        // Yesterday's line is gone; a ticket of another day does not join today's.
        if msg.0.day == self.numbering.day {
            self.line.push(*msg.0);
            self.changed();
        }
        MessageResult(self.view())
    }
}
