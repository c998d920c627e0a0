//! The queue actor (队列): issues numbers and holds the waiting line of one
//! queue. Windows take tickets from it; a taken ticket becomes the window's.
//! The rules are `core::numbering` (numbers, arrivals, predicted waits) and
//! `core::dispatch` (the line); the messages are in `issue.rs`, `take.rs`,
//! `info.rs` and `rejoin.rs`.

mod info;
mod issue;
mod load;
mod rejoin;
mod take;

pub use info::{GetQueue, Position, ServiceObserved, WaitKnown, WindowChanged};
pub use issue::{Issue, Issued};
pub use load::{GetLoad, QueueLoad};
pub use rejoin::{RejoinError, RejoinTicket};
pub use take::{Enqueue, Heads, LineHeads, PutBack, TakeClass, TakeNamed, Taken};

use std::collections::HashMap;

use actix::prelude::*;
use tracing::{error, info};

use crate::clock::HallClock;
use crate::config::QueueConfig;
use crate::core::day_end::{end_day, DayEnd};
use crate::core::dispatch::Line;
use crate::core::estimate::ServiceTime;
use crate::core::numbering::{predicted_wait_s, Numbering};
use crate::core::ticket::{Ticket, TicketStatus};
use crate::events::EventBody;
use crate::keys;
use crate::store::{Commit, Store};
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
    /// The hall's rule for tickets still waiting when the day ends
    /// (`calling.day_end`, `core::day_end`).
    day_end: DayEnd,
}

/// How often the queue checks whether the hall's day has turned, so that
/// the end-of-day rule runs at the turn and not at the next request.
const DAY_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

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
            day_end: DayEnd::default(),
        }
    }

    /// Sets the hall's end-of-day rule and, with `carry_over`, puts the
    /// tickets of earlier days still waiting in this queue's line back in
    /// it (`carried`: the rule's outcome at start-up; others are ignored).
    pub fn with_day_end(mut self, rule: DayEnd, carried: &[Ticket]) -> Self {
        self.day_end = rule;
        if rule == DayEnd::CarryOver {
            for t in carried {
                let here = t.line_queue() == self.cfg.id;
                if here && t.status == TicketStatus::Waiting && t.reserved_for.is_none() {
                    self.line.push(t.clone());
                }
            }
        }
        self
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
    /// and the hall's end-of-day rule (`core::day_end`) for the line: with
    /// `close` every ticket still waiting is committed `expired` (record,
    /// ticket event and the emptied queue's view, in one durable commit);
    /// with `carry_over` the line stays as it is.
    fn roll_day(&mut self) {
        let now = self.clock.now();
        let today = self.clock.day(now);
        let from = self.numbering.day.clone();
        // Forward only: a clock stepped back must not restart the numbers of
        // a day that already has tickets.
        if !self.numbering.roll(&today) {
            return;
        }
        let waiting: Vec<Ticket> = self.line.iter().cloned().collect();
        let outcome = end_day(self.day_end, &today, &waiting, now);
        info!(queue = %self.cfg.id, from = %from, to = %today, rule = ?self.day_end,
            expired = outcome.expired.len(), carried = outcome.carried.len(), "new hall day");
        for t in &outcome.expired {
            self.line.take_id(&t.id);
        }
        self.idempotency.clear();
        self.rejoined.clear();
        self.version = self.next_version();
        self.publish_gauge();
        if outcome.expired.is_empty() {
            return;
        }
        let mut commit = Commit::default();
        for t in &outcome.expired {
            commit
                .put_json(keys::ticket(&t.day, &t.queue, t.seq), t)
                .event(EventBody::Ticket(TicketView::of(t, 0, 0)));
        }
        commit.event(EventBody::Queue(self.view()));
        let count = outcome.expired.len() as u64;
        let queue = self.cfg.id.clone();
        match self.store.enqueue(commit) {
            Ok(durable) => {
                actix::spawn(async move {
                    match durable.await {
                        Ok(_) => {
                            metrics::counter!("tingwu_tickets_expired_total", "queue" => queue)
                                .increment(count)
                        }
                        Err(e) => {
                            error!(queue = %queue, tickets = count, error = %e, "expired tickets not committed at the day's end; start-up applies the rule again")
                        }
                    }
                });
            }
            Err(e) => {
                error!(queue = %queue, tickets = count, error = %e, "expired tickets not committed at the day's end; start-up applies the rule again")
            }
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
        // The end-of-day rule runs when the day turns, not at the next request.
        ctx.run_interval(DAY_CHECK, |act, _| act.roll_day());
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
