//! Tingwu's hall domain: the actors around the rules crate (`tingwu-core`,
//! re-exported here as `core`, `config`, `events`, `records`, `views`, `bus`).
//!
//! One actor per real thing: each queue ([`queue::QueueActor`]), window
//! ([`window::WindowActor`]), screen ([`screen::ScreenActor`]) and kiosk
//! ([`kiosk::KioskActor`]), and the
//! [`hall::HallActor`] that owns the configuration and wiring. Actors own
//! state, call the core, persist through [`store::Store`] and publish
//! committed events; transports translate between the wire and messages.

pub mod alarm;
pub mod appointment;
pub mod card_reader;
pub mod case;
pub mod clock;
pub mod consultation;
pub mod directory;
pub mod hall;
pub mod keys;
pub mod kiosk;
pub mod kiosk_events;
pub mod notice;
pub mod printer;
pub mod queue;
pub mod rating;
pub mod screen;
pub mod store;
pub mod supervision;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod window;

// The rules crate, under the paths the actors and the binary use.
pub use tingwu_core as core;
pub use tingwu_core::{bus, config, events, records, views};
