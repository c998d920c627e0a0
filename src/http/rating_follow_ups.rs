//! 好差评 over HTTP, the supervisors' side:
//!
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
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::rating::follow_up::{FollowUpError, Person};
use tingwu_actors::rating::{Act, FollowUpActError};

use super::auth::{bearer, supervisor};
use super::error::json_body;
use super::extract::{Path, Query};
use super::ratings::BODY_LIMIT;
use super::{ApiError, AppState};
use crate::app::ratings::{FollowUpRequestError, MonthlyError};

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
            ApiError::bearer_unauthorized(
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
