//! `POST /api/v1/tickets` and `GET /api/v1/tickets/{id}`.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use tingwu_actors::core::numbering::rejoin_until;
use tingwu_actors::core::ticket::{parse_ticket_id, Channel, Priority, Ticket, TicketStatus};
use tingwu_actors::queue::{Position, WaitKnown};
use tingwu_actors::views::TicketView;

use crate::app::tickets::{Fallback, PrintAnswer, TicketOrder};

use super::auth::{claim, kiosk_credentials, source};
use super::board::{public, Entry};
use super::error::json_body;
use super::extract::{Path, Peer};
use super::{ApiError, AppState};

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
    /// Kiosks and staff may name any; a citizen's own channel gets
    /// `online` (see `tingwu_core::ticket_source`).
    channel: Option<Channel>,
    #[serde(default)]
    priority: Priority,
    /// Grants a special-group ticket (特殊人群密码), see `[priority]`.
    priority_password: Option<String>,
    phone: Option<String>,
    id_number: Option<String>,
    /// The kiosk taking the ticket, if any (取号机编号).
    kiosk: Option<String>,
}

/// `POST /api/v1/tickets`: parses the body and the `Idempotency-Key`,
/// asks the application layer to issue (and, at a kiosk, print) the ticket.
/// 201 with the ticket, 200 for a replayed key.
pub async fn issue(
    State(s): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<IssueAnswer>), ApiError> {
    let req: TicketRequest = json_body(body, MAX_BODY).await?;
    let idempotency_key = idempotency_key(&headers)?;
    let kiosk_credentials = kiosk_credentials(&headers)?;
    let kiosk = req
        .kiosk
        .clone()
        .or_else(|| kiosk_credentials.as_ref().map(|c| c.kiosk.clone()));
    let issued = s
        .app
        .issue_ticket(TicketOrder {
            item: req.item,
            queue: req.queue,
            channel: req.channel,
            priority: req.priority,
            priority_password: req.priority_password,
            phone: req.phone,
            id_number: req.id_number,
            kiosk: req.kiosk,
            kiosk_credentials,
            source: source(&s, peer, &headers),
            idempotency_key,
            supervisor: claim(&headers),
        })
        .await
        .map_err(|e| refused_until_tomorrow(&s, e))?;
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    // The ticket is durable; let the board catch up so that a GET right
    // after this answer finds it.
    if !s.board.wait_for(&issued.ticket.id, BOARD_WAIT).await {
        tracing::warn!(ticket = %issued.ticket.id, "ticket board has not shown an issued ticket yet");
    }
    // The ticket is durable: now the kiosk's printer prints it. A replayed
    // request prints nothing again.
    let mut answer = IssueAnswer {
        print: None,
        fallback: None,
        ticket: issued.ticket,
    };
    if let (Some(kiosk), false) = (kiosk, issued.replayed) {
        if let Some((print, fallback)) = s.app.print_ticket(&kiosk, &answer.ticket).await {
            answer.print = Some(print);
            answer.fallback = fallback;
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

/// A per-person limit lifts when the next hall day starts: say when, in
/// `Retry-After` (RFC 6585 §4), rather than let a kiosk retry at once.
fn refused_until_tomorrow(s: &AppState, e: crate::app::TicketError) -> ApiError {
    use tingwu_actors::hall::IssueError;
    let limit = matches!(
        &e,
        crate::app::TicketError::Issue(IssueError::LimitReached { .. })
    );
    let err = ApiError::from(e);
    if !limit {
        return err;
    }
    let cfg = &s.dir.config;
    let now = s.dir.clock.now();
    let next = tingwu_actors::core::day::next_day_start(now, cfg.tz(), cfg.day_start());
    let seconds = (next - now).num_seconds().clamp(1, 86_400);
    err.retry_after(u32::try_from(seconds).unwrap_or(86_400))
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
            format!("Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters without '/', not starting with \"appt-\" (幂等键格式错误：须为1-{MAX_IDEMPOTENCY_KEY}个可打印ASCII字符，不含'/'，不以\"appt-\"开头)"),
        )
    })
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
    view.rejoin_until = None;
    if view.status == TicketStatus::NoShow {
        // The skip was acknowledged, so it is durable: the stored ticket
        // says when; the page offers rejoin until the hall's limit.
        let now = s.dir.clock.now();
        let stored = read_stored(&s, &id).await?;
        view.rejoin_until = rejoin_until(
            &stored,
            s.dir.config.calling.rejoin_within_s,
            &s.dir.clock.day(now),
            now,
        );
    }
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
                // With no window open to call it, the wait is unknown: the
                // page says so instead of promising minutes (issue 8, item 16).
                view.wait_unknown = !addr.send(WaitKnown).await.unwrap_or(false);
                if !view.wait_unknown {
                    view.estimated_wait_s = wait;
                    view.expected_call_at = Some(
                        chrono::Utc::now()
                            + chrono::Duration::seconds(i64::try_from(wait).unwrap_or(0)),
                    );
                }
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
    let view = s.app.rejoin(ticket).await.map_err(|e| {
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
    use axum::response::IntoResponse;
    use tingwu_actors::hall::IssueError;
    use tingwu_actors::store::StoreError;

    use crate::app::TicketError;

    #[test]
    fn storage_busy_is_503_with_retry_after() {
        let r = ApiError::from(TicketError::Issue(IssueError::Storage(StoreError::Busy)))
            .into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers().get("retry-after").unwrap(), "1");
        let r = ApiError::from(TicketError::Issue(IssueError::Unavailable)).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.headers().get("retry-after").is_none());
    }

    #[test]
    fn priority_refusals_are_403_priority_not_allowed() {
        let e = ApiError::from(TicketError::Priority(
            tingwu_actors::core::admission::PriorityRefused::Green,
        ));
        assert_eq!(
            (e.status, e.code),
            (StatusCode::FORBIDDEN, "priority_not_allowed")
        );
    }
}
