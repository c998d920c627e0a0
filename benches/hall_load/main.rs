//! `cargo bench --bench hall_load`: the hall under load, measured as its
//! users meet it, against the real `tingwu` binary and real transports, each
//! measurement next to a baseline of the bare transport taken in the same run.
//!
//! | scenario | what is timed | baseline (same run, same machine) |
//! |---|---|---|
//! | ticket issue | `POST /api/v1/tickets` over keep-alive HTTP/1.1, N clients | `write` 300 B + `fsync` (`sync_data`) in the same directory, one at a time |
//! | call over MQTT | terminal publishes `call_next` → its reply arrives, 24 terminals | the same terminals publish to their own `device/{id}/status` and receive it back through the same gate and broker |
//! | call to screen | terminal publishes `call_next` → the `call` frame for that number arrives on `/ws/screen/hall` | round trip of a small text message through a bare tokio-tungstenite echo server |
//!
//! Everything runs on 127.0.0.1 and is bounded in count (environment
//! variables below) and time (`HALL_LOAD_DEADLINE_S`). The table is printed
//! and also written to `target/bench-results.md`. See `docs/benchmarks.md`
//! for how to read it.
//!
//! | variable | default | meaning |
//! |---|--:|---|
//! | `HALL_LOAD_HTTP_CLIENTS` | 16 | concurrent keep-alive HTTP clients taking tickets |
//! | `HALL_LOAD_TICKETS` | 4000 | tickets issued in the timed phase (and fsyncs in its baseline) |
//! | `HALL_LOAD_WINDOWS` | 24 | terminals driving their windows (1-24) |
//! | `HALL_LOAD_CALLS_PER_WINDOW` | 50 | call_next → start → finish cycles per terminal |
//! | `HALL_LOAD_SCREEN_CALLS` | 100 | calls timed to the hall screen |
//! | `HALL_LOAD_MQTT_NODELAY` | both | the bench terminals' sockets: `both` runs scenarios 2 and 3 with `TCP_NODELAY` and again with Nagle on (as many device stacks leave it), `1` or `0` only one |
//! | `HALL_LOAD_DEADLINE_S` | 300 | the whole run is abandoned after this |
//! | `HALL_LOAD_DIR` | `target/` | where the temporary data directory is made (same disk as the server's data) |

mod http;
mod mqtt;
mod server;
mod stats;

use std::collections::HashSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tingwu_protocols::terminal::Topics;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use mqtt::{reply_error, Device};
use server::{Server, ServerMetrics};
use stats::{Comparison, Measured};

/// Bytes written before each fsync of the baseline: about one ticket record.
const FSYNC_RECORD: usize = 300;

struct Options {
    http_clients: usize,
    tickets: usize,
    windows: usize,
    calls_per_window: usize,
    screen_calls: usize,
    /// The terminals' `TCP_NODELAY` setting of each round of scenarios 2
    /// and 3, in order.
    mqtt_modes: Vec<bool>,
    deadline: Duration,
    dir: PathBuf,
}

fn env_usize(
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                format!(
                    "{name}={v:?}: expected a whole number in {}..={}",
                    range.start(),
                    range.end()
                )
            }),
    }
}

/// `target/`, found from where cargo put the server binary (`target/release/tingwu`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_tingwu"))
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}

/// `HALL_LOAD_MQTT_NODELAY`: unset or `both` runs the terminals with
/// `TCP_NODELAY` and then with Nagle's algorithm on; `1` or `0` only one.
fn mqtt_modes() -> Result<Vec<bool>, String> {
    match std::env::var("HALL_LOAD_MQTT_NODELAY")
        .as_deref()
        .map(str::trim)
    {
        Err(_) | Ok("both") => Ok(vec![true, false]),
        Ok("1") => Ok(vec![true]),
        Ok("0") => Ok(vec![false]),
        Ok(v) => Err(format!(
            "HALL_LOAD_MQTT_NODELAY={v:?}: expected both, 1 or 0"
        )),
    }
}

