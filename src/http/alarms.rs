//! `GET /api/v1/alarms` (active alarms), `GET /api/v1/printers` and
//! `GET /api/v1/card-readers`, for supervisors.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};
use tingwu_actors::alarm::GetAlarms;
use tingwu_actors::card_reader::GetCardReader;
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

/// `GET /api/v1/card-readers`: each ID-card reader, connected or not, its
/// reads and errors, and at a window the last applicant it identified
/// (masked name and ID number only).
pub async fn card_readers(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let mut list = Vec::new();
    for r in &s.dir.config.card_readers {
        if let Some(addr) = s.dir.card_readers.get(&r.id) {
            if let Ok(v) = addr.send(GetCardReader).await {
                list.push(v);
            }
        }
    }
    Ok(Json(json!({ "card_readers": list })))
}
