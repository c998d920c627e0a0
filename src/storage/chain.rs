//! The audit chain (审计日志哈希链): every `Audit` event the writer commits
//! gets a link, `h/{seq}`, written in the same durable batch as the event
//! itself, so the chain is a property of storage, not of whoever audits.
//!
//! A link is `SHA-256(previous link ‖ the event's stored bytes ‖ seq)`:
//! the previous link's 32 raw hash bytes ([`GENESIS`], 32 zero bytes, for
//! the first), then the exact bytes stored at `e/{seq}`, then `seq` as 8
//! bytes big-endian. It is stored as 64 lowercase hex characters. The
//! format is documented in `docs/audit-chain.md` so that a verifier
//! outside the server can recompute it.

use sha2::{Digest, Sha256};
use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_actors::keys;

use super::reads::{ReadError, StoreReader};

/// A link's hash: SHA-256, 32 bytes.
pub type LinkHash = [u8; 32];

/// The "previous link" of the first audit entry: 32 zero bytes.
pub const GENESIS: LinkHash = [0; 32];

/// The link of the audit event stored at `e/{seq}` as `stored`, after the
/// link `prev`.
pub fn link_hash(prev: &LinkHash, seq: u64, stored: &[u8]) -> LinkHash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(stored);
    h.update(seq.to_be_bytes());
    h.finalize().into()
}

/// A hash as 64 lowercase hex characters (the stored form of a link).
pub fn to_hex(hash: &LinkHash) -> String {
    use std::fmt::Write;
    hash.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads a stored link back (64 hex characters); `None` for anything else.
pub fn from_hex(text: &[u8]) -> Option<LinkHash> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// The end of the chain: the newest link's sequence number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The outbox sequence of the newest chained audit event (0: none yet).
    pub seq: u64,
    /// Its link ([`GENESIS`] when the chain is empty).
    pub hash: LinkHash,
}

impl Default for ChainHead {
    fn default() -> Self {
        Self {
            seq: 0,
            hash: GENESIS,
        }
    }
}

/// Why the chain's head could not be read at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The newest link is not 64 hex characters: the store was changed by
    /// hand, and continuing would chain onto nothing checkable.
    #[error(
        "the newest audit chain link ({key}) is not a SHA-256 hex hash; run `tingwu audit verify`"
    )]
    BadLink { key: String },
    /// Linking the entries of an older database at start-up failed.
    #[error("linking earlier audit entries failed: {0}")]
    Write(sled::Error),
    #[error("linking earlier audit entries: fsync failed: {0}")]
    Sync(std::io::Error),
}

impl StoreReader {
    /// The newest audit chain link (the chain's head), read at start-up so
    /// the writer continues the chain.
    pub fn audit_chain_head(&self) -> Result<ChainHead, ChainError> {
        let Some(kv) = self.db.scan_prefix(keys::AUDIT_LINKS).next_back() else {
            return Ok(ChainHead::default());
        };
        let (k, v) = kv.map_err(ReadError::from)?;
        let bad = || ChainError::BadLink {
            key: String::from_utf8_lossy(&k).into_owned(),
        };
        let seq = keys::audit_link_seq(&k).ok_or_else(bad)?;
        let hash = from_hex(&v).ok_or_else(bad)?;
        Ok(ChainHead { seq, hash })
    }
}

/// One place in the chain as stored: an outbox sequence number that has a
/// link, holds an audit event, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    pub seq: u64,
    /// The bytes stored at `e/{seq}`, if any.
    pub entry: Option<Vec<u8>>,
    /// Whether those bytes decode as an `Audit` event.
    pub is_audit: bool,
    /// The bytes stored at `h/{seq}`, if any (raw: the verifier judges them).
    pub link: Option<Vec<u8>>,
}

type Scan = std::iter::Peekable<sled::Iter>;

/// The stored chain in sequence order: every audit event and every link,
/// paired by sequence number ([`StoreReader::audit_chain`]).
pub struct ChainRows {
    events: Scan,
    links: Scan,
}

