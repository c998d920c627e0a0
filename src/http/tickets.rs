//! `POST /api/v1/tickets` and `GET /api/v1/tickets/{id}`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use tingwu_actors::config::PriorityConfig;
use tingwu_actors::core::day::hall_day;
use tingwu_actors::core::ticket::{
    parse_ticket_id, Channel, Personal, Priority, Ticket, TicketStatus,
};
use tingwu_actors::hall::{IssueError, IssueTicket};
use tingwu_actors::kiosk::{PrintIssued, TakeTicket};
use tingwu_actors::printer::PrintStatus;
use tingwu_actors::queue::Position;
use tingwu_actors::store::StoreError;
use tingwu_actors::views::TicketView;
use tingwu_protocols::id_number::{self, IdNumber};

use crate::storage::Sealer;

use super::auth::{same_secret, supervisor_if_any};
use super::board::{public, Entry};
use super::error::json_body;
use super::extract::Path;
use super::{ApiError, AppState};

const ISSUE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(8);
const MAX_BODY: usize = 16 * 1024;
const MAX_IDEMPOTENCY_KEY: usize = 128;
/// How long an answer waits for the ticket board to show the new ticket, so
/// that the client can read it back at once (normally microseconds).
const BOARD_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    item: Option<String>,
    queue: Option<String>,
    #[serde(default)]
    channel: Channel,
    #[serde(default)]
    priority: Priority,
    /// Grants a special-group ticket (特殊人群密码), see `[priority]`.
    priority_password: Option<String>,
    phone: Option<String>,
    id_number: Option<String>,
    /// The kiosk taking the ticket, if any (取号机编号).
    kiosk: Option<String>,
}

pub async fn issue(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<IssueAnswer>), ApiError> {
    let req: TicketRequest = json_body(body, MAX_BODY).await?;
    let idempotency_key = idempotency_key(&headers)?;
    let (personal, id) = personal(&s, req.phone.as_deref(), req.id_number.as_deref())?;
    let today = hall_day(s.dir.clock.now(), s.dir.clock.tz, s.dir.clock.day_start);
    let priority = decide_priority(
        req.priority,
        id.as_ref(),
        req.priority_password.as_deref(),
        || supervisor_if_any(&s, &headers).map(|u| u.is_some()),
        &s.dir.config.priority,
        today,
    )?;
    let ticket = IssueTicket {
        // Shorter than the request timeout: a ticket nobody waits for is
        // not issued.
        deadline: Some(std::time::Instant::now() + ISSUE_DEADLINE),
        appointment: None,
        item: req.item,
        queue: req.queue,
        channel: req.channel,
        priority,
        personal,
        idempotency_key,
    };
    let shutting_down = |_| ApiError::unavailable("the hall is shutting down");
    let kiosk = match &req.kiosk {
        Some(k) => Some(s.dir.kiosks.get(k).ok_or_else(|| {
            ApiError::bad_request(
                "unknown_kiosk",
                format!("unknown kiosk {k:?} (取号机不存在)"),
            )
        })?),
        None => None,
    };
    let issued = match kiosk {
        Some(kiosk) => kiosk
            .send(TakeTicket(ticket))
            .await
            .map_err(shutting_down)?,
        None => s.dir.hall.send(ticket).await.map_err(shutting_down)?,
    }
    .map_err(issue_error)?;
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        tracing::info!(ticket = %issued.ticket.id, queue = %issued.ticket.queue, channel = ?issued.ticket.channel, priority = ?issued.ticket.priority, "ticket issued");
        StatusCode::CREATED
    };
    // The ticket is durable; let the board catch up so that a GET right
    // after this answer finds it.
    if !s.board.wait_for(&issued.ticket.id, BOARD_WAIT).await {
        tracing::warn!(ticket = %issued.ticket.id, "ticket board has not shown an issued ticket yet");
    }
    // The ticket is durable: now the kiosk's printer prints it. A printer
    // never refuses a ticket; out of service, the kiosk offers the SMS/QR
    // ticket instead. A replayed request prints nothing again.
    let mut answer = IssueAnswer {
        print: None,
        fallback: None,
        ticket: issued.ticket,
    };
    if let (Some(kiosk), false) = (kiosk, issued.replayed) {
        let printed = kiosk
            .send(PrintIssued(Box::new(answer.ticket.clone())))
            .await
            .ok()
            .flatten();
        if let Some(status) = printed {
            let printer = req
                .kiosk
                .as_deref()
                .and_then(|k| s.dir.config.printers.iter().find(|p| p.kiosk == k))
                .map(|p| p.id.clone())
                .unwrap_or_default();
            if status == PrintStatus::OutOfService {
                answer.fallback = Some(Fallback {
                    qr: format!("/t/{}", answer.ticket.id),
                    sms: answer.ticket.phone.is_some() && s.dir.config.notify.webhook.is_some(),
                });
            }
            answer.print = Some(PrintAnswer { printer, status });
        }
    }
    Ok((status, Json(answer)))
}

