//! The window actor (窗口): one per service window. It owns the window's
//! state machine, its logged-in staff and the ticket it is serving, takes
//! tickets from its queues, and answers every terminal command exactly once.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use actix::prelude::*;
use chrono::Utc;
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};
use tracing::{info, warn};

use crate::clock::HallClock;
use crate::config::{CallingConfig, QueueRole, StaffConfig, WindowConfig};
use crate::core::strategy::{available_classes, pick, BlendState, Class, QueueHeads, Strategy};
use crate::core::ticket::{Ticket, TicketStatus};
use crate::core::window_state::{next_state, WindowState};
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::queue::{
    Enqueue, Heads, PutBack, QueueActor, ServiceObserved, TakeClass, TakeNamed, Taken,
};
use crate::records::WindowRecord;
use crate::store::{Commit, Store};
use crate::views::{CallView, QueueView, StaffView, TicketRef, TicketView, WindowView};

/// How many command replies a window remembers in memory for duplicates.
const REMEMBERED_REPLIES: usize = 4096;
/// Attempts at taking a head that other windows keep taking first.
const TAKE_ATTEMPTS: usize = 32;

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
}

/// Everything a command changes, applied only after it is durable.
struct Change {
    record: WindowRecord,
    ticket: Option<Ticket>,
    /// The ticket record to write, if the command changed one.
    write_ticket: Option<Ticket>,
    events: Vec<EventBody>,
    reply: Reply,
    observed_service: Option<(String, f64)>,
    is_call: bool,
    /// For a call: the ticket as it waited, to put back if the commit is refused.
    untaken: Option<Ticket>,
    /// For a blended call: the class called and the classes that were waiting.
    blended: Option<(Class, Vec<Class>)>,
    /// A ticket sent to another queue's line once the change is durable.
    transfer: Option<(String, Ticket)>,
    parked: Vec<Ticket>,
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
        };
        for (id, reply) in replies {
            actor.remember(id, reply);
        }
        actor
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

    pub fn view_of(&self, record: &WindowRecord, ticket: Option<&Ticket>) -> WindowView {
        let pause_message = if !record.enabled {
            Some("窗口停用 / Window closed".to_string())
        } else if record.state == WindowState::Paused {
            Some(match &record.pause_reason {
                Some(r) if !r.trim().is_empty() => {
                    format!("{} ({})", self.cfg.pause_message, r.trim())
                }
                _ => self.cfg.pause_message.clone(),
            })
        } else {
            None
        };
        WindowView {
            id: self.cfg.id.clone(),
            number: self.cfg.number,
            name: self.cfg.name.clone(),
            name_en: self.cfg.name_en.clone(),
            area: self.cfg.area.clone(),
            state: record.state,
            state_zh: record.state.label_zh().to_string(),
            enabled: record.enabled,
            staff: record.staff.clone(),
            ticket: ticket.map(|t| TicketRef {
                id: t.id.clone(),
                number: t.number.clone(),
            }),
            queues: self.cfg.queues.clone(),
            pause_message,
            version: record.version,
            silent: self.silent,
            busy_since: ticket.and_then(|t| t.started_at.or(t.called_at)),
            parked: self
                .parked
                .iter()
                .map(|t| TicketRef {
                    id: t.id.clone(),
                    number: t.number.clone(),
                })
                .collect(),
        }
    }

    /// The window as shown now.
    pub fn view_now(&self) -> WindowView {
        self.view()
    }

    fn view(&self) -> WindowView {
        self.view_of(&self.record, self.ticket.as_ref())
    }

    fn call_view(&self, t: &Ticket, recall: bool) -> CallView {
        CallView {
            ticket: t.id.clone(),
            number: t.number.clone(),
            window: self.cfg.id.clone(),
            window_number: self.cfg.number,
            window_name: self.cfg.name.clone(),
            queue: t.queue.clone(),
            recall,
        }
    }

    fn ticket_json(t: &Ticket) -> Option<serde_json::Value> {
        serde_json::to_value(TicketView::of(t, 0, 0)).ok()
    }

    /// Works out a command that needs no other actor.
    fn plan(&self, cmd: &TerminalCommand, to: WindowState) -> Result<Change, Reply> {
        let id = Some(cmd.id.clone());
        let mut record = self.record.clone();
        record.state = to;
        let mut ticket = self.ticket.clone();
        let mut write_ticket = None;
        let mut events = Vec::new();
        let mut observed_service = None;
        let mut transfer = None;
        let mut parked = self.parked.clone();
        let now = Utc::now();
        match cmd.action {
            Action::Login => {
                let staff_id = cmd.staff.as_deref().unwrap_or_default();
                let pin = cmd.pin.as_deref().unwrap_or_default();
                let person = self.staff.iter().find(|s| s.id == staff_id);
                let Some(person) = person.filter(|s| s.pin == pin) else {
                    return Err(Reply::error(
                        id,
                        "bad_login",
                        "unknown staff id or wrong PIN (工号或密码错误)",
                    ));
                };
                if !person.windows.is_empty() && !person.windows.contains(&self.cfg.id) {
                    return Err(Reply::error(
                        id,
                        "bad_login",
                        format!(
                            "staff {} may not log in at window {} (无权在此窗口登录)",
                            person.id, self.cfg.id
                        ),
                    ));
                }
                record.staff = Some(StaffView {
                    id: person.id.clone(),
                    name: person.name.clone(),
                });
            }
            Action::Logout => {
                if !self.parked.is_empty() {
                    return Err(Reply::error(
                        id,
                        "bad_state",
                        format!(
                            "{} parked ticket(s) wait at this window; unpark or transfer them before logging out (有挂起的号)",
                            self.parked.len()
                        ),
                    ));
                }
                record.staff = None
            }
            Action::Pause => record.pause_reason = cmd.reason.clone(),
            Action::Resume => record.pause_reason = None,
            Action::Recall => {
                let Some(mut t) = ticket.take() else {
                    return Err(Reply::error(id, "bad_state", "no ticket at this window"));
                };
                if t.recalls >= self.calling.recall_limit {
                    return Err(Reply::error(
                        id,
                        "recall_limit",
                        format!(
                            "{} has been recalled {} times, the limit; skip it instead (重呼次数已达上限)",
                            t.number, t.recalls
                        ),
                    ));
                }
                t.recalls += 1;
                events.push(EventBody::Call(self.call_view(&t, true)));
                write_ticket = Some(t.clone());
                ticket = Some(t);
            }
            Action::Transfer => {
                let Some(mut t) = ticket.take() else {
                    return Err(Reply::error(id, "bad_state", "no ticket at this window"));
                };
                let Some(target) = cmd.queue.clone() else {
                    return Err(Reply::error(
                        id,
                        "bad_request",
                        "give the \"queue\" to transfer to (转移目标队列)",
                    ));
                };
                if !self.queue_by_id.contains_key(&target) {
                    return Err(Reply::error(
                        id,
                        "unknown_queue",
                        format!("unknown queue {target:?} (队列不存在)"),
                    ));
                }
                // Keeps its arrival; goes ahead of new arrivals there.
                t.status = TicketStatus::Waiting;
                t.returned = true;
                t.window = None;
                t.waiting_in = (target != t.queue).then(|| target.clone());
                record.ticket = None;
                events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
                events.push(EventBody::Audit(AuditEntry {
                    who: self.who(),
                    action: "transfer".into(),
                    target: t.id.clone(),
                    reason: cmd.reason.clone(),
                    detail: serde_json::json!({"from_window": self.cfg.id, "to_queue": target}),
                }));
                write_ticket = Some(t.clone());
                transfer = Some((target, t));
            }
            Action::Park => {
                let Some(mut t) = ticket.take() else {
                    return Err(Reply::error(id, "bad_state", "no ticket at this window"));
                };
                t.status = TicketStatus::Parked;
                record.ticket = None;
                events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
                write_ticket = Some(t.clone());
                parked.push(t);
            }
            Action::Unpark => {
                let wanted = cmd.ticket.as_deref().unwrap_or_default();
                let Some(pos) = parked
                    .iter()
                    .position(|t| t.id == wanted || t.number == wanted)
                else {
                    return Err(Reply::error(
                        id,
                        "not_found",
                        format!("no parked ticket {wanted:?} at this window (无此挂起号)"),
                    ));
                };
                let mut t = parked.remove(pos);
                t.status = TicketStatus::Called;
                t.called_at = Some(now);
                t.recalls = 0;
                record.ticket = Some(t.id.clone());
                events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
                events.push(EventBody::Call(self.call_view(&t, false)));
                write_ticket = Some(t.clone());
                ticket = Some(t);
            }
            Action::Start | Action::Finish | Action::Skip => {
                let Some(mut t) = ticket.take() else {
                    return Err(Reply::error(id, "bad_state", "no ticket at this window"));
                };
                match cmd.action {
                    Action::Start => {
                        t.status = TicketStatus::Serving;
                        t.started_at = Some(now);
                        ticket = Some(t.clone());
                    }
                    Action::Finish => {
                        t.status = TicketStatus::Done;
                        t.finished_at = Some(now);
                        if let Some(started) = t.started_at {
                            let secs = (now - started).num_milliseconds() as f64 / 1000.0;
                            observed_service = Some((t.queue.clone(), secs));
                        }
                    }
                    _ => {
                        t.status = TicketStatus::NoShow;
                        t.finished_at = Some(now);
                    }
                }
                record.ticket = ticket.as_ref().map(|t| t.id.clone());
                events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
                write_ticket = Some(t);
            }
            // Both need the queues: handled in `handle`.
            Action::CallNext | Action::Call => {}
        }
        let reply = Reply::ok(
            id,
            write_ticket
                .as_ref()
                .or(ticket.as_ref())
                .and_then(Self::ticket_json),
        );
        Ok(Change {
            record,
            ticket,
            write_ticket,
            events,
            reply,
            observed_service,
            is_call: false,
            untaken: None,
            blended: None,
            transfer,
            parked,
        })
    }

    /// Who is acting at this window, for the audit log.
    fn who(&self) -> String {
        self.record
            .staff
            .as_ref()
            .map_or_else(|| format!("window {}", self.cfg.id), |s| s.id.clone())
    }

    /// The change for a ticket just taken from a queue.
    fn called(&self, cmd_id: &str, mut t: Ticket, queue: QueueView) -> Change {
        let untaken = t.clone();
        t.status = TicketStatus::Called;
        t.window = Some(self.cfg.id.clone());
        t.called_at = Some(Utc::now());
        let mut record = self.record.clone();
        record.state = WindowState::Called;
        record.ticket = Some(t.id.clone());
        Change {
            events: vec![
                EventBody::Ticket(TicketView::of(&t, 0, 0)),
                EventBody::Queue(queue),
                EventBody::Call(self.call_view(&t, false)),
            ],
            reply: Reply::ok(Some(cmd_id.to_string()), Self::ticket_json(&t)),
            record,
            write_ticket: Some(t.clone()),
            ticket: Some(t),
            observed_service: None,
            is_call: true,
            untaken: Some(untaken),
            blended: None,
            transfer: None,
            parked: self.parked.clone(),
        }
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
        commit.event(EventBody::Window(
            self.view_of(&change.record, change.ticket.as_ref()),
        ));
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
    /// Answers a refusal and remembers it (in memory), so that a redelivery
    /// of the same command gets the same answer instead of taking effect
    /// later. Transient failures (`unavailable`, `busy`) are not refusals
    /// and are not remembered.
    fn refuse(&mut self, cmd_id: String, reply: Reply) -> AtomicResponse<Self, Reply> {
        self.remember(cmd_id, reply.clone());
        AtomicResponse::new(Box::pin(fut::ready(reply)))
    }
}

