//! `GET /api/v1/items`: the service items for kiosks and pages — names,
//! department (with its names), the optional kiosk category, the queue,
//! where to go (窗口指引, `core::printing::window_direction`), hours,
//! materials, and whether each takes tickets now (`open`) or, when it does
//! not, why (`closed`: the refusal a ticket request would get, in zh-CN and
//! English — outside service hours, a holiday or rest day, no calendar for
//! the year, every window disabled).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use tingwu_actors::core::issuing::Refusal;
use tingwu_actors::core::printing::window_direction;
use tingwu_actors::hall::{IssueError, ItemsAdmission};

use super::AppState;

pub async fn list(State(s): State<AppState>) -> Json<Value> {
    let admission = s.dir.hall.send(ItemsAdmission).await.ok();
    let cfg = &s.dir.config;
    let items: Vec<Value> = cfg
        .items
        .iter()
        .map(|i| {
            let closed = match &admission {
                Some(a) => a.get(&i.id).cloned().flatten().map(|r| closed_reason(&r)),
                None => Some(json!({
                    "code": "unavailable",
                    "zh": "服务正在停止",
                    "en": "the hall is shutting down",
                    "message": "the hall is shutting down",
                })),
            };
            let department = cfg.departments.iter().find(|d| d.id == i.department);
            json!({
                "id": i.id,
                "name": i.name,
                "name_en": i.name_en,
                "department": i.department,
                "department_name": department.map(|d| d.name.as_str()),
                "department_name_en": department.map(|d| d.name_en.as_str()),
                "category": i.category,
                "category_en": i.category_en,
                "queue": i.queue,
                "direction": window_direction(cfg, &i.queue),
                "promise_days": i.promise_days,
                "hours": i.hours,
                "materials": i.materials,
                "appointments": i.appointment_capacity > 0,
                "open": closed.is_none(),
                "closed": closed,
            })
        })
        .collect();
    Json(json!({"items": items}))
}

/// Why an item takes no tickets now, as `{code, zh, en, message}`: `code`
/// is the one `POST /api/v1/tickets` would answer (`item_closed`,
/// `no_open_window`, `no_calendar`), `zh`/`en` the reason for a citizen.
pub fn closed_reason(r: &Refusal) -> Value {
    let (zh, en) = match r {
        Refusal::ItemClosed { hours, .. } => (
            format!("不在办理时间（办理时间 {hours}）"),
            format!("Not served at this time (hours {hours})"),
        ),
        Refusal::DayOff { off, .. } => (
            format!("今日不办理：{}", off.zh()),
            format!("Not served today: {}", off.en()),
        ),
        Refusal::NoCalendar(_) => (
            "今日无法确定是否为工作日，暂停取号".to_string(),
            "Tickets paused: the working-day calendar has no notice for this year".to_string(),
        ),
        Refusal::NoOpenWindow { .. } => (
            "该事项窗口均已停用".to_string(),
            "Every window for this item is closed".to_string(),
        ),
        other => (other.to_string(), other.to_string()),
    };
    let code = IssueError::from(r.clone()).code();
    json!({"code": code, "zh": zh, "en": en, "message": r.to_string()})
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingwu_actors::core::hours::DayOff;

    #[test]
    fn closed_reasons_carry_the_ticket_code_and_both_languages() {
        let v = closed_reason(&Refusal::DayOff {
            item: "consult".into(),
            off: DayOff::Holiday("国庆节".into()),
        });
        assert_eq!(v["code"], "item_closed");
        assert_eq!(v["zh"], "今日不办理：法定节假日（国庆节）");
        assert!(v["en"].as_str().unwrap_or("").contains("National Day"));
        let v = closed_reason(&Refusal::NoOpenWindow { item: "tax".into() });
        assert_eq!(v["code"], "no_open_window");
        let v = closed_reason(&Refusal::ItemClosed {
            item: "tax".into(),
            hours: "09:00-12:00".into(),
        });
        assert_eq!(v["code"], "item_closed");
        assert!(v["en"].as_str().unwrap_or("").contains("09:00-12:00"));
    }
}