/// The answer to `POST /api/v1/tickets`: the ticket, and for a kiosk with a
/// printer how the print went.
#[derive(Debug, Serialize)]
pub struct IssueAnswer {
    #[serde(flatten)]
    pub ticket: TicketView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub print: Option<PrintAnswer>,
    /// When the printer is out of service: what the kiosk screen offers
    /// instead (the status page as a QR code, and SMS if the ticket has a
    /// phone and notices are configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
}

#[derive(Debug, Serialize)]
pub struct PrintAnswer {
    pub printer: String,
    pub status: PrintStatus,
}

#[derive(Debug, Serialize)]
pub struct Fallback {
    pub qr: String,
    pub sms: bool,
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    // `appt-` keys belong to appointment check-ins; a client may not take them.
    let key = v.to_str().ok().filter(|k| {
        !k.is_empty()
            && k.len() <= MAX_IDEMPOTENCY_KEY
            && k.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
            && !k.starts_with("appt-")
    });
    key.map(|k| Some(k.to_string())).ok_or_else(|| {
        ApiError::bad_request(
            "bad_request",
            format!("Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters without '/', not starting with \"appt-\""),
        )
    })
}

/// Validates personal data, seals it for storage and masks it for display;
/// also gives the validated ID number, for the holder's age.
pub(crate) fn personal(
    s: &AppState,
    phone: Option<&str>,
    id: Option<&str>,
) -> Result<(Personal, Option<IdNumber>), ApiError> {
    let mut p = Personal::default();
    if let Some(phone) = phone {
        if !id_number::validate_phone(phone) {
            return Err(ApiError::bad_request(
                "invalid_phone",
                "phone must be an 11-digit mainland mobile number starting with 1 (手机号格式错误)",
            ));
        }
        p.phone_sealed = Some(s.sealer.seal(phone));
        p.phone_masked = Some(id_number::mask_phone(phone));
        p.holders.push(s.sealer.fingerprint("phone", phone));
    }
    let id = match id {
        Some(id) => {
            let id = id_number::validate(id)
                .map_err(|e| ApiError::bad_request("invalid_id_number", e.to_string()))?;
            seal_id_number(&s.sealer, &id, &mut p);
            Some(id)
        }
        None => None,
    };
    Ok((p, id))
}

/// Seals a validated ID number into `p` for storage, with its masked form
/// and the holder's fingerprint (also used by the ID-card readers).
pub(crate) fn seal_id_number(sealer: &Sealer, id: &IdNumber, p: &mut Personal) {
    p.id_sealed = Some(sealer.seal(id.as_str()));
    p.holders.push(sealer.fingerprint("id", id.as_str()));
    p.id_masked = Some(id.masked());
}

/// Full years of age on `today` of someone born on `birth` (year, month,
/// day). Someone born on 29 February has a birthday on 1 March in other
/// years.
pub fn age_on(birth: (u16, u8, u8), today: NaiveDate) -> i32 {
    let (year, month, day) = birth;
    let mut age = today.year() - i32::from(year);
    if (today.month(), today.day()) < (u32::from(month), u32::from(day)) {
        age -= 1;
    }
    age
}

