//! The storage port: the hall's one database, its commit writer, typed reads
//! ([`StoreReader`]), start-up recovery and the sealing of personal data.
//!
//! This is the only module that knows the database engine; the rest of the
//! server writes through `tingwu_actors::store::Store` (commits) and reads
//! through [`StoreReader`].

pub mod chain;
mod chain_start;
mod existing;
mod rating_reads;
mod reads;
mod recovery;
mod seal;
mod writer;

use std::path::Path;

pub use reads::{OutboxPosition, ReadError, StoreReader};
pub use recovery::recover;
pub use seal::{SealError, Sealer};
pub use writer::{spawn_writer, StorageError};

/// The hall's open database (`{data}/db`). Cloning shares it.
#[derive(Clone)]
pub struct Storage {
    db: sled::Db,
}

impl Storage {
    /// Opens (or creates) the hall database under `dir/db`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        writer::open(dir).map(|db| Self { db })
    }

    /// A database that lives in memory and temporary files and is gone when
    /// the last clone drops: for tests.
    #[cfg(test)]
    pub fn temporary() -> Result<Self, StorageError> {
        sled::Config::new()
            .temporary(true)
            .open()
            .map(|db| Self { db })
            .map_err(|source| StorageError::Open {
                path: "(temporary)".into(),
                source,
            })
    }

    /// True for a database that has never held anything.
    pub fn is_empty(&self) -> bool {
        self.db.is_empty()
    }

    /// A read handle (cloneable, shares the database).
    pub fn reader(&self) -> StoreReader {
        StoreReader {
            db: self.db.clone(),
        }
    }

    /// Writes a commit's puts and deletes at once, bypassing the writer
    /// (no events, no sync): for tests that need records in place.
    #[cfg(test)]
    pub fn write_now(&self, commit: tingwu_actors::store::Commit) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for op in commit.ops {
            match op {
                tingwu_actors::store::Op::Put(k, v) => batch.insert(k, v),
                tingwu_actors::store::Op::Delete(k) => batch.remove(k),
            }
        }
        self.db.apply_batch(batch).map_err(StorageError::Write)
    }

    /// Writes out whatever the database still buffers (at shutdown, after
    /// the writer has stopped).
    pub fn flush(&self) -> Result<(), StorageError> {
        self.db.flush().map(|_| ()).map_err(StorageError::Write)
    }
}
