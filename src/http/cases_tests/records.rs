//! Every transition is committed with its audit entry; the applicant never
//! appears in clear in an event; bad ID numbers and credit codes are refused
//! by name.

use axum::http::StatusCode;
use serde_json::json;

use super::*;

#[actix::test]
async fn every_transition_is_committed_with_its_audit_entry_and_the_applicant_sealed() {
    let (t, _window, staff) = hall_with_called_ticket(now::<1>).await;
    let s = &t.state;
    let mut events = s.dir.store.subscribe();
    set_day(1, "2026-02-10");
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
