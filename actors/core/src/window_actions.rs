//! A window's actions (窗口操作) as rules: whether a terminal command may act
//! now, and what it changes — login, logout, pause, resume, recall (up to
//! `calling.recall_limit`), transfer (keeping the arrival time), park and
//! unpark, start, finish (observing the service time) and skip (过号). Calls
//! need the queues and are decided by `strategy::pick`; [`called`] is the
//! change once a ticket is taken. Each refusal is a terminal [`Reply`] with a
//! stable code (`firmware-protocols/docs/terminal.md`).
//!
//! The window actor keeps the state, calls these, commits the [`Change`] and
//! applies it only once it is durable.

use chrono::{DateTime, Utc};
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};

use crate::config::{CallingConfig, StaffConfig, WindowConfig};
use crate::events::{AuditEntry, EventBody};
use crate::records::WindowRecord;
use crate::secret::same_secret;
use crate::strategy::Class;
use crate::ticket::{Ticket, TicketStatus};
use crate::views::{CallView, QueueView, StaffView, TicketRef, TicketView, WindowView};
use crate::window_state::{next_state, WindowState};

/// The window as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Desk<'a> {
    pub cfg: &'a WindowConfig,
    pub record: &'a WindowRecord,
    /// The ticket called or being served.
    pub ticket: Option<&'a Ticket>,
    /// Tickets set aside here (park), waiting to be taken back.
    pub parked: &'a [Ticket],
    /// Calls here are silent (静默叫号).
    pub silent: bool,
}

/// Everything a command changes, applied only after it is durable.
#[derive(Debug, Clone)]
pub struct Change {
    pub record: WindowRecord,
    pub ticket: Option<Ticket>,
    /// The ticket record to write, if the command changed one.
    pub write_ticket: Option<Ticket>,
    pub events: Vec<EventBody>,
    pub reply: Reply,
    /// A finished service: its queue and length in seconds.
    pub observed_service: Option<(String, f64)>,
    pub is_call: bool,
    /// For a call: the ticket as it waited, to put back if the commit is refused.
    pub untaken: Option<Ticket>,
    /// For a blended call: the class called and the classes that were waiting.
    pub blended: Option<(Class, Vec<Class>)>,
    /// A ticket sent to another queue's line once the change is durable.
    pub transfer: Option<(String, Ticket)>,
    pub parked: Vec<Ticket>,
}

/// A command refused before it changes anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub reply: Reply,
    /// Whether a redelivery of the same command must get the same answer
    /// (true for refusals about the command itself; false for "someone else
    /// is on duty", which says nothing about the command).
    pub remember: bool,
}

/// Whether `cmd` may act at this window now, and the state it leads to.
/// `acting_staff` is the staff member a caller-page session speaks for
/// (None for the window's own terminal).
pub fn admit(
    desk: &Desk,
    cmd: &TerminalCommand,
    acting_staff: Option<&str>,
) -> Result<WindowState, Refused> {
    let id = Some(cmd.id.clone());
    if let (Some(acting), Some(on_duty)) = (acting_staff, &desk.record.staff) {
        if acting != on_duty.id {
            return Err(Refused {
                reply: Reply::error(
                    id,
                    "forbidden",
                    format!(
                        "staff {} is logged in at window {} (本窗口已由其他工作人员登录)",
                        on_duty.id, desk.cfg.id
                    ),
                ),
                remember: false,
            });
        }
    }
    if !desk.record.enabled
        // Unpark stays allowed: it finishes a citizen already begun.
        && matches!(cmd.action, Action::Login | Action::CallNext | Action::Call)
    {
        return Err(Refused {
            reply: Reply::error(
                id,
                "window_disabled",
                "this window is disabled by a supervisor (窗口已停用)",
            ),
            remember: true,
        });
    }
    next_state(desk.record.state, cmd.action).map_err(|e| Refused {
        reply: Reply::error(id, "bad_state", e.to_string()),
        remember: true,
    })
}

