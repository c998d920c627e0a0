//! Queues, items, windows and screens; supervisors enable and disable windows.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::directory::{all_queues, all_windows};
use tingwu_actors::kiosk::GetKiosk;
use tingwu_actors::views::WindowView;

use super::auth::{claim, supervisor};
use super::error::json_body;
use super::extract::Path;
use super::{ApiError, AppState};

pub async fn queues(State(s): State<AppState>) -> Json<Value> {
    Json(json!({"queues": all_queues(&s.dir).await}))
}

pub async fn windows_json(s: &AppState) -> Vec<WindowView> {
    all_windows(&s.dir).await
}

/// `GET /api/v1/windows`: every window's view. Public, so a worker's
/// private pause reason is left out unless a supervisor asks (a bearer
/// token; an unknown or expired one is 401).
pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let supervisor = s.app.supervisor_if_any(&claim(&headers))?.is_some();
    let windows: Vec<WindowView> = windows_json(&s)
        .await
        .into_iter()
        .map(|w| if supervisor { w } else { w.public() })
        .collect();
    Ok(Json(json!({"windows": windows})))
}

pub async fn screens(State(s): State<AppState>) -> Json<Value> {
    let screens: Vec<Value> = s
        .dir
        .config
        .screens
        .iter()
        .map(|sc| json!({"id": sc.id, "kind": sc.kind, "name": sc.name, "windows": sc.windows, "areas": sc.areas}))
        .collect();
    Json(json!({"screens": screens}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnabledRequest {
    enabled: bool,
    reason: Option<String>,
}

pub async fn set_enabled(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<WindowView>, ApiError> {
    let by = supervisor(&s, &headers, None)?;
    let req: EnabledRequest = json_body(body, 4096).await?;
    let view = s
        .app
        .set_window_enabled(id, req.enabled, req.reason, by)
        .await?;
    Ok(Json(view))
}

pub async fn kiosks(State(s): State<AppState>) -> Json<Value> {
    let mut out = Vec::new();
    for k in &s.dir.config.kiosks {
        if let Some(addr) = s.dir.kiosks.get(&k.id) {
            if let Ok(v) = addr.send(GetKiosk).await {
                // What the kiosk page offers: an ID-card reader, a printer.
                let cfg = &s.dir.config;
                let mut v = serde_json::to_value(v).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    let reader = cfg
                        .card_readers
                        .iter()
                        .any(|r| r.kiosk.as_deref() == Some(k.id.as_str()));
                    let printer = cfg.printers.iter().any(|p| p.kiosk == k.id);
                    o.insert("card_reader".into(), Value::Bool(reader));
                    o.insert("printer".into(), Value::Bool(printer));
                }
                out.push(v);
            }
        }
    }
    Json(json!({"kiosks": out}))
}