/// The priority a request gets (DESIGN: special groups "with a password or
/// by age read from the ID card"):
///
/// - `green` (绿色通道) needs a supervisor;
/// - `special` (特殊人群) needs an ID number of someone at least
///   `special_age` on the hall's `today`, or `priority_password` equal to
///   the configured password, or a supervisor;
/// - `normal` (or none) becomes `special` when the ID number shows the
///   holder is old enough.
///
/// `supervisor` is asked only when it decides: Ok(true) for a valid
/// supervisor token, Ok(false) without one, Err for a token that is unknown
/// or expired.
pub fn decide_priority(
    requested: Priority,
    id: Option<&IdNumber>,
    password: Option<&str>,
    supervisor: impl FnOnce() -> Result<bool, ApiError>,
    cfg: &PriorityConfig,
    today: NaiveDate,
) -> Result<Priority, ApiError> {
    let old_enough = id.is_some_and(|id| {
        age_on(id.birth_date(), today) >= i32::try_from(cfg.special_age).unwrap_or(i32::MAX)
    });
    match requested {
        Priority::Normal if old_enough => Ok(Priority::Special),
        Priority::Normal => Ok(Priority::Normal),
        Priority::Special => {
            let password_ok = match (password, cfg.special_password.as_deref()) {
                (Some(given), Some(expected)) => same_secret(given, expected),
                _ => false,
            };
            if old_enough || password_ok || supervisor()? {
                Ok(Priority::Special)
            } else {
                if password.is_some() {
                    tracing::warn!("special-group ticket refused: wrong priority password");
                }
                Err(ApiError::forbidden(
                    "priority_not_allowed",
                    format!(
                        "a special-group ticket (特殊人群优先) needs the ID number of someone aged {age} or over, \
                         the special-group password, or a supervisor \
                         (需{age}周岁及以上身份证、特殊人群密码或管理员授权)",
                        age = cfg.special_age
                    ),
                ))
            }
        }
        Priority::Green => {
            if supervisor()? {
                Ok(Priority::Green)
            } else {
                Err(ApiError::forbidden(
                    "priority_not_allowed",
                    "a green-channel ticket (绿色通道) needs a supervisor: \
                     send Authorization: Bearer TOKEN (需管理员授权)",
                ))
            }
        }
    }
}

fn issue_error(e: IssueError) -> ApiError {
    let status = match &e {
        IssueError::UnknownItem(_) | IssueError::UnknownQueue(_) | IssueError::ItemOrQueue => {
            StatusCode::BAD_REQUEST
        }
        IssueError::ItemClosed { .. } | IssueError::NoOpenWindow { .. } => StatusCode::CONFLICT,
        IssueError::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
        IssueError::LimitReached { .. } => StatusCode::TOO_MANY_REQUESTS,
        IssueError::Storage(_) | IssueError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let busy = matches!(e, IssueError::Storage(StoreError::Busy));
    let err = ApiError::new(status, e.code(), e.to_string());
    if busy {
        err.retry_after(1)
    } else {
        err
    }
}

/// Where a ticket id's record lives: its day, queue and number in the day.
fn locate<'a>(s: &'a AppState, id: &'a str) -> Result<(&'a str, &'a str, u32), ApiError> {
    let not_found = || ApiError::not_found(format!("no ticket {id:?} (号票不存在)"));
    let (day, prefix, seq) = parse_ticket_id(id).ok_or_else(not_found)?;
    let queue = s
        .dir
        .config
        .queues
        .iter()
        .find(|q| q.prefix == prefix)
        .ok_or_else(not_found)?;
    Ok((day, queue.id.as_str(), seq))
}