/// Works out a command that needs no other actor (everything but `call_next`
/// and `call`): the change to commit, or the refusal to answer. `to` is the
/// state [`next_state`] allowed; `queue_known` says whether a transfer's
/// target queue exists.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    desk: &Desk,
    cmd: &TerminalCommand,
    to: WindowState,
    now: DateTime<Utc>,
    staff: &[StaffConfig],
    calling: &CallingConfig,
    queue_known: &dyn Fn(&str) -> bool,
) -> Result<Change, Reply> {
    let id = Some(cmd.id.clone());
    let mut record = desk.record.clone();
    record.state = to;
    let mut ticket = desk.ticket.cloned();
    let mut write_ticket = None;
    let mut events = Vec::new();
    let mut observed_service = None;
    let mut transfer = None;
    let mut parked = desk.parked.to_vec();
    match cmd.action {
        Action::Login => {
            let staff_id = cmd.staff.as_deref().unwrap_or_default();
            let pin = cmd.pin.as_deref().unwrap_or_default();
            let person = staff.iter().find(|s| s.id == staff_id);
            let Some(person) = person.filter(|s| same_secret(pin, &s.pin)) else {
                return Err(Reply::error(
                    id,
                    "bad_login",
                    "unknown staff id or wrong PIN (工号或密码错误)",
                ));
            };
            if !person.windows.is_empty() && !person.windows.contains(&desk.cfg.id) {
                return Err(Reply::error(
                    id,
                    "bad_login",
                    format!(
                        "staff {} may not log in at window {} (无权在此窗口登录)",
                        person.id, desk.cfg.id
                    ),
                ));
            }
            record.staff = Some(StaffView {
                id: person.id.clone(),
                name: person.name.clone(),
            });
        }
        Action::Logout => {
            if !desk.parked.is_empty() {
                return Err(Reply::error(
                    id,
                    "bad_state",
                    format!(
                        "{} parked ticket(s) wait at this window; unpark or transfer them before logging out (有挂起的号)",
                        desk.parked.len()
                    ),
                ));
            }
            record.staff = None
        }
        Action::Pause => record.pause_reason = cmd.reason.clone(),
        Action::Resume => record.pause_reason = None,
        Action::Recall => {
            let Some(mut t) = ticket.take() else {
                return Err(Reply::error(id, "bad_state", "no ticket at this window"));
            };
            if t.recalls >= calling.recall_limit {
                return Err(Reply::error(
                    id,
                    "recall_limit",
                    format!(
                        "{} has been recalled {} times, the limit; skip it instead (重呼次数已达上限)",
                        t.number, t.recalls
                    ),
                ));
            }
            t.recalls += 1;
            events.push(EventBody::Call(call_view(desk.cfg, &t, true)));
            write_ticket = Some(t.clone());
            ticket = Some(t);
        }
        Action::Transfer => {
            let Some(mut t) = ticket.take() else {
                return Err(Reply::error(id, "bad_state", "no ticket at this window"));
            };
            let Some(target) = cmd.queue.clone() else {
                return Err(Reply::error(
                    id,
                    "bad_request",
                    "give the \"queue\" to transfer to (转移目标队列)",
                ));
            };
            if !queue_known(&target) {
                return Err(Reply::error(
                    id,
                    "unknown_queue",
                    format!("unknown queue {target:?} (队列不存在)"),
                ));
            }
            // Keeps its arrival; goes ahead of new arrivals there.
            t.status = TicketStatus::Waiting;
            t.returned = true;
            t.window = None;
            t.waiting_in = (target != t.queue).then(|| target.clone());
            record.ticket = None;
            events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
            events.push(EventBody::Audit(AuditEntry {
                who: who(desk.cfg, desk.record),
                action: "transfer".into(),
                target: t.id.clone(),
                reason: cmd.reason.clone(),
                detail: serde_json::json!({"from_window": desk.cfg.id, "to_queue": target}),
            }));
            write_ticket = Some(t.clone());
            transfer = Some((target, t));
        }
        Action::Park => {
            let Some(mut t) = ticket.take() else {
                return Err(Reply::error(id, "bad_state", "no ticket at this window"));
            };
            t.status = TicketStatus::Parked;
            record.ticket = None;
            events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
            write_ticket = Some(t.clone());
            parked.push(t);
        }
        Action::Unpark => {
            let wanted = cmd.ticket.as_deref().unwrap_or_default();
            let Some(pos) = parked
                .iter()
                .position(|t| t.id == wanted || t.number == wanted)
            else {
                return Err(Reply::error(
                    id,
                    "not_found",
                    format!("no parked ticket {wanted:?} at this window (无此挂起号)"),
                ));
            };
            let mut t = parked.remove(pos);
            t.status = TicketStatus::Called;
            t.called_at = Some(now);
            t.recalls = 0;
            record.ticket = Some(t.id.clone());
            events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
            events.push(EventBody::Call(call_view(desk.cfg, &t, false)));
            write_ticket = Some(t.clone());
            ticket = Some(t);
        }
        Action::Start | Action::Finish | Action::Skip => {
            let Some(mut t) = ticket.take() else {
                return Err(Reply::error(id, "bad_state", "no ticket at this window"));
            };
            match cmd.action {
                Action::Start => {
                    t.status = TicketStatus::Serving;
                    t.started_at = Some(now);
                    ticket = Some(t.clone());
                }
                Action::Finish => {
                    t.status = TicketStatus::Done;
                    t.finished_at = Some(now);
                    if let Some(started) = t.started_at {
                        let secs = (now - started).num_milliseconds() as f64 / 1000.0;
                        observed_service = Some((t.queue.clone(), secs));
                    }
                }
                _ => {
                    t.status = TicketStatus::NoShow;
                    t.finished_at = Some(now);
                }
            }
            record.ticket = ticket.as_ref().map(|t| t.id.clone());
            events.push(EventBody::Ticket(TicketView::of(&t, 0, 0)));
            write_ticket = Some(t);
        }
        // Both need the queues: handled in `handle`.
        Action::CallNext | Action::Call => {}
    }
    // Staff actions are audited in the same commit (issue 8, item 13).
    events.extend(crate::staff_audit::of_command(
        desk.cfg,
        cmd,
        desk.record,
        &record,
        write_ticket.as_ref(),
    ));
    let reply = Reply::ok(
        id,
        write_ticket
            .as_ref()
            .or(ticket.as_ref())
            .and_then(ticket_json),
    );
    Ok(Change {
        record,
        ticket,
        write_ticket,
        events,
        reply,
        observed_service,
        is_call: false,
        untaken: None,
        blended: None,
        transfer,
        parked,
    })
}

