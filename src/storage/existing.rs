//! Opening a hall database that must already exist, for offline tools
//! (`tingwu audit verify`): no directory is created, and a database held by
//! a running server is refused clearly.

use std::path::{Path, PathBuf};

use super::{Storage, StorageError};

/// Why an existing database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenExistingError {
    /// There is no `{dir}/db`.
    #[error("没有大厅数据库 / no hall database in {0} (expected {0}/db)")]
    Missing(PathBuf),
    /// Another process (a running `tingwu serve`) holds sled's exclusive
    /// lock: sled allows one process per database, so the server must be
    /// stopped first.
    #[error(
        "数据库正被使用，请先停止服务 / the database in {0} is in use (locked by a running tingwu?): \
         sled allows one process at a time, so stop the server first"
    )]
    Locked(PathBuf),
    #[error(transparent)]
    Open(StorageError),
}

impl Storage {
    /// Opens the database under `dir/db` only if it exists. sled has no
    /// read-only mode: opening runs its own crash recovery, but nothing of
    /// the hall's is written by the caller of this.
    pub fn open_existing(dir: &Path) -> Result<Self, OpenExistingError> {
        if !dir.join("db").join("conf").is_file() {
            return Err(OpenExistingError::Missing(dir.to_path_buf()));
        }
        Storage::open(dir).map_err(|e| match e {
            StorageError::Open {
                source: sled::Error::Io(io),
                ..
            } if io.to_string().contains("could not acquire lock") => {
                OpenExistingError::Locked(dir.to_path_buf())
            }
            e => OpenExistingError::Open(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_database_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nothing-here");
        assert!(matches!(
            Storage::open_existing(&data),
            Err(OpenExistingError::Missing(_))
        ));
        assert!(!data.exists());
    }

    #[test]
    fn a_database_held_by_another_opener_is_refused_as_locked() {
        let dir = tempfile::tempdir().unwrap();
        let held = Storage::open(dir.path()).unwrap();
        let err = Storage::open_existing(dir.path()).err().unwrap();
        assert!(matches!(err, OpenExistingError::Locked(_)), "{err}");
        assert!(err.to_string().contains("stop the server first"));
        drop(held);
    }
}
