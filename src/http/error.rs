//! API errors: `{"error":{"code","message"}}` with a 4xx/5xx status. Every
//! 4xx is a refused input and is counted in
//! `tingwu_rejected_inputs_total{channel="http",reason=code}`; a 5xx is the
//! server's own trouble (busy, timeout, storage) and is logged instead.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use serde_json::json;

use crate::app::sources::{AskerError, KioskAuthError, RateLimited};
use crate::app::{
    AuthError, NoticeError, PersonalError, StrategyError, TicketError, WindowAdminRefusal,
    WindowCommandError,
};
use crate::telemetry;
use tingwu_actors::core::ticket_source::SourceRefused;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header, for "busy, try again" answers.
    pub retry_after: Option<u32>,
    /// The `WWW-Authenticate` challenge of a 401 (RFC 7235 §3.1).
    pub challenge: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            challenge: None,
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    /// 401 for a missing or unknown bearer token (supervisor or caller
    /// session), challenging with `Bearer` (RFC 6750 §3). Basic-auth 401s
    /// (kiosks, evaluators) carry no challenge, so a page's fetch never
    /// opens the browser's password dialog.
    pub fn bearer_unauthorized(message: impl Into<String>) -> Self {
        let mut e = Self::unauthorized(message);
        e.challenge = Some("Bearer realm=\"tingwu\"");
        e
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
    /// 503 `busy`: a bounded resource is full; the client may come back.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
    }
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_client_error() {
            telemetry::rejected("http", self.code);
            tracing::debug!(status = self.status.as_u16(), code = self.code, message = %self.message, "request refused");
        } else {
            tracing::warn!(status = self.status.as_u16(), code = self.code, message = %self.message, "request not served");
        }
        let mut response = (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if let Some(c) = self.challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
        response
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let message = e.to_string();
        match e {
            AuthError::NoSupervisorToken
            | AuthError::UnknownSupervisorToken
            | AuthError::NoCallerToken
            | AuthError::UnknownCallerToken => Self::bearer_unauthorized(message),
            AuthError::WrongPassword | AuthError::WrongPin => Self::unauthorized(message),
            AuthError::SupervisorSessionsFull | AuthError::CallerSessionsFull => {
                Self::busy(message)
            }
            AuthError::UnknownWindow(_) => Self::not_found(message),
            AuthError::OtherWindow { .. } | AuthError::NotStaffWindow { .. } => {
                Self::forbidden("forbidden", message)
            }
            AuthError::NotSupervisor => Self::forbidden("supervisor_required", message),
            AuthError::NotCaller => Self::forbidden("caller_required", message),
            AuthError::LockedOut { left_s } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                    .retry_after(u32::try_from(left_s).unwrap_or(60))
            }
        }
    }
}

impl From<KioskAuthError> for ApiError {
    fn from(e: KioskAuthError) -> Self {
        let message = e.to_string();
        match e {
            KioskAuthError::Unauthorized(_) | KioskAuthError::WrongPassword(_) => {
                Self::new(StatusCode::UNAUTHORIZED, "kiosk_unauthorized", message)
            }
            KioskAuthError::Mismatch { .. } => Self::forbidden("kiosk_mismatch", message),
            KioskAuthError::LockedOut { left_s, .. } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                    .retry_after(u32::try_from(left_s).unwrap_or(60))
            }
        }
    }
}

impl From<SourceRefused> for ApiError {
    fn from(e: SourceRefused) -> Self {
        let status = match e {
            SourceRefused::PersonRequired => StatusCode::BAD_REQUEST,
            SourceRefused::ChannelNotAllowed(_)
            | SourceRefused::PasswordAtKioskOnly
            | SourceRefused::CheckInAtKioskOnly => StatusCode::FORBIDDEN,
        };
        Self::new(status, e.code(), e.to_string())
    }
}

impl From<AskerError> for ApiError {
    fn from(e: AskerError) -> Self {
        match e {
            AskerError::UnknownKiosk(_) => Self::bad_request("unknown_kiosk", e.to_string()),
            AskerError::Kiosk(e) => e.into(),
            AskerError::Auth(e) => e.into(),
            AskerError::RateLimited(e) => e.into(),
        }
    }
}