/// Reads a ticket's durable record, off the async workers.
async fn read_stored(s: &AppState, id: &str) -> Result<Ticket, ApiError> {
    let (day, queue, seq) = locate(s, id)?;
    let (reader, day, queue) = (s.reader.clone(), day.to_string(), queue.to_string());
    tokio::task::spawn_blocking(move || reader.ticket(&day, &queue, seq))
        .await
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
        .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
        .ok_or_else(|| ApiError::not_found(format!("no ticket {id:?} (号票不存在)")))
}

/// A ticket's public status: no phone, no ID number. Today's tickets come
/// from the ticket board (memory), earlier days' from storage, read off the
/// async workers.
pub async fn get_ticket(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let (day, queue_id, _) = locate(&s, &id)?;
    let today = s.dir.clock.day(s.dir.clock.now());
    let entry = match s.board.get(&id) {
        Some(e) => e,
        None if day >= today.as_str() => {
            return Err(ApiError::not_found(format!(
                "no ticket {id:?} (号票不存在)"
            )))
        }
        None => {
            let ticket = read_stored(&s, &id).await?;
            Entry {
                view: public(TicketView::of(&ticket, 0, 0)),
            }
        }
    };
    let mut view = entry.view.clone();
    view.people_ahead = 0;
    view.estimated_wait_s = 0;
    view.expected_call_at = None;
    if view.status == TicketStatus::Waiting {
        // A transferred ticket waits in another queue's line.
        let line = entry
            .view
            .waiting_in
            .clone()
            .unwrap_or_else(|| queue_id.to_string());
        if let Some(addr) = s.dir.queues.get(&line) {
            if let Ok(Some((ahead, wait))) = addr
                .send(Position {
                    id: entry.view.id.clone(),
                })
                .await
            {
                view.people_ahead = ahead;
                view.estimated_wait_s = wait;
                view.expected_call_at = Some(
                    chrono::Utc::now()
                        + chrono::Duration::seconds(i64::try_from(wait).unwrap_or(0)),
                );
            }
        }
    }
    Ok(Json(view))
}

