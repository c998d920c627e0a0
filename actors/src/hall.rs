//! The hall actor (大厅): owns the configuration and the wiring. It starts
//! one actor per queue, window and screen, admits ticket requests (item
//! known, within service hours, some window open) and passes supervisor
//! changes to windows.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use tingwu_protocols::terminal::Reply;
use tracing::{info, warn};

use crate::alarm::AlarmActor;
use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::hours::ServiceHours;
use crate::core::strategy::{Strategy, StrategyError};
use crate::core::ticket::{Channel, Personal, Priority, TicketStatus};
use crate::core::window_state::WindowState;
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::kiosk::KioskActor;
use crate::printer::PrinterActor;
use crate::queue::{Issue, Issued, QueueActor};
use crate::records::{Recovered, WindowRecord};
use crate::screen::{ScreenActor, ScreenScope, Sources};
use crate::store::Commit;
use crate::store::{Store, StoreError};
use crate::views::{QueueView, WindowView};
use crate::window::{SetEnabled, SetStrategy as WindowStrategy, WindowActor, WindowContext};

/// The key under which the hall-wide strategy is kept among the recovered
/// strategies (the others are by window id).
pub const HALL_STRATEGY: &str = "*";

/// Addresses of every actor of the hall, for the transports.
#[derive(Clone)]
pub struct Directory {
    pub config: Arc<HallConfig>,
    pub clock: HallClock,
    pub store: Store,
    pub hall: Addr<HallActor>,
    pub queues: HashMap<String, Addr<QueueActor>>,
    pub windows: HashMap<String, Addr<WindowActor>>,
    pub screens: HashMap<String, Addr<ScreenActor>>,
    pub kiosks: HashMap<String, Addr<KioskActor>>,
    pub dashboard: Addr<ScreenActor>,
    pub alarms: Addr<AlarmActor>,
    /// Ticket printers by id; the binary attaches their links.
    pub printers: HashMap<String, Addr<PrinterActor>>,
    /// ID-card readers by id; the binary starts their links.
    pub card_readers: HashMap<String, Addr<crate::card_reader::CardReaderActor>>,
}

