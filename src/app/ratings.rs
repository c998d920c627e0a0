//! 好差评 for supervisors and evaluators: who an evaluator device is (HTTP
//! Basic with its device password, as kiosks prove themselves, through the
//! one lockout rule), the follow-ups of bad ratings (回访核实 → 整改 →
//! 反馈, 申诉复核) and the monthly ranking by window and staff member.
//! Who may act (a supervisor's session, a staff member's caller session)
//! is established by the transport with `App::supervisor` / `App::caller`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tingwu_actors::core::config::DeviceKind;
use tingwu_actors::core::rating::monthly::{monthly, ranking, Ranked, Tally};
use tingwu_actors::rating::{Act, ActOnFollowUp, FollowUpActError, FollowUpView, GetFollowUps};

use super::auth::same_secret;
use super::lockout::{Attempt, Credential};
use super::sources::KioskCredentials;
use super::App;
use crate::storage::{ReadError, StoreReader};

/// Why an evaluator device was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum EvaluatorAuthError {
    /// No `Authorization: Basic` (401).
    #[error("the evaluator must sign in with its device id and password (HTTP Basic) / 评价器须以设备号和密码认证")]
    Missing,
    /// Not an evaluator device of this hall, or a wrong password (401).
    #[error("wrong evaluator device or password / 评价器设备号或密码错误")]
    Wrong,
    /// An evaluator of another window (403 `evaluator_other_window`).
    #[error("evaluator {device} belongs to another window / 该评价器不属于此窗口")]
    OtherWindow { device: String },
    /// Too many wrong passwords (429).
    #[error(
        "too many wrong passwords; try again in {left_s} s / 密码错误次数过多，请{left_s}秒后再试"
    )]
    LockedOut { left_s: u64 },
}

/// Why a follow-up request was not served.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpRequestError {
    #[error(transparent)]
    Act(#[from] FollowUpActError),
    /// `at` later than now (400 `bad_time`).
    #[error("a step cannot be recorded in the future / 办理时间不能晚于当前时间")]
    Future,
    #[error("the hall is not answering / 服务暂不可用")]
    Unavailable,
}

/// Why no monthly ranking was given.
#[derive(Debug, thiserror::Error)]
pub enum MonthlyError {
    /// `month` is not `YYYY-MM` (400 `bad_month`).
    #[error("month must be YYYY-MM, e.g. 2026-11 / 月份格式应为 YYYY-MM")]
    BadMonth,
    #[error("storage read failed: {0}")]
    Read(#[from] ReadError),
}

/// The month's tallies and rankings, for the dashboard.
#[derive(Debug, Serialize)]
pub struct MonthlyRanking {
    /// `YYYY-MM` (the only `month` of the answer: the tallies' own month
    /// number is not repeated, so the JSON has no duplicate key).
    pub month: String,
    pub year: i32,
    /// The hall's counts (`core::rating::monthly::Tally`).
    pub hall: Tally,
    pub by_window: BTreeMap<String, Tally>,
    /// Ratings of services with a known staff member.
    pub by_staff: BTreeMap<String, Tally>,
    /// Windows, best first (`core::rating::monthly::ranking`), each with
    /// its configured name.
    pub window_ranking: Vec<Named>,
    /// Staff members, best first, each with their name.
    pub staff_ranking: Vec<Named>,
}

/// A line of a ranking with the display names of its window or staff
/// member (none for one no longer in the configuration).
#[derive(Debug, Serialize)]
pub struct Named {
    #[serde(flatten)]
    pub ranked: Ranked,
    /// 窗口名称 or the staff member's name.
    pub name: Option<String>,
    /// The window's English name (windows only, when configured).
    pub name_en: Option<String>,
}

/// `YYYY-MM` → (year, month).
fn parse_month(s: &str) -> Option<(i32, u32)> {
    let d = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    (s.len() == 7).then(|| (d.year(), d.month()))
}

impl App {
    /// The evaluator device of `window` proving itself with `given`;
    /// answers its device id. Wrong passwords count in the lockout rule
    /// under the device id, shared with its MQTT CONNECT.
    pub fn authenticate_evaluator(
        &self,
        window: &str,
        given: Option<&KioskCredentials>,
    ) -> Result<String, EvaluatorAuthError> {
        let given = given.ok_or(EvaluatorAuthError::Missing)?;
        let cfg = &self.dir.config;
        let device = cfg
            .devices
            .iter()
            .find(|d| d.id == given.kiosk && d.kind == DeviceKind::Evaluator)
            .ok_or(EvaluatorAuthError::Wrong)?;
        let now = self.dir.clock.now();
        match self
            .lockouts
            .attempt(Credential::DevicePassword, &device.id, now, || {
                same_secret(&given.password, &device.password)
            }) {
            Ok(()) => {}
            Err(Attempt::Wrong) => return Err(EvaluatorAuthError::Wrong),
            Err(Attempt::Locked(l)) => {
                return Err(EvaluatorAuthError::LockedOut { left_s: l.left_s })
            }
        }
        if device.window.as_deref() != Some(window) {
            tracing::warn!(device = %device.id, window = %window, "evaluator refused: another window's");
            return Err(EvaluatorAuthError::OtherWindow {
                device: device.id.clone(),
            });
        }
        Ok(device.id.clone())
    }