impl Options {
    fn from_env() -> Result<Self, String> {
        Ok(Self {
            http_clients: env_usize("HALL_LOAD_HTTP_CLIENTS", 16, 1..=1000)?,
            tickets: env_usize("HALL_LOAD_TICKETS", 4000, 1..=1_000_000)?,
            windows: env_usize("HALL_LOAD_WINDOWS", server::WINDOWS, 1..=server::WINDOWS)?,
            calls_per_window: env_usize("HALL_LOAD_CALLS_PER_WINDOW", 50, 1..=100_000)?,
            screen_calls: env_usize("HALL_LOAD_SCREEN_CALLS", 100, 1..=100_000)?,
            mqtt_modes: mqtt_modes()?,
            deadline: Duration::from_secs(
                env_usize("HALL_LOAD_DEADLINE_S", 300, 1..=86_400)? as u64
            ),
            dir: std::env::var_os("HALL_LOAD_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(target_dir),
        })
    }
}

fn main() -> ExitCode {
    let opts = match Options::from_env() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("hall_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hall_load: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let deadline = opts.deadline;
    let outcome = runtime.block_on(async move {
        match tokio::time::timeout(deadline, run(opts)).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "the run took longer than HALL_LOAD_DEADLINE_S ({deadline:?}); abandoned"
            )),
        }
    });
    // The server child is killed on drop if the run was abandoned.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("hall_load: some operations failed; see the errors column");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("hall_load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every scenario; true when nothing failed.
async fn run(opts: Options) -> Result<bool, String> {
    let load = load_average();
    std::fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    let temp = tempfile::Builder::new()
        .prefix("hall-load-")
        .tempdir_in(&opts.dir)
        .map_err(|e| format!("temporary directory in {}: {e}", opts.dir.display()))?;
    println!(
        "hall_load: starting {} (data in {})",
        env!("CARGO_BIN_EXE_tingwu"),
        temp.path().display()
    );
    let server = Server::start(temp.path()).await?;
    println!(
        "hall_load: server ready, http={} mqtt={}",
        server.http, server.mqtt
    );
    let result = scenarios(&opts, &server, temp.path()).await;
    let log = server.log.clone();
    let stopped = server.stop().await;
    println!("hall_load: {stopped}");
    let (rows, notes) = match result {
        Ok(r) => r,
        Err(e) => {
            return Err(format!(
                "{e}\n--- last lines of the server log ---\n{}",
                server::tail(&log, 30)
            ))
        }
    };
    let report = report(&opts, &load, &rows, &notes, &stopped);
    println!("\n{report}");
    let out = target_dir().join("bench-results.md");
    match std::fs::File::create(&out).and_then(|mut f| f.write_all(report.as_bytes())) {
        Ok(()) => println!("hall_load: table written to {}", out.display()),
        Err(e) => eprintln!("hall_load: cannot write {}: {e}", out.display()),
    }
    Ok(rows
        .iter()
        .all(|r| r.scenario.errors == 0 && r.baseline.errors == 0))
}

async fn scenarios(
    opts: &Options,
    server: &Server,
    dir: &Path,
) -> Result<(Vec<Comparison>, Vec<String>), String> {
    let topics = Topics::new(server::HALL);
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    // 1. Ticket issue over HTTP, against bare fsync.
    println!(
        "hall_load: [1/3] bare fsync baseline ({} × {FSYNC_RECORD} B)",
        opts.tickets
    );
    let fsync = bare_fsync(dir.join("fsync-baseline.bin"), opts.tickets).await?;
    println!(
        "hall_load: [1/3] ticket issue: {} tickets, {} HTTP clients",
        opts.tickets, opts.http_clients
    );
    let before = ServerMetrics::scrape(server.http).await?;
    let tickets = issue_tickets(server.http, opts.http_clients, opts.tickets).await?;
    let m = ServerMetrics::scrape(server.http).await?.since(&before);
    let issued = tickets.latencies.len();
    rows.push(Comparison {
        scenario: tickets.summary("ticket issue: HTTP POST /api/v1/tickets", opts.http_clients),
        baseline: fsync.summary(
            &format!("bare fsync ({FSYNC_RECORD} B write + sync_data)"),
            1,
        ),
    });
    if m.commits > 0.0 {
        notes.push(format!(
            "Ticket issue: the server grouped {issued} tickets into {:.0} storage commits \
             ({:.1} tickets per fsync, {:.1} writes per commit, mean commit with fsync {:.3} ms). \
             Acknowledging only after a durable commit costs one fsync per group, not per \
             ticket, so ticket throughput can exceed the bare fsync rate (1 ÷ fsync latency).",
            m.commits,
            issued as f64 / m.commits,
            m.writes / m.commits,
            m.commit_seconds / m.commits * 1e3
        ));
    }

    // 2 and 3, once per TCP setting of the terminals: Nagle off, then on.
    let mut available = issued;
    for &nodelay in &opts.mqtt_modes {
        terminal_rows(
            opts,
            server,
            &topics,
            nodelay,
            &mut available,
            &mut rows,
            &mut notes,
        )
        .await?;
    }
    if let Some(n) = nagle_ratio_note(&rows) {
        notes.push(n);
    }
    Ok((rows, notes))
}

