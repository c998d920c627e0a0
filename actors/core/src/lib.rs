//! Tingwu's rules (the functional core): plain types and pure functions of
//! state, input and `now` that return a change or a typed refusal. Nothing
//! here touches actix, tokio, sockets, serial lines or disks — the crate's
//! manifest names no runtime or I/O crate, and `.ci/run` checks its
//! dependency tree — so every rule is tested as a plain function.
//!
//! The actors in `tingwu-actors` own state, call these rules, commit what
//! they return through the storage port and publish the events.

pub mod admission;
pub mod alarm;
pub mod attendance;
pub mod booking;
pub mod bus;
pub mod calendar;
pub mod card_reading;
pub mod case;
pub mod config;
pub mod consultation;
pub mod day;
pub mod day_end;
pub mod dispatch;
pub mod estimate;
pub mod events;
pub mod forwarded;
pub mod hall_notice;
pub mod hhmm;
pub mod hours;
pub mod issuing;
pub mod kiosk_feed;
pub mod lockout;
pub mod numbering;
pub mod predict;
pub mod printing;
pub mod rating;
pub mod records;
pub mod screen_feed;
pub mod screen_scope;
pub mod seating;
pub mod secret;
pub mod slots;
pub mod speech;
pub mod staff_audit;
pub mod stats;
pub mod strategy;
pub mod strategy_scope;
pub mod ticket;
pub mod ticket_source;
pub mod views;
pub mod window_actions;
pub mod window_state;
