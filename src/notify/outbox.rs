//! The notice outbox: bounded, in memory, retried with capped exponential
//! backoff, in order per ticket.
//!
//! Pushing never waits (it takes a short lock), so whoever produces
//! notices is never held up by the gateway; calling does not even do that
//! (the notifier follows committed events on its own task). When the outbox
//! is full the oldest notice is dropped, counted and logged.
//!
//! Each ticket has a lane: only the head of a lane is sent, so a ticket's
//! notices arrive in the order they were made ("called" never before
//! "issued"). Up to [`CONCURRENCY`] lanes are sent at once. Two backoffs:
//!
//! - the gateway's: a connection that fails (refused, timed out, broken)
//!   says nothing about the notice, so the whole outbox waits (0.5 s
//!   doubling to [`GATEWAY_BACKOFF_MAX`]) and then probes with one notice
//!   at a time until one goes through;
//! - a notice's own: an answer other than 2xx delays that notice (0.5 s
//!   doubling to [`NOTICE_BACKOFF_MAX`]) while the others go on.
//!
//! A notice not delivered within [`TTL`] is dropped as expired: a call
//! notice hours late helps nobody.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tracing::{debug, info, warn};

use super::notice::Notice;
use super::webhook::{Webhook, WebhookError};
use crate::backoff::Backoff;

/// Notices sent at once while the gateway answers.
pub const CONCURRENCY: usize = 4;
pub const GATEWAY_BACKOFF_MAX: Duration = Duration::from_secs(10);
pub const NOTICE_BACKOFF_MAX: Duration = Duration::from_secs(30);
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
/// The whole outbox's wait after the n-th unreachable gateway in a row:
/// 0.5 s doubling, at most [`GATEWAY_BACKOFF_MAX`].
const GATEWAY_BACKOFF: Backoff = Backoff::new(BACKOFF_FIRST, 2, GATEWAY_BACKOFF_MAX);
/// One notice's wait after its n-th refusal: 0.5 s doubling, at most
/// [`NOTICE_BACKOFF_MAX`].
const NOTICE_BACKOFF: Backoff = Backoff::new(BACKOFF_FIRST, 2, NOTICE_BACKOFF_MAX);
/// Undelivered notices older than this are dropped.
pub const TTL: Duration = Duration::from_secs(2 * 3600);

struct Pending {
    serial: u64,
    notice: Arc<Notice>,
    created: Instant,
    attempts: u32,
    due: Instant,
}

#[derive(Default)]
struct Lane {
    items: VecDeque<Pending>,
    /// Its head is being sent.
    busy: bool,
}

#[derive(Default)]
struct State {
    lanes: HashMap<String, Lane>,
    /// Every pending notice by (serial, ticket), oldest first.
    order: BTreeSet<(u64, String)>,
    next_serial: u64,
    in_flight: usize,
    gateway_fails: u32,
    gateway_until: Option<Instant>,
}

/// How an attempt went.
#[derive(Debug)]
pub enum Outcome {
    Delivered(u16),
    /// The gateway answered, but not 2xx.
    Refused(u16),
    /// No answer: connection refused, timed out or broken.
    Unreachable(String),
}

impl Outcome {
    pub fn of(r: Result<u16, WebhookError>) -> Self {
        match r {
            Ok(s) if (200..300).contains(&s) => Outcome::Delivered(s),
            Ok(s) => Outcome::Refused(s),
            Err(e) => Outcome::Unreachable(e.to_string()),
        }
    }
}

/// A notice taken for sending.
pub struct Attempt {
    pub serial: u64,
    pub notice: Arc<Notice>,
}

/// Cloneable handle to the outbox.
#[derive(Clone)]
pub struct Outbox {
    state: Arc<Mutex<State>>,
    wake: Arc<Notify>,
    capacity: usize,
}

