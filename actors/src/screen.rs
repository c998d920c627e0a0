//! The screen actor (显示屏): one per hall screen, window screen and the
//! supervisors' dashboard. It follows the committed event stream, keeps what
//! its screen shows and a backlog for resuming, and feeds each connected
//! client through a bounded queue; a client that falls behind is cut loose
//! and must reload a snapshot.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

use actix::prelude::*;
use chrono::Utc;
use serde_json::json;
use tingwu_protocols::envelope::Envelope;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tracing::{debug, warn};

use crate::alarm::{AlarmActor, AlarmView, GetAlarms};
use crate::clock::HallClock;
use crate::config::{HallConfig, ScreenConfig, ScreenKind};
use crate::events::{CommittedEvent, EventBody};
use crate::queue::{GetQueue, QueueActor};
use crate::views::{CallView, QueueView, WindowView};
use crate::window::{GetWindow, WindowActor};

/// Calls kept for the snapshot's list of recent calls.
const RECENT_CALLS: usize = 12;
/// Frames kept for clients resuming with `since`.
const BACKLOG: usize = 2048;

/// What a screen shows: which windows and queues.
#[derive(Debug, Clone)]
pub struct ScreenScope {
    pub id: String,
    /// `hall`, `window` or `dashboard`.
    pub kind: &'static str,
    pub title: String,
    pub title_en: String,
    /// The hall's name, for the header.
    pub hall: String,
    pub hall_en: String,
    /// None: every window.
    pub windows: Option<HashSet<String>>,
    /// None: every queue.
    pub queues: Option<HashSet<String>>,
    /// Window order for window screens (一屏双号: two positions).
    pub window_order: Vec<String>,
}

impl ScreenScope {
    pub fn of(screen: &ScreenConfig, hall: &HallConfig) -> Self {
        match screen.kind {
            ScreenKind::Hall if screen.areas.is_empty() => Self {
                title_en: screen.name_en.clone(),
                ..Self::everything(&screen.id, "hall", &screen.name, hall)
            },
            ScreenKind::Hall => {
                let windows = hall
                    .windows
                    .iter()
                    .filter(|w| screen.areas.contains(&w.area))
                    .map(|w| w.id.clone())
                    .collect();
                let queues = hall
                    .queues
                    .iter()
                    .filter(|q| screen.areas.contains(&q.area))
                    .map(|q| q.id.clone())
                    .collect();
                Self {
                    id: screen.id.clone(),
                    kind: "hall",
                    title: screen.name.clone(),
                    title_en: screen.name_en.clone(),
                    hall: hall.hall.name.clone(),
                    hall_en: hall.hall.name_en.clone(),
                    windows: Some(windows),
                    queues: Some(queues),
                    window_order: Vec::new(),
                }
            }
            ScreenKind::Window => {
                let queues = hall
                    .windows
                    .iter()
                    .filter(|w| screen.windows.contains(&w.id))
                    .flat_map(|w| w.queues.iter().map(|q| q.queue.clone()))
                    .collect();
                Self {
                    id: screen.id.clone(),
                    kind: "window",
                    title: screen.name.clone(),
                    title_en: screen.name_en.clone(),
                    hall: hall.hall.name.clone(),
                    hall_en: hall.hall.name_en.clone(),
                    windows: Some(screen.windows.iter().cloned().collect()),
                    queues: Some(queues),
                    window_order: screen.windows.clone(),
                }
            }
        }
    }

    pub fn everything(id: &str, kind: &'static str, title: &str, hall: &HallConfig) -> Self {
        Self {
            id: id.into(),
            kind,
            title: title.into(),
            title_en: String::new(),
            hall: hall.hall.name.clone(),
            hall_en: hall.hall.name_en.clone(),
            windows: None,
            queues: None,
            window_order: Vec::new(),
        }
    }

    fn shows_window(&self, id: &str) -> bool {
        self.windows.as_ref().is_none_or(|w| w.contains(id))
    }

    fn shows_queue(&self, id: &str) -> bool {
        self.queues.as_ref().is_none_or(|q| q.contains(id))
    }

    fn shows(&self, body: &EventBody) -> bool {
        match body {
            EventBody::Call(c) => self.shows_window(&c.window),
            EventBody::Window(w) => self.shows_window(&w.id),
            EventBody::Queue(q) => self.shows_queue(&q.id),
            EventBody::Alarm(_) => self.kind == "dashboard",
            EventBody::Ticket(_) | EventBody::Audit(_) => false,
        }
    }
}

/// Where a screen re-reads the truth when it has missed events.
#[derive(Clone, Default)]
pub struct Sources {
    pub windows: Vec<Addr<WindowActor>>,
    pub queues: Vec<Addr<QueueActor>>,
    /// The active alarms, for the dashboard.
    pub alarms: Option<Addr<AlarmActor>>,
}

