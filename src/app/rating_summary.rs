//! 好差评 over a range of hall days, for the dashboard's ratings chart:
//! the grades ★5 … ★1, "not rated", 差评 and the satisfaction rate of the
//! ratings given on the days of the header's range (the same range rule as
//! the statistics, `core::stats::StatsRange`: at most 31 days, today by
//! default). The month's ranking by window and staff member is
//! `App::monthly_ratings` (`ratings.rs`).
//!
//! Blocking (storage reads): call it in `spawn_blocking`. Who may ask
//! (supervisors) is checked by the transport.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tingwu_actors::core::day;
use tingwu_actors::core::rating::monthly::{over_days, Tally};
use tingwu_actors::core::stats::{RangeError, StatsRange};

use super::App;
use crate::storage::{ReadError, StoreReader};

/// Why no summary was given.
#[derive(Debug, thiserror::Error)]
pub enum RatingSummaryError {
    /// `from` / `to` are not a valid range (400 `bad_date`, `bad_range`,
    /// `range_too_long`).
    #[error(transparent)]
    Range(#[from] RangeError),
    /// Storage could not be read.
    #[error("storage read failed: {0}")]
    Read(#[from] ReadError),
}

/// The ratings of a range of hall days.
#[derive(Debug, Serialize)]
pub struct RatingSummary {
    /// First hall day, `YYYY-MM-DD`.
    pub from: NaiveDate,
    /// Last hall day, included.
    pub to: NaiveDate,
    /// The hall's counts: `by_stars` is `[★1, ★2, ★3, ★4, ★5]`, `rated`,
    /// `not_rated`, `satisfied`, `bad`, `excluded`, `follow_ups`,
    /// `follow_ups_overdue` (`core::rating::monthly::Tally`).
    #[serde(flatten)]
    pub tally: Tally,
    /// 满意率 in per mille (基本满意 or better ÷ ratings given); null
    /// without ratings.
    pub satisfaction_permille: Option<u32>,
}

impl App {
    /// The ratings given (or timed out) on hall days `from` to `to`
    /// (`YYYY-MM-DD`; missing: today), as of `now`. Ratings are read by
    /// their ticket's day, so a rating counts when its ticket was taken in
    /// the range and it was given in it.
    pub fn rating_summary(
        &self,
        reader: &StoreReader,
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RatingSummary, RatingSummaryError> {
        let cfg = &self.dir.config;
        let (tz, day_start) = (cfg.tz(), cfg.day_start());
        let range = StatsRange::parse(from, to, day::hall_day(now, tz, day_start))?;
        let mut ratings = Vec::new();
        for d in range.days() {
            ratings.extend(reader.ratings_from(&day::day_key(d))?.items);
        }
        let follow_ups = reader.follow_ups()?;
        let tally = over_days(
            &ratings,
            &follow_ups.items,
            (range.from, range.to),
            |t| day::hall_day(t, tz, day_start),
            tz,
            now,
        );
        Ok(RatingSummary {
            from: range.from,
            to: range.to,
            satisfaction_permille: tally.satisfaction_permille(),
            tally,
        })
    }
}