fn next_seq(scan: &mut Scan, parse: fn(&[u8]) -> Option<u64>) -> Option<Result<u64, ReadError>> {
    loop {
        match scan.peek()? {
            Ok((k, _)) => match parse(k) {
                Some(seq) => return Some(Ok(seq)),
                // A key under the prefix that is no sequence: not ours to judge.
                None => {
                    scan.next();
                }
            },
            Err(_) => {
                return match scan.next() {
                    Some(Err(e)) => Some(Err(e.into())),
                    _ => None,
                }
            }
        }
    }
}

impl Iterator for ChainRows {
    type Item = Result<ChainRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let e = match next_seq(&mut self.events, keys::event_seq) {
                Some(Err(err)) => return Some(Err(err)),
                Some(Ok(s)) => Some(s),
                None => None,
            };
            let l = match next_seq(&mut self.links, keys::audit_link_seq) {
                Some(Err(err)) => return Some(Err(err)),
                Some(Ok(s)) => Some(s),
                None => None,
            };
            let seq = match (e, l) {
                (None, None) => return None,
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
            };
            let take = |scan: &mut Scan, has: Option<u64>| match has {
                Some(s) if s == seq => scan.next().and_then(|kv| kv.ok()).map(|(_, v)| v.to_vec()),
                _ => None,
            };
            let entry = take(&mut self.events, e);
            let link = take(&mut self.links, l);
            let is_audit = entry.as_deref().is_some_and(|b| {
                matches!(
                    CommittedEvent::decode(b),
                    Ok(CommittedEvent {
                        body: EventBody::Audit(_),
                        ..
                    })
                )
            });
            if link.is_some() || is_audit {
                return Some(Ok(ChainRow {
                    seq,
                    entry,
                    is_audit,
                    link,
                }));
            }
        }
    }
}

