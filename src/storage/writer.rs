//! The storage writer: one thread that owns every write to sled.
//!
//! It takes whatever commits are waiting (up to a group's limit), applies
//! them as one atomic sled batch together with their events (each given the
//! next gap-free outbox sequence number), flushes sled and then fsyncs its
//! data file — sled 0.34's `flush()` ends in `sync_file_range` on Linux,
//! which does not reach the disk's cache, so it alone does not survive power
//! loss. Only after that does it answer the commits and publish the events.
//! A failed commit is fatal: every later commit is refused and the process
//! shuts down, because memory may be ahead of disk.
//!
//! Every `Audit` event also gets its audit chain link (`h/{seq}`, see
//! [`super::chain`]) in the same batch; the chain's head is read back when
//! the writer starts (`super::chain_start`), so a restart continues the chain.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_actors::keys;
use tingwu_actors::store::{CommitRequest, Op, Store, StoreError};
use tokio::sync::{broadcast, mpsc, watch};
use tracing::{error, info, warn};

use super::chain::{self, ChainError, ChainHead};

/// Commits waiting beyond this are refused as busy (backpressure).
const QUEUE_CAPACITY: usize = 8192;
/// Most commits grouped into one fsync.
const GROUP_LIMIT: usize = 1024;
/// Committed events buffered for slow subscribers before they lag.
const EVENT_BUFFER: usize = 16_384;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database in {path}: {source} (is another tingwu running on the same --data?)")]
    Open { path: PathBuf, source: sled::Error },
    #[error("cannot open sled's data file {path} for fsync: {source}")]
    DataFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database write failed: {0}")]
    Write(sled::Error),
    /// The audit chain's head could not be read, so it cannot be continued.
    #[error("audit chain: {0}")]
    Chain(#[from] ChainError),
}

/// Opens (or creates) the hall database under `dir/db`.
pub(super) fn open(dir: &Path) -> Result<sled::Db, StorageError> {
    std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join("db");
    let db = sled::Config::new()
        .path(&path)
        .mode(sled::Mode::LowSpace)
        .open()
        .map_err(|source| StorageError::Open {
            path: path.clone(),
            source,
        })?;
    info!(path = %path.display(), recovered = db.was_recovered(), "database open");
    Ok(db)
}

/// What the rest of the server keeps of the writer.
pub struct WriterHandle {
    pub store: Store,
    /// Turns true once a commit has failed; the server then shuts down.
    pub failed: watch::Receiver<bool>,
}

/// Starts the writer thread over `storage`, opened from `dir`. `last_seq` is
/// the newest outbox sequence found at start-up; the audit chain's head is
/// read here, so the chain continues where it ended.
pub fn spawn_writer(
    storage: &super::Storage,
    dir: &Path,
    last_seq: u64,
) -> Result<WriterHandle, StorageError> {
    let db = storage.db.clone();
    let data_path = dir.join("db").join("db");
    let data_file = File::open(&data_path).map_err(|source| StorageError::DataFile {
        path: data_path.clone(),
        source,
    })?;
    let chain = super::chain_start::recover_head(storage, &data_file)?;
    if chain.seq > last_seq {
        warn!(
            chain_seq = chain.seq,
            last_seq, "the audit chain ends past the outbox; `tingwu audit verify` will say where"
        );
    }
    info!(chain_seq = chain.seq, chain_hash = %chain::to_hex(&chain.hash), "audit chain head recovered");
    let (tx, rx) = mpsc::channel::<CommitRequest>(QUEUE_CAPACITY);
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let (failed_tx, failed) = watch::channel(false);
    let publisher = events.clone();
    std::thread::Builder::new()
        .name("storage-writer".into())
        .spawn(move || {
            Writer {
                db,
                data_file,
                seq: last_seq,
                chain,
                failed: None,
            }
            .run(rx, publisher, failed_tx)
        })
        .map_err(|source| StorageError::DataFile {
            path: data_path,
            source,
        })?;
    Ok(WriterHandle {
        store: Store::new(tx, events),
        failed,
    })
}

struct Writer {
    db: sled::Db,
    data_file: File,
    seq: u64,
    /// The audit chain's newest link (advanced only once a batch is durable).
    chain: ChainHead,
    failed: Option<String>,
}

impl Writer {
    fn run(
        mut self,
        mut rx: mpsc::Receiver<CommitRequest>,
        events: broadcast::Sender<Arc<CommittedEvent>>,
        failed: watch::Sender<bool>,
    ) {
        let mut group = Vec::with_capacity(GROUP_LIMIT);
        while let Some(first) = rx.blocking_recv() {
            group.push(first);
            while group.len() < GROUP_LIMIT {
                match rx.try_recv() {
                    Ok(req) => group.push(req),
                    Err(_) => break,
                }
            }
            self.commit_group(&mut group, &events);
            if self.failed.is_some() {
                let _ = failed.send(true);
            }
        }
        if let Err(e) = self.sync() {
            error!(error = %e, "final storage sync failed");
        }
        info!(last_seq = self.seq, "storage writer stopped");
    }

