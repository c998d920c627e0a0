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

use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tingwu_protocols::terminal::{parse_command, CommandError, Reply, MAX_COMMAND_BYTES};

use super::error::{json_body, read_body};
use super::extract::Path;
use super::{ApiError, AppState};
use crate::app::window_commands::{is_rejection, Origin};
use crate::telemetry;

/// The caller token of `Authorization: Bearer …`, blanks trimmed, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
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
    s.app.caller_window(&w)?;
    let req: SessionRequest = json_body(body, 4096).await?;
    let login = s.app.open_caller(&w, &req.staff, &req.pin)?;
    Ok(Json(json!({
        "token": login.token,
        "expires_in": login.expires_in,
        "window": login.window,
        "staff": {"id": login.staff_id, "name": login.staff_name},
    })))
}

/// `DELETE /api/v1/windows/{w}/session`: forgets the caller token.
pub async fn close(
    State(s): State<AppState>,
    Path(w): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    s.app.close_caller(&w, bearer(&headers))?;
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
    let session = s.app.caller(&w, bearer(&headers))?;
    let bytes = read_body(body, MAX_COMMAND_BYTES).await?;
    let cmd = parse_command(&bytes).map_err(|e| command_error(&e))?;
    let reply = s
        .app
        .window_command(&w, cmd, received, Origin::Caller(session))
        .await?;
    if let Some(e) = reply.error.as_ref().filter(|e| is_rejection(&e.code)) {
        telemetry::rejected("http", &e.code);
    }
    Ok(Json(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    use tingwu_actors::config::HallConfig;
    use tingwu_actors::core::ticket::{Channel, Personal, Priority};

    use tingwu_actors::hall::IssueTicket;

    use tokio::sync::watch;

    use tingwu_actors::window::GetWindow;

    use crate::app::auth::CallerSession;
    use tingwu_actors::core::lockout::MAX_FAILURES;

    use crate::http::WsLimits;

    struct Hall {
        state: AppState,
        _dir: tempfile::TempDir,
        _stop: watch::Sender<bool>,
    }

    fn hall(edit: impl FnOnce(&mut HallConfig)) -> Hall {
        let mut cfg = tingwu_actors::testing::small_hall();
        edit(&mut cfg);
        let t = crate::http::testing::state(cfg, Default::default(), WsLimits::default());
        Hall {
            state: t.state,
            _dir: t._dir,
            _stop: t.stop,
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
            s.app.callers().get(&token),
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
        assert!(s.app.callers().close(&token));
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
}
