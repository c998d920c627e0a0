//! 好差评 over HTTP:
//!
//! - `GET /evaluate/{window}`: the evaluator tablet's page;
//! - `GET /api/v1/evaluate/{window}` (the window's evaluator device, HTTP
//!   Basic `device:password`): the prompt open now, if any;
//! - `POST /api/v1/evaluate/{window}` `{"stars": 1..5, "efficiency"?,
//!   "level"?, "attitude"?, "reasons"?}` (the same device): rates the
//!   service open at the window. A staff member's caller token or a
//!   supervisor's token is refused (403 `staff_cannot_rate`);
//! - `GET /api/v1/ratings/follow-ups[?all=true]` (supervisors): the
//!   follow-ups of bad ratings with `colour` (red: overdue) and `due`;
//! - `POST /api/v1/ratings/follow-ups/{id}/{callback|rectification|feedback}`
//!   `{"text", "by"?, "at"?}` (supervisors; `by` is who called back or
//!   acted, the supervisor by default; `at` when, the hall clock's now by
//!   default, never in the future);
//! - `POST …/{id}/appeal` `{"reason"}` (staff, with their caller token);
//! - `POST …/{id}/appeal/decision` `{"upheld", "reason"}` (supervisors);
//! - `GET /api/v1/ratings/monthly?month=YYYY-MM` (supervisors): tallies
//!   and rankings by window and staff member.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::rating::follow_up::{FollowUpError, Person};
use tingwu_actors::core::rating::grade::{Indicators, RatingGrade};
use tingwu_actors::core::rating::record::Channel;
use tingwu_actors::core::rating::Rater;
use tingwu_actors::rating::{Act, FollowUpActError};

use super::auth::{bearer, kiosk_credentials, supervisor};
use super::error::json_body;
use super::evaluations::rating_json;
use super::extract::{Path, Query};
use super::{ApiError, AppState};
use crate::app::evaluations::{EvaluationError, RatingInput};
use crate::app::ratings::{EvaluatorAuthError, FollowUpRequestError, MonthlyError};

const PAGE: &str = include_str!("../../dashboards/evaluate.html");
const BODY_LIMIT: usize = 8 * 1024;

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

fn follow_up_error(e: FollowUpRequestError) -> ApiError {
    let m = e.to_string();
    match e {
        FollowUpRequestError::Unavailable => ApiError::unavailable(m),
        FollowUpRequestError::Future => ApiError::bad_request("bad_time", m),
        FollowUpRequestError::Act(FollowUpActError::NotFound(_)) => ApiError::not_found(m),
        FollowUpRequestError::Act(FollowUpActError::Storage(_)) => ApiError::busy(m).retry_after(1),
        FollowUpRequestError::Act(FollowUpActError::Refused(r)) => {
            let code = match r {
                FollowUpError::OutOfOrder { .. } => "step_out_of_order",
                FollowUpError::Closed => "follow_up_closed",
                FollowUpError::Excluded => "follow_up_excluded",
                FollowUpError::EmptyText { .. } | FollowUpError::EmptyReason => "text_required",
                FollowUpError::AppealExists => "appeal_exists",
                FollowUpError::NoAppeal => "no_appeal",
                FollowUpError::AppealDecided => "appeal_decided",
                FollowUpError::NotStaff | FollowUpError::NotSupervisor => {
                    return ApiError::forbidden("wrong_role", m)
                }
                FollowUpError::NotBad | FollowUpError::ClockBehind { .. } => "follow_up_refused",
                FollowUpError::Calendar(_) => return ApiError::unavailable(m),
            };
            if code == "text_required" {
                ApiError::bad_request(code, m)
            } else {
                ApiError::new(StatusCode::CONFLICT, code, m)
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/ratings/follow-ups`.
pub async fn follow_ups(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let list = s.app.follow_ups(q.all).await.map_err(follow_up_error)?;
    Ok(Json(
        json!({ "follow_ups": list, "now": s.dir.clock.now() }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    text: String,
    /// Who did it (a supervisor or staff id); the signed-in supervisor
    /// when absent.
    by: Option<String>,
    /// When it was done (RFC 3339); now when absent, never in the future.
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `POST /api/v1/ratings/follow-ups/{id}/{step}`.
pub async fn step(
    State(s): State<AppState>,
    Path((id, step)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let user = supervisor(&s, &headers, None)?;
    let b: StepBody = json_body(body, BODY_LIMIT).await?;
    let by = Person::Supervisor(b.by.unwrap_or(user));
    let act = match step.as_str() {
        "callback" => Act::CallBack { by, found: b.text },
        "rectification" => Act::Rectify {
            by,
            changed: b.text,
        },
        "feedback" => Act::Feedback { by, told: b.text },
        _ => {
            return Err(ApiError::not_found(format!(
                "no follow-up step {step:?}: callback, rectification or feedback (无此步骤)"
            )))
        }
    };
    let v = s
        .app
        .act_on_follow_up(&id, act, b.at)
        .await
        .map_err(follow_up_error)?;
    Ok(Json(json!(v)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    reason: String,
}

/// `POST /api/v1/ratings/follow-ups/{id}/appeal` (staff).
pub async fn appeal(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let staff = bearer(&headers)
        .and_then(|t| s.app.staff_of_caller_token(t))
        .ok_or_else(|| {
            ApiError::unauthorized(
                "an appeal is filed by staff with their caller token / 申诉须由窗口人员登录后提出",
            )
        })?;
    let b: AppealBody = json_body(body, BODY_LIMIT).await?;
    let act = Act::Appeal {
        by: Person::Staff(staff),
        reason: b.reason,
    };
    let v = s
        .app
        .act_on_follow_up(&id, act, None)
        .await
        .map_err(follow_up_error)?;
    Ok(Json(json!(v)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    upheld: bool,
    reason: String,
}

/// `POST /api/v1/ratings/follow-ups/{id}/appeal/decision` (supervisors).
pub async fn decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let user = supervisor(&s, &headers, None)?;
    let b: DecisionBody = json_body(body, BODY_LIMIT).await?;
    let act = Act::Decide {
        by: Person::Supervisor(user),
        upheld: b.upheld,
        reason: b.reason,
    };
    let v = s
        .app
        .act_on_follow_up(&id, act, None)
        .await
        .map_err(follow_up_error)?;
    Ok(Json(json!(v)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    month: Option<String>,
}

/// `GET /api/v1/ratings/monthly?month=YYYY-MM` (this month without it).
pub async fn monthly(
    State(s): State<AppState>,
    Query(q): Query<MonthQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let now = s.dir.clock.now();
    let month = q.month.unwrap_or_else(|| {
        now.with_timezone(&s.dir.config.tz())
            .format("%Y-%m")
            .to_string()
    });
    let (app, reader) = (s.app.clone(), s.reader.clone());
    let out = tokio::task::spawn_blocking(move || app.monthly_ratings(&reader, &month, now))
        .await
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
        .map_err(|e| match e {
            MonthlyError::BadMonth => ApiError::bad_request("bad_month", e.to_string()),
            MonthlyError::Read(r) => ApiError::unavailable(format!("storage read failed: {r}")),
        })?;
    Ok(Json(json!(out)))
}
