//! `[supervision]`: the thresholds of the alarm engine, the shifts and
//! limits of attendance (考勤), the escalation of unacknowledged alarms,
//! and the rating (好差评) prompt and follow-up limits. Every field has a
//! default, so a hall without the section runs with sensible values.
//!
//! ```toml
//! [supervision]
//! idle_while_waiting_minutes = 5
//! [supervision.queues]
//! longest_wait_minutes = 30
//! max_waiting = 30
//! per_queue = [{ queue = "A", max_waiting = 50 }]
//! [supervision.attendance]
//! hours = ["08:30-12:00", "13:30-17:00"]     # every window's shift
//! shifts = [{ staff = "S01", hours = ["09:00-12:00"] }]
//! [supervision.escalation]
//! warning_minutes = 15
//! duty = [{ user = "admin", hours = ["08:00-18:00"] }]
//! [supervision.rating]
//! callback_days = 5
//! ```

use serde::{Deserialize, Serialize};

/// The whole section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionConfig {
    #[serde(default)]
    pub queues: QueueThresholds,
    /// A window idle this many minutes while a queue it serves has people
    /// waiting raises `window_idle_while_waiting`.
    #[serde(default = "five")]
    pub idle_while_waiting_minutes: u32,
    #[serde(default)]
    pub attendance: AttendanceConfig,
    #[serde(default)]
    pub escalation: EscalationConfig,
    #[serde(default)]
    pub rating: RatingConfig,
}

impl Default for SupervisionConfig {
    fn default() -> Self {
        Self {
            queues: QueueThresholds::default(),
            idle_while_waiting_minutes: five(),
            attendance: AttendanceConfig::default(),
            escalation: EscalationConfig::default(),
            rating: RatingConfig::default(),
        }
    }
}

fn five() -> u32 {
    5
}

/// Queue thresholds, for the hall and per queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueThresholds {
    /// The longest wait in minutes over which `queue_wait_too_long` is
    /// raised.
    #[serde(default = "thirty")]
    pub longest_wait_minutes: u32,
    /// People waiting over which `queue_too_long` is raised.
    #[serde(default = "thirty")]
    pub max_waiting: u32,
    /// Per-queue values; a field left out takes the hall's.
    #[serde(default)]
    pub per_queue: Vec<QueueThreshold>,
}

impl Default for QueueThresholds {
    fn default() -> Self {
        Self {
            longest_wait_minutes: thirty(),
            max_waiting: thirty(),
            per_queue: Vec::new(),
        }
    }
}

fn thirty() -> u32 {
    30
}

/// One queue's own thresholds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueThreshold {
    pub queue: String,
    #[serde(default)]
    pub longest_wait_minutes: Option<u32>,
    #[serde(default)]
    pub max_waiting: Option<u32>,
}

impl QueueThresholds {
    /// (longest wait in minutes, people waiting) for queue `id`.
    pub fn for_queue(&self, id: &str) -> (u32, u32) {
        let own = self.per_queue.iter().find(|q| q.queue == id);
        (
            own.and_then(|q| q.longest_wait_minutes)
                .unwrap_or(self.longest_wait_minutes),
            own.and_then(|q| q.max_waiting).unwrap_or(self.max_waiting),
        )
    }
}

/// Attendance (考勤): shifts and what counts as an anomaly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceConfig {
    /// Every window's shift on working days (`HH:MM-HH:MM`, hall time);
    /// empty: only windows and staff listed in `shifts` have one.
    #[serde(default)]
    pub hours: Vec<String>,
    /// Shifts of one window or one staff member (replacing `hours` for it).
    #[serde(default)]
    pub shifts: Vec<ShiftConfig>,
    /// Not logged in this many minutes after a shift starts is an anomaly.
    #[serde(default = "ten")]
    pub login_grace_minutes: u32,
    /// Logging out more than this many minutes before a shift ends is an
    /// anomaly (left early).
    #[serde(default = "ten")]
    pub leave_grace_minutes: u32,
    /// A pause longer than this is an anomaly.
    #[serde(default = "thirty")]
    pub max_pause_minutes: u32,
    /// A service longer than this multiple of the item's usual time…
    #[serde(default = "three")]
    pub service_multiple: u32,
    /// …and longer than this many minutes is an anomaly.
    #[serde(default = "twenty")]
    pub service_min_minutes: u32,
}

impl Default for AttendanceConfig {
    fn default() -> Self {
        Self {
            hours: Vec::new(),
            shifts: Vec::new(),
            login_grace_minutes: ten(),
            leave_grace_minutes: ten(),
            max_pause_minutes: thirty(),
            service_multiple: three(),
            service_min_minutes: twenty(),
        }
    }
}

fn ten() -> u32 {
    10
}
fn three() -> u32 {
    3
}
fn twenty() -> u32 {
    20
}

/// The shift of one window or one staff member (exactly one of the two).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftConfig {
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub staff: Option<String>,
    /// `HH:MM-HH:MM` ranges in hall time, on working days.
    pub hours: Vec<String>,
}

/// Escalation of unacknowledged alarms to the supervisor on duty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Minutes a warning may stay unacknowledged before it is escalated;
    /// none: warnings are not escalated.
    #[serde(default = "warning_minutes")]
    pub warning_minutes: Option<u32>,
    /// The same for errors.
    #[serde(default = "error_minutes")]
    pub error_minutes: Option<u32>,
    /// Escalate again every this many minutes while still unacknowledged;
    /// none: once.
    #[serde(default = "repeat_minutes")]
    pub repeat_minutes: Option<u32>,
    /// Who is on duty when; the first whose hours hold the time is told.
    #[serde(default)]
    pub duty: Vec<DutyConfig>,
}

impl Default for EscalationConfig {
    fn default() -> Self {
        Self {
            warning_minutes: warning_minutes(),
            error_minutes: error_minutes(),
            repeat_minutes: repeat_minutes(),
            duty: Vec::new(),
        }
    }
}

fn warning_minutes() -> Option<u32> {
    Some(15)
}
fn error_minutes() -> Option<u32> {
    Some(5)
}
fn repeat_minutes() -> Option<u32> {
    Some(30)
}

/// A supervisor's duty hours (every day: alarms do not stop at weekends).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutyConfig {
    /// A `[[supervisors]]` user.
    pub user: String,
    #[serde(default = "all_day")]
    pub hours: Vec<String>,
}

fn all_day() -> Vec<String> {
    vec!["00:00-24:00".into()]
}

/// 好差评: the prompt and the follow-up of a bad rating.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingConfig {
    /// Seconds the evaluator waits for a rating; then "not rated".
    #[serde(default = "prompt_timeout_s")]
    pub prompt_timeout_s: u32,
    /// Working days for the call back (回访核实) after a bad rating.
    #[serde(default = "five")]
    pub callback_days: u32,
    /// Working days for the rectification (整改) after the call back.
    #[serde(default = "five")]
    pub rectify_days: u32,
    /// Working days for the feedback to the citizen (反馈) after it.
    #[serde(default = "five")]
    pub feedback_days: u32,
}

impl Default for RatingConfig {
    fn default() -> Self {
        Self {
            prompt_timeout_s: prompt_timeout_s(),
            callback_days: five(),
            rectify_days: five(),
            feedback_days: five(),
        }
    }
}

fn prompt_timeout_s() -> u32 {
    60
}

/// Longest follow-up limit accepted, in working days (provinces use 5 to 15).
pub const MAX_FOLLOW_UP_DAYS: u32 = 30;

mod validate;
pub(crate) use validate::validate;
