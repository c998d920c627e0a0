//! The functional core: plain types and functions that never touch actix,
//! sockets or disks. Actors call into these and persist what they return.

pub mod day;
pub mod dispatch;
pub mod estimate;
pub mod hours;
pub mod predict;
pub mod slots;
pub mod strategy;
pub mod ticket;
pub mod window_state;
