//! The tamper-evident audit log (审计日志): staff and supervisor actions are
//! `Audit` events in the outbox, and the storage writer hash-chains each one
//! as it commits it (`storage::chain`, `docs/audit-chain.md`). This module
//! checks the chain offline: `tingwu audit verify`.

mod command;
pub mod verify;

pub use command::verify_command;

#[cfg(test)]
mod tamper_tests;
