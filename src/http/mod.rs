//! HTTP + WebSocket on one port: REST under `/api/v1`, pages under `/`,
//! streams under `/ws/…`, Prometheus text at `/metrics`, `/healthz`.

mod alarms;
pub mod appointments;
mod auth;
pub mod board;
mod caller;
mod case_actions;
mod case_notice;
mod case_packages;
mod cases;
#[cfg(test)]
mod cases_tests;
mod consultations;
mod dashboard_page;
mod error;
mod evaluations;
mod extract;
mod items;
mod kiosk_events;
mod kiosk_page;
mod notices;
mod pages;
mod rating_follow_ups;
mod rating_summary;
mod ratings;
mod server;
mod stats;
mod strategies;
mod supervision;
#[cfg(test)]
mod testing;
pub(crate) mod tickets;
mod windows;
mod ws;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tingwu_actors::directory::Directory;
use tokio::sync::watch;

use crate::app::App;
pub use board::TicketBoard;
pub use error::ApiError;
pub use evaluations::rating_json;
pub use server::{serve, Limits};
pub use ws::WsLimits;

/// The longest a request may take to be answered (a WebSocket handshake
/// included; an upgraded stream is not bounded by it).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The application layer: every rule, check and route to the actors.
    pub app: App,
    /// The hall's actors, for read-only views.
    pub dir: Directory,
    /// Typed reads of the hall database (blocking: use `spawn_blocking`).
    pub reader: crate::storage::StoreReader,
    pub metrics: PrometheusHandle,
    /// False once storage has failed: `/healthz` then reports 503.
    pub healthy: Arc<AtomicBool>,
    /// Today's tickets, for `GET /api/v1/tickets/{id}`.
    pub board: Arc<TicketBoard>,
    pub ws: WsLimits,
    /// Turns true at shutdown; open WebSocket streams then close.
    pub shutdown: watch::Receiver<bool>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/tickets", post(tickets::issue))
        .route("/api/v1/tickets/{id}", get(tickets::get_ticket))
        .route("/api/v1/tickets/{id}/rejoin", post(tickets::rejoin))
        .route("/api/v1/tickets/{id}/evaluation", get(evaluations::get))
        .route("/api/v1/queues", get(windows::queues))
        .route("/api/v1/items", get(items::list))
        .route("/api/v1/windows", get(windows::list))
        .route("/api/v1/windows/{id}/enabled", put(windows::set_enabled))
        .route(
            "/api/v1/windows/{id}/session",
            post(caller::open).delete(caller::close),
        )
        .route("/api/v1/windows/{id}/commands", post(caller::command))
        .route("/api/v1/screens", get(windows::screens))
        .route("/api/v1/kiosks", get(windows::kiosks))
        .route("/api/v1/kiosks/{kiosk}/events", get(kiosk_events::list))
        .route("/api/v1/login", post(auth::login))
        .route("/api/v1/appointments", post(appointments::book))
        .route("/api/v1/appointments/slots", get(appointments::slots))
        .route("/api/v1/appointments/stats", get(appointments::stats))
        .route("/api/v1/appointments/checkin", post(appointments::checkin))
        .route("/api/v1/appointments/{code}", delete(appointments::cancel))
        .route("/api/v1/strategies", get(strategies::get))
        .route("/api/v1/strategies/hall", put(strategies::put_hall))
        .route("/api/v1/strategies/windows", put(strategies::put_windows))
        .route(
            "/api/v1/strategies/windows/{id}",
            put(strategies::put_window).delete(strategies::reset_window),
        )
        .route("/api/v1/audit", get(strategies::audit))
        .route("/api/v1/notices", post(notices::send).get(notices::list))
        .route("/api/v1/notices/{id}", delete(notices::clear))
        .route("/api/v1/alarms", get(alarms::list))
        .route("/api/v1/alarms/ack", post(alarms::acknowledge))
        .route("/api/v1/printers", get(alarms::printers))
        .route("/api/v1/card-readers", get(alarms::card_readers))
        .route("/api/v1/stats", get(stats::get))
        .route("/api/v1/cases", post(cases::intake).get(cases::list))
        .route("/api/v1/cases/{number}", get(cases::get_case))
        .route("/api/v1/cases/{number}/public", get(cases::public))
        .route("/api/v1/cases/{number}/notice", get(case_notice::page))
        .route("/api/v1/cases/{number}/notice.pdf", get(case_notice::pdf))
        .route("/api/v1/cases/{number}/{action}", post(cases::act))
        .route(
            "/api/v1/consultations",
            post(consultations::record).get(consultations::counts),
        )
        .route("/case", get(cases::page))
        .route("/evaluate/{window}", get(ratings::page))
        .route(
            "/api/v1/evaluate/{window}",
            get(ratings::prompt).post(ratings::rate),
        )
        .route(
            "/api/v1/ratings/follow-ups",
            get(rating_follow_ups::follow_ups),
        )
        .route(
            "/api/v1/ratings/follow-ups/{id}/appeal",
            post(rating_follow_ups::appeal),
        )
        .route(
            "/api/v1/ratings/follow-ups/{id}/appeal/decision",
            post(rating_follow_ups::decide),
        )
        .route(
            "/api/v1/ratings/follow-ups/{id}/{step}",
            post(rating_follow_ups::step),
        )
        .route("/api/v1/ratings/monthly", get(rating_follow_ups::monthly))
        .route("/api/v1/ratings/summary", get(rating_summary::get))
        .route("/api/v1/supervision", get(supervision::board))
        .route("/supervision", get(supervision::page))
        .route("/ws/screen/{screen}", get(ws::screen))
        .route("/ws/dashboard", get(ws::dashboard))
        .route("/", get(pages::index))
        .route("/screen/{screen}", get(pages::screen))
        .route("/caller/{window}", get(pages::caller))
        .route("/t/{ticket}", get(pages::ticket))
        .route("/dashboard", get(dashboard_page::page))
        .route("/dashboard/app.js", get(dashboard_page::script))
        .route("/dashboard/ratings.js", get(dashboard_page::ratings_script))
        .route("/dashboard/notice.js", get(dashboard_page::notice_script))
        .route(dashboard_page::ECHARTS_PATH, get(dashboard_page::echarts))
        .route(
            dashboard_page::ECHARTS_LICENSE_PATH,
            get(dashboard_page::echarts_license),
        )
        .route(
            dashboard_page::ECHARTS_NOTICE_PATH,
            get(dashboard_page::echarts_notice),
        )
        .route("/kiosk/{kiosk}", get(kiosk_page::page))
        .route("/kiosk/app.js", get(kiosk_page::script))
        .route(kiosk_page::QRCODE_PATH, get(kiosk_page::qrcode))
        .route(
            kiosk_page::QRCODE_LICENSE_PATH,
            get(kiosk_page::qrcode_license),
        )
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        // After every route: it applies to the routes already added.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        // Bounds the time to an answer, and so a WebSocket handshake; the
        // upgraded stream itself is not limited by it.
        .layer(middleware::from_fn_with_state(
            REQUEST_TIMEOUT,
            answer_within,
        ))
        .with_state(state)
}