/// The p50 and p99 of each Nagle-on row over its TCP_NODELAY row (issue 8,
/// acceptance 2: within 1.5x), when both rounds ran.
fn nagle_ratio_note(rows: &[Comparison]) -> Option<String> {
    let find = |prefix: &str, nodelay: bool| {
        rows.iter().map(|r| &r.scenario).find(|s| {
            s.label.starts_with(prefix) && s.label.ends_with(&format!("({})", nagle_label(nodelay)))
        })
    };
    let mut parts = Vec::new();
    for (prefix, what) in [
        ("call over MQTT", "call_next → reply"),
        ("call to screen", "call → screen"),
    ] {
        let (Some(on), Some(off)) = (find(prefix, false), find(prefix, true)) else {
            continue;
        };
        let ratio = |a: std::time::Duration, b: std::time::Duration| {
            a.as_secs_f64() / b.as_secs_f64().max(1e-9)
        };
        parts.push(format!(
            "{what}: p50 {:.2}×, p99 {:.2}×",
            ratio(on.p50, off.p50),
            ratio(on.p99, off.p99)
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "Nagle on at the terminals ÷ TCP_NODELAY at the terminals (target: within 1.5×): {}.",
            parts.join("; ")
        )
    })
}

/// What the terminals' sockets do: rows are labelled with it.
fn nagle_label(nodelay: bool) -> &'static str {
    if nodelay {
        "terminals TCP_NODELAY"
    } else {
        "terminals Nagle on"
    }
}

