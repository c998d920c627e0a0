//! E-supervision (电子监察) over HTTP (issue 10), for supervisors:
//!
//! - `GET /api/v1/supervision`: the hall's open cases by colour (red first),
//!   with the tallies per department and per window, deadlines and working
//!   days left (`app::case_board::Board`); `?colour=red|yellow|green`,
//!   `?department=ID` and `?window=ID` narrow the case list (the tallies
//!   stay the hall's; an id the hall does not have is 400 `bad_query`);
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
    // A filter naming nothing the hall has is a typo, not "no cases".
    let cfg = &s.dir.config;
    if let Some(d) = q.department.as_deref() {
        if !cfg.departments.iter().any(|x| x.id == d) {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("no department {d:?} in this hall (部门不存在)"),
            ));
        }
    }
    if let Some(w) = q.window.as_deref() {
        if !cfg.windows.iter().any(|x| x.id == w) {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("no window {w:?} in this hall (窗口不存在)"),
            ));
        }
    }
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::Value;
    use tower::ServiceExt;

    use super::super::testing::state;
    use super::super::{router, WsLimits};

    async fn get(s: &super::AppState, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = Request::builder().uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = router(s.clone())
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[actix::test]
    async fn supervisors_only_a_bad_filter_is_refused_and_the_page_is_served() {
        let t = state(
            tingwu_actors::testing::demo_hall(),
            Default::default(),
            WsLimits::default(),
        );
        let s = &t.state;
        let (st, v) = get(s, "/api/v1/supervision", None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{v}");
        let (st, _) = get(s, "/api/v1/supervision", Some("not-a-token")).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let lead = s.app.login("lead", "demo-lead").unwrap();
        let (st, v) = get(s, "/api/v1/supervision?colour=blue", Some(&lead)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"]["code"], "bad_query");
        for typo in ["department=nope", "window=99x"] {
            let (st, v) = get(s, &format!("/api/v1/supervision?{typo}"), Some(&lead)).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{typo}: {v}");
            assert_eq!(v["error"]["code"], "bad_query");
        }
        let (st, v) = get(s, "/api/v1/supervision?colour=red", Some(&lead)).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(
            v["counts"],
            serde_json::json!({"red": 0, "yellow": 0, "green": 0})
        );
        assert_eq!(v["cases"], serde_json::json!([]));
        let resp = router(s.clone())
            .oneshot(
                Request::builder()
                    .uri("/supervision")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let page = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&page).contains("电子监察"));
    }
}
