//! Acceptance 5 of issue 10 at the storage layer: a chain written by the
//! real writer into a real database, changed by hand in one place at a
//! time, and checked the way `tingwu audit verify` checks it.

use std::path::Path;

use tingwu_actors::events::{AuditEntry, CommittedEvent, EventBody};
use tingwu_actors::keys;
use tingwu_actors::store::{Commit, Op};

use super::command::check;
use super::verify::{BreakKind, Verdict};
use crate::storage::chain::{link_hash, to_hex, GENESIS};
use crate::storage::Storage;

fn audit(n: u64) -> EventBody {
    EventBody::Audit(AuditEntry {
        who: "admin".into(),
        action: "strategy".into(),
        target: format!("window-{n}"),
        reason: Some(format!("reason {n}")),
        detail: serde_json::json!({"n": n}),
    })
}

fn window_event() -> EventBody {
    EventBody::Queue(tingwu_actors::views::QueueView {
        id: "A".into(),
        prefix: "A".into(),
        name: "综合".into(),
        name_en: String::new(),
        area: "A".into(),
        waiting: 0,
        issued: 0,
        version: 0,
    })
}

fn open(dir: &Path) -> Storage {
    // The writer thread lets go of its clone a moment after it stops.
    for _ in 0..250 {
        if let Ok(s) = Storage::open(dir) {
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Storage::open(dir).unwrap()
}

/// A hall database whose outbox holds audit entries at 1, 3, 4, 5 and
/// another event at 2, committed by the real writer.
fn chained_hall() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let storage = Storage::open(dir.path()).unwrap();
        let handle = crate::storage::spawn_writer(&storage, dir.path(), 0).unwrap();
        for body in [audit(1), window_event(), audit(3)] {
            let mut c = Commit::default();
            c.event(body);
            handle.store.commit(c).await.unwrap();
        }
        let mut c = Commit::default();
        c.event(audit(4)).event(audit(5));
        assert_eq!(handle.store.commit(c).await.unwrap(), vec![4, 5]);
    });
    drop(rt);
    dir
}

/// Changes the store by hand (what the chain is there to catch).
fn tamper(dir: &Path, ops: Vec<Op>) {
    let storage = open(dir);
    storage
        .write_now(Commit {
            ops,
            events: vec![],
        })
        .unwrap();
    storage.flush().unwrap();
}

fn stored(dir: &Path, key: Vec<u8>) -> Vec<u8> {
    let storage = open(dir);
    let row = storage
        .reader()
        .audit_chain()
        .map(Result::unwrap)
        .find(|r| keys::event(r.seq) == key || keys::audit_link(r.seq) == key)
        .unwrap();
    if key.starts_with(keys::EVENTS) {
        row.entry.unwrap()
    } else {
        row.link.unwrap()
    }
}

fn verdict(dir: &Path) -> Verdict {
    // Every check opens the database afresh, as the command does.
    for _ in 0..250 {
        match check(dir) {
            Err(e) if e.contains("in use") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.unwrap(),
        }
    }
    check(dir).unwrap()
}

fn broken(seq: u64, kind: BreakKind, intact: u64) -> Verdict {
    Verdict::Broken { seq, kind, intact }
}

#[test]
fn an_untouched_chain_verifies_with_its_last_hash() {
    let dir = chained_hall();
    let Verdict::Intact { entries, head } = verdict(dir.path()) else {
        panic!("an untouched chain is intact");
    };
    assert_eq!((entries, head.seq), (4, 5));
    let link5 = stored(dir.path(), keys::audit_link(5));
    assert_eq!(to_hex(&head.hash).as_bytes(), link5.as_slice());
    let report = super::verify::report(&verdict(dir.path()));
    assert!(report.starts_with("ok: 4 entries, last hash "), "{report}");
}

#[test]
fn an_altered_entry_is_named() {
    let dir = chained_hall();
    let bytes = stored(dir.path(), keys::event(3));
    let text = String::from_utf8(bytes).unwrap();
    let forged = text.replace("window-3", "window-9");
    assert_ne!(forged, text);
    // The forgery still decodes as an audit entry: only the chain sees it.
    assert!(matches!(
        CommittedEvent::decode(forged.as_bytes()).unwrap().body,
        EventBody::Audit(_)
    ));
    tamper(
        dir.path(),
        vec![Op::Put(keys::event(3), forged.into_bytes())],
    );
    assert_eq!(verdict(dir.path()), broken(3, BreakKind::EntryAltered, 1));
    let report = super::verify::report(&verdict(dir.path()));
    assert!(report.starts_with("broken: entry seq 3: "), "{report}");
}

#[test]
fn an_altered_link_is_named() {
    let dir = chained_hall();
    let other = to_hex(&link_hash(&GENESIS, 3, b"something else"));
    tamper(
        dir.path(),
        vec![Op::Put(keys::audit_link(3), other.into_bytes())],
    );
    assert_eq!(verdict(dir.path()), broken(3, BreakKind::LinkAltered, 1));
}

#[test]
fn an_altered_last_entry_is_named() {
    let dir = chained_hall();
    let text = String::from_utf8(stored(dir.path(), keys::event(5))).unwrap();
    let forged = text.replace("reason 5", "reason X");
    tamper(
        dir.path(),
        vec![Op::Put(keys::event(5), forged.into_bytes())],
    );
    assert_eq!(
        verdict(dir.path()),
        broken(5, BreakKind::EntryOrLinkAltered, 3)
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let dir = chained_hall();
    tamper(dir.path(), vec![Op::Delete(keys::event(4))]);
    assert_eq!(verdict(dir.path()), broken(4, BreakKind::EntryMissing, 2));
}

#[test]
fn a_deleted_link_or_an_inserted_entry_is_named() {
    let dir = chained_hall();
    tamper(dir.path(), vec![Op::Delete(keys::audit_link(4))]);
    assert_eq!(verdict(dir.path()), broken(4, BreakKind::LinkMissing, 2));

    let dir = chained_hall();
    let forged = CommittedEvent {
        seq: 6,
        ts: chrono::Utc::now(),
        body: audit(6),
    }
    .encode()
    .unwrap();
    tamper(dir.path(), vec![Op::Put(keys::event(6), forged)]);
    assert_eq!(verdict(dir.path()), broken(6, BreakKind::LinkMissing, 4));
}

#[test]
fn removing_an_entry_with_its_link_breaks_the_next_link() {
    let dir = chained_hall();
    tamper(
        dir.path(),
        vec![Op::Delete(keys::event(1)), Op::Delete(keys::audit_link(1))],
    );
    assert_eq!(verdict(dir.path()), broken(3, BreakKind::EntryAltered, 0));
}

#[test]
fn an_unreadable_link_is_named() {
    let dir = chained_hall();
    tamper(
        dir.path(),
        vec![Op::Put(keys::audit_link(1), b"zz".to_vec())],
    );
    assert_eq!(verdict(dir.path()), broken(1, BreakKind::LinkUnreadable, 0));
}
