//! Supervisor sessions: `POST /api/v1/login` gives a bearer token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::json_body;
use super::{ApiError, AppState};

const SESSION: Duration = Duration::from_secs(8 * 3600);
const MAX_SESSIONS: usize = 10_000;

#[derive(Default)]
pub struct Sessions {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl Sessions {
    pub fn open(&self, user: &str) -> String {
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        if let Ok(mut map) = self.tokens.lock() {
            let now = Instant::now();
            map.retain(|_, (_, exp)| *exp > now);
            if map.len() < MAX_SESSIONS {
                map.insert(token.clone(), (user.to_string(), now + SESSION));
            }
        }
        token
    }

    /// The supervisor a token belongs to, if it is valid.
    pub fn user(&self, token: &str) -> Option<String> {
        let map = self.tokens.lock().ok()?;
        map.get(token)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(u, _)| u.clone())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    user: String,
    password: String,
}

pub async fn login(
    State(s): State<AppState>,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let req: LoginRequest = json_body(body, 4096).await?;
    let ok = s
        .dir
        .config
        .supervisors
        .iter()
        .any(|sup| sup.user == req.user && sup.password == req.password);
    if !ok {
        tracing::warn!(user = %req.user, "supervisor login refused");
        return Err(ApiError::unauthorized(
            "wrong user or password (用户名或密码错误)",
        ));
    }
    tracing::info!(user = %req.user, "supervisor logged in");
    let token = s.sessions.open(&req.user);
    Ok(Json(
        json!({"token": token, "expires_in": SESSION.as_secs()}),
    ))
}

/// The supervisor behind `Authorization: Bearer …` (or `?token=`).
pub fn supervisor(
    s: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<String, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = header.or(query_token).ok_or_else(|| {
        ApiError::unauthorized("a supervisor token is needed: POST /api/v1/login (需要管理员登录)")
    })?;
    s.sessions
        .user(token.trim())
        .ok_or_else(|| ApiError::unauthorized("the token is unknown or expired (登录已过期)"))
}
