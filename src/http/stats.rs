//! `GET /api/v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]`: the
//! hall's statistics (数据统计) for supervisors — the report of
//! `tingwu_core::stats` as JSON, or as one CSV table (one row per group or
//! staff member; UTF-8 with a byte-order mark so that spreadsheet programs
//! set to a Chinese locale read the labels right).
//!
//! Refusals: 401 without a supervisor token; 400 `bad_query` (unknown
//! parameter), `bad_date`, `bad_range`, `range_too_long`, `bad_format`,
//! `range_too_large`; each counted in `tingwu_rejected_inputs_total`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tingwu_actors::core::stats::{table, RangeError, Report};

use super::auth::supervisor;
use super::extract::Query;
use super::{ApiError, AppState};
use crate::app::stats::StatsError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    from: Option<String>,
    to: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

enum Format {
    Json,
    Csv,
}

impl From<StatsError> for ApiError {
    fn from(e: StatsError) -> Self {
        let code = match &e {
            StatsError::Range(RangeError::BadDate { .. }) => "bad_date",
            StatsError::Range(RangeError::Reversed { .. }) => "bad_range",
            StatsError::Range(RangeError::TooLong { .. }) => "range_too_long",
            StatsError::TooLarge => "range_too_large",
            StatsError::Read(_) => return ApiError::unavailable(e.to_string()),
        };
        ApiError::bad_request(code, e.to_string())
    }
}

pub async fn get(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ApiError> {
    let user = supervisor(&s, &headers, None)?;
    let format = match q.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_format",
                "`format` must be json or csv (format 仅支持 json 或 csv)",
            ))
        }
    };
    let (app, reader) = (s.app.clone(), s.reader.clone());
    let report = tokio::task::spawn_blocking(move || {
        app.statistics(
            &reader,
            q.from.as_deref(),
            q.to.as_deref(),
            chrono::Utc::now(),
        )
    })
    .await
    .map_err(|e| ApiError::unavailable(format!("statistics failed: {e}")))??;
    tracing::debug!(user = %user, from = %report.from, to = %report.to, tickets = report.totals.tickets, "statistics read");
    match format {
        Format::Json => Ok(Json(report).into_response()),
        Format::Csv => csv_response(&report),
    }
}

fn csv_response(report: &Report) -> Result<Response, ApiError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in table::rows(report) {
        w.serialize(row)
            .map_err(|e| ApiError::unavailable(format!("CSV export failed: {e}")))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::unavailable(format!("CSV export failed: {e}")))?;
    let name = format!(
        "attachment; filename=\"tingwu-stats-{}-{}.csv\"",
        report.from, report.to
    );
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
