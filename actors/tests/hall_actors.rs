//! The actors together, over the in-memory store: dispatch across many
//! windows, duplicate commands, refusals. (End-to-end tests over the real
//! transports and storage live in the repository's tests/e2e.)

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use tingwu_actors::config::HallConfig;
use tingwu_actors::core::ticket::{Channel, Personal, Priority};
use tingwu_actors::directory::Directory;
use tingwu_actors::hall::{IssueError, IssueTicket, SetWindowEnabled};
use tingwu_actors::records::Recovered;
use tingwu_actors::store::memory_store;
use tingwu_actors::window::Command;
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};

fn hall(windows: usize) -> Arc<HallConfig> {
    let mut t = String::from(
        r#"
[hall]
id = "t"
name = "测试大厅"
[[areas]]
id = "A"
name = "综合区"
[[departments]]
id = "d"
name = "部门"
[[queues]]
id = "A"
prefix = "A"
name = "综合"
area = "A"
[[queues]]
id = "B"
prefix = "B"
name = "公安"
area = "A"
[[items]]
id = "general"
name = "综合事项"
department = "d"
queue = "A"
[[items]]
id = "police"
name = "户政"
department = "d"
queue = "B"
[[staff]]
id = "S1"
name = "张三"
pin = "1111"
"#,
    );
    for w in 1..=windows {
        let queues = if w == 1 {
            r#"[{ queue = "B", role = "primary" }, { queue = "A", role = "secondary" }]"#
        } else {
            r#"[{ queue = "A" }]"#
        };
        t.push_str(&format!(
            "[[windows]]\nid = \"{w}\"\nnumber = {w}\nname = \"{w}号窗口\"\narea = \"A\"\nqueues = {queues}\n"
        ));
    }
    Arc::new(HallConfig::from_toml(&t).unwrap())
}

fn start(cfg: Arc<HallConfig>) -> Directory {
    tingwu_actors::testing::start_on(cfg, memory_store(0))
}

fn cmd(id: &str, action: Action) -> Command {
    Command {
        cmd: TerminalCommand {
            staff: (action == Action::Login).then(|| "S1".into()),
            pin: (action == Action::Login).then(|| "1111".into()),
            ..TerminalCommand::new(id, action)
        },
        received: Instant::now(),
        acting_staff: None,
    }
}

