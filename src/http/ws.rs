//! WebSocket streams for screens and the dashboard.
//!
//! Limits against tungstenite's defaults: small frames and messages (screens
//! send nothing of size), a bounded write buffer, a bounded per-client queue
//! in the screen actor, a send timeout, and the socket is read all the time
//! so that pings are answered and a closed client is noticed.
//!
//! Liveness: the server pings every 20 s and closes a stream on which
//! nothing (a pong or any other frame) has arrived for 60 s, so a screen
//! whose network vanished without a FIN does not hold its slot for ever. At
//! most 1,024 streams are open at once; beyond that the handshake is
//! answered 503 `busy` before upgrading. At shutdown every stream is closed
//! with 1001 (going away).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tingwu_actors::screen::{ScreenActor, Subscribe};
use tingwu_protocols::envelope::Envelope;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::auth::supervisor;
use super::extract::{Path, Query, WsUpgrade};
use super::{ApiError, AppState};
use crate::app::strategies::StrategyChange;
use crate::app::{App, StrategyError};
use crate::telemetry;

const MAX_MESSAGE: usize = 16 * 1024;
const WRITE_BUFFER: usize = 64 * 1024;
const MAX_WRITE_BUFFER: usize = 1024 * 1024;
/// Frames waiting for one client before it is cut loose.
const CLIENT_QUEUE: usize = 512;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// A close frame is a courtesy: never wait long for a client to take it.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Stream limits; `Default` is what the server uses.
#[derive(Clone)]
pub struct WsLimits {
    pub ping_every: Duration,
    pub idle_timeout: Duration,
    pub max_clients: usize,
    slots: Arc<Semaphore>,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self::new(Duration::from_secs(20), Duration::from_secs(60), 1024)
    }
}

impl WsLimits {
    pub fn new(ping_every: Duration, idle_timeout: Duration, max_clients: usize) -> Self {
        Self {
            ping_every,
            idle_timeout,
            max_clients,
            slots: Arc::new(Semaphore::new(max_clients)),
        }
    }

    fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.slots.clone().try_acquire_owned().map_err(|_| {
            ApiError::busy(format!(
                "{} streams are open, the most this server takes; try again later (连接数已满，请稍后重试)",
                self.max_clients
            ))
            .retry_after(5)
        })
    }

    /// Resolves once every stream has ended.
    pub async fn drained(&self) {
        let all = u32::try_from(self.max_clients).unwrap_or(u32::MAX);
        let _ = self.slots.acquire_many(all).await;
    }
}

#[derive(Deserialize)]
pub struct StreamQuery {
    since: Option<u64>,
    token: Option<String>,
}

fn limited(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
}

/// What a stream needs besides its socket.
struct Stream {
    addr: actix::Addr<ScreenActor>,
    since: Option<u64>,
    screen: String,
    limits: WsLimits,
    shutdown: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
    /// Dashboard streams: the supervisor, who may send commands on it.
    control: Option<(String, App)>,
}

/// A supervisor's command on the dashboard stream.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, tag = "type", rename_all = "snake_case")]
enum DashboardCommand {
    /// Change the calling strategy, as `PUT /api/v1/strategies/...` does.
    SetStrategy {
        #[serde(default)]
        id: Option<String>,
        /// "hall", "windows" or "reset".
        scope: String,
        #[serde(default)]
        windows: Vec<String>,
        #[serde(default)]
        strategy: Option<tingwu_actors::core::strategy::Strategy>,
        #[serde(default)]
        reason: Option<String>,
    },
}