pub struct ScreenActor {
    scope: ScreenScope,
    clock: HallClock,
    /// The hall day whose calls are shown; at the day start the calls go.
    day: String,
    sources: Sources,
    windows: BTreeMap<String, WindowView>,
    queues: BTreeMap<String, QueueView>,
    calls: VecDeque<CallView>,
    /// Active alarms (dashboard only). Live state: not rebuilt from the
    /// events replayed at start-up, since devices raise again what is
    /// still wrong.
    alarms: BTreeMap<String, AlarmView>,
    last_seq: u64,
    /// Every shown event with seq above this is in `backlog`.
    resumable_from: u64,
    backlog: VecDeque<(u64, Arc<str>)>,
    clients: Vec<mpsc::Sender<Arc<str>>>,
    events: Option<broadcast::Receiver<Arc<CommittedEvent>>>,
}

impl ScreenActor {
    /// `recent` are the newest committed events (oldest first), replayed so
    /// that clients can resume across a restart.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scope: ScreenScope,
        clock: HallClock,
        sources: Sources,
        windows: Vec<WindowView>,
        queues: Vec<QueueView>,
        last_seq: u64,
        recent: &[Arc<CommittedEvent>],
        events: broadcast::Receiver<Arc<CommittedEvent>>,
    ) -> Self {
        let day = clock.day(clock.now());
        let mut actor = Self {
            clock,
            day,
            sources,
            windows: windows
                .into_iter()
                .filter(|w| scope.shows_window(&w.id))
                .map(|w| (w.id.clone(), w))
                .collect(),
            queues: queues
                .into_iter()
                .filter(|q| scope.shows_queue(&q.id))
                .map(|q| (q.id.clone(), q))
                .collect(),
            scope,
            calls: VecDeque::new(),
            alarms: BTreeMap::new(),
            last_seq,
            resumable_from: recent.first().map_or(last_seq, |e| e.seq.saturating_sub(1)),
            backlog: VecDeque::new(),
            clients: Vec::new(),
            events: Some(events),
        };
        for e in recent {
            // Views from the recovery are newer than replayed ones: only the
            // calls and the backlog are rebuilt from the events.
            if actor.scope.shows(&e.body) {
                if let EventBody::Call(c) = &e.body {
                    // Only today's calls: yesterday's last call is not current.
                    if c.ticket.starts_with(&actor.day) {
                        actor.push_call(c.clone());
                    }
                }
                actor.push_backlog(e);
            }
        }
        actor
    }

    fn push_call(&mut self, call: CallView) {
        self.calls.push_front(call);
        self.calls.truncate(RECENT_CALLS);
    }

    fn push_backlog(&mut self, e: &CommittedEvent) -> Arc<str> {
        let frame: Arc<str> = Envelope {
            r#type: e.body.kind().to_string(),
            seq: e.seq,
            ts: e.ts.to_rfc3339(),
            payload: match &e.body {
                EventBody::Call(c) => json!(c),
                EventBody::Window(w) => json!(w),
                EventBody::Queue(q) => json!(q),
                EventBody::Ticket(t) => json!(t),
                EventBody::Audit(a) => json!(a),
                EventBody::Alarm(a) => json!(a),
            },
        }
        .to_json()
        .into();
        self.backlog.push_back((e.seq, frame.clone()));
        while self.backlog.len() > BACKLOG {
            if let Some((seq, _)) = self.backlog.pop_front() {
                self.resumable_from = seq;
            }
        }
        frame
    }

    fn snapshot(&self) -> Arc<str> {
        let windows: Vec<&WindowView> = if self.scope.window_order.is_empty() {
            let mut all: Vec<&WindowView> = self.windows.values().collect();
            all.sort_by_key(|w| w.number);
            all
        } else {
            self.scope
                .window_order
                .iter()
                .filter_map(|id| self.windows.get(id))
                .collect()
        };
        let mut payload = json!({
            "screen": self.scope.id,
            "kind": self.scope.kind,
            "title": self.scope.title,
            "title_en": self.scope.title_en,
            "hall": self.scope.hall,
            "hall_en": self.scope.hall_en,
            "windows": windows,
            "queues": self.queues.values().collect::<Vec<_>>(),
            "calls": self.calls.iter().map(|c| {
                let active = self.windows.get(&c.window)
                    .and_then(|w| w.ticket.as_ref())
                    .is_some_and(|t| t.id == c.ticket);
                let mut v = json!(c);
                if let Some(o) = v.as_object_mut() {
                    o.insert("active".into(), json!(active));
                }
                v
            }).collect::<Vec<_>>(),
        });
        if self.scope.kind == "dashboard" {
            if let Some(o) = payload.as_object_mut() {
                o.insert(
                    "alarms".into(),
                    json!(self.alarms.values().collect::<Vec<_>>()),
                );
            }
        }
        Envelope {
            r#type: "snapshot".into(),
            seq: self.last_seq,
            ts: Utc::now().to_rfc3339(),
            payload,
        }
        .to_json()
        .into()
    }

    fn apply(&mut self, e: &CommittedEvent) {
        if e.seq <= self.last_seq {
            return;
        }
        self.last_seq = e.seq;
        if !self.scope.shows(&e.body) {
            return;
        }
        match &e.body {
            EventBody::Call(c) => self.push_call(c.clone()),
            EventBody::Window(w) => {
                self.windows.insert(w.id.clone(), w.clone());
            }
            EventBody::Queue(q) => {
                let newer = self
                    .queues
                    .get(&q.id)
                    .is_none_or(|old| q.version >= old.version);
                if newer {
                    self.queues.insert(q.id.clone(), q.clone());
                }
            }
            EventBody::Alarm(a) => {
                if a.active {
                    self.alarms.insert(a.id.clone(), a.clone());
                } else {
                    self.alarms.remove(&a.id);
                }
            }
            EventBody::Ticket(_) | EventBody::Audit(_) => {}
        }
        let frame = self.push_backlog(e);
        let screen = &self.scope.id;
        self.clients.retain(|c| match c.try_send(frame.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                warn!(screen = %screen, "screen client fell behind; cut loose to reload");
                metrics::counter!("tingwu_ws_clients_dropped_total", "reason" => "lagging")
                    .increment(1);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    /// Events were lost on the way to this screen: nothing it holds can be
    /// trusted as current. Calls and backlog go, every client reloads, and
    /// the screen reads every window and queue again before it serves
    /// anyone (`ctx.wait` holds the mailbox meanwhile).
    fn lost_events(&mut self, skipped: u64, ctx: &mut Context<Self>) {
        warn!(screen = %self.scope.id, skipped, "screen missed events; reloading views, clients must reload");
        self.calls.clear();
        self.alarms.clear();
        self.backlog.clear();
        self.last_seq += skipped;
        self.resumable_from = self.last_seq;
        self.clients.clear();
        let sources = self.sources.clone();
        let reload = async move {
            let windows =
                futures::future::join_all(sources.windows.iter().map(|w| w.send(GetWindow))).await;
            let queues =
                futures::future::join_all(sources.queues.iter().map(|q| q.send(GetQueue))).await;
            let alarms = match &sources.alarms {
                Some(a) => a.send(GetAlarms).await.unwrap_or_default(),
                None => Vec::new(),
            };
            (windows, queues, alarms)
        };
        ctx.wait(
            reload
                .into_actor(self)
                .map(|(windows, queues, alarms), act, _| {
                    if act.scope.kind == "dashboard" {
                        act.alarms = alarms.into_iter().map(|a| (a.id.clone(), a)).collect();
                    }
                    for w in windows.into_iter().flatten() {
                        if act.scope.shows_window(&w.id) {
                            act.windows.insert(w.id.clone(), w);
                        }
                    }
                    for q in queues.into_iter().flatten() {
                        if act.scope.shows_queue(&q.id) {
                            act.queues.insert(q.id.clone(), q);
                        }
                    }
                }),
        );
    }

    /// At the hall's day start the day's calls leave the screen; clients
    /// reload a snapshot without them.
    fn check_day(&mut self) {
        let today = self.clock.day(self.clock.now());
        if today > self.day {
            self.day = today;
            if !self.calls.is_empty() {
                self.calls.clear();
                self.clients.clear();
            }
        }
    }
}

impl Actor for ScreenActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        if let Some(rx) = self.events.take() {
            ctx.add_stream(BroadcastStream::new(rx));
        }
        ctx.run_interval(std::time::Duration::from_secs(30), |act, _| act.check_day());
    }
}

