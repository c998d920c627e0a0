//! A suspension across the 2026 Spring Festival (春节, 15–23 February,
//! make-up working days 14 and 28 February; 国务院办公厅关于2026年部分节假日
//! 安排的通知) moves the deadline by the working days suspended (issue 10,
//! acceptance 3), with every other step, the supervisor's extension and the
//! citizen's query.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::*;

#[actix::test]
async fn a_suspension_across_the_spring_festival_moves_the_deadline_by_the_working_days_stopped() {
    let (t, _window, staff) = hall_with_called_ticket(now::<0>).await;
    let s = &t.state;
    let lead = s.app.login("lead", "demo-lead").unwrap();

    // Tuesday 10 February 2026: taken in on the spot, the floor plan
    // tolerated missing (容缺).
    set_day(0, "2026-02-10");
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
    set_day(0, "2026-02-12");
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
    set_day(0, "2026-02-25");
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
    set_day(0, "2026-02-26");
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
