//! The hall's notice board (大厅公告): one actor per hall owns the notices in
//! force. A supervisor sends one ([`SendNotice`]) or clears one
//! ([`ClearNotice`]); its expiry is found by [`Sweep`] (every
//! [`SWEEP_EVERY`] on the hall clock, and once at start-up for notices that
//! expired while the server was down). The rules are
//! `tingwu_core::hall_notice`; this actor owns the state and commits it.
//!
//! Each change is one commit: the notice under `keys::notice` (put when
//! sent, deleted when it ends), a `notice` event (`EventBody::Notice`) that
//! the screens show, and — for a supervisor's send or clear — an `Audit`
//! entry (`notice_sent`, `notice_cleared`) naming who. Memory changes in
//! the handler, before the commit resolves (commits apply in order); the
//! answer waits until the commit is durable.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::hall_notice::{
    self, Draft, Notice, NoticeChange, NoticeEndKind, NoticeRefusal, Sent,
};
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::store::{Commit, Op, Store, StoreError};

/// How often notices past their expiry are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Why a notice change is refused.
#[derive(Debug, thiserror::Error)]
pub enum NoticeChangeError {
    /// The draft is not a notice (`hall_notice::compose`).
    #[error(transparent)]
    Refused(#[from] NoticeRefusal),
    /// No notice in force has this id (never sent, cleared or expired).
    #[error("no notice {0:?} is in force / 该公告不存在或已撤下")]
    NotFound(String),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

pub struct NoticeActor {
    cfg: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// The notices in force, by id.
    notices: BTreeMap<String, Notice>,
    /// The largest id number given (`hall_notice::next_id`).
    last_id: u64,
    /// Whether the actor runs its own sweep (off in tests that send
    /// [`Sweep`] with an injected `now`).
    sweeping: bool,
}

impl NoticeActor {
    /// The actor with the notices storage recovered (`keys::NOTICES`),
    /// expired ones included: the first sweep ends those.
    pub fn new(
        cfg: Arc<HallConfig>,
        clock: HallClock,
        store: Store,
        recovered: Vec<Notice>,
    ) -> Self {
        let last_id = recovered
            .iter()
            .filter_map(|n| hall_notice::id_number(&n.id))
            .max()
            .unwrap_or(0);
        Self {
            cfg,
            clock,
            store,
            notices: recovered.into_iter().map(|n| (n.id.clone(), n)).collect(),
            last_id,
            sweeping: true,
        }
    }

    /// Without its own sweep: the test sends [`Sweep`] with any `now`.
    pub fn without_sweep(mut self) -> Self {
        self.sweeping = false;
        self
    }

    fn audit(who: &str, action: &str, notice: &Notice) -> EventBody {
        EventBody::Audit(AuditEntry {
            who: who.to_string(),
            action: action.to_string(),
            target: format!("notice/{}", notice.id),
            reason: None,
            detail: serde_json::to_value(notice).unwrap_or_default(),
        })
    }

    /// Enqueues `commit` and answers `value` once it is durable.
    fn answer<T: Send + 'static>(
        &self,
        commit: Commit,
        value: T,
    ) -> ResponseFuture<Result<T, NoticeChangeError>> {
        match self.store.enqueue(commit) {
            Ok(done) => Box::pin(async move {
                done.await?;
                Ok(value)
            }),
            Err(e) => Box::pin(async move { Err(e.into()) }),
        }
    }
}

impl Actor for NoticeActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        if self.sweeping {
            // Notices that expired while the server was down end now.
            ctx.notify(Sweep {
                now: self.clock.now(),
            });
            ctx.run_interval(SWEEP_EVERY, |act, ctx| {
                ctx.notify(Sweep {
                    now: act.clock.now(),
                });
            });
        }
    }
}

/// A supervisor (`by`) sends a notice: in force from now, answered once
/// durable. The same notice as one in force is that one
/// (`hall_notice::send`).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<SentNotice, NoticeChangeError>")]
pub struct SendNotice {
    pub draft: Draft,
    pub by: String,
}

/// The notice in force after a [`SendNotice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotice {
    pub notice: Notice,
    /// False when the same notice was in force already (nothing changed).
    pub new: bool,
}

impl Handler<SendNotice> for NoticeActor {
    type Result = ResponseFuture<Result<SentNotice, NoticeChangeError>>;

