//! Terminal commands at a window: duplicates answered again, the rules of
//! `core::window_actions` for everything but calls, and calls that take a
//! ticket from the window's queues with its strategy.

use std::time::Instant;

use actix::prelude::*;
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};
use tracing::info;

use super::WindowActor;

/// Attempts at taking a head that other windows keep taking first.
const TAKE_ATTEMPTS: usize = 32;
use crate::clock::HallClock;
use crate::config::QueueRole;
use crate::core::strategy::{available_classes, pick, BlendState, Class, QueueHeads, Strategy};
use crate::core::ticket::Ticket;
use crate::core::window_actions::{self as actions, Refused};
use crate::queue::{Heads, QueueActor, TakeClass, TakeNamed, Taken};
use crate::views::QueueView;

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
        let to = match actions::admit(&self.desk(), &cmd, msg.acting_staff.as_deref()) {
            Ok(to) => to,
            Err(Refused {
                reply,
                remember: true,
            }) => return self.refuse(cmd.id, reply),
            Err(Refused { reply, .. }) => {
                return AtomicResponse::new(Box::pin(fut::ready(reply)));
            }
        };
        if !matches!(cmd.action, Action::CallNext | Action::Call) {
            let known = |q: &str| self.queue_by_id.contains_key(q);
            let planned = actions::plan(
                &self.desk(),
                &cmd,
                to,
                self.clock.now(),
                &self.staff,
                &self.calling,
                &known,
            );
            return match planned {
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
        let fut =
            take.into_actor(self)
                .then(move |res, act, _| -> ResponseActFuture<Self, Reply> {
                    match res {
                        Ok(Some(took)) => {
                            let desk = act.desk();
                            let mut change = actions::called(
                                &desk,
                                &cmd_id,
                                took.ticket,
                                took.queue,
                                act.clock.now(),
                            );
                            change.blended = took.blended;
                            if named {
                                if let Some(t) = &change.ticket {
                                    let audit = actions::out_of_order_audit(&desk, t, reason);
                                    change.events.push(audit);
                                }
                            }
                            act.commit(cmd_id, change, received)
                        }
                        Ok(None) => {
                            let reply = actions::nothing_to_call(&cmd_id, named);
                            // A redelivery, even after a restart, must not
                            // call a ticket that came later.
                            act.refuse_durably(cmd_id, reply)
                        }
                        Err(e) => {
                            Box::pin(fut::ready(Reply::error(Some(cmd_id), "unavailable", e)))
                        }
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