/// Scenarios 2 and 3 with the terminals' sockets set to `nodelay`;
/// `available` is the number of waiting tickets, topped up as needed.
async fn terminal_rows(
    opts: &Options,
    server: &Server,
    topics: &Topics,
    nodelay: bool,
    available: &mut usize,
    rows: &mut Vec<Comparison>,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let topics = topics.clone();
    let mode = nagle_label(nodelay);
    // 2. call_next over MQTT, against a bare round trip through the same gate and broker.
    let windows: Vec<usize> = (1..=opts.windows).collect();
    println!("hall_load: [2/3] connecting {} terminals", windows.len());
    let mut devices = connect_terminals(server.mqtt, &topics, &windows, nodelay).await?;
    println!(
        "hall_load: [2/3] bare MQTT baseline: {} × {} status round trips",
        windows.len(),
        opts.calls_per_window
    );
    let (back, broker) = bare_mqtt(devices, &topics, opts.calls_per_window).await;
    devices = back;
    let needed = windows.len() * opts.calls_per_window + opts.screen_calls;
    if needed > *available {
        println!(
            "hall_load: [2/3] issuing {} more tickets (untimed)",
            needed - *available
        );
        let topup = issue_tickets(server.http, opts.http_clients, needed - *available).await?;
        if topup.errors > 0 {
            return Err(format!(
                "could not issue the tickets to call: {}",
                topup.first_error.unwrap_or_default()
            ));
        }
        *available = needed;
    }
    *available -= needed;
    for d in devices.iter_mut() {
        login(d, &topics).await?;
    }
    println!(
        "hall_load: [2/3] call over MQTT: {} terminals × {} call_next → start → finish",
        windows.len(),
        opts.calls_per_window
    );
    let before = ServerMetrics::scrape(server.http).await?;
    let (back, calls, called) = call_cycles(devices, &topics, opts.calls_per_window).await;
    devices = back;
    let m = ServerMetrics::scrape(server.http).await?.since(&before);
    let cycles = calls.latencies.len();
    let elapsed = calls.elapsed;
    rows.push(Comparison {
        scenario: calls.summary(
            &format!("call over MQTT: call_next → reply ({mode})"),
            windows.len(),
        ),
        baseline: broker.summary(
            &format!("bare MQTT round trip via the gate (device/{{id}}/status, {mode})"),
            windows.len(),
        ),
    });
    let distinct: HashSet<&String> = called.iter().collect();
    if distinct.len() != called.len() {
        notes.push(format!(
            "**INVARIANT BROKEN**: {} calls returned only {} distinct tickets; a ticket was \
             called by more than one window.",
            called.len(),
            distinct.len()
        ));
    }
    if m.calls > 0.0 {
        notes.push(format!(
            "Call over MQTT ({mode}): each terminal runs call_next → start → finish, one command at a \
             time, so the server handled {:.0} commands/s in total ({cycles} cycles in {:.2} s). \
             Server-side call latency (command received → durable and published, \
             tingwu_call_latency_seconds) averaged {:.3} ms; {:.0} storage commits, {:.1} writes \
             per commit, mean commit with fsync {:.3} ms.",
            3.0 * cycles as f64 / elapsed.as_secs_f64().max(1e-9),
            elapsed.as_secs_f64(),
            m.call_seconds / m.calls * 1e3,
            m.commits,
            m.writes / m.commits.max(1.0),
            m.commit_seconds / m.commits.max(1.0) * 1e3
        ));
    }

    // 3. Call to the hall screen over WebSocket, against a bare WebSocket echo.
    println!(
        "hall_load: [3/3] bare WebSocket echo baseline: {} round trips",
        opts.screen_calls
    );
    let echo = bare_ws_echo(opts.screen_calls).await?;
    println!(
        "hall_load: [3/3] call to screen: {} calls",
        opts.screen_calls
    );
    let first = devices.first_mut().ok_or("no terminal to call with")?;
    let screen = call_to_screen(server.http, first, &topics, opts.screen_calls).await?;
    rows.push(Comparison {
        scenario: screen.summary(
            &format!("call to screen: call_next → WS \"call\" frame ({mode})"),
            1,
        ),
        baseline: echo.summary("bare WebSocket echo (tokio-tungstenite)", 1),
    });
    for d in devices.iter_mut() {
        logout(d, &topics).await?;
    }
    for d in devices {
        d.device.disconnect().await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 1. Tickets over HTTP, and bare fsync.
// ---------------------------------------------------------------------------

async fn bare_fsync(path: PathBuf, count: usize) -> Result<Measured, String> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let record = [b'x'; FSYNC_RECORD];
        let mut m = Measured::default();
        m.latencies.reserve(count);
        let started = Instant::now();
        for _ in 0..count {
            let t = Instant::now();
            let done = file.write_all(&record).and_then(|_| file.sync_data());
            match done {
                Ok(()) => m.latencies.push(t.elapsed()),
                Err(e) => m.error(format!("fsync baseline: {e}")),
            }
        }
        m.elapsed = started.elapsed();
        let _ = std::fs::remove_file(&path);
        Ok(m)
    })
    .await
    .map_err(|e| format!("fsync baseline task: {e}"))?
}

/// `total` tickets for the bench item from `clients` keep-alive connections.
async fn issue_tickets(http: SocketAddr, clients: usize, total: usize) -> Result<Measured, String> {
    let clients = clients.min(total).max(1);
    let body = bytes::Bytes::from(format!(r#"{{"item":"{}"}}"#, server::ITEM));
    // Connect (and make one untimed request) before the clock starts.
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        // The hall's kiosk takes them (tickets naming nobody need a kiosk).
        let mut c = http::HttpClient::connect(http)
            .await?
            .basic_auth(server::KIOSK, server::KIOSK_PASSWORD);
        let r = c.request("GET", "/healthz", None).await?;
        if r.status != 200 {
            return Err(format!("GET /healthz: HTTP {} {}", r.status, r.text()));
        }
        conns.push(c);
    }
    let started = Instant::now();
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| {
            let n = total / clients + usize::from(i < total % clients);
            let body = body.clone();
            tokio::spawn(async move {
                let mut m = Measured::default();
                m.latencies.reserve(n);
                for _ in 0..n {
                    let t = Instant::now();
                    match c.request("POST", "/api/v1/tickets", Some(&body)).await {
                        Ok(r) if r.status == 201 => m.latencies.push(t.elapsed()),
                        Ok(r) => m.error(format!("HTTP {}: {}", r.status, r.text())),
                        Err(e) => {
                            m.error(e);
                            break;
                        }
                    }
                }
                m
            })
        })
        .collect();
    let mut all = Measured::default();
    for t in tasks {
        all.absorb(t.await.map_err(|e| format!("HTTP client task: {e}"))?);
    }
    all.elapsed = started.elapsed();
    Ok(all)
}

