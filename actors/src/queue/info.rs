//! What the queue tells and is told: its counts, a ticket's position, and
//! the observations behind the predicted wait.

use actix::prelude::*;

use super::QueueActor;
use crate::core::numbering::wait_known;
use crate::views::{QueueView, WindowView};

/// The queue's counts.
#[derive(Message)]
#[rtype(result = "QueueView")]
pub struct GetQueue;

impl Handler<GetQueue> for QueueActor {
    type Result = MessageResult<GetQueue>;

    fn handle(&mut self, _: GetQueue, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        MessageResult(self.view())
    }
}

/// Where a waiting ticket stands now, by its id: (people ahead, estimated
/// wait); None when it is not in this queue's line.
#[derive(Message)]
#[rtype(result = "Option<(u64, u64)>")]
pub struct Position {
    pub id: String,
}

impl Handler<Position> for QueueActor {
    type Result = Option<(u64, u64)>;

    fn handle(&mut self, msg: Position, _: &mut Self::Context) -> Self::Result {
        self.position(&msg.id)
    }
}

/// Whether some window of this queue is open to call now
/// (`core::numbering::wait_known`): without one, a ticket's wait is unknown.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct WaitKnown;

impl Handler<WaitKnown> for QueueActor {
    type Result = bool;

    fn handle(&mut self, _: WaitKnown, _: &mut Self::Context) -> Self::Result {
        wait_known(self.staffed.values())
    }
}

/// A service finished; feeds the wait estimate.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ServiceObserved {
    pub seconds: f64,
}

impl Handler<ServiceObserved> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: ServiceObserved, _: &mut Self::Context) {
        self.service.observe(msg.seconds);
    }
}

/// A window serving this queue changed (from committed events), or its
/// state at start-up: for the wait prediction.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WindowChanged(pub Box<WindowView>);

impl Handler<WindowChanged> for QueueActor {
    type Result = ();

    fn handle(&mut self, msg: WindowChanged, _: &mut Self::Context) {
        let w = *msg.0;
        let newer = self
            .staffed
            .get(&w.id)
            .is_none_or(|old| w.version >= old.version);
        if newer && w.queues.iter().any(|q| q.queue == self.cfg.id) {
            self.staffed.insert(w.id.clone(), w);
        }
    }
}