impl StoreReader {
    /// Every audit event and every chain link, in sequence order, for
    /// `tingwu audit verify`. Reads the whole outbox once.
    pub fn audit_chain(&self) -> ChainRows {
        ChainRows {
            events: self.db.scan_prefix(keys::EVENTS).peekable(),
            links: self.db.scan_prefix(keys::AUDIT_LINKS).peekable(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_covers_the_previous_link_the_bytes_and_the_sequence() {
        let a = link_hash(&GENESIS, 1, b"{}");
        assert_ne!(a, link_hash(&GENESIS, 2, b"{}"), "seq counts");
        assert_ne!(a, link_hash(&GENESIS, 1, b"{ }"), "bytes count");
        assert_ne!(a, link_hash(&a, 1, b"{}"), "the previous link counts");
        // The documented construction, spelled out.
        let mut input = vec![0u8; 32];
        input.extend_from_slice(b"{}");
        input.extend_from_slice(&1u64.to_be_bytes());
        assert_eq!(a, <[u8; 32]>::from(Sha256::digest(&input)));
        // The worked example of docs/audit-chain.md.
        assert_eq!(
            to_hex(&a),
            "ecb1d6388b4ec216ca7ffd8db32485e4a3fed08cc1eeef0f6827226da73d1fc3"
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_anything_else() {
        let h = link_hash(&GENESIS, 7, b"x");
        let text = to_hex(&h);
        assert_eq!(text.len(), 64);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(from_hex(text.as_bytes()), Some(h));
        assert_eq!(from_hex(&text.as_bytes()[..62]), None);
        assert_eq!(from_hex(&[b'g'; 64]), None);
        // The empty input's SHA-256, a known vector.
        assert_eq!(
            to_hex(&Sha256::digest(b"").into()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn link_keys_sort_by_sequence_and_parse_back() {
        assert!(keys::audit_link(9) < keys::audit_link(10));
        assert!(keys::audit_link(3).starts_with(keys::AUDIT_LINKS));
        assert_eq!(keys::audit_link_seq(&keys::audit_link(42)), Some(42));
        assert_eq!(keys::audit_link_seq(&keys::event(42)), None);
    }

    #[test]
    fn an_empty_store_has_the_genesis_head_and_a_bad_head_is_refused() {
        let storage = crate::storage::Storage::temporary().unwrap();
        let r = storage.reader();
        assert_eq!(r.audit_chain_head().unwrap(), ChainHead::default());
        let mut c = tingwu_actors::store::Commit::default();
        c.put(keys::audit_link(5), b"not hex".to_vec());
        storage.write_now(c).unwrap();
        assert!(matches!(
            r.audit_chain_head(),
            Err(ChainError::BadLink { .. })
        ));
    }

    fn audit(n: u64) -> tingwu_actors::events::EventBody {
        EventBody::Audit(tingwu_actors::events::AuditEntry {
            who: "admin".into(),
            action: format!("action{n}"),
            target: "hall".into(),
            reason: None,
            detail: serde_json::Value::Null,
        })
    }

    fn queue(n: u64) -> EventBody {
        EventBody::Queue(tingwu_actors::views::QueueView {
            id: "A".into(),
            prefix: "A".into(),
            name: "综合".into(),
            name_en: String::new(),
            area: "A".into(),
            waiting: n,
            issued: n,
            version: n,
        })
    }

    /// Recomputes every link from the stored bytes, as an outside verifier
    /// would, and returns (seq, stored link) pairs.
    fn recompute(r: &StoreReader) -> Vec<(u64, LinkHash)> {
        let mut prev = GENESIS;
        let mut out = Vec::new();
        for row in r.audit_chain() {
            let row = row.unwrap();
            assert!(row.is_audit, "only audit events are chained ({})", row.seq);
            let stored = from_hex(row.link.as_deref().unwrap()).unwrap();
            assert_eq!(
                stored,
                link_hash(&prev, row.seq, row.entry.as_deref().unwrap())
            );
            prev = stored;
            out.push((row.seq, stored));
        }
        out
    }

    async fn reopen(dir: &std::path::Path) -> crate::storage::Storage {
        loop {
            match crate::storage::Storage::open(dir) {
                Ok(s) => break s,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_writer_chains_audit_events_and_a_restart_continues_the_chain() {
        use tingwu_actors::store::Commit;
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::Storage::open(dir.path()).unwrap();
        let handle = crate::storage::spawn_writer(&storage, dir.path(), 0).unwrap();
        // Audit events mixed with others, several in one commit.
        let mut c = Commit::default();
        c.event(queue(1)).event(audit(2)).event(audit(3));
        assert_eq!(handle.store.commit(c).await.unwrap(), vec![1, 2, 3]);
        let mut c = Commit::default();
        c.event(queue(4));
        handle.store.commit(c).await.unwrap();
        let mut c = Commit::default();
        c.event(audit(5));
        handle.store.commit(c).await.unwrap();
        let links = recompute(&storage.reader());
        assert_eq!(links.iter().map(|l| l.0).collect::<Vec<_>>(), [2, 3, 5]);
        assert_eq!(
            storage.reader().audit_chain_head().unwrap(),
            ChainHead {
                seq: 5,
                hash: links[2].1
            }
        );
        drop(handle);
        drop(storage);

        // A restart reads the head back and chains onto it.
        let storage = reopen(dir.path()).await;
        let last = storage.reader().last_seq().unwrap();
        assert_eq!(last, 5);
        let handle = crate::storage::spawn_writer(&storage, dir.path(), last).unwrap();
        let mut c = Commit::default();
        c.event(audit(6)).event(queue(7)).event(audit(8));
        assert_eq!(handle.store.commit(c).await.unwrap(), vec![6, 7, 8]);
        let links2 = recompute(&storage.reader());
        assert_eq!(
            links2.iter().map(|l| l.0).collect::<Vec<_>>(),
            [2, 3, 5, 6, 8]
        );
        assert_eq!(links2[..3], links[..]);
        let stored6 = storage
            .reader()
            .audit_chain()
            .find(|r| r.as_ref().unwrap().seq == 6)
            .unwrap()
            .unwrap();
        assert_eq!(
            links2[3].1,
            link_hash(&links[2].1, 6, stored6.entry.as_deref().unwrap()),
            "the first link after the restart follows the last one before it"
        );
    }
}
