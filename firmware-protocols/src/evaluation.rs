//! The MQTT evaluator's (评价器) payload: a citizen's rating of the service
//! just finished at its window, published on
//! `tingwu/v1/{hall}/window/{w}/evaluation` (QoS 1, never retained); the
//! answer comes on `…/window/{w}/evaluation/reply`. See
//! `docs/mqtt-evaluator.md`.
//!
//! ```json
//! {"id": "e-0001", "stars": 2, "efficiency": 3, "level": 3, "attitude": 1,
//!  "reasons": ["态度不好"]}
//! ```
//!
//! `stars` is the national five-grade scale (5 非常满意 … 1 非常不满意),
//! the same scale as the tablet page (the RS-485 evaluator counts the
//! other way round; the server converts). `efficiency` (服务效率), `level`
//! (服务水平) and `attitude` (服务态度) are optional, 1–5 each; `reasons`
//! optional text.

use serde::Deserialize;

/// Largest payload accepted.
pub const MAX_EVALUATION_BYTES: usize = 4096;
/// Longest message id, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// A parsed evaluation message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationMessage {
    /// The evaluator's message id (echoed in the reply), if it sent one.
    pub id: Option<String>,
    /// 整体满意度, 1 to 5.
    pub stars: u8,
    /// 服务效率, 1 to 5, if given.
    pub efficiency: Option<u8>,
    /// 服务水平, 1 to 5, if given.
    pub level: Option<u8>,
    /// 服务态度, 1 to 5, if given.
    pub attitude: Option<u8>,
    /// Optional reasons (the server checks their number and length).
    pub reasons: Vec<String>,
}

/// Why a payload is not an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationParseError {
    /// Over [`MAX_EVALUATION_BYTES`].
    #[error("evaluation payload of {len} bytes is over {MAX_EVALUATION_BYTES}")]
    TooLarge {
        /// The payload's size in bytes.
        len: usize,
    },
    /// Not JSON of the documented shape (values redacted).
    #[error("not an evaluation: {0}")]
    BadJson(String),
    /// A grade outside 1–5.
    #[error("{field} must be 1 to 5 stars (5 非常满意 … 1 非常不满意)")]
    BadStars {
        /// The field holding it.
        field: &'static str,
    },
    /// The id is over [`MAX_ID_CHARS`].
    #[error("id is longer than {MAX_ID_CHARS} characters")]
    IdTooLong,
}

impl EvaluationParseError {
    /// The wire code of the error reply.
    pub fn code(&self) -> &'static str {
        match self {
            EvaluationParseError::TooLarge { .. } => "too_large",
            EvaluationParseError::BadJson(_) => "bad_json",
            EvaluationParseError::BadStars { .. } => "bad_grade",
            EvaluationParseError::IdTooLong => "bad_id",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: Option<String>,
    stars: i64,
    efficiency: Option<i64>,
    level: Option<i64>,
    attitude: Option<i64>,
    #[serde(default)]
    reasons: Vec<String>,
}

fn stars(v: i64, field: &'static str) -> Result<u8, EvaluationParseError> {
    u8::try_from(v)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or(EvaluationParseError::BadStars { field })
}

fn optional(v: Option<i64>, field: &'static str) -> Result<Option<u8>, EvaluationParseError> {
    v.map(|x| stars(x, field)).transpose()
}

/// Parses and checks an evaluation payload (size, shape, grades).
pub fn parse_evaluation(bytes: &[u8]) -> Result<EvaluationMessage, EvaluationParseError> {
    if bytes.len() > MAX_EVALUATION_BYTES {
        return Err(EvaluationParseError::TooLarge { len: bytes.len() });
    }
    let raw: Raw = serde_json::from_slice(bytes)
        .map_err(|e| EvaluationParseError::BadJson(crate::terminal::redact(&e.to_string())))?;
    if raw
        .id
        .as_ref()
        .is_some_and(|i| i.chars().count() > MAX_ID_CHARS)
    {
        return Err(EvaluationParseError::IdTooLong);
    }
    Ok(EvaluationMessage {
        id: raw.id,
        stars: stars(raw.stars, "stars")?,
        efficiency: optional(raw.efficiency, "efficiency")?,
        level: optional(raw.level, "level")?,
        attitude: optional(raw.attitude, "attitude")?,
        reasons: raw.reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_full_message_parses() {
        let m = parse_evaluation(
            r#"{"id":"e1","stars":2,"efficiency":3,"level":4,"attitude":1,"reasons":["态度不好"]}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(m.stars, 2);
        assert_eq!(m.attitude, Some(1));
        assert_eq!(m.reasons, vec!["态度不好".to_string()]);
        assert_eq!(parse_evaluation(br#"{"stars":5}"#).unwrap().id, None);
    }

    #[test]
    fn bad_grades_and_shapes_are_refused() {
        for (bytes, code) in [
            (&br#"{"stars":0}"#[..], "bad_grade"),
            (br#"{"stars":6}"#, "bad_grade"),
            (br#"{"stars":3,"level":9}"#, "bad_grade"),
            (br#"{"stars":3,"x":1}"#, "bad_json"),
            (br#"{}"#, "bad_json"),
            (b"nope", "bad_json"),
        ] {
            assert_eq!(parse_evaluation(bytes).unwrap_err().code(), code);
        }
        let big = vec![b' '; MAX_EVALUATION_BYTES + 1];
        assert_eq!(parse_evaluation(&big).unwrap_err().code(), "too_large");
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_evaluation(&bytes);
        }
    }
}
