//! A request retried with its `Idempotency-Key` takes effect once.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::*;

#[actix::test]
async fn a_retried_request_takes_effect_once() {
    let (t, window, staff) = hall_with_called_ticket(now::<2>).await;
    let s = &t.state;
    set_day(2, "2026-03-03");
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
    // The same ticket again, for the same item: refused (one case per
    // ticket and item).
    let (st, v) = call(s, "POST", "/api/v1/cases", Some(&staff), intake_body()).await;
    assert_eq!(
        (st, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("case_ticket_taken")),
        "{v}"
    );
    // The window finishes it and calls the next ticket.
    s.dir
        .hall
        .send(tingwu_actors::hall::IssueTicket {
            deadline: None,
            appointment: None,
            item: Some("food-license".into()),
            queue: None,
            channel: tingwu_actors::core::ticket::Channel::Onsite,
            priority: tingwu_actors::core::ticket::Priority::Normal,
            personal: Default::default(),
            idempotency_key: None,
        })
        .await
        .unwrap()
        .unwrap();
    for (id, action) in [("c3", "start"), ("c4", "finish"), ("c5", "call_next")] {
        let (st, v) = call(
            s,
            "POST",
            &format!("/api/v1/windows/{window}/commands"),
            Some(&staff),
            json!({"id": id, "action": action}),
        )
        .await;
        assert_eq!((st, &v["ok"]), (StatusCode::OK, &json!(true)), "{v}");
    }
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
