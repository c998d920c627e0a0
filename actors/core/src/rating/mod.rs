//! 好差评 (the national rating system of government services, 国办发
//! 〔2019〕51号): the one grading scale ([`grade`]), one rating per service
//! with "not rated" on a timeout and no rating by staff ([`record`]), and the
//! follow-up of a bad rating — 回访核实 → 整改 → 反馈 with limits in working
//! days, and 申诉复核 — ([`follow_up`]), and the monthly tallies by window
//! and staff member that feed the dashboard's ranking ([`monthly`]).

pub mod follow_up;
pub mod grade;
pub mod monthly;
pub mod record;
pub mod stored;

pub use grade::{Indicators, RatingGrade};
pub use record::{
    rate, time_out, Outcome, Prompt, Rater, RatingRecord, RatingRefusal, ServiceRef, Submission,
};
