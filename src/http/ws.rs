//! WebSocket streams for screens and the dashboard.
//!
//! Limits against tungstenite's defaults: small frames and messages (screens
//! send nothing of size), a bounded write buffer, a bounded per-client queue
//! in the screen actor, a send timeout, and the socket is read all the time
//! so that pings are answered and a closed client is noticed.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tingwu_actors::screen::{ScreenActor, Subscribe};
use tingwu_protocols::envelope::Envelope;

use super::auth::supervisor;
use super::{ApiError, AppState};
use crate::telemetry;

const MAX_MESSAGE: usize = 16 * 1024;
const WRITE_BUFFER: usize = 64 * 1024;
const MAX_WRITE_BUFFER: usize = 1024 * 1024;
/// Frames waiting for one client before it is cut loose.
const CLIENT_QUEUE: usize = 512;
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

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

pub async fn screen(
    State(s): State<AppState>,
    Path(screen): Path<String>,
    Query(q): Query<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let addr = s
        .dir
        .screens
        .get(&screen)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no screen {screen:?} (显示屏不存在)")))?;
    Ok(limited(ws).on_upgrade(move |socket| stream(socket, addr, q.since, screen)))
}

pub async fn dashboard(
    State(s): State<AppState>,
    Query(q): Query<StreamQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let user = supervisor(&s, &headers, q.token.as_deref())?;
    tracing::info!(user = %user, "dashboard stream opened");
    let addr = s.dir.dashboard.clone();
    Ok(limited(ws).on_upgrade(move |socket| stream(socket, addr, q.since, "dashboard".into())))
}

async fn send(socket: &mut WebSocket, frame: &str) -> bool {
    let msg = Message::Text(Utf8Bytes::from(frame));
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await,
        Ok(Ok(()))
    )
}

async fn stream(
    mut socket: WebSocket,
    addr: actix::Addr<ScreenActor>,
    since: Option<u64>,
    screen: String,
) {
    let Ok(mut sub) = addr
        .send(Subscribe {
            since,
            capacity: CLIENT_QUEUE,
        })
        .await
    else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    metrics::gauge!("tingwu_ws_clients", "screen" => screen.clone()).increment(1.0);
    let mut open = true;
    for frame in sub.first.drain(..) {
        if !send(&mut socket, &frame).await {
            open = false;
            break;
        }
    }
    while open {
        tokio::select! {
            frame = sub.rx.recv() => match frame {
                Some(frame) => open = send(&mut socket, &frame).await,
                None => {
                    // Cut loose by the screen (fell behind) or shutting down:
                    // tell the client to reload a snapshot.
                    let reset: Arc<str> = Envelope::reset(0, chrono::Utc::now().to_rfc3339()).to_json().into();
                    let _ = send(&mut socket, &reset).await;
                    let _ = socket.send(Message::Close(None)).await;
                    open = false;
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => open = false,
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    telemetry::rejected("ws", "unexpected_message");
                    let err = serde_json::json!({
                        "type": "error", "seq": 0, "ts": chrono::Utc::now().to_rfc3339(),
                        "payload": {"code": "unexpected_message", "message": "this stream takes no messages (此数据流不接收消息)"}
                    }).to_string();
                    open = send(&mut socket, &err).await;
                }
                Some(Ok(_)) => {} // ping/pong are answered by tungstenite
            },
        }
    }
    metrics::gauge!("tingwu_ws_clients", "screen" => screen).decrement(1.0);
}
