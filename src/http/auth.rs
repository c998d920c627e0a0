//! Supervisor sessions over HTTP: `POST /api/v1/login` gives a bearer
//! token; handlers that need a supervisor read it with [`supervisor`]. The
//! sessions themselves live in the application layer (`app::auth`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::json_body;
use super::{ApiError, AppState};
use crate::app::auth::{Claim, SUPERVISOR_SESSION};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    user: String,
    password: String,
}

/// `POST /api/v1/login` `{"user","password"}` → `{"token","expires_in"}`
/// (seconds); 401 on a wrong password, 503 `busy` when every session slot
/// is taken.
pub async fn login(
    State(s): State<AppState>,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let req: LoginRequest = json_body(body, 4096).await?;
    // Verifying an argon2 hash is deliberately slow: off the async threads.
    let app = s.app.clone();
    let token = tokio::task::spawn_blocking(move || app.login(&req.user, &req.password))
        .await
        .map_err(|e| ApiError::unavailable(format!("login failed: {e}")))??;
    Ok(Json(
        json!({"token": token, "expires_in": SUPERVISOR_SESSION.as_secs()}),
    ))
}

/// The token of `Authorization: Bearer …`, if the header holds one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// What a request claims about its supervisor: nothing without an
/// `Authorization` header, else its bearer token (if any).
pub fn claim(headers: &HeaderMap) -> Claim {
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        Claim::Bearer(bearer(headers).map(str::to_string))
    } else {
        Claim::Absent
    }
}

/// The supervisor behind `Authorization: Bearer …` (or `?token=`); 401
/// without one or with an unknown or expired token.
pub fn supervisor(
    s: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<String, ApiError> {
    Ok(s.app.supervisor(bearer(headers).or(query_token))?)
}