async fn issue(dir: &Directory, item: &str, priority: Priority) -> Result<String, IssueError> {
    dir.hall
        .send(IssueTicket {
            deadline: None,
            appointment: None,
            item: Some(item.into()),
            queue: None,
            channel: Channel::Onsite,
            priority,
            personal: Personal::default(),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .map(|i| i.ticket.number)
}

fn number(r: &Reply) -> Option<String> {
    r.ticket
        .as_ref()
        .and_then(|t| t.get("number"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
}

#[actix::test]
async fn twenty_windows_calling_at_once_call_each_ticket_once() {
    let dir = start(hall(24));
    for _ in 0..300 {
        issue(&dir, "general", Priority::Normal).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 1..=24 {
        let addr = dir.windows[&w.to_string()].clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            addr.send(cmd(&format!("{w}-login"), Action::Login))
                .await
                .unwrap();
            for n in 0.. {
                let r = addr
                    .send(cmd(&format!("{w}-call-{n}"), Action::CallNext))
                    .await
                    .unwrap();
                if !r.ok {
                    assert_eq!(r.error.unwrap().code, "queue_empty");
                    break;
                }
                got.push(number(&r).unwrap());
                let r = addr
                    .send(cmd(&format!("{w}-start-{n}"), Action::Start))
                    .await
                    .unwrap();
                assert!(r.ok);
                let r = addr
                    .send(cmd(&format!("{w}-finish-{n}"), Action::Finish))
                    .await
                    .unwrap();
                assert!(r.ok);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 300, "every ticket called");
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), 300, "no ticket called twice");
}

#[actix::test]
async fn priority_first_and_primary_before_secondary() {
    let dir = start(hall(2));
    issue(&dir, "general", Priority::Normal).await.unwrap(); // A001
    issue(&dir, "general", Priority::Special).await.unwrap(); // A002
    issue(&dir, "police", Priority::Normal).await.unwrap(); // B001
    let w1 = &dir.windows["1"];
    w1.send(cmd("l", Action::Login)).await.unwrap();
    // Window 1: B is primary, so B001 first though A001 is older.
    let r = w1.send(cmd("c1", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("B001"));
    w1.send(cmd("s1", Action::Skip)).await.unwrap();
    // Then the special group before the earlier normal ticket.
    let r = w1.send(cmd("c2", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("A002"));
    w1.send(cmd("s2", Action::Skip)).await.unwrap();
    let r = w1.send(cmd("c3", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("A001"));
}

#[actix::test]
async fn a_duplicate_command_takes_effect_once() {
    let dir = start(hall(2));
    issue(&dir, "general", Priority::Normal).await.unwrap();
    issue(&dir, "general", Priority::Normal).await.unwrap();
    let w2 = &dir.windows["2"];
    w2.send(cmd("l", Action::Login)).await.unwrap();
    let first = w2.send(cmd("same", Action::CallNext)).await.unwrap();
    let again = w2.send(cmd("same", Action::CallNext)).await.unwrap();
    assert_eq!(first, again);
    let queues = tingwu_actors::directory::all_queues(&dir).await;
    let a = queues.iter().find(|q| q.id == "A").unwrap();
    assert_eq!(
        a.waiting, 1,
        "the second delivery did not call another ticket"
    );
}

#[actix::test]
async fn refused_actions_change_nothing() {
    let dir = start(hall(2));
    let w2 = &dir.windows["2"];
    let r = w2.send(cmd("x", Action::CallNext)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "bad_state", "not logged in");
    let mut bad = cmd("y", Action::Login);
    bad.cmd.pin = Some("0000".into());
    let r = w2.send(bad).await.unwrap();
    assert_eq!(r.error.unwrap().code, "bad_login");
    let r = w2.send(cmd("z", Action::Login)).await.unwrap();
    assert!(r.ok);
    let r = w2.send(cmd("e", Action::CallNext)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "queue_empty");
}

#[actix::test]
async fn all_windows_disabled_refuses_tickets_until_one_reopens() {
    let dir = start(hall(2));
    for w in ["1", "2"] {
        dir.hall
            .send(SetWindowEnabled {
                window: w.into(),
                enabled: false,
                reason: Some("系统维护".into()),
                by: "admin".into(),
            })
            .await
            .unwrap()
            .unwrap();
    }
    let err = issue(&dir, "general", Priority::Normal).await.unwrap_err();
    assert_eq!(err.code(), "no_open_window");
    dir.hall
        .send(SetWindowEnabled {
            window: "2".into(),
            enabled: true,
            reason: None,
            by: "admin".into(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        issue(&dir, "general", Priority::Normal).await.unwrap(),
        "A001"
    );
    // A disabled window cannot call.
    let w1 = &dir.windows["1"];
    let r = w1.send(cmd("l", Action::Login)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "window_disabled");
}

/// A writer that answers only when told to, to reach the "busy" path.
fn stalled_store() -> (
    tingwu_actors::store::Store,
    tokio::sync::mpsc::Receiver<tingwu_actors::store::CommitRequest>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    let (events, _) = tokio::sync::broadcast::channel(64);
    (tingwu_actors::store::Store::new(tx, events), rx)
}

#[actix::test]
async fn a_call_refused_by_busy_storage_leaves_the_ticket_waiting() {
    let cfg = hall(2);
    let (store, mut writer) = stalled_store();
    let dir = tingwu_actors::testing::start_on(cfg, store.clone());
    let ack = |req: tingwu_actors::store::CommitRequest| {
        let _ = req.done.send(Ok(vec![]));
    };
    let issuing = tokio::spawn({
        let dir = dir.clone();
        async move { issue(&dir, "general", Priority::Normal).await }
    });
    ack(writer.recv().await.unwrap());
    assert_eq!(issuing.await.unwrap().unwrap(), "A001");
    let w2 = dir.windows["2"].clone();
    let login = tokio::spawn({
        let w2 = w2.clone();
        async move { w2.send(cmd("l", Action::Login)).await.unwrap() }
    });
    ack(writer.recv().await.unwrap());
    assert!(login.await.unwrap().ok);
    // Fill the writer's one slot, so the call's commit is refused.
    let filler = store.enqueue(Default::default()).unwrap();
    let r = w2.send(cmd("c1", Action::CallNext)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "unavailable");
    ack(writer.recv().await.unwrap());
    filler.await.unwrap();
    // The ticket went back in line and the next call gets it.
    let call = tokio::spawn({
        let w2 = w2.clone();
        async move { w2.send(cmd("c2", Action::CallNext)).await.unwrap() }
    });
    ack(writer.recv().await.unwrap());
    assert_eq!(number(&call.await.unwrap()).as_deref(), Some("A001"));
}

#[actix::test]
async fn windows_recover_their_ticket_from_an_earlier_day_or_reset() {
    use tingwu_actors::core::ticket::{Ticket, TicketStatus};
    use tingwu_actors::core::window_state::WindowState;
    use tingwu_actors::records::WindowRecord;
    use tingwu_actors::views::StaffView;
    let cfg = hall(3);
    let clock = tingwu_actors::clock::HallClock::of(&cfg);
    let staff = Some(StaffView {
        id: "S1".into(),
        name: "张三".into(),
    });
    let yesterday = Ticket {
        id: "20000101-A007".into(),
        day: "20000101".into(),
        queue: "A".into(),
        seq: 7,
        number: "A007".into(),
        item: None,
        channel: Channel::Onsite,
        priority: Priority::Normal,
        status: TicketStatus::Serving,
        issued_at: chrono::Utc::now(),
        arrival: 1,
        window: Some("2".into()),
        called_at: None,
        started_at: None,
        finished_at: None,
        personal: Personal::default(),
        returned: false,
        appointment: None,
        recalls: 0,
        reserved_for: None,
        waiting_in: None,
        predicted_wait_s: None,
    };
    let mut recovered = Recovered {
        day: clock.day(clock.now()),
        tickets: vec![yesterday],
        ..Recovered::default()
    };
    recovered.windows.insert(
        "2".into(),
        WindowRecord {
            state: WindowState::Serving,
            staff: staff.clone(),
            ticket: Some("20000101-A007".into()),
            ..WindowRecord::fresh()
        },
    );
    recovered.windows.insert(
        "3".into(),
        WindowRecord {
            state: WindowState::Called,
            staff,
            ticket: Some("20000101-A999".into()),
            ..WindowRecord::fresh()
        },
    );
    let dir = Directory::start(cfg, memory_store(0), recovered);
    // Window 2 still serves yesterday's ticket and can finish it.
    let r = dir.windows["2"]
        .send(cmd("f", Action::Finish))
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(number(&r).as_deref(), Some("A007"));
    // Window 3's ticket is gone: it starts idle instead of stuck.
    let v = dir.windows["3"]
        .send(tingwu_actors::window::GetWindow)
        .await
        .unwrap();
    assert_eq!(v.state, WindowState::Idle);
    assert!(v.ticket.is_none());
}

#[actix::test]
async fn a_screen_never_replays_an_old_day_call_as_current() {
    use tingwu_actors::events::{CommittedEvent, EventBody};
    use tingwu_actors::screen::Subscribe;
    use tingwu_actors::views::CallView;
    let cfg = Arc::new(HallConfig::demo().unwrap());
    let clock = tingwu_actors::clock::HallClock::of(&cfg);
    let today = clock.day(clock.now());
    let call = |ticket: &str, number: &str, seq: u64| {
        Arc::new(CommittedEvent {
            seq,
            ts: chrono::Utc::now(),
            body: EventBody::Call(CallView {
                ticket: ticket.into(),
                number: number.into(),
                window: "1".into(),
                window_number: 1,
                window_name: "1号窗口".into(),
                queue: "A".into(),
                recall: false,
                speech: String::new(),
            }),
        })
    };
    let recovered = Recovered {
        day: today.clone(),
        last_seq: 2,
        recent_events: vec![
            call("20000101-A042", "A042", 1),
            call(&format!("{today}-A001"), "A001", 2),
        ],
        ..Recovered::default()
    };
    let dir = Directory::start(cfg, memory_store(2), recovered);
    let sub = dir.screens["hall"]
        .send(Subscribe {
            since: None,
            capacity: 8,
        })
        .await
        .unwrap();
    let snapshot: serde_json::Value = serde_json::from_str(&sub.first[0]).unwrap();
    let calls = snapshot["payload"]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["number"], "A001");
    // Window 1 does not hold A001 (nothing recovered says so): not current.
    assert_eq!(calls[0]["active"], false);
    // A client resuming from seq 1 gets the newer frame only.
    let resumed = dir.screens["hall"]
        .send(Subscribe {
            since: Some(1),
            capacity: 8,
        })
        .await
        .unwrap();
    assert!(resumed.resumed);
    assert_eq!(resumed.first.len(), 1);
}

#[actix::test]
async fn an_idempotency_key_names_one_request_across_queues() {
    let dir = start(hall(2));
    let req = |item: &str| IssueTicket {
        deadline: None,
        appointment: None,
        item: Some(item.into()),
        queue: None,
        channel: Channel::Onsite,
        priority: Priority::Normal,
        personal: Personal::default(),
        idempotency_key: Some("kiosk-1-0001".into()),
    };
    let first = dir.hall.send(req("general")).await.unwrap().unwrap();
    let again = dir.hall.send(req("general")).await.unwrap().unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.ticket.id, again.ticket.id);
    let other = dir.hall.send(req("police")).await.unwrap().unwrap_err();
    assert_eq!(other.code(), "idempotency_mismatch");
    let queues = tingwu_actors::directory::all_queues(&dir).await;
    assert_eq!(queues.iter().map(|q| q.issued).sum::<u64>(), 1);
}

#[actix::test]
async fn a_request_past_its_deadline_issues_nothing() {
    let dir = start(hall(2));
    let late = IssueTicket {
        deadline: Some(Instant::now() - std::time::Duration::from_millis(1)),
        appointment: None,
        item: Some("general".into()),
        queue: None,
        channel: Channel::Onsite,
        priority: Priority::Normal,
        personal: Personal::default(),
        idempotency_key: None,
    };
    assert!(dir.hall.send(late).await.unwrap().is_err());
    // The number was not used.
    assert_eq!(
        issue(&dir, "general", Priority::Normal).await.unwrap(),
        "A001"
    );
}

#[actix::test]
async fn one_person_may_take_only_so_many_tickets_for_an_item() {
    let dir = start(hall(2));
    let req = |holder: &str| IssueTicket {
        deadline: None,
        appointment: None,
        item: Some("general".into()),
        queue: None,
        channel: Channel::Onsite,
        priority: Priority::Normal,
        personal: Personal {
            holders: vec![holder.into()],
            ..Personal::default()
        },
        idempotency_key: None,
    };
    // The default limit is 3 a day per person and item.
    for _ in 0..3 {
        dir.hall.send(req("fp-zhang")).await.unwrap().unwrap();
    }
    let err = dir.hall.send(req("fp-zhang")).await.unwrap().unwrap_err();
    assert_eq!(err.code(), "limit_reached");
    // Someone else is not affected.
    dir.hall.send(req("fp-li")).await.unwrap().unwrap();
}

fn with(mut c: Command, f: impl FnOnce(&mut TerminalCommand)) -> Command {
    f(&mut c.cmd);
    c
}

#[actix::test]
async fn window_actions_beyond_call_next() {
    let dir = start(hall(2));
    for _ in 0..3 {
        issue(&dir, "general", Priority::Normal).await.unwrap(); // A001..A003
    }
    issue(&dir, "police", Priority::Normal).await.unwrap(); // B001
    let w1 = &dir.windows["1"]; // serves B (primary) and A (secondary)
    let w2 = &dir.windows["2"]; // serves A
    w1.send(cmd("l1", Action::Login)).await.unwrap();
    w2.send(cmd("l2", Action::Login)).await.unwrap();

    // Call only from one queue: window 1 asks for A though B is its primary.
    let r = w1
        .send(with(cmd("q", Action::CallNext), |c| {
            c.queue = Some("A".into())
        }))
        .await
        .unwrap();
    assert_eq!(number(&r).as_deref(), Some("A001"));

    // Recall is counted and limited (default 3).
    for n in 0..3 {
        let r = w1
            .send(cmd(&format!("r{n}"), Action::Recall))
            .await
            .unwrap();
        assert!(r.ok, "{r:?}");
    }
    let r = w1.send(cmd("r3", Action::Recall)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "recall_limit");

    // Transfer to queue B keeps the arrival: it goes ahead of B001 (returned class).
    let r = w1
        .send(with(cmd("t", Action::Transfer), |c| {
            c.queue = Some("B".into())
        }))
        .await
        .unwrap();
    assert!(r.ok, "{r:?}");
    let r = w1.send(cmd("c2", Action::CallNext)).await.unwrap();
    assert_eq!(
        number(&r).as_deref(),
        Some("A001"),
        "transferred ticket first in B"
    );

    // Park sets it aside; window 1 calls on; unpark takes it back.
    let r = w1.send(cmd("p", Action::Park)).await.unwrap();
    assert!(r.ok, "{r:?}");
    let v = w1.send(tingwu_actors::window::GetWindow).await.unwrap();
    assert_eq!(v.parked.len(), 1);
    let r = w1.send(cmd("c3", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("B001"));
    w1.send(cmd("s3", Action::Start)).await.unwrap();
    w1.send(cmd("f3", Action::Finish)).await.unwrap();
    let r = w1
        .send(with(cmd("u", Action::Unpark), |c| {
            c.ticket = Some("A001".into())
        }))
        .await
        .unwrap();
    assert_eq!(number(&r).as_deref(), Some("A001"));
    w1.send(cmd("s4", Action::Start)).await.unwrap();
    w1.send(cmd("f4", Action::Finish)).await.unwrap();

    // Out of order: window 2 calls A003 before A002, with a reason.
    let r = w2
        .send(with(cmd("n", Action::Call), |c| {
            c.ticket = Some("A003".into());
            c.reason = Some("预约回访".into());
        }))
        .await
        .unwrap();
    assert_eq!(number(&r).as_deref(), Some("A003"));
    w2.send(cmd("s5", Action::Skip)).await.unwrap();
    let r = w2
        .send(with(cmd("n2", Action::Call), |c| {
            c.ticket = Some("A999".into());
            c.reason = Some("x".into());
        }))
        .await
        .unwrap();
    assert_eq!(r.error.unwrap().code, "not_found");
    let r = w2.send(cmd("c6", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("A002"));
}

#[actix::test]
async fn a_no_show_rejoins_a_few_places_back() {
    use tingwu_actors::core::ticket::TicketStatus;
    let dir = start(hall(2));
    for _ in 0..6 {
        issue(&dir, "general", Priority::Normal).await.unwrap(); // A001..A006
    }
    let w2 = &dir.windows["2"];
    w2.send(cmd("l", Action::Login)).await.unwrap();
    let r = w2.send(cmd("c1", Action::CallNext)).await.unwrap();
    assert_eq!(number(&r).as_deref(), Some("A001"));
    let r = w2.send(cmd("s1", Action::Skip)).await.unwrap();
    let skipped: tingwu_actors::core::ticket::Ticket = {
        let v = r.ticket.unwrap();
        assert_eq!(v["status"], "no_show");
        // Rebuild the stored ticket as the HTTP edge reads it back.
        let mut t = tingwu_actors::core::ticket::Ticket {
            id: v["id"].as_str().unwrap().into(),
            day: v["id"].as_str().unwrap()[..8].into(),
            queue: "A".into(),
            seq: 1,
            number: "A001".into(),
            item: Some("general".into()),
            channel: Channel::Onsite,
            priority: Priority::Normal,
            status: TicketStatus::NoShow,
            issued_at: chrono::Utc::now(),
            arrival: 0,
            window: Some("2".into()),
            called_at: None,
            started_at: None,
            finished_at: Some(chrono::Utc::now()),
            personal: Personal::default(),
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        };
        t.status = TicketStatus::NoShow;
        t
    };
    let view = dir
        .hall
        .send(tingwu_actors::hall::Rejoin(Box::new(skipped.clone())))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.status, TicketStatus::Waiting);
    // Three places back (the default): after A002, A003, A004.
    let mut order = Vec::new();
    for n in 0..5 {
        let r = w2
            .send(cmd(&format!("c{}", n + 2), Action::CallNext))
            .await
            .unwrap();
        order.push(number(&r).unwrap());
        w2.send(cmd(&format!("x{}", n + 2), Action::Skip))
            .await
            .unwrap();
    }
    assert_eq!(order, ["A002", "A003", "A004", "A001", "A005"]);
    // A ticket that was not skipped cannot rejoin.
    let mut waiting = skipped;
    waiting.status = TicketStatus::Waiting;
    assert!(dir
        .hall
        .send(tingwu_actors::hall::Rejoin(Box::new(waiting)))
        .await
        .unwrap()
        .is_err());
}

#[actix::test]
async fn the_wait_prediction_follows_the_staffed_windows() {
    let dir = start(hall(3)); // queue A: windows 2 and 3 (window 1 only as secondary)
    let wait = |dir: Directory| async move {
        dir.hall
            .send(IssueTicket {
                deadline: None,
                appointment: None,
                item: Some("general".into()),
                queue: None,
                channel: Channel::Onsite,
                priority: Priority::Normal,
                personal: Personal::default(),
                idempotency_key: None,
            })
            .await
            .unwrap()
            .unwrap()
            .ticket
    };
    for _ in 0..3 {
        wait(dir.clone()).await;
    }
    // Nobody logged in: the configured windows (3 serve A in some role).
    let before = wait(dir.clone()).await;
    assert_eq!(before.people_ahead, 3);
    // One window staffed and idle: the queue knows it is alone.
    dir.windows["2"]
        .send(cmd("l", Action::Login))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after = wait(dir.clone()).await;
    assert_eq!(after.people_ahead, 4);
    // 4 ahead, one window, 300 s each: 1200 s; the fallback said 3×300/3.
    assert_eq!(after.estimated_wait_s, 1200, "{after:?}");
    assert!(before.estimated_wait_s < after.estimated_wait_s);
    assert!(after.expected_call_at.is_some());
}

#[actix::test]
async fn the_limit_holds_for_requests_at_once_and_for_retried_keys() {
    let dir = start(hall(2));
    let req = |key: Option<&str>| IssueTicket {
        deadline: None,
        appointment: None,
        item: Some("general".into()),
        queue: None,
        channel: Channel::Onsite,
        priority: Priority::Normal,
        personal: Personal {
            holders: vec!["fp-wang".into()],
            ..Personal::default()
        },
        idempotency_key: key.map(str::to_string),
    };
    let sends: Vec<_> = (0..10).map(|_| dir.hall.send(req(None))).collect();
    let results = futures::future::join_all(sends).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    assert_eq!(ok, 3, "ten at once, limit 3");
    // A key refused for the limit gives nothing to a retry either.
    for _ in 0..2 {
        let err = dir.hall.send(req(Some("k-1"))).await.unwrap().unwrap_err();
        assert_eq!(err.code(), "limit_reached");
    }
}

#[actix::test]
async fn a_no_show_rejoins_once_and_parked_tickets_block_logout() {
    let dir = start(hall(2));
    issue(&dir, "general", Priority::Normal).await.unwrap();
    issue(&dir, "general", Priority::Normal).await.unwrap();
    let w2 = &dir.windows["2"];
    w2.send(cmd("l", Action::Login)).await.unwrap();
    w2.send(cmd("c", Action::CallNext)).await.unwrap();
    let r = w2.send(cmd("s", Action::Skip)).await.unwrap();
    let v = r.ticket.unwrap();
    let t = tingwu_actors::core::ticket::Ticket {
        id: v["id"].as_str().unwrap().into(),
        day: v["id"].as_str().unwrap()[..8].into(),
        queue: "A".into(),
        seq: 1,
        number: "A001".into(),
        item: Some("general".into()),
        channel: Channel::Onsite,
        priority: Priority::Normal,
        status: tingwu_actors::core::ticket::TicketStatus::NoShow,
        issued_at: chrono::Utc::now(),
        arrival: 0,
        window: Some("2".into()),
        called_at: None,
        started_at: None,
        finished_at: Some(chrono::Utc::now()),
        personal: Personal::default(),
        returned: false,
        appointment: None,
        recalls: 0,
        reserved_for: None,
        waiting_in: None,
        predicted_wait_s: None,
    };
    let a = dir
        .hall
        .send(tingwu_actors::hall::Rejoin(Box::new(t.clone())));
    let b = dir.hall.send(tingwu_actors::hall::Rejoin(Box::new(t)));
    let (a, b) = futures::join!(a, b);
    let oks = [a.unwrap().is_ok(), b.unwrap().is_ok()];
    assert_eq!(oks.iter().filter(|o| **o).count(), 1, "rejoined once");
    // Park one; logout is refused while it waits.
    w2.send(cmd("c2", Action::CallNext)).await.unwrap();
    w2.send(cmd("p", Action::Park)).await.unwrap();
    let r = w2.send(cmd("o", Action::Logout)).await.unwrap();
    assert_eq!(r.error.unwrap().code, "bad_state");
}

#[actix::test]
async fn a_caller_session_cannot_act_while_someone_else_is_on_duty() {
    let dir = start(hall(2));
    issue(&dir, "general", Priority::Normal).await.unwrap();
    let w2 = &dir.windows["2"];
    w2.send(cmd("l", Action::Login)).await.unwrap(); // S1 on duty
    let mut other = cmd("c", Action::CallNext);
    other.acting_staff = Some("S9".into());
    let r = w2.send(other).await.unwrap();
    assert_eq!(r.error.unwrap().code, "forbidden");
    let mut own = cmd("c2", Action::CallNext);
    own.acting_staff = Some("S1".into());
    assert!(w2.send(own).await.unwrap().ok);
}
