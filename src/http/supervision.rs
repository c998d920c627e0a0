//! E-supervision (电子监察) over HTTP (issue 10), for supervisors:
//!
//! - `GET /api/v1/supervision`: the hall's open cases by colour (red first),
//!   with the tallies per department and per window, deadlines and working
//!   days left (`app::case_board::Board`); `?colour=red|yellow|green`,
//!   `?department=ID` and `?window=ID` narrow the case list (the tallies
//!   stay the hall's);
//! - `GET /supervision`: the page (`dashboards/supervision.html`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use tingwu_actors::core::case::supervision::Colour;

use super::auth::supervisor;
use super::extract::Query;
use super::{ApiError, AppState};
use crate::app::case_board::Board;

const PAGE: &str = include_str!("../../dashboards/supervision.html");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    #[serde(default)]
    colour: Option<Colour>,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    window: Option<String>,
}

/// `GET /api/v1/supervision` (supervisor token).
pub async fn board(
    State(s): State<AppState>,
    Query(q): Query<BoardQuery>,
    headers: HeaderMap,
) -> Result<Json<Board>, ApiError> {
    supervisor(&s, &headers, None)?;
    let mut board = s.app.case_board().await?;
    board.cases.retain(|c| {
        q.colour.is_none_or(|k| c.colour == k)
            && q.department.as_ref().is_none_or(|d| *d == c.department)
            && q.window
                .as_ref()
                .is_none_or(|w| c.window.as_ref() == Some(w))
    });
    Ok(Json(board))
}

/// `GET /supervision`: the supervision page.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}
