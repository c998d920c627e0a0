//! Checking the audit chain (审计日志校验): recompute every link from the
//! stored bytes and name the first place where the store disagrees.
//!
//! The rule, the same as the writer's (`storage::chain`, documented in
//! `docs/audit-chain.md`): walking the chain in sequence order, link `S` must
//! equal `SHA-256(link before S ‖ bytes at e/S ‖ S as u64 big-endian)`, the
//! first "link before" being 32 zero bytes; every audit event has a link and
//! every link has its event.

use crate::storage::chain::{from_hex, link_hash, to_hex, ChainHead, ChainRow, LinkHash, GENESIS};

/// What is wrong at the first broken place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The entry's bytes changed (its link and the next one still agree
    /// with each other) — or the entries before it were removed together
    /// with their links, so it no longer chains onto what precedes it.
    EntryAltered,
    /// The link changed (the entry and the next link still agree).
    LinkAltered,
    /// The entry or its link changed; nothing after it tells which (the
    /// last entry, or both changed).
    EntryOrLinkAltered,
    /// A link whose audit entry is gone (deleted).
    EntryMissing,
    /// An audit entry with no link (inserted, or its link deleted).
    LinkMissing,
    /// A link that is not 64 hex characters.
    LinkUnreadable,
}

impl BreakKind {
    /// Zh-CN first, then English, for the operator.
    pub fn describe(self) -> &'static str {
        match self {
            BreakKind::EntryAltered => {
                "审计记录被改动，或其前面的记录连同链接被删除 / the entry was altered, \
                 or an entry before it was removed together with its link"
            }
            BreakKind::LinkAltered => "链接被改动 / its link was altered",
            BreakKind::EntryOrLinkAltered => {
                "审计记录或其链接被改动 / the entry or its link was altered"
            }
            BreakKind::EntryMissing => "审计记录缺失 / the entry is missing (its link remains)",
            BreakKind::LinkMissing => {
                "审计记录没有链接 / the entry has no link (inserted, or its link removed)"
            }
            BreakKind::LinkUnreadable => "链接不可读 / its link is not a SHA-256 hex hash",
        }
    }
}

/// The verdict on a whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link recomputes: `entries` audit entries, ending at `head`.
    Intact { entries: u64, head: ChainHead },
    /// The first broken place, at outbox sequence `seq`, after `intact`
    /// entries that check.
    Broken {
        seq: u64,
        kind: BreakKind,
        intact: u64,
    },
}

/// Checks the chain given as its stored rows in sequence order
/// (`StoreReader::audit_chain`). Stops at the first break.
pub fn verify<E>(rows: impl IntoIterator<Item = Result<ChainRow, E>>) -> Result<Verdict, E> {
    let mut rows = rows.into_iter().peekable();
    let mut prev = GENESIS;
    let mut entries = 0u64;
    let mut head = ChainHead::default();
    while let Some(row) = rows.next() {
        let row = row?;
        let broken = |kind| Verdict::Broken {
            seq: row.seq,
            kind,
            intact: entries,
        };
        let Some(link) = row.link.as_deref() else {
            return Ok(broken(BreakKind::LinkMissing));
        };
        let Some(stored) = from_hex(link) else {
            return Ok(broken(BreakKind::LinkUnreadable));
        };
        let Some(entry) = row.entry.as_deref() else {
            return Ok(broken(BreakKind::EntryMissing));
        };
        let recomputed = link_hash(&prev, row.seq, entry);
        if recomputed != stored {
            let next = match rows.next() {
                Some(next) => Some(next?),
                None => None,
            };
            return Ok(broken(which_changed(&stored, &recomputed, next.as_ref())));
        }
        entries += 1;
        prev = stored;
        head = ChainHead {
            seq: row.seq,
            hash: stored,
        };
    }
    Ok(Verdict::Intact { entries, head })
}

/// At a mismatch, the next link tells which side changed: it was built on
/// the true link of this entry, so it chains onto the stored link when the
/// entry changed, and onto the recomputed one when the link changed.
fn which_changed(stored: &LinkHash, recomputed: &LinkHash, next: Option<&ChainRow>) -> BreakKind {
    let Some((seq, bytes, next_link)) = next.and_then(|n| {
        let link = from_hex(n.link.as_deref()?)?;
        Some((n.seq, n.entry.as_deref()?, link))
    }) else {
        return BreakKind::EntryOrLinkAltered;
    };
    if link_hash(stored, seq, bytes) == next_link {
        BreakKind::EntryAltered
    } else if link_hash(recomputed, seq, bytes) == next_link {
        BreakKind::LinkAltered
    } else {
        BreakKind::EntryOrLinkAltered
    }
}

/// The one-line report `tingwu audit verify` prints.
pub fn report(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Intact { entries, head } => format!(
            "ok: {entries} entries, last hash {} (seq {}) / 审计日志完整",
            to_hex(&head.hash),
            head.seq
        ),
        Verdict::Broken { seq, kind, intact } => format!(
            "broken: entry seq {seq}: {} ({intact} entries before it check) / 审计链在 seq {seq} 处断开",
            kind.describe()
        ),
    }
}
