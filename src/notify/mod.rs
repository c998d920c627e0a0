//! Silent calling (静默叫号): notices to citizens' phones through the
//! hall's SMS/WeChat gateway, a configurable HTTP webhook (`[notify]
//! webhook`).
//!
//! A ticket taken with a phone number gets three notices: when it is
//! issued (number, people ahead, expected call time), when `notify.ahead`
//! or fewer people are ahead of it, and when it is called (window number
//! and name). `docs/notify.md` describes the JSON the gateway receives.
//!
//! Two tasks, and calling waits on neither:
//!
//! - the follower ([`follower`]) reads the committed event stream, like a
//!   screen does, reads a ticket's sealed phone from storage in
//!   `spawn_blocking`, and pushes notices into the outbox; it never logs a
//!   plain phone, only the masked one;
//! - the sender ([`outbox::Outbox::deliver`]) POSTs them with a minimal
//!   HTTP/1.1 client ([`webhook`]), retrying with capped exponential
//!   backoff, in order per ticket, from a bounded in-memory outbox.
//!
//! Delivery is at least once: a notice whose answer was lost, or that was
//! waiting when the process stopped, is sent again (after a restart, from
//! the events after the cursor `n/cursor`). Each notice has a stable `id`,
//! also sent as `Idempotency-Key`, for the gateway to drop duplicates.

pub mod bad_rating;
pub mod case;
pub mod escalation;
pub mod follower;
pub mod notice;
pub mod outbox;
pub mod package;
#[cfg(test)]
mod package_tests;
pub mod webhook;

use std::sync::Arc;

use tingwu_actors::directory::Directory;
use tracing::{info, warn};

use crate::storage::{Sealer, StoreReader};

/// Notices held while the gateway is away; beyond this the oldest go.
pub const OUTBOX_CAPACITY: usize = 10_000;

/// Starts the notifier if the hall has a webhook; without one it does
/// nothing. Must run inside the tokio runtime.
pub fn start(dir: &Directory, reader: &StoreReader, sealer: &Arc<Sealer>) {
    let Some(url) = dir.config.notify.webhook.as_deref() else {
        info!("no [notify] webhook configured; no notices are sent");
        return;
    };
    let hook = match webhook::Webhook::parse(url) {
        Ok(h) => Arc::new(h),
        Err(e) => {
            warn!(error = %e, "notify.webhook unusable; no notices are sent");
            return;
        }
    };
    // Subscribed now, before anything more is committed, so the follower
    // misses nothing between here and its reading of storage.
    let events = dir.store.subscribe();
    let outbox = outbox::Outbox::new(OUTBOX_CAPACITY);
    metrics::gauge!("tingwu_notices_pending").set(0.0);
    info!(
        gateway = %hook.endpoint(),
        ahead = dir.config.notify.ahead,
        "notices to phones on"
    );
    tokio::spawn(outbox.clone().deliver(hook));
    tokio::spawn(escalation::run(dir.clone(), outbox.clone()));
    let follower = follower::Follower::new(dir.clone(), reader.clone(), sealer.clone(), outbox);
    tokio::spawn(follower.run(events));
}
