//! The web pages, compiled into the binary so that it runs from anywhere.

use axum::extract::State;
use axum::response::Html;

use super::extract::Path;
use super::{ApiError, AppState};

const INDEX: &str = include_str!("../../dashboards/index.html");
const SCREEN: &str = include_str!("../../dashboards/screen.html");

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
