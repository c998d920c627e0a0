//! The screen actor (显示屏): one per hall screen, window screen and the
//! supervisors' dashboard. It follows the committed event stream through a
//! [`ScreenFeed`] (the rules in `core::screen_scope` and `core::screen_feed`:
//! what its scope shows, the snapshot, the backlog for resuming with `since`,
//! what to drop as stale) and feeds each connected client through a bounded
//! queue; a client that falls behind is cut loose and must reload a snapshot.

use std::sync::Arc;

use actix::prelude::*;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tracing::{debug, warn};

use crate::alarm::{AlarmActor, GetAlarms};
use crate::clock::HallClock;
use crate::core::hall_notice::Notice;
use crate::core::screen_feed::ScreenFeed;
use crate::events::CommittedEvent;
use crate::notice::{GetNotices, NoticeActor};
use crate::queue::{GetQueue, QueueActor};
use crate::views::{QueueView, WindowView};
use crate::window::{GetWindow, WindowActor};

pub use crate::core::screen_scope::ScreenScope;

/// Where a screen re-reads the truth when it has missed events.
#[derive(Clone, Default)]
pub struct Sources {
    pub windows: Vec<Addr<WindowActor>>,
    pub queues: Vec<Addr<QueueActor>>,
    /// The active alarms, for the dashboard.
    pub alarms: Option<Addr<AlarmActor>>,
    /// The hall notices in force.
    pub notices: Option<Addr<NoticeActor>>,
}

pub struct ScreenActor {
    feed: ScreenFeed,
    clock: HallClock,
    sources: Sources,
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
        Self {
            feed: ScreenFeed::new(scope, day, windows, queues, last_seq, recent),
            clock,
            sources,
            clients: Vec::new(),
            events: Some(events),
        }
    }

    /// The hall notices storage recovered (the notice actor's): those in
    /// scope and in force now are shown from the start.
    pub fn with_notices(mut self, notices: Vec<Notice>) -> Self {
        self.feed.reloaded_notices(notices, self.clock.now());
        self
    }

    /// Applies a committed event and sends its frame, if shown, to every
    /// client; a client whose queue is full is cut loose.
    fn apply(&mut self, e: &CommittedEvent) {
        let Some(frame) = self.feed.apply(e) else {
            return;
        };
        let screen = &self.feed.scope().id;
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
        warn!(screen = %self.feed.scope().id, skipped, "screen missed events; reloading views, clients must reload");
        self.feed.lost(skipped);
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
            let notices = match &sources.notices {
                Some(n) => n.send(GetNotices).await.unwrap_or_default(),
                None => Vec::new(),
            };
            (windows, queues, alarms, notices)
        };
        ctx.wait(
            reload
                .into_actor(self)
                .map(|(windows, queues, alarms, notices), act, _| {
                    // A window or queue that did not answer keeps its last view.
                    act.feed.reloaded(
                        windows.into_iter().flatten(),
                        queues.into_iter().flatten(),
                        alarms,
                    );
                    act.feed.reloaded_notices(notices, act.clock.now());
                }),
        );
    }

    /// At the hall's day start the day's calls leave the screen; clients
    /// reload a snapshot without them.
    fn check_day(&mut self) {
        let today = self.clock.day(self.clock.now());
        if self.feed.roll_day(&today) {
            self.clients.clear();
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
        // The dashboard's alarms recovered from storage: an alarm raised
        // before a restart is still active after it (acknowledged or not),
        // and a device that is still wrong raises nothing new, so the feed
        // reads them once before it serves anyone (`ctx.wait`).
        if let (true, Some(alarms)) = (
            self.feed.scope().is_dashboard(),
            self.sources.alarms.clone(),
        ) {
            ctx.wait(
                async move { alarms.send(GetAlarms).await.unwrap_or_default() }
                    .into_actor(self)
                    .map(|alarms, act, _| act.feed.reloaded(Vec::new(), Vec::new(), alarms)),
            );
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

/// What a subscribing client gets.
pub struct Subscription {
    /// A snapshot, or the frames after `since` for a resume.
    pub first: Vec<Arc<str>>,
    /// True when `first` is a resume (no snapshot).
    pub resumed: bool,
    pub rx: mpsc::Receiver<Arc<str>>,
}

impl Handler<Subscribe> for ScreenActor {
    type Result = MessageResult<Subscribe>;

    fn handle(&mut self, msg: Subscribe, _: &mut Self::Context) -> Self::Result {
        let (tx, rx) = mpsc::channel(msg.capacity.max(1));
        // The hall clock's now: a notice's expiry is on the same clock.
        let first = self.feed.first(msg.since, self.clock.now());
        let (first, resumed) = (first.frames, first.resumed);
        debug!(screen = %self.feed.scope().id, since = ?msg.since, resumed, frames = first.len(), "screen client subscribed");
        self.clients.push(tx);
        MessageResult(Subscription { first, resumed, rx })
    }
}
