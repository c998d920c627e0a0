//! `GET /api/v1/alarms` (active alarms), `POST /api/v1/alarms/ack`,
//! `GET /api/v1/printers` and
//! `GET /api/v1/card-readers`, for supervisors.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::alarm::{AcknowledgeError, GetAlarms};
use tingwu_actors::card_reader::GetCardReader;
use tingwu_actors::core::alarm::lifecycle::LifecycleError;
use tingwu_actors::printer::GetPrinter;

use super::auth::supervisor;
use super::error::json_body;
use super::{ApiError, AppState};
use crate::app::alarms::AlarmAckError;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckRequest {
    /// The alarm's id (`printer/P1/out_of_service`).
    id: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/alarms/ack` `{"id", "note"}` (supervisors): the alarm with
/// its acknowledgement (`acknowledged: {by, at, note}`), once durable.
/// 404 for no open alarm with that id, 409 `alarm_refused` when it is
/// acknowledged already.
pub async fn acknowledge(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let by = supervisor(&s, &headers, None)?;
    let req: AckRequest = json_body(body, 4096).await?;
    let record = s.app.acknowledge_alarm(&by, &req.id, &req.note).await?;
    Ok(Json(json!({ "alarm": record.view() })))
}

impl From<AlarmAckError> for ApiError {
    fn from(e: AlarmAckError) -> Self {
        let message = e.to_string();
        match e {
            AlarmAckError::NoteTooLong => Self::bad_request("bad_request", message),
            AlarmAckError::Refused(AcknowledgeError::NotFound(_)) => Self::not_found(message),
            AlarmAckError::Refused(AcknowledgeError::Refused(
                LifecycleError::AlreadyAcknowledged { .. } | LifecycleError::Cleared { .. },
            )) => Self::new(StatusCode::CONFLICT, "alarm_refused", message),
            AlarmAckError::Refused(AcknowledgeError::Refused(_)) => {
                Self::bad_request("alarm_refused", message)
            }
            AlarmAckError::Refused(AcknowledgeError::Storage(_)) | AlarmAckError::ShuttingDown => {
                Self::unavailable(message)
            }
        }
    }
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
