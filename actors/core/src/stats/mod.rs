//! Hall statistics (数据统计) behind the supervisor dashboard's charts and
//! `GET /api/v1/stats`: ticket counts by hour, day, channel (现场 / 预约 /
//! 网上), area and queue; average and p90 wait and service time; per staff
//! member served, service time, idle and paused time.
//!
//! Pure: the caller reads the range's tickets (`t/{day}/…`) and the
//! windows' committed changes (`window` events) and passes them in with
//! `now`. The source of the requirement is the hall's 数据统计 requirement
//! (queue counts by time, channel and area, shown as charts); the figures'
//! definitions are in [`groups`] (wait, service, channels), [`staff`]
//! (time at a window) and [`summary`] (the p90).

pub mod groups;
pub mod range;
pub mod staff;
pub mod summary;
pub mod table;

use std::collections::BTreeMap;

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;

use crate::config::HallConfig;
use crate::ticket::{Ticket, TicketStatus};
pub use groups::{Group, CHANNELS};
pub use range::{RangeError, StatsRange, MAX_DAYS};
pub use staff::{StaffStats, WindowSample};

/// One queue's figures, and — as of `generated_at` — its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    #[serde(flatten)]
    pub group: Group,
    /// The queue's area id.
    pub area: String,
    /// Tickets waiting in this queue's line now (transferred ones where
    /// they wait).
    pub waiting_now: u64,
    /// How long the longest of them has waited so far (ms), `null` when
    /// none waits.
    pub longest_wait_ms: Option<u64>,
    /// The wait predicted for the newest ticket still waiting, when it was
    /// issued (ms; 虚拟叫号 预计等候): what a new arrival is being told.
    pub predicted_wait_ms: Option<u64>,
}

/// The statistics of a range of hall days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// First and last hall day, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    /// The hall's IANA time zone; hours are local hours in it.
    pub time_zone: String,
    pub generated_at: DateTime<Utc>,
    pub totals: Group,
    /// 24 groups, `00` to `23`, by the local hour of issue.
    pub by_hour: Vec<Group>,
    /// One group per hall day of the range, in order.
    pub by_day: Vec<Group>,
    /// 现场, 预约, 网上, in that order.
    pub by_channel: Vec<Group>,
    /// One per configured area, in configuration order (and any area
    /// tickets name that the configuration no longer has, after them).
    pub by_area: Vec<Group>,
    /// One per configured queue, in configuration order (then unknown ones).
    pub by_queue: Vec<QueueStats>,
    pub by_staff: Vec<StaffStats>,
}

/// What [`compute`] needs.
pub struct Input<'a> {
    pub config: &'a HallConfig,
    pub range: StatsRange,
    /// The range's tickets (any status).
    pub tickets: &'a [Ticket],
    /// The windows' changes in the range, and the last one of each window
    /// before it.
    pub samples: &'a [WindowSample],
    pub now: DateTime<Utc>,
}

/// Accumulators by key, kept in first-seen order after a fixed prefix.
struct Keyed {
    order: Vec<String>,
    accs: BTreeMap<String, groups::GroupAcc>,
}

impl Keyed {
    fn new(fixed: impl IntoIterator<Item = (String, String, String)>) -> Self {
        let mut k = Self {
            order: Vec::new(),
            accs: BTreeMap::new(),
        };
        for (key, zh, en) in fixed {
            k.ensure(&key, &zh, &en);
        }
        k
    }

    fn ensure(&mut self, key: &str, zh: &str, en: &str) -> &mut groups::GroupAcc {
        if !self.accs.contains_key(key) {
            self.order.push(key.to_string());
        }
        self.accs
            .entry(key.to_string())
            .or_insert_with(|| groups::GroupAcc::new(key, zh, en))
    }

    fn add(&mut self, key: &str, t: &Ticket) {
        self.ensure(key, key, key).add(t);
    }

