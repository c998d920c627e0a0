//! Prompts and answers: a service finished opens its prompt, an evaluator
//! answers it ([`Rate`]) or the sweep records it "not rated" ([`Sweep`]).

use actix::prelude::*;
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use super::{audit, RatingActor};
use crate::alarm::{Clear, Raise};
use crate::core::rating::follow_up::{self, FollowUpError};
use crate::core::rating::stored::{superseded, WindowPrompt, FOLLOW_UP_ACTION, RATING_ACTION};
use crate::core::rating::{rate, time_out, Prompt, RatingRecord, RatingRefusal, ServiceRef};
use crate::core::rating::{Rater, Submission};
use crate::core::ticket::parse_ticket_id;
use crate::keys;
use crate::store::{Commit, StoreError};

/// A window finished a service at `at`: its prompt opens (sent by the
/// actor itself from the committed `done` event; tests send it directly).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), StoreError>")]
pub struct ServiceFinished {
    pub ticket: String,
    pub number: String,
    pub window: String,
    pub at: DateTime<Utc>,
}

/// An evaluator's answer for the prompt open at `window`, at `now`.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<RatingRecord, RateError>")]
pub struct Rate {
    pub window: String,
    pub submission: Submission,
    pub now: DateTime<Utc>,
}

/// Why a rating was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RateError {
    /// The window has finished no service to rate.
    #[error("window {window} has no service to rate / 该窗口暂无可评价的服务")]
    NoPrompt { window: String },
    /// The rule refused it (rated already, timed out, staff, reasons).
    #[error(transparent)]
    Refused(#[from] RatingRefusal),
    /// The commit failed (busy or storage down): try again.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Records timed-out prompts as "not rated" and raises (or clears) the
/// overdue alarms of follow-ups, as of `now`. Answers how many prompts it
/// settled.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<usize, StoreError>")]
pub struct Sweep {
    pub now: DateTime<Utc>,
}

/// A window's latest prompt (and its record once settled).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Option<WindowPrompt>")]
pub struct GetPrompt {
    pub window: String,
}

/// Puts a settled record into `commit`: `rr/{day}/{ticket}` and its event.
fn put_record(commit: &mut Commit, record: &RatingRecord, who: &str) {
    let ticket = &record.service.ticket;
    let day = parse_ticket_id(ticket).map_or("00000000", |(d, _, _)| d);
    commit.put_json(keys::rating(day, ticket), record);
    commit.event(audit(who, RATING_ACTION, ticket, record));
}

fn answered(
    commit: Commit,
    actor: &RatingActor,
) -> Result<impl std::future::Future<Output = Result<(), StoreError>>, StoreError> {
    let done = actor.store.enqueue(commit)?;
    Ok(async move { done.await.map(|_| ()) })
}

impl Handler<ServiceFinished> for RatingActor {
    type Result = ResponseFuture<Result<(), StoreError>>;

    fn handle(&mut self, m: ServiceFinished, _: &mut Self::Context) -> Self::Result {
        let mut commit = Commit::default();
        if let Some(open) = self.prompts.get(&m.window) {
            if open.prompt.service.ticket == m.ticket {
                return Box::pin(async { Ok(()) }); // seen already
            }
            if let Some(r) = superseded(open, m.at) {
                put_record(&mut commit, &r, "system");
            }
        }
        let next = WindowPrompt {
            prompt: Prompt {
                service: ServiceRef {
                    ticket: m.ticket.clone(),
                    number: m.number,
                    window: m.window.clone(),
                    staff: self.staff.get(&m.window).cloned(),
                    case: self.tickets.case_of(&m.ticket).map(|n| n.to_string()),
                },
                at: m.at,
            },
            record: None,
        };
        commit.put_json(keys::rating_prompt(&m.window), &next);
        let before = self.prompts.insert(m.window.clone(), next);
        match answered(commit, self) {
            Ok(f) => {
                info!(window = %m.window, ticket = %m.ticket, "rating prompt opened");
                metrics::counter!("tingwu_rating_prompts_total").increment(1);
                Box::pin(f)
            }
            Err(e) => {
                match before {
                    Some(b) => self.prompts.insert(m.window, b),
                    None => self.prompts.remove(&m.window),
                };
                warn!(ticket = %m.ticket, error = %e, "rating prompt not stored");
                Box::pin(async move { Err(e) })
            }
        }
    }
}

impl Handler<Rate> for RatingActor {
    type Result = ResponseFuture<Result<RatingRecord, RateError>>;

    fn handle(&mut self, m: Rate, _: &mut Self::Context) -> Self::Result {
        let Some(open) = self.prompts.get(&m.window) else {
            return Box::pin(async move { Err(RateError::NoPrompt { window: m.window }) });
        };
        let who = match &m.submission.rater {
            Rater::Device(d) => format!("evaluator/{d}"),
            Rater::Staff(s) => format!("staff/{s}"),
        };
        let cfg = &self.cfg.supervision.rating;
        let record = match rate(&open.prompt, open.record.as_ref(), m.submission, m.now, cfg) {
            Ok(r) => r,
            Err(e) => {
                metrics::counter!("tingwu_ratings_refused_total", "reason" => refusal_reason(&e))
                    .increment(1);
                return Box::pin(async move { Err(e.into()) });
            }
        };
        let mut commit = Commit::default();
        put_record(&mut commit, &record, &who);
        let settled = WindowPrompt {
            prompt: open.prompt.clone(),
            record: Some(record.clone()),
        };
        commit.put_json(keys::rating_prompt(&m.window), &settled);
        let follow = if record.is_bad() {
            match follow_up::open(&record, cfg, &self.cfg.calendar.days, self.cfg.tz()) {
                Ok(f) => {
                    commit.put_json(keys::follow_up(&f.service.ticket), &f);
                    commit.event(audit(&who, FOLLOW_UP_ACTION, &f.service.ticket, &f));
                    Some(f)
                }
                Err(e) => {
                    log_follow_up_error(&record, &e);
                    None
                }
            }
        } else {
            None
        };
        let done = match self.store.enqueue(commit) {
            Ok(d) => d,
            Err(e) => return Box::pin(async move { Err(e.into()) }),
        };
        self.prompts.insert(m.window.clone(), settled);
        if let Some(f) = follow {
            self.follow_ups.insert(f.service.ticket.clone(), f);
        }
        let alarms = self.alarms.clone();
        Box::pin(async move {
            done.await?;
            let stars = record.grade().map_or(0, |g| g.stars());
            metrics::counter!("tingwu_evaluations_total", "stars" => stars.to_string())
                .increment(1);
            info!(ticket = %record.service.ticket, window = %record.service.window, stars, "rating stored");
            if let Some(alarm) = record.bad_rating_alarm() {
                if let Err(e) = alarms.send(Raise(alarm)).await {
                    warn!(ticket = %record.service.ticket, error = %e, "bad-rating alarm not raised");
                }
            }
            Ok(record)
        })
    }
}

fn refusal_reason(e: &RatingRefusal) -> &'static str {
    match e {
        RatingRefusal::AlreadyRated { .. } => "already_rated",
        RatingRefusal::TimedOut { .. } => "timed_out",
        RatingRefusal::Staff => "staff",
        RatingRefusal::OtherService { .. } => "other_service",
        RatingRefusal::BeforePrompt { .. } => "before_prompt",
        RatingRefusal::Reasons(_) => "reasons",
    }
}