impl Outbox {
    pub fn new(capacity: usize) -> Self {
        Self {
            state: Arc::default(),
            wake: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state torn in a
        // way that matters more than losing notices; carry on with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a notice; never waits. When full, drops the oldest one that
    /// is not being sent.
    pub fn push(&self, notice: Notice) {
        let now = Instant::now();
        {
            let mut guard = self.lock();
            let s = &mut *guard;
            while s.order.len() >= self.capacity {
                let victim = s
                    .order
                    .iter()
                    .find(|(serial, ticket)| {
                        s.lanes.get(ticket).is_none_or(|l| {
                            !(l.busy && l.items.front().is_some_and(|p| p.serial == *serial))
                        })
                    })
                    .cloned();
                let Some((serial, ticket)) = victim else {
                    break;
                };
                s.order.remove(&(serial, ticket.clone()));
                if let Some(lane) = s.lanes.get_mut(&ticket) {
                    if let Some(i) = lane.items.iter().position(|p| p.serial == serial) {
                        if let Some(p) = lane.items.remove(i) {
                            warn!(notice = %p.notice.id, phone = %p.notice.phone_masked, "notice outbox full; oldest notice dropped");
                        }
                    }
                    if lane.items.is_empty() && !lane.busy {
                        s.lanes.remove(&ticket);
                    }
                }
                metrics::counter!("tingwu_notices_dropped_total", "reason" => "full").increment(1);
            }
            let serial = s.next_serial;
            s.next_serial += 1;
            let ticket = notice.ticket.clone();
            s.order.insert((serial, ticket.clone()));
            s.lanes.entry(ticket).or_default().items.push_back(Pending {
                serial,
                notice: Arc::new(notice),
                created: now,
                attempts: 0,
                due: now,
            });
            gauge(s);
        }
        self.wake.notify_one();
    }

    /// Notices waiting or being sent.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().order.len()
    }

    /// The event sequence of the oldest notice not yet delivered.
    pub fn oldest_seq(&self) -> Option<u64> {
        let s = self.lock();
        s.lanes
            .values()
            .flat_map(|l| l.items.iter().map(|p| p.notice.seq))
            .min()
    }

    /// Takes what may be sent now; also says how long until something
    /// else may be (None: nothing until a push or an answer).
    fn take_ready(&self, now: Instant) -> (Vec<Attempt>, Option<Duration>) {
        let mut guard = self.lock();
        let s = &mut *guard;
        // Expired notices leave first (never one being sent).
        let mut expired = Vec::new();
        for (ticket, lane) in s.lanes.iter_mut() {
            if lane.busy {
                continue;
            }
            while lane
                .items
                .front()
                .is_some_and(|p| now.duration_since(p.created) > TTL)
            {
                if let Some(p) = lane.items.pop_front() {
                    warn!(notice = %p.notice.id, phone = %p.notice.phone_masked, attempts = p.attempts, "notice expired undelivered; dropped");
                    expired.push((p.serial, ticket.clone()));
                }
            }
        }
        for key in expired {
            s.order.remove(&key);
            metrics::counter!("tingwu_notices_dropped_total", "reason" => "expired").increment(1);
        }
        s.lanes.retain(|_, l| l.busy || !l.items.is_empty());
        gauge(s);
        if let Some(until) = s.gateway_until.filter(|u| *u > now) {
            return (Vec::new(), Some(until - now));
        }
        let limit = if s.gateway_fails > 0 { 1 } else { CONCURRENCY };
        let free = limit.saturating_sub(s.in_flight);
        let mut ready: Vec<(u64, String)> = Vec::new();
        let mut next: Option<Instant> = None;
        for (ticket, lane) in &s.lanes {
            if lane.busy {
                continue;
            }
            if let Some(p) = lane.items.front() {
                if p.due <= now {
                    ready.push((p.serial, ticket.clone()));
                } else {
                    next = Some(next.map_or(p.due, |n| n.min(p.due)));
                }
            }
        }
        ready.sort();
        let mut out = Vec::new();
        for (_, ticket) in ready.iter().take(free) {
            if let Some(lane) = s.lanes.get_mut(ticket) {
                if let Some(p) = lane.items.front() {
                    out.push(Attempt {
                        serial: p.serial,
                        notice: p.notice.clone(),
                    });
                    lane.busy = true;
                }
            }
        }
        s.in_flight += out.len();
        // Ready lanes left over wait for an answer (which wakes us);
        // delayed ones for their time.
        let wait = if ready.len() > out.len() {
            None
        } else {
            next.map(|n| n - now)
        };
        (out, wait)
    }

    /// Records how an attempt went.
    fn finish(&self, attempt: &Attempt, outcome: &Outcome, now: Instant) {
        {
            let mut guard = self.lock();
            let s = &mut *guard;
            s.in_flight = s.in_flight.saturating_sub(1);
            let ticket = attempt.notice.ticket.clone();
            let mut delivered = false;
            let mut gateway_down = false;
            if let Some(lane) = s.lanes.get_mut(&ticket) {
                lane.busy = false;
                if let Some(head) = lane
                    .items
                    .front_mut()
                    .filter(|p| p.serial == attempt.serial)
                {
                    head.attempts += 1;
                    match outcome {
                        Outcome::Delivered(_) => delivered = true,
                        Outcome::Refused(_) => {
                            head.due = now + NOTICE_BACKOFF.delay(head.attempts);
                        }
                        Outcome::Unreachable(_) => gateway_down = true,
                    }
                    if delivered {
                        lane.items.pop_front();
                    }
                }
                if lane.items.is_empty() {
                    s.lanes.remove(&ticket);
                }
            }
            if delivered {
                s.order.remove(&(attempt.serial, ticket));
            }
            if gateway_down {
                s.gateway_fails += 1;
                let wait = GATEWAY_BACKOFF.delay(s.gateway_fails);
                s.gateway_until = Some(now + wait);
                if s.gateway_fails == 1 {
                    warn!(
                        retry_in_ms = wait.as_millis() as u64,
                        "notice gateway unreachable; notices wait in the outbox"
                    );
                }
            } else {
                if s.gateway_fails > 0 {
                    info!(
                        after_failures = s.gateway_fails,
                        pending = s.order.len(),
                        "notice gateway reachable again"
                    );
                }
                s.gateway_fails = 0;
                s.gateway_until = None;
            }
            gauge(s);
        }
        let n = &attempt.notice;
        match outcome {
            Outcome::Delivered(status) => {
                metrics::counter!("tingwu_notices_sent_total", "kind" => n.kind.as_str())
                    .increment(1);
                debug!(notice = %n.id, phone = %n.phone_masked, status, "notice delivered");
            }
            Outcome::Refused(status) => {
                metrics::counter!("tingwu_notices_failed_total").increment(1);
                warn!(notice = %n.id, phone = %n.phone_masked, status, "notice gateway refused a notice; retrying later");
            }
            Outcome::Unreachable(error) => {
                metrics::counter!("tingwu_notices_failed_total").increment(1);
                debug!(notice = %n.id, error = %error, "notice not delivered");
            }
        }
        self.wake.notify_one();
    }

    /// Sends notices for ever.
    pub async fn deliver(self, hook: Arc<Webhook>) {
        loop {
            let (attempts, wait) = self.take_ready(Instant::now());
            for attempt in attempts {
                let outbox = self.clone();
                let hook = hook.clone();
                tokio::spawn(async move {
                    let r = hook.post(&attempt.notice.body, &attempt.notice.id).await;
                    outbox.finish(&attempt, &Outcome::of(r), Instant::now());
                });
            }
            match wait {
                Some(d) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(d) => {}
                    }
                }
                None => self.wake.notified().await,
            }
        }
    }
}

