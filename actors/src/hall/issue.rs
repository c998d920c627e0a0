//! Issuing a ticket (取号): idempotent replays, admission and the limit per
//! person (rules in `core::issuing`), then the queue numbers and commits it.

use actix::prelude::*;

use super::HallActor;
use crate::core::issuing::{self, fingerprint, Refusal};
use crate::core::ticket::{AppointmentSlot, Channel, Personal, Priority};
use crate::queue::{Issue, Issued};
use crate::store::StoreError;

/// Why a ticket was not issued: a refusal by the rules, or the hall could
/// not commit it. `code()` is the stable code the transports send.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("unknown service item {0:?} (事项不存在)")]
    UnknownItem(String),
    #[error("unknown queue {0:?} (队列不存在)")]
    UnknownQueue(String),
    #[error("{item} is not served at this time; service hours are {hours} (不在办理时间)")]
    ItemClosed { item: String, hours: String },
    /// Not a working day (the hall follows the working-day calendar).
    #[error("{item} 今日不办理：{off_zh}（不在办理时间） / {item} is not served today: {off_en}", off_zh = off.zh(), off_en = off.en())]
    DayOff {
        item: String,
        off: crate::core::hours::DayOff,
    },
    /// The calendar has no notice for today's year.
    #[error("今日无法确定是否为工作日，暂停取号 / tickets are paused: {0}")]
    NoCalendar(crate::core::calendar::CalendarError),
    #[error("every window for {item} is closed (该事项窗口均已停用)")]
    NoOpenWindow { item: String },
    #[error("give either \"item\" or \"queue\", not both or neither")]
    ItemOrQueue,
    #[error("this Idempotency-Key was used for a different request (幂等键已用于其他请求)")]
    IdempotencyMismatch,
    #[error("one person may take {limit} tickets for this item a day; the limit is reached (今日该事项取号次数已达上限)")]
    LimitReached { limit: u32 },
    #[error(transparent)]
    Storage(#[from] StoreError),
    #[error("the hall is shutting down")]
    Unavailable,
}

impl IssueError {
    pub fn code(&self) -> &'static str {
        match self {
            IssueError::UnknownItem(_) => "unknown_item",
            IssueError::UnknownQueue(_) => "unknown_queue",
            IssueError::ItemClosed { .. } | IssueError::DayOff { .. } => "item_closed",
            IssueError::NoCalendar(_) => "no_calendar",
            IssueError::NoOpenWindow { .. } => "no_open_window",
            IssueError::ItemOrQueue => "bad_request",
            IssueError::IdempotencyMismatch => "idempotency_mismatch",
            IssueError::LimitReached { .. } => "limit_reached",
            IssueError::Storage(StoreError::Busy) => "busy",
            IssueError::Storage(_) | IssueError::Unavailable => "unavailable",
        }
    }
}

impl From<Refusal> for IssueError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::UnknownItem(i) => IssueError::UnknownItem(i),
            Refusal::UnknownQueue(q) => IssueError::UnknownQueue(q),
            Refusal::ItemClosed { item, hours } => IssueError::ItemClosed { item, hours },
            Refusal::DayOff { item, off } => IssueError::DayOff { item, off },
            Refusal::NoCalendar(e) => IssueError::NoCalendar(e),
            Refusal::NoOpenWindow { item } => IssueError::NoOpenWindow { item },
            Refusal::ItemOrQueue => IssueError::ItemOrQueue,
            Refusal::IdempotencyMismatch => IssueError::IdempotencyMismatch,
            Refusal::LimitReached { limit } => IssueError::LimitReached { limit },
        }
    }
}

/// A request for a ticket, already validated at the edge.
#[derive(Message)]
#[rtype(result = "Result<Issued, IssueError>")]
pub struct IssueTicket {
    /// See `queue::Issue::deadline`.
    pub deadline: Option<std::time::Instant>,
    /// Set by an appointment check-in within its slot.
    pub appointment: Option<AppointmentSlot>,
    pub item: Option<String>,
    pub queue: Option<String>,
    pub channel: Channel,
    pub priority: Priority,
    pub personal: Personal,
    pub idempotency_key: Option<String>,
}

