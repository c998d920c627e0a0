//! `GET /api/v1/alarms` (active alarms) and `GET /api/v1/printers`, for
//! supervisors.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use tingwu_actors::alarm::GetAlarms;
use tingwu_actors::printer::GetPrinter;

use super::auth::supervisor;
use super::{ApiError, AppState};

pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let alarms = s
        .dir
        .alarms
        .send(GetAlarms)
        .await
        .map_err(|_| ApiError::unavailable("the hall is shutting down"))?;
    Ok(Json(json!({ "alarms": alarms })))
}

pub async fn printers(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let mut list = Vec::new();
    for p in &s.dir.config.printers {
        if let Some(addr) = s.dir.printers.get(&p.id) {
            if let Ok(v) = addr.send(GetPrinter).await {
                list.push(v);
            }
        }
    }
    Ok(Json(json!({ "printers": list })))
}
