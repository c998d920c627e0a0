//! Follows the committed events and decides which notices to send.
//!
//! - `ticket` event, waiting, first seen, with a phone → the ticket is read
//!   from storage (in `spawn_blocking`), its phone unsealed, and an `issued`
//!   notice made from the event's people ahead and estimated wait;
//! - `queue` and `call` events of a queue → the queue actor is asked where
//!   each watched ticket of that queue stands (`Position`); one whose
//!   people ahead first drop to `notify.ahead` or fewer gets an `ahead`
//!   notice (not when it already had that few at issue: its `issued`
//!   notice said so);
//! - `call` event → a `called` notice with the window (a recall too);
//! - `case` event of an acceptance, a correction, a decision or a posting
//!   → the case read from the case actor, its applicant's phone unsealed,
//!   and a notice (`case.rs`); a package's part → the package read
//!   (`GetPackage`), one acceptance and one completion for the package,
//!   a part's correction and posting naming it (`package.rs`).
//!
//! Events are handled in sequence order. The follower remembers the last
//! event it handled; if it falls behind the broadcast channel, or sees a
//! gap, it reads the missed events back from storage (`e/{seq}`), so no
//! notice is skipped. A cursor `n/cursor` (committed every few seconds)
//! keeps the last event whose notices have all been delivered or dropped;
//! after a restart the follower replays the events after it, so notices
//! waiting in the outbox when the process stopped are made and sent again.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tingwu_actors::case::{GetCase, GetPackage};
use tingwu_actors::core::case::{CaseEvent, SealedApplicant};
use tingwu_actors::core::ticket::{parse_ticket_id, Ticket, TicketStatus};
use tingwu_actors::directory::Directory;
use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_actors::queue::Position;
use tingwu_actors::store::Commit;
use tingwu_actors::views::{CallView, TicketView};
use tokio::sync::broadcast;
use tracing::{debug, info, warn};

use super::notice::{self, Hall, Kind, Subject};
use super::outbox::{Outbox, TTL};
use crate::storage::{OutboxPosition, ReadError, SealError, Sealer, StoreReader};

/// The notifier's durable cursor: the last event whose notices are all
/// delivered (or dropped).
use tingwu_actors::keys::NOTIFY_CURSOR as CURSOR_KEY;
/// How often the cursor is committed (when it moved).
const CURSOR_EVERY: Duration = Duration::from_secs(2);
/// Events read from storage per batch when catching up.
const READ_BATCH: usize = 512;
/// At start-up, at most this many events are replayed.
const MAX_REPLAY: u64 = 100_000;
/// A `ticket` event this long after the ticket was issued is not its issue
/// (a no-show rejoining the line, say).
const ISSUE_WINDOW_S: i64 = 600;
/// Watched tickets asked about per queue change, in line order.
const MAX_POSITION_CHECKS: usize = 32;
/// Stop asking after this many tickets in a row with too many ahead.
const STOP_AFTER_FAR: usize = 4;
const ACTOR_TIMEOUT: Duration = Duration::from_secs(2);

/// A ticket with a phone that is still waiting or called.
struct Watched {
    ticket: Ticket,
    phone: String,
    phone_masked: String,
    waiting: bool,
    /// Its `ahead` notice is made (or not needed).
    ahead_done: bool,
    /// Known from storage at start-up, not from its issue event: if it is
    /// already near the front, it was told before the restart.
    seeded: bool,
}

pub struct Follower {
    dir: Directory,
    reader: StoreReader,
    sealer: Arc<Sealer>,
    outbox: Outbox,
    hall: Hall,
    ahead: u64,
    watched: HashMap<String, Watched>,
    /// Tickets whose issue has been seen today.
    issued: HashSet<String>,
    /// Last waiting count seen per queue: a line that only grew moved
    /// nobody closer to the front.
    waiting: HashMap<String, u64>,
    day: String,
    /// Last event handled (shared with the cursor task).
    processed: Arc<AtomicU64>,
}

