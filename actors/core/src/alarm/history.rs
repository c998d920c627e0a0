//! The durable history of alarms: one [`HistoryEntry`] per lifecycle step
//! (raised, changed, acknowledged, escalated, cleared; a mere repeat is
//! only counted on the record), each carrying the whole occurrence after
//! the step, so the newest entry of an id is its current state.
//!
//! # Schema versions
//!
//! Stored as one JSON object `{"v": 1, "change": "acknowledged", "at":
//! "…Z", "record": {…}}`. The rule is the one of the hall events (`events.rs`): an
//! optional field older readers may ignore (`#[serde(default)]`) needs no
//! new version; anything else (a new change, a field removed, renamed or
//! changing meaning, a new required field) bumps [`HISTORY_VERSION`], keeps
//! decoding every older version in [`HistoryEntry::decode`], and adds a test
//! with the older literal bytes. A version newer than this build's is
//! refused ([`HistoryDecodeError::UnsupportedVersion`]), never guessed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lifecycle::AlarmRecord;

/// The schema version this build writes.
pub const HISTORY_VERSION: u32 = 1;

/// Which step an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Raised,
    /// Severity or text changed while open.
    Changed,
    Acknowledged,
    /// Sent to the supervisor on duty.
    Escalated,
    Cleared,
}

/// One step of one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub change: Change,
    /// When the step happened.
    pub at: DateTime<Utc>,
    /// The occurrence after the step.
    pub record: AlarmRecord,
}

/// Why stored bytes are not a history entry.
#[derive(Debug, thiserror::Error)]
pub enum HistoryDecodeError {
    #[error("alarm history schema version {found} is newer than this build's {HISTORY_VERSION}; upgrade the reader")]
    UnsupportedVersion { found: u32 },
    #[error("malformed alarm history entry: {0}")]
    Malformed(#[from] serde_json::Error),
}

#[derive(Serialize)]
struct StoredRef<'a> {
    v: u32,
    change: Change,
    at: &'a DateTime<Utc>,
    record: &'a AlarmRecord,
}

/// Read after the version was checked (`v` itself is not kept).
#[derive(Deserialize)]
struct Stored {
    change: Change,
    at: DateTime<Utc>,
    record: AlarmRecord,
}

#[derive(Deserialize)]
struct VersionOnly {
    v: u32,
}

impl HistoryEntry {
    /// The stored bytes, at [`HISTORY_VERSION`].
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(&StoredRef {
            v: HISTORY_VERSION,
            change: self.change,
            at: &self.at,
            record: &self.record,
        })
    }

    /// Reads stored bytes of any version this build knows.
    pub fn decode(bytes: &[u8]) -> Result<Self, HistoryDecodeError> {
        // The version first, so a newer shape is refused by its number
        // rather than misread or called malformed.
        let VersionOnly { v } = serde_json::from_slice(bytes)?;
        if v != HISTORY_VERSION {
            return Err(HistoryDecodeError::UnsupportedVersion { found: v });
        }
        let s: Stored = serde_json::from_slice(bytes)?;
        Ok(HistoryEntry {
            change: s.change,
            at: s.at,
            record: s.record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry byte for byte as version 1 writes it.
    const VERSION_1: &str = r#"{"v":1,"change":"acknowledged","at":"2026-03-02T01:05:00Z","record":{"id":"printer/P1/paper_near_end","kind":"paper_near_end","source":"printer/P1","severity":"warning","message_zh":"纸将用完","message_en":"Paper near end","raised_at":"2026-03-02T01:00:00Z","last_seen":"2026-03-02T01:00:00Z","count":1,"acknowledged":{"by":"admin","at":"2026-03-02T01:05:00Z","note":"已换纸"},"escalated_at":null,"cleared_at":null}}"#;

    #[test]
    fn version_1_round_trips_byte_for_byte() {
        let e = HistoryEntry::decode(VERSION_1.as_bytes()).unwrap();
        assert_eq!(e.change, Change::Acknowledged);
        assert_eq!(e.record.acknowledged.as_ref().unwrap().note, "已换纸");
        assert_eq!(
            e.record.kind,
            crate::alarm::AlarmKind::PaperNearEnd,
            "the kind is typed"
        );
        assert_eq!(String::from_utf8(e.encode().unwrap()).unwrap(), VERSION_1);
    }

    #[test]
    fn newer_or_missing_versions_are_refused() {
        let v2 = VERSION_1.replacen("\"v\":1", "\"v\":2", 1);
        assert!(matches!(
            HistoryEntry::decode(v2.as_bytes()),
            Err(HistoryDecodeError::UnsupportedVersion { found: 2 })
        ));
        let none = VERSION_1.replacen("\"v\":1,", "", 1);
        assert!(matches!(
            HistoryEntry::decode(none.as_bytes()),
            Err(HistoryDecodeError::Malformed(_))
        ));
        assert!(HistoryEntry::decode(b"[]").is_err());
    }
}