fn gauge(s: &State) {
    metrics::gauge!("tingwu_notices_pending").set(s.order.len() as f64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::notice::Kind;

    fn notice(ticket: &str, kind: Kind, seq: u64) -> Notice {
        Notice {
            id: format!("{ticket}/{}", kind.as_str()),
            kind,
            ticket: ticket.into(),
            seq,
            phone_masked: "138****5678".into(),
            body: b"{}".to_vec(),
        }
    }

    fn ids(a: &[Attempt]) -> Vec<String> {
        a.iter().map(|a| a.notice.id.clone()).collect()
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(GATEWAY_BACKOFF.delay(1), Duration::from_millis(500));
        assert_eq!(GATEWAY_BACKOFF.delay(2), Duration::from_secs(1));
        assert_eq!(GATEWAY_BACKOFF.delay(5), Duration::from_secs(8));
        assert_eq!(GATEWAY_BACKOFF.delay(6), GATEWAY_BACKOFF_MAX);
        assert_eq!(NOTICE_BACKOFF.delay(u32::MAX), NOTICE_BACKOFF_MAX);
    }

    #[test]
    fn one_ticket_in_order_many_tickets_at_once() {
        let o = Outbox::new(100);
        o.push(notice("t1", Kind::Issued, 1));
        o.push(notice("t2", Kind::Issued, 2));
        o.push(notice("t1", Kind::Called, 3));
        let now = Instant::now();
        let (a, _) = o.take_ready(now);
        // t1's call waits behind its issue notice.
        assert_eq!(ids(&a), ["t1/issued", "t2/issued"]);
        assert_eq!(o.oldest_seq(), Some(1));
        for x in &a {
            o.finish(x, &Outcome::Delivered(200), now);
        }
        let (a, _) = o.take_ready(now);
        assert_eq!(ids(&a), ["t1/called"]);
        o.finish(&a[0], &Outcome::Delivered(200), now);
        assert_eq!(o.len(), 0);
        assert_eq!(o.oldest_seq(), None);
    }

    #[test]
    fn an_unreachable_gateway_holds_everything_then_probes_one_at_a_time() {
        let o = Outbox::new(100);
        for i in 0..6 {
            o.push(notice(&format!("t{i}"), Kind::Issued, i));
        }
        let now = Instant::now();
        let (a, _) = o.take_ready(now);
        assert_eq!(a.len(), CONCURRENCY);
        o.finish(&a[0], &Outcome::Unreachable("refused".into()), now);
        // Others still in flight come back; nothing new is sent meanwhile.
        let (b, wait) = o.take_ready(now);
        assert!(b.is_empty());
        assert_eq!(wait, Some(Duration::from_millis(500)));
        for x in &a[1..] {
            o.finish(x, &Outcome::Unreachable("refused".into()), now);
        }
        let later = now + GATEWAY_BACKOFF_MAX;
        let (b, _) = o.take_ready(later);
        assert_eq!(b.len(), 1, "one probe while the gateway is down");
        assert_eq!(ids(&b), ["t0/issued"], "oldest first");
        o.finish(&b[0], &Outcome::Delivered(204), later);
        let (c, _) = o.take_ready(later);
        assert_eq!(c.len(), CONCURRENCY, "back to full speed");
        assert_eq!(o.len(), 5);
    }

    #[test]
    fn a_refused_notice_backs_off_alone() {
        let o = Outbox::new(100);
        o.push(notice("t1", Kind::Issued, 1));
        o.push(notice("t2", Kind::Issued, 2));
        let now = Instant::now();
        let (a, _) = o.take_ready(now);
        o.finish(&a[0], &Outcome::Refused(500), now);
        o.finish(&a[1], &Outcome::Delivered(200), now);
        let (b, wait) = o.take_ready(now);
        assert!(b.is_empty());
        assert_eq!(wait, Some(Duration::from_millis(500)));
        let (b, _) = o.take_ready(now + Duration::from_millis(500));
        assert_eq!(ids(&b), ["t1/issued"]);
    }

    #[test]
    fn a_full_outbox_drops_the_oldest() {
        let o = Outbox::new(5);
        for i in 0..7 {
            o.push(notice(&format!("t{i}"), Kind::Issued, i));
        }
        assert_eq!(o.len(), 5);
        assert_eq!(o.oldest_seq(), Some(2));
        // One being sent is never the one dropped: t2..t5 are in flight, t6 goes.
        let now = Instant::now();
        let (a, _) = o.take_ready(now);
        assert_eq!(a.len(), CONCURRENCY);
        o.push(notice("t9", Kind::Issued, 9));
        assert_eq!(o.len(), 5);
        assert_eq!(o.oldest_seq(), Some(2));
        for x in &a {
            o.finish(x, &Outcome::Delivered(200), now);
        }
        assert_eq!(o.len(), 1);
        assert_eq!(o.oldest_seq(), Some(9));
    }

    #[test]
    fn old_notices_expire() {
        let o = Outbox::new(10);
        o.push(notice("t1", Kind::Issued, 1));
        let (a, _) = o.take_ready(Instant::now() + TTL + Duration::from_secs(1));
        assert!(a.is_empty());
        assert_eq!(o.len(), 0);
    }
}
