//! Window commands (call next, finish, pause, …) from a window's terminal
//! (MQTT, the RS-485 bus) or its caller page: routed to the window's actor,
//! bounded in flight per window and channel, and, from a caller page, only
//! for the staff member the session speaks for.
//!
//! Admission is synchronous ([`App::submit_command`] hands the command to
//! the actor at once, so commands reach a window in the order they
//! arrived); the answer is awaited separately ([`PendingReply::reply`]),
//! holding the in-flight slot until then.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::dev::Request;
use tingwu_actors::window::{Command, WindowActor};
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::{AuthError, CallerSession};
use super::seats::Settle;
use super::App;

/// Commands a window may have waiting at once per channel; more are
/// `busy`. (Each terminal sends one at a time; this bounds a misbehaving
/// one.)
pub const IN_FLIGHT_PER_WINDOW: usize = 8;

/// Why a command did not reach its window, or got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowCommandError {
    /// No such window (HTTP 404; MQTT: logged, nobody listens).
    #[error("no window {0:?} (窗口不存在)")]
    UnknownWindow(String),
    /// [`IN_FLIGHT_PER_WINDOW`] commands are already waiting (HTTP 503
    /// `busy`; MQTT reply `busy` for `command`).
    #[error("too many commands waiting for this window; send one at a time (命令过多，请稍后)")]
    Busy { command: String },
    /// A caller page's `login` naming someone other than its session's
    /// staff member (403 `forbidden`).
    #[error("this token belongs to staff {0}; log in as yourself (只能以本人工号登录)")]
    NotYourself(String),
    /// Someone other than the session's staff member is logged in at the
    /// window (403 `forbidden`); the message is the window's own.
    #[error("{0}")]
    OtherOnDuty(String),
    /// The window's actor is stopping (503 `unavailable`).
    #[error("the window is shutting down")]
    Unavailable,
}

/// Who sends a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The window's own terminal over MQTT.
    Terminal,
    /// The window's caller page, for the session's staff member.
    Caller(CallerSession),
    /// A wired terminal on an RS-485 bus (its own gate orders and dedupes
    /// its events, so it has no in-flight limit).
    Bus,
}

/// Per-window bounded slots of one channel.
pub(super) struct InFlight(HashMap<String, Arc<Semaphore>>);

impl InFlight {
    pub(super) fn new(windows: &[String]) -> Self {
        Self(
            windows
                .iter()
                .map(|w| (w.clone(), Arc::new(Semaphore::new(IN_FLIGHT_PER_WINDOW))))
                .collect(),
        )
    }

    fn take(&self, window: &str) -> Option<OwnedSemaphorePermit> {
        self.0.get(window)?.clone().try_acquire_owned().ok()
    }
}

/// A command handed to its window, or answered before it (a `login` whose
/// PIN the lockout rule refused); await [`PendingReply::reply`].
pub struct PendingReply {
    answer: Answer,
    /// The seat a login or logout settles once answered.
    settle: Option<Settle>,
    caller: bool,
    _slot: Option<OwnedSemaphorePermit>,
}

enum Answer {
    Window(Box<Request<WindowActor, Command>>),
    Now(Reply),
}

impl PendingReply {
    /// The window's reply (`ok` true or false, in the terminal's reply
    /// shape). A caller page's command refused because someone else is on
    /// duty is [`WindowCommandError::OtherOnDuty`].
    pub async fn reply(self) -> Result<Reply, WindowCommandError> {
        let reply = match self.answer {
            Answer::Window(request) => match (*request).await {
                Ok(reply) => reply,
                Err(_) => {
                    if let Some(s) = self.settle {
                        s.settle(false).await;
                    }
                    return Err(WindowCommandError::Unavailable);
                }
            },
            Answer::Now(reply) => reply,
        };
        if let Some(s) = self.settle {
            s.settle(reply.ok).await;
        }
        match reply.error.as_ref() {
            Some(e) if self.caller && e.code == "forbidden" => {
                Err(WindowCommandError::OtherOnDuty(e.message.clone()))
            }
            _ => Ok(reply),
        }
    }
}

/// Window replies that are refusals of the sender's input, to count as
/// rejected inputs (an empty queue or a busy server is not bad input).
pub fn is_rejection(code: &str) -> bool {
    !matches!(code, "queue_empty" | "unavailable" | "busy")
}

impl App {
    /// Checks that `window` is one of the hall's.
    pub fn check_window(&self, window: &str) -> Result<(), WindowCommandError> {
        if self.dir.windows.contains_key(window) {
            Ok(())
        } else {
            Err(WindowCommandError::UnknownWindow(window.to_string()))
        }
    }