impl Directory {
    /// Starts every actor of the hall from what storage recovered. Must run
    /// inside an actix system.
    pub fn start(config: Arc<HallConfig>, store: Store, recovered: Recovered) -> Self {
        let clock = HallClock::of(&config);
        let day = recovered.day.clone();
        let staff = Arc::new(config.staff.clone());
        let mut idem_by_queue: HashMap<String, Vec<_>> = HashMap::new();
        let tickets_by_id: HashMap<&str, _> = recovered
            .tickets
            .iter()
            .map(|t| (t.id.as_str(), t))
            .collect();
        for (key, ticket_id) in &recovered.idempotency {
            if let Some(t) = tickets_by_id.get(ticket_id.as_str()) {
                idem_by_queue
                    .entry(t.queue.clone())
                    .or_default()
                    .push((key.clone(), (*t).clone()));
            }
        }
        let mut queues = HashMap::new();
        let mut queue_views = Vec::new();
        for q in &config.queues {
            let serving = config.windows_serving(&q.id).count();
            let actor = QueueActor::new(
                q.clone(),
                clock,
                store.clone(),
                day.clone(),
                &recovered.tickets,
                idem_by_queue.remove(&q.id).unwrap_or_default(),
                config.estimate.default_service_s,
                serving,
            );
            queue_views.push(actor.view_now());
            queues.insert(q.id.clone(), actor.start());
        }
        let mut windows = HashMap::new();
        let mut window_views = Vec::new();
        let ctx = WindowContext {
            clock,
            store: store.clone(),
            staff: staff.clone(),
            queues: Arc::new(queues.clone()),
            calling: config.calling.clone(),
        };
        let hall_strategy = recovered
            .strategies
            .get(HALL_STRATEGY)
            .cloned()
            .unwrap_or_default();
        for w in &config.windows {
            let mut record = recovered
                .windows
                .get(&w.id)
                .cloned()
                .unwrap_or_else(WindowRecord::fresh);
            let ticket = record
                .ticket
                .as_deref()
                .and_then(|id| tickets_by_id.get(id))
                .map(|t| (*t).clone())
                .filter(|t| matches!(t.status, TicketStatus::Called | TicketStatus::Serving));
            if ticket.is_none()
                && matches!(record.state, WindowState::Called | WindowState::Serving)
            {
                // Its ticket cannot be found: rather than a window stuck
                // with nothing to finish, it starts idle (or logged out).
                warn!(window = %w.id, ticket = ?record.ticket, "window's ticket not found at start-up; window reset");
                record.state = if record.staff.is_some() {
                    WindowState::Idle
                } else {
                    WindowState::LoggedOut
                };
                record.ticket = None;
            }
            let replies: Vec<(String, Reply)> = recovered
                .commands
                .get(&w.id)
                .map(|list| {
                    list.iter()
                        .filter_map(|(id, bytes)| {
                            serde_json::from_slice(bytes).ok().map(|r| (id.clone(), r))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let parked = recovered
                .tickets
                .iter()
                .filter(|t| t.status == TicketStatus::Parked && t.window.as_deref() == Some(&w.id))
                .cloned()
                .collect();
            let strategy = recovered
                .strategies
                .get(&w.id)
                .cloned()
                .unwrap_or_else(|| hall_strategy.clone());
            let actor = WindowActor::new(
                w.clone(),
                ctx.clone(),
                strategy,
                record,
                ticket,
                parked,
                day.clone(),
                replies,
            );
            window_views.push(actor.view_now());
            windows.insert(w.id.clone(), actor.start());
        }
        // Queues predict waits from the windows that serve them: the state at
        // start here, then every committed change.
        {
            let views = window_views.clone();
            let qs: Vec<_> = queues.values().cloned().collect();
            actix::spawn(async move {
                for v in views {
                    for q in &qs {
                        let _ = q
                            .send(crate::queue::WindowChanged(Box::new(v.clone())))
                            .await;
                    }
                }
            });
        }
        let last_seq = recovered.last_seq;
        let recent = &recovered.recent_events;
        let alarms = AlarmActor::new(store.clone()).start();
        let sources = Sources {
            windows: windows.values().cloned().collect(),
            queues: queues.values().cloned().collect(),
            alarms: Some(alarms.clone()),
        };
        let mut screens = HashMap::new();
        for s in &config.screens {
            let scope = ScreenScope::of(s, &config);
            let actor = ScreenActor::new(
                scope,
                clock,
                sources.clone(),
                window_views.clone(),
                queue_views.clone(),
                last_seq,
                recent,
                store.subscribe(),
            );
            screens.insert(s.id.clone(), actor.start());
        }
        let dashboard = ScreenActor::new(
            ScreenScope::everything(
                "dashboard",
                "dashboard",
                "值班看板 / Supervisor dashboard",
                &config,
            ),
            clock,
            sources,
            window_views.clone(),
            queue_views,
            last_seq,
            recent,
            store.subscribe(),
        )
        .start();
        let enabled = window_views
            .iter()
            .map(|w| (w.id.clone(), w.enabled))
            .collect();
        let idempotency = recovered
            .idempotency
            .iter()
            .filter_map(|(key, id)| {
                let t = tickets_by_id.get(id.as_str())?;
                let fp = fingerprint(
                    t.item.as_deref(),
                    &t.queue,
                    t.channel,
                    t.priority,
                    &t.personal,
                );
                Some((key.clone(), (fp, t.queue.clone())))
            })
            .collect();
        let mut held: HashMap<(String, String), u32> = HashMap::new();
        for t in recovered.tickets.iter().filter(|t| t.day == day) {
            let target = t
                .item
                .clone()
                .unwrap_or_else(|| format!("queue:{}", t.queue));
            for h in &t.personal.holders {
                *held.entry((h.clone(), target.clone())).or_insert(0) += 1;
            }
        }
        let mut hall = HallActor::new(
            config.clone(),
            clock,
            store.clone(),
            recovered.strategies.clone(),
            queues.clone(),
            windows.clone(),
            enabled,
            idempotency,
        );
        hall.held = held;
        let hall = hall.start();
        let printers: HashMap<String, Addr<PrinterActor>> = config
            .printers
            .iter()
            .map(|p| {
                (
                    p.id.clone(),
                    PrinterActor::new(p.clone(), config.clone(), clock, alarms.clone()).start(),
                )
            })
            .collect();
        let kiosks: HashMap<String, Addr<KioskActor>> = config
            .kiosks
            .iter()
            .map(|k| {
                let mut kiosk = KioskActor::new(k.clone(), clock, hall.clone());
                if let Some(p) = config.printers.iter().find(|p| p.kiosk == k.id) {
                    if let Some(addr) = printers.get(&p.id) {
                        kiosk = kiosk.with_printer(addr.clone());
                    }
                }
                (k.id.clone(), kiosk.start())
            })
            .collect();
        let card_readers = config
            .card_readers
            .iter()
            .map(|r| {
                let kiosk = r.kiosk.as_ref().and_then(|k| kiosks.get(k)).cloned();
                let actor =
                    crate::card_reader::CardReaderActor::new(r.clone(), alarms.clone(), kiosk);
                (r.id.clone(), actor.start())
            })
            .collect();
        info!(
            hall = %config.hall.id,
            day = %day,
            queues = queues.len(),
            windows = windows.len(),
            screens = screens.len(),
            tickets_recovered = recovered.tickets.len(),
            last_seq,
            "hall started"
        );
        Self {
            config,
            clock,
            store,
            hall,
            queues,
            windows,
            screens,
            kiosks,
            dashboard,
            alarms,
            printers,
            card_readers,
        }
    }
}

pub struct HallActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// Strategies set by supervisors: `HALL_STRATEGY` and window overrides.
    strategies: HashMap<String, Strategy>,
    hours: HashMap<String, ServiceHours>,
    queues: HashMap<String, Addr<QueueActor>>,
    windows: HashMap<String, Addr<WindowActor>>,
    /// Mirror of each window's enabled flag (the window owns the truth).
    enabled: HashMap<String, bool>,
    /// Today's idempotency keys: the request's fingerprint and its queue.
    idempotency: HashMap<String, (u64, String)>,
    /// Tickets per (person fingerprint, item) today, for the hoarding limit.
    held: HashMap<(String, String), u32>,
    held_day: String,
}

/// What makes two ticket requests the same request.
pub fn fingerprint(
    item: Option<&str>,
    queue: &str,
    channel: Channel,
    priority: Priority,
    personal: &Personal,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (item, queue, channel, priority).hash(&mut h);
    (&personal.phone_masked, &personal.id_masked).hash(&mut h);
    h.finish()
}

impl HallActor {
    #[allow(clippy::too_many_arguments)]
    fn new(
        config: Arc<HallConfig>,
        clock: HallClock,
        store: Store,
        strategies: HashMap<String, Strategy>,
        queues: HashMap<String, Addr<QueueActor>>,
        windows: HashMap<String, Addr<WindowActor>>,
        enabled: HashMap<String, bool>,
        idempotency: HashMap<String, (u64, String)>,
    ) -> Self {
        let hours = config
            .items
            .iter()
            .filter_map(|i| {
                ServiceHours::parse(&i.hours)
                    .ok()
                    .map(|h| (i.id.clone(), h))
            })
            .collect();
        let held_day = clock.day(clock.now());
        Self {
            held: HashMap::new(),
            held_day,
            config,
            clock,
            store,
            strategies,
            hours,
            queues,
            windows,
            enabled,
            idempotency,
        }
    }

    fn open_windows(&self, queue: &str) -> usize {
        self.config
            .windows_serving(queue)
            .filter(|w| self.enabled.get(&w.id).copied().unwrap_or(true))
            .count()
    }

    /// Whether an item takes tickets now, and why not.
    pub fn admit_item(&self, item: &str) -> Result<String, IssueError> {
        let Some(cfg) = self.config.item(item) else {
            return Err(IssueError::UnknownItem(item.to_string()));
        };
        let now = self.clock.now();
        if let Some(h) = self.hours.get(item) {
            if !h.is_open(self.clock.local_time(now)) {
                return Err(IssueError::ItemClosed {
                    item: cfg.name.clone(),
                    hours: cfg.hours.join(", "),
                });
            }
        }
        if self.open_windows(&cfg.queue) == 0 {
            return Err(IssueError::NoOpenWindow {
                item: cfg.name.clone(),
            });
        }
        Ok(cfg.queue.clone())
    }
}

impl Actor for HallActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("unknown service item {0:?} (事项不存在)")]
    UnknownItem(String),
    #[error("unknown queue {0:?} (队列不存在)")]
    UnknownQueue(String),
    #[error("{item} is not served at this time; service hours are {hours} (不在办理时间)")]
    ItemClosed { item: String, hours: String },
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
            IssueError::ItemClosed { .. } => "item_closed",
            IssueError::NoOpenWindow { .. } => "no_open_window",
            IssueError::ItemOrQueue => "bad_request",
            IssueError::IdempotencyMismatch => "idempotency_mismatch",
            IssueError::LimitReached { .. } => "limit_reached",
            IssueError::Storage(StoreError::Busy) => "busy",
            IssueError::Storage(_) | IssueError::Unavailable => "unavailable",
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
    pub appointment: Option<crate::core::ticket::AppointmentSlot>,
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
        let queue_id = match (&msg.item, &msg.queue) {
            (Some(item), None) => self.admit_item(item),
            (None, Some(q)) if self.queues.contains_key(q) => {
                if self.open_windows(q) == 0 {
                    Err(IssueError::NoOpenWindow { item: q.clone() })
                } else {
                    Ok(q.clone())
                }
            }
            (None, Some(q)) => Err(IssueError::UnknownQueue(q.clone())),
            _ => Err(IssueError::ItemOrQueue),
        };
        // Limits against hoarding (防黄牛): per person, per item, per day.
        let target = match (&msg.item, &queue_id) {
            (Some(item), _) => item.clone(),
            (None, Ok(q)) => format!("queue:{q}"),
            (None, Err(_)) => String::new(),
        };
        let holders = msg.personal.holders.clone();
        let limit = self.config.limits.per_person_per_item_per_day;
        let queue_id = queue_id.and_then(|q| {
            self.roll_holders();
            let over = limit > 0
                && holders.iter().any(|h| {
                    self.held
                        .get(&(h.clone(), target.clone()))
                        .copied()
                        .unwrap_or(0)
                        >= limit
                });
            if over {
                Err(IssueError::LimitReached { limit })
            } else {
                // Reserved now, so requests in flight at once count too;
                // given back below if the ticket is not issued.
                for h in &holders {
                    *self.held.entry((h.clone(), target.clone())).or_insert(0) += 1;
                }
                Ok(q)
            }
        });
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
                        for h in holders {
                            if let Some(n) = act.held.get_mut(&(h, target.clone())) {
                                *n = n.saturating_sub(1);
                            }
                        }
                    }
                    if let (Ok(_), Some((key, fp, q))) = (&res, key_fp) {
                        act.idempotency.insert(key, (fp, q));
                    }
                    res
                }),
        )
    }
}

