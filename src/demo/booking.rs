//! A simulated citizen with an appointment (预约): book today's slot, then
//! check in at a kiosk — the same two requests a phone and a kiosk make
//! (`POST /api/v1/appointments`, `POST /api/v1/appointments/checkin`).

use serde_json::json;
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::hhmm;
use tracing::debug;

use super::channels::{kiosk_auth, Kiosk};
use super::http_client::{Answer, Auth, HttpError, LocalHttp};

/// Books the first slot of `item` whose check-in has not closed today
/// (hall time) for `phone`, and checks in at `kiosk`; when that cannot be
/// done now (too early, a rest day, no slot left), takes a walk-in ticket
/// for the item at the kiosk. The answer is the check-in's or the ticket's.
pub async fn book_and_check_in(
    http: &LocalHttp,
    hall: &HallConfig,
    kiosk: &Kiosk,
    item: &str,
    phone: &str,
) -> Result<Answer, HttpError> {
    let now = chrono::Utc::now().with_timezone(&hall.tz());
    let today = now.format("%Y-%m-%d").to_string();
    // The first slot whose check-in has not closed (an on-time check-in
    // if it is open now; too early gets a walk-in).
    let now_min = now.format("%H:%M").to_string();
    let now_min = hhmm::parse_minutes(&now_min).unwrap_or(0);
    let late = hall.appointments.late_minutes;
    let slots = http
        .get(&format!(
            "/api/v1/appointments/slots?item={item}&day={today}"
        ))
        .await?;
    let start = slots.body["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["available"].as_bool() == Some(true))
        .find(|s| {
            s["start"]
                .as_str()
                .and_then(hhmm::parse_minutes)
                .is_some_and(|start| start + late > now_min)
        })
        .and_then(|s| s["start"].as_str().map(str::to_string));
    if start.is_none() {
        debug!(item, "demo: no slot open for check-in now; walk-in instead");
    }
    if let Some(start) = start {
        let booked = http
            .post(
                "/api/v1/appointments",
                &json!({"item": item, "day": today, "start": start, "phone": phone}),
                &Auth::None,
            )
            .await?;
        if !booked.status.is_success() {
            debug!(status = %booked.status, code = %booked.body["error"]["code"], "demo: booking refused; walk-in instead");
        }
        if let Some(code) = booked.body["code"].as_str() {
            let checked = http
                .post(
                    "/api/v1/appointments/checkin",
                    &json!({"code": code, "kiosk": kiosk.id}),
                    &kiosk_auth(kiosk),
                )
                .await?;
            if checked.status.is_success() {
                return Ok(checked);
            }
            debug!(code = %checked.body["error"]["code"], "demo: check-in refused; walk-in instead");
        }
    }
    http.post(
        "/api/v1/tickets",
        &json!({"item": item}),
        &kiosk_auth(kiosk),
    )
    .await
}
