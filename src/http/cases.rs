//! Cases (办件) over HTTP (issue 10):
//!
//! - `POST /api/v1/cases`: intake at the caller's window from the ticket it
//!   serves (window staff: the caller page's `Authorization: Bearer` token);
//!   a package item makes a package (`case_packages.rs`); one case per
//!   ticket and item (409 `case_ticket_taken`);
//! - `POST /api/v1/cases/{number}/{action}`: a transition — `accept`,
//!   `correction`, `answer`, `supply`, `suspend`, `resume`, `approve`,
//!   `reject`, `extend` (supervisor), `terminate`, `deliver`;
//! - `GET /api/v1/cases/{number}`: one case, masked, with its
//!   e-supervision (staff of its department, supervisors);
//! - `GET /api/v1/cases?open=true`: staff their window's departments' cases,
//!   supervisors all, each with its colour;
//! - `GET /api/v1/cases/{number}/public?check=LAST4`: the citizen's query
//!   (rate-limited per source; a wrong check is a 404 like an unknown
//!   number);
//! - `GET /case`: the citizen's page.
//!
//! Every answer holds the applicant masked only; the shapes are in the
//! README ("Cases (办件)").

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Html;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::case::CaseError;
use tingwu_actors::core::case::{CaseRecord, Refusal};

use super::auth::{bearer, source};
use super::case_actions::{bad, input_of, ActionBody};
use super::case_packages::{view_by_number, view_of};
use super::error::json_body;
use super::extract::{Path, Peer, Query};
use super::{ApiError, AppState};
use crate::app::cases::{ApplicantInput, CaseAppError, CaseCaller, CaseIntake};

const MAX_BODY: usize = 16 * 1024;
const PAGE: &str = include_str!("../../dashboards/case.html");

impl From<CaseAppError> for ApiError {
    fn from(e: CaseAppError) -> Self {
        use CaseAppError as E;
        let code = e.code();
        let message = e.to_string();
        match e {
            E::Auth(a) => a.into(),
            E::Asker(a) => a.into(),
            E::Case(CaseError::Refused(r)) => {
                let status = match r {
                    Refusal::Role { .. } => StatusCode::FORBIDDEN,
                    Refusal::Calendar(_) => StatusCode::SERVICE_UNAVAILABLE,
                    Refusal::NotAllowed { .. }
                    | Refusal::TicketTaken { .. }
                    | Refusal::PackageAction { .. }
                    | Refusal::AlreadyExtended
                    | Refusal::CorrectionNoticeLate { .. }
                    | Refusal::MaterialsOwed { .. }
                    | Refusal::ImmediateCase { .. } => StatusCode::CONFLICT,
                    Refusal::MaterialsMissing { ref notice } => {
                        return ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            code,
                            format!("{message}: {}", notice.text()),
                        )
                    }
                    _ => StatusCode::BAD_REQUEST,
                };
                ApiError::new(status, code, message)
            }
            E::Case(CaseError::NotFound(_)) | E::NotFound => ApiError::not_found(message),
            E::Case(CaseError::OtherDepartment { .. }) | E::OtherDepartment => {
                ApiError::forbidden(code, message)
            }
            E::Case(CaseError::UnknownItem(_)) => ApiError::bad_request(code, message),
            E::Case(CaseError::Storage(_) | CaseError::Number(_)) | E::Unavailable(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message).retry_after(1)
            }
            E::StaffOnly => ApiError::forbidden(code, message),
            E::Case(CaseError::KeyReused(_) | CaseError::KeyOtherRequest(_)) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            E::NoTicket(_) | E::NoCardReader(_) | E::NoCardRead(_) => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            E::Applicant(_) | E::ItemRequired | E::ItemNotOfTicket { .. } | E::OtherItem { .. } => {
                ApiError::bad_request(code, message)
            }
        }
    }
}

/// The longest `Idempotency-Key`.
const MAX_KEY: usize = 64;

/// The request's `Idempotency-Key` (1–64 printable ASCII characters), if
/// any; 400 `bad_request` for one that is not.
fn request_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_string()))
        .ok_or_else(|| {
            bad(format!(
                "幂等键须为 1 至 {MAX_KEY} 个可打印 ASCII 字符 / Idempotency-Key must be 1-{MAX_KEY} printable ASCII characters"
            ))
        })
}