// ---------------------------------------------------------------------------
// 2. Terminals over MQTT, and the bare broker round trip.
// ---------------------------------------------------------------------------

struct Terminal {
    device: Device,
    window: String,
    /// Part of every command id, so the Nagle-on round does not repeat the
    /// ids of the TCP_NODELAY round (a repeated id only gets its old reply).
    tag: &'static str,
}

async fn connect_terminals(
    mqtt: SocketAddr,
    topics: &Topics,
    windows: &[usize],
    nodelay: bool,
) -> Result<Vec<Terminal>, String> {
    let connecting = windows.iter().map(|&w| {
        let id = server::terminal(w);
        let status = topics.device_status(&id);
        let reply = topics.reply(&w.to_string());
        async move {
            let mut device =
                Device::connect(mqtt, &id, &server::terminal_password(w), &status, nodelay).await?;
            device.subscribe(&reply).await?;
            device.subscribe(&status).await?;
            Ok::<_, String>(Terminal {
                device,
                window: w.to_string(),
                tag: if nodelay { "nd" } else { "ng" },
            })
        }
    });
    futures::future::try_join_all(connecting).await
}

/// Every terminal publishes to its own status topic and waits for the
/// message to come back: gate → broker → gate, no server logic.
async fn bare_mqtt(
    terminals: Vec<Terminal>,
    topics: &Topics,
    count: usize,
) -> (Vec<Terminal>, Measured) {
    let started = Instant::now();
    let tasks: Vec<_> = terminals
        .into_iter()
        .map(|mut t| {
            let status = topics.device_status(&t.device.id);
            tokio::spawn(async move {
                let mut m = Measured::default();
                for _ in 0..count {
                    let sent = Instant::now();
                    let echoed = match t.device.publish(&status, "online").await {
                        Ok(()) => t.device.receive_on(&status).await,
                        Err(e) => Err(e),
                    };
                    match echoed {
                        Ok(msg) => m.latencies.push(msg.at - sent),
                        Err(e) => {
                            m.error(e);
                            break;
                        }
                    }
                }
                (t, m, ())
            })
        })
        .collect();
    let (terminals, m, _) = join_terminals(tasks, started).await;
    (terminals, m)
}

async fn join_terminals<X>(
    tasks: Vec<tokio::task::JoinHandle<(Terminal, Measured, X)>>,
    started: Instant,
) -> (Vec<Terminal>, Measured, Vec<X>) {
    let mut terminals = Vec::new();
    let mut all = Measured::default();
    let mut extra = Vec::new();
    for task in tasks {
        match task.await {
            Ok((t, m, x)) => {
                terminals.push(t);
                all.absorb(m);
                extra.push(x);
            }
            Err(e) => all.error(format!("terminal task: {e}")),
        }
    }
    all.elapsed = started.elapsed();
    (terminals, all, extra)
}

async fn logout(t: &mut Terminal, topics: &Topics) -> Result<(), String> {
    command(t, topics, "logout", 0).await.map(|_| ())
}

async fn login(t: &mut Terminal, topics: &Topics) -> Result<(), String> {
    let id = format!("{}-{}-login", t.device.id, t.tag);
    let (_, reply) = t
        .device
        .command(
            &topics.cmd(&t.window),
            &topics.reply(&t.window),
            &id,
            json!({"id": id, "action": "login", "staff": server::staff(&t.window), "pin": server::PIN}),
        )
        .await?;
    match reply_error(&reply) {
        None => Ok(()),
        Some(e) => Err(format!("login at window {} refused: {e}", t.window)),
    }
}

/// Sends one command and checks that it succeeded; returns when the reply
/// arrived and the ticket it carries.
async fn command(
    t: &mut Terminal,
    topics: &Topics,
    action: &str,
    n: usize,
) -> Result<(Instant, Option<Value>), String> {
    let id = format!("{}-{}-{action}-{n}", t.device.id, t.tag);
    let (at, reply) = t
        .device
        .command(
            &topics.cmd(&t.window),
            &topics.reply(&t.window),
            &id,
            json!({"id": id, "action": action}),
        )
        .await?;
    match reply_error(&reply) {
        None => Ok((at, reply.get("ticket").cloned())),
        Some(e) => Err(format!("{action} at window {}: {e}", t.window)),
    }
}