/// Who is acting at this window, for the audit log.
pub fn who(cfg: &WindowConfig, record: &WindowRecord) -> String {
    record
        .staff
        .as_ref()
        .map_or_else(|| format!("window {}", cfg.id), |s| s.id.clone())
}

/// The change for a ticket just taken from a queue.
pub fn called(
    desk: &Desk,
    cmd_id: &str,
    mut t: Ticket,
    queue: QueueView,
    now: DateTime<Utc>,
) -> Change {
    let untaken = t.clone();
    t.status = TicketStatus::Called;
    t.window = Some(desk.cfg.id.clone());
    t.called_at = Some(now);
    let mut record = desk.record.clone();
    record.state = WindowState::Called;
    record.ticket = Some(t.id.clone());
    Change {
        events: vec![
            EventBody::Ticket(TicketView::of(&t, 0, 0)),
            EventBody::Queue(queue),
            EventBody::Call(call_view(desk.cfg, &t, false)),
        ],
        reply: Reply::ok(Some(cmd_id.to_string()), ticket_json(&t)),
        record,
        write_ticket: Some(t.clone()),
        ticket: Some(t),
        observed_service: None,
        is_call: true,
        untaken: Some(untaken),
        blended: None,
        transfer: None,
        parked: desk.parked.to_vec(),
    }
}

/// The audit entry of a call out of order (a named ticket).
pub fn out_of_order_audit(desk: &Desk, t: &Ticket, reason: Option<String>) -> EventBody {
    EventBody::Audit(AuditEntry {
        who: who(desk.cfg, desk.record),
        action: "call_out_of_order".into(),
        target: t.id.clone(),
        reason,
        detail: serde_json::json!({"window": desk.cfg.id, "number": t.number}),
    })
}

/// The answer to a call that found nothing to take: a named ticket not
/// waiting here, or nobody waiting at all.
pub fn nothing_to_call(cmd_id: &str, named: bool) -> Reply {
    if named {
        Reply::error(
            Some(cmd_id.to_string()),
            "not_found",
            "that ticket is not waiting in this window's queues (该号不在本窗口队列中)",
        )
    } else {
        Reply::error(
            Some(cmd_id.to_string()),
            "queue_empty",
            "no one is waiting in this window's queues (当前无人等候)",
        )
    }
}

