//! Appointments (预约) over HTTP:
//!
//! - `GET /api/v1/appointments/slots?item=&day=`: an item's slots that day
//!   (none, and `closed` with the reason, on a day that is not a working day);
//! - `POST /api/v1/appointments`: book a slot by phone or ID number;
//! - `DELETE /api/v1/appointments/{code}`: cancel;
//! - `POST /api/v1/appointments/checkin`: check in at a kiosk by booking
//!   code, ID card number or phone;
//! - `GET /api/v1/appointments/stats?day=`: a day's counts (supervisors).
//!
//! Phone and ID numbers are validated here, sealed and masked like a
//! ticket's, and fingerprinted (`Sealer::fingerprint`, keyed by the hall's
//! seal key), so a kiosk can find a booking by ID card or phone without the
//! plain number ever being stored. Also here: the start-up loader of
//! bookings ([`load`]), called by `serve`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use tingwu_actors::appointment::{self as appt, AppointmentError, CheckInKind, Refusal, StatsView};
use tingwu_actors::core::hhmm;
use tingwu_actors::core::ticket_source;
use tingwu_protocols::typed;
use tracing::warn;

use super::auth::{claim, kiosk_credentials, source, supervisor};
use super::error::json_body;
use super::extract::{Path, Peer, Query};
use super::{ApiError, AppState};
use crate::app::sources::Asker;
use crate::app::{BookOrder, BookingError};
use crate::storage::ReadError;

const MAX_BODY: usize = 4 * 1024;
/// How long an answer waits for the ticket board to show a check-in's
/// ticket, so that the client can read it back at once.
const BOARD_WAIT: Duration = Duration::from_secs(2);

// ------------------------------------------------------------ loading

// ------------------------------------------------------------ errors

fn appointment_error(e: AppointmentError) -> ApiError {
    use AppointmentError as E;
    use Refusal as R;
    let status = match &e {
        E::Refused(R::UnknownItem(_) | R::NoAppointments(_) | R::UnknownBooking | R::Cancelled) => {
            StatusCode::NOT_FOUND
        }
        E::Refused(R::DayOutOfRange { .. } | R::UnknownSlot(_)) => StatusCode::BAD_REQUEST,
        // A holiday or rest day: a valid day the hall does not book.
        E::Refused(R::NotAWorkday { .. }) => StatusCode::CONFLICT,
        // The hall's calendar lacks the year: its own trouble, logged.
        E::Refused(R::NoCalendar { .. }) => StatusCode::SERVICE_UNAVAILABLE,
        E::Refused(
            R::SlotOver(_)
            | R::SlotFull(_)
            | R::AlreadyBooked
            | R::NotCancellable(_)
            | R::TooEarly { .. }
            | R::AlreadyCheckedIn { .. }
            | R::InProgress,
        ) => StatusCode::CONFLICT,
        E::Refused(R::CodeTaken) | E::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
        E::Issue(i) => match i.code() {
            "unknown_item" | "unknown_queue" | "bad_request" => StatusCode::BAD_REQUEST,
            "idempotency_mismatch" => StatusCode::UNPROCESSABLE_ENTITY,
            "busy" | "unavailable" | "no_calendar" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::CONFLICT,
        },
    };
    let busy = e.code() == "busy";
    let err = ApiError::new(status, e.code(), e.to_string());
    if busy {
        err.retry_after(1)
    } else {
        err
    }
}

fn booking_error(e: BookingError) -> ApiError {
    match e {
        BookingError::Appointment(e) => appointment_error(e),
        BookingError::Personal(e) => e.into(),
        e @ BookingError::PersonRequired => ApiError::bad_request("person_required", e.to_string()),
        e @ BookingError::OneWayToFind => ApiError::bad_request("bad_request", e.to_string()),
        e @ BookingError::UnknownKiosk(_) => ApiError::bad_request("unknown_kiosk", e.to_string()),
        BookingError::ShuttingDown => ApiError::unavailable("the hall is shutting down"),
    }
}

fn parse_day(day: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_request("bad_day", "day must be YYYY-MM-DD (日期格式错误)"))
}

fn parse_code(code: &str) -> Result<String, ApiError> {
    // As typed: full width folded, blanks trimmed (tingwu_protocols::typed).
    let code = typed::text(code).to_ascii_uppercase();
    if appt::valid_code(&code) {
        Ok(code)
    } else {
        Err(ApiError::bad_request(
            "invalid_code",
            "a booking code is 8 letters and digits (预约码格式错误)",
        ))
    }
}

// ------------------------------------------------------------ handlers

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    item: String,
    day: String,
}