/// Every terminal loops call_next → start → finish; call_next is timed.
async fn call_cycles(
    terminals: Vec<Terminal>,
    topics: &Topics,
    count: usize,
) -> (Vec<Terminal>, Measured, Vec<String>) {
    let started = Instant::now();
    let tasks: Vec<_> = terminals
        .into_iter()
        .map(|mut t| {
            let topics = topics.clone();
            tokio::spawn(async move {
                let mut m = Measured::default();
                let mut called = Vec::with_capacity(count);
                for n in 0..count {
                    let sent = Instant::now();
                    let cycle = async {
                        let (at, ticket) = command(&mut t, &topics, "call_next", n).await?;
                        let id = ticket
                            .as_ref()
                            .and_then(|t| t.get("id"))
                            .and_then(Value::as_str)
                            .ok_or("call_next reply without a ticket id")?
                            .to_string();
                        command(&mut t, &topics, "start", n).await?;
                        command(&mut t, &topics, "finish", n).await?;
                        Ok::<_, String>((at, id))
                    };
                    match cycle.await {
                        Ok((at, id)) => {
                            m.latencies.push(at - sent);
                            called.push(id);
                        }
                        Err(e) => {
                            m.error(e);
                            break;
                        }
                    }
                }
                (t, m, called)
            })
        })
        .collect();
    let (terminals, m, called) = join_terminals(tasks, started).await;
    (terminals, m, called.into_iter().flatten().collect())
}

// ---------------------------------------------------------------------------
// 3. Calls reaching the hall screen, and a bare WebSocket echo.
// ---------------------------------------------------------------------------

/// A frame of about the size of a `call` envelope.
fn echo_payload() -> String {
    let call = json!({
        "type": "call", "seq": 123456, "ts": "2026-11-26T09:30:00.123456+08:00",
        "payload": {"ticket": "20261126-A0001", "number": "A0001", "window": "12",
                    "window_number": 12, "window_name": "12号窗口", "queue": "A", "recall": false}
    });
    call.to_string()
}

async fn bare_ws_echo(count: usize) -> Result<Measured, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("echo server bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let _ = stream.set_nodelay(true);
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        while let Some(Ok(msg)) = ws.next().await {
            if msg.is_text() || msg.is_binary() {
                if ws.send(msg).await.is_err() {
                    return;
                }
            } else if msg.is_close() {
                return;
            }
        }
    });
    let url = format!("ws://{addr}/echo");
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
        .await
        .map_err(|e| format!("echo client connect: {e}"))?;
    let payload = echo_payload();
    let mut m = Measured::default();
    m.latencies.reserve(count);
    let started = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        if let Err(e) = ws.send(WsMessage::text(payload.clone())).await {
            m.error(format!("echo send: {e}"));
            break;
        }
        match tokio::time::timeout(mqtt::ANSWER_TIMEOUT, ws.next()).await {
            Ok(Some(Ok(msg))) if msg.is_text() => m.latencies.push(t.elapsed()),
            other => {
                m.error(format!("echo receive: {other:?}"));
                break;
            }
        }
    }
    m.elapsed = started.elapsed();
    let _ = ws.close(None).await;
    server.abort();
    Ok(m)
}