fn caller(s: &AppState, headers: &HeaderMap) -> Result<CaseCaller, ApiError> {
    Ok(s.app.case_caller(bearer(headers).map(str::trim))?)
}

/// The staff's view of a case: the case (masked), the ticket it was taken
/// in from (`null` in records written before tickets were kept), its
/// supervision and its history.
pub(super) fn staff_view(
    record: &CaseRecord,
    sup: Option<&tingwu_actors::core::case::supervision::CaseSupervision>,
) -> Value {
    json!({
        "case": record.case,
        "ticket": record.ticket,
        "supervision": sup,
        "history": record.history,
    })
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum ApplicantBody {
    Person {
        id_number: String,
        name: String,
        #[serde(default)]
        phone: Option<String>,
    },
    Organisation {
        credit_code: String,
        name: String,
        #[serde(default)]
        phone: Option<String>,
    },
    /// The person the window's ID-card reader just read.
    CardReader {
        #[serde(default)]
        phone: Option<String>,
    },
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntakeBody {
    #[serde(default)]
    item: Option<String>,
    applicant: ApplicantBody,
    #[serde(default)]
    materials: Vec<String>,
    #[serde(default)]
    green: bool,
    #[serde(default = "default_true")]
    on_the_spot: bool,
}

/// `POST /api/v1/cases` → 201 with the case (masked).
pub async fn intake(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = caller(&s, &headers)?;
    let key = request_key(&headers)?;
    let b: IntakeBody = json_body(body, MAX_BODY).await?;
    let applicant = match b.applicant {
        ApplicantBody::Person {
            id_number,
            name,
            phone,
        } => ApplicantInput::Person {
            id_number,
            name,
            phone,
        },
        ApplicantBody::Organisation {
            credit_code,
            name,
            phone,
        } => ApplicantInput::Organisation {
            credit_code,
            name,
            phone,
        },
        ApplicantBody::CardReader { phone } => ApplicantInput::CardReader { phone },
    };
    let made = s
        .app
        .take_in_case(
            &who,
            CaseIntake {
                item: b.item,
                applicant,
                materials: b.materials,
                green: b.green,
                on_the_spot: b.on_the_spot,
                key,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view_of(&s, &who, made).await?)))
}

/// `POST /api/v1/cases/{number}/{action}` → the case after it.
pub async fn act(
    State(s): State<AppState>,
    Path((number, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    let who = caller(&s, &headers)?;
    let key = request_key(&headers)?;
    let bytes = super::error::read_body(body, MAX_BODY).await?;
    let b: ActionBody = if bytes.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| super::error::bad_json(&e))?
    };
    let input = input_of(&action, b)?;
    let made = s.app.act_on_case(&who, &number, input, key).await?;
    Ok(Json(view_of(&s, &who, made).await?))
}

/// `GET /api/v1/cases/{number}` (a case or a package).
pub async fn get_case(
    State(s): State<AppState>,
    Path(number): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let who = caller(&s, &headers)?;
    Ok(Json(view_by_number(&s, &who, &number).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `true`: open cases only; `false`: closed ones only; absent: all.
    #[serde(default)]
    open: Option<bool>,
}

/// `GET /api/v1/cases[?open=true|false]`.
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let who = caller(&s, &headers)?;
    let mut cases = s.app.cases(&who, q.open == Some(true)).await?;
    if q.open == Some(false) {
        cases.retain(|c| !c.case.status.is_open());
    }
    Ok(Json(json!({ "cases": cases })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    #[serde(default)]
    check: String,
}

/// `GET /api/v1/cases/{number}/public?check=LAST4`.
pub async fn public(
    State(s): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<PublicQuery>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    if q.check.trim().is_empty() {
        return Err(ApiError::bad_request(
            "check_required",
            "请输入申请时所留手机号或证件号码的后四位 (?check=) / give the last four characters of the applicant's phone or ID number (?check=)",
        ));
    }
    let src = source(&s, peer, &headers);
    let view = s.app.public_case(src, &number, &q.check).await?;
    Ok(Json(json!(view)))
}

/// `GET /case`: the citizen's query page.
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}
