//! Attendance (考勤): the shifts of windows and staff, and the anomalies
//! (考勤异常) found in what a window or a person did against them (issue 9,
//! "Attendance"):
//!
//! - **not logged in** `login_grace_minutes` after a shift starts
//!   ([`AnomalyKind::NotLoggedIn`]);
//! - **left early**: logged out more than `leave_grace_minutes` before the
//!   shift ends ([`AnomalyKind::LeftEarly`]);
//! - **paused too long**: a pause of `max_pause_minutes` or more
//!   ([`AnomalyKind::PausedTooLong`]);
//! - **serving far too long**: a service beyond `service_multiple` times
//!   the item's usual time and at least `service_min_minutes`
//!   ([`AnomalyKind::ServiceTooLong`], the same limit as the alarm engine's
//!   `crate::alarm::thresholds::service_limit`).
//!
//! Shifts (`[supervision.attendance]`) hold on working days only, by the
//! hall's [`crate::calendar::Calendar`]: no shift, so no shift anomaly, on a
//! weekend or a holiday, and a shift on a make-up working day (调休上班).
//!
//! [`shifts::shifts_on`] gives the shifts of a window or staff member on a
//! date; [`detect::anomalies`] is the pure function (timeline, shifts, now)
//! → anomalies; [`detect::ongoing`] says which still hold, and
//! `crate::window_state::display_state` turns that into the window's fifth
//! displayed state, 考勤异常.

pub mod detect;
pub mod shifts;
pub mod timeline;

pub use detect::{anomalies, ongoing, Anomaly, AnomalyKind};
pub use shifts::{shifts_on, Shift, Subject};
pub use timeline::{StateChange, Timeline};
