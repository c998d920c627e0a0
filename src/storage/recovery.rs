//! Start-up recovery: read back today's state and the outbox position.

use std::sync::Arc;

use tingwu_actors::clock::HallClock;
use tingwu_actors::core::ticket::Ticket;
use tingwu_actors::events::CommittedEvent;
use tingwu_actors::keys;
use tingwu_actors::records::{Recovered, WindowRecord};
use tracing::{info, warn};

use super::writer::StorageError;

/// Events kept for screens resuming across a restart.
const RECENT_EVENTS: usize = 2048;

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn recover(db: &sled::Db, clock: &HallClock) -> Result<Recovered, StorageError> {
    let day = clock.day(clock.now());
    let mut out = Recovered {
        day: day.clone(),
        ..Recovered::default()
    };
    let mut skipped = 0usize;
    for kv in db.scan_prefix(keys::tickets_of_day(&day)) {
        let (k, v) = kv?;
        match serde_json::from_slice::<Ticket>(&v) {
            Ok(t) => out.tickets.push(t),
            Err(e) => {
                skipped += 1;
                warn!(key = %utf8(&k), error = %e, "unreadable ticket record skipped");
            }
        }
    }
    for kv in db.scan_prefix(keys::WINDOWS) {
        let (k, v) = kv?;
        let id = utf8(&k[keys::WINDOWS.len()..]);
        match serde_json::from_slice::<WindowRecord>(&v) {
            Ok(w) => {
                out.windows.insert(id, w);
            }
            Err(e) => {
                skipped += 1;
                warn!(window = %id, error = %e, "unreadable window record skipped");
            }
        }
    }
    // A window may hold a ticket from an earlier day (served across the
    // day start, or the server was down over it): read those too.
    let held: Vec<String> = out
        .windows
        .values()
        .filter_map(|w| w.ticket.clone())
        .filter(|id| !id.starts_with(&day))
        .collect();
    for id in held {
        let Some((ticket_day, _, _)) = tingwu_actors::core::ticket::parse_ticket_id(&id) else {
            continue;
        };
        for kv in db.scan_prefix(keys::tickets_of_day(ticket_day)) {
            let (_, v) = kv?;
            if let Ok(t) = serde_json::from_slice::<Ticket>(&v) {
                if t.id == id {
                    out.tickets.push(t);
                    break;
                }
            }
        }
    }
    let prefix = keys::commands_of_day(&day);
    for kv in db.scan_prefix(&prefix) {
        let (k, v) = kv?;
        let rest = utf8(&k[prefix.len()..]);
        if let Some((window, id)) = rest.split_once('/') {
            out.commands
                .entry(window.to_string())
                .or_default()
                .push((id.to_string(), v.to_vec()));
        }
    }
    for kv in db.scan_prefix(keys::STRATEGIES) {
        let (k, v) = kv?;
        let scope = utf8(&k[keys::STRATEGIES.len()..]);
        match serde_json::from_slice::<tingwu_actors::core::strategy::Strategy>(&v) {
            Ok(s) => {
                out.strategies.insert(scope, s);
            }
            Err(e) => warn!(scope = %scope, error = %e, "unreadable strategy skipped"),
        }
    }
    let prefix = keys::idempotency_of_day(&day);
    for kv in db.scan_prefix(&prefix) {
        let (k, v) = kv?;
        out.idempotency.insert(utf8(&k[prefix.len()..]), utf8(&v));
    }
    let mut recent = Vec::new();
    for kv in db.scan_prefix(keys::EVENTS).rev() {
        let (k, v) = kv?;
        let Some(seq) = keys::event_seq(&k) else {
            continue;
        };
        out.last_seq = out.last_seq.max(seq);
        match serde_json::from_slice::<CommittedEvent>(&v) {
            Ok(e) => recent.push(Arc::new(e)),
            Err(e) => warn!(seq, error = %e, "unreadable event skipped"),
        }
        if recent.len() >= RECENT_EVENTS {
            break;
        }
    }
    recent.reverse();
    out.recent_events = recent;
    info!(
        day = %day,
        tickets = out.tickets.len(),
        windows = out.windows.len(),
        last_seq = out.last_seq,
        skipped,
        "storage recovered"
    );
    Ok(out)
}
