//! What a screen holds and sends, as rules: the committed events it applies
//! (in sequence, each once), the frames it keeps for clients resuming with
//! `since`, the snapshot a new client starts from, and what it drops so that
//! nothing stale is shown as current — yesterday's calls, and everything
//! after events were lost on the way. It also holds the hall notices
//! (大厅公告, `crate::hall_notice`) in force for its scope: the snapshot
//! lists them, a `notice` frame says one was sent or ended.
//!
//! The screen actor (`tingwu_actors::screen`) owns a [`ScreenFeed`], feeds it
//! the committed events, and sends the frames it returns to its clients.
//! Frames are JSON envelopes `{type, seq, ts, payload}`
//! (`tingwu_protocols::envelope`), shared between clients as `Arc<str>`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use tingwu_protocols::envelope::{Envelope, SNAPSHOT};

use crate::alarm::AlarmView;
use crate::events::{CommittedEvent, EventBody};
use crate::hall_notice::{self, Notice, NoticeChange};
use crate::screen_scope::ScreenScope;
use crate::views::{CallView, QueueView, WindowView};

/// Calls kept for the snapshot's list of recent calls.
pub const RECENT_CALLS: usize = 12;
/// Frames kept for clients resuming with `since`.
pub const BACKLOG: usize = 2048;

/// One frame as sent: its event's sequence number and its JSON text.
pub type Frame = (u64, Arc<str>);

/// The frame of a committed event: `{type, seq, ts, payload}` with the
/// event's view as payload.
pub fn frame(e: &CommittedEvent) -> Arc<str> {
    Envelope {
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
            EventBody::Case(c) => json!(c),
            EventBody::Consultation(c) => json!(c),
            EventBody::Notice(n) => json!(n),
        },
    }
    .to_json()
    .into()
}

/// A window's view as `scope` may show it: the dashboard (supervisors)
/// gets it whole; public screens get it without the worker's private pause
/// reason (issue 8, item 17).
fn shown_window(scope: &ScreenScope, w: WindowView) -> WindowView {
    if scope.is_dashboard() {
        w
    } else {
        w.public()
    }
}

/// A notice as `scope` may show it: public screens get it without who
/// sent it.
fn shown_notice(scope: &ScreenScope, n: Notice) -> Notice {
    if scope.is_dashboard() {
        n
    } else {
        n.public()
    }
}

/// The frame of `e` as `scope` may show it (see [`shown_window`],
/// [`shown_notice`]).
fn shown_frame(scope: &ScreenScope, e: &CommittedEvent) -> Arc<str> {
    match &e.body {
        EventBody::Window(w) if !scope.is_dashboard() && w.pause_reason.is_some() => {
            frame(&CommittedEvent {
                body: EventBody::Window(w.clone().public()),
                ..e.clone()
            })
        }
        EventBody::Notice(n) if !scope.is_dashboard() => frame(&CommittedEvent {
            body: EventBody::Notice(n.clone().public()),
            ..e.clone()
        }),
        _ => frame(e),
    }
}

/// The frames a screen keeps for resuming, oldest first, at most
/// `capacity`. The rule: every shown event with a sequence number above
/// `resumable_from` is in it, so a resume from any `since` at or above that
/// replays each later frame exactly once and skips none.
#[derive(Debug, Clone)]
pub struct Backlog {
    frames: VecDeque<Frame>,
    resumable_from: u64,
    capacity: usize,
}

impl Backlog {
    /// An empty backlog: resumable from `resumable_from` (the last sequence
    /// number whose effects are already in the screen's state).
    pub fn new(resumable_from: u64, capacity: usize) -> Self {
        Self {
            frames: VecDeque::new(),
            resumable_from,
            capacity,
        }
    }

    /// Keeps `frame` of event `seq` (above every kept one); the oldest frame
    /// leaves when the backlog is full, and resuming from before it is no
    /// longer possible.
    pub fn push(&mut self, seq: u64, frame: Arc<str>) {
        self.frames.push_back((seq, frame));
        while self.frames.len() > self.capacity {
            if let Some((seq, _)) = self.frames.pop_front() {
                self.resumable_from = seq;
            }
        }
    }

    /// Forgets every frame: nothing up to `last_seq` can be resumed.
    pub fn reset(&mut self, last_seq: u64) {
        self.frames.clear();
        self.resumable_from = last_seq;
    }

