//! The WebSocket envelope that wraps every frame sent to screens and dashboards.
//!
//! Every frame on `/ws/…` is one JSON text message `{type, seq, ts, payload}`.
//! A single envelope shape lets a browser page dispatch on `type`, remember
//! the last `seq` it saw to resume with `?since=SEQ` after a reconnect, and
//! ignore types it does not know. `seq` is the hall's durable event sequence,
//! so it survives restarts and a resumed stream never shows a stale call as
//! current.
//!
//! See `docs/websocket-stream.md`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// First frame of a stream: the full current picture (windows, queues, recent calls).
pub const SNAPSHOT: &str = "snapshot";
/// A ticket was called (or recalled) to a window.
pub const CALL: &str = "call";
/// A queue changed (waiting / issued counts).
pub const QUEUE: &str = "queue";
/// A window changed (state, staff, ticket, enabled).
pub const WINDOW: &str = "window";
/// The client fell behind; it must reconnect without `since`.
pub const RESET: &str = "reset";

/// The `reason` of a [`RESET`] sent to a client whose queue overflowed.
pub const RESET_REASON_LAGGING: &str = "lagging";

/// Why an envelope could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or not the envelope shape (serde's message).
    #[error("invalid envelope JSON: {0}")]
    BadJson(String),
}

/// One WebSocket frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// One of [`SNAPSHOT`], [`CALL`], [`QUEUE`], [`WINDOW`], [`RESET`]; serialized as `"type"`.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The hall's event sequence number this frame reflects (for a snapshot:
    /// the last event included in it).
    pub seq: u64,
    /// RFC 3339 timestamp of the event.
    pub ts: String,
    /// Type-specific payload.
    pub payload: Value,
}

impl Envelope {
    /// An envelope of the given type.
    pub fn new(r#type: impl Into<String>, seq: u64, ts: impl Into<String>, payload: Value) -> Self {
        Envelope {
            r#type: r#type.into(),
            seq,
            ts: ts.into(),
            payload,
        }
    }

    /// The [`RESET`] frame sent before cutting loose a lagging client.
    pub fn reset(seq: u64, ts: impl Into<String>) -> Self {
        Envelope::new(
            RESET,
            seq,
            ts,
            serde_json::json!({ "reason": RESET_REASON_LAGGING }),
        )
    }

    /// The JSON text to send as one WebSocket text message.
    pub fn to_json(&self) -> String {
        // Serializing strings, an integer and a `Value` cannot fail; the
        // fallback only exists so this function has no panic path.
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"{RESET}","seq":{},"ts":"","payload":{{"reason":"encoding"}}}}"#,
                self.seq
            )
        })
    }

    /// Decodes a frame (used by test clients and tools).
    pub fn from_json(text: &str) -> Result<Self, EnvelopeError> {
        serde_json::from_str(text).map_err(|e| EnvelopeError::BadJson(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serializes_type_field() {
        let e = Envelope::new(
            CALL,
            42,
            "2026-11-26T09:00:00+08:00",
            json!({"ticket":"20261126-A001","number":"A001","window":"5","window_number":5,
                   "window_name":"5号窗口","queue":"A","recall":false}),
        );
        let text = e.to_json();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "call");
        assert_eq!(v["seq"], 42);
        assert_eq!(v["ts"], "2026-11-26T09:00:00+08:00");
        assert_eq!(v["payload"]["window_name"], "5号窗口");
        assert!(v.get("r#type").is_none());
        assert_eq!(Envelope::from_json(&text).unwrap(), e);
    }

    #[test]
    fn reset_frame() {
        let v: Value = serde_json::from_str(&Envelope::reset(7, "t").to_json()).unwrap();
        assert_eq!(
            v,
            json!({"type":"reset","seq":7,"ts":"t","payload":{"reason":"lagging"}})
        );
    }

    #[test]
    fn type_names() {
        assert_eq!(
            [SNAPSHOT, CALL, QUEUE, WINDOW, RESET],
            ["snapshot", "call", "queue", "window", "reset"]
        );
    }

    #[test]
    fn decode_errors() {
        assert!(matches!(
            Envelope::from_json("{}"),
            Err(EnvelopeError::BadJson(_))
        ));
        assert!(matches!(
            Envelope::from_json(r#"{"type":"call","seq":-1,"ts":"","payload":{}}"#),
            Err(EnvelopeError::BadJson(_))
        ));
    }
}
