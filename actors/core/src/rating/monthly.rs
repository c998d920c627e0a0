//! Monthly tallies of ratings and follow-ups by window and by staff member
//! (the dashboard's ranking, later the window scores).
//!
//! A rating belongs to the hall month of the time it was given (or timed
//! out). Counted: ratings per grade, "not rated" apart, 差评 (不满意 or
//! worse), and the satisfaction rate 满意率 = (非常满意 + 满意 + 基本满意) ÷
//! ratings given — "not rated" is in neither part, so silence never counts
//! as satisfied. A rating whose appeal was upheld (申诉复核成立) is left
//! out of every count but `excluded`. Follow-ups are counted with their
//! rating; overdue ones (red now, or a step done late) apart.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::follow_up::FollowUp;
use super::record::RatingRecord;
use crate::calendar::local_date;

/// The counts of one window, one staff member or the whole hall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Ratings per grade, by stars: `[★1, ★2, ★3, ★4, ★5]`.
    pub by_stars: [u32; 5],
    /// Ratings given (the sum of `by_stars`).
    pub rated: u32,
    /// Prompts that timed out (未评价).
    pub not_rated: u32,
    /// 基本满意 or better.
    pub satisfied: u32,
    /// 差评: 不满意 or worse.
    pub bad: u32,
    /// Ratings left out by an upheld appeal.
    pub excluded: u32,
    /// Follow-ups of the counted bad ratings.
    pub follow_ups: u32,
    /// Of those, overdue now or done late.
    pub follow_ups_overdue: u32,
}

impl Tally {
    /// 满意率 in per mille (satisfied × 1000 ÷ rated, rounded down); none
    /// without ratings.
    pub fn satisfaction_permille(&self) -> Option<u32> {
        (self.rated > 0).then(|| {
            let p = u64::from(self.satisfied) * 1000 / u64::from(self.rated);
            u32::try_from(p).unwrap_or(1000)
        })
    }

    fn add(&mut self, r: &RatingRecord, f: Option<&FollowUp>, now: DateTime<Utc>, tz: Tz) {
        if f.is_some_and(FollowUp::excluded) {
            self.excluded += 1;
            return;
        }
        let Some(grade) = r.grade() else {
            self.not_rated += 1;
            return;
        };
        self.rated += 1;
        self.by_stars[usize::from(grade.stars() - 1)] += 1;
        if grade.is_satisfied() {
            self.satisfied += 1;
        } else {
            self.bad += 1;
        }
        if let Some(f) = f {
            self.follow_ups += 1;
            if f.ever_overdue(now, tz) {
                self.follow_ups_overdue += 1;
            }
        }
    }
}

/// One month's tallies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyRatings {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    pub hall: Tally,
    pub by_window: BTreeMap<String, Tally>,
    /// Ratings of services with a known staff member.
    pub by_staff: BTreeMap<String, Tally>,
}

/// The tallies of hall month `year`-`month` (time zone `tz`) at `now`
/// (which decides whether a follow-up is overdue). Follow-ups are matched
/// to ratings by ticket.
pub fn monthly(
    ratings: &[RatingRecord],
    follow_ups: &[FollowUp],
    year: i32,
    month: u32,
    tz: Tz,
    now: DateTime<Utc>,
) -> MonthlyRatings {
    let by_ticket: HashMap<&str, &FollowUp> = follow_ups
        .iter()
        .map(|f| (f.service.ticket.as_str(), f))
        .collect();
    let mut out = MonthlyRatings {
        year,
        month,
        ..MonthlyRatings::default()
    };
    for r in ratings {
        let d = local_date(r.at(), tz);
        if d.year() != year || d.month() != month {
            continue;
        }
        let f = by_ticket.get(r.service.ticket.as_str()).copied();
        out.hall.add(r, f, now, tz);
        out.by_window
            .entry(r.service.window.clone())
            .or_default()
            .add(r, f, now, tz);
        if let Some(staff) = &r.service.staff {
            out.by_staff
                .entry(staff.clone())
                .or_default()
                .add(r, f, now, tz);
        }
    }
    out
}

/// The hall's tally of the ratings given (or timed out) on days `from` to
/// `to`, both included, where `day_of` names the day of a time (the hall
/// day, for the dashboard's range); `tz` and `now` decide whether a
/// follow-up is overdue, as in [`monthly`].
pub fn over_days(
    ratings: &[RatingRecord],
    follow_ups: &[FollowUp],
    (from, to): (NaiveDate, NaiveDate),
    day_of: impl Fn(DateTime<Utc>) -> NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> Tally {
    let by_ticket: HashMap<&str, &FollowUp> = follow_ups
        .iter()
        .map(|f| (f.service.ticket.as_str(), f))
        .collect();
    let mut out = Tally::default();
    for r in ratings {
        if (from..=to).contains(&day_of(r.at())) {
            let f = by_ticket.get(r.service.ticket.as_str()).copied();
            out.add(r, f, now, tz);
        }
    }
    out
}

/// One line of the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    /// The window or staff id.
    pub id: String,
    pub tally: Tally,
    pub satisfaction_permille: Option<u32>,
}

/// Windows or staff ranked: highest satisfaction first (none last), then
/// fewer bad ratings, fewer overdue follow-ups, more ratings, then by id.
pub fn ranking(tallies: &BTreeMap<String, Tally>) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = tallies
        .iter()
        .map(|(id, t)| Ranked {
            id: id.clone(),
            tally: *t,
            satisfaction_permille: t.satisfaction_permille(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.satisfaction_permille
            .cmp(&a.satisfaction_permille)
            .then(a.tally.bad.cmp(&b.tally.bad))
            .then(a.tally.follow_ups_overdue.cmp(&b.tally.follow_ups_overdue))
            .then(b.tally.rated.cmp(&a.tally.rated))
            .then(a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
#[path = "monthly_tests.rs"]
mod tests;
