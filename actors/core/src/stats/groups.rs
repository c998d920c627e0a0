//! Ticket counts, waits and service times of one group of tickets (an
//! hour, a day, a channel, an area, a queue, or all of them).
//!
//! Definitions, in milliseconds:
//! - **wait** (等候时长): from issue (`issued_at`) to the last call
//!   (`called_at`), for every ticket that was called; a transferred ticket
//!   keeps its first issue time, so its wait runs to its last call;
//! - **service** (办理时长): from `started_at` to `finished_at`, for tickets
//!   served to the end (`done`).
//!
//! Channels (渠道), as the ticket's issuer set them (`ticket::Channel`):
//! 现场 on-site — taken at a kiosk, with an ID card at a reader, or by hall
//! staff (`POST /api/v1/tickets` from a kiosk or staff without a channel);
//! 预约 appointment — a booking checked in (`appointment::check_in`); 网上
//! online — the citizen's own channel (`POST /api/v1/tickets` from anyone
//! else: the phone and WeChat front ends; see `crate::ticket_source`).

use serde::Serialize;

use super::summary::Durations;
use crate::ticket::{Channel, Ticket, TicketStatus};

/// The three channels in report order, with their key and labels.
pub const CHANNELS: [(Channel, &str, &str, &str); 3] = [
    (Channel::Onsite, "onsite", "现场", "On-site"),
    (Channel::Appointment, "appointment", "预约", "Appointment"),
    (Channel::Online, "online", "网上", "Online"),
];

/// One group's figures. Durations are ms; an average or percentile of no
/// tickets is `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Group {
    /// What the group is: `09` (hour), `2026-11-26` (day), `onsite`, an
    /// area or queue id, `all`.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// Tickets issued.
    pub tickets: u64,
    /// Served to the end (`done`).
    pub served: u64,
    /// Skipped as absent (`no_show`, 过号).
    pub no_show: u64,
    /// Closed unserved at the day's end (`expired`).
    pub expired: u64,
    /// Still waiting now.
    pub waiting: u64,
    /// Tickets per channel.
    pub onsite: u64,
    pub appointment: u64,
    pub online: u64,
    /// Tickets called (those with a wait).
    pub called: u64,
    pub avg_wait_ms: Option<u64>,
    pub p90_wait_ms: Option<u64>,
    pub avg_service_ms: Option<u64>,
    pub p90_service_ms: Option<u64>,
}

/// Collects tickets into one [`Group`].
#[derive(Debug, Clone, Default)]
pub struct GroupAcc {
    g: Group,
    waits: Durations,
    services: Durations,
}

/// Milliseconds from `a` to `b`, 0 if `b` is earlier (a clock step).
pub fn ms_between(a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>) -> u64 {
    u64::try_from((b - a).num_milliseconds()).unwrap_or(0)
}

/// The ticket's wait (ms), if it was called.
pub fn wait_ms(t: &Ticket) -> Option<u64> {
    t.called_at.map(|c| ms_between(t.issued_at, c))
}

/// The ticket's service time (ms), if it was served to the end.
pub fn service_ms(t: &Ticket) -> Option<u64> {
    match (t.status, t.started_at, t.finished_at) {
        (TicketStatus::Done, Some(s), Some(f)) => Some(ms_between(s, f)),
        _ => None,
    }
}

impl GroupAcc {
    /// A group named `key` with its labels.
    pub fn new(key: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            g: Group {
                key: key.into(),
                label_zh: zh.into(),
                label_en: en.into(),
                ..Group::default()
            },
            ..Self::default()
        }
    }

    /// Counts one ticket.
    pub fn add(&mut self, t: &Ticket) {
        let g = &mut self.g;
        g.tickets += 1;
        match t.status {
            TicketStatus::Done => g.served += 1,
            TicketStatus::NoShow => g.no_show += 1,
            TicketStatus::Expired => g.expired += 1,
            TicketStatus::Waiting => g.waiting += 1,
            TicketStatus::Called | TicketStatus::Serving | TicketStatus::Parked => {}
        }
        match t.channel {
            Channel::Onsite => g.onsite += 1,
            Channel::Appointment => g.appointment += 1,
            Channel::Online => g.online += 1,
        }
        if let Some(w) = wait_ms(t) {
            g.called += 1;
            self.waits.push(w);
        }
        if let Some(s) = service_ms(t) {
            self.services.push(s);
        }
    }

    /// The group's figures.
    pub fn finish(self) -> Group {
        let w = self.waits.summary();
        let s = self.services.summary();
        Group {
            avg_wait_ms: w.avg_ms,
            p90_wait_ms: w.p90_ms,
            avg_service_ms: s.avg_ms,
            p90_service_ms: s.p90_ms,
            ..self.g
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ticket::{Personal, Priority};
    use chrono::{DateTime, Duration, TimeZone, Utc};

    /// A ticket of queue `q` issued at `issued` (UTC), waited `wait_s`
    /// (None: never called) and served `service_s` (None: not done).
    pub(crate) fn ticket(
        q: &str,
        n: u32,
        issued: DateTime<Utc>,
        wait_s: Option<i64>,
        service_s: Option<i64>,
    ) -> Ticket {
        let called = wait_s.map(|w| issued + Duration::seconds(w));
        let started = called.filter(|_| service_s.is_some());
        let finished = started
            .zip(service_s)
            .map(|(s, d)| s + Duration::seconds(d));
        let status = match (called, finished) {
            (None, _) => TicketStatus::Waiting,
            (Some(_), None) => TicketStatus::NoShow,
            (Some(_), Some(_)) => TicketStatus::Done,
        };
        Ticket {
            id: format!("20261126-{q}{n:03}"),
            day: "20261126".into(),
            queue: q.into(),
            seq: n,
            number: format!("{q}{n:03}"),
            item: None,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            status,
            issued_at: issued,
            arrival: issued.timestamp_micros(),
            window: called.map(|_| "1".into()),
            called_at: called,
            started_at: started,
            finished_at: finished,
            personal: Personal::default(),
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: Some(300),
        }
    }

    #[test]
    fn a_group_counts_statuses_channels_waits_and_service() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        let mut online = ticket("A", 3, at, None, None);
        online.channel = Channel::Online;
        let mut acc = GroupAcc::new("A", "综合", "General");
        for t in [
            ticket("A", 1, at, Some(60), Some(300)),
            ticket("A", 2, at, Some(240), None),
            online,
        ] {
            acc.add(&t);
        }
        let g = acc.finish();
        assert_eq!(
            (g.tickets, g.served, g.no_show, g.waiting, g.called),
            (3, 1, 1, 1, 2)
        );
        assert_eq!((g.onsite, g.appointment, g.online), (2, 0, 1));
        // Waits 60 s and 240 s: mean 150 s, p90 (rank 2 of 2) 240 s.
        assert_eq!(
            (g.avg_wait_ms, g.p90_wait_ms),
            (Some(150_000), Some(240_000))
        );
        assert_eq!(
            (g.avg_service_ms, g.p90_service_ms),
            (Some(300_000), Some(300_000))
        );
    }

    #[test]
    fn a_clock_step_back_counts_as_no_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        assert_eq!(wait_ms(&ticket("A", 1, at, Some(-5), None)), Some(0));
    }
}