    fn handle(&mut self, m: SendNotice, _: &mut Self::Context) -> Self::Result {
        let now = self.clock.now();
        let n = hall_notice::next_id(now, self.last_id);
        let in_force: Vec<&Notice> = self
            .notices
            .values()
            .filter(|x| hall_notice::in_force(x, now))
            .collect();
        let notice = match hall_notice::send(
            &m.draft,
            &self.cfg,
            &in_force,
            hall_notice::id_text(n),
            &m.by,
            now,
        ) {
            Ok(Sent::New(notice)) => notice,
            // The same notice again (a retried request): the one in force,
            // already durable (a later send waits behind its commit).
            Ok(Sent::Same(notice)) => {
                let barrier = self.store.barrier();
                return Box::pin(async move {
                    barrier?.await?;
                    Ok(SentNotice { notice, new: false })
                });
            }
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        let mut commit = Commit::default();
        commit
            .put_json(keys::notice(&notice.id), &notice)
            .event(EventBody::Notice(NoticeChange::sent(notice.clone())))
            .event(Self::audit(&m.by, "notice_sent", &notice));
        let answer = self.answer(
            commit,
            SentNotice {
                notice: notice.clone(),
                new: true,
            },
        );
        self.last_id = n;
        info!(notice = %notice.id, by = %m.by, areas = ?notice.areas, screens = ?notice.screens, expires_at = ?notice.expires_at, "hall notice sent");
        metrics::counter!("tingwu_notices_total", "change" => "sent").increment(1);
        self.notices.insert(notice.id.clone(), notice);
        answer
    }
}

/// A supervisor (`by`) clears the notice `id`: it leaves every screen.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Notice, NoticeChangeError>")]
pub struct ClearNotice {
    pub id: String,
    pub by: String,
}

impl Handler<ClearNotice> for NoticeActor {
    type Result = ResponseFuture<Result<Notice, NoticeChangeError>>;

    fn handle(&mut self, m: ClearNotice, _: &mut Self::Context) -> Self::Result {
        let now = self.clock.now();
        let Some(notice) = self
            .notices
            .get(&m.id)
            .filter(|n| hall_notice::in_force(n, now))
            .cloned()
        else {
            return Box::pin(async move { Err(NoticeChangeError::NotFound(m.id)) });
        };
        let mut commit = Commit::default();
        commit.ops.push(Op::Delete(keys::notice(&notice.id)));
        commit
            .event(EventBody::Notice(NoticeChange::ended(
                notice.clone(),
                NoticeEndKind::Cleared,
                now,
                &m.by,
            )))
            .event(Self::audit(&m.by, "notice_cleared", &notice));
        let answer = self.answer(commit, notice.clone());
        info!(notice = %notice.id, by = %m.by, "hall notice cleared");
        metrics::counter!("tingwu_notices_total", "change" => "cleared").increment(1);
        self.notices.remove(&notice.id);
        answer
    }
}

/// The notices whose expiry has come by `now` end (sent by the actor's
/// own timer with the hall clock, or by tests with any `now`). Answers how
/// many ended, once durable.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<usize, NoticeChangeError>")]
pub struct Sweep {
    pub now: DateTime<Utc>,
}

impl Handler<Sweep> for NoticeActor {
    type Result = ResponseFuture<Result<usize, NoticeChangeError>>;

    fn handle(&mut self, m: Sweep, _: &mut Self::Context) -> Self::Result {
        let ids = hall_notice::expired(self.notices.values(), m.now);
        if ids.is_empty() {
            return Box::pin(async { Ok(0) });
        }
        let mut commit = Commit::default();
        let ended: Vec<Notice> = ids
            .iter()
            .filter_map(|id| self.notices.get(id).cloned())
            .collect();
        for n in &ended {
            let at = n.expires_at.unwrap_or(m.now);
            commit.ops.push(Op::Delete(keys::notice(&n.id)));
            commit.event(EventBody::Notice(NoticeChange::ended(
                n.clone(),
                NoticeEndKind::Expired,
                at,
                "",
            )));
        }
        match self.store.enqueue(commit) {
            Ok(done) => {
                for n in &ended {
                    info!(notice = %n.id, "hall notice expired");
                    self.notices.remove(&n.id);
                }
                metrics::counter!("tingwu_notices_total", "change" => "expired")
                    .increment(ended.len() as u64);
                let count = ended.len();
                Box::pin(async move {
                    done.await?;
                    Ok(count)
                })
            }
            // Kept: the next sweep tries again.
            Err(e) => {
                warn!(notices = ended.len(), error = %e, "expired hall notices not ended yet; next sweep tries again");
                Box::pin(async move { Err(e.into()) })
            }
        }
    }
}

/// The notices in force now (on the hall clock), oldest first.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<Notice>")]
pub struct GetNotices;

impl Handler<GetNotices> for NoticeActor {
    type Result = MessageResult<GetNotices>;

    fn handle(&mut self, _: GetNotices, _: &mut Self::Context) -> Self::Result {
        let now = self.clock.now();
        MessageResult(
            self.notices
                .values()
                .filter(|n| hall_notice::in_force(n, now))
                .cloned()
                .collect(),
        )
    }
}
