//! Durable storage over sled: the commit writer, start-up recovery and the
//! sealing of personal data.

mod recovery;
mod seal;
mod writer;

pub use recovery::recover;
pub use seal::Sealer;
pub use writer::{open, spawn_writer};
