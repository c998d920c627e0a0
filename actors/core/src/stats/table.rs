//! The report as one flat table (one row per group or staff member), the
//! shape of `GET /api/v1/stats?format=csv`. Columns that do not apply to a
//! row's section are empty.

use serde::Serialize;

use super::{Group, Report, StaffStats};

/// One row. `section` is `total`, `hour`, `day`, `channel`, `area`,
/// `queue` or `staff`; durations are ms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    pub section: &'static str,
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub tickets: Option<u64>,
    pub served: Option<u64>,
    pub no_show: Option<u64>,
    pub expired: Option<u64>,
    pub waiting: Option<u64>,
    pub onsite: Option<u64>,
    pub appointment: Option<u64>,
    pub online: Option<u64>,
    pub avg_wait_ms: Option<u64>,
    pub p90_wait_ms: Option<u64>,
    pub avg_service_ms: Option<u64>,
    pub p90_service_ms: Option<u64>,
    pub longest_wait_ms: Option<u64>,
    pub predicted_wait_ms: Option<u64>,
    pub service_ms: Option<u64>,
    pub idle_ms: Option<u64>,
    pub paused_ms: Option<u64>,
    pub busy_ms: Option<u64>,
    pub logged_in_ms: Option<u64>,
}

fn group_row(section: &'static str, g: &Group) -> Row {
    Row {
        section,
        key: g.key.clone(),
        label_zh: g.label_zh.clone(),
        label_en: g.label_en.clone(),
        tickets: Some(g.tickets),
        served: Some(g.served),
        no_show: Some(g.no_show),
        expired: Some(g.expired),
        waiting: Some(g.waiting),
        onsite: Some(g.onsite),
        appointment: Some(g.appointment),
        online: Some(g.online),
        avg_wait_ms: g.avg_wait_ms,
        p90_wait_ms: g.p90_wait_ms,
        avg_service_ms: g.avg_service_ms,
        p90_service_ms: g.p90_service_ms,
        ..Row::default()
    }
}

fn staff_row(s: &StaffStats) -> Row {
    Row {
        section: "staff",
        key: s.staff.clone(),
        label_zh: s.name.clone(),
        label_en: s.name.clone(),
        served: Some(s.served),
        avg_service_ms: s.avg_service_ms,
        service_ms: Some(s.service_ms),
        idle_ms: Some(s.idle_ms),
        paused_ms: Some(s.paused_ms),
        busy_ms: Some(s.busy_ms),
        logged_in_ms: Some(s.logged_in_ms),
        ..Row::default()
    }
}

/// Every row of the report: the total, then hours, days, channels, areas,
/// queues and staff.
pub fn rows(r: &Report) -> Vec<Row> {
    let mut out = vec![group_row("total", &r.totals)];
    out.extend(r.by_hour.iter().map(|g| group_row("hour", g)));
    out.extend(r.by_day.iter().map(|g| group_row("day", g)));
    out.extend(r.by_channel.iter().map(|g| group_row("channel", g)));
    out.extend(r.by_area.iter().map(|g| group_row("area", g)));
    out.extend(r.by_queue.iter().map(|q| Row {
        longest_wait_ms: q.longest_wait_ms,
        predicted_wait_ms: q.predicted_wait_ms,
        ..group_row("queue", &q.group)
    }));
    out.extend(r.by_staff.iter().map(staff_row));
    out
}
