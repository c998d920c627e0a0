//! The software caller (虚拟叫号): a web page on the window PC that does what
//! the MQTT window terminal does, over HTTP.
//!
//! - `POST /api/v1/windows/{w}/session` `{"staff","pin"}` checks the staff
//!   member's PIN (and that they may work at window `w`) and answers a caller
//!   token bound to that window and that staff member. It does not log the
//!   window in: the page sends the `login` command for that.
//! - `DELETE /api/v1/windows/{w}/session` forgets the token.
//! - `POST /api/v1/windows/{w}/commands` with `Authorization: Bearer TOKEN`
//!   and the terminal command JSON (`{"id","action",…}`, parsed with
//!   [`parse_command`], at most 4 KiB) hands the command to the window actor
//!   and answers 200 with its [`Reply`] (`ok` true or false). A retried
//!   command with the same id takes effect once and gets the same reply.
//!
//! A token acts only for its own window (403 `forbidden` elsewhere), only
//! for its own staff member (a `login` naming someone else, or a command
//! while someone else is logged in at the window, is 403 `forbidden`), and
//! repeated wrong PINs lock that staff id out of this endpoint for a while
//! (429 `too_many_attempts`), so a 4-digit PIN cannot be guessed over HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_actors::window::{Command, GetWindow};
use tingwu_protocols::terminal::{parse_command, Action, CommandError, Reply, MAX_COMMAND_BYTES};
use tokio::sync::Semaphore;

use super::auth::same_secret;
use super::error::{json_body, read_body};
use super::extract::Path;
use super::{ApiError, AppState};
use crate::telemetry;

/// How long a caller token lasts (a working day).
const SESSION: Duration = Duration::from_secs(8 * 3600);
/// Caller sessions open at once, over all windows.
const MAX_SESSIONS: usize = 10_000;
/// Wrong PINs in a row before a staff id is locked out for [`LOCKOUT`].
const MAX_FAILURES: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(60);
/// Commands a window may have waiting at once from callers; more are `busy`.
const IN_FLIGHT_PER_WINDOW: usize = 8;

/// Who a caller token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerSession {
    pub window: String,
    pub staff: String,
}

#[derive(Default)]
struct Inner {
    tokens: HashMap<String, (CallerSession, Instant)>,
    /// Staff id → (wrong PINs in a row, locked until). Only configured
    /// staff ids are kept, so the map is bounded by the hall's staff list.
    failures: HashMap<String, (u32, Option<Instant>)>,
    /// Staff id → lockouts in a row (reset by a right PIN); bounded likewise.
    lockouts: HashMap<String, u32>,
    in_flight: HashMap<String, Arc<Semaphore>>,
}

/// The caller sessions of the hall; separate from the supervisors'.
pub struct CallerSessions {
    inner: Mutex<Inner>,
    max: usize,
}

impl Default for CallerSessions {
    fn default() -> Self {
        Self::with_capacity(MAX_SESSIONS)
    }
}

impl CallerSessions {
    /// At most `max` caller sessions are open at once.
    pub fn with_capacity(max: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here can leave the maps half-changed; a poisoned lock is
        // still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new token for `session`, or None when every slot is taken
    /// (expired sessions are dropped first).
    pub fn open(&self, session: CallerSession) -> Option<String> {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.tokens.retain(|_, (_, exp)| *exp > now);
        if inner.tokens.len() >= self.max {
            return None;
        }
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        inner.tokens.insert(token.clone(), (session, now + SESSION));
        Some(token)
    }

    /// The session a token belongs to, if it is valid.
    pub fn get(&self, token: &str) -> Option<CallerSession> {
        self.lock()
            .tokens
            .get(token)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(s, _)| s.clone())
    }

    /// Forgets a token; true if it was open.
    pub fn close(&self, token: &str) -> bool {
        self.lock().tokens.remove(token).is_some()
    }