pub async fn slots(
    State(s): State<AppState>,
    Query(q): Query<SlotsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let date = parse_day(&q.day)?;
    let day = date.format("%Y-%m-%d").to_string();
    match s.app.slots(&q.item, date).await {
        Ok(list) => Ok(Json(json!({"item": q.item, "day": day, "slots": list}))),
        // A day that is not a working day is listed as closed, with why.
        Err(BookingError::Appointment(AppointmentError::Refused(Refusal::NotAWorkday {
            day: closed,
            off,
        }))) => {
            let (reason, reason_en) = (off.zh(), off.en());
            let r = Refusal::NotAWorkday { day: closed, off };
            Ok(Json(json!({
                "item": q.item, "day": day, "slots": [],
                "closed": {"code": r.code(), "message": r.to_string(),
                           "reason": reason, "reason_en": reason_en},
            })))
        }
        Err(e) => Err(booking_error(e)),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    item: String,
    day: String,
    /// `HH:MM`, the slot's start.
    start: String,
    phone: Option<String>,
    id_number: Option<String>,
}

pub async fn book(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<appt::BookingView>), ApiError> {
    // A booking takes a place: the citizen's own channel is rate-limited.
    s.app.who_asks(&asker(&s, peer, &headers, None)?)?;
    let req: BookRequest = json_body(body, MAX_BODY).await?;
    let date = parse_day(&req.day)?;
    let start = hhmm::parse_minutes(&req.start)
        .ok_or_else(|| ApiError::bad_request("bad_start", "start must be HH:MM (时段格式错误)"))?;
    let view = s
        .app
        .book(BookOrder {
            item: req.item,
            date,
            start,
            phone: req.phone,
            id_number: req.id_number,
        })
        .await
        .map_err(booking_error)?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn cancel(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // Guessing codes to cancel others' bookings is held to the rate limit.
    s.app.who_asks(&asker(&s, peer, &headers, None)?)?;
    let code = parse_code(&code)?;
    let view = s.app.cancel_booking(code).await.map_err(booking_error)?;
    Ok(Json(json!({"status": "cancelled", "booking": view})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    code: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    /// The kiosk the citizen stands at (取号机编号).
    kiosk: Option<String>,
}

pub async fn checkin(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let req: CheckInRequest = json_body(body, MAX_BODY).await?;
    // A check-in credited to a kiosk needs that kiosk's credentials; one
    // from anywhere else is the citizen's own channel, rate-limited.
    let (requester, kiosk) = s
        .app
        .who_asks(&asker(&s, peer, &headers, req.kiosk.clone())?)?;
    ticket_source::check_in_allowed(requester)?;
    let code = req.code.as_deref().map(parse_code).transpose()?;
    let by = s
        .app
        .find_booking_by(code, req.id_number.as_deref(), req.phone.as_deref())
        .map_err(booking_error)?;
    let res = s.app.check_in(by, kiosk).await;
    let done = match res {
        Ok(done) => done,
        Err(BookingError::Appointment(AppointmentError::Refused(Refusal::TooEarly {
            opens,
            opens_local,
        }))) => {
            // Not an ApiError: the answer also says when to come back.
            crate::telemetry::rejected("http", "too_early");
            let message = Refusal::TooEarly {
                opens,
                opens_local: opens_local.clone(),
            }
            .to_string();
            return Ok((
                StatusCode::CONFLICT,
                Json(json!({"error": {
                    "code": "too_early",
                    "message": message,
                    "opens_at": opens,
                    "opens_local": opens_local,
                }})),
            )
                .into_response());
        }
        Err(e) => return Err(booking_error(e)),
    };
    if !s.board.wait_for(&done.ticket.id, BOARD_WAIT).await {
        warn!(ticket = %done.ticket.id, "ticket board has not shown a check-in ticket yet");
    }
    let message = match done.kind {
        CheckInKind::OnTime => format!(
            "checked in for {}-{}; ticket {} (签到成功，请等候叫号)",
            done.booking.start, done.booking.end, done.ticket.number
        ),
        CheckInKind::LateWalkin => format!(
            "the check-in time for {} has passed; you are served as a walk-in, ticket {} (已超过签到时间，按现场取号排队)",
            done.booking.start, done.ticket.number
        ),
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "checkin": done.kind,
            "message": message,
            "booking": done.booking,
            "ticket": done.ticket,
            "appointment": done.appointment,
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    day: Option<String>,
}

pub async fn stats(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StatsQuery>,
) -> Result<Json<StatsView>, ApiError> {
    supervisor(&s, &headers, None)?;
    let clock = s.dir.clock;
    let now = clock.now();
    let date = match &q.day {
        Some(d) => parse_day(d)?,
        None => tingwu_actors::core::day::hall_day(now, clock.tz, clock.day_start),
    };
    if let Some(view) = s.app.booking_stats(date).await.map_err(booking_error)? {
        return Ok(Json(view));
    }
    // An earlier day: from storage, off the async workers.
    let reader = s.reader.clone();
    let late = s.dir.config.appointments.late_minutes;
    let day = tingwu_actors::core::day::day_key(date);
    let view = tokio::task::spawn_blocking(move || -> Result<StatsView, ReadError> {
        let bookings = reader.bookings_of_day(&day)?.items;
        Ok(StatsView::count(date, bookings.iter(), now, late))
    })
    .await
    .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
    .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?;
    Ok(Json(view))
}

/// Who a booking request says it is (see `App::who_asks`).
fn asker(
    s: &AppState,
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    kiosk: Option<String>,
) -> Result<Asker, ApiError> {
    Ok(Asker {
        kiosk,
        kiosk_credentials: kiosk_credentials(headers)?,
        supervisor: claim(headers),
        source: source(s, peer, headers),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_parsed_case_insensitively() {
        assert_eq!(parse_code(" k7m2q9xa ").unwrap(), "K7M2Q9XA");
        assert_eq!(parse_code("K7M2Q9X0").unwrap_err().code, "invalid_code");
    }
}
