//! Cases over the HTTP router in-process: the case actor runs on an
//! injected clock (one per test, so tests in parallel do not share it),
//! while the window, the ticket and the call are real. `holiday.rs`: a
//! suspension across the 2026 Spring Festival (issue 10, acceptance 3);
//! `records.rs`: what is committed and sealed; `retries.rs`: a retried
//! request takes effect once.

mod holiday;
mod records;
mod retries;

use std::sync::atomic::{AtomicI64, Ordering};

use actix::Actor;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};
use tingwu_actors::case::CaseActor;
use tingwu_actors::core::config::QueueRole;
use tingwu_actors::core::ticket::{Channel, Personal, Priority};
use tingwu_actors::hall::IssueTicket;
use tower::ServiceExt;

use super::testing::state_edited;
use super::{router, AppState, WsLimits};

/// The injected clocks, in ms since the epoch: one per test.
static CLOCKS: [AtomicI64; 3] = [AtomicI64::new(0), AtomicI64::new(0), AtomicI64::new(0)];

/// Test `N`'s clock.
fn now<const N: usize>() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(CLOCKS[N].load(Ordering::SeqCst))
        .single()
        .unwrap_or_default()
}

/// Sets test `n`'s clock to 10:00 Beijing time on `day` (`2026-02-10`).
fn set_day(n: usize, day: &str) {
    let t = DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).unwrap();
    CLOCKS[n].store(t.timestamp_millis(), Ordering::SeqCst);
}

async fn call(
    s: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    call_keyed(s, method, uri, token, None, body).await
}

/// As [`call`], with an `Idempotency-Key`.
async fn call_keyed(
    s: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let resp = router(s.clone())
        .oneshot(req.body(body).unwrap())
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

/// The demo hall with its case actor on the injected clock; a window whose
/// primary queue is B (food-license, 10 working days) with S01 logged in
/// and a food-license ticket called. Returns the state, the window and the
/// caller token.
async fn hall_with_called_ticket(
    clock: fn() -> DateTime<Utc>,
) -> (super::testing::TestState, String, String) {
    let cfg = tingwu_actors::testing::demo_hall();
    let t = state_edited(cfg, Default::default(), WsLimits::default(), |dir| {
        dir.cases = CaseActor::new(dir.config.clone(), dir.store.clone(), Vec::new())
            .with_clock(clock)
            .start();
    });
    let s = &t.state;
    let window = s
        .dir
        .config
        .windows
        .iter()
        .find(|w| {
            w.queues
                .iter()
                .any(|q| q.queue == "B" && q.role == QueueRole::Primary)
        })
        .map(|w| w.id.clone())
        .expect("a window serving queue B first");
    s.dir
        .hall
        .send(IssueTicket {
            deadline: None,
            appointment: None,
            item: Some("food-license".into()),
            queue: None,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            personal: Personal::default(),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .unwrap();
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/windows/{window}/session"),
        None,
        json!({"staff": "S01", "pin": "1234"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    for cmd in [
        json!({"id": "c1", "action": "login", "staff": "S01", "pin": "1234"}),
        json!({"id": "c2", "action": "call_next"}),
    ] {
        let (st, v) = call(
            s,
            "POST",
            &format!("/api/v1/windows/{window}/commands"),
            Some(&token),
            cmd,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["ok"], true, "{v}");
    }
    (t, window, token)
}

const ID: &str = "11010519491231002X";
const PHONE: &str = "13812345678";

fn intake_body() -> Value {
    json!({
        "applicant": {"kind": "person", "id_number": ID, "name": "张三丰", "phone": PHONE},
        "materials": ["食品经营许可申请书", "营业执照", "食品安全管理制度"],
    })
}
