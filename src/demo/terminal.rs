//! A simulated window terminal (呼叫器): an MQTT client of the server's
//! device port, logged in with its device id and password like a hardware
//! terminal, publishing commands on `window/{w}/cmd` and waiting for the
//! answer on `window/{w}/reply`.
//!
//! rumqttc's event loop is polled only in its own task (with a pause after
//! an error: rumqttc reconnects on the next poll); replies are handed to the
//! waiting command by id. A command without an answer is sent again with
//! the same id, which the server applies once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand, Topics};
use tokio::sync::{oneshot, watch};

/// How long a command waits for its reply before it is sent again.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// How many times a command is sent before the terminal gives up on it.
const ATTEMPTS: usize = 3;

type Waiting = Arc<Mutex<HashMap<String, oneshot::Sender<Reply>>>>;

/// Why a command got no reply.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("MQTT client: {0}")]
    Client(#[from] rumqttc::ClientError),
    #[error("no reply to {action} after {ATTEMPTS} attempts")]
    NoReply { action: Action },
    #[error("the demo is stopping")]
    Stopped,
}

/// One window's terminal.
pub struct Terminal {
    window: String,
    client: AsyncClient,
    topics: Topics,
    waiting: Waiting,
    /// Command ids are `{prefix}-{n}`: unique per run, so a restarted demo
    /// never meets its earlier run's kept answers.
    prefix: String,
    next: u64,
    poller: tokio::task::JoinHandle<()>,
    /// True once the reply topic is subscribed (after each connect).
    subscribed: watch::Receiver<bool>,
}

impl Terminal {
    /// Connects as `device` (its password from the hall's `[[devices]]`) to
    /// the MQTT port at `host:port`, for `window` of hall `hall`.
    pub fn connect(
        hall: &str,
        window: &str,
        device: &str,
        password: &str,
        mqtt: std::net::SocketAddr,
        run: u32,
        stop: watch::Receiver<bool>,
    ) -> Self {
        let mut opts = MqttOptions::new(device, mqtt.ip().to_string(), mqtt.port());
        opts.set_credentials(device, password);
        opts.set_keep_alive(Duration::from_secs(30));
        let (client, events) = AsyncClient::new(opts, 16);
        let topics = Topics::new(hall);
        let waiting: Waiting = Arc::default();
        let (subscribed_tx, subscribed) = watch::channel(false);
        let poller = tokio::spawn(poll(
            events,
            client.clone(),
            topics.reply(window),
            waiting.clone(),
            subscribed_tx,
            stop,
        ));
        Self {
            window: window.to_string(),
            client,
            topics,
            waiting,
            prefix: format!("demo-{run:08x}-w{window}"),
            next: 0,
            poller,
            subscribed,
        }
    }

    /// Waits until the terminal hears its replies (connected and
    /// subscribed), at most `limit`; false if it did not.
    pub async fn ready(&mut self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.subscribed.wait_for(|s| *s))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Sends `cmd` (its id is set here) and waits for the server's reply.
    pub async fn send(&mut self, mut cmd: TerminalCommand) -> Result<Reply, TerminalError> {
        self.next += 1;
        cmd.id = format!("{}-{}", self.prefix, self.next);
        let payload = serde_json::to_vec(&cmd).unwrap_or_default();
        for _ in 0..ATTEMPTS {
            let (tx, rx) = oneshot::channel();
            self.lock().insert(cmd.id.clone(), tx);
            self.client
                .publish(
                    self.topics.cmd(&self.window),
                    QoS::AtLeastOnce,
                    false,
                    payload.clone(),
                )
                .await?;
            match tokio::time::timeout(REPLY_TIMEOUT, rx).await {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(_)) => return Err(TerminalError::Stopped),
                Err(_) => {
                    self.lock().remove(&cmd.id);
                }
            }
        }
        Err(TerminalError::NoReply { action: cmd.action })
    }

    /// A command with only an action.
    pub async fn act(&mut self, action: Action) -> Result<Reply, TerminalError> {
        self.send(TerminalCommand::new("", action)).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<Reply>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.poller.abort();
    }
}

async fn poll(
    mut events: EventLoop,
    client: AsyncClient,
    reply_topic: String,
    waiting: Waiting,
    subscribed: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let event = tokio::select! {
            e = events.poll() => e,
            _ = stop.wait_for(|s| *s) => break,
        };
        match event {
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                let _ = subscribed.send(true);
            }
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                let _ = subscribed.send(false);
                // Subscribing from here would block the loop on a full
                // request channel; hand it to a task.
                let (client, topic) = (client.clone(), reply_topic.clone());
                tokio::spawn(async move {
                    let _ = client.subscribe(topic, QoS::AtLeastOnce).await;
                });
            }
            Ok(Event::Incoming(Packet::Publish(p))) if p.topic == reply_topic => {
                let Ok(reply) = serde_json::from_slice::<Reply>(&p.payload) else {
                    tracing::debug!(topic = %p.topic, "demo terminal: unreadable reply");
                    continue;
                };
                let Some(id) = reply.id.clone() else { continue };
                let tx = waiting
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                if let Some(tx) = tx {
                    let _ = tx.send(reply);
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(error = %e, "demo terminal: MQTT connection; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        }
    }
    let _ = client.try_disconnect();
}
