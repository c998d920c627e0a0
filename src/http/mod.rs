//! HTTP + WebSocket on one port: REST under `/api/v1`, pages under `/`,
//! streams under `/ws/…`, Prometheus text at `/metrics`, `/healthz`.

mod auth;
mod error;
mod pages;
mod tickets;
mod windows;
mod ws;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post, put};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tingwu_actors::hall::Directory;
use tower_http::timeout::TimeoutLayer;

use crate::storage::Sealer;
pub use auth::Sessions;
pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub dir: Directory,
    pub db: sled::Db,
    pub sealer: Arc<Sealer>,
    pub sessions: Arc<Sessions>,
    pub metrics: PrometheusHandle,
    /// False once storage has failed: `/healthz` then reports 503.
    pub healthy: Arc<AtomicBool>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/tickets", post(tickets::issue))
        .route("/api/v1/tickets/{id}", get(tickets::get_ticket))
        .route("/api/v1/queues", get(windows::queues))
        .route("/api/v1/items", get(windows::items))
        .route("/api/v1/windows", get(windows::list))
        .route("/api/v1/windows/{id}/enabled", put(windows::set_enabled))
        .route("/api/v1/screens", get(windows::screens))
        .route("/api/v1/kiosks", get(windows::kiosks))
        .route("/api/v1/login", post(auth::login))
        .route("/ws/screen/{screen}", get(ws::screen))
        .route("/ws/dashboard", get(ws::dashboard))
        .route("/", get(pages::index))
        .route("/screen/{screen}", get(pages::screen))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        // Bounds the time to an answer, and so a WebSocket handshake; the
        // upgraded stream itself is not limited by it.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(10),
        ))
        .with_state(state)
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
