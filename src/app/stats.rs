//! Hall statistics (数据统计) for supervisors: reads a range's tickets and
//! the windows' committed changes through the storage port's read side and
//! hands them to the pure rule, `tingwu_core::stats`.
//!
//! Blocking (storage reads): call it in `spawn_blocking`. Who may ask
//! (supervisors) is checked by the transport with the session, as for
//! every supervisor read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tingwu_actors::core::day;
use tingwu_actors::core::stats::{self, RangeError, Report, StatsRange, WindowSample};
use tingwu_actors::core::ticket::Ticket;

use super::App;
use crate::storage::{ReadError, StoreReader};

/// Events read before the range for each window's state when it began: a
/// window that changed in none of them counts from its first change inside.
pub const LOOK_BACK: u64 = 4_096;

/// The most outbox events one request reads (about a month of a busy
/// hall); a range holding more is refused as too large.
pub const MAX_EVENTS: u64 = 2_000_000;

/// Events read per storage call.
const PAGE: usize = 1_024;

/// Why no statistics were given.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The dates asked for are not a valid range.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// The range holds more than [`MAX_EVENTS`] events.
    #[error("the range holds more than {MAX_EVENTS} events; ask for fewer days (统计区间数据过多，请缩短区间)")]
    TooLarge,
    /// Storage could not be read.
    #[error("storage read failed: {0}")]
    Read(#[from] ReadError),
}