/// One terminal calls; the hall screen's stream is watched for the `call`
/// frame of the number just called.
async fn call_to_screen(
    http: SocketAddr,
    t: &mut Terminal,
    topics: &Topics,
    count: usize,
) -> Result<Measured, String> {
    let url = format!("ws://{http}/ws/screen/{}", server::SCREEN);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    let (mut ws_tx, mut ws_rx) = ws.split();
    // The reader stamps each `call` frame as it arrives and hands it over.
    let (calls_tx, mut calls) = mpsc::unbounded_channel::<Result<(Instant, String), String>>();
    let reader = tokio::spawn(async move {
        let mut first = true;
        while let Some(frame) = ws_rx.next().await {
            let at = Instant::now();
            let text = match frame {
                Ok(WsMessage::Text(t)) => t,
                Ok(WsMessage::Close(_)) => break,
                Ok(_) => continue,
                Err(e) => {
                    let _ = calls_tx.send(Err(format!("screen stream: {e}")));
                    return;
                }
            };
            let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                let _ = calls_tx.send(Err(format!("screen frame is not JSON: {text}")));
                return;
            };
            let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
            if first && kind != "snapshot" {
                let _ = calls_tx.send(Err(format!(
                    "first screen frame was {kind:?}, not a snapshot"
                )));
                return;
            }
            first = false;
            match kind {
                "call" => {
                    let number = v["payload"]["number"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if calls_tx.send(Ok((at, number))).is_err() {
                        return;
                    }
                }
                "reset" => {
                    let _ = calls_tx.send(Err(format!("screen stream reset: {text}")));
                    return;
                }
                _ => {}
            }
        }
        let _ = calls_tx.send(Err("screen stream closed".into()));
    });
    let mut m = Measured::default();
    m.latencies.reserve(count);
    let started = Instant::now();
    for n in 0..count {
        let sent = Instant::now();
        let cycle = async {
            let (_, ticket) = command(t, topics, "call_next", n + 1_000_000).await?;
            let number = ticket
                .as_ref()
                .and_then(|t| t.get("number"))
                .and_then(Value::as_str)
                .ok_or("call_next reply without a ticket number")?
                .to_string();
            let shown = loop {
                match tokio::time::timeout(mqtt::ANSWER_TIMEOUT, calls.recv()).await {
                    Ok(Some(Ok((at, shown)))) if shown == number => break at,
                    Ok(Some(Ok(_))) => continue,
                    Ok(Some(Err(e))) => return Err(e),
                    Ok(None) => return Err("screen reader ended".to_string()),
                    Err(_) => {
                        return Err(format!(
                            "no call frame for {number} within {:?}",
                            mqtt::ANSWER_TIMEOUT
                        ))
                    }
                }
            };
            command(t, topics, "start", n + 1_000_000).await?;
            command(t, topics, "finish", n + 1_000_000).await?;
            Ok::<_, String>(shown)
        };
        match cycle.await {
            Ok(shown) => m.latencies.push(shown - sent),
            Err(e) => {
                m.error(e);
                break;
            }
        }
    }
    m.elapsed = started.elapsed();
    let _ = ws_tx.close().await;
    reader.abort();
    Ok(m)
}

// ---------------------------------------------------------------------------
// The report.
// ---------------------------------------------------------------------------

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{cores} cores ({cpu}), {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The 1/5/15-minute load average, to judge how quiet the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn report(
    opts: &Options,
    load: &str,
    rows: &[Comparison],
    notes: &[String],
    stopped: &str,
) -> String {
    let mut out = String::new();
    out.push_str("## hall_load results\n\n");
    out.push_str(&format!(
        "- date: {}\n- machine: {}, load average at start {load}, at end {}\n- parameters: {} HTTP clients × {} tickets; {} terminals × {} call cycles; {} screen calls; terminals {}\n- {stopped}\n\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S %z"),
        machine(),
        load_average(),
        opts.http_clients,
        opts.tickets,
        opts.windows,
        opts.calls_per_window,
        opts.screen_calls,
        opts.mqtt_modes
            .iter()
            .map(|&n| nagle_label(n).trim_start_matches("terminals "))
            .collect::<Vec<_>>()
            .join(", then "),
    ));
    out.push_str(&stats::table(rows));
    out.push('\n');
    out.push_str(
        "Ratios are scenario ÷ its baseline measured in this run: latency ratios say how many \
         times the bare transport the server takes; the throughput ratio says what fraction \
         (or multiple) of the bare transport's rate the server sustains.\n",
    );
    for n in notes {
        out.push_str(&format!("\n- {n}"));
    }
    let errors: Vec<String> = rows
        .iter()
        .flat_map(|r| [&r.scenario, &r.baseline])
        .filter_map(|s| {
            s.first_error
                .as_ref()
                .map(|e| format!("{}: {} errors, first: {e}", s.label, s.errors))
        })
        .collect();
    if !errors.is_empty() {
        out.push_str("\n\n**Errors**\n");
        for e in errors {
            out.push_str(&format!("\n- {e}"));
        }
    }
    out.push('\n');
    out
}