/// Resolves once `shutdown` turns true, or its sender is gone.
pub(crate) async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns must not live across an await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}

/// Answers 503 `timeout` (JSON) when the handler takes longer than `limit`.
async fn answer_within(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%method, %path, limit_s = limit.as_secs_f64(), "request timed out");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "no answer within {} s; try again (服务器繁忙，请稍后重试)",
                    limit.as_secs()
                ),
            )
            .retry_after(1)
            .into_response()
        }
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{method} is not allowed on {} (不支持该请求方法)",
            uri.path()
        ),
    )
}

async fn metrics(axum::extract::State(s): axum::extract::State<AppState>) -> String {
    s.metrics.render()
}

async fn healthz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    if s.healthy.load(Ordering::Relaxed) {
        Ok(axum::Json(serde_json::json!({"status": "ok"})))
    } else {
        Err(ApiError::unavailable(
            "storage has failed; the server is shutting down",
        ))
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such page or API (页面不存在)")
}

#[cfg(test)]
mod tests {
    //! The router over a real listener, with the hall's actors on the
    //! in-memory store: error shapes, limits and stream liveness.

    use super::*;
    use futures::StreamExt;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite;

    use crate::app::Sessions;

    struct TestServer {
        addr: std::net::SocketAddr,
        stop: watch::Sender<bool>,
        server: tokio::task::JoinHandle<()>,
        _dir: tempfile::TempDir,
    }