    /// The staff member behind a caller token (any window), if valid: who
    /// files an appeal, and who is refused when trying to rate.
    pub fn staff_of_caller_token(&self, token: &str) -> Option<String> {
        self.callers.get(token).map(|c| c.staff)
    }

    /// The follow-ups at the hall clock's now: open ones, or all.
    pub async fn follow_ups(&self, all: bool) -> Result<Vec<FollowUpView>, FollowUpRequestError> {
        self.dir
            .ratings
            .send(GetFollowUps {
                now: self.dir.clock.now(),
                all,
            })
            .await
            .map_err(|_| FollowUpRequestError::Unavailable)
    }

    /// One step on the follow-up `id` (the rated ticket's id), done `at`
    /// (when the call back really happened, say) or at the hall clock's
    /// now; never in the future.
    pub async fn act_on_follow_up(
        &self,
        id: &str,
        act: Act,
        at: Option<DateTime<Utc>>,
    ) -> Result<FollowUpView, FollowUpRequestError> {
        let now = self.dir.clock.now();
        let at = match at {
            Some(t) if t > now + chrono::Duration::minutes(1) => {
                return Err(FollowUpRequestError::Future)
            }
            Some(t) => t,
            None => now,
        };
        let answer = self
            .dir
            .ratings
            .send(ActOnFollowUp {
                ticket: id.to_string(),
                act,
                now: at,
            })
            .await
            .map_err(|_| FollowUpRequestError::Unavailable)?;
        Ok(answer?)
    }

    /// The ratings of hall month `month` (`YYYY-MM`) by window and staff
    /// member, ranked, as of `now`. Blocking (storage reads): call it in
    /// `spawn_blocking`. Ratings are read by their ticket's day; a rating
    /// counts in the month it was given (`core::rating::monthly`).
    pub fn monthly_ratings(
        &self,
        reader: &StoreReader,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<MonthlyRanking, MonthlyError> {
        let (year, m) = parse_month(month).ok_or(MonthlyError::BadMonth)?;
        let ratings = reader.ratings_from(&format!("{year:04}{m:02}"))?;
        let follow_ups = reader.follow_ups()?;
        let cfg = &self.dir.config;
        let tallies = monthly(&ratings.items, &follow_ups.items, year, m, cfg.tz(), now);
        let windows = ranking(&tallies.by_window).into_iter().map(|ranked| {
            let w = cfg.windows.iter().find(|w| w.id == ranked.id);
            Named {
                name: w.map(|w| w.name.clone()),
                name_en: w.map(|w| w.name_en.clone()).filter(|n| !n.is_empty()),
                ranked,
            }
        });
        let staff = ranking(&tallies.by_staff).into_iter().map(|ranked| Named {
            name: cfg
                .staff
                .iter()
                .find(|s| s.id == ranked.id)
                .map(|s| s.name.clone()),
            name_en: None,
            ranked,
        });
        Ok(MonthlyRanking {
            month: format!("{year:04}-{m:02}"),
            window_ranking: windows.collect(),
            staff_ranking: staff.collect(),
            year: tallies.year,
            hall: tallies.hall,
            by_window: tallies.by_window,
            by_staff: tallies.by_staff,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-11"), Some((2026, 11)));
        assert_eq!(parse_month("2026-1"), None);
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("x"), None);
    }
}