impl StreamHandler<Result<Arc<CommittedEvent>, BroadcastStreamRecvError>> for ScreenActor {
    fn handle(
        &mut self,
        item: Result<Arc<CommittedEvent>, BroadcastStreamRecvError>,
        ctx: &mut Self::Context,
    ) {
        match item {
            Ok(e) => self.apply(&e),
            Err(BroadcastStreamRecvError::Lagged(n)) => self.lost_events(n, ctx),
        }
    }
}

/// A client connects: it gets the frames to send first and a queue of the
/// frames that follow.
#[derive(Message)]
#[rtype(result = "Subscription")]
pub struct Subscribe {
    pub since: Option<u64>,
    /// Frames a client may have waiting before it is cut loose.
    pub capacity: usize,
}

pub struct Subscription {
    pub first: Vec<Arc<str>>,
    /// True when `first` is a resume (no snapshot).
    pub resumed: bool,
    pub rx: mpsc::Receiver<Arc<str>>,
}

impl Handler<Subscribe> for ScreenActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) -> Self::Result {
        let (tx, rx) = mpsc::channel(msg.capacity.max(1));
        let resumable = msg
            .since
            .filter(|s| *s >= self.resumable_from && *s <= self.last_seq);
        let (first, resumed) = match resumable {
            Some(since) => (
                self.backlog
                    .iter()
                    .filter(|(seq, _)| *seq > since)
                    .map(|(_, f)| f.clone())
                    .collect(),
                true,
            ),
            None => (vec![self.snapshot()], false),
        };
        debug!(screen = %self.scope.id, since = ?msg.since, resumed, frames = first.len(), "screen client subscribed");
        self.clients.push(tx);
        MessageResult(Subscription { first, resumed, rx })
    }
}
