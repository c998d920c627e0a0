//! 好差评 over HTTP, the evaluators' side (the supervisors' follow-ups
//! and monthly ranking are in `rating_follow_ups.rs`):
//!
//! - `GET /evaluate/{window}`: the evaluator tablet's page;
//! - `GET /api/v1/evaluate/{window}` (the window's evaluator device, HTTP
//!   Basic `device:password`): the prompt open now, if any;
//! - `POST /api/v1/evaluate/{window}` `{"stars": 1..5, "efficiency"?,
//!   "level"?, "attitude"?, "reasons"?}` (the same device): rates the
//!   service open at the window. A staff member's caller token or a
//!   supervisor's token is refused (403 `staff_cannot_rate`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::rating::grade::{Indicators, RatingGrade};
use tingwu_actors::core::rating::record::Channel;
use tingwu_actors::core::rating::Rater;

use super::auth::{bearer, kiosk_credentials};
use super::error::json_body;
use super::evaluations::rating_json;
use super::extract::Path;
use super::{ApiError, AppState};
use crate::app::evaluations::{EvaluationError, RatingInput};
use crate::app::ratings::EvaluatorAuthError;

const PAGE: &str = include_str!("../../dashboards/evaluate.html");
/// Largest body of a rating or a follow-up step.
pub(super) const BODY_LIMIT: usize = 8 * 1024;

/// The evaluator tablet's page of one window.
pub async fn page(
    State(s): State<AppState>,
    Path(window): Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    if s.dir.windows.contains_key(&window) {
        Ok(Html(PAGE))
    } else {
        Err(ApiError::not_found(format!(
            "no window {window:?} (窗口不存在)"
        )))
    }
}

fn evaluator_error(e: EvaluatorAuthError) -> ApiError {
    let m = e.to_string();
    match e {
        EvaluatorAuthError::Missing | EvaluatorAuthError::Wrong => ApiError::unauthorized(m),
        EvaluatorAuthError::OtherWindow { .. } => ApiError::forbidden("evaluator_other_window", m),
        EvaluatorAuthError::LockedOut { left_s } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", m)
                .retry_after(u32::try_from(left_s).unwrap_or(60))
        }
    }
}

fn evaluation_error(e: EvaluationError) -> ApiError {
    let (code, m) = (e.code(), e.to_string());
    match e {
        EvaluationError::UnknownWindow(_) => ApiError::not_found(m),
        EvaluationError::NoPrompt(_) => ApiError::new(StatusCode::CONFLICT, code, m),
        EvaluationError::Refused(tingwu_actors::core::rating::RatingRefusal::Staff) => {
            ApiError::forbidden(code, m)
        }
        EvaluationError::Refused(tingwu_actors::core::rating::RatingRefusal::Reasons(_)) => {
            ApiError::bad_request(code, m)
        }
        EvaluationError::Refused(_) => ApiError::new(StatusCode::CONFLICT, code, m),
        EvaluationError::Unavailable => ApiError::unavailable(m),
        EvaluationError::Storage(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, m).retry_after(1)
        }
    }
}

/// Who sends a rating: a staff member or supervisor by their token
/// (refused by the rule), else the window's evaluator device.
fn rater(s: &AppState, window: &str, headers: &HeaderMap) -> Result<Rater, ApiError> {
    if let Some(token) = bearer(headers) {
        if let Some(staff) = s.app.staff_of_caller_token(token) {
            return Ok(Rater::Staff(staff));
        }
        if let Ok(user) = s.app.supervisor(Some(token)) {
            return Ok(Rater::Staff(user));
        }
        return Err(ApiError::unauthorized(
            "unknown token; the evaluator signs in with HTTP Basic / 认证无效",
        ));
    }
    let given = kiosk_credentials(headers)?;
    let device = s
        .app
        .authenticate_evaluator(window, given.as_ref())
        .map_err(evaluator_error)?;
    Ok(Rater::Device(device))
}

/// `GET /api/v1/evaluate/{window}`: the prompt open now for the tablet.
pub async fn prompt(
    State(s): State<AppState>,
    Path(window): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let given = kiosk_credentials(&headers)?;
    s.app
        .authenticate_evaluator(&window, given.as_ref())
        .map_err(evaluator_error)?;
    let p = s
        .app
        .rating_prompt(&window)
        .await
        .map_err(evaluation_error)?;
    let timeout_s = s.dir.config.supervision.rating.prompt_timeout_s;
    let now = s.dir.clock.now();
    let open = p.as_ref().filter(|p| {
        p.record.is_none() && now - p.prompt.at <= chrono::Duration::seconds(timeout_s.into())
    });
    let staff_name = |id: &str| {
        s.dir
            .config
            .staff
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.name.clone())
    };
    Ok(Json(json!({
        "window": window,
        "open": open.is_some(),
        "ticket": open.map(|p| &p.prompt.service.ticket),
        "number": open.map(|p| &p.prompt.service.number),
        "staff": open.and_then(|p| p.prompt.service.staff.as_deref()).and_then(staff_name),
        "expires_at": open.map(|p| p.prompt.at + chrono::Duration::seconds(timeout_s.into())),
        "timeout_s": timeout_s,
        "now": now,
    })))
}

fn grade_of(v: Option<i64>, field: &'static str) -> Result<Option<RatingGrade>, ApiError> {
    v.map(|n| {
        RatingGrade::from_stars(n)
            .map_err(|e| ApiError::bad_request("bad_grade", format!("{field}: {e}")))
    })
    .transpose()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// 整体满意度, 1 (非常不满意) to 5 (非常满意).
    stars: i64,
    /// 服务效率.
    efficiency: Option<i64>,
    /// 服务水平.
    level: Option<i64>,
    /// 服务态度.
    attitude: Option<i64>,
    #[serde(default)]
    reasons: Vec<String>,
}

/// `POST /api/v1/evaluate/{window}`: 201 with the stored rating.
pub async fn rate(
    State(s): State<AppState>,
    Path(window): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let rater = rater(&s, &window, &headers)?;
    let b: RateBody = json_body(body, BODY_LIMIT).await?;
    let input = RatingInput {
        grade: grade_of(Some(b.stars), "stars")?.unwrap_or(RatingGrade::Basic),
        indicators: Indicators {
            efficiency: grade_of(b.efficiency, "efficiency")?,
            level: grade_of(b.level, "level")?,
            attitude: grade_of(b.attitude, "attitude")?,
        },
        reasons: b.reasons,
    };
    let r = s
        .app
        .rate(&window, input, rater, Channel::Tablet)
        .await
        .map_err(evaluation_error)?;
    Ok((StatusCode::CREATED, Json(rating_json(&r))))
}