    /// When the staff id is locked out after wrong PINs, the time left.
    fn locked(&self, staff: &str) -> Option<Duration> {
        let now = Instant::now();
        self.lock()
            .failures
            .get(staff)
            .and_then(|(_, until)| *until)
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    fn failed(&self, staff: &str) {
        let mut inner = self.lock();
        let lockouts = inner.lockouts.entry(staff.to_string()).or_insert(0);
        let n = *lockouts;
        let entry = inner.failures.entry(staff.to_string()).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= MAX_FAILURES {
            // Each lockout in a row lasts twice the last (1 min … 1 h), so
            // guessing a 4-digit PIN takes days, not an afternoon.
            let factor = 1u32 << n.min(6);
            let lock = (LOCKOUT * factor).min(Duration::from_secs(3600));
            *entry = (0, Some(Instant::now() + lock));
            if let Some(l) = inner.lockouts.get_mut(staff) {
                *l = l.saturating_add(1);
            }
        }
    }

    fn succeeded(&self, staff: &str) {
        let mut inner = self.lock();
        inner.failures.remove(staff);
        inner.lockouts.remove(staff);
    }

    fn slots(&self, window: &str) -> Arc<Semaphore> {
        self.lock()
            .in_flight
            .entry(window.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(IN_FLIGHT_PER_WINDOW)))
            .clone()
    }
}

fn unknown_window(w: &str) -> ApiError {
    ApiError::not_found(format!("no window {w:?} (窗口不存在)"))
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "a caller token is needed: POST /api/v1/windows/{w}/session (需要工作人员登录)",
            )
        })
}

/// The session behind `Authorization: Bearer …`, which must be window `w`'s.
fn session_for(s: &AppState, headers: &HeaderMap, w: &str) -> Result<CallerSession, ApiError> {
    let token = bearer(headers)?;
    let session = s.callers.get(token).ok_or_else(|| {
        ApiError::unauthorized("the caller token is unknown or expired (登录已过期，请重新登录)")
    })?;
    if session.window != w {
        return Err(ApiError::forbidden(
            "forbidden",
            format!(
                "this token belongs to window {}, not window {w} (无权操作其他窗口)",
                session.window
            ),
        ));
    }
    Ok(session)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    staff: String,
    pin: String,
}

/// `POST /api/v1/windows/{w}/session`: a caller token for staff at window `w`.
pub async fn open(
    State(s): State<AppState>,
    Path(w): Path<String>,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    if !s.dir.windows.contains_key(&w) {
        return Err(unknown_window(&w));
    }
    let req: SessionRequest = json_body(body, 4096).await?;
    let person = s.dir.config.staff.iter().find(|p| p.id == req.staff);
    if let Some(left) = person.and_then(|p| s.callers.locked(&p.id)) {
        tracing::warn!(window = %w, staff = %req.staff, "caller login refused: locked out after wrong PINs");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "too many wrong PINs; try again in {} s (密码错误次数过多，请稍后再试)",
                left.as_secs().max(1)
            ),
        )
        .retry_after(u32::try_from(left.as_secs().max(1)).unwrap_or(60)));
    }
    let Some(person) = person.filter(|p| same_secret(&p.pin, &req.pin)) else {
        if let Some(p) = person {
            s.callers.failed(&p.id);
        }
        tracing::warn!(window = %w, staff = %req.staff, "caller login refused: wrong staff id or PIN");
        return Err(ApiError::unauthorized(
            "unknown staff id or wrong PIN (工号或密码错误)",
        ));
    };
    s.callers.succeeded(&person.id);
    if !person.windows.is_empty() && !person.windows.contains(&w) {
        tracing::warn!(window = %w, staff = %person.id, "caller login refused: not this staff member's window");
        return Err(ApiError::forbidden(
            "forbidden",
            format!(
                "staff {} may not work at window {w} (无权在此窗口登录)",
                person.id
            ),
        ));
    }
    let session = CallerSession {
        window: w.clone(),
        staff: person.id.clone(),
    };
    let Some(token) = s.callers.open(session) else {
        tracing::warn!(window = %w, "caller login refused: every session slot is taken");
        return Err(ApiError::busy(
            "too many caller sessions are open; try again later (登录会话已满，请稍后再试)",
        ));
    };
    tracing::info!(window = %w, staff = %person.id, "caller session opened");
    Ok(Json(json!({
        "token": token,
        "expires_in": SESSION.as_secs(),
        "window": w,
        "staff": {"id": person.id, "name": person.name},
    })))
}

