//! Calling strategies (叫号策略), set by supervisors at run time for the
//! whole hall, a list of windows or one window; and the audit log.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::strategy::Strategy;
use tingwu_actors::hall::{
    ChangeStrategy, GetStrategies, Strategies, StrategyChangeError, StrategyScope,
};

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

pub async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Strategies>, ApiError> {
    supervisor(&s, &headers, None)?;
    let view = s
        .dir
        .hall
        .send(GetStrategies)
        .await
        .map_err(|_| ApiError::unavailable("the hall is shutting down"))?;
    Ok(Json(view))
}

async fn change(
    s: &AppState,
    scope: StrategyScope,
    strategy: Option<Strategy>,
    who: String,
    reason: Option<String>,
) -> Result<Json<Strategies>, ApiError> {
    let res = s
        .dir
        .hall
        .send(ChangeStrategy {
            scope,
            strategy,
            who,
            reason,
        })
        .await
        .map_err(|_| ApiError::unavailable("the hall is shutting down"))?;
    res.map(Json).map_err(|e| match e {
        StrategyChangeError::Invalid(e) => ApiError::bad_request(
            "invalid_strategy",
            format!("invalid strategy (策略无效): {e}"),
        ),
        StrategyChangeError::UnknownWindow(w) => {
            ApiError::not_found(format!("no window {w:?} (窗口不存在)"))
        }
        StrategyChangeError::Missing => {
            ApiError::bad_request("bad_request", "a \"strategy\" is needed")
        }
        StrategyChangeError::Storage(e) => ApiError::unavailable(e.to_string()),
    })
}

/// `PUT /api/v1/strategies/hall`: the default of every window without its own.
pub async fn put_hall(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: HallRequest = json_body(body, MAX_BODY).await?;
    change(&s, StrategyScope::Hall, Some(req.strategy), who, req.reason).await
}

/// `PUT /api/v1/strategies/windows`: one strategy for a group of windows.
pub async fn put_windows(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Strategies>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: WindowsRequest = json_body(body, MAX_BODY).await?;
    if req.windows.is_empty() {
        return Err(ApiError::bad_request(
            "bad_request",
            "list at least one window",
        ));
    }
    let scope = StrategyScope::Windows(req.windows);
    change(&s, scope, Some(req.strategy), who, req.reason).await
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
        StrategyScope::Windows(vec![id]),
        Some(req.strategy),
        who,
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
    change(&s, StrategyScope::Reset(vec![id]), None, who, q.reason).await
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