    /// The smallest `since` a client may resume from.
    pub fn resumable_from(&self) -> u64 {
        self.resumable_from
    }

    /// The frames after `since` for a client that has seen everything up to
    /// it, or None when that cannot be done exactly (too old, or beyond
    /// `last_seq`, the last event the screen applied): the client needs a
    /// snapshot.
    pub fn resume(&self, since: u64, last_seq: u64) -> Option<Vec<Arc<str>>> {
        if since < self.resumable_from || since > last_seq {
            return None;
        }
        Some(
            self.frames
                .iter()
                .filter(|(seq, _)| *seq > since)
                .map(|(_, f)| f.clone())
                .collect(),
        )
    }
}

/// What a new client is sent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct First {
    pub frames: Vec<Arc<str>>,
    /// True when `frames` is a resume (no snapshot).
    pub resumed: bool,
}

/// What a screen shows and the frames to resume it: its windows, queues,
/// recent calls, active alarms (dashboard only), the last event applied and
/// the backlog.
#[derive(Debug, Clone)]
pub struct ScreenFeed {
    scope: ScreenScope,
    /// The hall day (`20261126`) whose calls are shown; at the day start the
    /// calls go.
    day: String,
    windows: BTreeMap<String, WindowView>,
    queues: BTreeMap<String, QueueView>,
    /// Newest first, at most [`RECENT_CALLS`].
    calls: VecDeque<CallView>,
    /// Active alarms (dashboard only). Live state: not rebuilt from the
    /// events replayed at start-up, since devices raise again what is
    /// still wrong.
    alarms: BTreeMap<String, AlarmView>,
    /// Hall notices in force for this screen, by id (ids grow with the
    /// time of sending, so this is also the order they were sent in).
    notices: BTreeMap<String, Notice>,
    last_seq: u64,
    backlog: Backlog,
}

impl ScreenFeed {
    /// The feed at start-up on hall day `day`: the recovered views of the
    /// windows and queues in scope, and `last_seq`, the last committed
    /// event. `recent` are the newest committed events (oldest first,
    /// ending at `last_seq`), replayed so that clients can resume across a
    /// restart; of their calls only today's are kept (yesterday's last call
    /// is not current).
    pub fn new(
        scope: ScreenScope,
        day: String,
        windows: Vec<WindowView>,
        queues: Vec<QueueView>,
        last_seq: u64,
        recent: &[Arc<CommittedEvent>],
    ) -> Self {
        let mut feed = Self {
            windows: windows
                .into_iter()
                .filter(|w| scope.shows_window(&w.id))
                .map(|w| (w.id.clone(), shown_window(&scope, w)))
                .collect(),
            queues: queues
                .into_iter()
                .filter(|q| scope.shows_queue(&q.id))
                .map(|q| (q.id.clone(), q))
                .collect(),
            scope,
            day,
            calls: VecDeque::new(),
            alarms: BTreeMap::new(),
            notices: BTreeMap::new(),
            last_seq,
            backlog: Backlog::new(
                recent.first().map_or(last_seq, |e| e.seq.saturating_sub(1)),
                BACKLOG,
            ),
        };
        for e in recent {
            // Views from the recovery are newer than replayed ones: only the
            // calls and the backlog are rebuilt from the events.
            if feed.scope.shows(&e.body) {
                if let EventBody::Call(c) = &e.body {
                    if c.ticket.starts_with(&feed.day) {
                        feed.push_call(c.clone());
                    }
                }
                feed.backlog.push(e.seq, shown_frame(&feed.scope, e));
            }
        }
        feed
    }

    /// The feed with the hall notices recovered at start-up (the notice
    /// actor's, durable): those in scope and in force at `now`. Like the
    /// views, they are newer than any replayed event.
    pub fn with_notices(mut self, notices: Vec<Notice>, now: DateTime<Utc>) -> Self {
        self.reloaded_notices(notices, now);
        self
    }

    pub fn scope(&self) -> &ScreenScope {
        &self.scope
    }