fn log_follow_up_error(record: &RatingRecord, e: &FollowUpError) {
    tracing::error!(ticket = %record.service.ticket, error = %e, "bad rating's follow-up not opened (is the calendar missing a year?)");
}

impl Handler<Sweep> for RatingActor {
    type Result = ResponseFuture<Result<usize, StoreError>>;

    fn handle(&mut self, Sweep { now }: Sweep, _: &mut Self::Context) -> Self::Result {
        let tz = self.cfg.tz();
        for (ticket, f) in &self.follow_ups {
            match f.overdue_alarm(now, tz) {
                Some(alarm) if !self.overdue.contains(ticket) => {
                    self.overdue.insert(ticket.clone());
                    let _ = self.alarms.try_send(Raise(alarm));
                }
                None if self.overdue.contains(ticket) => {
                    self.overdue.remove(ticket);
                    let id = format!("evaluation/{ticket}/follow_up");
                    let _ = self.alarms.try_send(Clear(id));
                }
                _ => {}
            }
        }
        let cfg = &self.cfg.supervision.rating;
        let mut commit = Commit::default();
        let mut settled = Vec::new();
        for (window, p) in &self.prompts {
            if let Some(r) = time_out(&p.prompt, p.record.as_ref(), now, cfg) {
                put_record(&mut commit, &r, "system");
                let next = WindowPrompt {
                    prompt: p.prompt.clone(),
                    record: Some(r),
                };
                commit.put_json(keys::rating_prompt(window), &next);
                settled.push((window.clone(), next));
            }
        }
        if settled.is_empty() {
            return Box::pin(async { Ok(0) });
        }
        let n = settled.len();
        match answered(commit, self) {
            Ok(f) => {
                for (w, p) in settled {
                    info!(window = %w, ticket = %p.prompt.service.ticket, "rating prompt timed out: not rated");
                    self.prompts.insert(w, p);
                }
                metrics::counter!("tingwu_ratings_not_rated_total").increment(n as u64);
                Box::pin(async move { f.await.map(|_| n) })
            }
            Err(e) => Box::pin(async move { Err(e) }),
        }
    }
}

impl Handler<GetPrompt> for RatingActor {
    type Result = Option<WindowPrompt>;

    fn handle(&mut self, m: GetPrompt, _: &mut Self::Context) -> Self::Result {
        self.prompts.get(&m.window).cloned()
    }
}