    async fn start(sessions: Sessions, ws: WsLimits) -> TestServer {
        let testing::TestState {
            state,
            stop,
            _dir: tmp,
        } = testing::state(tingwu_actors::testing::demo_hall(), sessions, ws);
        let shutdown = state.shutdown.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, router(state), Limits::default(), shutdown));
        TestServer {
            addr,
            stop,
            server,
            _dir: tmp,
        }
    }

    struct Answer {
        status: u16,
        head: String,
        json: serde_json::Value,
    }

    async fn request(
        addr: std::net::SocketAddr,
        method: &str,
        path: &str,
        extra: &str,
        body: &str,
    ) -> Answer {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\n{extra}\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
            .await
            .expect("no answer")
            .unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head[9..12].parse().unwrap();
        Answer {
            status,
            head: head.to_ascii_lowercase(),
            json: serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        }
    }

    fn code(a: &Answer) -> &str {
        a.json["error"]["code"].as_str().unwrap_or("")
    }

    #[actix::test]
    async fn axum_rejections_answer_in_the_json_error_shape() {
        let t = start(Sessions::default(), WsLimits::default()).await;
        let a = request(t.addr, "DELETE", "/api/v1/tickets", "", "").await;
        assert_eq!((a.status, code(&a)), (405, "method_not_allowed"));
        assert!(a.head.contains("allow: post"), "{}", a.head);
        let a = request(t.addr, "POST", "/healthz", "", "").await;
        assert_eq!((a.status, code(&a)), (405, "method_not_allowed"));
        let a = request(t.addr, "GET", "/ws/screen/hall?since=abc", "", "").await;
        assert_eq!((a.status, code(&a)), (400, "bad_query"));
        let a = request(t.addr, "GET", "/ws/screen/hall", "", "").await;
        assert_eq!((a.status, code(&a)), (400, "bad_websocket_upgrade"));
        let a = request(t.addr, "GET", "/api/v1/tickets/%FF%FE", "", "").await;
        assert_eq!((a.status, code(&a)), (400, "bad_path"));
        let a = request(t.addr, "GET", "/nowhere", "", "").await;
        assert_eq!((a.status, code(&a)), (404, "not_found"));
        assert!(a.json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }

    #[tokio::test]
    async fn a_slow_answer_is_a_json_503_timeout() {
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "ok" }))
            .layer(middleware::from_fn_with_state(
                Duration::from_millis(100),
                answer_within,
            ));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (_stop, shutdown) = watch::channel(false);
        tokio::spawn(serve(listener, app, Limits::default(), shutdown));
        let a = request(addr, "GET", "/slow", "", "").await;
        assert_eq!((a.status, code(&a)), (503, "timeout"));
        assert!(a.head.contains("retry-after: 1"), "{}", a.head);
        assert_eq!(request(addr, "GET", "/quick", "", "").await.status, 200);
    }

    #[actix::test]
    async fn login_with_every_session_taken_is_busy() {
        let t = start(Sessions::with_capacity(1), WsLimits::default()).await;
        let body = r#"{"user":"admin","password":"demo-admin"}"#;
        let a = request(t.addr, "POST", "/api/v1/login", "", body).await;
        assert_eq!(a.status, 200);
        let token = a.json["token"].as_str().unwrap().to_string();
        let a = request(t.addr, "POST", "/api/v1/login", "", body).await;
        assert_eq!((a.status, code(&a)), (503, "busy"));
        // The token given out works.
        let a = request(
            t.addr,
            "PUT",
            "/api/v1/windows/1/enabled",
            &format!("Authorization: Bearer {token}\r\n"),
            r#"{"enabled":true}"#,
        )
        .await;
        assert_eq!(a.status, 200, "{:?}", a.json);
    }

    #[actix::test]
    async fn websocket_streams_beyond_the_cap_are_refused_before_upgrading() {
        let t = start(
            Sessions::default(),
            WsLimits::new(Duration::from_secs(20), Duration::from_secs(60), 1),
        )
        .await;
        let url = format!("ws://{}/ws/screen/hall", t.addr);
        let (mut first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let snapshot = first.next().await.unwrap().unwrap();
        assert!(snapshot.is_text());
        match tokio_tungstenite::connect_async(&url).await {
            Err(tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 503);
                let body: serde_json::Value =
                    serde_json::from_slice(r.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(body["error"]["code"], "busy");
            }
            other => panic!("second stream not refused: {other:?}"),
        }
        // A closed stream frees its slot.
        first.close(None).await.unwrap();
        drop(first);
        let mut reopened = None;
        for _ in 0..100 {
            if let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await {
                reopened = Some(ws);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(reopened.is_some(), "slot not freed");
    }

    #[actix::test]
    async fn silent_websocket_clients_are_closed_and_answering_ones_kept() {
        let t = start(
            Sessions::default(),
            WsLimits::new(Duration::from_millis(100), Duration::from_millis(400), 8),
        )
        .await;
        let url = format!("ws://{}/ws/screen/hall", t.addr);
        let (mut alive, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let (mut silent, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        // The live client reads (and so answers pings) for 1.5 s.
        let reader = tokio::spawn(async move {
            let mut pings = 0;
            let end = tokio::time::Instant::now() + Duration::from_millis(1500);
            while let Ok(frame) = tokio::time::timeout_at(end, alive.next()).await {
                match frame {
                    Some(Ok(tungstenite::Message::Ping(_))) => pings += 1,
                    Some(Ok(tungstenite::Message::Text(_))) => {}
                    other => panic!("live client lost its stream: {other:?}"),
                }
            }
            pings
        });
        // The silent one reads nothing meanwhile, so it answers no ping.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        // What it finds then: the snapshot, the pings it left unanswered,
        // and the end of the stream (a close frame, or a reset when its
        // late pongs hit the closed socket). A stream still open would go
        // on with a ping every 100 ms.
        let ended = tokio::time::timeout(Duration::from_secs(3), async {
            loop {
                match silent.next().await {
                    Some(Ok(tungstenite::Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "silent client not closed");
        let pings = reader.await.unwrap();
        assert!(pings >= 5, "only {pings} pings in 1.5 s");
    }

    #[actix::test]
    async fn shutdown_closes_open_streams() {
        let t = start(Sessions::default(), WsLimits::default()).await;
        let url = format!("ws://{}/ws/screen/hall", t.addr);
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        assert!(ws.next().await.unwrap().unwrap().is_text());
        t.stop.send(true).unwrap();
        let close = tokio::time::timeout(Duration::from_secs(3), async {
            loop {
                match ws.next().await {
                    Some(Ok(tungstenite::Message::Close(f))) => {
                        return f.map(|f| u16::from(f.code))
                    }
                    Some(Ok(_)) => continue,
                    _ => return None,
                }
            }
        })
        .await
        .expect("stream not closed at shutdown");
        assert_eq!(close, Some(1001));
        tokio::time::timeout(Duration::from_secs(5), t.server)
            .await
            .unwrap()
            .unwrap();
    }
}
