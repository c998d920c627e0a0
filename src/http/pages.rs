//! The web pages, compiled into the binary so that it runs from anywhere.

use axum::extract::State;
use axum::response::Html;

use super::extract::Path;
use super::{ApiError, AppState};

const INDEX: &str = include_str!("../../dashboards/index.html");
const SCREEN: &str = include_str!("../../dashboards/screen.html");
const CALLER: &str = include_str!("../../dashboards/caller.html");
const TICKET: &str = include_str!("../../dashboards/ticket.html");

pub async fn index() -> Html<&'static str> {
    Html(INDEX)
}

pub async fn screen(
    State(s): State<AppState>,
    Path(screen): Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    if s.dir.screens.contains_key(&screen) {
        Ok(Html(SCREEN))
    } else {
        Err(ApiError::not_found(format!(
            "no screen {screen:?} (显示屏不存在)"
        )))
    }
}

/// The software caller (虚拟叫号) of one window.
pub async fn caller(
    State(s): State<AppState>,
    Path(window): Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    if s.dir.windows.contains_key(&window) {
        Ok(Html(CALLER))
    } else {
        Err(ApiError::not_found(format!(
            "no window {window:?} (窗口不存在)"
        )))
    }
}

/// A ticket's status page for the citizen's phone; the page itself reads
/// `GET /api/v1/tickets/{id}` and says so when there is no such ticket.
pub async fn ticket(Path(_ticket): Path<String>) -> Html<&'static str> {
    Html(TICKET)
}
