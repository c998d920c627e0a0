//! `GET /api/v1/tickets/{id}/evaluation`: the rating (好差评) an evaluator
//! gave a finished ticket (see `tingwu_actors::bus`).

use axum::extract::{Path, State};
use axum::Json;
use tingwu_actors::bus::Evaluation;
use tingwu_actors::core::ticket::parse_ticket_id;
use tingwu_actors::keys;

use super::{ApiError, AppState};

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Evaluation>, ApiError> {
    let not_found = || ApiError::not_found(format!("no evaluation of ticket {id:?} (暂无评价)"));
    let (day, _, _) = parse_ticket_id(&id).ok_or_else(not_found)?;
    let key = keys::evaluation(day, &id);
    let db = s.db.clone();
    let value = tokio::task::spawn_blocking(move || db.get(key))
        .await
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
        .ok_or_else(not_found)?;
    let e: Evaluation = serde_json::from_slice(&value)
        .map_err(|e| ApiError::unavailable(format!("evaluation record unreadable: {e}")))?;
    Ok(Json(e))
}
