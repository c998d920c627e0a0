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

pub struct Sessions {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    max: usize,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::with_capacity(MAX_SESSIONS)
    }
}

impl Sessions {
    /// At most `max` sessions are open at once.
    pub fn with_capacity(max: usize) -> Self {
        Self {
            tokens: Mutex::new(HashMap::new()),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        // Nothing here can leave the map half-changed; a poisoned lock is
        // still a usable map.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session token for `user`, or None when every session slot is
    /// taken (expired sessions are dropped first).
    pub fn open(&self, user: &str) -> Option<String> {
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, (_, exp)| *exp > now);
        if map.len() >= self.max {
            return None;
        }
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        map.insert(token.clone(), (user.to_string(), now + SESSION));
        Some(token)
    }

    /// The supervisor a token belongs to, if it is valid.
    pub fn user(&self, token: &str) -> Option<String> {
        self.lock()
            .get(token)
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
        .any(|sup| sup.user == req.user && same_secret(&sup.password, &req.password));
    if !ok {
        tracing::warn!(user = %req.user, "supervisor login refused");
        return Err(ApiError::unauthorized(
            "wrong user or password (用户名或密码错误)",
        ));
    }
    let Some(token) = s.sessions.open(&req.user) else {
        tracing::warn!(user = %req.user, "supervisor login refused: every session slot is taken");
        return Err(ApiError::busy(
            "too many supervisor sessions are open; try again later (登录会话已满，请稍后再试)",
        ));
    };
    tracing::info!(user = %req.user, "supervisor logged in");
    Ok(Json(
        json!({"token": token, "expires_in": SESSION.as_secs()}),
    ))
}

/// Compares secrets (passwords, PINs) without an early exit, so the time
/// taken says nothing about how much of one was right.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// The supervisor behind `Authorization: Bearer …`, if the request names
/// one: `Ok(None)` without the header, 401 if the token is unknown or expired.
pub fn supervisor_if_any(s: &AppState, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        supervisor(s, headers, None).map(Some)
    } else {
        Ok(None)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_session_table_gives_no_token() {
        let sessions = Sessions::with_capacity(2);
        let a = sessions.open("admin").unwrap();
        let b = sessions.open("admin").unwrap();
        assert_ne!(a, b);
        assert_eq!(
            sessions.open("admin"),
            None,
            "no token that is never stored"
        );
        assert_eq!(sessions.user(&a).as_deref(), Some("admin"));
        assert_eq!(sessions.user(&b).as_deref(), Some("admin"));
        assert_eq!(sessions.user("forged"), None);
    }
}
