//! Appointments (预约) over HTTP:
//!
//! - `GET /api/v1/appointments/slots?item=&day=`: an item's slots that day;
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
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use tingwu_actors::appointment::{
    self as appt, AppointmentError, Book, Booking, CancelBooking, CheckIn, CheckInKind, FindBy,
    GetSlots, GetStats, Refusal, StatsView,
};
use tingwu_actors::clock::HallClock;
use tingwu_actors::core::hhmm;
use tingwu_actors::core::ticket::Personal;
use tingwu_protocols::{id_number, typed};
use tracing::{info, warn};

use super::auth::supervisor;
use super::error::json_body;
use super::extract::{Path, Query};
use super::{ApiError, AppState};
use crate::app::App;
use crate::storage::{ReadError, StoreReader};

const MAX_BODY: usize = 4 * 1024;
/// How long an answer waits for the ticket board to show a check-in's
/// ticket, so that the client can read it back at once.
const BOARD_WAIT: Duration = Duration::from_secs(2);
/// Fresh codes tried when one collides with an existing booking.
const CODE_TRIES: usize = 4;

// ------------------------------------------------------------ loading

/// Reads today's and later bookings for the appointment actor, at
/// start-up (a blocking read; unreadable bookings are skipped and logged).
pub fn load(reader: &StoreReader, clock: &HallClock) -> Result<Vec<Booking>, ReadError> {
    let today = clock.day(clock.now());
    let found = reader.bookings_from(&today)?;
    info!(
        bookings = found.items.len(),
        skipped = found.skipped,
        "appointments recovered"
    );
    Ok(found.items)
}

// ------------------------------------------------------------ errors

