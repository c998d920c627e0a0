//! One broker connection per client id, handed over in order.
//!
//! MQTT 3.1.1 §3.1.4 (3): a second CONNECT with a client id that is already
//! connected takes over, and the server disconnects the first. rumqttd 0.20
//! does this itself, but its router keys connections by a slab index that it
//! reuses at once: when the old link's late `Disconnect` event (sent when its
//! socket closes) reaches the router after the newcomer took the same index,
//! the router removes the *newcomer*, whose SUBSCRIBE then gets no SUBACK.
//! A device that sends DISCONNECT and reconnects straight away hits it
//! (tests/e2e/test_mqtt_reconnect_race.py).
//!
//! So the gate hands a client id to one connection at a time: a newcomer
//! kicks the current holder, which closes its device socket, half-closes its
//! upstream and waits for the broker to close it (by then the broker has
//! sent every event of the old connection), and only then releases the
//! lease. The newcomer's CONNECT reaches the broker after that.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, Notify, OwnedMutexGuard};
use tokio::time::Instant;

/// How often a waiting newcomer kicks again: a holder that arrived after
/// its first kick (another newcomer that won the lease) is kicked too.
const RETRY: Duration = Duration::from_millis(50);

/// The leases of every client id seen; bounded by the configured devices,
/// since only authenticated device ids get here.
#[derive(Default)]
pub struct Leases {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

#[derive(Default)]
struct Slot {
    lease: Arc<AsyncMutex<()>>,
    /// The current holder's kick; taken by the newcomer that kicks it.
    holder: Mutex<Option<Arc<Notify>>>,
}

/// The right to a client id's broker connection, held for the whole
/// connection, including the wait for the broker to close it.
pub struct Lease {
    _guard: OwnedMutexGuard<()>,
    kick: Arc<Notify>,
}

impl Lease {
    /// Resolves when a newer connection with the same client id wants the
    /// lease.
    pub async fn kicked(&self) {
        self.kick.notified().await
    }
}

impl Leases {
    /// Takes over `client_id`: kicks the connection holding it and waits
    /// up to `wait` for it to let go. `None` when it did not in time.
    pub async fn acquire(&self, client_id: &str, wait: Duration) -> Option<Lease> {
        let slot = {
            let mut slots = self.slots.lock().ok()?;
            slots.entry(client_id.to_string()).or_default().clone()
        };
        let deadline = Instant::now() + wait;
        loop {
            if let Some(kick) = slot.holder.lock().ok()?.take() {
                // Stores a permit if the holder is not waiting yet.
                kick.notify_one();
            }
            let step = RETRY.min(deadline.saturating_duration_since(Instant::now()));
            if let Ok(guard) = tokio::time::timeout(step, slot.lease.clone().lock_owned()).await {
                let kick = Arc::new(Notify::new());
                *slot.holder.lock().ok()? = Some(kick.clone());
                return Some(Lease {
                    _guard: guard,
                    kick,
                });
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn a_newcomer_kicks_the_holder_and_gets_the_lease_once_it_lets_go() {
        let leases = Arc::new(Leases::default());
        let first = leases.acquire("T01", WAIT).await.expect("free lease");
        let (released_tx, released_rx) = tokio::sync::oneshot::channel();
        let holder = tokio::spawn(async move {
            first.kicked().await;
            // The holder drains its broker connection before letting go.
            released_tx.send(()).ok();
            drop(first);
        });
        let second = leases.acquire("T01", WAIT).await;
        assert!(second.is_some(), "the newcomer got no lease");
        assert!(released_rx.await.is_ok(), "the holder was not kicked first");
        holder.await.expect("holder task");
    }

    #[tokio::test]
    async fn a_holder_that_never_lets_go_leaves_the_newcomer_without() {
        let leases = Leases::default();
        let _stubborn = leases.acquire("T01", WAIT).await.expect("free lease");
        let late = leases.acquire("T01", Duration::from_millis(200)).await;
        assert!(late.is_none());
    }

    #[tokio::test]
    async fn client_ids_do_not_share_a_lease() {
        let leases = Leases::default();
        let _a = leases.acquire("T01", WAIT).await.expect("T01");
        let b = leases.acquire("T02", Duration::from_millis(200)).await;
        assert!(b.is_some());
    }

    #[tokio::test]
    async fn of_two_newcomers_the_later_ends_up_holding() {
        let leases = Arc::new(Leases::default());
        let first = leases.acquire("T01", WAIT).await.expect("free lease");
        let kicked = |lease: Lease| async move {
            lease.kicked().await;
        };
        tokio::spawn(kicked(first));
        let l2 = leases.clone();
        let second = tokio::spawn(async move {
            let lease = l2.acquire("T01", WAIT).await.expect("second");
            lease.kicked().await;
            "second let go"
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let third = leases.acquire("T01", WAIT).await;
        assert!(third.is_some());
        assert_eq!(second.await.expect("task"), "second let go");
    }
}
