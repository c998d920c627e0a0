//! The audit chain at start-up: read its head back so the writer continues
//! it, and — on the first start of a database written before the chain
//! existed — link the audit entries already stored, once.

use std::fs::File;

use tingwu_actors::keys;
use tracing::info;

use super::chain::{self, ChainError, ChainHead};
use super::Storage;

/// The chain's head for the writer. When the database has no link at all
/// but holds audit events (written by a version without the chain), they
/// are linked now in sequence order, in one batch made durable (flush and
/// fsync of `data_file`) before the writer starts, and logged.
pub(super) fn recover_head(storage: &Storage, data_file: &File) -> Result<ChainHead, ChainError> {
    let reader = storage.reader();
    let head = reader.audit_chain_head()?;
    if head.seq != 0 {
        return Ok(head);
    }
    let mut head = ChainHead::default();
    let mut batch = sled::Batch::default();
    let mut linked = 0u64;
    for row in reader.audit_chain() {
        let row = row?;
        let (true, Some(entry)) = (row.is_audit, row.entry) else {
            continue;
        };
        head = ChainHead {
            seq: row.seq,
            hash: chain::link_hash(&head.hash, row.seq, &entry),
        };
        batch.insert(
            keys::audit_link(row.seq),
            chain::to_hex(&head.hash).as_bytes(),
        );
        linked += 1;
    }
    if linked > 0 {
        storage.db.apply_batch(batch).map_err(ChainError::Write)?;
        storage.db.flush().map_err(ChainError::Write)?;
        data_file.sync_data().map_err(ChainError::Sync)?;
        info!(
            linked,
            chain_seq = head.seq,
            "audit entries written before the chain existed are now chained"
        );
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingwu_actors::events::{AuditEntry, CommittedEvent, EventBody};
    use tingwu_actors::store::Commit;

    fn stored_audit(seq: u64) -> Vec<u8> {
        CommittedEvent {
            seq,
            ts: chrono::Utc::now(),
            body: EventBody::Audit(AuditEntry {
                who: "admin".into(),
                action: "window_disabled".into(),
                target: seq.to_string(),
                reason: None,
                detail: serde_json::Value::Null,
            }),
        }
        .encode()
        .unwrap()
    }

    #[test]
    fn audit_entries_from_before_the_chain_are_linked_once() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        // As an older version left them: events, no links.
        let mut c = Commit::default();
        c.put(keys::event(1), stored_audit(1));
        c.put(keys::event(2), b"{\"not\":\"audit\"}".to_vec());
        c.put(keys::event(3), stored_audit(3));
        storage.write_now(c).unwrap();
        let data_file = File::open(dir.path().join("db").join("db")).unwrap();

        let head = recover_head(&storage, &data_file).unwrap();
        assert_eq!(head.seq, 3);
        let e1 = stored_audit_at(&storage, 1);
        let e3 = stored_audit_at(&storage, 3);
        let l1 = chain::link_hash(&chain::GENESIS, 1, &e1);
        assert_eq!(head.hash, chain::link_hash(&l1, 3, &e3));
        assert_eq!(storage.reader().audit_chain_head().unwrap(), head);

        // Once links exist nothing is linked again: a later unlinked entry
        // stays unlinked (verify names it), the head stays.
        let mut c = Commit::default();
        c.put(keys::event(4), stored_audit(4));
        storage.write_now(c).unwrap();
        assert_eq!(recover_head(&storage, &data_file).unwrap(), head);
        let unlinked: Vec<u64> = storage
            .reader()
            .audit_chain()
            .map(Result::unwrap)
            .filter(|r| r.link.is_none())
            .map(|r| r.seq)
            .collect();
        assert_eq!(unlinked, [4]);
    }

    fn stored_audit_at(storage: &Storage, seq: u64) -> Vec<u8> {
        storage
            .reader()
            .audit_chain()
            .map(Result::unwrap)
            .find(|r| r.seq == seq)
            .and_then(|r| r.entry)
            .unwrap()
    }

    #[test]
    fn an_empty_database_starts_at_genesis_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(dir.path()).unwrap();
        let data_file = File::open(dir.path().join("db").join("db")).unwrap();
        assert_eq!(
            recover_head(&storage, &data_file).unwrap(),
            ChainHead::default()
        );
        assert!(storage.is_empty());
    }
}
