//! Worked examples per article of the Administrative Licensing Law
//! (`articles.rs`), the other rules at work (`flows.rs`), and property tests
//! of the state machine (`props.rs`). Dates are within 2024–2026, the
//! compiled calendar.

mod article_32;
mod articles;
mod flows;
mod package;
mod props;
pub(super) mod support;
