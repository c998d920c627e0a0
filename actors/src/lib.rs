//! Tingwu's hall domain: a pure core (`core`) and the actors around it.
//!
//! One actor per real thing: each queue ([`queue::QueueActor`]), window
//! ([`window::WindowActor`]), screen ([`screen::ScreenActor`]) and kiosk
//! ([`kiosk::KioskActor`]), and the
//! [`hall::HallActor`] that owns the configuration and wiring. Actors own
//! state, call the core, persist through [`store::Store`] and publish
//! committed events; transports translate between the wire and messages.

pub mod alarm;
pub mod appointment;
pub mod bus;
pub mod card_reader;
pub mod clock;
pub mod config;
pub mod core;
pub mod events;
pub mod hall;
pub mod keys;
pub mod kiosk;
pub mod printer;
pub mod queue;
pub mod records;
pub mod screen;
pub mod store;
pub mod views;
pub mod window;