    /// The last committed event this screen has applied (shown or not).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    fn push_call(&mut self, call: CallView) {
        self.calls.push_front(call);
        self.calls.truncate(RECENT_CALLS);
    }

    /// Applies a committed event. An event at or below `last_seq` was
    /// applied already and changes nothing; one the scope does not show only
    /// advances `last_seq`. For a shown event: its frame, kept in the
    /// backlog and to be sent to every client.
    pub fn apply(&mut self, e: &CommittedEvent) -> Option<Arc<str>> {
        if e.seq <= self.last_seq {
            return None;
        }
        self.last_seq = e.seq;
        if !self.scope.shows(&e.body) {
            return None;
        }
        match &e.body {
            EventBody::Call(c) => self.push_call(c.clone()),
            EventBody::Window(w) => {
                let shown = shown_window(&self.scope, w.clone());
                self.windows.insert(w.id.clone(), shown);
            }
            EventBody::Queue(q) => {
                // Queue views carry a version: an older one never replaces
                // a newer one.
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
            EventBody::Notice(NoticeChange { notice, active, .. }) => {
                if *active {
                    let shown = shown_notice(&self.scope, notice.clone());
                    self.notices.insert(notice.id.clone(), shown);
                } else {
                    self.notices.remove(&notice.id);
                }
            }
            EventBody::Ticket(_)
            | EventBody::Audit(_)
            | EventBody::Case(_)
            | EventBody::Consultation(_) => {}
        }
        let frame = shown_frame(&self.scope, e);
        self.backlog.push(e.seq, frame.clone());
        Some(frame)
    }

    /// What a client connecting with `since` (the last sequence number it
    /// saw, if any) is sent first: the frames after `since` when the
    /// backlog can resume it exactly, else a snapshot taken at `now`.
    pub fn first(&self, since: Option<u64>, now: DateTime<Utc>) -> First {
        match since.and_then(|s| self.backlog.resume(s, self.last_seq)) {
            Some(frames) => First {
                frames,
                resumed: true,
            },
            None => First {
                frames: vec![self.snapshot(now)],
                resumed: false,
            },
        }
    }

    /// The snapshot frame (`type: snapshot`, `seq`: the last event applied):
    /// the screen's header, its windows (in the window screen's order, else
    /// by number), queues, recent calls — each marked `active` only while
    /// its window still has that ticket —, the hall notices in force at
    /// `now` (`notices`, oldest first) and, on the dashboard, the active
    /// alarms.
    pub fn snapshot(&self, now: DateTime<Utc>) -> Arc<str> {
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
                let active = self.is_current(c);
                let mut v = json!(c);
                if let Some(o) = v.as_object_mut() {
                    o.insert("active".into(), json!(active));
                }
                v
            }).collect::<Vec<_>>(),
            "notices": self
                .notices
                .values()
                .filter(|n| hall_notice::in_force(n, now))
                .collect::<Vec<_>>(),
        });
        if self.scope.is_dashboard() {
            if let Some(o) = payload.as_object_mut() {
                o.insert(
                    "alarms".into(),
                    json!(self.alarms.values().collect::<Vec<_>>()),
                );
            }
        }
        Envelope {
            r#type: SNAPSHOT.into(),
            seq: self.last_seq,
            ts: now.to_rfc3339(),
            payload,
        }
        .to_json()
        .into()
    }

    /// Whether a call is current: its window still has its ticket.
    fn is_current(&self, c: &CallView) -> bool {
        self.windows
            .get(&c.window)
            .and_then(|w| w.ticket.as_ref())
            .is_some_and(|t| t.id == c.ticket)
    }

    /// `skipped` events were lost on the way to this screen: nothing it
    /// holds can be trusted as current. Calls, alarms, notices and backlog
    /// go, and no client can resume from before the gap; the windows and
    /// queues stay until [`ScreenFeed::reloaded`] replaces them with fresh
    /// views ([`ScreenFeed::reloaded_notices`] the notices).
    pub fn lost(&mut self, skipped: u64) {
        self.calls.clear();
        self.alarms.clear();
        self.notices.clear();
        self.last_seq += skipped;
        self.backlog.reset(self.last_seq);
    }

    /// The views read again after [`ScreenFeed::lost`]: those in scope
    /// replace what the screen holds; the alarms only on the dashboard.
    pub fn reloaded(
        &mut self,
        windows: impl IntoIterator<Item = WindowView>,
        queues: impl IntoIterator<Item = QueueView>,
        alarms: Vec<AlarmView>,
    ) {
        if self.scope.is_dashboard() {
            self.alarms = alarms.into_iter().map(|a| (a.id.clone(), a)).collect();
        }
        for w in windows {
            if self.scope.shows_window(&w.id) {
                let shown = shown_window(&self.scope, w);
                self.windows.insert(shown.id.clone(), shown);
            }
        }
        for q in queues {
            if self.scope.shows_queue(&q.id) {
                self.queues.insert(q.id.clone(), q);
            }
        }
    }

    /// The notices in force read again (from the notice actor) after
    /// [`ScreenFeed::lost`] or at start-up: those in scope and in force at
    /// `now` replace what the screen holds.
    pub fn reloaded_notices(&mut self, notices: Vec<Notice>, now: DateTime<Utc>) {
        self.notices = notices
            .into_iter()
            .filter(|n| self.scope.shows_notice(n) && hall_notice::in_force(n, now))
            .map(|n| (n.id.clone(), shown_notice(&self.scope, n)))
            .collect();
    }

    /// The hall day is `today` (`20261126`). When a new day starts the
    /// day's calls leave the screen; true when there were any, and so every
    /// client must reload a snapshot without them.
    pub fn roll_day(&mut self, today: &str) -> bool {
        if today <= self.day.as_str() {
            return false;
        }
        self.day = today.to_string();
        if self.calls.is_empty() {
            return false;
        }
        self.calls.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hall_notice::NoticeEndKind;
    use crate::screen_scope::tests::{alarm, call, hall, notice};
    use crate::screen_scope::DASHBOARD;
    use crate::views::TicketRef;
    use crate::window_state::WindowState;
    use proptest::prelude::*;
    use serde_json::Value;

    fn event(seq: u64, body: EventBody) -> Arc<CommittedEvent> {
        Arc::new(CommittedEvent {
            seq,
            ts: Utc::now(),
            body,
        })
    }

    fn window(id: &str, number: u32, ticket: Option<&str>) -> WindowView {
        WindowView {
            id: id.into(),
            number,
            name: format!("{id}号窗口"),
            name_en: String::new(),
            area: "A".into(),
            state: WindowState::Idle,
            state_zh: "空闲".into(),
            enabled: true,
            staff: None,
            ticket: ticket.map(|t| TicketRef {
                id: t.into(),
                number: "A001".into(),
            }),
            queues: Vec::new(),
            pause_message: None,
            pause_reason: None,
            version: 1,
            silent: false,
            parked: Vec::new(),
            busy_since: None,
            display_state: None,
        }
    }

    fn queue(id: &str, version: u64, waiting: u64) -> QueueView {
        QueueView {
            id: id.into(),
            prefix: "A".into(),
            name: id.into(),
            name_en: String::new(),
            area: "A".into(),
            waiting,
            issued: waiting,
            version,
        }
    }

    fn screen(id: &str) -> ScreenScope {
        let hall = hall();
        ScreenScope::of(hall.screen(id).unwrap(), &hall)
    }

    fn dashboard() -> ScreenScope {
        ScreenScope::everything("dashboard", DASHBOARD, "总览", &hall())
    }

    fn parse(frame: &str) -> Envelope {
        Envelope::from_json(frame).unwrap()
    }

    fn feed(scope: ScreenScope, last_seq: u64, recent: &[Arc<CommittedEvent>]) -> ScreenFeed {
        ScreenFeed::new(
            scope,
            "20261126".into(),
            vec![
                window("1", 1, None),
                window("2", 2, None),
                window("3", 3, None),
            ],
            vec![queue("QA", 1, 0), queue("QB", 1, 0)],
            last_seq,
            recent,
        )
    }

    #[test]
    fn events_apply_once_in_sequence_and_only_in_scope() {
        let mut f = feed(screen("area-b"), 10, &[]);
        assert_eq!(
            f.apply(&event(10, EventBody::Call(call("3", "20261126-B001")))),
            None,
            "already applied"
        );
        assert_eq!(
            f.apply(&event(11, EventBody::Call(call("1", "20261126-A001")))),
            None,
            "not in scope"
        );
        assert_eq!(
            f.last_seq(),
            11,
            "an event out of scope still advances the sequence"
        );
        let got = f
            .apply(&event(12, EventBody::Call(call("3", "20261126-B001"))))
            .unwrap();
        let e = parse(&got);
        assert_eq!((e.r#type.as_str(), e.seq), ("call", 12));
        assert_eq!(e.payload["window"], "3");
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!((snap.r#type.as_str(), snap.seq), ("snapshot", 12));
        assert_eq!(snap.payload["calls"].as_array().unwrap().len(), 1);
        assert_eq!(
            snap.payload["windows"].as_array().unwrap().len(),
            1,
            "only window 3"
        );
        assert_eq!(snap.payload["queues"][0]["id"], "QB");
        assert!(
            snap.payload.get("alarms").is_none(),
            "alarms are for the dashboard"
        );
    }

    /// Issue 8, item 17 (kind: a view shows only what its audience may
    /// see): a worker's pause reason reaches the dashboard, never a public
    /// screen's frames or snapshot.
    #[test]
    fn the_private_pause_reason_reaches_only_the_dashboard() {
        let mut paused = window("1", 1, None);
        paused.state = WindowState::Paused;
        paused.pause_message = Some("暂停服务 / Paused".into());
        paused.pause_reason = Some("private".into());
        let e = event(1, EventBody::Window(paused));
        for (scope, shown) in [(screen("hall"), false), (dashboard(), true)] {
            let mut f = feed(scope, 0, &[]);
            let got = parse(&f.apply(&e).unwrap());
            assert_eq!(got.payload["pause_message"], "暂停服务 / Paused");
            assert_eq!(got.payload.get("pause_reason").is_some(), shown);
            let snap = f.snapshot(Utc::now());
            assert_eq!(snap.contains("private"), shown, "{snap}");
            let resumed = feed(f.scope().clone(), 1, std::slice::from_ref(&e));
            let first = resumed.first(Some(0), Utc::now());
            assert_eq!(first.frames.iter().any(|f| f.contains("private")), shown);
        }
    }

    /// Issue 9: 考勤异常 is the window's fifth state on every screen that
    /// shows states — public ones too — while the pause reason stays private.
    #[test]
    fn the_attendance_anomaly_reaches_public_screens_too() {
        let mut w = window("1", 1, None);
        w.state = WindowState::Paused;
        w.pause_reason = Some("private".into());
        w.display_state = Some(crate::window_state::DisplayState::AttendanceAnomaly);
        let e = event(1, EventBody::Window(w));
        let mut f = feed(screen("w21"), 0, &[]);
        let got = parse(&f.apply(&e).unwrap());
        assert_eq!(got.payload["display_state"], "attendance_anomaly");
        assert_eq!(got.payload["state"], "paused");
        assert!(got.payload.get("pause_reason").is_none());
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!(
            snap.payload["windows"][1]["display_state"],
            "attendance_anomaly"
        );
    }

    fn sent(seq: u64, n: crate::hall_notice::Notice) -> Arc<CommittedEvent> {
        event(seq, EventBody::Notice(NoticeChange::sent(n)))
    }

    fn ended(seq: u64, n: crate::hall_notice::Notice) -> Arc<CommittedEvent> {
        event(
            seq,
            EventBody::Notice(NoticeChange::ended(
                n,
                NoticeEndKind::Cleared,
                Utc::now(),
                "boss",
            )),
        )
    }

    fn snapshot_notices(f: &ScreenFeed, now: DateTime<Utc>) -> Vec<Value> {
        parse(&f.snapshot(now)).payload["notices"]
            .as_array()
            .unwrap()
            .clone()
    }

    #[test]
    fn notices_in_scope_are_framed_kept_and_cleared() {
        let b_only = notice(&["B"], &[]);
        let whole = crate::hall_notice::Notice {
            id: "n2".into(),
            text_en: Some("Maintenance".into()),
            ..notice(&[], &[])
        };
        let mut b = feed(screen("area-b"), 0, &[]);
        let mut w = feed(screen("w21"), 0, &[]);
        let mut d = feed(dashboard(), 0, &[]);
        for f in [&mut b, &mut w, &mut d] {
            f.apply(&sent(1, b_only.clone()));
            f.apply(&sent(2, whole.clone()));
        }
        let ids = |f: &ScreenFeed| {
            snapshot_notices(f, Utc::now())
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&b), ["n1", "n2"]);
        assert_eq!(
            ids(&w),
            ["n2"],
            "area B's notice is not for windows 1 and 2"
        );
        assert_eq!(ids(&d), ["n1", "n2"]);
        let public = snapshot_notices(&b, Utc::now());
        assert!(public[0].get("by").is_none(), "{public:?}");
        assert_eq!(public[1]["text_en"], "Maintenance");
        assert_eq!(snapshot_notices(&d, Utc::now())[0]["by"], "admin");
        // Cleared: a frame with `active: false`, public without who.
        let frame = parse(&b.apply(&ended(3, b_only.clone())).unwrap());
        assert_eq!((frame.r#type.as_str(), frame.seq), ("notice", 3));
        assert_eq!(frame.payload["active"], false);
        assert_eq!(frame.payload["end"]["reason"], "cleared");
        assert!(!frame.payload.to_string().contains("boss"));
        assert!(w.apply(&ended(3, b_only)).is_none(), "never shown there");
        assert_eq!(ids(&b), ["n2"]);
        // Resuming from before the send replays both frames in order.
        let first = b.first(Some(0), Utc::now());
        assert!(first.resumed);
        let seqs: Vec<u64> = first.frames.iter().map(|x| parse(x).seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
    }

    #[test]
    fn an_expired_notice_leaves_the_snapshot_and_recovered_ones_are_kept() {
        let now = Utc::now();
        let soon = crate::hall_notice::Notice {
            expires_at: Some(now + chrono::Duration::minutes(5)),
            ..notice(&[], &[])
        };
        let gone = crate::hall_notice::Notice {
            id: "n0".into(),
            expires_at: Some(now - chrono::Duration::minutes(1)),
            ..notice(&[], &[])
        };
        let other = crate::hall_notice::Notice {
            id: "n3".into(),
            ..notice(&[], &["area-b"])
        };
        // At start-up: in force and in scope only.
        let f = feed(screen("hall"), 0, &[]).with_notices(vec![soon, gone, other], now);
        assert_eq!(snapshot_notices(&f, now).len(), 1);
        assert_eq!(
            snapshot_notices(&f, now + chrono::Duration::minutes(5)).len(),
            0,
            "past its expiry, even before the expiry event arrives"
        );
        // Lost events: notices go until read again.
        let mut f = f;
        f.lost(1);
        assert!(snapshot_notices(&f, now).is_empty());
        f.reloaded_notices(vec![notice(&["A"], &[])], now);
        assert_eq!(snapshot_notices(&f, now)[0]["id"], "n1");
    }

    #[test]
    fn an_older_queue_view_never_replaces_a_newer_one() {
        let mut f = feed(screen("hall"), 0, &[]);
        assert!(f
            .apply(&event(1, EventBody::Queue(queue("QA", 5, 7))))
            .is_some());
        assert!(f
            .apply(&event(2, EventBody::Queue(queue("QA", 4, 1))))
            .is_some());
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!(snap.payload["queues"][0]["waiting"], 7);
    }

    #[test]
    fn the_snapshot_orders_windows_and_marks_the_current_call() {
        let mut f = feed(screen("w21"), 0, &[]);
        f.apply(&event(1, EventBody::Call(call("1", "20261126-A001"))));
        f.apply(&event(2, EventBody::Call(call("2", "20261126-A002"))));
        f.apply(&event(
            3,
            EventBody::Window(window("2", 2, Some("20261126-A002"))),
        ));
        let snap = parse(&f.snapshot(Utc::now()));
        let ids: Vec<&Value> = snap.payload["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| &w["id"])
            .collect();
        assert_eq!(ids, vec!["2", "1"], "in the window screen's order");
        let calls = snap.payload["calls"].as_array().unwrap();
        assert_eq!(calls[0]["ticket"], "20261126-A002", "newest first");
        assert_eq!(calls[0]["active"], true);
        assert_eq!(calls[1]["active"], false, "window 1 no longer has it");
        let hall = feed(screen("hall"), 0, &[]);
        let snap = parse(&hall.snapshot(Utc::now()));
        let numbers: Vec<&Value> = snap.payload["windows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| &w["number"])
            .collect();
        assert_eq!(numbers, vec![1, 2, 3], "by number");
        assert_eq!(snap.payload["title_en"], "Hall");
    }

    #[test]
    fn recent_calls_are_bounded() {
        let mut f = feed(screen("hall"), 0, &[]);
        for seq in 1..=20 {
            f.apply(&event(
                seq,
                EventBody::Call(call("1", &format!("20261126-A{seq:03}"))),
            ));
        }
        let snap = parse(&f.snapshot(Utc::now()));
        let calls = snap.payload["calls"].as_array().unwrap();
        assert_eq!(calls.len(), RECENT_CALLS);
        assert_eq!(calls[0]["ticket"], "20261126-A020");
    }

    #[test]
    fn the_dashboard_keeps_the_active_alarms() {
        let mut f = feed(dashboard(), 0, &[]);
        f.apply(&event(1, EventBody::Alarm(alarm("a", true))));
        f.apply(&event(2, EventBody::Alarm(alarm("b", true))));
        f.apply(&event(3, EventBody::Alarm(alarm("a", false))));
        let snap = parse(&f.snapshot(Utc::now()));
        let alarms = snap.payload["alarms"].as_array().unwrap();
        assert_eq!(alarms.len(), 1);
        assert_eq!(alarms[0]["id"], "b");
    }

    #[test]
    fn a_restart_replays_today_calls_only_and_can_resume() {
        let recent = vec![
            event(5, EventBody::Call(call("1", "20261125-A009"))),
            event(6, EventBody::Alarm(alarm("a", true))),
            event(7, EventBody::Call(call("1", "20261126-A001"))),
        ];
        let f = feed(screen("hall"), 7, &recent);
        let snap = parse(&f.snapshot(Utc::now()));
        let calls = snap.payload["calls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "yesterday's call is not current: {calls:?}");
        assert_eq!(calls[0]["ticket"], "20261126-A001");
        // The backlog holds both calls (frames are history, not state).
        let first = f.first(Some(4), Utc::now());
        assert!(first.resumed);
        let seqs: Vec<u64> = first.frames.iter().map(|x| parse(x).seq).collect();
        assert_eq!(seqs, vec![5, 7]);
        assert!(
            !f.first(Some(3), Utc::now()).resumed,
            "before the replayed events"
        );
        assert!(
            !f.first(Some(8), Utc::now()).resumed,
            "beyond the last event"
        );
        assert!(!f.first(None, Utc::now()).resumed);
        let d = feed(dashboard(), 7, &recent);
        let snap = parse(&d.snapshot(Utc::now()));
        assert_eq!(
            snap.payload["alarms"].as_array().unwrap().len(),
            0,
            "alarms are live state, not replayed"
        );
    }

    #[test]
    fn lost_events_drop_what_may_be_stale() {
        let mut f = feed(dashboard(), 0, &[]);
        f.apply(&event(1, EventBody::Call(call("1", "20261126-A001"))));
        f.apply(&event(2, EventBody::Alarm(alarm("a", true))));
        f.lost(3);
        assert_eq!(f.last_seq(), 5);
        assert!(
            !f.first(Some(1), Utc::now()).resumed,
            "no resume across the gap"
        );
        assert!(f.first(Some(5), Utc::now()).resumed);
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!(snap.payload["calls"].as_array().unwrap().len(), 0);
        assert_eq!(snap.payload["alarms"].as_array().unwrap().len(), 0);
        f.reloaded(
            vec![window("1", 1, Some("20261126-A001"))],
            vec![queue("QA", 1, 3)],
            vec![alarm("b", true)],
        );
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!(snap.payload["alarms"][0]["id"], "b");
        assert_eq!(snap.payload["windows"][0]["ticket"]["id"], "20261126-A001");
        assert_eq!(snap.payload["queues"][0]["waiting"], 3);
        let mut b = feed(screen("area-b"), 0, &[]);
        b.lost(1);
        b.reloaded(
            vec![window("1", 1, None)],
            vec![queue("QA", 9, 9)],
            vec![alarm("b", true)],
        );
        let snap = parse(&b.snapshot(Utc::now()));
        assert_eq!(
            snap.payload["windows"].as_array().unwrap().len(),
            1,
            "out of scope stays out"
        );
        assert_eq!(snap.payload["queues"][0]["id"], "QB");
        assert!(snap.payload.get("alarms").is_none());
    }

    #[test]
    fn a_new_day_drops_the_calls() {
        let mut f = feed(screen("hall"), 0, &[]);
        assert!(!f.roll_day("20261126"), "same day");
        assert!(!f.roll_day("20261127"), "no calls to drop");
        f.apply(&event(1, EventBody::Call(call("1", "20261127-A001"))));
        assert!(!f.roll_day("20261126"), "the day never goes back");
        assert!(f.roll_day("20261128"));
        let snap = parse(&f.snapshot(Utc::now()));
        assert_eq!(snap.payload["calls"].as_array().unwrap().len(), 0);
    }

    /// An event of a small hall: shown on the area-B screen or not.
    fn any_body() -> impl Strategy<Value = EventBody> {
        prop_oneof![
            Just(EventBody::Call(call("3", "20261126-B001"))),
            Just(EventBody::Call(call("1", "20261126-A001"))),
            Just(EventBody::Queue(queue("QB", 1, 1))),
            Just(EventBody::Window(window("1", 1, None))),
            Just(EventBody::Notice(NoticeChange::sent(notice(&["B"], &[])))),
            Just(EventBody::Notice(NoticeChange::sent(notice(&["A"], &[])))),
            Just(EventBody::Notice(NoticeChange::ended(
                notice(&[], &["area-b"]),
                NoticeEndKind::Expired,
                Utc::now(),
                "",
            ))),
        ]
    }

    proptest! {
        /// Frames kept in a backlog of any size resume any client exactly:
        /// the frames after its `since`, in order, none twice, none
        /// skipped — or a snapshot when that cannot be done.
        #[test]
        fn a_backlog_resume_neither_replays_nor_skips(
            seqs in proptest::collection::btree_set(1u64..200, 0..60),
            capacity in 1usize..20,
            start in 0u64..5,
            since in 0u64..210,
        ) {
            let mut b = Backlog::new(start, capacity);
            let seqs: Vec<u64> = seqs.into_iter().map(|s| s + start).collect();
            for s in &seqs {
                b.push(*s, Arc::from(s.to_string()));
            }
            let last = seqs.last().copied().unwrap_or(start);
            match b.resume(since, last) {
                Some(frames) => {
                    let want: Vec<Arc<str>> = seqs.iter().filter(|s| **s > since).map(|s| Arc::from(s.to_string())).collect();
                    prop_assert_eq!(frames, want);
                }
                None => prop_assert!(since < b.resumable_from() || since > last),
            }
            prop_assert!(b.resumable_from() >= start);
        }

        /// A client that follows a screen, drops at any point and comes
        /// back with the last `seq` it saw ends up with every shown frame
        /// after its first snapshot exactly once, in sequence, whatever
        /// events were replayed twice or lost in between.
        #[test]
        fn resume_never_replays_a_frame_twice_or_skips_one(
            events in proptest::collection::vec((any_body(), 0u8..4), 1..80),
            joins_at in 0usize..80,
            drops_at in 0usize..80,
            capacity in 1usize..100,
        ) {
            let mut f = feed(screen("area-b"), 0, &[]);
            f.backlog = Backlog::new(0, capacity);
            // (seq, frame) shown after the client's snapshot, as the screen sent them.
            let mut sent: Vec<(u64, Arc<str>)> = Vec::new();
            let mut got: Vec<Arc<str>> = Vec::new();
            let mut seen: Option<u64> = None;
            let mut seq = 0u64;
            let mut kept = 0usize;
            for (i, (body, step)) in events.into_iter().enumerate() {
                if i == joins_at {
                    let first = f.first(None, Utc::now());
                    prop_assert!(!first.resumed);
                    seen = Some(parse(&first.frames[0]).seq);
                }
                // A step of 0 replays the last event again (a stale redelivery).
                seq = if i == 0 { 1 } else { seq + u64::from(step.min(1)) };
                let Some(frame) = f.apply(&event(seq, body)) else { continue };
                kept += 1;
                if seen.is_some() {
                    sent.push((seq, frame.clone()));
                    if i < drops_at {
                        got.push(frame);
                        seen = Some(seq);
                    }
                }
            }
            let Some(since) = seen else { return Ok(()) };
            let first = f.first(Some(since), Utc::now());
            prop_assert!(first.resumed || kept > capacity, "nothing was evicted, so it resumes");
            if first.resumed {
                got.extend(first.frames);
                let want: Vec<Arc<str>> = sent.into_iter().map(|(_, f)| f).collect();
                prop_assert_eq!(got, want);
            } else {
                prop_assert_eq!(parse(&first.frames[0]).seq, f.last_seq(), "a snapshot of now");
            }
        }
    }
}
