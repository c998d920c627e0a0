//! The queue actor (队列): issues numbers and holds the waiting line of one
//! queue. Windows take tickets from it; a taken ticket becomes the window's.

use std::collections::HashMap;

use actix::prelude::*;
use tracing::info;

use crate::clock::HallClock;
use crate::config::QueueConfig;
use crate::core::dispatch::Line;
use crate::core::estimate::{estimated_wait_s, ServiceTime};
use crate::core::predict::{expected_remaining_s, predict_wait_s};
use crate::core::strategy::Class;
use crate::core::ticket::{
    format_number, ticket_id, Channel, OrderKey, Personal, Priority, Ticket, TicketStatus,
};
use crate::core::window_state::WindowState;
use crate::events::EventBody;
use crate::keys;
use crate::store::{Commit, Store, StoreError};
use crate::views::{QueueView, TicketView, WindowView};

pub struct QueueActor {
    cfg: QueueConfig,
    clock: HallClock,
    store: Store,
    day: String,
    next_seq: u32,
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
    /// Last arrival stamp handed out, so arrival order is strict.
    last_arrival: i64,
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
        let mut next_seq = 1;
        let mut last_arrival = 0;
        for t in tickets.iter().filter(|t| t.day == day) {
            if t.queue == cfg.id {
                next_seq = next_seq.max(t.seq + 1);
                last_arrival = last_arrival.max(t.arrival);
            }
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
            day,
            next_seq,
            line,
            version: u64::try_from(clock.now().timestamp_micros()).unwrap_or(0),
            idempotency: idempotency.into_iter().collect(),
            service: ServiceTime::new(default_service_s),
            windows,
            staffed: HashMap::new(),
            rejoined: std::collections::HashSet::new(),
            last_arrival,
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
            issued: u64::from(self.next_seq.saturating_sub(1)),
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
        let mean = self.service.mean_s();
        let now = self.clock.now();
        let free_in: Vec<f64> = self
            .staffed
            .values()
            .filter(|w| w.enabled)
            .filter_map(|w| match w.state {
                WindowState::Idle => Some(0.0),
                WindowState::Called | WindowState::Serving => {
                    let elapsed = w
                        .busy_since
                        .map_or(0.0, |t| (now - t).num_milliseconds() as f64 / 1000.0);
                    Some(expected_remaining_s(elapsed, mean))
                }
                WindowState::Paused | WindowState::LoggedOut => None,
            })
            .collect();
        match predict_wait_s(ahead, &free_in, mean) {
            Some(w) if w.is_finite() && w >= 0.0 => w.round() as u64,
            _ => estimated_wait_s(ahead, self.windows, mean),
        }
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
        // Forward only: a clock stepped back must not restart the numbers of
        // a day that already has tickets.
        if today > self.day {
            info!(queue = %self.cfg.id, from = %self.day, to = %today, waiting_dropped = self.line.len(), "new hall day");
            self.day = today;
            self.next_seq = 1;
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
    pub appointment: Option<crate::core::ticket::AppointmentSlot>,
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
        let seq = self.next_seq;
        let number = format_number(&self.cfg.prefix, seq);
        let arrival = now.timestamp_micros().max(self.last_arrival + 1);
        let mut ticket = Ticket {
            id: ticket_id(&self.day, &number),
            day: self.day.clone(),
            queue: self.cfg.id.clone(),
            seq,
            number,
            item: msg.item,
            channel: msg.channel,
            priority: msg.priority,
            status: TicketStatus::Waiting,
            issued_at: now,
            arrival,
            window: None,
            called_at: None,
            started_at: None,
            finished_at: None,
            personal: msg.personal,
            returned: false,
            appointment: msg.appointment,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        };
        self.line.push(ticket.clone());
        let ahead = self.line.people_ahead(&ticket.id).unwrap_or(0);
        let wait = self.predict(ahead);
        // Kept with the ticket, to check the prediction when it is called.
        ticket.predicted_wait_s = Some(wait);
        self.line.push(ticket.clone());
        let view = TicketView::of(&ticket, ahead as u64, wait);
        let mut commit = Commit::default();
        commit.put_json(keys::ticket(&self.day, &self.cfg.id, seq), &ticket);
        if let Some(key) = &msg.idempotency_key {
            commit.put(
                keys::idempotency(&self.day, key),
                ticket.id.clone().into_bytes(),
            );
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
        self.next_seq += 1;
        self.last_arrival = arrival;
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
        if msg.0.day == self.day {
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
        if msg.0.day == self.day {
            self.line.push(*msg.0);
            self.changed();
        }
        MessageResult(self.view())
    }
}

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
        let mut t = *msg.ticket;
        if t.day != self.day {
            return Box::pin(async { Err(RejoinError::OtherDay) });
        }
        if self.rejoined.contains(&t.id) || self.line.get(&t.id).is_some() {
            return Box::pin(async { Err(RejoinError::AlreadyRejoined) });
        }
        let class = crate::core::dispatch::class_of(&t);
        t.arrival = self
            .line
            .arrival_after(class, msg.places)
            .unwrap_or_else(|| self.clock.now().timestamp_micros());
        t.status = TicketStatus::Waiting;
        t.window = None;
        t.finished_at = None;
        t.recalls = 0;
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
