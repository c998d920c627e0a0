//! What the outside sees: the JSON shapes of tickets, windows, queues and
//! calls on the API, the screens and the terminals. Views never carry
//! personal data in the clear.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::WindowQueue;
use crate::ticket::{Channel, Priority, Ticket, TicketStatus};
use crate::window_state::{DisplayState, WindowState};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    pub id: String,
    pub number: String,
    pub queue: String,
    pub item: Option<String>,
    pub status: TicketStatus,
    pub channel: Channel,
    pub priority: Priority,
    pub issued_at: DateTime<Utc>,
    pub people_ahead: u64,
    pub estimated_wait_s: u64,
    /// True when no window of the ticket's queue is open to call it
    /// (`numbering::wait_known`): the wait is then unknown, and
    /// `estimated_wait_s`/`expected_call_at` say nothing (0 and null).
    /// Left out of the JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wait_unknown: bool,
    /// For a skipped ticket (`no_show`): until when it may rejoin its queue
    /// (`POST /api/v1/tickets/{id}/rejoin`), by `numbering::rejoin_until`;
    /// left out when it may not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejoin_until: Option<DateTime<Utc>>,
    /// Predicted call time of a waiting ticket (虚拟叫号: 预计叫号时间).
    #[serde(default)]
    pub expected_call_at: Option<DateTime<Utc>>,
    pub window: Option<String>,
    /// The queue it waits in after a transfer (else its own).
    #[serde(default)]
    pub waiting_in: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

impl TicketView {
    /// The view of a ticket; position fields are zero unless it is waiting
    /// and the caller knows its position.
    pub fn of(t: &Ticket, people_ahead: u64, estimated_wait_s: u64) -> Self {
        Self {
            id: t.id.clone(),
            number: t.number.clone(),
            queue: t.queue.clone(),
            item: t.item.clone(),
            status: t.status,
            channel: t.channel,
            priority: t.priority,
            issued_at: t.issued_at,
            people_ahead,
            estimated_wait_s,
            wait_unknown: false,
            rejoin_until: None,
            expected_call_at: (t.status == TicketStatus::Waiting).then(|| {
                Utc::now() + chrono::Duration::seconds(i64::try_from(estimated_wait_s).unwrap_or(0))
            }),
            window: t.window.clone(),
            waiting_in: t.waiting_in.clone(),
            phone: t.personal.phone_masked.clone(),
            id_number: t.personal.id_masked.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    pub id: String,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowView {
    pub id: String,
    pub number: u32,
    pub name: String,
    pub name_en: String,
    pub area: String,
    pub state: WindowState,
    pub state_zh: String,
    pub enabled: bool,
    pub staff: Option<StaffView>,
    pub ticket: Option<TicketRef>,
    pub queues: Vec<WindowQueue>,
    /// Shown on the window screen while paused or disabled: the window's
    /// configured public message (`pause_message`), never the worker's
    /// reason.
    pub pause_message: Option<String>,
    /// The worker's own reason for a pause (暂停原因), for supervisors only:
    /// public screens receive the view without it (see
    /// `WindowView::public`). None when not paused or no reason was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
    /// See `WindowRecord::version`.
    pub version: u64,
    /// Silent calling (静默叫号): screens do not speak this window's calls.
    #[serde(default)]
    pub silent: bool,
    /// Tickets the window has set aside (park).
    #[serde(default)]
    pub parked: Vec<TicketRef>,
    /// When the window took up its current ticket (started, else called):
    /// how long it has been busy, for the wait prediction.
    #[serde(default)]
    pub busy_since: Option<DateTime<Utc>>,
    /// What screens and pages show (窗口显示状态): `state`, or
    /// `attendance_anomaly` (考勤异常) while an attendance anomaly of the
    /// window holds (`window_state::display_state`; the supervision actor
    /// finds the anomalies, the state machine is unchanged). Issue 9: the
    /// fifth state "on every screen and page that shows states", public
    /// ones too — the state only; the anomaly's kind and details stay in
    /// the supervisors' alarms. An optional field (no new event version,
    /// see `events.rs`): absent in events written before it, where `state`
    /// is what to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_state: Option<DisplayState>,
}

impl WindowView {
    /// The view as a public screen may show it: without the worker's
    /// private pause reason. The displayed state (考勤异常 included) stays.
    pub fn public(mut self) -> Self {
        self.pause_reason = None;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub id: String,
    pub prefix: String,
    pub name: String,
    pub name_en: String,
    pub area: String,
    pub waiting: u64,
    pub issued: u64,
    /// Grows with every change, so that a reader can drop stale updates.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallView {
    pub ticket: String,
    pub number: String,
    pub window: String,
    pub window_number: u32,
    pub window_name: String,
    pub queue: String,
    pub recall: bool,
    /// What the hall screens hand to the speech engine for this call,
    /// normalised once by [`crate::speech::call_speech`]:
    /// "请 A零二三号 到 五号窗口 办理". Empty (and left out of the JSON) in
    /// calls stored before it existed, so those events re-encode unchanged.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub speech: String,
}
