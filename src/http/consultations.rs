//! Consultations (咨询) over HTTP (issue 10):
//!
//! - `POST /api/v1/consultations`: window staff record one at their window
//!   (the caller page's `Authorization: Bearer` token, like case intake):
//!   `{"item"?, "topic"?, "department"?, "note"?}` → 201 with the
//!   consultation; an `Idempotency-Key` makes a retry answer the same one;
//! - `GET /api/v1/consultations?from=YYYY-MM-DD&to=YYYY-MM-DD`: the counts
//!   of those hall days by department, window and day (supervisors).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::bearer;
use super::error::json_body;
use super::extract::Query;
use super::{ApiError, AppState};
use crate::app::consultations::{ConsultationAppError, ConsultationRequest};

const MAX_BODY: usize = 4 * 1024;
/// The longest `Idempotency-Key`.
const MAX_KEY: usize = 64;

impl From<ConsultationAppError> for ApiError {
    fn from(e: ConsultationAppError) -> Self {
        use ConsultationAppError as E;
        let code = e.code();
        let message = e.to_string();
        match e {
            E::Auth(a) => a.into(),
            E::StaffOnly | E::SupervisorOnly => ApiError::forbidden(code, message),
            E::KeyOtherRequest(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            E::Unavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).retry_after(1)
            }
            E::Rules(_)
            | E::ItemNotAtWindow { .. }
            | E::OtherDepartment { .. }
            | E::DepartmentRequired { .. }
            | E::BadDate => ApiError::bad_request(code, message),
        }
    }
}

fn request_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_string()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad_request",
                format!("幂等键须为 1 至 {MAX_KEY} 个可打印 ASCII 字符 / Idempotency-Key must be 1-{MAX_KEY} printable ASCII characters"),
            )
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/consultations` → 201 with the consultation.
pub async fn record(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = s.app.case_caller(bearer(&headers).map(str::trim))?;
    let key = request_key(&headers)?;
    let b: Body = json_body(body, MAX_BODY).await?;
    let c = s
        .app
        .record_consultation(
            &who,
            ConsultationRequest {
                item: b.item,
                topic: b.topic,
                department: b.department,
                note: b.note,
                key,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(c))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    from: String,
    to: String,
}

/// `GET /api/v1/consultations?from=&to=` → the counts.
pub async fn counts(
    State(s): State<AppState>,
    Query(q): Query<RangeQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let who = s.app.case_caller(bearer(&headers).map(str::trim))?;
    let (app, reader) = (s.app.clone(), s.reader.clone());
    let out =
        tokio::task::spawn_blocking(move || app.consultation_counts(&who, &reader, &q.from, &q.to))
            .await
            .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))??;
    Ok(Json(json!(out)))
}