impl Follower {
    pub fn new(dir: Directory, reader: StoreReader, sealer: Arc<Sealer>, outbox: Outbox) -> Self {
        let hall = Hall::of(&dir.config);
        let ahead = u64::from(dir.config.notify.ahead);
        let day = dir.clock.day(dir.clock.now());
        Self {
            dir,
            reader,
            sealer,
            outbox,
            hall,
            ahead,
            watched: HashMap::new(),
            issued: HashSet::new(),
            waiting: HashMap::new(),
            day,
            processed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Runs for ever. `events` must have been subscribed before this is
    /// called, so that nothing committed after start-up is missed.
    pub async fn run(mut self, mut events: broadcast::Receiver<Arc<CommittedEvent>>) {
        let reader = self.reader.clone();
        let start = match tokio::task::spawn_blocking(move || reader.outbox_position()).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                warn!(error = %e, "notifier cannot read its cursor; notices start from now");
                OutboxPosition::default()
            }
            Err(e) => {
                warn!(error = %e, "notifier start-up failed; notices start from now");
                OutboxPosition::default()
            }
        };
        let from = match start.notify_cursor {
            Some(c) if start.last_seq.saturating_sub(c) > MAX_REPLAY => {
                warn!(
                    cursor = c,
                    last = start.last_seq,
                    "notifier cursor far behind; replaying only the newest events"
                );
                start.last_seq - MAX_REPLAY
            }
            Some(c) => c.min(start.last_seq),
            None => start.last_seq,
        };
        self.processed.store(from, Ordering::Relaxed);
        info!(
            after = from,
            replay = start.last_seq.saturating_sub(from),
            "notifier following events"
        );
        // No cursor yet: the first one is saved at once, so that a restart
        // replays from here rather than from its own start.
        tokio::spawn(keep_cursor(
            self.dir.clone(),
            self.processed.clone(),
            self.outbox.clone(),
            start.notify_cursor.map(|_| from),
        ));
        self.seed().await;
        self.catch_up().await;
        loop {
            match events.recv().await {
                Ok(e) => {
                    let done = self.processed.load(Ordering::Relaxed);
                    if e.seq <= done {
                        continue;
                    }
                    if e.seq > done + 1 {
                        // A gap: read what is missing (it is durable, so stored).
                        self.catch_up().await;
                        if e.seq <= self.processed.load(Ordering::Relaxed) {
                            continue;
                        }
                    }
                    self.handle(&e).await;
                    self.processed.store(e.seq, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    warn!(
                        missed,
                        "notifier fell behind the events; reading them from storage"
                    );
                    self.catch_up().await;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Handles every stored event after the last one handled.
    async fn catch_up(&mut self) {
        loop {
            let after = self.processed.load(Ordering::Relaxed);
            let reader = self.reader.clone();
            let batch =
                match tokio::task::spawn_blocking(move || reader.events_after(after, READ_BATCH))
                    .await
                {
                    Ok(Ok(b)) => b,
                    Ok(Err(e)) => {
                        warn!(error = %e, "notifier cannot read events from storage");
                        return;
                    }
                    Err(e) => {
                        warn!(error = %e, "notifier event read failed");
                        return;
                    }
                };
            if batch.is_empty() {
                return;
            }
            for entry in batch {
                if let Some(e) = entry.event {
                    self.handle(&e).await;
                }
                self.processed.store(entry.seq, Ordering::Relaxed);
            }
        }
    }

    /// Watches today's waiting tickets with a phone that storage holds now
    /// (issued before a restart), so they still get their `ahead` notice.
    async fn seed(&mut self) {
        let reader = self.reader.clone();
        let sealer = self.sealer.clone();
        let day = self.day.clone();
        let found = tokio::task::spawn_blocking(move || waiting_with_phone(&reader, &sealer, &day))
            .await
            .unwrap_or_default();
        for (ticket, phone) in found {
            let phone_masked = ticket.personal.phone_masked.clone().unwrap_or_default();
            self.watched.insert(
                ticket.id.clone(),
                Watched {
                    ticket,
                    phone,
                    phone_masked,
                    waiting: true,
                    ahead_done: false,
                    seeded: true,
                },
            );
        }
        debug!(watched = self.watched.len(), "notifier seeded");
    }

    async fn handle(&mut self, e: &CommittedEvent) {
        let today = self.dir.clock.day(self.dir.clock.now());
        if today != self.day {
            self.watched.retain(|_, w| w.ticket.day == today);
            self.issued.clear();
            self.day = today;
        }
        // Events from long ago (a replay after a long stop) make no notices.
        let fresh = Utc::now()
            .signed_duration_since(e.ts)
            .to_std()
            .map_or(true, |age| age < TTL);
        match &e.body {
            EventBody::Ticket(v) => self.on_ticket(v, e.seq, e.ts, fresh).await,
            EventBody::Call(c) => {
                if fresh {
                    self.on_call(c, e.seq, e.ts);
                }
                self.check_ahead(&c.queue, e.seq, fresh).await;
            }
            EventBody::Queue(q) => {
                let grew = self
                    .waiting
                    .insert(q.id.clone(), q.waiting)
                    .is_some_and(|before| q.waiting > before);
                if !grew {
                    self.check_ahead(&q.id, e.seq, fresh).await;
                }
            }
            EventBody::Case(c) if fresh => self.on_case(c, e.seq, e.ts).await,
            EventBody::Audit(a) if fresh => {
                if let Some(f) = super::bad_rating::opened(a) {
                    tracing::info!(ticket = %f.service.ticket, window = %f.service.window, "bad rating sent to the supervisor on duty");
                    self.outbox
                        .push(super::bad_rating::notice(&self.dir, &f, e.seq, Utc::now()));
                }
            }
            _ => {}
        }
    }

    async fn on_ticket(&mut self, v: &TicketView, seq: u64, ts: DateTime<Utc>, fresh: bool) {
        let Some(masked) = v.phone.as_ref() else {
            return;
        };
        let Some((day, _, _)) = parse_ticket_id(&v.id) else {
            return;
        };
        if day != self.day {
            self.watched.remove(&v.id);
            return;
        }
        match v.status {
            TicketStatus::Waiting | TicketStatus::Called => {
                let first = self.issued.insert(v.id.clone());
                let is_issue = first
                    && v.status == TicketStatus::Waiting
                    && ts.signed_duration_since(v.issued_at).num_seconds() < ISSUE_WINDOW_S;
                if !self.watched.contains_key(&v.id) {
                    let Some((ticket, phone)) = self.load(v).await else {
                        return;
                    };
                    self.watched.insert(
                        v.id.clone(),
                        Watched {
                            ticket,
                            phone,
                            phone_masked: masked.clone(),
                            waiting: false,
                            // Back in line after a call (a no-show rejoining):
                            // no second `ahead` notice.
                            ahead_done: true,
                            seeded: false,
                        },
                    );
                }
                let ahead = self.ahead;
                let Some(w) = self.watched.get_mut(&v.id) else {
                    return;
                };
                w.waiting = v.status == TicketStatus::Waiting;
                if is_issue {
                    w.seeded = false;
                    w.ahead_done = v.people_ahead <= ahead;
                    if fresh {
                        let expected = later(ts, v.estimated_wait_s);
                        let n = notice::issued(
                            &self.hall,
                            &subject(w),
                            v.people_ahead,
                            expected,
                            seq,
                            ts,
                        );
                        info!(ticket = %v.id, phone = %masked, people_ahead = v.people_ahead, "issued notice");
                        self.outbox.push(n);
                    }
                }
            }
            // Final. An expired ticket (the day's end, `core::day_end`) gets
            // no notice: none of the notice kinds says it; the page does.
            TicketStatus::Serving
            | TicketStatus::Done
            | TicketStatus::NoShow
            | TicketStatus::Expired => {
                self.watched.remove(&v.id);
            }
            // Out of the line for now (parked): no position to tell.
            _ => {
                if let Some(w) = self.watched.get_mut(&v.id) {
                    w.waiting = false;
                }
            }
        }
    }

    /// A case's acceptance, correction, completion or posting: its
    /// applicant's phone (sealed in the case record, opened only here) gets
    /// a notice (`case.rs`). A package's parts are told as one application
    /// (`package.rs`): one acceptance when the last part is accepted, one
    /// completion when the package completes; a part's correction and
    /// posting name the part. Cases without a phone get none.
    async fn on_case(&mut self, e: &CaseEvent, seq: u64, ts: DateTime<Utc>) {
        let Some(kind) = super::case::kind_of(&e.body) else {
            return;
        };
        let whole = kind == Kind::PackageCompleted;
        if e.case.part.is_none() && !whole {
            if super::case::told(&e.case, kind) {
                self.on_single_case(e, seq, ts).await;
            }
            return;
        }
        if kind == Kind::CaseCompleted {
            // Told once for the package, when it completes.
            return;
        }
        let number = e.case.package().to_string();
        let found = tokio::time::timeout(
            ACTOR_TIMEOUT,
            self.dir.cases.send(GetPackage(number.clone())),
        )
        .await;
        let view = match found {
            Ok(Ok(Some(view))) => view,
            Ok(Ok(None)) => {
                warn!(case = %e.case, "case notice: the package is not in the case actor");
                return;
            }
            _ => {
                warn!(case = %e.case, "case notice: the case actor did not answer");
                return;
            }
        };
        let Some(phone) = view
            .parts
            .first()
            .and_then(|r| self.phone_of(&r.sealed, &number))
        else {
            return;
        };
        let hall = super::case::CaseHall {
            hall: &self.hall,
            cfg: &self.dir.config,
        };
        let pkg = super::package::PackageSubject {
            package: &view.package,
            parts: &view.parts,
            phone: &phone,
        };
        let n = match kind {
            Kind::PackageCompleted => super::package::completed(&hall, &pkg, seq, ts),
            Kind::CaseAccepted => {
                if !super::package::completes_acceptance(&view.parts, e) {
                    return;
                }
                super::package::accepted(&hall, &pkg, seq, ts)
            }
            _ => {
                let Some(part) = view.parts.iter().find(|r| r.case.number == e.case) else {
                    warn!(case = %e.case, "case notice: the part is not in its package");
                    return;
                };
                let of = super::package::part_of(&self.dir.config, &view.package, &part.case);
                let subject = super::case::CaseSubject {
                    case: &part.case,
                    phone: &phone,
                    part: Some(&of),
                };
                let Some(n) = super::case::notice(&hall, &subject, &e.body, seq, ts) else {
                    return;
                };
                n
            }
        };
        info!(case = %e.case, package = %number, phone = %n.phone_masked, kind = n.kind.as_str(), "case notice");
        self.outbox.push(n);
    }

    /// A case of its own (not a package's part): its notice.
    async fn on_single_case(&mut self, e: &CaseEvent, seq: u64, ts: DateTime<Utc>) {
        let number = e.case.to_string();
        let found =
            tokio::time::timeout(ACTOR_TIMEOUT, self.dir.cases.send(GetCase(number.clone()))).await;
        let record = match found {
            Ok(Ok(Some((record, _)))) => record,
            Ok(Ok(None)) => {
                warn!(case = %number, "case notice: the case is not in the case actor");
                return;
            }
            _ => {
                warn!(case = %number, "case notice: the case actor did not answer");
                return;
            }
        };
        let Some(phone) = self.phone_of(&record.sealed, &number) else {
            return;
        };
        let hall = super::case::CaseHall {
            hall: &self.hall,
            cfg: &self.dir.config,
        };
        let subject = super::case::CaseSubject {
            case: &record.case,
            phone: &phone,
            part: None,
        };
        if let Some(n) = super::case::notice(&hall, &subject, &e.body, seq, ts) {
            info!(case = %number, phone = %n.phone_masked, kind = n.kind.as_str(), "case notice");
            self.outbox.push(n);
        }
    }

    /// The applicant's plain phone (none: no phone, or it cannot be
    /// unsealed: logged).
    fn phone_of(&self, sealed: &SealedApplicant, number: &str) -> Option<String> {
        let sealed = sealed.phone.as_deref()?;
        match self.sealer.open(sealed) {
            Ok(p) => Some(p),
            Err(e) => {
                warn!(case = %number, error = %e, "case notice: the phone cannot be unsealed");
                None
            }
        }
    }

    fn on_call(&mut self, c: &CallView, seq: u64, ts: DateTime<Utc>) {
        let Some(w) = self.watched.get_mut(&c.ticket) else {
            return;
        };
        w.waiting = false;
        let n = notice::called(&self.hall, &subject(w), c, seq, ts);
        info!(ticket = %c.ticket, phone = %w.phone_masked, window = %c.window, recall = c.recall, "called notice");
        self.outbox.push(n);
    }

    /// Asks the queue where its watched tickets stand; those with
    /// `notify.ahead` or fewer ahead get their `ahead` notice.
    async fn check_ahead(&mut self, queue: &str, seq: u64, fresh: bool) {
        let mut candidates: Vec<_> = self
            .watched
            .values()
            .filter(|w| w.ticket.line_queue() == queue && w.waiting && !w.ahead_done)
            .map(|w| (w.ticket.order_key(), w.ticket.id.clone()))
            .collect();
        if candidates.is_empty() {
            return;
        }
        let Some(addr) = self.dir.queues.get(queue).cloned() else {
            return;
        };
        candidates.sort();
        let mut far = 0;
        for (_, id) in candidates.into_iter().take(MAX_POSITION_CHECKS) {
            let position =
                tokio::time::timeout(ACTOR_TIMEOUT, addr.send(Position { id: id.clone() })).await;
            let (people_ahead, wait_s) = match position {
                Ok(Ok(Some(p))) => p,
                // Not in line now (called, or moved): its events will say.
                Ok(Ok(None)) => continue,
                _ => {
                    debug!(queue, "queue did not answer a position request");
                    return;
                }
            };
            if people_ahead > self.ahead {
                far += 1;
                if far >= STOP_AFTER_FAR {
                    break;
                }
                continue;
            }
            far = 0;
            let Some(w) = self.watched.get_mut(&id) else {
                continue;
            };
            w.ahead_done = true;
            if w.seeded || !fresh {
                // Near the front already when we (re)started: told before.
                continue;
            }
            let now = Utc::now();
            let expected = later(now, wait_s);
            let n = notice::ahead(&self.hall, &subject(w), people_ahead, expected, seq, now);
            info!(ticket = %id, phone = %w.phone_masked, people_ahead, "ahead notice");
            self.outbox.push(n);
        }
    }

    /// The stored ticket and its plain phone.
    async fn load(&self, v: &TicketView) -> Option<(Ticket, String)> {
        let reader = self.reader.clone();
        let sealer = self.sealer.clone();
        let id = v.id.clone();
        let queue = v.queue.clone();
        match tokio::task::spawn_blocking(move || load_ticket(&reader, &sealer, &id, &queue)).await
        {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                warn!(ticket = %v.id, error = %e, "no notices for this ticket");
                None
            }
            Err(e) => {
                warn!(ticket = %v.id, error = %e, "ticket read failed");
                None
            }
        }
    }
}

/// `at` plus an estimated wait (capped at a week: an estimate, not a date).
fn later(at: DateTime<Utc>, wait_s: u64) -> DateTime<Utc> {
    let secs = i64::try_from(wait_s.min(7 * 86_400)).unwrap_or(0);
    at.checked_add_signed(chrono::Duration::seconds(secs))
        .unwrap_or(at)
}

fn subject(w: &Watched) -> Subject<'_> {
    Subject {
        ticket: &w.ticket.id,
        number: &w.ticket.number,
        queue: &w.ticket.queue,
        phone: &w.phone,
        phone_masked: &w.phone_masked,
    }
}

/// Why a ticket's phone could not be read for its notices.
#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error("malformed ticket id")]
    MalformedId,
    #[error("ticket not found in storage")]
    NotFound,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Unseal(#[from] SealError),
}

/// Reads a ticket and unseals its phone; `None` if it has none.
fn load_ticket(
    reader: &StoreReader,
    sealer: &Sealer,
    id: &str,
    queue: &str,
) -> Result<Option<(Ticket, String)>, LoadError> {
    let (day, _, seq) = parse_ticket_id(id).ok_or(LoadError::MalformedId)?;
    let ticket = reader.ticket(day, queue, seq)?.ok_or(LoadError::NotFound)?;
    let Some(sealed) = ticket.personal.phone_sealed.as_deref() else {
        return Ok(None);
    };
    let phone = sealer.open(sealed)?;
    Ok(Some((ticket, phone)))
}

/// Today's waiting tickets that have a phone (none if storage cannot be
/// read: logged).
fn waiting_with_phone(reader: &StoreReader, sealer: &Sealer, day: &str) -> Vec<(Ticket, String)> {
    let tickets = match reader.waiting_with_phone(day) {
        Ok(t) => t,
        Err(e) => {
            warn!(day, error = %e, "notifier cannot read today's waiting tickets");
            return Vec::new();
        }
    };
    tickets
        .into_iter()
        .filter_map(|t| {
            let phone = sealer.open(t.personal.phone_sealed.as_deref()?).ok()?;
            Some((t, phone))
        })
        .collect()
}

/// Commits the cursor when it moves: the last event handled, but not past
/// a notice still waiting in the outbox.
async fn keep_cursor(
    dir: Directory,
    processed: Arc<AtomicU64>,
    outbox: Outbox,
    mut saved: Option<u64>,
) {
    let mut ticks = tokio::time::interval(CURSOR_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        // Processed first: a notice of an event up to it is already in
        // the outbox (or delivered) when the outbox is read.
        let done = processed.load(Ordering::Relaxed);
        let cursor = match outbox.oldest_seq() {
            Some(oldest) => done.min(oldest.saturating_sub(1)),
            None => done,
        };
        if saved.is_some_and(|s| cursor <= s) {
            continue;
        }
        let mut commit = Commit::default();
        commit.put(CURSOR_KEY.to_vec(), cursor.to_string().into_bytes());
        match dir.store.commit(commit).await {
            Ok(_) => saved = Some(cursor),
            Err(e) => debug!(error = %e, "notifier cursor not saved; next time"),
        }
    }
}