fn appointment_error(e: AppointmentError) -> ApiError {
    use AppointmentError as E;
    use Refusal as R;
    let status = match &e {
        E::Refused(R::UnknownItem(_) | R::NoAppointments(_) | R::UnknownBooking | R::Cancelled) => {
            StatusCode::NOT_FOUND
        }
        E::Refused(R::DayOutOfRange { .. } | R::UnknownSlot(_)) => StatusCode::BAD_REQUEST,
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
            "busy" | "unavailable" => StatusCode::SERVICE_UNAVAILABLE,
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

fn gone(_: actix::MailboxError) -> ApiError {
    ApiError::unavailable("the hall is shutting down")
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

fn new_code() -> String {
    let mut raw = [0u8; appt::CODE_LEN];
    rand::thread_rng().fill_bytes(&mut raw);
    // 32 symbols: every byte maps without bias.
    raw.iter()
        .map(|b| char::from(appt::CODE_ALPHABET[usize::from(*b) % appt::CODE_ALPHABET.len()]))
        .collect()
}

fn id_fingerprint(s: &AppState, id: &id_number::IdNumber) -> String {
    s.sealer.fingerprint("id", id.as_str())
}

/// Validates, seals and masks personal data exactly as tickets do, and gives
/// its fingerprints (the `holders`), by which a booking is found again.
fn personal(
    s: &AppState,
    phone: Option<&str>,
    id: Option<&str>,
) -> Result<(Personal, Vec<String>), ApiError> {
    let (p, _) = super::tickets::personal(s, phone, id)?;
    let persons = p.holders.clone();
    Ok((p, persons))
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
    let list = s
        .appointments
        .send(GetSlots {
            item: q.item.clone(),
            date,
        })
        .await
        .map_err(gone)?
        .map_err(appointment_error)?;
    Ok(Json(
        json!({"item": q.item, "day": date.format("%Y-%m-%d").to_string(), "slots": list}),
    ))
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
    body: axum::body::Body,
) -> Result<(StatusCode, Json<appt::BookingView>), ApiError> {
    let req: BookRequest = json_body(body, MAX_BODY).await?;
    let date = parse_day(&req.day)?;
    let start = hhmm::parse_minutes(&req.start)
        .ok_or_else(|| ApiError::bad_request("bad_start", "start must be HH:MM (时段格式错误)"))?;
    if req.phone.is_none() && req.id_number.is_none() {
        return Err(ApiError::bad_request(
            "person_required",
            "give a phone or an id_number (请提供手机号或身份证号)",
        ));
    }
    let (personal, persons) = personal(&s, req.phone.as_deref(), req.id_number.as_deref())?;
    for _ in 0..CODE_TRIES {
        let res = s
            .appointments
            .send(Book {
                code: new_code(),
                item: req.item.clone(),
                date,
                start,
                persons: persons.clone(),
                personal: personal.clone(),
            })
            .await
            .map_err(gone)?;
        match res {
            Ok(view) => return Ok((StatusCode::CREATED, Json(view))),
            Err(AppointmentError::Refused(Refusal::CodeTaken)) => continue,
            Err(e) => return Err(appointment_error(e)),
        }
    }
    Err(appointment_error(Refusal::CodeTaken.into()))
}

pub async fn cancel(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = parse_code(&code)?;
    let view = s
        .appointments
        .send(CancelBooking { code })
        .await
        .map_err(gone)?
        .map_err(appointment_error)?;
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
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let req: CheckInRequest = json_body(body, MAX_BODY).await?;
    let by =
        match (&req.code, &req.id_number, &req.phone) {
            (Some(code), None, None) => FindBy::Code(parse_code(code)?),
            (None, Some(id), None) => FindBy::Person(id_fingerprint(&s, &App::id_number(id)?)),
            (None, None, Some(phone)) => {
                FindBy::Person(s.sealer.fingerprint("phone", &App::phone(phone)?))
            }
            _ => return Err(ApiError::bad_request(
                "bad_request",
                "give exactly one of code, id_number or phone (请提供预约码、身份证号或手机号之一)",
            )),
        };
    if let Some(k) = &req.kiosk {
        if !s.dir.kiosks.contains_key(k) {
            return Err(ApiError::bad_request(
                "unknown_kiosk",
                format!("unknown kiosk {k:?} (取号机不存在)"),
            ));
        }
    }
    let res = s
        .appointments
        .send(CheckIn {
            by,
            kiosk: req.kiosk,
        })
        .await
        .map_err(gone)?;
    let done = match res {
        Ok(done) => done,
        Err(AppointmentError::Refused(Refusal::TooEarly { opens, opens_local })) => {
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
        Err(e) => return Err(appointment_error(e)),
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
    if let Some(view) = s.appointments.send(GetStats { date }).await.map_err(gone)? {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_valid_and_parsed_case_insensitively() {
        for _ in 0..100 {
            assert!(appt::valid_code(&new_code()));
        }
        assert_eq!(parse_code(" k7m2q9xa ").unwrap(), "K7M2Q9XA");
        assert_eq!(parse_code("K7M2Q9X0").unwrap_err().code, "invalid_code");
    }

    #[test]
    fn load_reads_today_and_later_only() {
        let storage = crate::storage::Storage::temporary().unwrap();
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let clock = HallClock::of(&cfg);
        let today = clock.day(clock.now());
        let booking = |day: &str, code: &str| {
            let date = NaiveDate::parse_from_str(day, "%Y%m%d").unwrap();
            let now = clock.now();
            Booking {
                code: code.into(),
                item: "x".into(),
                date,
                slot_start: 0,
                slot_end: 30,
                start: now,
                end: now,
                persons: vec![],
                personal: Personal::default(),
                status: appt::BookingStatus::Booked,
                booked_at: now,
                changed_at: None,
                ticket: None,
                kiosk: None,
            }
        };
        let mut commit = tingwu_actors::store::Commit::default();
        for (day, code) in [
            ("20000101", "AAAAAAAA"),
            (today.as_str(), "BBBBBBBB"),
            ("99991231", "CCCCCCCC"),
        ] {
            commit.put_json(tingwu_actors::keys::booking(day, code), &booking(day, code));
        }
        commit.put(
            tingwu_actors::keys::booking(&today, "DDDDDDDD"),
            b"not json".to_vec(),
        );
        storage.write_now(commit).unwrap();
        let mut codes: Vec<String> = load(&storage.reader(), &clock)
            .unwrap()
            .into_iter()
            .map(|b| b.code)
            .collect();
        codes.sort();
        assert_eq!(codes, ["BBBBBBBB", "CCCCCCCC"]);
    }
}
