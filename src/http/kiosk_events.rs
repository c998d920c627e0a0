//! `GET /api/v1/kiosks/{kiosk}/events?since=SEQ&epoch=E`: what happened at
//! the kiosk for its screen (an ID card read took a ticket, or none and
//! why), polled by the kiosk page with the kiosk's device password (HTTP
//! Basic). Each event is an envelope `{type, seq, ts, payload}` like the
//! WebSocket streams'; the answer is `{epoch, seq, reset, now, events}`.
//! Without `since` the page starts now (no events). Rule:
//! `tingwu_core::kiosk_feed`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::kiosk_events::KioskEventsError;

use super::auth::kiosk_credentials;
use super::extract::{Path, Query};
use super::{ApiError, AppState};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    since: Option<u64>,
    epoch: Option<u64>,
}

pub async fn list(
    State(s): State<AppState>,
    Path(kiosk): Path<String>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let given = kiosk_credentials(&headers)?;
    let page = s
        .app
        .kiosk_events(&kiosk, given.as_ref(), q.since, q.epoch)
        .await
        .map_err(|e| match e {
            KioskEventsError::UnknownKiosk(_) => ApiError::not_found(e.to_string()),
            KioskEventsError::Auth(a) => a.into(),
            KioskEventsError::Unavailable => ApiError::unavailable(e.to_string()),
        })?;
    let events: Vec<Value> = page
        .events
        .iter()
        .map(|e| {
            let mut payload = serde_json::to_value(&e.event).unwrap_or(Value::Null);
            let kind = payload
                .as_object_mut()
                .and_then(|o| o.remove("type"))
                .unwrap_or(Value::Null);
            json!({"type": kind, "seq": e.seq, "ts": e.ts, "payload": payload})
        })
        .collect();
    Ok(Json(json!({
        "epoch": page.epoch,
        "seq": page.seq,
        "reset": page.reset,
        "now": s.dir.clock.now(),
        "events": events,
    })))
}
