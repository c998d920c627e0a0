//! The acceptance notice (受理通知书) of a case over HTTP (issue 10):
//!
//! - `GET /api/v1/cases/{number}/notice`: the printable page (HTML, zh-CN
//!   with an English toggle, print CSS);
//! - `GET /api/v1/cases/{number}/notice.pdf`: the same as an A4 PDF
//!   (`application/pdf`), in the `[documents] font`.
//!
//! Both with the bearer token of a window's caller session (staff of the
//! case's department) or a supervisor, like `GET /api/v1/cases/{number}`.
//! The QR code holds the citizen's query link, `/case?n={number}` under
//! `[ticket] status_base_url`, else under the address the request came to.
//! Refusals: those of reading a case, `case_not_accepted` (409) for a case
//! only received, `pdf_font_missing` / `pdf_font_unusable` (503, naming
//! the setting; the page still works).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::auth::bearer;
use super::extract::Path;
use super::{ApiError, AppState};
use crate::app::case_notice::CaseNoticeError;
use crate::app::cases::CaseCaller;
use crate::documents::{self, DocumentError};

impl From<CaseNoticeError> for ApiError {
    fn from(e: CaseNoticeError) -> Self {
        let code = e.code();
        let message = e.to_string();
        match e {
            CaseNoticeError::Case(c) => c.into(),
            CaseNoticeError::NotAccepted => ApiError::new(StatusCode::CONFLICT, code, message),
            CaseNoticeError::Document(DocumentError::Render(_)) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, code, message)
            }
            CaseNoticeError::Document(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
            }
        }
    }
}

fn caller(s: &AppState, headers: &HeaderMap) -> Result<CaseCaller, ApiError> {
    Ok(s.app.case_caller(bearer(headers).map(str::trim))?)
}

/// Whether `host` looks like a host (and port) only: letters, digits and
/// `.-:[]`, so a forged `Host` cannot put anything else in the QR link.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// The citizen's query link of `number`: under `[ticket]
/// status_base_url`, else under the request's `Host`, else relative.
fn query_url(s: &AppState, headers: &HeaderMap, number: &str) -> String {
    let base = match &s.dir.config.ticket.status_base_url {
        Some(b) => b.trim_end_matches('/').to_string(),
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| plain_host(h))
            .map(|h| format!("http://{h}"))
            .unwrap_or_default(),
    };
    format!("{base}/case?n={number}")
}

/// `GET /api/v1/cases/{number}/notice` → the printable page.
pub async fn page(
    State(s): State<AppState>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let who = caller(&s, &headers)?;
    let notice = s.app.case_notice(&who, &number).await?;
    let url = query_url(&s, &headers, &notice.number);
    let html = documents::notice_html(&notice, &url).map_err(CaseNoticeError::from)?;
    Ok(Html(html))
}

/// `GET /api/v1/cases/{number}/notice.pdf` → `application/pdf`, shown
/// inline as `受理通知书-{number}.pdf`.
pub async fn pdf(
    State(s): State<AppState>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = caller(&s, &headers)?;
    let url = query_url(&s, &headers, &number);
    let bytes = s.app.case_notice_pdf(&who, &number, url).await?;
    // The number is checked by the case actor (it found the case), so it
    // is plain ASCII; the header falls back to a fixed name otherwise.
    let disposition = HeaderValue::from_str(&format!(
        "inline; filename=\"notice-{number}.pdf\"; filename*=UTF-8''%E5%8F%97%E7%90%86%E9%80%9A%E7%9F%A5%E4%B9%A6-{number}.pdf"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("inline; filename=\"notice.pdf\""));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::plain_host;

    #[test]
    fn only_a_plain_host_goes_into_the_qr_link() {
        assert!(plain_host("127.0.0.1:8080"));
        assert!(plain_host("hall.example.cn"));
        assert!(plain_host("[::1]:8080"));
        for bad in ["", "evil.com/phish?x=", "a b", "x\"onload=", "h@st"] {
            assert!(!plain_host(bad), "{bad}");
        }
    }
}
