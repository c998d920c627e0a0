//! `POST /api/v1/tickets` and `GET /api/v1/tickets/{id}`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use tingwu_actors::core::ticket::{
    parse_ticket_id, Channel, Personal, Priority, Ticket, TicketStatus,
};
use tingwu_actors::hall::{IssueError, IssueTicket};
use tingwu_actors::keys;
use tingwu_actors::kiosk::TakeTicket;
use tingwu_actors::queue::Position;
use tingwu_actors::views::TicketView;
use tingwu_protocols::id_number;

use super::error::json_body;
use super::{ApiError, AppState};

const MAX_BODY: usize = 16 * 1024;
const MAX_IDEMPOTENCY_KEY: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    item: Option<String>,
    queue: Option<String>,
    #[serde(default)]
    channel: Channel,
    #[serde(default)]
    priority: Priority,
    phone: Option<String>,
    id_number: Option<String>,
    /// The kiosk taking the ticket, if any (取号机编号).
    kiosk: Option<String>,
}

pub async fn issue(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let req: TicketRequest = json_body(body, MAX_BODY).await?;
    let idempotency_key = idempotency_key(&headers)?;
    let personal = personal(&s, req.phone.as_deref(), req.id_number.as_deref())?;
    let ticket = IssueTicket {
        item: req.item,
        queue: req.queue,
        channel: req.channel,
        priority: req.priority,
        personal,
        idempotency_key,
    };
    let shutting_down = |_| ApiError::unavailable("the hall is shutting down");
    let issued = match req.kiosk {
        Some(k) => {
            let kiosk = s.dir.kiosks.get(&k).ok_or_else(|| {
                ApiError::bad_request(
                    "unknown_kiosk",
                    format!("unknown kiosk {k:?} (取号机不存在)"),
                )
            })?;
            kiosk
                .send(TakeTicket(ticket))
                .await
                .map_err(shutting_down)?
        }
        None => s.dir.hall.send(ticket).await.map_err(shutting_down)?,
    }
    .map_err(issue_error)?;
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        tracing::info!(ticket = %issued.ticket.id, queue = %issued.ticket.queue, channel = ?issued.ticket.channel, "ticket issued");
        StatusCode::CREATED
    };
    Ok((status, Json(issued.ticket)))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().ok().filter(|k| {
        !k.is_empty()
            && k.len() <= MAX_IDEMPOTENCY_KEY
            && k.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
    });
    key.map(|k| Some(k.to_string())).ok_or_else(|| {
        ApiError::bad_request(
            "bad_request",
            format!("Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters without '/'"),
        )
    })
}

/// Validates personal data, seals it for storage and masks it for display.
fn personal(s: &AppState, phone: Option<&str>, id: Option<&str>) -> Result<Personal, ApiError> {
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
    }
    if let Some(id) = id {
        let id = id_number::validate(id)
            .map_err(|e| ApiError::bad_request("invalid_id_number", e.to_string()))?;
        p.id_sealed = Some(s.sealer.seal(id.as_str()));
        p.id_masked = Some(id.masked());
    }
    Ok(p)
}

fn issue_error(e: IssueError) -> ApiError {
    let status = match &e {
        IssueError::UnknownItem(_) | IssueError::UnknownQueue(_) | IssueError::ItemOrQueue => {
            StatusCode::BAD_REQUEST
        }
        IssueError::ItemClosed { .. } | IssueError::NoOpenWindow { .. } => StatusCode::CONFLICT,
        IssueError::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
        IssueError::Storage(_) | IssueError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    ApiError::new(status, e.code(), e.to_string())
}

pub async fn get_ticket(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    let not_found = || ApiError::not_found(format!("no ticket {id:?} (号票不存在)"));
    let (day, prefix, seq) = parse_ticket_id(&id).ok_or_else(not_found)?;
    let queue = s
        .dir
        .config
        .queues
        .iter()
        .find(|q| q.prefix == prefix)
        .ok_or_else(not_found)?;
    let bytes =
        s.db.get(keys::ticket(day, &queue.id, seq))
            .map_err(|e| ApiError::unavailable(format!("storage read failed: {e}")))?
            .ok_or_else(not_found)?;
    let ticket: Ticket = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::unavailable(format!("ticket record unreadable: {e}")))?;
    let mut view = TicketView::of(&ticket, 0, 0);
    if ticket.status == TicketStatus::Waiting {
        if let Some(addr) = s.dir.queues.get(&queue.id) {
            if let Ok(Some((ahead, wait))) = addr
                .send(Position {
                    ticket: Box::new(ticket),
                })
                .await
            {
                view.people_ahead = ahead;
                view.estimated_wait_s = wait;
            }
        }
    }
    Ok(Json(view))
}
