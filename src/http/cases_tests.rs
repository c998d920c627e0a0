//! Cases over the HTTP router in-process (issue 10, acceptance 3's
//! "suspension across a holiday"): the case actor runs on an injected clock
//! that the test moves across the 2026 Spring Festival (春节, 15–23 February,
//! make-up working days 14 and 28 February, 国务院办公厅关于2026年部分节假日
//! 安排的通知), while the window, the ticket and the call are real.

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

/// The injected clock, in ms since the epoch.
static NOW_MS: AtomicI64 = AtomicI64::new(0);

fn now() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(NOW_MS.load(Ordering::SeqCst))
        .single()
        .unwrap_or_default()
}

/// Sets the clock to 10:00 Beijing time on `day` (`2026-02-10`).
fn set_day(day: &str) {
    let t = DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).unwrap();
    NOW_MS.store(t.timestamp_millis(), Ordering::SeqCst);
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
async fn hall_with_called_ticket() -> (super::testing::TestState, String, String) {
    let cfg = tingwu_actors::testing::demo_hall();
    let t = state_edited(cfg, Default::default(), WsLimits::default(), |dir| {
        dir.cases = CaseActor::new(dir.config.clone(), dir.store.clone(), Vec::new())
            .with_clock(now)
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

#[actix::test]
async fn a_suspension_across_the_spring_festival_moves_the_deadline_by_the_working_days_stopped() {
    let (t, _window, staff) = hall_with_called_ticket().await;
    let s = &t.state;
    let lead = s.app.login("lead", "demo-lead").unwrap();

    // Tuesday 10 February 2026: taken in on the spot, the floor plan
    // tolerated missing (容缺).
    set_day("2026-02-10");
    let (st, v) = call(s, "POST", "/api/v1/cases", Some(&staff), intake_body()).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let number = v["case"]["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("demo-20260210-"), "{number}");
    assert_eq!(v["case"]["status"], "in_progress");
    assert_eq!(v["case"]["applicant"]["name"], "张*丰");
    assert_eq!(v["case"]["applicant"]["id"], "110***********002X");
    assert!(!v.to_string().contains(PHONE) && !v.to_string().contains(ID));
    // 10 working days after 10 February: 11, 12, 13, 14 (make-up), then
    // after the festival 24, 25, 26, 27, 28 (make-up) and 2 March.
    assert_eq!(v["supervision"]["deadline"], "2026-03-02", "{v}");

    // Thursday 12 February: suspended for a hearing (听证, art. 45).
    set_day("2026-02-12");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/suspend"),
        Some(&staff),
        json!({"procedure": "hearing", "detail": "举行听证", "notice": "听证告知书2026-01"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["status"], "suspended");
    assert_eq!(v["supervision"]["paused"], true);

    // Staff cannot extend; the body's head can (art. 42) — not while
    // suspended here, so later.
    // Wednesday 25 February: resumed. Stopped: 13, 14 (make-up), 24, 25 —
    // 4 working days; the festival's days were never working days.
    set_day("2026-02-25");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/resume"),
        Some(&staff),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let resumed = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(resumed["type"], "resumed");
    assert_eq!(resumed["payload"]["stopped_days"], 4, "{resumed}");
    // The deadline moved by those 4 working days: 3, 4, 5, 6 March.
    assert_eq!(v["supervision"]["deadline"], "2026-03-06", "{v}");
    assert_eq!(
        v["supervision"]["used_days"], 2,
        "11 and 12 February only: {v}"
    );

    // An extension: refused to staff, granted to a supervisor, by working days.
    let ext = json!({"days": 2, "reason": "需现场核查"});
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/extend"),
        Some(&staff),
        ext.clone(),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "case_role_not_allowed");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/extend"),
        Some(&lead),
        ext,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["supervision"]["deadline"], "2026-03-10", "{v}");

    // The decision waits for the tolerated floor plan.
    set_day("2026-02-26");
    for _ in 0..3 {
        let (st, v) = call(
            s,
            "POST",
            &format!("/api/v1/cases/{number}/approve"),
            Some(&staff),
            json!({"opinion": "同意"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/approve"),
        Some(&staff),
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "case_materials_owed");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/supply"),
        Some(&staff),
        json!({"materials": ["经营场所平面图"]}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/approve"),
        Some(&staff),
        json!({}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["status"], "completed");
    let (st, v) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/deliver"),
        Some(&staff),
        json!({"method": "post", "carrier": "EMS", "tracking": "EA123456789CN"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["status"], "delivered");
    let (st, _) = call(
        s,
        "POST",
        &format!("/api/v1/cases/{number}/resume"),
        Some(&staff),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // The citizen's query shows each step; a wrong check is a plain 404.
    let (st, v) = call(
        s,
        "GET",
        &format!("/api/v1/cases/{number}/public?check=5678"),
        None,
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let types: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "received",
            "suspended",
            "resumed",
            "extended",
            "step_approved",
            "step_approved",
            "step_approved",
            "materials_supplied",
            "completed",
            "delivered"
        ]
    );
    assert_eq!(v["applicant"], "张*丰");
    assert!(
        !v.to_string().contains("S01"),
        "no staff ids for citizens: {v}"
    );
    let (st, by_id) = call(
        s,
        "GET",
        &format!("/api/v1/cases/{number}/public?check=002x"),
        None,
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "the ID's last four, any case: {by_id}");
    let (wrong, w) = call(
        s,
        "GET",
        &format!("/api/v1/cases/{number}/public?check=1234"),
        None,
        Value::Null,
    )
    .await;
    let (unknown, u) = call(
        s,
        "GET",
        "/api/v1/cases/demo-20260210-999999/public?check=5678",
        None,
        Value::Null,
    )
    .await;
    assert_eq!(
        (wrong, unknown),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(w, u, "a wrong check and an unknown number look the same");

    // Lists: the staff's department's cases, the supervisor's all, with colours.
    let (st, v) = call(s, "GET", "/api/v1/cases", Some(&staff), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["cases"].as_array().unwrap().len(), 1);
    let (st, v) = call(
        s,
        "GET",
        "/api/v1/cases?open=true",
        Some(&lead),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        v["cases"].as_array().unwrap().len(),
        0,
        "delivered is not open"
    );
    let (st, _) = call(s, "GET", "/api/v1/cases", None, Value::Null).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[actix::test]
async fn every_transition_is_committed_with_its_audit_entry_and_the_applicant_sealed() {
    let (t, _window, staff) = hall_with_called_ticket().await;
    let s = &t.state;
    let mut events = s.dir.store.subscribe();
    set_day("2026-02-10");
    let (st, v) = call(s, "POST", "/api/v1/cases", Some(&staff), intake_body()).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let number = v["case"]["number"].as_str().unwrap().to_string();
    let mut kinds = Vec::new();
    while let Ok(e) = events.try_recv() {
        let text = String::from_utf8(e.encode().unwrap()).unwrap();
        assert!(
            !text.contains(PHONE) && !text.contains(ID) && !text.contains("张三丰"),
            "{text}"
        );
        if let tingwu_actors::events::EventBody::Audit(a) = &e.body {
            assert_eq!(
                (a.who.as_str(), a.target.as_str()),
                ("S01", number.as_str())
            );
            assert_eq!(a.action, "case.received");
        }
        kinds.push(e.body.kind());
    }
    assert!(
        kinds.contains(&"case") && kinds.contains(&"audit"),
        "{kinds:?}"
    );
    // A bad ID number and a bad credit code are refused by name.
    let mut bad = intake_body();
    bad["applicant"]["id_number"] = json!("110105194912310021");
    let (st, v) = call(s, "POST", "/api/v1/cases", Some(&staff), bad).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_id_number"))
    );
    let org = json!({"applicant": {"kind": "organisation", "credit_code": "91350100M000100Y4A", "name": "某某餐饮有限公司"}, "materials": []});
    let (st, v) = call(s, "POST", "/api/v1/cases", Some(&staff), org).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_credit_code")),
        "{v}"
    );
}

#[actix::test]
async fn a_retried_request_takes_effect_once() {
    let (t, _window, staff) = hall_with_called_ticket().await;
    let s = &t.state;
    set_day("2026-03-03");
    let (st, first) = call_keyed(
        s,
        "POST",
        "/api/v1/cases",
        Some(&staff),
        Some("intake-1"),
        intake_body(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{first}");
    let (st, again) = call_keyed(
        s,
        "POST",
        "/api/v1/cases",
        Some(&staff),
        Some("intake-1"),
        intake_body(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{again}");
    assert_eq!(first["case"]["number"], again["case"]["number"]);
    let number = first["case"]["number"].as_str().unwrap().to_string();
    let suspend = json!({"procedure": "testing", "detail": "检测", "notice": "告知书9"});
    let uri = format!("/api/v1/cases/{number}/suspend");
    let (st, v1) = call_keyed(s, "POST", &uri, Some(&staff), Some("s-1"), suspend.clone()).await;
    assert_eq!(st, StatusCode::OK, "{v1}");
    let (st, v2) = call_keyed(s, "POST", &uri, Some(&staff), Some("s-1"), suspend.clone()).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "the retry is answered as the first time: {v2}"
    );
    assert_eq!(v1, v2);
    // Without the key the same request is a new one, refused by the rules.
    let (st, _) = call(s, "POST", &uri, Some(&staff), suspend).await;
    assert_eq!(st, StatusCode::CONFLICT);
    // The intake's key repeated on its own case answers the case as it is.
    let resume = format!("/api/v1/cases/{number}/resume");
    let (st, v) = call_keyed(
        s,
        "POST",
        &resume,
        Some(&staff),
        Some("intake-1"),
        Value::Null,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["status"], "suspended");
    let (st, list) = call(s, "GET", "/api/v1/cases", Some(&staff), Value::Null).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        list["cases"].as_array().unwrap().len(),
        1,
        "one case, not two: {list}"
    );
    // A key used on one case is refused on another, not misapplied.
    let (st, other) = call_keyed(
        s,
        "POST",
        "/api/v1/cases",
        Some(&staff),
        Some("intake-2"),
        intake_body(),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{other}");
    let other = other["case"]["number"].as_str().unwrap().to_string();
    assert_ne!(other, number);
    let (st, v) = call_keyed(
        s,
        "POST",
        &format!("/api/v1/cases/{other}/resume"),
        Some(&staff),
        Some("s-1"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_mismatch")
        ),
        "{v}"
    );
}
