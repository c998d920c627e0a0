//! The real `tingwu` binary, started as an operator would start it, with a
//! hall written for the bench, a fresh data directory and ports picked by
//! the kernel.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::http::HttpClient;

/// Hall id of the bench hall (`tingwu/v1/bench/…`).
pub const HALL: &str = "bench";
/// Windows "1".."24", terminals T01..T24.
pub const WINDOWS: usize = 24;
/// The item the bench takes tickets for (queue A, served by every window).
pub const ITEM: &str = "general";
pub const PIN: &str = "1111";
/// The kiosk the ticket load is taken at, and its device password.
pub const KIOSK: &str = "K1";
pub const KIOSK_PASSWORD: &str = "bench-kiosk-pass";
pub const SCREEN: &str = "hall";

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The member of staff at window `window` ("1".."24"): S01..S24, all with
/// [`PIN`] (a person is at one window at a time).
pub fn staff(window: &str) -> String {
    format!("S{window:0>2}")
}

pub fn terminal(window: usize) -> String {
    format!("T{window:02}")
}

pub fn terminal_password(window: usize) -> String {
    format!("bench-pass-{window:02}")
}

/// One area, one department, two queues (A served by every window as
/// primary, B as secondary), two items, 24 windows with their terminals,
/// one member of staff per window and a hall screen; everything open around
/// the clock.
pub fn hall_toml() -> String {
    let mut t = format!(
        r#"# Written by benches/hall_load: the hall the load generator drives.
[hall]
id = "{HALL}"
name = "压测大厅"
name_en = "Benchmark hall"
timezone = "Asia/Shanghai"
day_start = "00:00"

[[areas]]
id = "A"
name = "A区 综合受理区"

[[departments]]
id = "gov"
name = "政务服务和数据管理局"

[[queues]]
id = "A"
prefix = "A"
name = "综合受理"
area = "A"

[[queues]]
id = "B"
prefix = "B"
name = "企业开办"
area = "A"

[[items]]
id = "{ITEM}"
name = "综合事项"
department = "gov"
queue = "A"
hours = ["00:00-24:00"]

[[items]]
id = "business"
name = "企业开办"
department = "gov"
queue = "B"
promise_days = 3
hours = ["00:00-24:00"]

[[screens]]
id = "{SCREEN}"
kind = "hall"
name = "综合显示屏"

[[kiosks]]
id = "{KIOSK}"
name = "1号取号机"
area = "A"

[[devices]]
id = "{KIOSK}"
kind = "kiosk"
password = "{KIOSK_PASSWORD}"
"#
    );
    for w in 1..=WINDOWS {
        t.push_str(&format!(
            "\n[[staff]]\nid = \"{}\"\nname = \"工作人员{w}\"\npin = \"{PIN}\"\n",
            staff(&w.to_string())
        ));
    }
    for w in 1..=WINDOWS {
        t.push_str(&format!(
            r#"
[[windows]]
id = "{w}"
number = {w}
name = "{w}号窗口"
area = "A"
terminal = "{term}"
queues = [{{ queue = "A" }}, {{ queue = "B", role = "secondary" }}]

[[devices]]
id = "{term}"
kind = "terminal"
password = "{pass}"
"#,
            term = terminal(w),
            pass = terminal_password(w),
        ));
    }
    t
}

pub struct Server {
    child: Child,
    pub http: SocketAddr,
    pub mqtt: SocketAddr,
    pub log: PathBuf,
}

impl Server {
    /// Writes the hall, starts `tingwu serve` and waits for its ready line.
    pub async fn start(dir: &Path) -> Result<Self, String> {
        let config = dir.join("hall.toml");
        std::fs::write(&config, hall_toml()).map_err(|e| format!("write hall.toml: {e}"))?;
        let log = dir.join("server.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("create server.log: {e}"))?;
        let mut child = Command::new(env!("CARGO_BIN_EXE_tingwu"))
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .arg("--data")
            .arg(dir.join("data"))
            .args(["--http", "127.0.0.1:0", "--mqtt", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // Logs go to a file: a pipe nobody reads would stall the server.
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", env!("CARGO_BIN_EXE_tingwu")))?;
        let stdout = child.stdout.take().ok_or("no stdout of the server")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(READY_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("tingwu ready ") {
                    return Some(line);
                }
            }
            None
        })
        .await;
        let line = match ready {
            Ok(Some(line)) => line,
            Ok(None) => {
                return Err(format!(
                    "the server exited before it was ready; its log:\n{}",
                    tail(&log, 30)
                ))
            }
            Err(_) => {
                return Err(format!(
                    "no ready line within {READY_TIMEOUT:?}; server log:\n{}",
                    tail(&log, 30)
                ))
            }
        };
        // Keep reading stdout so that the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let addr = |key: &str| -> Result<SocketAddr, String> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .and_then(|a| a.parse().ok())
                .ok_or_else(|| format!("no {key}ADDR in ready line {line:?}"))
        };
        Ok(Self {
            http: addr("http=")?,
            mqtt: addr("mqtt=")?,
            child,
            log,
        })
    }

    /// SIGTERM, then wait for a clean exit; SIGKILL after a timeout.
    /// Returns a line describing how it went.
    pub async fn stop(mut self) -> String {
        let started = Instant::now();
        let termed = match self.child.id() {
            Some(pid) => std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .is_ok_and(|s| s.success()),
            None => false,
        };
        if !termed {
            let _ = self.child.kill().await;
            return "server killed (SIGTERM could not be sent)".into();
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) => format!(
                "server stopped on SIGTERM in {} ms ({status})",
                started.elapsed().as_millis()
            ),
            Ok(Err(e)) => format!("waiting for the server failed: {e}"),
            Err(_) => {
                let _ = self.child.kill().await;
                format!("server did not stop within {STOP_TIMEOUT:?} of SIGTERM; killed")
            }
        }
    }
}

/// The last `n` lines of a file, for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The server-side counters the bench reads from `/metrics`.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServerMetrics {
    /// Storage groups committed (one fsync each) and their total time.
    pub commits: f64,
    pub commit_seconds: f64,
    /// Writes (records and events) in those groups.
    pub writes: f64,
    /// Terminal commands answered: received → durable and published.
    pub calls: f64,
    pub call_seconds: f64,
}

impl ServerMetrics {
    pub async fn scrape(http: SocketAddr) -> Result<Self, String> {
        let mut c = HttpClient::connect(http).await?;
        let r = c.request("GET", "/metrics", None).await?;
        if r.status != 200 {
            return Err(format!("GET /metrics: HTTP {}", r.status));
        }
        let text = r.text();
        let value = |name: &str| -> f64 {
            text.lines()
                .filter_map(|l| l.strip_prefix(name))
                // `name value` or `name{labels} value`, summed over labels.
                .filter(|rest| rest.starts_with(' ') || rest.starts_with('{'))
                .filter_map(|rest| rest.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        Ok(Self {
            commits: value("tingwu_storage_commit_seconds_count"),
            commit_seconds: value("tingwu_storage_commit_seconds_sum"),
            writes: value("tingwu_storage_group_size_sum"),
            calls: value("tingwu_call_latency_seconds_count"),
            call_seconds: value("tingwu_call_latency_seconds_sum"),
        })
    }

    pub fn since(&self, before: &Self) -> Self {
        Self {
            commits: self.commits - before.commits,
            commit_seconds: self.commit_seconds - before.commit_seconds,
            writes: self.writes - before.writes,
            calls: self.calls - before.calls,
            call_seconds: self.call_seconds - before.call_seconds,
        }
    }
}