impl App {
    /// The statistics of hall days `from` to `to` (`YYYY-MM-DD`, both
    /// included; missing ones mean today), as of `now`.
    pub fn statistics(
        &self,
        reader: &StoreReader,
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Report, StatsError> {
        let cfg = &self.dir.config;
        let (tz, day_start) = (cfg.tz(), cfg.day_start());
        let today = day::hall_day(now, tz, day_start);
        let range = StatsRange::parse(from, to, today)?;
        let mut tickets: Vec<Ticket> = Vec::new();
        for d in range.days() {
            let scanned = reader.tickets_of_day(&day::day_key(d))?;
            tickets.extend(scanned.items);
        }
        let samples = window_samples(reader, range.start(tz, day_start), range.end(tz, day_start))?;
        tracing::debug!(from = %range.from, to = %range.to, tickets = tickets.len(), samples = samples.len(), "statistics read");
        Ok(stats::compute(&stats::Input {
            config: cfg,
            range,
            tickets: &tickets,
            samples: &samples,
            now,
        }))
    }
}

/// The commit time of the first readable event at or after `seq`.
fn ts_from(reader: &StoreReader, seq: u64) -> Result<Option<DateTime<Utc>>, ReadError> {
    Ok(reader
        .events_after(seq.saturating_sub(1), 16)?
        .into_iter()
        .find_map(|e| e.event.map(|e| e.ts)))
}

/// The first sequence number whose event was committed at or after `t`
/// (commit times grow with the sequence): a binary search of the outbox.
fn first_at_or_after(reader: &StoreReader, last: u64, t: DateTime<Utc>) -> Result<u64, ReadError> {
    let (mut lo, mut hi) = (1, last + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match ts_from(reader, mid)? {
            Some(ts) if ts < t => lo = mid + 1,
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// Every window's changes committed in `[start, end)`, and each window's
/// last change in the [`LOOK_BACK`] events before `start`.
fn window_samples(
    reader: &StoreReader,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<WindowSample>, StatsError> {
    let last = reader.last_seq()?;
    let first = first_at_or_after(reader, last, start)?;
    let mut before: HashMap<String, WindowSample> = HashMap::new();
    let mut inside = Vec::new();
    let mut after = first.saturating_sub(LOOK_BACK + 1);
    let mut read: u64 = 0;
    'pages: loop {
        let page = reader.events_after(after, PAGE)?;
        let Some(newest) = page.last().map(|e| e.seq) else {
            break;
        };
        for entry in page {
            let Some(event) = entry.event else { continue };
            if event.ts >= end {
                break 'pages;
            }
            if let Some(s) = WindowSample::of(&event) {
                if event.ts < start {
                    before.insert(s.window.clone(), s);
                } else {
                    inside.push(s);
                }
            }
        }
        read += PAGE as u64;
        if read > MAX_EVENTS + LOOK_BACK {
            return Err(StatsError::TooLarge);
        }
        after = newest;
    }
    inside.extend(before.into_values());
    Ok(inside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use crate::storage::Storage;
    use chrono::{Duration, TimeZone};
    use tingwu_actors::core::events::{CommittedEvent, EventBody};
    use tingwu_actors::core::views::{StaffView, WindowView};
    use tingwu_actors::core::window_state::WindowState;
    use tingwu_actors::keys;
    use tingwu_actors::store::Commit;

    fn window(state: WindowState, staff: Option<&str>) -> EventBody {
        EventBody::Window(WindowView {
            id: "1".into(),
            number: 1,
            name: "1号窗口".into(),
            name_en: "Window 1".into(),
            area: "A".into(),
            state,
            state_zh: state.label_zh().into(),
            enabled: true,
            staff: staff.map(|id| StaffView {
                id: id.into(),
                name: "张三".into(),
            }),
            ticket: None,
            queues: Vec::new(),
            pause_message: None,
            pause_reason: None,
            version: 1,
            silent: false,
            parked: Vec::new(),
            busy_since: None,
            display_state: None,
        })
    }

    /// 2026-11-26 `h:m` in Shanghai.
    fn local(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap() - Duration::hours(8)
    }

    /// An outbox with window 1's day: S01 logs in on the 25th at 17:00
    /// (and stays idle overnight), pauses on the 26th 09:00–09:20, logs out
    /// at 12:00; 200 queue-free audit events pad the outbox between.
    fn outbox() -> Storage {
        let storage = Storage::temporary().unwrap();
        let mut c = Commit::default();
        let mut seq = 0;
        let mut put = |c: &mut Commit, ts: DateTime<Utc>, body: EventBody| {
            seq += 1;
            let e = CommittedEvent { seq, ts, body };
            c.put(keys::event(seq), e.encode().unwrap());
        };
        put(
            &mut c,
            local(17, 0) - Duration::days(1),
            window(WindowState::Idle, Some("S01")),
        );
        for i in 0..200 {
            let ts = local(1, 0) + Duration::seconds(i);
            put(
                &mut c,
                ts,
                EventBody::Audit(tingwu_actors::core::events::AuditEntry {
                    who: "admin".into(),
                    action: "noise".into(),
                    target: "hall".into(),
                    reason: None,
                    detail: serde_json::Value::Null,
                }),
            );
        }
        put(
            &mut c,
            local(9, 0),
            window(WindowState::Paused, Some("S01")),
        );
        put(&mut c, local(9, 20), window(WindowState::Idle, Some("S01")));
        put(&mut c, local(12, 0), window(WindowState::LoggedOut, None));
        put(
            &mut c,
            local(17, 0) + Duration::days(1),
            window(WindowState::Idle, Some("S02")),
        );
        storage.write_now(c).unwrap();
        storage
    }

    #[actix::test]
    async fn staff_time_comes_from_the_windows_changes_in_the_range() {
        let (app, _tmp) = demo_app();
        let storage = outbox();
        let r = app
            .statistics(
                &storage.reader(),
                Some("2026-11-26"),
                Some("2026-11-26"),
                local(23, 0),
            )
            .unwrap();
        assert_eq!(r.by_staff.len(), 1, "{:?}", r.by_staff);
        let s = &r.by_staff[0];
        assert_eq!(s.staff, "S01");
        // Idle from the day's start (00:00, carried in from the 25th) to
        // 09:00 and 09:20–12:00; paused 20 minutes.
        assert_eq!(s.paused_ms, 20 * 60_000);
        assert_eq!(s.idle_ms, (9 * 60 + 160) * 60_000);
        // The day after holds S02 only.
        let r = app
            .statistics(
                &storage.reader(),
                Some("2026-11-27"),
                None,
                local(23, 0) + Duration::days(1),
            )
            .unwrap();
        let who: Vec<&str> = r.by_staff.iter().map(|s| s.staff.as_str()).collect();
        assert_eq!(who, ["S02"]);
    }

    #[actix::test]
    async fn bad_ranges_are_refused_with_their_reason() {
        let (app, _tmp) = demo_app();
        let storage = Storage::temporary().unwrap();
        let reader = storage.reader();
        let now = Utc::now();
        assert!(matches!(
            app.statistics(&reader, Some("2026-13-01"), None, now),
            Err(StatsError::Range(RangeError::BadDate { field: "from" }))
        ));
        assert!(matches!(
            app.statistics(&reader, Some("2026-01-01"), Some("2026-03-01"), now),
            Err(StatsError::Range(RangeError::TooLong { .. }))
        ));
        let empty = app.statistics(&reader, None, None, now).unwrap();
        assert_eq!(empty.totals.tickets, 0);
        assert!(empty.by_staff.is_empty());
    }
}
