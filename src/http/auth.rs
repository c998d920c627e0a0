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
use crate::app::sources::{KioskCredentials, Source};

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
    if basic(headers).is_some() {
        // A kiosk's credentials, not a supervisor's claim.
        Claim::Absent
    } else if headers.contains_key(axum::http::header::AUTHORIZATION) {
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

/// The payload of `Authorization: Basic …`, if the header holds one.
fn basic(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
}

/// A kiosk's credentials from `Authorization: Basic base64(kiosk:password)`
/// (RFC 7617): None without a Basic header; 400 `bad_credentials` when it
/// is not base64 of UTF-8 `user:password`.
pub fn kiosk_credentials(headers: &HeaderMap) -> Result<Option<KioskCredentials>, ApiError> {
    use base64::Engine;
    let Some(payload) = basic(headers) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            "bad_credentials",
            "Authorization: Basic must carry base64 of \"kiosk:password\" (认证信息格式错误)",
        )
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (kiosk, password) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some(KioskCredentials {
        kiosk: kiosk.to_string(),
        password: password.to_string(),
    }))
}

/// The request's source for the per-source rate limit: the peer address,
/// or — when the peer is one of `[limits] trusted_proxies` — the client its
/// `X-Forwarded-For` names past every trusted hop
/// (`core::forwarded::client_address`).
pub fn source(s: &AppState, peer: Option<std::net::SocketAddr>, headers: &HeaderMap) -> Source {
    let Some(peer) = peer else {
        return Source::Unknown;
    };
    let trusted = &s.dir.config.limits.trusted_proxies;
    if trusted.is_empty() {
        return Source::Addr(peer.ip());
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Source::Addr(tingwu_actors::core::forwarded::client_address(
        peer.ip(),
        &forwarded,
        trusted,
    ))
}
