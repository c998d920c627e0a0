//! Tickets (号票): what a citizen holds while waiting, and how they sort.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Taken in the hall (现场取号).
    #[default]
    Onsite,
    /// Booked beforehand and checked in (预约).
    Appointment,
    /// Taken online, e.g. on a phone (网上取号).
    Online,
}

/// Priority class. Lower rank is served first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    /// Special groups (特殊人群): elderly, disabled, pregnant, military.
    Special,
    /// Green channel (绿色通道): key projects, urgent cases.
    Green,
}

impl Priority {
    pub fn rank(self) -> u8 {
        match self {
            Priority::Green => 0,
            Priority::Special => 1,
            Priority::Normal => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Serving,
    Done,
    NoShow,
    /// Set aside by its window (the citizen fetches a document).
    Parked,
    /// Still waiting when its hall day ended, under the hall's `close` rule
    /// (`calling.day_end`, see `day_end`): 已过期（当日未办理）/ expired —
    /// not served that day. Final: it is never called.
    Expired,
}

impl TicketStatus {
    /// What people see (zh-CN, English), the same on every page and notice.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            TicketStatus::Waiting => ("等候中", "waiting"),
            TicketStatus::Called => ("已叫号", "called"),
            TicketStatus::Serving => ("正在办理", "being served"),
            TicketStatus::Done => ("已办结", "done"),
            TicketStatus::NoShow => ("已过号", "missed"),
            TicketStatus::Parked => ("暂挂", "set aside"),
            TicketStatus::Expired => ("已过期（当日未办理）", "expired — not served that day"),
        }
    }
}

/// A ticket as stored. Personal data is held sealed (encrypted by the edge)
/// and masked; the plain values never enter the core.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// `20261126-A001`: unique in the hall for ever.
    pub id: String,
    /// `20261126`: the hall day.
    pub day: String,
    pub queue: String,
    /// Position in the queue's day, from 1.
    pub seq: u32,
    /// `A001`.
    pub number: String,
    pub item: Option<String>,
    pub channel: Channel,
    pub priority: Priority,
    pub status: TicketStatus,
    pub issued_at: DateTime<Utc>,
    /// Arrival order inside the hall (microseconds); transfers keep it.
    pub arrival: i64,
    pub window: Option<String>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub personal: Personal,
    /// Transferred from another window: it goes ahead of new arrivals
    /// (class `Returned`). A no-show that rejoins does not get it: it
    /// rejoins a few places back in its own class instead.
    #[serde(default)]
    pub returned: bool,
    /// Checked in for a booked slot in time (class `Appointment`).
    #[serde(default)]
    pub appointment: Option<AppointmentSlot>,
    /// Times it has been re-announced.
    #[serde(default)]
    pub recalls: u32,
    /// Transferred to one named window: it waits for that window only.
    #[serde(default)]
    pub reserved_for: Option<String>,
    /// Transferred to another queue: it waits there (its number and storage
    /// key stay with the queue that issued it).
    #[serde(default)]
    pub waiting_in: Option<String>,
    /// The wait predicted when it was issued, to check the prediction
    /// against what really happened.
    #[serde(default)]
    pub predicted_wait_s: Option<u64>,
}

impl Ticket {
    /// The queue whose line holds it while it waits.
    pub fn line_queue(&self) -> &str {
        self.waiting_in.as_deref().unwrap_or(&self.queue)
    }
}

/// The booked slot a ticket was checked in for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentSlot {
    pub booking: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Personal data: sealed for storage, masked for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personal {
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
    pub id_sealed: Option<String>,
    pub id_masked: Option<String>,
    /// Keyed fingerprints of the ID number and phone, to count one
    /// person's tickets (limits against hoarding) without the values.
    #[serde(default)]
    pub holders: Vec<String>,
}

/// `A` and 7 give `A007`; numbers past 999 grow a digit (`A1000`).
pub fn format_number(prefix: &str, seq: u32) -> String {
    format!("{prefix}{seq:03}")
}

pub fn ticket_id(day: &str, number: &str) -> String {
    format!("{day}-{number}")
}

/// Splits `20261126-A001` into day, prefix and sequence.
pub fn parse_ticket_id(id: &str) -> Option<(&str, &str, u32)> {
    let (day, number) = id.split_once('-')?;
    if day.len() != 8 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let split = number.find(|c: char| c.is_ascii_digit())?;
    let (prefix, digits) = number.split_at(split);
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: u32 = digits.parse().ok()?;
    if format_number(prefix, seq) != number {
        return None;
    }
    Some((day, prefix, seq))
}

/// The order of waiting tickets: class first, then arrival, then number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    pub class: u8,
    pub arrival: i64,
    pub seq: u32,
}

impl Ticket {
    pub fn order_key(&self) -> OrderKey {
        OrderKey {
            class: self.priority.rank(),
            arrival: self.arrival,
            seq: self.seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ids_round_trip() {
        assert_eq!(format_number("A", 7), "A007");
        assert_eq!(format_number("GA", 1234), "GA1234");
        let id = ticket_id("20261126", &format_number("B", 42));
        assert_eq!(parse_ticket_id(&id), Some(("20261126", "B", 42)));
        assert_eq!(
            parse_ticket_id("20261126-GA1234"),
            Some(("20261126", "GA", 1234))
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "20261126",
            "2026112-A001",
            "20261126-001",
            "20261126-A01",
            "20261126-a001",
            "20261126-A0001",
        ] {
            assert_eq!(parse_ticket_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn priority_ranks_put_green_first() {
        assert!(Priority::Green.rank() < Priority::Special.rank());
        assert!(Priority::Special.rank() < Priority::Normal.rank());
    }
}
