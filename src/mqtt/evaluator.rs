//! The MQTT evaluator (评价器, a `[[devices]]` entry of kind `evaluator`
//! with its `window`): it publishes the citizen's rating on
//! `tingwu/v1/{hall}/window/{w}/evaluation` (payload:
//! `tingwu_protocols::evaluation`) and gets the answer on
//! `…/window/{w}/evaluation/reply`: `{"id", "ok": true, "rating": {…}}` or
//! `{"id", "ok": false, "error": {"code", "message"}}`. The gate lets only
//! that window's evaluator publish there, so the rater is that device; the
//! rating goes through `App::rate` like every evaluator's.

use serde_json::{json, Value};
use tingwu_actors::core::config::DeviceKind;
use tingwu_actors::core::rating::grade::{Indicators, RatingGrade};
use tingwu_actors::core::rating::record::Channel;
use tingwu_actors::core::rating::Rater;
use tingwu_protocols::evaluation::{parse_evaluation, EvaluationMessage};
use tingwu_protocols::terminal::Topics;
use tracing::{info, warn};

use crate::app::evaluations::RatingInput;
use crate::app::App;
use crate::telemetry;

fn grade(stars: u8) -> Option<RatingGrade> {
    RatingGrade::from_stars(i64::from(stars)).ok()
}

fn refused(id: Option<&str>, code: &str, message: String) -> Value {
    telemetry::rejected("mqtt", code);
    json!({"id": id, "ok": false, "error": {"code": code, "message": message}})
}

fn input(m: &EvaluationMessage) -> Option<RatingInput> {
    Some(RatingInput {
        grade: grade(m.stars)?,
        indicators: Indicators {
            efficiency: m.efficiency.and_then(grade),
            level: m.level.and_then(grade),
            attitude: m.attitude.and_then(grade),
        },
        reasons: m.reasons.clone(),
    })
}

/// Rates the service open at `window` from an evaluator's `payload`;
/// answers the reply's topic and body.
pub async fn answer(
    app: &App,
    topics: &Topics,
    window: &str,
    payload: &[u8],
    retained: bool,
) -> (String, Vec<u8>) {
    let topic = topics.evaluation_reply(window);
    let body = rate(app, window, payload, retained).await;
    (topic, body.to_string().into_bytes())
}

async fn rate(app: &App, window: &str, payload: &[u8], retained: bool) -> Value {
    if retained {
        return refused(
            None,
            "bad_request",
            "evaluations must not be retained (评价不能设置保留标志)".into(),
        );
    }
    let m = match parse_evaluation(payload) {
        Ok(m) => m,
        Err(e) => {
            warn!(window, error = %e, "bad evaluation payload");
            return refused(None, e.code(), e.to_string());
        }
    };
    let id = m.id.as_deref();
    let cfg = &app.directory().config;
    let Some(device) = cfg
        .devices
        .iter()
        .find(|d| d.kind == DeviceKind::Evaluator && d.window.as_deref() == Some(window))
    else {
        return refused(
            id,
            "unknown_window",
            format!("window {window} has no evaluator (该窗口未配置评价器)"),
        );
    };
    let Some(input) = input(&m) else {
        return refused(id, "bad_grade", "stars must be 1 to 5".into());
    };
    match app
        .rate(
            window,
            input,
            Rater::Device(device.id.clone()),
            Channel::Mqtt,
        )
        .await
    {
        Ok(r) => {
            info!(window, device = %device.id, ticket = %r.service.ticket, "MQTT evaluator rating stored");
            json!({"id": id, "ok": true, "rating": crate::http::rating_json(&r)})
        }
        Err(e) => {
            warn!(window, device = %device.id, error = %e, "MQTT evaluator rating refused");
            refused(id, e.code(), e.to_string())
        }
    }
}