    /// Hands a parsed command to `window`'s actor now, in arrival order.
    /// `received` is when the transport got it (the call latency starts
    /// there). Refused at once if the window is unknown, if a caller page
    /// logs in as someone else, or if the window has too many commands in
    /// flight from this channel.
    pub fn submit_command(
        &self,
        window: &str,
        cmd: TerminalCommand,
        received: Instant,
        origin: Origin,
    ) -> Result<PendingReply, WindowCommandError> {
        let addr = self
            .dir
            .windows
            .get(window)
            .ok_or_else(|| WindowCommandError::UnknownWindow(window.to_string()))?;
        let (slot, acting_staff) = match &origin {
            Origin::Terminal => (Some(self.terminal_slots.take(window)), None),
            Origin::Caller(session) => {
                if cmd.action == Action::Login
                    && cmd.staff.as_deref() != Some(session.staff.as_str())
                {
                    return Err(WindowCommandError::NotYourself(session.staff.clone()));
                }
                (
                    Some(self.caller_slots.take(window)),
                    Some(session.staff.clone()),
                )
            }
            Origin::Bus => (None, None),
        };
        let slot = match slot {
            Some(Some(permit)) => Some(permit),
            Some(None) => return Err(WindowCommandError::Busy { command: cmd.id }),
            None => None,
        };
        tracing::debug!(window = %window, command = %cmd.id, action = %cmd.action, origin = ?origin, "window command");
        let settle = match self.login_gate(window, &cmd) {
            Ok(settle) => settle,
            Err(refused) => {
                return Ok(PendingReply {
                    answer: Answer::Now(refused),
                    settle: None,
                    caller: matches!(origin, Origin::Caller(_)),
                    _slot: slot,
                })
            }
        };
        let request = addr.send(Command {
            cmd,
            received,
            acting_staff,
        });
        Ok(PendingReply {
            answer: Answer::Window(Box::new(request)),
            settle,
            caller: matches!(origin, Origin::Caller(_)),
            _slot: slot,
        })
    }

    /// A `login`'s PIN through the lockout rule shared by every credential
    /// path (`App::check_pin`), then the person's seat (one window at a
    /// time, `seats.rs`), before the window sees it. Err: the refusal to
    /// answer (`bad_login`; `too_many_attempts` while the staff id is
    /// locked; `staff_elsewhere` when they are logged in at another
    /// window). Ok: what the window's answer settles (a login's seat, a
    /// logout's), if anything.
    fn login_gate(&self, window: &str, cmd: &TerminalCommand) -> Result<Option<Settle>, Reply> {
        let id = Some(cmd.id.clone());
        match cmd.action {
            Action::Logout => {
                return Ok(Some(Settle::Logout {
                    seats: self.seats.clone(),
                    window: window.to_string(),
                }))
            }
            Action::Login => {}
            _ => return Ok(None),
        }
        let staff = cmd.staff.as_deref().unwrap_or_default();
        let pin = cmd.pin.as_deref().unwrap_or_default();
        let staff = match self.check_pin(staff, pin) {
            Ok(person) => person.id.as_str(),
            Err(e) => {
                tracing::warn!(window = %window, staff = %staff, error = %e, "window login refused");
                let code = match e {
                    AuthError::LockedOut { .. } => "too_many_attempts",
                    _ => "bad_login",
                };
                return Err(Reply::error(id, code, e.to_string()));
            }
        };
        match self
            .seats
            .claim(staff, window, self.dir.windows.get(window).cloned())
        {
            Ok(settle) => Ok(Some(settle)),
            Err(e) => {
                tracing::warn!(window = %window, staff = %staff, at = %e.window, "window login refused: staff logged in at another window");
                Err(Reply::error(id, "staff_elsewhere", e.to_string()))
            }
        }
    }

    /// Submits a command and waits for the window's reply.
    pub async fn window_command(
        &self,
        window: &str,
        cmd: TerminalCommand,
        received: Instant,
        origin: Origin,
    ) -> Result<Reply, WindowCommandError> {
        self.submit_command(window, cmd, received, origin)?
            .reply()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_protocols::terminal::parse_command;

    fn cmd(json: &str) -> TerminalCommand {
        parse_command(json.as_bytes()).unwrap()
    }

    #[actix::test]
    async fn unknown_windows_and_logins_as_someone_else_are_refused_before_the_window() {
        let (app, _keys) = demo_app();
        let e = app
            .window_command(
                "9999",
                cmd(r#"{"id":"u1","action":"logout"}"#),
                Instant::now(),
                Origin::Terminal,
            )
            .await
            .unwrap_err();
        assert_eq!(e, WindowCommandError::UnknownWindow("9999".into()));
        let session = CallerSession {
            window: "1".into(),
            staff: "S01".into(),
        };
        let e = app
            .window_command(
                "1",
                cmd(r#"{"id":"u2","action":"login","staff":"S02","pin":"1111"}"#),
                Instant::now(),
                Origin::Caller(session),
            )
            .await
            .unwrap_err();
        assert_eq!(e, WindowCommandError::NotYourself("S01".into()));
    }

    #[actix::test]
    async fn a_full_window_is_busy_and_frees_its_slot_after_the_answer() {
        let (app, _keys) = demo_app();
        let mut pending = Vec::new();
        for i in 0..IN_FLIGHT_PER_WINDOW {
            let c = cmd(&format!(r#"{{"id":"b{i}","action":"logout"}}"#));
            pending.push(
                app.submit_command("1", c, Instant::now(), Origin::Terminal)
                    .unwrap(),
            );
        }
        let Err(e) = app.submit_command(
            "1",
            cmd(r#"{"id":"b-over","action":"logout"}"#),
            Instant::now(),
            Origin::Terminal,
        ) else {
            panic!("a ninth command was taken");
        };
        assert_eq!(
            e,
            WindowCommandError::Busy {
                command: "b-over".into()
            }
        );
        // The caller page's slots are its own.
        let session = CallerSession {
            window: "1".into(),
            staff: "S01".into(),
        };
        assert!(app
            .submit_command(
                "1",
                cmd(r#"{"id":"c1","action":"logout"}"#),
                Instant::now(),
                Origin::Caller(session),
            )
            .is_ok());
        for p in pending {
            p.reply().await.unwrap();
        }
        assert!(app
            .submit_command(
                "1",
                cmd(r#"{"id":"b-again","action":"logout"}"#),
                Instant::now(),
                Origin::Terminal,
            )
            .is_ok());
    }
}