    fn finish(mut self) -> Vec<Group> {
        self.order
            .iter()
            .filter_map(|k| self.accs.remove(k))
            .map(groups::GroupAcc::finish)
            .collect()
    }
}

/// The report of `input.range`.
pub fn compute(input: &Input<'_>) -> Report {
    let cfg = input.config;
    let tz = cfg.tz();
    let day_start = cfg.day_start();
    let start = input.range.start(tz, day_start);
    let end = input.range.end(tz, day_start).min(input.now.max(start));

    let mut totals = groups::GroupAcc::new("all", "合计", "Total");
    let mut hours = Keyed::new((0..24).map(|h| {
        let k = format!("{h:02}");
        (k.clone(), format!("{h:02}时"), format!("{h:02}:00"))
    }));
    let mut days = Keyed::new(input.range.days().into_iter().map(|d| {
        let k = d.format("%Y-%m-%d").to_string();
        (k.clone(), k.clone(), k)
    }));
    let mut channels = Keyed::new(
        CHANNELS
            .iter()
            .map(|(_, k, zh, en)| (k.to_string(), zh.to_string(), en.to_string())),
    );
    let mut areas = Keyed::new(
        cfg.areas
            .iter()
            .map(|a| (a.id.clone(), a.name.clone(), en_or(&a.name_en, &a.name))),
    );
    let mut queues = Keyed::new(
        cfg.queues
            .iter()
            .map(|q| (q.id.clone(), q.name.clone(), en_or(&q.name_en, &q.name))),
    );

    for t in input.tickets {
        totals.add(t);
        let local = t.issued_at.with_timezone(&tz);
        hours.add(&format!("{:02}", local.hour()), t);
        days.add(&day_label(&t.day), t);
        if let Some((_, key, _, _)) = CHANNELS.iter().find(|(c, ..)| *c == t.channel) {
            channels.add(key, t);
        }
        let area = cfg.queue(&t.queue).map_or("", |q| q.area.as_str());
        areas.add(area, t);
        queues.add(&t.queue, t);
    }

    let by_queue = queues
        .finish()
        .into_iter()
        .map(|group| line_of(group, cfg, input.tickets, input.now))
        .collect();

    Report {
        from: input.range.from.format("%Y-%m-%d").to_string(),
        to: input.range.to.format("%Y-%m-%d").to_string(),
        time_zone: cfg.hall.timezone.clone(),
        generated_at: input.now,
        totals: totals.finish(),
        by_hour: hours.finish(),
        by_day: days.finish(),
        by_channel: channels.finish(),
        by_area: areas.finish(),
        by_queue,
        by_staff: staff::staff_stats(input.samples, input.tickets, start, end),
    }
}

fn en_or(en: &str, zh: &str) -> String {
    if en.is_empty() { zh } else { en }.to_string()
}

/// `20261126` → `2026-11-26` (anything else unchanged).
fn day_label(day: &str) -> String {
    match (day.get(0..4), day.get(4..6), day.get(6..8)) {
        (Some(y), Some(m), Some(d)) if day.len() == 8 => format!("{y}-{m}-{d}"),
        _ => day.to_string(),
    }
}

/// A queue's group with its line as of `now`.
fn line_of(group: Group, cfg: &HallConfig, tickets: &[Ticket], now: DateTime<Utc>) -> QueueStats {
    let waiting: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting && t.line_queue() == group.key)
        .collect();
    let longest = waiting
        .iter()
        .map(|t| groups::ms_between(t.issued_at, now))
        .max();
    let predicted = waiting
        .iter()
        .max_by_key(|t| (t.issued_at, t.seq))
        .and_then(|t| t.predicted_wait_s)
        .map(|s| s.saturating_mul(1000));
    QueueStats {
        area: cfg
            .queue(&group.key)
            .map(|q| q.area.clone())
            .unwrap_or_default(),
        waiting_now: waiting.len() as u64,
        longest_wait_ms: longest,
        predicted_wait_ms: predicted,
        group,
    }
}

#[cfg(test)]
mod tests;