impl Handler<IssueTicket> for HallActor {
    type Result = ResponseActFuture<Self, Result<Issued, IssueError>>;

    fn handle(&mut self, msg: IssueTicket, _: &mut Self::Context) -> Self::Result {
        // A retried request goes to the queue that took the first one, which
        // answers with the same ticket; the same key with another request is
        // refused rather than silently answered with a ticket for something else.
        if let Some(key) = &msg.idempotency_key {
            if let Some((fp, queue_id)) = self.idempotency.get(key) {
                let same = *fp
                    == fingerprint(
                        msg.item.as_deref(),
                        queue_id,
                        msg.channel,
                        msg.priority,
                        &msg.personal,
                    );
                let queue = self.queues.get(queue_id).cloned();
                return Box::pin(fut::wrap_future(async move {
                    if !same {
                        return Err(IssueError::IdempotencyMismatch);
                    }
                    let queue = queue.ok_or(IssueError::Unavailable)?;
                    queue
                        .send(Issue {
                            item: msg.item,
                            channel: msg.channel,
                            priority: msg.priority,
                            personal: msg.personal,
                            idempotency_key: msg.idempotency_key,
                            deadline: msg.deadline,
                            appointment: msg.appointment,
                        })
                        .await
                        .map_err(|_| IssueError::Unavailable)?
                        .map_err(IssueError::from)
                }));
            }
        }
        self.roll_day();
        let queue_id = self
            .admission()
            .route(msg.item.as_deref(), msg.queue.as_deref());
        // Limits against hoarding (防黄牛): per person, per item, per day.
        let target = match &queue_id {
            Ok(q) => issuing::limit_target(msg.item.as_deref(), q),
            Err(_) => String::new(),
        };
        let holders = msg.personal.holders.clone();
        let limit = self.config.limits.per_person_per_item_per_day;
        // Reserved now, so requests in flight at once count too; given back
        // below if the ticket is not issued.
        let queue_id =
            queue_id.and_then(|q| self.holdings.reserve(&holders, &target, limit).map(|()| q));
        let reserved = queue_id.is_ok();
        // The key is remembered once the ticket exists (see below), so a
        // refused request leaves nothing behind for a retry to slip through.
        let key_fp = match (&msg.idempotency_key, &queue_id) {
            (Some(key), Ok(q)) => Some((
                key.clone(),
                fingerprint(
                    msg.item.as_deref(),
                    q,
                    msg.channel,
                    msg.priority,
                    &msg.personal,
                ),
                q.clone(),
            )),
            _ => None,
        };
        let queue_id = queue_id.map_err(IssueError::from);
        let queue = queue_id.and_then(|q| {
            self.queues
                .get(&q)
                .cloned()
                .ok_or(IssueError::UnknownQueue(q))
        });
        let fut = async move {
            let queue = queue?;
            let issued = queue
                .send(Issue {
                    item: msg.item,
                    channel: msg.channel,
                    priority: msg.priority,
                    personal: msg.personal,
                    idempotency_key: msg.idempotency_key,
                    deadline: msg.deadline,
                    appointment: msg.appointment,
                })
                .await
                .map_err(|_| IssueError::Unavailable)??;
            Ok(issued)
        };
        Box::pin(
            fut.into_actor(self)
                .map(move |res: Result<Issued, IssueError>, act, _| {
                    let issued_new = matches!(&res, Ok(i) if !i.replayed);
                    if reserved && !issued_new {
                        act.holdings.release(&holders, &target);
                    }
                    if let (Ok(_), Some((key, fp, q))) = (&res, key_fp) {
                        act.idempotency.insert(key, (fp, q));
                    }
                    res
                }),
        )
    }
}