    fn commit_group(
        &mut self,
        group: &mut Vec<CommitRequest>,
        events: &broadcast::Sender<Arc<CommittedEvent>>,
    ) {
        if let Some(why) = &self.failed {
            for req in group.drain(..) {
                let _ = req.done.send(Err(StoreError::Failed(why.clone())));
            }
            return;
        }
        let started = Instant::now();
        let mut batch = sled::Batch::default();
        let mut writes = 0usize;
        let mut seq = self.seq;
        let mut chain = self.chain;
        let mut committed: Vec<Arc<CommittedEvent>> = Vec::new();
        let mut answers: Vec<Vec<u64>> = Vec::with_capacity(group.len());
        let now = chrono::Utc::now();
        for req in group.iter_mut() {
            for op in req.commit.ops.drain(..) {
                writes += 1;
                match op {
                    Op::Put(k, v) => batch.insert(k, v),
                    Op::Delete(k) => batch.remove(k),
                }
            }
            let mut seqs = Vec::new();
            for body in req.commit.events.drain(..) {
                let event = CommittedEvent {
                    seq: seq + 1,
                    ts: now,
                    body,
                };
                // Our own plain types always serialise; if one ever did not,
                // it takes no sequence number, so the outbox stays gap-free.
                match event.encode() {
                    Ok(bytes) => {
                        seq += 1;
                        if matches!(event.body, EventBody::Audit(_)) {
                            chain = ChainHead {
                                seq,
                                hash: chain::link_hash(&chain.hash, seq, &bytes),
                            };
                            batch.insert(
                                keys::audit_link(seq),
                                chain::to_hex(&chain.hash).as_bytes(),
                            );
                            writes += 1;
                        }
                        batch.insert(keys::event(seq), bytes);
                        writes += 1;
                        seqs.push(seq);
                        committed.push(Arc::new(event));
                    }
                    Err(e) => error!(error = %e, "event not serialisable; not written"),
                }
            }
            answers.push(seqs);
        }
        let result = if writes == 0 {
            Ok(())
        } else {
            self.db
                .apply_batch(batch)
                .map_err(|e| e.to_string())
                .and_then(|_| self.sync().map_err(|e| e.to_string()))
        };
        match result {
            Ok(()) => {
                self.seq = seq;
                self.chain = chain;
                for e in committed {
                    // No subscriber is fine: nobody is looking.
                    let _ = events.send(e);
                }
                for (req, seqs) in group.drain(..).zip(answers) {
                    let _ = req.done.send(Ok(seqs));
                }
                if writes > 0 {
                    metrics::histogram!("tingwu_storage_commit_seconds")
                        .record(started.elapsed().as_secs_f64());
                    metrics::histogram!("tingwu_storage_group_size").record(writes as f64);
                }
            }
            Err(why) => {
                error!(error = %why, "storage commit failed; refusing further commits");
                metrics::counter!("tingwu_storage_failures_total").increment(1);
                self.failed = Some(why.clone());
                for req in group.drain(..) {
                    let _ = req.done.send(Err(StoreError::Failed(why.clone())));
                }
            }
        }
    }

    /// sled's flush writes and `sync_file_range`s; the fsync makes it durable.
    fn sync(&self) -> Result<(), std::io::Error> {
        self.db.flush().map_err(std::io::Error::other)?;
        self.data_file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tingwu_actors::clock::HallClock;
    use tingwu_actors::events::EventBody;
    use tingwu_actors::records::WindowRecord;
    use tingwu_actors::store::Commit;
    use tingwu_actors::views::QueueView;

    fn queue_event(waiting: u64) -> EventBody {
        EventBody::Queue(QueueView {
            id: "A".into(),
            prefix: "A".into(),
            name: "综合".into(),
            name_en: String::new(),
            area: "A".into(),
            waiting,
            issued: waiting,
            version: waiting,
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_get_gap_free_sequences_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::Storage::open(dir.path()).unwrap();
        let handle = spawn_writer(&storage, dir.path(), 0).unwrap();
        let mut events = handle.store.subscribe();
        let mut tasks = Vec::new();
        for i in 0..64u64 {
            let store = handle.store.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = Commit::default();
                c.put_json(keys::window(&format!("w{i:03}")), &WindowRecord::fresh());
                c.event(queue_event(i)).event(queue_event(i));
                store.commit(c).await.unwrap()
            }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            let s = t.await.unwrap();
            assert_eq!(s.len(), 2);
            assert_eq!(s[1], s[0] + 1, "one commit's events are consecutive");
            seqs.extend(s);
        }
        seqs.sort();
        assert_eq!(seqs, (1..=128).collect::<Vec<_>>());
        // Published in sequence order.
        for expect in 1..=128 {
            assert_eq!(events.recv().await.unwrap().seq, expect);
        }
        drop(handle);
        drop(storage);
        // A second open sees everything and continues the sequence.
        let storage = loop {
            match crate::storage::Storage::open(dir.path()) {
                Ok(s) => break s,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let cfg = tingwu_actors::config::HallConfig::demo().unwrap();
        let rec = crate::storage::recover(&storage.reader(), &HallClock::of(&cfg)).unwrap();
        assert_eq!(rec.last_seq, 128);
        assert_eq!(rec.recent_events.len(), 128);
        assert_eq!(rec.windows.len(), 64);
    }
}