impl From<RateLimited> for ApiError {
    fn from(e: RateLimited) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            e.to_string(),
        )
        .retry_after(u32::try_from(e.retry_after_s.max(1)).unwrap_or(60))
    }
}

impl From<PersonalError> for ApiError {
    fn from(e: PersonalError) -> Self {
        Self::bad_request(e.code(), e.to_string())
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        use tingwu_actors::hall::IssueError;
        use tingwu_actors::store::StoreError;
        match e {
            TicketError::Personal(e) => e.into(),
            TicketError::Auth(e) => e.into(),
            TicketError::Priority(e) => Self::forbidden("priority_not_allowed", e.to_string()),
            TicketError::Asker(e) => e.into(),
            TicketError::Source(e) => e.into(),
            TicketError::ShuttingDown => Self::unavailable(e.to_string()),
            TicketError::Issue(e) => {
                let status = match &e {
                    IssueError::UnknownItem(_)
                    | IssueError::UnknownQueue(_)
                    | IssueError::ItemOrQueue => StatusCode::BAD_REQUEST,
                    IssueError::ItemClosed { .. }
                    | IssueError::DayOff { .. }
                    | IssueError::NoOpenWindow { .. } => StatusCode::CONFLICT,
                    IssueError::NoCalendar(_) => StatusCode::SERVICE_UNAVAILABLE,
                    IssueError::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
                    IssueError::LimitReached { .. } => StatusCode::TOO_MANY_REQUESTS,
                    IssueError::Storage(_) | IssueError::Unavailable => {
                        StatusCode::SERVICE_UNAVAILABLE
                    }
                };
                let busy = matches!(e, IssueError::Storage(StoreError::Busy));
                let err = Self::new(status, e.code(), e.to_string());
                if busy {
                    err.retry_after(1)
                } else {
                    err
                }
            }
        }
    }
}

impl From<WindowCommandError> for ApiError {
    fn from(e: WindowCommandError) -> Self {
        let message = e.to_string();
        match e {
            WindowCommandError::UnknownWindow(_) => Self::not_found(message),
            WindowCommandError::Busy { .. } => Self::busy(message).retry_after(1),
            WindowCommandError::NotYourself(_) | WindowCommandError::OtherOnDuty(_) => {
                Self::forbidden("forbidden", message)
            }
            WindowCommandError::Unavailable => Self::unavailable(message),
        }
    }
}

impl From<WindowAdminRefusal> for ApiError {
    fn from(e: WindowAdminRefusal) -> Self {
        match e {
            WindowAdminRefusal::UnknownWindow(_) => Self::not_found(e.to_string()),
            WindowAdminRefusal::Failed(_) | WindowAdminRefusal::ShuttingDown => {
                Self::unavailable(e.to_string())
            }
        }
    }
}

impl From<StrategyError> for ApiError {
    fn from(e: StrategyError) -> Self {
        use tingwu_actors::hall::StrategyChangeError as E;
        match e {
            StrategyError::Scope(e) => Self::bad_request("bad_request", e.to_string()),
            StrategyError::Refused(E::Invalid(e)) => Self::bad_request(
                "invalid_strategy",
                format!("invalid strategy (策略无效): {e}"),
            ),
            StrategyError::Refused(E::UnknownWindow(w)) => {
                Self::not_found(format!("no window {w:?} (窗口不存在)"))
            }
            StrategyError::Refused(E::Missing) => {
                Self::bad_request("bad_request", "a \"strategy\" is needed")
            }
            StrategyError::Refused(E::Storage(e)) => Self::unavailable(e.to_string()),
            StrategyError::ShuttingDown => Self::unavailable(e.to_string()),
        }
    }
}

impl From<NoticeError> for ApiError {
    fn from(e: NoticeError) -> Self {
        use tingwu_actors::core::hall_notice::NoticeRefusal;
        use tingwu_actors::notice::NoticeChangeError as E;
        use tingwu_actors::store::StoreError;
        let message = e.to_string();
        match e {
            NoticeError::Refused(E::Refused(r @ NoticeRefusal::TooManyInForce)) => {
                Self::new(StatusCode::CONFLICT, r.code(), message)
            }
            NoticeError::Refused(E::Refused(r)) => Self::bad_request(r.code(), message),
            NoticeError::Refused(E::NotFound(_)) => {
                Self::new(StatusCode::NOT_FOUND, "notice_not_found", message)
            }
            NoticeError::Refused(E::Storage(StoreError::Busy)) => {
                Self::busy(message).retry_after(1)
            }
            NoticeError::Refused(E::Storage(_)) | NoticeError::ShuttingDown => {
                Self::unavailable(message)
            }
        }
    }
}