/// Answers one dashboard command with a `command_result` frame for the
/// same socket: `{id, ok, result}`, the result being the strategies in
/// force or `{code, message}`.
async fn dashboard_command(text: &str, user: &str, app: &App) -> String {
    let frame = |ok: bool, id: Option<String>, payload: serde_json::Value| {
        serde_json::json!({
            "type": "command_result", "seq": 0, "ts": chrono::Utc::now().to_rfc3339(),
            "payload": {"id": id, "ok": ok, "result": payload}
        })
        .to_string()
    };
    let cmd: DashboardCommand = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            telemetry::rejected("ws", "bad_json");
            let message = tingwu_protocols::terminal::redact(&e.to_string());
            return frame(
                false,
                None,
                serde_json::json!({"code": "bad_json", "message": message}),
            );
        }
    };
    let DashboardCommand::SetStrategy {
        id,
        scope,
        windows,
        strategy,
        reason,
    } = cmd;
    let change = StrategyChange {
        scope,
        windows,
        strategy,
        reason,
    };
    match app.change_strategy(user, change).await {
        Ok(view) => frame(true, id, serde_json::json!(view)),
        Err(e) => {
            // On this stream every refusal by the hall is `invalid_strategy`.
            let code = match &e {
                StrategyError::Scope(_) => "bad_request",
                StrategyError::Refused(_) => "invalid_strategy",
                StrategyError::ShuttingDown => "unavailable",
            };
            if code != "unavailable" {
                telemetry::rejected("ws", code);
            }
            frame(
                false,
                id,
                serde_json::json!({"code": code, "message": e.to_string()}),
            )
        }
    }
}

fn upgrade(ws: WebSocketUpgrade, stream: Stream) -> Response {
    limited(ws)
        .on_failed_upgrade(|e| tracing::debug!(error = %e, "WebSocket upgrade failed"))
        .on_upgrade(move |socket| run(socket, stream))
}

pub async fn screen(
    State(s): State<AppState>,
    Path(screen): Path<String>,
    Query(q): Query<StreamQuery>,
    WsUpgrade(ws): WsUpgrade,
) -> Result<Response, ApiError> {
    let addr = s
        .dir
        .screens
        .get(&screen)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no screen {screen:?} (显示屏不存在)")))?;
    let slot = s.ws.slot()?;
    Ok(upgrade(
        ws,
        Stream {
            addr,
            since: q.since,
            screen,
            limits: s.ws.clone(),
            shutdown: s.shutdown.clone(),
            _slot: slot,
            control: None,
        },
    ))
}

pub async fn dashboard(
    State(s): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    WsUpgrade(ws): WsUpgrade,
) -> Result<Response, ApiError> {
    let user = supervisor(&s, &headers, q.token.as_deref())?;
    let slot = s.ws.slot()?;
    tracing::info!(user = %user, "dashboard stream opened");
    Ok(upgrade(
        ws,
        Stream {
            addr: s.dir.dashboard.clone(),
            since: q.since,
            screen: "dashboard".into(),
            limits: s.ws.clone(),
            shutdown: s.shutdown.clone(),
            _slot: slot,
            control: Some((user, s.app.clone())),
        },
    ))
}

async fn send_msg(socket: &mut WebSocket, msg: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await,
        Ok(Ok(()))
    )
}