/// The window as screens and the API show it, with `record` and `ticket`
/// (the current ones, or those a change is about to commit).
pub fn view_of(desk: &Desk, record: &WindowRecord, ticket: Option<&Ticket>) -> WindowView {
    // Public screens show only the configured message; the worker's own
    // reason is private and kept for supervisors (issue 8, item 17).
    let pause_message = if !record.enabled {
        Some("窗口停用 / Window closed".to_string())
    } else if record.state == WindowState::Paused {
        Some(desk.cfg.pause_message.clone())
    } else {
        None
    };
    let pause_reason = match &record.pause_reason {
        Some(r) if record.state == WindowState::Paused && !r.trim().is_empty() => {
            Some(r.trim().to_string())
        }
        _ => None,
    };
    WindowView {
        id: desk.cfg.id.clone(),
        number: desk.cfg.number,
        name: desk.cfg.name.clone(),
        name_en: desk.cfg.name_en.clone(),
        area: desk.cfg.area.clone(),
        state: record.state,
        state_zh: record.state.label_zh().to_string(),
        enabled: record.enabled,
        staff: record.staff.clone(),
        ticket: ticket.map(|t| TicketRef {
            id: t.id.clone(),
            number: t.number.clone(),
        }),
        queues: desk.cfg.queues.clone(),
        pause_message,
        pause_reason,
        version: record.version,
        silent: desk.silent,
        busy_since: ticket.and_then(|t| t.started_at.or(t.called_at)),
        // No anomaly known here: the window actor sets the 考勤异常 its
        // supervision found (`window_state::display_state`).
        display_state: Some(crate::window_state::display_state(record.state, false)),
        parked: desk
            .parked
            .iter()
            .map(|t| TicketRef {
                id: t.id.clone(),
                number: t.number.clone(),
            })
            .collect(),
    }
}

/// What the screens announce for a call (or a recall) at this window.
pub fn call_view(cfg: &WindowConfig, t: &Ticket, recall: bool) -> CallView {
    CallView {
        ticket: t.id.clone(),
        number: t.number.clone(),
        window: cfg.id.clone(),
        window_number: cfg.number,
        window_name: cfg.name.clone(),
        queue: t.queue.clone(),
        recall,
        speech: crate::speech::call_speech(&t.number, cfg.number),
    }
}