/// `POST /api/v1/tickets/{id}/rejoin`: a citizen who missed the call comes
/// back (at a kiosk or the information desk) and rejoins a few places back,
/// within the hall's time limit.
pub async fn rejoin(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    // The skip that made it a no-show was acknowledged, so it is durable.
    let ticket = read_stored(&s, &id).await?;
    let view = s
        .dir
        .hall
        .send(tingwu_actors::hall::Rejoin(Box::new(ticket)))
        .await
        .map_err(|_| ApiError::unavailable("the hall is shutting down"))?
        .map_err(|e| {
            use tingwu_actors::hall::RejoinError as E;
            match e {
                E::NotSkipped | E::OtherDay => {
                    ApiError::new(StatusCode::CONFLICT, "not_a_no_show", e.to_string())
                }
                E::AlreadyRejoined => {
                    ApiError::new(StatusCode::CONFLICT, "already_rejoined", e.to_string())
                }
                E::TooLate(_) => ApiError::new(StatusCode::CONFLICT, "too_late", e.to_string()),
                E::Storage(_) | E::Unavailable => ApiError::unavailable(e.to_string()),
            }
        })?;
    Ok(Json(public(view)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id_born(y: u16, m: u8, d: u8) -> IdNumber {
        let first17 = format!("110105{y:04}{m:02}{d:02}002");
        let check = id_number::check_digit(&first17).unwrap();
        id_number::validate(&format!("{first17}{check}")).unwrap()
    }

    fn cfg(password: Option<&str>) -> PriorityConfig {
        PriorityConfig {
            special_age: 70,
            special_password: password.map(str::to_string),
        }
    }

    fn no_supervisor() -> Result<bool, ApiError> {
        Ok(false)
    }

    fn refused(r: Result<Priority, ApiError>) -> bool {
        matches!(r, Err(e) if e.status == StatusCode::FORBIDDEN && e.code == "priority_not_allowed")
    }

    #[test]
    fn age_counts_full_years_and_leap_day_birthdays() {
        assert_eq!(age_on((1956, 11, 26), day(2026, 11, 26)), 70);
        assert_eq!(age_on((1956, 11, 27), day(2026, 11, 26)), 69);
        assert_eq!(age_on((1956, 2, 29), day(2026, 2, 28)), 69);
        assert_eq!(age_on((1956, 2, 29), day(2026, 3, 1)), 70);
        assert_eq!(age_on((1956, 2, 29), day(2028, 2, 29)), 72);
    }

    #[test]
    fn green_needs_a_supervisor() {
        let today = day(2026, 11, 26);
        let old = id_born(1940, 1, 1);
        assert!(refused(decide_priority(
            Priority::Green,
            Some(&old),
            Some("pw"),
            no_supervisor,
            &cfg(Some("pw")),
            today
        )));
        assert_eq!(
            decide_priority(Priority::Green, None, None, || Ok(true), &cfg(None), today).unwrap(),
            Priority::Green
        );
        let expired = decide_priority(
            Priority::Green,
            None,
            None,
            || Err(ApiError::unauthorized("expired")),
            &cfg(None),
            today,
        );
        assert!(matches!(expired, Err(e) if e.status == StatusCode::UNAUTHORIZED));
    }

    #[test]
    fn special_needs_age_password_or_supervisor() {
        let today = day(2026, 11, 26);
        let seventy_today = id_born(1956, 11, 26);
        let seventy_tomorrow = id_born(1956, 11, 27);
        let special = |id: Option<&IdNumber>, pw: Option<&str>, sup: bool, c: &PriorityConfig| {
            decide_priority(Priority::Special, id, pw, || Ok(sup), c, today)
        };
        assert_eq!(
            special(Some(&seventy_today), None, false, &cfg(None)).unwrap(),
            Priority::Special
        );
        assert!(refused(special(
            Some(&seventy_tomorrow),
            None,
            false,
            &cfg(None)
        )));
        assert!(refused(special(None, None, false, &cfg(None))));
        // Password: only the configured one, and only when one is configured.
        assert_eq!(
            special(
                None,
                Some("demo-special"),
                false,
                &cfg(Some("demo-special"))
            )
            .unwrap(),
            Priority::Special
        );
        assert!(refused(special(
            None,
            Some("demo-specia"),
            false,
            &cfg(Some("demo-special"))
        )));
        assert!(refused(special(None, Some(""), false, &cfg(None))));
        assert_eq!(
            special(None, None, true, &cfg(None)).unwrap(),
            Priority::Special
        );
        // A younger age threshold from the config.
        let c = PriorityConfig {
            special_age: 60,
            special_password: None,
        };
        assert_eq!(
            special(Some(&id_born(1966, 1, 1)), None, false, &c).unwrap(),
            Priority::Special
        );
    }

    #[test]
    fn old_enough_is_special_without_asking() {
        let today = day(2026, 11, 26);
        let sup_not_asked = || -> Result<bool, ApiError> { panic!("supervisor asked for nothing") };
        assert_eq!(
            decide_priority(
                Priority::Normal,
                Some(&id_born(1949, 12, 31)),
                None,
                sup_not_asked,
                &cfg(None),
                today
            )
            .unwrap(),
            Priority::Special
        );
        assert_eq!(
            decide_priority(
                Priority::Normal,
                Some(&id_born(1990, 1, 1)),
                None,
                sup_not_asked,
                &cfg(None),
                today
            )
            .unwrap(),
            Priority::Normal
        );
        assert_eq!(
            decide_priority(
                Priority::Normal,
                None,
                None,
                sup_not_asked,
                &cfg(None),
                today
            )
            .unwrap(),
            Priority::Normal
        );
    }

    #[test]
    fn storage_busy_is_503_with_retry_after() {
        use axum::response::IntoResponse;
        let r = issue_error(IssueError::Storage(StoreError::Busy)).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers().get("retry-after").unwrap(), "1");
        let r = issue_error(IssueError::Unavailable).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().get("retry-after").is_none());
    }
}
