//! The window terminal's (呼叫器) MQTT topics and JSON payloads.
//!
//! A terminal publishes commands to `tingwu/v1/{hall}/window/{w}/cmd` and
//! reads replies on `…/reply` and its window's retained state on `…/state`.
//! This module is the only place those topic strings and payload shapes are
//! spelled out, so the server, the gate's ACL and the tests cannot drift
//! apart. Commands are parsed strictly (unknown fields rejected, size
//! capped, required fields per action checked) because a terminal is a device
//! in a public hall and anything malformed must be answered with a precise
//! error, never reach a window actor.
//!
//! See `docs/mqtt-terminal.md`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest command payload accepted, in bytes.
pub const MAX_COMMAND_BYTES: usize = 4096;

/// Longest command id accepted, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// Payload of `device/{id}/status` while the device is connected.
pub const STATUS_ONLINE: &str = "online";
/// Payload of `device/{id}/status` after the device is gone (its last will).
pub const STATUS_OFFLINE: &str = "offline";

/// Topic names for one hall.
///
/// All topics live under `tingwu/v1/{hall}/`; the `v1` lets a future payload
/// version run side by side with this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    hall: String,
    prefix: String,
}

impl Topics {
    /// Topics of hall `hall` (e.g. "demo").
    pub fn new(hall: impl Into<String>) -> Self {
        let hall = hall.into();
        let prefix = format!("tingwu/v1/{hall}/");
        Topics { hall, prefix }
    }

    /// The hall id.
    pub fn hall(&self) -> &str {
        &self.hall
    }

