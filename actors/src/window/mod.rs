//! The window actor (窗口): one per service window. It owns the window's
//! state machine, its logged-in staff and the ticket it is serving, takes
//! tickets from its queues, and answers every terminal command exactly once.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use chrono::Utc;
use tingwu_protocols::terminal::Reply;
use tracing::warn;

use crate::clock::HallClock;
use crate::config::{CallingConfig, QueueRole, StaffConfig, WindowConfig};
use crate::core::strategy::{BlendState, Strategy};
use crate::core::ticket::Ticket;
use crate::core::window_actions::{self as actions, Change, Desk};
use crate::events::EventBody;
use crate::keys;
use crate::queue::{Enqueue, PutBack, QueueActor, ServiceObserved};
use crate::records::WindowRecord;
use crate::store::{Commit, Store};
use crate::views::WindowView;

mod admin;
mod attendance;
mod command;
mod serving;

pub use admin::{GetWindow, SetEnabled, SetStrategy};
pub use attendance::{
    seed_log, DayLog, GetActivity, LogEntry, SetAttendanceAnomaly, WindowActivity,
};
pub use command::Command;
pub use serving::{GetServing, Serving};

/// How many command replies a window remembers in memory for duplicates.
const REMEMBERED_REPLIES: usize = 4096;

pub struct WindowActor {
    cfg: WindowConfig,
    clock: HallClock,
    store: Store,
    staff: Arc<Vec<StaffConfig>>,
    /// The queues this window serves: id, role, address.
    queues: Vec<(String, QueueRole, Addr<QueueActor>)>,
    /// Every queue of the hall, by id: service times, transfers.
    queue_by_id: Arc<HashMap<String, Addr<QueueActor>>>,
    calling: CallingConfig,
    /// Calls here are silent (静默叫号): no voice on the screens.
    silent: bool,
    strategy: Strategy,
    blend: BlendState,
    /// Tickets this window set aside (park), waiting to be taken back.
    parked: Vec<Ticket>,
    record: WindowRecord,
    ticket: Option<Ticket>,
    day: String,
    replies: HashMap<String, Reply>,
    reply_order: VecDeque<String>,
    /// Today's states and staff, for attendance (`attendance.rs`).
    day_log: DayLog,
    /// An attendance anomaly holds (set by supervision): shown as 考勤异常.
    anomaly: bool,
}

/// Everything a window needs to know about the hall besides itself.
#[derive(Clone)]
pub struct WindowContext {
    pub clock: HallClock,
    pub store: Store,
    pub staff: Arc<Vec<StaffConfig>>,
    pub queues: Arc<HashMap<String, Addr<QueueActor>>>,
    pub calling: CallingConfig,
}