/// A ticket as a reply carries it.
pub fn ticket_json(t: &Ticket) -> Option<serde_json::Value> {
    serde_json::to_value(TicketView::of(t, 0, 0)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HallConfig;
    use crate::views::StaffView;

    #[test]
    fn a_call_carries_its_spoken_text() {
        // issue 8 item 5: the screens speak this text, normalised in one place
        let cfg = hall();
        let w = cfg.windows.iter().find(|w| w.number == 5).unwrap();
        let mut t = ticket(TicketStatus::Called);
        t.number = "A023".into();
        assert_eq!(
            call_view(w, &t, false).speech,
            "请 A零二三号 到 五号窗口 办理"
        );
    }

    fn hall() -> HallConfig {
        let mut cfg = HallConfig::demo().unwrap();
        cfg.calling.recall_limit = 2;
        cfg
    }

    fn ticket(status: TicketStatus) -> Ticket {
        Ticket {
            id: "20261130-A001".into(),
            day: "20261130".into(),
            queue: "A".into(),
            seq: 1,
            number: "A001".into(),
            item: None,
            channel: Default::default(),
            priority: Default::default(),
            status,
            issued_at: Utc::now(),
            arrival: 42,
            window: Some("w1".into()),
            called_at: None,
            started_at: None,
            finished_at: None,
            personal: Default::default(),
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        }
    }

    fn cmd(action: Action) -> TerminalCommand {
        TerminalCommand::new("c1", action)
    }

    fn code(r: &Reply) -> &str {
        r.error.as_ref().map_or("ok", |e| e.code.as_str())
    }

    fn on_duty(state: WindowState) -> WindowRecord {
        WindowRecord {
            state,
            staff: Some(StaffView {
                id: "S01".into(),
                name: "张三".into(),
            }),
            ..WindowRecord::fresh()
        }
    }

    fn run(desk: &Desk, c: &TerminalCommand, cfg: &HallConfig) -> Result<Change, Reply> {
        let to = admit(desk, c, None).map_err(|r| r.reply)?;
        plan(desk, c, to, Utc::now(), &cfg.staff, &cfg.calling, &|q| {
            cfg.queue(q).is_some()
        })
    }

    #[test]
    fn login_needs_the_right_pin_and_an_allowed_window() {
        let cfg = hall();
        let w = &cfg.windows[0];
        let s = cfg
            .staff
            .iter()
            .find(|s| s.windows.is_empty() || s.windows.contains(&w.id))
            .unwrap();
        let record = WindowRecord::fresh();
        let desk = Desk {
            cfg: w,
            record: &record,
            ticket: None,
            parked: &[],
            silent: false,
        };
        let mut c = cmd(Action::Login);
        c.staff = Some(s.id.clone());
        c.pin = Some(format!("{}0", s.pin));
        assert_eq!(code(&run(&desk, &c, &cfg).unwrap_err()), "bad_login");
        c.pin = Some(s.pin.clone());
        let change = run(&desk, &c, &cfg).unwrap();
        assert_eq!(change.record.staff.as_ref().unwrap().id, s.id);
        assert_eq!(change.record.state, WindowState::Idle);
        // Someone allowed only elsewhere is refused here.
        let mut other = cfg.clone();
        let elsewhere = cfg.windows[1].id.clone();
        other.staff[0].windows = vec![elsewhere];
        c.staff = Some(other.staff[0].id.clone());
        c.pin = Some(other.staff[0].pin.clone());
        assert_eq!(code(&run(&desk, &c, &other).unwrap_err()), "bad_login");
    }

    #[test]
    fn another_staff_member_or_a_disabled_window_is_refused() {
        let cfg = hall();
        let record = on_duty(WindowState::Idle);
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: None,
            parked: &[],
            silent: false,
        };
        let r = admit(&desk, &cmd(Action::CallNext), Some("S99")).unwrap_err();
        assert_eq!(code(&r.reply), "forbidden");
        assert!(!r.remember, "says nothing about the command itself");
        assert!(admit(&desk, &cmd(Action::CallNext), Some("S01")).is_ok());
        let disabled = WindowRecord {
            enabled: false,
            ..record.clone()
        };
        let desk = Desk {
            record: &disabled,
            ..desk
        };
        let r = admit(&desk, &cmd(Action::CallNext), None).unwrap_err();
        assert_eq!(code(&r.reply), "window_disabled");
        assert!(r.remember);
        // Finishing a citizen already begun stays allowed.
        assert!(admit(&desk, &cmd(Action::Pause), None).is_ok());
        let r = admit(&desk, &cmd(Action::Start), None).unwrap_err();
        assert_eq!(code(&r.reply), "bad_state");
    }

    #[test]
    fn recalls_stop_at_the_limit() {
        let cfg = hall();
        let record = on_duty(WindowState::Called);
        let mut t = ticket(TicketStatus::Called);
        let first = t.clone();
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: Some(&first),
            parked: &[],
            silent: false,
        };
        let change = run(&desk, &cmd(Action::Recall), &cfg).unwrap();
        assert_eq!(change.write_ticket.unwrap().recalls, 1);
        assert!(matches!(&change.events[0], EventBody::Call(c) if c.recall));
        t.recalls = 2;
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: Some(&t),
            parked: &[],
            silent: false,
        };
        assert_eq!(
            code(&run(&desk, &cmd(Action::Recall), &cfg).unwrap_err()),
            "recall_limit"
        );
    }

    #[test]
    fn a_transfer_keeps_the_arrival_and_is_audited() {
        let cfg = hall();
        let record = on_duty(WindowState::Serving);
        let t = ticket(TicketStatus::Serving);
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: Some(&t),
            parked: &[],
            silent: false,
        };
        let mut c = cmd(Action::Transfer);
        assert_eq!(code(&run(&desk, &c, &cfg).unwrap_err()), "bad_request");
        c.queue = Some("nowhere".into());
        assert_eq!(code(&run(&desk, &c, &cfg).unwrap_err()), "unknown_queue");
        let target = cfg.queues[1].id.clone();
        c.queue = Some(target.clone());
        let change = run(&desk, &c, &cfg).unwrap();
        let (to, moved) = change.transfer.unwrap();
        assert_eq!(to, target);
        assert_eq!(moved.arrival, t.arrival);
        assert_eq!(moved.status, TicketStatus::Waiting);
        assert!(moved.returned && moved.window.is_none());
        assert_eq!(moved.waiting_in.as_deref(), Some(target.as_str()));
        assert!(change.record.ticket.is_none());
        assert!(change
            .events
            .iter()
            .any(|e| matches!(e, EventBody::Audit(a) if a.action == "transfer" && a.who == "S01")));
    }

    #[test]
    fn park_unpark_and_logout_with_parked_tickets() {
        let cfg = hall();
        let record = on_duty(WindowState::Serving);
        let t = ticket(TicketStatus::Serving);
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: Some(&t),
            parked: &[],
            silent: false,
        };
        let parked = run(&desk, &cmd(Action::Park), &cfg).unwrap();
        assert_eq!(parked.parked.len(), 1);
        assert_eq!(parked.parked[0].status, TicketStatus::Parked);
        let idle = on_duty(WindowState::Idle);
        let desk = Desk {
            record: &idle,
            ticket: None,
            parked: &parked.parked,
            ..desk
        };
        assert_eq!(
            code(&run(&desk, &cmd(Action::Logout), &cfg).unwrap_err()),
            "bad_state"
        );
        let mut c = cmd(Action::Unpark);
        c.ticket = Some("A999".into());
        assert_eq!(code(&run(&desk, &c, &cfg).unwrap_err()), "not_found");
        c.ticket = Some("A001".into());
        let back = run(&desk, &c, &cfg).unwrap();
        assert!(back.parked.is_empty());
        assert_eq!(back.ticket.unwrap().status, TicketStatus::Called);
        assert_eq!(back.record.state, WindowState::Called);
    }

    #[test]
    fn finishing_observes_the_service_time_and_skipping_is_a_no_show() {
        let cfg = hall();
        let record = on_duty(WindowState::Serving);
        let mut t = ticket(TicketStatus::Serving);
        t.started_at = Some(Utc::now() - chrono::Duration::seconds(90));
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: Some(&t),
            parked: &[],
            silent: false,
        };
        let done = run(&desk, &cmd(Action::Finish), &cfg).unwrap();
        let (queue, secs) = done.observed_service.unwrap();
        assert_eq!(queue, "A");
        assert!((89.0..120.0).contains(&secs), "{secs}");
        assert_eq!(done.write_ticket.unwrap().status, TicketStatus::Done);
        assert!(done.ticket.is_none() && done.record.ticket.is_none());
        let called = on_duty(WindowState::Called);
        let desk = Desk {
            record: &called,
            ..desk
        };
        let skipped = run(&desk, &cmd(Action::Skip), &cfg).unwrap();
        let t = skipped.write_ticket.unwrap();
        assert_eq!(t.status, TicketStatus::NoShow);
        assert!(t.finished_at.is_some());
    }

    #[test]
    fn a_called_ticket_is_the_windows_and_announced() {
        let cfg = hall();
        let record = on_duty(WindowState::Idle);
        let desk = Desk {
            cfg: &cfg.windows[0],
            record: &record,
            ticket: None,
            parked: &[],
            silent: false,
        };
        let waiting = ticket(TicketStatus::Waiting);
        let queue = QueueView {
            id: "A".into(),
            prefix: "A".into(),
            name: "综合".into(),
            name_en: "General".into(),
            area: "F1".into(),
            waiting: 0,
            issued: 1,
            version: 1,
        };
        let change = called(&desk, "c9", waiting.clone(), queue, Utc::now());
        assert!(change.is_call);
        assert_eq!(change.untaken.as_ref(), Some(&waiting));
        let t = change.ticket.unwrap();
        assert_eq!(t.window.as_deref(), Some(cfg.windows[0].id.as_str()));
        assert_eq!(change.record.state, WindowState::Called);
        assert!(matches!(change.events.last(), Some(EventBody::Call(c)) if !c.recall));
        assert_eq!(code(&nothing_to_call("c9", true)), "not_found");
        assert_eq!(code(&nothing_to_call("c9", false)), "queue_empty");
    }
}