impl Actor for WindowActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
    }
}

/// A command from this window's terminal (or its web caller), already
/// parsed and checked to come from this window's own device.
#[derive(Message)]
#[rtype(result = "Reply")]
pub struct Command {
    pub cmd: TerminalCommand,
    pub received: Instant,
    /// The staff member a caller-page session speaks for; the command is
    /// refused if someone else is logged in at the window (checked here,
    /// with the window's own state, so no login can slip in between).
    /// None for the window's own terminal.
    pub acting_staff: Option<String>,
}

impl Handler<Command> for WindowActor {
    type Result = AtomicResponse<Self, Reply>;

    fn handle(&mut self, msg: Command, _ctx: &mut Self::Context) -> Self::Result {
        self.roll_day();
        let cmd = msg.cmd;
        if let Some(reply) = self.replies.get(&cmd.id) {
            metrics::counter!("tingwu_duplicate_commands_total").increment(1);
            info!(window = %self.cfg.id, command = %cmd.id, "duplicate command answered again");
            return AtomicResponse::new(Box::pin(fut::ready(reply.clone())));
        }
        let id = Some(cmd.id.clone());
        if let (Some(acting), Some(on_duty)) = (&msg.acting_staff, &self.record.staff) {
            if acting != &on_duty.id {
                // Not remembered: it says nothing about the command itself.
                return AtomicResponse::new(Box::pin(fut::ready(Reply::error(
                    id,
                    "forbidden",
                    format!(
                        "staff {} is logged in at window {} (本窗口已由其他工作人员登录)",
                        on_duty.id, self.cfg.id
                    ),
                ))));
            }
        }
        if !self.record.enabled
            // Unpark stays allowed: it finishes a citizen already begun.
            && matches!(cmd.action, Action::Login | Action::CallNext | Action::Call)
        {
            let reply = Reply::error(
                id,
                "window_disabled",
                "this window is disabled by a supervisor (窗口已停用)",
            );
            return self.refuse(cmd.id, reply);
        }
        let to = match next_state(self.record.state, cmd.action) {
            Ok(to) => to,
            Err(e) => {
                let reply = Reply::error(id, "bad_state", e.to_string());
                return self.refuse(cmd.id, reply);
            }
        };
        if !matches!(cmd.action, Action::CallNext | Action::Call) {
            return match self.plan(&cmd, to) {
                Ok(change) => AtomicResponse::new(self.commit(cmd.id, change, msg.received)),
                Err(reply) => self.refuse(cmd.id, reply),
            };
        }
        let cmd_id = cmd.id.clone();
        let received = msg.received;
        // Call only from one queue, if the command names it.
        let queues: Vec<(String, QueueRole, Addr<QueueActor>)> = match &cmd.queue {
            Some(q) => self
                .queues
                .iter()
                .filter(|(id, _, _)| id == q)
                .cloned()
                .collect(),
            None => self.queues.clone(),
        };
        if queues.is_empty() {
            let reply = Reply::error(
                Some(cmd_id.clone()),
                "unknown_queue",
                format!(
                    "this window does not serve queue {} (本窗口不办理该队列)",
                    cmd.queue.as_deref().unwrap_or_default()
                ),
            );
            return self.refuse(cmd_id, reply);
        }
        let take: futures::future::BoxFuture<'static, Result<Option<Took>, String>> =
            if cmd.action == Action::Call {
                // Out of order: a named ticket from any of the window's queues.
                let wanted = cmd.ticket.clone().unwrap_or_default();
                Box::pin(async move {
                    for (_, _, q) in &queues {
                        match q
                            .send(TakeNamed {
                                ticket: wanted.clone(),
                            })
                            .await
                        {
                            Ok(Taken::Ticket(t, view)) => {
                                return Ok(Some(Took {
                                    ticket: *t,
                                    queue: view,
                                    blended: None,
                                }))
                            }
                            Ok(_) => continue,
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                    Ok(None)
                })
            } else {
                let strategy = self.strategy.clone();
                let blend = self.blend.clone();
                let clock = self.clock;
                Box::pin(take_next(queues, strategy, blend, clock))
            };
        let reason = cmd.reason.clone();
        let named = cmd.action == Action::Call;
        let fut = take
            .into_actor(self)
            .then(move |res, act, _| -> ResponseActFuture<Self, Reply> {
                match res {
                    Ok(Some(took)) => {
                        let mut change = act.called(&cmd_id, took.ticket, took.queue);
                        change.blended = took.blended;
                        if named {
                            if let Some(t) = &change.ticket {
                                change.events.push(EventBody::Audit(AuditEntry {
                                    who: act.who(),
                                    action: "call_out_of_order".into(),
                                    target: t.id.clone(),
                                    reason,
                                    detail: serde_json::json!({"window": act.cfg.id, "number": t.number}),
                                }));
                            }
                        }
                        act.commit(cmd_id, change, received)
                    }
                    Ok(None) if named => {
                        let reply = Reply::error(
                            Some(cmd_id.clone()),
                            "not_found",
                            "that ticket is not waiting in this window's queues (该号不在本窗口队列中)",
                        );
                        act.remember(cmd_id, reply.clone());
                        Box::pin(fut::ready(reply))
                    }
                    Ok(None) => {
                        let reply = Reply::error(
                            Some(cmd_id.clone()),
                            "queue_empty",
                            "no one is waiting in this window's queues (当前无人等候)",
                        );
                        // A redelivery must not call a ticket that came later.
                        act.remember(cmd_id, reply.clone());
                        Box::pin(fut::ready(reply))
                    }
                    Err(e) => Box::pin(fut::ready(Reply::error(Some(cmd_id), "unavailable", e))),
                }
            });
        AtomicResponse::new(Box::pin(fut))
    }
}

/// A ticket taken for a call.
struct Took {
    ticket: Ticket,
    queue: QueueView,
    /// The class called and the classes waiting, for the blend's count.
    blended: Option<(Class, Vec<Class>)>,
}

/// Chooses with the window's strategy and takes that ticket; if another
/// window took it first, chooses again.
async fn take_next(
    queues: Vec<(String, QueueRole, Addr<QueueActor>)>,
    strategy: Strategy,
    blend: BlendState,
    clock: HallClock,
) -> Result<Option<Took>, String> {
    for _ in 0..TAKE_ATTEMPTS {
        let lines = futures::future::join_all(queues.iter().map(|(_, _, q)| q.send(Heads))).await;
        let heads: Vec<QueueHeads> = queues
            .iter()
            .zip(lines)
            .map(|((_, role, _), l)| {
                let l = l.unwrap_or_default();
                QueueHeads {
                    role: *role,
                    heads: l.heads,
                    len: l.len,
                }
            })
            .collect();
        let now = clock.now().timestamp_micros();
        let Some(p) = pick(&strategy, &blend, now, &heads) else {
            return Ok(None);
        };
        let available = available_classes(&strategy, now, &heads);
        let Some((_, _, queue)) = queues.get(p.queue) else {
            return Ok(None);
        };
        match queue
            .send(TakeClass {
                class: p.class,
                expect: p.key,
            })
            .await
        {
            Ok(Taken::Ticket(t, view)) => {
                return Ok(Some(Took {
                    ticket: *t,
                    queue: view,
                    blended: Some((p.class, available)),
                }))
            }
            Ok(_) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("too many windows are calling at once, try again".to_string())
}

/// The window as the API and screens show it.
#[derive(Message)]
#[rtype(result = "WindowView")]
pub struct GetWindow;

impl Handler<GetWindow> for WindowActor {
    type Result = MessageResult<GetWindow>;

    fn handle(&mut self, _: GetWindow, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.view())
    }
}

/// A supervisor changed this window's calling strategy; it applies from
/// the next call.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetStrategy(pub Strategy);

impl Handler<SetStrategy> for WindowActor {
    type Result = ();

    fn handle(&mut self, msg: SetStrategy, _: &mut Self::Context) {
        info!(window = %self.cfg.id, strategy = ?msg.0, "calling strategy changed");
        self.strategy = msg.0;
        self.blend = BlendState::default();
    }
}

/// A supervisor enables or disables (停用) the window.
#[derive(Message)]
#[rtype(result = "Result<WindowView, String>")]
pub struct SetEnabled {
    pub enabled: bool,
    pub reason: Option<String>,
    pub by: String,
}

impl Handler<SetEnabled> for WindowActor {
    type Result = AtomicResponse<Self, Result<WindowView, String>>;

    fn handle(&mut self, msg: SetEnabled, _: &mut Self::Context) -> Self::Result {
        let mut record = self.record.clone();
        record.version = self.next_version();
        record.enabled = msg.enabled;
        record.disabled_reason = if msg.enabled {
            None
        } else {
            msg.reason.clone()
        };
        let view = self.view_of(&record, self.ticket.as_ref());
        let mut commit = Commit::default();
        commit
            .put_json(keys::window(&self.cfg.id), &record)
            .event(EventBody::Window(view.clone()));
        let durable = match self.store.enqueue(commit) {
            Ok(f) => f,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e.to_string())))),
        };
        info!(window = %self.cfg.id, enabled = msg.enabled, by = %msg.by, reason = ?msg.reason, "window enabled changed");
        AtomicResponse::new(Box::pin(durable.into_actor(self).map(
            move |res, act, _| match res {
                Ok(_) => {
                    act.record = record;
                    Ok(view)
                }
                Err(e) => Err(e.to_string()),
            },
        )))
    }
}
