//! `GET /api/v1/tickets/{id}/evaluation`: the rating (好差评) of a
//! ticket's service — rated (stars on the one scale, the evaluator, the
//! indicators and reasons) or not rated — as stored by the rating actor.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tingwu_actors::core::rating::{Outcome, RatingRecord};
use tingwu_actors::core::ticket::parse_ticket_id;

use super::{ApiError, AppState};
use crate::storage::ReadError;

/// The JSON of a rating record: the record itself plus `stars`, `label`
/// and `label_en` of its grade (null when not rated) and the `case` (or
/// package) the ticket led to (null: none).
pub fn rating_json(r: &RatingRecord) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    let grade = r.grade();
    if let Some(o) = v.as_object_mut() {
        o.insert("ticket".into(), json!(r.service.ticket));
        o.insert("number".into(), json!(r.service.number));
        o.insert("window".into(), json!(r.service.window));
        o.insert("staff".into(), json!(r.service.staff));
        o.insert("case".into(), json!(r.service.case));
        o.insert("stars".into(), json!(grade.map(|g| g.stars())));
        o.insert("label".into(), json!(grade.map(|g| g.label_zh())));
        o.insert("label_en".into(), json!(grade.map(|g| g.label_en())));
        o.insert(
            "rated".into(),
            json!(matches!(r.outcome, Outcome::Rated { .. })),
        );
    }
    v
}

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::not_found(format!("no evaluation of ticket {id:?} (暂无评价)"));
    let (day, _, _) = parse_ticket_id(&id).ok_or_else(not_found)?;
    let reader = s.reader.clone();
    let (day, ticket) = (day.to_string(), id.clone());
    let read = tokio::task::spawn_blocking(move || reader.rating(&day, &ticket))
        .await
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?;
    match read {
        Ok(Some(r)) => Ok(Json(rating_json(&r))),
        Ok(None) => Err(not_found()),
        Err(ReadError::Unreadable { source, .. }) => Err(ApiError::unavailable(format!(
            "rating record unreadable: {source}"
        ))),
        Err(e) => Err(ApiError::unavailable(format!("storage read failed: {e}"))),
    }
}