/// `DELETE /api/v1/windows/{w}/session`: forgets the caller token.
pub async fn close(
    State(s): State<AppState>,
    Path(w): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    if !s.dir.windows.contains_key(&w) {
        return Err(unknown_window(&w));
    }
    session_for(&s, &headers, &w)?;
    s.callers.close(bearer(&headers)?);
    Ok(StatusCode::NO_CONTENT)
}

fn command_error(e: &CommandError) -> ApiError {
    let status = match e {
        CommandError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// `POST /api/v1/windows/{w}/commands`: a terminal command from the caller page.
pub async fn command(
    State(s): State<AppState>,
    Path(w): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Reply>, ApiError> {
    let received = Instant::now();
    let Some(addr) = s.dir.windows.get(&w).cloned() else {
        return Err(unknown_window(&w));
    };
    let session = session_for(&s, &headers, &w)?;
    let bytes = read_body(body, MAX_COMMAND_BYTES).await?;
    let cmd = parse_command(&bytes).map_err(|e| command_error(&e))?;
    if cmd.action == Action::Login && cmd.staff.as_deref() != Some(session.staff.as_str()) {
        return Err(ApiError::forbidden(
            "forbidden",
            format!(
                "this token belongs to staff {}; log in as yourself (只能以本人工号登录)",
                session.staff
            ),
        ));
    }
    let view = addr
        .send(GetWindow)
        .await
        .map_err(|_| ApiError::unavailable("the window is shutting down"))?;
    if let Some(on_duty) = view.staff.as_ref().filter(|p| p.id != session.staff) {
        return Err(ApiError::forbidden(
            "forbidden",
            format!(
                "staff {} is logged in at window {w} (本窗口已由其他工作人员登录)",
                on_duty.id
            ),
        ));
    }
    let Ok(_permit) = s.callers.slots(&w).try_acquire_owned() else {
        return Err(ApiError::busy(
            "too many commands waiting for this window; send one at a time (命令过多，请稍后)",
        )
        .retry_after(1));
    };
    tracing::debug!(window = %w, staff = %session.staff, command = %cmd.id, action = %cmd.action, "caller command");
    let reply = addr
        .send(Command {
            cmd,
            received,
            acting_staff: Some(session.staff.clone()),
        })
        .await
        .map_err(|_| ApiError::unavailable("the window is shutting down"))?;
    if let Some(e) = reply.error.as_ref() {
        if !matches!(e.code.as_str(), "queue_empty" | "unavailable" | "busy") {
            telemetry::rejected("http", &e.code);
        }
    }
    Ok(Json(reply))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use tingwu_actors::clock::HallClock;
    use tingwu_actors::config::HallConfig;
    use tingwu_actors::core::ticket::{Channel, Personal, Priority};
    use tingwu_actors::directory::Directory;
    use tingwu_actors::hall::IssueTicket;
    use tingwu_actors::records::Recovered;
    use tingwu_actors::store::memory_store;
    use tokio::sync::watch;

    use crate::http::{board, Sessions, TicketBoard, WsLimits};
    use crate::storage::Sealer;

    const HALL: &str = include_str!("../../tests/e2e/fixtures/small_hall.toml");

    struct Hall {
        state: AppState,
        _dir: tempfile::TempDir,
        _stop: watch::Sender<bool>,
    }

    fn hall(edit: impl FnOnce(&mut HallConfig)) -> Hall {
        let mut cfg = HallConfig::from_toml(HALL).unwrap();
        edit(&mut cfg);
        let cfg = Arc::new(cfg);
        let clock = HallClock::of(&cfg);
        let recovered = Recovered {
            day: clock.day(clock.now()),
            ..Recovered::default()
        };
        let store = memory_store(0);
        let db = crate::storage::Storage::temporary().unwrap().reader();
        let board = Arc::new(TicketBoard::seeded(&recovered.day, &[]));
        tokio::spawn(board::follow(
            board.clone(),
            store.subscribe(),
            db.clone(),
            clock,
        ));
        let dir = Directory::start(cfg, store, recovered);
        let appointments = actix::Actor::start(tingwu_actors::appointment::AppointmentActor::new(
            dir.config.clone(),
            dir.store.clone(),
            dir.hall.clone(),
            dir.kiosks.clone(),
            Vec::new(),
        ));
        let tmp = tempfile::tempdir().unwrap();
        let (stop, shutdown) = watch::channel(false);
        let state = AppState {
            dir,
            reader: db,
            sealer: Arc::new(Sealer::load_or_create(tmp.path(), false).unwrap()),
            sessions: Arc::new(Sessions::default()),
            callers: Arc::new(CallerSessions::default()),
            metrics: metrics_exporter_prometheus::PrometheusBuilder::new()
                .build_recorder()
                .handle(),
            healthy: Arc::new(AtomicBool::new(true)),
            board,
            ws: WsLimits::default(),
            shutdown,
            appointments,
        };
        Hall {
            state,
            _dir: tmp,
            _stop: stop,
        }
    }

    async fn login(s: &AppState, w: &str, staff: &str, pin: &str) -> Result<String, ApiError> {
        let body = json!({"staff": staff, "pin": pin}).to_string();
        let Json(v) = open(
            State(s.clone()),
            Path(w.to_string()),
            axum::body::Body::from(body),
        )
        .await?;
        Ok(v["token"].as_str().unwrap().to_string())
    }

    async fn send(s: &AppState, w: &str, token: &str, body: Value) -> Result<Reply, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        let Json(r) = command(
            State(s.clone()),
            Path(w.to_string()),
            headers,
            axum::body::Body::from(body.to_string()),
        )
        .await?;
        Ok(r)
    }

    async fn issue(s: &AppState) -> String {
        s.dir
            .hall
            .send(IssueTicket {
                deadline: None,
                appointment: None,
                item: None,
                queue: Some("A".into()),
                channel: Channel::Onsite,
                priority: Priority::Normal,
                personal: Personal::default(),
                idempotency_key: None,
            })
            .await
            .unwrap()
            .unwrap()
            .ticket
            .number
    }

    fn number(r: &Reply) -> Option<&str> {
        r.ticket.as_ref()?.get("number")?.as_str()
    }

    #[actix::test]
    async fn a_token_is_bound_to_its_window_and_staff() {
        let h = hall(|_| {});
        let s = &h.state;
        let token = login(s, "1", "S01", "1111").await.unwrap();
        assert_eq!(
            s.callers.get(&token),
            Some(CallerSession {
                window: "1".into(),
                staff: "S01".into()
            })
        );
        // Window 2 with window 1's token: forbidden, and nothing happens.
        let e = send(
            s,
            "2",
            &token,
            json!({"id": "x1", "action": "login", "staff": "S01", "pin": "1111"}),
        )
        .await
        .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (403, "forbidden"));
        let w2 = s.dir.windows["2"].send(GetWindow).await.unwrap();
        assert!(w2.staff.is_none());
        // Logging in as somebody else with one's own token: forbidden.
        let e = send(
            s,
            "1",
            &token,
            json!({"id": "x2", "action": "login", "staff": "S02", "pin": "1111"}),
        )
        .await
        .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (403, "forbidden"));
        // Own window, own staff id: logged in.
        let r = send(
            s,
            "1",
            &token,
            json!({"id": "x3", "action": "login", "staff": "S01", "pin": "1111"}),
        )
        .await
        .unwrap();
        assert!(r.ok, "{r:?}");
        // S02 may also work at window 1, but not while S01 is logged in there.
        let other = login(s, "1", "S02", "1111").await.unwrap();
        let e = send(s, "1", &other, json!({"id": "x4", "action": "logout"}))
            .await
            .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (403, "forbidden"));
        // Forgotten tokens and no token at all: unauthorized.
        let e = send(s, "1", "forged", json!({"id": "x5", "action": "logout"}))
            .await
            .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorized"));
        assert!(s.callers.close(&token));
        let e = send(s, "1", &token, json!({"id": "x6", "action": "logout"}))
            .await
            .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorized"));
    }

    #[actix::test]
    async fn wrong_pins_are_unauthorized_and_then_locked_out() {
        let h = hall(|cfg| cfg.staff[1].windows = vec!["2".into()]);
        let s = &h.state;
        let e = login(s, "1", "S01", "0000").await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorized"));
        let e = login(s, "1", "NOBODY", "1111").await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (401, "unauthorized"));
        let e = login(s, "9999", "S01", "1111").await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (404, "not_found"));
        // S02 may only work at window 2.
        let e = login(s, "1", "S02", "1111").await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (403, "forbidden"));
        assert!(login(s, "2", "S02", "1111").await.is_ok());
        // A right PIN clears the count; five wrong ones in a row lock S03 out,
        // even with the right PIN, while S01 is unaffected.
        for _ in 0..MAX_FAILURES {
            let e = login(s, "3", "S03", "9999").await.unwrap_err();
            assert_eq!(e.code, "unauthorized");
        }
        let e = login(s, "3", "S03", "1111").await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (429, "too_many_attempts"));
        assert!(e.retry_after.is_some());
        assert!(login(s, "1", "S01", "1111").await.is_ok());
    }

    #[actix::test]
    async fn commands_reach_the_window_and_a_retry_takes_effect_once() {
        let h = hall(|_| {});
        let s = &h.state;
        let first = issue(s).await;
        let second = issue(s).await;
        let token = login(s, "1", "S01", "1111").await.unwrap();
        let r = send(
            s,
            "1",
            &token,
            json!({"id": "c1", "action": "login", "staff": "S01", "pin": "1111"}),
        )
        .await
        .unwrap();
        assert!(r.ok, "{r:?}");
        let call = json!({"id": "c2", "action": "call_next"});
        let r = send(s, "1", &token, call.clone()).await.unwrap();
        assert!(r.ok, "{r:?}");
        assert_eq!(r.id.as_deref(), Some("c2"));
        assert_eq!(number(&r), Some(first.as_str()));
        // The page retries after a lost answer: same reply, nothing more called.
        let again = send(s, "1", &token, call).await.unwrap();
        assert_eq!(again, r);
        let view = s.dir.windows["1"].send(GetWindow).await.unwrap();
        assert_eq!(view.ticket.map(|t| t.number), Some(first.clone()));
        // A refusal is a 200 with ok=false, in the terminal's reply shape.
        let r = send(s, "1", &token, json!({"id": "c3", "action": "finish"}))
            .await
            .unwrap();
        assert!(!r.ok);
        assert_eq!(r.error.as_ref().map(|e| e.code.as_str()), Some("bad_state"));
        for (id, action) in [("c4", "skip"), ("c5", "call_next")] {
            let r = send(s, "1", &token, json!({"id": id, "action": action}))
                .await
                .unwrap();
            assert!(r.ok, "{action}: {r:?}");
            if action == "call_next" {
                assert_eq!(number(&r), Some(second.as_str()));
            }
        }
        // Malformed commands never reach the window.
        let e = send(s, "1", &token, json!({"action": "call_next"}))
            .await
            .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "bad_request"));
        let e = send(s, "1", &token, json!({"id": "c6", "action": "fly"}))
            .await
            .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "bad_json"));
        let big = json!({"id": "c7", "action": "pause", "reason": "x".repeat(5000)});
        let e = send(s, "1", &token, big).await.unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (413, "payload_too_large"));
        let view = s.dir.windows["1"].send(GetWindow).await.unwrap();
        assert_eq!(view.ticket.map(|t| t.number), Some(second));
    }

    #[test]
    fn a_full_session_table_gives_no_token() {
        let sessions = CallerSessions::with_capacity(1);
        let who = CallerSession {
            window: "1".into(),
            staff: "S01".into(),
        };
        let t = sessions.open(who.clone()).unwrap();
        assert_eq!(sessions.open(who.clone()), None);
        assert!(sessions.close(&t));
        assert!(sessions.open(who).is_some());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("1111", "1111"));
        assert!(!same_secret("1111", "1112"));
        assert!(!same_secret("1111", "11110"));
        assert!(!same_secret("", "1"));
    }
}
