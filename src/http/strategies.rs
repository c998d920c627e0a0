//! Calling strategies (叫号策略), set by supervisors at run time for the
//! whole hall, a list of windows or one window; and the audit log.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::strategy::Strategy;
use tingwu_actors::hall::Strategies;

use crate::app::strategies::StrategyChange;

use super::auth::supervisor;
use super::error::json_body;
use super::extract::{Path, Query};
use super::{ApiError, AppState};

const MAX_BODY: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallRequest {
    strategy: Strategy,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowsRequest {
    windows: Vec<String>,
    strategy: Strategy,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetQuery {
    reason: Option<String>,
}

/// `GET /api/v1/strategies`: the strategies in force (supervisors only).
pub async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Strategies>, ApiError> {
    supervisor(&s, &headers, None)?;
    Ok(Json(s.app.strategies().await?))
}

async fn change(
    s: &AppState,
    who: &str,
    scope: &str,
    windows: Vec<String>,
    strategy: Option<Strategy>,
    reason: Option<String>,
) -> Result<Json<Strategies>, ApiError> {
    let change = StrategyChange {
        scope: scope.to_string(),
        windows,
        strategy,
        reason,
    };
    Ok(Json(s.app.change_strategy(who, change).await?))
}

/// `PUT /api/v1/strategies/hall`: the default of every window without its own.
pub async fn put_hall(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: HallRequest = json_body(body, MAX_BODY).await?;
    change(&s, &who, "hall", Vec::new(), Some(req.strategy), req.reason).await
}

/// `PUT /api/v1/strategies/windows`: one strategy for a group of windows.
pub async fn put_windows(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: WindowsRequest = json_body(body, MAX_BODY).await?;
    change(
        &s,
        &who,
        "windows",
        req.windows,
        Some(req.strategy),
        req.reason,
    )
    .await
}

/// `PUT /api/v1/strategies/windows/{id}`: one window's own strategy.
pub async fn put_window(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: HallRequest = json_body(body, MAX_BODY).await?;
    change(
        &s,
        &who,
        "windows",
        vec![id],
        Some(req.strategy),
        req.reason,
    )
    .await
}

/// `DELETE /api/v1/strategies/windows/{id}`: back to the hall's strategy.
pub async fn reset_window(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ResetQuery>,
    headers: HeaderMap,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    change(&s, &who, "reset", vec![id], None, q.reason).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    limit: Option<usize>,
}

/// `GET /api/v1/audit?limit=N`: the newest audit entries (who, what, why).
pub async fn audit(
    State(s): State<AppState>,
    Query(q): Query<AuditQuery>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    supervisor(&s, &headers, None)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let reader = s.reader.clone();
    // The outbox holds them (looked back through a bounded number of
    // events); reading it is blocking work.
    let entries: Vec<Value> = tokio::task::spawn_blocking(move || reader.newest_audit(limit))
        .await
        .map_err(|e| ApiError::unavailable(format!("audit read failed: {e}")))?
        .into_iter()
        .map(|a| json!({"seq": a.seq, "ts": a.ts, "entry": a.entry}))
        .collect();
    Ok((StatusCode::OK, Json(json!({"audit": entries}))))
}