/// Reads a body of at most `limit` bytes: 413 `payload_too_large` beyond
/// it, 400 `bad_request` if the body cannot be read (the client broke off
/// or sent a malformed chunked encoding).
pub async fn read_body(body: axum::body::Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than {limit} bytes (请求内容过大)"),
        )
    };
    let declared = axum::body::HttpBody::size_hint(&body).lower();
    if usize::try_from(declared).map_or(true, |d| d > limit) {
        return Err(too_large());
    }
    let mut out = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                "bad_request",
                format!("the request body could not be read (请求内容读取失败): {e}"),
            )
        })?;
        if out.len() + chunk.len() > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Reads a JSON body of at most `limit` bytes into `T`, with clear errors.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    body: axum::body::Body,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = read_body(body, limit).await?;
    serde_json::from_slice(&bytes).map_err(|e| bad_json(&e))
}

/// A body that is not the JSON asked for, as 400 `bad_json`:
/// `请求格式错误 / invalid JSON body: …` with serde's reason (the field and
/// the type or variants expected). The reason is redacted so it never
/// echoes a value: a phone number or a password must not reach a log that
/// way.
pub fn bad_json(e: &serde_json::Error) -> ApiError {
    let reason = tingwu_protocols::terminal::redact(&e.to_string());
    ApiError::bad_request(
        "bad_json",
        format!("请求格式错误 / invalid JSON body: {reason}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn json_errors_do_not_echo_values() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Req {
            phone: String,
        }
        let body = axum::body::Body::from(r#"{"phone": 13812345678}"#);
        let err = json_body::<Req>(body, 1024).await.unwrap_err();
        assert_eq!(err.code, "bad_json");
        assert!(!err.message.contains("13812345678"), "{}", err.message);
    }

    /// A wrong variant is answered with a Chinese lead before serde's
    /// English reason.
    #[tokio::test]
    async fn json_errors_lead_in_chinese() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[allow(dead_code)]
        enum Procedure {
            Hearing,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Req {
            procedure: Procedure,
        }
        let body = axum::body::Body::from(r#"{"procedure": "picnic"}"#);
        let err = json_body::<Req>(body, 1024).await.unwrap_err();
        assert_eq!(err.code, "bad_json");
        assert!(
            err.message.starts_with("请求格式错误 / "),
            "{}",
            err.message
        );
        assert!(err.message.contains("hearing"), "{}", err.message);
    }

    fn erroring_body(first: &'static [u8]) -> axum::body::Body {
        let parts: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
            Ok(bytes::Bytes::from_static(first)),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "client went away",
            )),
        ];
        axum::body::Body::from_stream(futures::stream::iter(parts))
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_is_a_bad_request_not_too_large() {
        let err = json_body::<serde_json::Value>(erroring_body(b"{\"item\":"), 1024)
            .await
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.code, "bad_request");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_too_large() {
        let err = read_body(axum::body::Body::from(vec![b'x'; 2000]), 1024)
            .await
            .unwrap_err();
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(err.code, "payload_too_large");
        // Streamed without a length: refused once it passes the limit.
        let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = (0..4)
            .map(|_| Ok(bytes::Bytes::from(vec![b'x'; 400])))
            .collect();
        let body = axum::body::Body::from_stream(futures::stream::iter(chunks));
        assert_eq!(
            read_body(body, 1024).await.unwrap_err().code,
            "payload_too_large"
        );
        assert_eq!(
            read_body(axum::body::Body::from("{}"), 1024).await.unwrap(),
            b"{}"
        );
    }

    #[test]
    fn busy_answers_carry_retry_after() {
        let r = ApiError::busy("storage is busy")
            .retry_after(1)
            .into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers().get(header::RETRY_AFTER).unwrap(), "1");
        let r = ApiError::not_found("x").into_response();
        assert!(r.headers().get(header::RETRY_AFTER).is_none());
    }
}