impl HallActor {
    /// The counts per person are for the hall's day.
    fn roll_holders(&mut self) {
        let today = self.clock.day(self.clock.now());
        if today > self.held_day {
            self.held_day = today;
            self.held.clear();
            self.idempotency.clear();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WindowAdminError {
    #[error("unknown window {0:?}")]
    UnknownWindow(String),
    #[error("{0}")]
    Failed(String),
}

/// A supervisor opens or closes (停用) a window.
#[derive(Message)]
#[rtype(result = "Result<WindowView, WindowAdminError>")]
pub struct SetWindowEnabled {
    pub window: String,
    pub enabled: bool,
    pub reason: Option<String>,
    pub by: String,
}

impl Handler<SetWindowEnabled> for HallActor {
    // Not atomic: the hall keeps issuing tickets while the window commits.
    type Result = ResponseActFuture<Self, Result<WindowView, WindowAdminError>>;

    fn handle(&mut self, msg: SetWindowEnabled, _: &mut Self::Context) -> Self::Result {
        let Some(addr) = self.windows.get(&msg.window).cloned() else {
            return Box::pin(fut::ready(Err(WindowAdminError::UnknownWindow(msg.window))));
        };
        let window = msg.window.clone();
        let send = addr.send(SetEnabled {
            enabled: msg.enabled,
            reason: msg.reason,
            by: msg.by,
        });
        Box::pin(send.into_actor(self).map(move |res, act, _| match res {
            Ok(Ok(view)) => {
                act.enabled.insert(window, view.enabled);
                Ok(view)
            }
            Ok(Err(e)) => Err(WindowAdminError::Failed(e)),
            Err(e) => Err(WindowAdminError::Failed(e.to_string())),
        }))
    }
}

/// Snapshot helpers for the API.
pub async fn all_windows(dir: &Directory) -> Vec<WindowView> {
    let mut out = Vec::new();
    for w in &dir.config.windows {
        if let Some(addr) = dir.windows.get(&w.id) {
            if let Ok(v) = addr.send(crate::window::GetWindow).await {
                out.push(v);
            }
        }
    }
    out
}

pub async fn all_queues(dir: &Directory) -> Vec<QueueView> {
    let mut out = Vec::new();
    for q in &dir.config.queues {
        if let Some(addr) = dir.queues.get(&q.id) {
            if let Ok(v) = addr.send(crate::queue::GetQueue).await {
                out.push(v);
            }
        }
    }
    out
}

/// Whether each item takes tickets right now, for kiosks.
#[derive(Message)]
#[rtype(result = "HashMap<String, bool>")]
pub struct ItemsOpen;

impl Handler<ItemsOpen> for HallActor {
    type Result = MessageResult<ItemsOpen>;

    fn handle(&mut self, _: ItemsOpen, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.config
                .items
                .iter()
                .map(|i| (i.id.clone(), self.admit_item(&i.id).is_ok()))
                .collect(),
        )
    }
}

/// Which windows a strategy change applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategyScope {
    /// The hall's default: every window without its own.
    Hall,
    /// These windows get their own strategy.
    Windows(Vec<String>),
    /// These windows drop their own and follow the hall's again.
    Reset(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum StrategyChangeError {
    #[error("invalid strategy: {0}")]
    Invalid(#[from] StrategyError),
    #[error("unknown window {0:?}")]
    UnknownWindow(String),
    #[error("a strategy is needed")]
    Missing,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// The strategies in force.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Strategies {
    pub hall: Strategy,
    /// Windows with their own strategy.
    pub windows: std::collections::BTreeMap<String, Strategy>,
}

impl HallActor {
    fn strategies_view(&self) -> Strategies {
        Strategies {
            hall: self
                .strategies
                .get(HALL_STRATEGY)
                .cloned()
                .unwrap_or_default(),
            windows: self
                .strategies
                .iter()
                .filter(|(k, _)| k.as_str() != HALL_STRATEGY)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The strategy a window follows now.
    fn effective(&self, window: &str) -> Strategy {
        self.strategies
            .get(window)
            .or_else(|| self.strategies.get(HALL_STRATEGY))
            .cloned()
            .unwrap_or_default()
    }
}

/// A supervisor changes the calling strategy (persisted, audited, in force
/// from each window's next call).
#[derive(Message)]
#[rtype(result = "Result<Strategies, StrategyChangeError>")]
pub struct ChangeStrategy {
    pub scope: StrategyScope,
    pub strategy: Option<Strategy>,
    pub who: String,
    pub reason: Option<String>,
}

impl Handler<ChangeStrategy> for HallActor {
    type Result = ResponseActFuture<Self, Result<Strategies, StrategyChangeError>>;

    fn handle(&mut self, msg: ChangeStrategy, _: &mut Self::Context) -> Self::Result {
        let plan = (|| {
            let targets: Vec<String> = match &msg.scope {
                StrategyScope::Hall => vec![HALL_STRATEGY.to_string()],
                StrategyScope::Windows(w) | StrategyScope::Reset(w) => w.clone(),
            };
            for w in &targets {
                if w != HALL_STRATEGY && !self.windows.contains_key(w) {
                    return Err(StrategyChangeError::UnknownWindow(w.clone()));
                }
            }
            let strategy = match &msg.scope {
                StrategyScope::Reset(_) => None,
                _ => {
                    let s = msg.strategy.clone().ok_or(StrategyChangeError::Missing)?;
                    s.validate()?;
                    Some(s)
                }
            };
            let mut commit = Commit::default();
            for w in &targets {
                match &strategy {
                    Some(s) => {
                        commit.put_json(keys::strategy(w), s);
                    }
                    None => {
                        commit.ops.push(crate::store::Op::Delete(keys::strategy(w)));
                    }
                }
            }
            commit.event(EventBody::Audit(AuditEntry {
                who: msg.who.clone(),
                action: match msg.scope {
                    StrategyScope::Reset(_) => "strategy_reset".into(),
                    _ => "strategy_set".into(),
                },
                target: targets.join(","),
                reason: msg.reason.clone(),
                detail: serde_json::to_value(&strategy).unwrap_or_default(),
            }));
            let durable = self.store.enqueue(commit)?;
            Ok((targets, strategy, durable))
        })();
        let (targets, strategy, durable) = match plan {
            Ok(p) => p,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        info!(who = %msg.who, targets = ?targets, reason = ?msg.reason, "calling strategy change");
        Box::pin(durable.into_actor(self).map(move |res, act, _| {
            res?;
            for t in &targets {
                match &strategy {
                    Some(s) => {
                        act.strategies.insert(t.clone(), s.clone());
                    }
                    None => {
                        act.strategies.remove(t);
                    }
                }
            }
            // Tell every window whose strategy may have changed.
            let affected: Vec<String> = if targets.iter().any(|t| t == HALL_STRATEGY) {
                act.windows.keys().cloned().collect()
            } else {
                targets.clone()
            };
            for w in affected {
                if let Some(addr) = act.windows.get(&w).cloned() {
                    let strategy = act.effective(&w);
                    // Waits for room in the window's mailbox; applies at its next call.
                    actix::spawn(async move {
                        let _ = addr.send(WindowStrategy(strategy)).await;
                    });
                }
            }
            Ok(act.strategies_view())
        }))
    }
}

#[derive(Message)]
#[rtype(result = "Strategies")]
pub struct GetStrategies;

impl Handler<GetStrategies> for HallActor {
    type Result = MessageResult<GetStrategies>;

    fn handle(&mut self, _: GetStrategies, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.strategies_view())
    }
}

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

/// A citizen who missed their call comes back: the ticket rejoins its queue
/// a few places back (`calling.rejoin_places`), if within the time limit.
#[derive(Message)]
#[rtype(result = "Result<crate::views::TicketView, RejoinError>")]
pub struct Rejoin(pub Box<crate::core::ticket::Ticket>);

impl Handler<Rejoin> for HallActor {
    type Result = ResponseActFuture<Self, Result<crate::views::TicketView, RejoinError>>;

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
                .send(crate::queue::RejoinTicket {
                    ticket: Box::new(t),
                    places: calling.rejoin_places as usize,
                })
                .await
                .map_err(|_| RejoinError::Unavailable)?
        }))
    }
}
