//! Acknowledging an alarm (告警确认): a supervisor says they have seen it,
//! with a note; the alarm actor records who and when durably (the
//! lifecycle rule is `tingwu_core::alarm::lifecycle::acknowledge`) and the
//! acknowledgement joins the alarm's durable history. It stays open until
//! its cause clears.

use tingwu_actors::alarm::{Acknowledge, AcknowledgeError};
use tingwu_actors::core::alarm::lifecycle::AlarmRecord;

use super::App;

/// Longest note kept with an acknowledgement, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Why an acknowledgement was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AlarmAckError {
    /// The note is over [`MAX_NOTE_CHARS`] (400 `bad_request`).
    #[error("the note is over {MAX_NOTE_CHARS} characters (备注过长)")]
    NoteTooLong,
    /// See [`AcknowledgeError`]: not found (404), refused by the lifecycle
    /// (409 `alarm_refused`), storage (503).
    #[error(transparent)]
    Refused(#[from] AcknowledgeError),
    /// The hall's actors are stopping (503).
    #[error("the hall is shutting down")]
    ShuttingDown,
}

impl App {
    /// Supervisor `by` acknowledges open alarm `id` with `note`; answered
    /// once the acknowledgement is durable.
    pub async fn acknowledge_alarm(
        &self,
        by: &str,
        id: &str,
        note: &str,
    ) -> Result<AlarmRecord, AlarmAckError> {
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(AlarmAckError::NoteTooLong);
        }
        let record = self
            .dir
            .alarms
            .send(Acknowledge {
                id: id.to_string(),
                by: by.to_string(),
                note: note.trim().to_string(),
            })
            .await
            .map_err(|_| AlarmAckError::ShuttingDown)??;
        tracing::info!(alarm = %id, supervisor = %by, "alarm acknowledged by a supervisor");
        Ok(record)
    }
}
