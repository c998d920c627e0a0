//! 大厅公告 (hall notices), supervisors only: `POST /api/v1/notices` sends
//! one to the public screens, `GET /api/v1/notices` lists those in force,
//! `DELETE /api/v1/notices/{id}` clears one. The rules and refusals are
//! `tingwu_core::hall_notice`; errors map in `error.rs`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::core::hall_notice::{Draft, Notice};

use super::auth::supervisor;
use super::error::json_body;
use super::extract::Path;
use super::{ApiError, AppState};

const MAX_BODY: usize = 8 * 1024;

/// The body of `POST /api/v1/notices`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    text_zh: String,
    text_en: Option<String>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    screens: Vec<String>,
    /// In force for this many minutes; left out: until cleared.
    minutes: Option<u32>,
}

/// `POST /api/v1/notices`: 201 with the notice in force; 200 with it when
/// the same notice (texts, areas, screens) was in force already — a
/// retried request shows it once.
pub async fn send(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Notice>), ApiError> {
    let who = supervisor(&s, &headers, None)?;
    let req: NoticeRequest = json_body(body, MAX_BODY).await?;
    let draft = Draft {
        text_zh: req.text_zh,
        text_en: req.text_en,
        areas: req.areas,
        screens: req.screens,
        minutes: req.minutes,
    };
    let sent = s.app.send_notice(&who, draft).await?;
    let status = if sent.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(sent.notice)))
}

/// `GET /api/v1/notices`: `{"notices": [...], "areas": [...], "screens":
/// [...]}` — the notices in force, oldest first, and what a notice may
/// name (the hall's areas and screens, `{id, name, name_en}`, screens with
/// their `kind`), for the dashboard's form.
pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    supervisor(&s, &headers, None)?;
    let cfg = &s.dir.config;
    let areas: Vec<Value> = cfg
        .areas
        .iter()
        .map(|a| json!({"id": a.id, "name": a.name, "name_en": a.name_en}))
        .collect();
    let screens: Vec<Value> = cfg
        .screens
        .iter()
        .map(|sc| json!({"id": sc.id, "kind": sc.kind, "name": sc.name, "name_en": sc.name_en}))
        .collect();
    Ok(Json(json!({
        "notices": s.app.notices().await?,
        "areas": areas,
        "screens": screens,
    })))
}

/// `DELETE /api/v1/notices/{id}`: the notice cleared.
pub async fn clear(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Notice>, ApiError> {
    let who = supervisor(&s, &headers, None)?;
    Ok(Json(s.app.clear_notice(&who, &id).await?))
}