async fn send(socket: &mut WebSocket, frame: &str) -> bool {
    send_msg(socket, Message::Text(Utf8Bytes::from(frame))).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

async fn run(mut socket: WebSocket, mut st: Stream) {
    let Ok(mut sub) = st
        .addr
        .send(Subscribe {
            since: st.since,
            capacity: CLIENT_QUEUE,
        })
        .await
    else {
        close(&mut socket, 1011, "screen unavailable").await;
        return;
    };
    let screen = st.screen.clone();
    metrics::gauge!("tingwu_ws_clients", "screen" => screen.clone()).increment(1.0);
    let mut open = true;
    for frame in sub.first.drain(..) {
        if !send(&mut socket, &frame).await {
            open = false;
            break;
        }
    }
    let mut ping =
        tokio::time::interval_at(Instant::now() + st.limits.ping_every, st.limits.ping_every);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let idle = tokio::time::sleep(st.limits.idle_timeout);
    tokio::pin!(idle);
    while open {
        tokio::select! {
            frame = sub.rx.recv() => match frame {
                Some(frame) => open = send(&mut socket, &frame).await,
                None => {
                    // Cut loose by the screen (fell behind) or shutting down:
                    // tell the client to reload a snapshot.
                    let reset: Arc<str> = Envelope::reset(0, chrono::Utc::now().to_rfc3339()).to_json().into();
                    let _ = send(&mut socket, &reset).await;
                    close(&mut socket, 1000, "reload a snapshot").await;
                    open = false;
                }
            },
            incoming = socket.recv() => {
                idle.as_mut().reset(Instant::now() + st.limits.idle_timeout);
                match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => open = false,
                    Some(Ok(Message::Text(text))) if st.control.is_some() => {
                        if let Some((user, app)) = &st.control {
                            let answer = dashboard_command(text.as_str(), user, app).await;
                            open = send(&mut socket, &answer).await;
                        }
                    }
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                        telemetry::rejected("ws", "unexpected_message");
                        let err = serde_json::json!({
                            "type": "error", "seq": 0, "ts": chrono::Utc::now().to_rfc3339(),
                            "payload": {"code": "unexpected_message", "message": "this stream takes no messages (此数据流不接收消息)"}
                        }).to_string();
                        open = send(&mut socket, &err).await;
                    }
                    Some(Ok(_)) => {} // pongs keep the stream alive; pings are answered by tungstenite
                }
            }
            _ = ping.tick() => open = send_msg(&mut socket, Message::Ping(Default::default())).await,
            _ = &mut idle => {
                tracing::debug!(screen = %screen, idle_s = st.limits.idle_timeout.as_secs(), "WebSocket client silent; closing");
                close(&mut socket, 1001, "no answer to pings").await;
                open = false;
            }
            _ = super::stopping(&mut st.shutdown) => {
                close(&mut socket, 1001, "server shutting down").await;
                open = false;
            }
        }
    }
    metrics::gauge!("tingwu_ws_clients", "screen" => screen).decrement(1.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;

    fn result(frame: &str) -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(frame).unwrap();
        assert_eq!(v["type"], "command_result");
        v["payload"].clone()
    }

    #[actix::test]
    async fn dashboard_commands_answer_with_the_streams_own_codes() {
        let (app, _keys) = demo_app();
        let answer = |text: &'static str| {
            let app = app.clone();
            async move { result(&dashboard_command(text, "admin", &app).await) }
        };
        let p = answer("{").await;
        assert_eq!(
            (p["ok"].as_bool(), p["result"]["code"].as_str()),
            (Some(false), Some("bad_json"))
        );
        let p = answer(r#"{"type":"set_strategy","id":"s1","scope":"windows"}"#).await;
        assert_eq!(p["id"], "s1");
        assert_eq!(p["result"]["code"], "bad_request");
        assert_eq!(p["result"]["message"], "list at least one window");
        let p = answer(r#"{"type":"set_strategy","id":"s2","scope":"area","windows":["1"]}"#).await;
        assert_eq!(p["result"]["code"], "bad_request");
        assert_eq!(
            p["result"]["message"],
            "unknown scope \"area\": hall, windows or reset"
        );
        // Every refusal by the hall is `invalid_strategy` here, unlike HTTP.
        let p =
            answer(r#"{"type":"set_strategy","id":"s3","scope":"reset","windows":["9999"]}"#).await;
        assert_eq!(p["result"]["code"], "invalid_strategy");
        assert_eq!(p["result"]["message"], "unknown window \"9999\"");
        let p = answer(r#"{"type":"set_strategy","id":"s4","scope":"hall"}"#).await;
        assert_eq!(p["result"]["code"], "invalid_strategy");
        let p =
            answer(r#"{"type":"set_strategy","id":"s5","scope":"reset","windows":["1"]}"#).await;
        assert_eq!(p["ok"], true, "{p}");
    }
}
