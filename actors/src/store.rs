//! The actors' side of durable storage: a handle that sends a commit to the
//! storage writer and waits until it is on disk.
//!
//! The writer (in the `tingwu` binary, `src/storage/`) runs on its own thread,
//! applies commits in arrival order, groups whatever is waiting into one
//! flush-and-fsync, gives each event its outbox sequence number and only then
//! answers and publishes the events. Because commits apply in order, an actor
//! may update its memory before the commit returns and still acknowledge
//! nothing that is not durable: it answers only when the commit does.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::events::{CommittedEvent, EventBody};

#[derive(Debug, Clone)]
pub enum Op {
    Put(Vec<u8>, Vec<u8>),
    Delete(Vec<u8>),
}

/// What one actor wants written atomically.
#[derive(Debug, Default, Clone)]
pub struct Commit {
    pub ops: Vec<Op>,
    pub events: Vec<EventBody>,
}

impl Commit {
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> &mut Self {
        self.ops.push(Op::Put(key, value));
        self
    }

    /// Puts a value as JSON. Serialising our own plain types cannot fail;
    /// if it ever did, the put is skipped and logged rather than panicking.
    pub fn put_json<T: serde::Serialize>(&mut self, key: Vec<u8>, value: &T) -> &mut Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.ops.push(Op::Put(key, bytes)),
            Err(e) => tracing::error!(error = %e, "could not serialise a value for storage"),
        }
        self
    }

    pub fn event(&mut self, body: EventBody) -> &mut Self {
        self.events.push(body);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.events.is_empty()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("storage is shut down")]
    Closed,
    #[error("storage is busy, try again")]
    Busy,
    #[error("storage commit failed: {0}")]
    Failed(String),
}

/// A commit on its way to the writer.
pub struct CommitRequest {
    pub commit: Commit,
    pub done: oneshot::Sender<Result<Vec<u64>, StoreError>>,
}

/// Cloneable handle to the storage writer.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<CommitRequest>,
    events: broadcast::Sender<Arc<CommittedEvent>>,
}

impl Store {
    pub fn new(
        tx: mpsc::Sender<CommitRequest>,
        events: broadcast::Sender<Arc<CommittedEvent>>,
    ) -> Self {
        Self { tx, events }
    }

    /// Hands a commit to the writer now, in the caller's order, without
    /// waiting; the returned future resolves once it is durable, with the
    /// sequence numbers given to its events. Actors call this inside their
    /// handlers so that commits reach the disk in the order the actors made
    /// their changes. A full writer queue is refused (`Busy`) rather than
    /// grown: the caller answers "try again" instead of using more memory.
    pub fn enqueue(
        &self,
        commit: Commit,
    ) -> Result<impl std::future::Future<Output = Result<Vec<u64>, StoreError>>, StoreError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .try_send(CommitRequest { commit, done })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => StoreError::Busy,
                mpsc::error::TrySendError::Closed(_) => StoreError::Closed,
            })?;
        Ok(async move { rx.await.map_err(|_| StoreError::Closed)? })
    }

    /// Enqueues and waits, for callers whose order does not matter.
    pub async fn commit(&self, commit: Commit) -> Result<Vec<u64>, StoreError> {
        self.enqueue(commit)?.await
    }

    /// Resolves once every commit enqueued before it is durable.
    pub fn barrier(
        &self,
    ) -> Result<impl std::future::Future<Output = Result<Vec<u64>, StoreError>>, StoreError> {
        self.enqueue(Commit::default())
    }

    /// Committed events, in sequence order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommittedEvent>> {
        self.events.subscribe()
    }
}

/// An in-memory writer for unit tests of actors: same ordering and
/// sequencing, no disk.
pub fn memory_store(first_seq: u64) -> Store {
    let (tx, mut rx) = mpsc::channel::<CommitRequest>(1024);
    let (events, _) = broadcast::channel(4096);
    let publisher = events.clone();
    tokio::spawn(async move {
        let mut seq = first_seq;
        while let Some(req) = rx.recv().await {
            let mut seqs = Vec::new();
            for body in req.commit.events {
                seq += 1;
                seqs.push(seq);
                let _ = publisher.send(Arc::new(CommittedEvent {
                    seq,
                    ts: chrono::Utc::now(),
                    body,
                }));
            }
            let _ = req.done.send(Ok(seqs));
        }
    });
    Store::new(tx, events)
}
