//! The queue actor (队列): issues numbers and holds the waiting line of one
//! queue. Windows take tickets from it; a taken ticket becomes the window's.
//! The rules are `core::numbering` (numbers, arrivals, predicted waits) and
//! `core::dispatch` (the line); the messages are in `issue.rs`, `take.rs`,
//! `info.rs` and `rejoin.rs`.

mod info;
mod issue;
mod rejoin;
mod take;

pub use info::{GetQueue, Position, ServiceObserved, WaitKnown, WindowChanged};
pub use issue::{Issue, Issued};
pub use rejoin::{RejoinError, RejoinTicket};
pub use take::{Enqueue, Heads, LineHeads, PutBack, TakeClass, TakeNamed, Taken};

use std::collections::HashMap;

use actix::prelude::*;
use tracing::info;

use crate::clock::HallClock;
use crate::config::QueueConfig;
use crate::core::dispatch::Line;
use crate::core::estimate::ServiceTime;
use crate::core::numbering::{predicted_wait_s, Numbering};
use crate::core::ticket::{Ticket, TicketStatus};
use crate::events::EventBody;
use crate::store::Store;
use crate::views::{QueueView, TicketView, WindowView};

pub struct QueueActor {
    cfg: QueueConfig,
    clock: HallClock,
    store: Store,
    /// The day, the next number and the last arrival stamp.
    numbering: Numbering,
    line: Line,
    version: u64,
    /// Idempotency key → the ticket it produced (today).
    idempotency: HashMap<String, Ticket>,
    service: ServiceTime,
    /// Windows configured to serve this queue: the estimate's fallback when
    /// none is staffed.
    windows: usize,
    /// Tickets that rejoined today: a ticket rejoins once.
    rejoined: std::collections::HashSet<String>,
    /// The latest view of each window serving this queue, from committed
    /// events: who is staffed, idle or busy since when.
    staffed: HashMap<String, WindowView>,
}

impl QueueActor {
    /// Builds the queue from recovered tickets of `day` (any status).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: QueueConfig,
        clock: HallClock,
        store: Store,
        day: String,
        tickets: &[Ticket],
        idempotency: Vec<(String, Ticket)>,
        default_service_s: u32,
        windows: usize,
    ) -> Self {
        let mut line = Line::default();
        let numbering = Numbering::resume(&day, &cfg.id, tickets);
        for t in tickets.iter().filter(|t| t.day == day) {
            // Tickets transferred to a named window wait with that window;
            // those transferred to another queue wait there.
            let here = t.line_queue() == cfg.id;
            if here && t.status == TicketStatus::Waiting && t.reserved_for.is_none() {
                line.push(t.clone());
            }
        }
        Self {
            cfg,
            clock,
            store,
            numbering,
            line,
            version: u64::try_from(clock.now().timestamp_micros()).unwrap_or(0),
            idempotency: idempotency.into_iter().collect(),
            service: ServiceTime::new(default_service_s),
            windows,
            staffed: HashMap::new(),
            rejoined: std::collections::HashSet::new(),
        }
    }

    /// The queue's counts now.
    pub fn view_now(&self) -> QueueView {
        self.view()
    }

    fn view(&self) -> QueueView {
        QueueView {
            id: self.cfg.id.clone(),
            prefix: self.cfg.prefix.clone(),
            name: self.cfg.name.clone(),
            name_en: self.cfg.name_en.clone(),
            area: self.cfg.area.clone(),
            waiting: self.line.len() as u64,
            issued: u64::from(self.numbering.next_seq.saturating_sub(1)),
            version: self.version,
        }
    }

    fn ticket_view(&self, t: &Ticket) -> TicketView {
        match self.position(&t.id) {
            Some((ahead, wait)) if t.status == TicketStatus::Waiting => {
                TicketView::of(t, ahead, wait)
            }
            _ => TicketView::of(t, 0, 0),
        }
    }

    /// People ahead and estimated wait of a waiting ticket of this queue.
    fn position(&self, id: &str) -> Option<(u64, u64)> {
        let ahead = self.line.people_ahead(id)?;
        Some((ahead as u64, self.predict(ahead)))
    }

    /// The wait of a ticket with `ahead` people in front (core::predict):
    /// the staffed windows free up one by one, each busy one after the rest
    /// of its current service. With nobody staffed yet, the configured
    /// windows at the mean service time.
    fn predict(&self, ahead: usize) -> u64 {
        predicted_wait_s(
            ahead,
            self.staffed.values(),
            self.clock.now(),
            self.service.mean_s(),
            self.windows,
        )
    }

    /// Records a change of the line: version, gauge.
    fn changed(&mut self) {
        self.version = self.next_version();
        self.publish_gauge();
    }

    /// Starts a new day when the hall's day has turned: numbers from 001,
    /// yesterday's line dropped (those tickets stay in storage as they were).
    fn roll_day(&mut self) {
        let today = self.clock.day(self.clock.now());
        let from = self.numbering.day.clone();
        // Forward only: a clock stepped back must not restart the numbers of
        // a day that already has tickets.
        if self.numbering.roll(&today) {
            info!(queue = %self.cfg.id, from = %from, to = %today, waiting_dropped = self.line.len(), "new hall day");
            self.line.clear();
            self.idempotency.clear();
            self.rejoined.clear();
            self.version = self.next_version();
        }
    }

    /// Versions grow across restarts too (they start from the clock), so a
    /// screen that resumed after a restart never takes new counts for old.
    fn next_version(&self) -> u64 {
        let now = u64::try_from(self.clock.now().timestamp_micros()).unwrap_or(0);
        (self.version + 1).max(now)
    }

    fn publish_gauge(&self) {
        metrics::gauge!("tingwu_queue_waiting", "queue" => self.cfg.id.clone())
            .set(self.line.len() as f64);
    }
}

impl Actor for QueueActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        self.publish_gauge();
        // Window changes, for the wait prediction.
        ctx.add_stream(tokio_stream::wrappers::BroadcastStream::new(
            self.store.subscribe(),
        ));
    }
}

type EventItem = Result<
    std::sync::Arc<crate::events::CommittedEvent>,
    tokio_stream::wrappers::errors::BroadcastStreamRecvError,
>;

impl StreamHandler<EventItem> for QueueActor {
    fn handle(&mut self, item: EventItem, ctx: &mut Self::Context) {
        // A lagged stream only makes the prediction older until the next change.
        if let Ok(e) = item {
            if let EventBody::Window(w) = &e.body {
                Handler::<WindowChanged>::handle(self, WindowChanged(Box::new(w.clone())), ctx);
            }
        }
    }

    // The event stream ends only at shutdown; the queue must not stop with it.
    fn finished(&mut self, _: &mut Self::Context) {}
}