impl WindowActor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cfg: WindowConfig,
        ctx: WindowContext,
        strategy: Strategy,
        record: WindowRecord,
        ticket: Option<Ticket>,
        parked: Vec<Ticket>,
        day: String,
        replies: Vec<(String, Reply)>,
    ) -> Self {
        let queues = cfg
            .queues
            .iter()
            .filter_map(|wq| {
                ctx.queues
                    .get(&wq.queue)
                    .map(|a| (wq.queue.clone(), wq.role, a.clone()))
            })
            .collect();
        let silent = ctx.calling.silent
            || ctx.calling.silent_windows.contains(&cfg.id)
            || ctx.calling.silent_areas.contains(&cfg.area);
        let mut actor = Self {
            cfg,
            clock: ctx.clock,
            store: ctx.store,
            staff: ctx.staff,
            queues,
            queue_by_id: ctx.queues,
            calling: ctx.calling,
            silent,
            strategy,
            blend: BlendState::default(),
            parked,
            record,
            ticket,
            day,
            replies: HashMap::new(),
            reply_order: VecDeque::new(),
            day_log: DayLog::new(ctx.clock.day_began(ctx.clock.now())),
            anomaly: false,
        };
        actor.note_state();
        for (id, reply) in replies {
            actor.remember(id, reply);
        }
        actor
    }

    /// Replaces the log a new window starts with (logged out since the
    /// start of the day, then its recovered state now) with `log`
    /// ([`seed_log`]).
    pub fn with_day_log(mut self, log: DayLog) -> Self {
        self.day_log = log;
        self
    }

    fn remember(&mut self, id: String, reply: Reply) {
        if self.replies.insert(id.clone(), reply).is_none() {
            self.reply_order.push_back(id);
        }
        while self.reply_order.len() > REMEMBERED_REPLIES {
            if let Some(old) = self.reply_order.pop_front() {
                self.replies.remove(&old);
            }
        }
    }

    fn roll_day(&mut self) {
        let today = self.clock.day(self.clock.now());
        if today > self.day {
            self.day = today;
            self.replies.clear();
            self.reply_order.clear();
        }
    }

    fn desk(&self) -> Desk<'_> {
        Desk {
            cfg: &self.cfg,
            record: &self.record,
            ticket: self.ticket.as_ref(),
            parked: &self.parked,
            silent: self.silent,
        }
    }

    /// The window as shown with `record` and `ticket`.
    pub fn view_of(&self, record: &WindowRecord, ticket: Option<&Ticket>) -> WindowView {
        self.shown(actions::view_of(&self.desk(), record, ticket))
    }

    /// The window as shown now.
    pub fn view_now(&self) -> WindowView {
        self.view()
    }

    fn view(&self) -> WindowView {
        self.view_of(&self.record, self.ticket.as_ref())
    }

    fn next_version(&self) -> u64 {
        let now = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(0);
        (self.record.version + 1).max(now)
    }

    /// Queues the change's commit now; the returned future applies it to
    /// the actor once durable and yields the reply.
    fn commit(
        &mut self,
        cmd_id: String,
        mut change: Change,
        received: Instant,
    ) -> ResponseActFuture<Self, Reply> {
        change.record.version = self.next_version();
        let mut commit = Commit::default();
        commit.put_json(keys::window(&self.cfg.id), &change.record);
        if let Some(t) = &change.write_ticket {
            commit.put_json(keys::ticket(&t.day, &t.queue, t.seq), t);
        }
        commit.put_json(
            keys::command(&self.day, &self.cfg.id, &cmd_id),
            &change.reply,
        );
        for e in &change.events {
            commit.event(e.clone());
        }
        // The view after the change: its record, its ticket and its parked
        // tickets (issue 8, item 17: not the parked list from before).
        let after = Desk {
            parked: &change.parked,
            ..self.desk()
        };
        commit.event(EventBody::Window(self.shown(actions::view_of(
            &after,
            &change.record,
            change.ticket.as_ref(),
        ))));
        let durable = match self.store.enqueue(commit) {
            Ok(f) => f,
            Err(e) => {
                warn!(window = %self.cfg.id, error = %e, "command not committed");
                if let Some(t) = change.untaken {
                    if let Some(q) = self.queue_by_id.get(t.line_queue()).cloned() {
                        // Nothing was written: the ticket is still waiting on disk.
                        actix::spawn(async move {
                            let _ = q.send(PutBack(Box::new(t))).await;
                        });
                    }
                }
                let reply = Reply::error(Some(cmd_id), "unavailable", e.to_string());
                return Box::pin(fut::ready(reply));
            }
        };
        Box::pin(durable.into_actor(self).map(move |res, act, _| match res {
            Ok(_) => {
                if change.is_call {
                    metrics::counter!("tingwu_calls_total", "window" => act.cfg.id.clone())
                        .increment(1);
                    metrics::histogram!("tingwu_call_latency_seconds")
                        .record(received.elapsed().as_secs_f64());
                    // The prediction checked against what really happened.
                    if let Some(t) = &change.ticket {
                        if let (Some(predicted), Some(called)) = (t.predicted_wait_s, t.called_at) {
                            let actual = (called - t.issued_at).num_milliseconds() as f64 / 1000.0;
                            metrics::histogram!("tingwu_wait_prediction_error_seconds")
                                .record((actual - predicted as f64).abs());
                            metrics::histogram!("tingwu_ticket_wait_seconds")
                                .record(actual.max(0.0));
                        }
                    }
                }
                if let Some((queue, secs)) = &change.observed_service {
                    if let Some(q) = act.queue_by_id.get(queue) {
                        // Only feeds an estimate: dropping it under load is fine.
                        let _ = q.try_send(ServiceObserved { seconds: *secs });
                    }
                }
                if let Some((class, available)) = &change.blended {
                    act.blend.record(&act.strategy, *class, available);
                }
                if let Some((queue, t)) = change.transfer {
                    if let Some(q) = act.queue_by_id.get(&queue).cloned() {
                        // Durable already: the queue only places it in line.
                        actix::spawn(async move {
                            let _ = q.send(Enqueue(Box::new(t))).await;
                        });
                    }
                }
                act.parked = change.parked;
                act.record = change.record;
                act.ticket = change.ticket;
                act.note_state();
                act.remember(cmd_id, change.reply.clone());
                change.reply
            }
            Err(e) => {
                warn!(window = %act.cfg.id, error = %e, "command not committed");
                Reply::error(Some(cmd_id), "unavailable", e.to_string())
            }
        }))
    }
}

impl WindowActor {
    /// Answers a refusal that is an answer about the command itself
    /// (`queue_empty`, `bad_state`, `window_disabled`, `recall_limit`, ...)
    /// and keeps it like a successful reply: in memory at once and durably
    /// under `keys::command`, so that a redelivery of the same command, even
    /// after a restart, gets the same answer instead of taking effect later
    /// (issue 8, item 8: an answer, once given, is final). Transient failures
    /// (`unavailable`, `busy`) are not refusals and never come here.
    ///
    /// The answer waits for the commit; if the commit fails, the refusal is
    /// still the true answer and is given, kept in memory only (logged).
    fn refuse(&mut self, cmd_id: String, reply: Reply) -> AtomicResponse<Self, Reply> {
        AtomicResponse::new(self.refuse_durably(cmd_id, reply))
    }

    /// [`Self::refuse`] as a future, for handlers already inside one.
    fn refuse_durably(&mut self, cmd_id: String, reply: Reply) -> ResponseActFuture<Self, Reply> {
        self.remember(cmd_id.clone(), reply.clone());
        let mut commit = Commit::default();
        commit.put_json(keys::command(&self.day, &self.cfg.id, &cmd_id), &reply);
        match self.store.enqueue(commit) {
            Ok(durable) => Box::pin(durable.into_actor(self).map(move |res, act, _| {
                if let Err(e) = res {
                    warn!(window = %act.cfg.id, command = %cmd_id, error = %e,
                        "refusal kept in memory only");
                }
                reply
            })),
            Err(e) => {
                warn!(window = %self.cfg.id, command = %cmd_id, error = %e,
                    "refusal kept in memory only");
                Box::pin(fut::ready(reply))
            }
        }
    }
}

impl Actor for WindowActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
    }
}
