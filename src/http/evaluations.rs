//! `GET /api/v1/tickets/{id}/evaluation`: the rating (好差评) an evaluator
//! gave a finished ticket (see `tingwu_actors::bus`).

use axum::extract::{Path, State};
use axum::Json;
use tingwu_actors::bus::Evaluation;
use tingwu_actors::core::ticket::parse_ticket_id;

use super::{ApiError, AppState};
use crate::storage::ReadError;

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Evaluation>, ApiError> {
    let not_found = || ApiError::not_found(format!("no evaluation of ticket {id:?} (暂无评价)"));
    let (day, _, _) = parse_ticket_id(&id).ok_or_else(not_found)?;
    let reader = s.reader.clone();
    let (day, ticket) = (day.to_string(), id.clone());
    let read = tokio::task::spawn_blocking(move || reader.evaluation(&day, &ticket))
        .await
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?;
    match read {
        Ok(Some(e)) => Ok(Json(e)),
        Ok(None) => Err(not_found()),
        Err(ReadError::Unreadable { source, .. }) => Err(ApiError::unavailable(format!(
            "evaluation record unreadable: {source}"
        ))),
        Err(e) => Err(ApiError::unavailable(format!("storage read failed: {e}"))),
    }
}