    /// `tingwu/v1/{hall}/window/+/cmd`: the server subscribes to every window's commands.
    pub fn cmd_filter(&self) -> String {
        format!("{}window/+/cmd", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/{w}/cmd`: terminal → server, QoS 1, not retained.
    pub fn cmd(&self, window: &str) -> String {
        format!("{}window/{window}/cmd", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/{w}/state`: server → terminal, retained.
    pub fn state(&self, window: &str) -> String {
        format!("{}window/{window}/state", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/{w}/reply`: server → terminal, QoS 1.
    pub fn reply(&self, window: &str) -> String {
        format!("{}window/{window}/reply", self.prefix)
    }

    /// `tingwu/v1/{hall}/device/{id}/status`: "online"/"offline", retained; the
    /// only will topic the gate accepts from device `id`.
    pub fn device_status(&self, device: &str) -> String {
        format!("{}device/{device}/status", self.prefix)
    }

    /// `tingwu/v1/{hall}/device/+/status`: every device's status.
    pub fn device_status_filter(&self) -> String {
        format!("{}device/+/status", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/{w}/evaluation`: the window's MQTT
    /// evaluator → server, QoS 1, not retained (payload: the evaluation codec).
    pub fn evaluation(&self, window: &str) -> String {
        format!("{}window/{window}/evaluation", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/+/evaluation`: every window's evaluator.
    pub fn evaluation_filter(&self) -> String {
        format!("{}window/+/evaluation", self.prefix)
    }

    /// `tingwu/v1/{hall}/window/{w}/evaluation/reply`: server → evaluator.
    pub fn evaluation_reply(&self, window: &str) -> String {
        format!("{}window/{window}/evaluation/reply", self.prefix)
    }

    /// The window id of a `…/window/{w}/evaluation` topic, or `None`.
    pub fn parse_evaluation_topic<'t>(&self, topic: &'t str) -> Option<&'t str> {
        self.middle_level(topic, "window/", "/evaluation")
    }

    /// The window id of a `…/window/{w}/cmd` topic of this hall, or `None`.
    pub fn parse_cmd_topic<'t>(&self, topic: &'t str) -> Option<&'t str> {
        self.middle_level(topic, "window/", "/cmd")
    }

    /// The device id of a `…/device/{id}/status` topic of this hall, or `None`.
    pub fn parse_device_status_topic<'t>(&self, topic: &'t str) -> Option<&'t str> {
        self.middle_level(topic, "device/", "/status")
    }

    /// The single, non-empty, wildcard-free level between `{prefix}{head}` and `tail`.
    fn middle_level<'t>(&self, topic: &'t str, head: &str, tail: &str) -> Option<&'t str> {
        let id = topic
            .strip_prefix(self.prefix.as_str())?
            .strip_prefix(head)?
            .strip_suffix(tail)?;
        if id.is_empty() || id.contains(['/', '+', '#']) {
            None
        } else {
            Some(id)
        }
    }
}

/// What a terminal asks its window to do (see the state machine in the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// logged_out → idle; needs `staff` and `pin`.
    Login,
    /// idle | paused → logged_out.
    Logout,
    /// idle → called: call the next ticket.
    CallNext,
    /// called → called: announce the current ticket again.
    Recall,
    /// called → serving: the citizen has arrived.
    Start,
    /// serving → idle: service finished.
    Finish,
    /// called → idle: the citizen did not come (ticket becomes no_show).
    Skip,
    /// idle → paused; optional `reason` shown on the window screen.
    Pause,
    /// paused → idle.
    Resume,
    /// idle → called: call a named `ticket` (number or id) out of order;
    /// needs a `reason` (audited).
    Call,
    /// called | serving → idle: send the ticket to another `queue` or a
    /// named `window`, keeping its arrival; it goes ahead of new arrivals.
    Transfer,
    /// called | serving → idle: set the ticket aside (the citizen fetches a
    /// document); it leaves the line until unparked.
    Park,
    /// idle → called: take a parked `ticket` back.
    Unpark,
}

impl Action {
    /// The wire name, e.g. "call_next".
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Logout => "logout",
            Action::CallNext => "call_next",
            Action::Recall => "recall",
            Action::Start => "start",
            Action::Finish => "finish",
            Action::Skip => "skip",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Call => "call",
            Action::Transfer => "transfer",
            Action::Park => "park",
            Action::Unpark => "unpark",
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated command from a window terminal.
///
/// `Debug` hides the PIN so commands can be logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalCommand {
    /// Unique command id (1..=64 chars); a repeated id takes effect once.
    pub id: String,
    /// What to do.
    pub action: Action,
    /// Staff id (login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<String>,
    /// Staff PIN (login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// Free-text reason (pause, call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A queue: call_next only from it; transfer to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// A ticket number or id (call, unpark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// A window (transfer to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

impl TerminalCommand {
    /// A command with only an id and an action.
    pub fn new(id: impl Into<String>, action: Action) -> Self {
        Self {
            id: id.into(),
            action,
            staff: None,
            pin: None,
            reason: None,
            queue: None,
            ticket: None,
            window: None,
        }
    }
}

impl std::fmt::Debug for TerminalCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalCommand")
            .field("id", &self.id)
            .field("action", &self.action)
            .field("staff", &self.staff)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .field("reason", &self.reason)
            .field("queue", &self.queue)
            .field("ticket", &self.ticket)
            .field("window", &self.window)
            .finish()
    }
}

/// The wire form before the id and per-action checks; `id` is optional here
/// so a missing id gets its own error instead of serde's generic one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommand {
    #[serde(default)]
    id: Option<String>,
    action: Action,
    #[serde(default)]
    staff: Option<String>,
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    queue: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    window: Option<String>,
}

/// Why a command payload was refused; [`CommandError::code`] is the reply's
/// `error.code` and `Display` its `error.message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Payload longer than [`MAX_COMMAND_BYTES`].
    #[error("command payload is {len} bytes; the maximum is 4096")]
    TooLarge {
        /// Payload length in bytes.
        len: usize,
    },
    /// Not JSON, wrong types, unknown action or unknown field (serde's message).
    #[error("invalid command JSON: {0}")]
    BadJson(String),
    /// No `id`, or an empty one.
    #[error("command has no \"id\"")]
    MissingId,
    /// `id` longer than [`MAX_ID_CHARS`] characters.
    #[error("command \"id\" is longer than 64 characters")]
    IdTooLong,
    /// A field the action needs is missing or empty.
    #[error("action \"{action}\" needs \"{field}\"")]
    MissingField {
        /// The action.
        action: Action,
        /// The missing field.
        field: &'static str,
    },
}

impl CommandError {
    /// The reply error code: "payload_too_large", "bad_json" or "bad_request".
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::TooLarge { .. } => "payload_too_large",
            CommandError::BadJson(_) => "bad_json",
            CommandError::MissingId
            | CommandError::IdTooLong
            | CommandError::MissingField { .. } => "bad_request",
        }
    }
}

/// serde quotes the offending value in backticks ("invalid type: integer
/// `987654`"); a PIN or phone number must not reach a log or a reply that
/// way, so the value is cut out and only its kind and position remain.
pub fn redact(message: &str) -> String {
    // Field names are not secrets, and they are what the sender must fix.
    let names_only = [
        "unknown field",
        "missing field",
        "duplicate field",
        "unknown variant",
    ];
    if names_only.iter().any(|p| message.starts_with(p)) {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '`' {
            if !inside {
                out.push_str("(value hidden)");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// Parses and validates a command payload.
///
/// Checks, in order: size, JSON shape (unknown fields and unknown actions are
/// `BadJson`), the id, then the fields the action needs (login: `staff` and
/// `pin`, non-empty).
pub fn parse_command(bytes: &[u8]) -> Result<TerminalCommand, CommandError> {
    if bytes.len() > MAX_COMMAND_BYTES {
        return Err(CommandError::TooLarge { len: bytes.len() });
    }
    let raw: RawCommand =
        serde_json::from_slice(bytes).map_err(|e| CommandError::BadJson(redact(&e.to_string())))?;
    let id = match raw.id {
        Some(id) if !id.is_empty() => id,
        _ => return Err(CommandError::MissingId),
    };
    if id.chars().count() > MAX_ID_CHARS {
        return Err(CommandError::IdTooLong);
    }
    let needs: &[(&'static str, &Option<String>)] = match raw.action {
        Action::Login => &[("staff", &raw.staff), ("pin", &raw.pin)],
        Action::Call => &[("ticket", &raw.ticket), ("reason", &raw.reason)],
        Action::Unpark => &[("ticket", &raw.ticket)],
        _ => &[],
    };
    if raw.action == Action::Transfer && raw.queue.is_none() && raw.window.is_none() {
        return Err(CommandError::MissingField {
            action: raw.action,
            field: "queue",
        });
    }
    {
        for (field, value) in needs.iter().copied() {
            if value.as_deref().is_none_or(str::is_empty) {
                return Err(CommandError::MissingField {
                    action: raw.action,
                    field,
                });
            }
        }
    }
    Ok(TerminalCommand {
        id,
        action: raw.action,
        staff: raw.staff,
        pin: raw.pin,
        reason: raw.reason,
        queue: raw.queue,
        ticket: raw.ticket,
        window: raw.window,
    })
}

/// Best-effort extraction of the command id, so that the reply to an invalid
/// command can still carry it and the terminal can match it up.
///
/// Parses the payload as any JSON object first; if that fails (truncated or
/// broken JSON), scans for the first `"id"` key followed by a JSON string.
/// Returns only non-empty ids of at most [`MAX_ID_CHARS`] characters, and
/// looks at no more than the first [`MAX_COMMAND_BYTES`] bytes.
pub fn command_id_of(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.get(..MAX_COMMAND_BYTES).unwrap_or(bytes);
    let id = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => match map.get("id") {
            Some(Value::String(id)) => Some(id.clone()),
            _ => None,
        },
        Ok(_) => None,
        Err(_) => scan_id(bytes),
    }?;
    (!id.is_empty() && id.chars().count() <= MAX_ID_CHARS).then_some(id)
}

/// Finds `"id"` `:` `"…"` in possibly broken JSON and decodes the string.
fn scan_id(bytes: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"id\"";
    let mut from = 0;
    while let Some(rest) = bytes.get(from..) {
        let at = rest.windows(KEY.len()).position(|w| w == KEY)?;
        let after_key = from + at + KEY.len();
        if let Some(id) = string_value_after_colon(bytes.get(after_key..)?) {
            return Some(id);
        }
        from = after_key;
    }
    None
}

/// Decodes `ws* : ws* "string"` at the start of `bytes`.
fn string_value_after_colon(bytes: &[u8]) -> Option<String> {
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = bytes.iter().position(|b| !is_ws(b))?;
    if bytes.get(start) != Some(&b':') {
        return None;
    }
    let value = bytes.get(start + 1..)?;
    let open = value.iter().position(|b| !is_ws(b))?;
    let value = value.get(open..)?;
    if value.first() != Some(&b'"') {
        return None;
    }
    // Find the closing quote, skipping escaped characters.
    let mut escaped = false;
    for (i, b) in value.iter().enumerate().skip(1) {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return serde_json::from_slice(value.get(..=i)?).ok(),
            _ => {}
        }
    }
    None
}

/// The `error` object of a failed reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. "bad_state".
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// A reply on `window/{w}/reply`.
///
/// `id` and `ok` are always present (`id` is null when the command had no
/// readable id). A successful reply always carries `ticket` (null when the
/// action has no ticket); a failed one carries `error` and no `ticket`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The command id being answered, or null.
    pub id: Option<String>,
    /// Whether the command took effect.
    pub ok: bool,
    /// Why not, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// The ticket the command concerned (as in the HTTP API), or null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Value>,
}

impl Reply {
    /// A success reply; `ticket: None` is sent as `"ticket": null`.
    pub fn ok(id: Option<String>, ticket: Option<Value>) -> Self {
        Reply {
            id,
            ok: true,
            error: None,
            ticket: Some(ticket.unwrap_or(Value::Null)),
        }
    }

    /// A failure reply.
    pub fn error(id: Option<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Reply {
            id,
            ok: false,
            error: Some(ErrorBody {
                code: code.into(),
                message: message.into(),
            }),
            ticket: None,
        }
    }

    /// The failure reply for a refused payload, with the id recovered by
    /// [`command_id_of`].
    pub fn for_command_error(payload: &[u8], error: &CommandError) -> Self {
        Reply::error(command_id_of(payload), error.code(), error.to_string())
    }

    /// The JSON text of the reply.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, bools and a `Value` cannot fail; the
        // fallback only exists so this function has no panic path.
        serde_json::to_string(self).unwrap_or_else(|_| String::from(r#"{"id":null,"ok":false}"#))
    }
}

/// Who is logged in at a window, in the state payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRef {
    /// Staff id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The ticket a window is handling, in the state payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    /// Ticket id, e.g. "20261126-A001".
    pub id: String,
    /// Ticket number, e.g. "A001".
    pub number: String,
}

/// The retained payload of `window/{w}/state`; `staff` and `ticket` are
/// always present (null when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatePayload {
    /// Window id, e.g. "5".
    pub window: String,
    /// "logged_out" | "idle" | "called" | "serving" | "paused".
    pub state: String,
    /// Logged-in staff member.
    pub staff: Option<StaffRef>,
    /// Current ticket.
    pub ticket: Option<TicketRef>,
    /// False while a supervisor has disabled (停用) the window.
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// Shown on the window screen while paused or disabled.
    #[serde(default)]
    pub pause_message: Option<String>,
    /// Grows with every change; a newer state has a higher version.
    #[serde(default)]
    pub version: u64,
}

fn enabled_default() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topics() {
        let t = Topics::new("demo");
        assert_eq!(t.hall(), "demo");
        assert_eq!(t.cmd_filter(), "tingwu/v1/demo/window/+/cmd");
        assert_eq!(t.cmd("1"), "tingwu/v1/demo/window/1/cmd");
        assert_eq!(t.state("1"), "tingwu/v1/demo/window/1/state");
        assert_eq!(t.reply("1"), "tingwu/v1/demo/window/1/reply");
        assert_eq!(t.device_status("T01"), "tingwu/v1/demo/device/T01/status");
        assert_eq!(t.device_status_filter(), "tingwu/v1/demo/device/+/status");
        assert_eq!(
            t.parse_cmd_topic("tingwu/v1/demo/window/12/cmd"),
            Some("12")
        );
        assert_eq!(
            t.parse_device_status_topic("tingwu/v1/demo/device/T01/status"),
            Some("T01")
        );
        for bad in [
            "tingwu/v1/other/window/1/cmd",
            "tingwu/v1/demo/window//cmd",
            "tingwu/v1/demo/window/1/2/cmd",
            "tingwu/v1/demo/window/+/cmd",
            "tingwu/v1/demo/window/1/state",
            "tingwu/v1/demo/window/1/cmd/x",
            "tingwu/v1/demo/device/1/cmd",
            "",
        ] {
            assert_eq!(t.parse_cmd_topic(bad), None, "{bad}");
        }
        assert_eq!(
            t.parse_device_status_topic("tingwu/v1/demo/device//status"),
            None
        );
        assert_eq!(
            t.parse_device_status_topic("tingwu/v1/demo/window/1/cmd"),
            None
        );
        assert!(crate::mqtt_packet::topic_matches(
            &t.cmd_filter(),
            &t.cmd("7")
        ));
        assert!(crate::mqtt_packet::topic_matches(
            &t.device_status_filter(),
            &t.device_status("T07")
        ));
    }

    #[test]
    fn parse_every_action() {
        for (name, action) in [
            ("logout", Action::Logout),
            ("call_next", Action::CallNext),
            ("recall", Action::Recall),
            ("start", Action::Start),
            ("finish", Action::Finish),
            ("skip", Action::Skip),
            ("pause", Action::Pause),
            ("resume", Action::Resume),
        ] {
            let payload = format!(r#"{{"id":"c1","action":"{name}"}}"#);
            let cmd = parse_command(payload.as_bytes()).unwrap();
            assert_eq!(cmd.action, action);
            assert_eq!(cmd.id, "c1");
            assert_eq!(action.as_str(), name);
            assert_eq!(serde_json::to_value(action).unwrap(), json!(name));
        }
        let cmd =
            parse_command(br#"{"id":"c2","action":"login","staff":"S01","pin":"1234"}"#).unwrap();
        assert_eq!(cmd.action, Action::Login);
        assert_eq!(cmd.staff.as_deref(), Some("S01"));
        assert_eq!(cmd.pin.as_deref(), Some("1234"));
        assert!(!format!("{cmd:?}").contains("1234"));
        let cmd = parse_command(br#"{"id":"c3","action":"pause","reason":"lunch"}"#).unwrap();
        assert_eq!(cmd.reason.as_deref(), Some("lunch"));
        // Serializing a command gives back an accepted payload.
        let again = parse_command(serde_json::to_string(&cmd).unwrap().as_bytes()).unwrap();
        assert_eq!(again, cmd);
    }

    #[test]
    fn serde_messages_lose_the_value() {
        let err =
            parse_command(br#"{"id":"a","action":"login","staff":"S1","pin":987654}"#).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("987654"), "{text}");
        assert!(text.contains("invalid type"), "{text}");
        assert_eq!(
            redact("invalid type: integer `987654`, expected a string"),
            "invalid type: integer (value hidden), expected a string"
        );
        let unknown = "unknown field `colour`, expected one of `id`";
        assert_eq!(redact(unknown), unknown);
    }

    #[test]
    fn command_errors() {
        let big = vec![b' '; MAX_COMMAND_BYTES + 1];
        let e = parse_command(&big).unwrap_err();
        assert_eq!(e, CommandError::TooLarge { len: 4097 });
        assert_eq!(e.code(), "payload_too_large");

        let e = parse_command(br#"{"id":"c1","action":"call_next","extra":1}"#).unwrap_err();
        assert_eq!(e.code(), "bad_json");
        assert!(e.to_string().contains("extra"), "{e}");

        let e = parse_command(br#"{"id":"c1","action":"dance"}"#).unwrap_err();
        assert_eq!(e.code(), "bad_json");
        assert!(e.to_string().contains("dance"), "{e}");

        let e = parse_command(br#"{"id":7,"action":"recall"}"#).unwrap_err();
        assert_eq!(e.code(), "bad_json");
        assert!(e.to_string().contains("invalid type"), "{e}");

        for bad in [&b"not json"[..], b"", b"[]", b"{\"id\":\"c1\""] {
            assert!(matches!(parse_command(bad), Err(CommandError::BadJson(_))));
        }
        assert!(matches!(
            parse_command(br#"{"id":"c1"}"#),
            Err(CommandError::BadJson(_))
        ));

        let e = parse_command(br#"{"action":"recall"}"#).unwrap_err();
        assert_eq!(e, CommandError::MissingId);
        assert_eq!(e.code(), "bad_request");
        assert_eq!(
            parse_command(br#"{"id":"","action":"recall"}"#),
            Err(CommandError::MissingId)
        );
        assert_eq!(
            parse_command(br#"{"id":null,"action":"recall"}"#),
            Err(CommandError::MissingId)
        );

        let long = format!(r#"{{"id":"{}","action":"recall"}}"#, "x".repeat(65));
        let e = parse_command(long.as_bytes()).unwrap_err();
        assert_eq!(e, CommandError::IdTooLong);
        assert_eq!(e.code(), "bad_request");
        // 64 multi-byte characters are fine.
        let ok = format!(r#"{{"id":"{}","action":"recall"}}"#, "号".repeat(64));
        assert!(parse_command(ok.as_bytes()).is_ok());

        let e = parse_command(br#"{"id":"c1","action":"login","pin":"1"}"#).unwrap_err();
        assert_eq!(
            e,
            CommandError::MissingField {
                action: Action::Login,
                field: "staff"
            }
        );
        assert_eq!(e.code(), "bad_request");
        assert_eq!(e.to_string(), "action \"login\" needs \"staff\"");
        assert_eq!(
            parse_command(br#"{"id":"c1","action":"login","staff":"S1","pin":""}"#),
            Err(CommandError::MissingField {
                action: Action::Login,
                field: "pin"
            })
        );
    }

    #[test]
    fn id_extraction() {
        assert_eq!(
            command_id_of(br#"{"id":"abc","action":"nope","x":1}"#).as_deref(),
            Some("abc")
        );
        assert_eq!(
            command_id_of(br#"{"action":"call_next", "id" : "a\"b" , "#).as_deref(),
            Some("a\"b")
        );
        assert_eq!(
            command_id_of(br#"{"staff":"id", "id":"k1", broken"#).as_deref(),
            Some("k1")
        );
        assert_eq!(command_id_of(br#"{"id":5}"#), None);
        assert_eq!(command_id_of(br#"{"id":""}"#), None);
        assert_eq!(command_id_of(br#"["id"]"#), None);
        assert_eq!(command_id_of(br#"{"id":"unterminated"#), None);
        assert_eq!(command_id_of(b"\"id\""), None);
        assert_eq!(command_id_of(b"garbage"), None);
        let long = format!(r#"{{"id":"{}"}}"#, "x".repeat(65));
        assert_eq!(command_id_of(long.as_bytes()), None);
    }

    #[test]
    fn replies() {
        let ticket = json!({"id":"20261126-A001","number":"A001"});
        let r = Reply::ok(Some("c1".into()), Some(ticket.clone()));
        assert_eq!(
            serde_json::from_str::<Value>(&r.to_json()).unwrap(),
            json!({"id":"c1","ok":true,"ticket":ticket})
        );
        let r = Reply::ok(Some("c1".into()), None);
        assert_eq!(
            serde_json::from_str::<Value>(&r.to_json()).unwrap(),
            json!({"id":"c1","ok":true,"ticket":null})
        );
        let r = Reply::error(None, "bad_state", "window is paused");
        assert_eq!(
            serde_json::from_str::<Value>(&r.to_json()).unwrap(),
            json!({"id":null,"ok":false,"error":{"code":"bad_state","message":"window is paused"}})
        );
        let payload = br#"{"id":"c9","action":"fly"}"#;
        let err = parse_command(payload).unwrap_err();
        let r = Reply::for_command_error(payload, &err);
        assert_eq!(r.id.as_deref(), Some("c9"));
        assert_eq!(r.error.as_ref().unwrap().code, "bad_json");
    }

    #[test]
    fn state_payload() {
        let s = StatePayload {
            window: "5".into(),
            state: "idle".into(),
            staff: None,
            ticket: None,
            enabled: true,
            pause_message: None,
            version: 7,
        };
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            json!({"window":"5","state":"idle","staff":null,"ticket":null,"enabled":true,"pause_message":null,"version":7})
        );
        // What the server publishes parses, extra fields included.
        let published = json!({"window":"5","state":"paused","staff":null,"ticket":null,
            "enabled":true,"pause_message":"暂停服务 (午休)","version":9});
        let p: StatePayload = serde_json::from_value(published).unwrap();
        assert_eq!(p.pause_message.as_deref(), Some("暂停服务 (午休)"));
        let s = StatePayload {
            window: "5".into(),
            state: "serving".into(),
            staff: Some(StaffRef {
                id: "S01".into(),
                name: "李四".into(),
            }),
            ticket: Some(TicketRef {
                id: "20261126-A001".into(),
                number: "A001".into(),
            }),
            enabled: true,
            pause_message: None,
            version: 8,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["staff"]["name"], "李四");
        assert_eq!(serde_json::from_value::<StatePayload>(v).unwrap(), s);
    }
}
