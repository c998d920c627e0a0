//! Tingwu's device and wire codecs: bytes in, bytes out, no I/O.
//!
//! Every byte a device sends is parsed once, at the edge, into a typed value;
//! anything malformed becomes a typed error that the transport answers on the
//! same channel and counts. Because these functions see raw, untrusted input,
//! none of them may panic: no `unwrap`, no `expect`, no slice indexing on
//! input-derived positions (the lints below enforce it outside tests), and
//! property tests (`tests/no_panic.rs`) feed them random and mutated bytes.
//!
//! One module per protocol, one error enum per module, one document per
//! protocol under `docs/`:
//!
//! | module | wire | document |
//! |---|---|---|
//! | [`mqtt_packet`] | MQTT 3.1.1 packets seen by the broker's ACL gate | `docs/mqtt-gate.md` |
//! | [`terminal`] | window terminal (呼叫器) JSON payloads over MQTT | `docs/mqtt-terminal.md` |
//! | [`envelope`] | WebSocket stream envelopes for screens and dashboards | `docs/websocket-stream.md` |
//! | [`credit_code`] | unified social credit codes of organisations (GB 32100-2015) | the module's own documentation |
//! | [`id_number`] | resident ID numbers (GB 11643-1999), phone and name masking | `docs/id-number.md` |
//! | [`escpos`] | ESC/POS ticket layout and printer status replies | `docs/escpos.md` |
//! | [`idcard`] | second-generation ID card reader frames (GA/T 467) | `docs/idcard.md` |
//! | [`modbus_profile`] | Tingwu's Modbus RTU register map for strips, terminals, evaluators | `docs/modbus-profile.md` |

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod credit_code;
pub mod envelope;
pub mod escpos;
pub mod evaluation;
pub mod id_number;
pub mod idcard;
pub mod modbus_profile;
pub mod mqtt_packet;
pub mod terminal;
pub mod typed;

pub use envelope::{Envelope, EnvelopeError};
pub use id_number::{IdNumber, IdNumberError};
pub use mqtt_packet::{Connect, FrameHeader, PacketError, Publish, Subscribe, Will};
pub use terminal::{Action, CommandError, ErrorBody, Reply, TerminalCommand, Topics};
