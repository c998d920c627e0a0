//! `GET /api/v1/ratings/summary?from=YYYY-MM-DD&to=YYYY-MM-DD`
//! (supervisors): the 好差评 of a range of hall days for the dashboard's
//! ratings chart — `by_stars` (`[★1 … ★5]`), `rated`, `not_rated`, `bad`,
//! `satisfaction_permille` and the rest of the tally (`App::rating_summary`).
//!
//! Refusals, as for the statistics: 401 without a supervisor token; 400
//! `bad_query` (unknown parameter), `bad_date`, `bad_range`,
//! `range_too_long`; each counted in `tingwu_rejected_inputs_total`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use tingwu_actors::core::stats::RangeError;

use super::auth::supervisor;
use super::extract::Query;
use super::{ApiError, AppState};
use crate::app::rating_summary::{RatingSummary, RatingSummaryError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    from: Option<String>,
    to: Option<String>,
}

impl From<RatingSummaryError> for ApiError {
    fn from(e: RatingSummaryError) -> Self {
        let code = match &e {
            RatingSummaryError::Range(RangeError::BadDate { .. }) => "bad_date",
            RatingSummaryError::Range(RangeError::Reversed { .. }) => "bad_range",
            RatingSummaryError::Range(RangeError::TooLong { .. }) => "range_too_long",
            RatingSummaryError::Read(_) => return ApiError::unavailable(e.to_string()),
        };
        ApiError::bad_request(code, e.to_string())
    }
}

/// `GET /api/v1/ratings/summary`.
pub async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<RatingSummary>, ApiError> {
    supervisor(&s, &headers, None)?;
    let now = s.dir.clock.now();
    let (app, reader) = (s.app.clone(), s.reader.clone());
    let summary = tokio::task::spawn_blocking(move || {
        app.rating_summary(&reader, q.from.as_deref(), q.to.as_deref(), now)
    })
    .await
    .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))??;
    Ok(Json(summary))
}
