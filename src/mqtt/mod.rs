//! MQTT: the embedded broker, the ACL gate in front of it, and the
//! server's own client (the edge) that turns terminal commands into actor
//! messages and publishes replies and window states.

pub mod broker;
pub mod edge;
pub mod evaluator;
pub mod gate;
#[cfg(test)]
mod parser_parity;
pub mod takeover;
