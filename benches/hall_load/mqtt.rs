//! A window terminal as a device maker would write one: a rumqttc client
//! whose client id and username are the device id.
//!
//! rumqttc only makes progress while its event loop is polled, and a
//! publish waits for room in the loop's request channel; publishing from the
//! task that polls would deadlock. So each device's event loop is polled in
//! its own task, which stamps every incoming publish with the instant it
//! arrived and forwards it over a channel; the worker publishes through the
//! `AsyncClient` and reads that channel.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rumqttc::{AsyncClient, ConnectReturnCode, Event, LastWill, MqttOptions, Packet, QoS};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any single answer may take before the bench gives up.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

enum Incoming {
    Connected(Result<(), String>),
    Subscribed(bool),
    Message(Message),
    Lost(String),
}

pub struct Message {
    pub topic: String,
    pub payload: Bytes,
    pub retain: bool,
    /// When the poller took it off the socket.
    pub at: Instant,
}

pub struct Device {
    pub id: String,
    client: AsyncClient,
    incoming: mpsc::Receiver<Incoming>,
    poller: JoinHandle<()>,
}

impl Device {
    /// Connects through the server's device port and waits for CONNACK.
    pub async fn connect(
        addr: SocketAddr,
        id: &str,
        password: &str,
        status_topic: &str,
        nodelay: bool,
    ) -> Result<Self, String> {
        let mut opts = MqttOptions::new(id, addr.ip().to_string(), addr.port());
        opts.set_credentials(id, password);
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_clean_session(true);
        opts.set_last_will(LastWill::new(
            status_topic,
            "offline",
            QoS::AtLeastOnce,
            true,
        ));
        let (client, mut eventloop) = AsyncClient::new(opts, 64);
        let mut network = eventloop.network_options();
        network.set_tcp_nodelay(nodelay);
        eventloop.set_network_options(network);
        let (tx, incoming) = mpsc::channel(1024);
        let poller = tokio::spawn(async move {
            loop {
                let item = match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(p))) => Incoming::Message(Message {
                        at: Instant::now(),
                        topic: p.topic,
                        payload: p.payload,
                        retain: p.retain,
                    }),
                    Ok(Event::Incoming(Packet::ConnAck(c))) => Incoming::Connected(match c.code {
                        ConnectReturnCode::Success => Ok(()),
                        code => Err(format!("CONNACK {code:?}")),
                    }),
                    Ok(Event::Incoming(Packet::SubAck(s))) => Incoming::Subscribed(
                        s.return_codes
                            .iter()
                            .all(|c| matches!(c, rumqttc::SubscribeReasonCode::Success(_))),
                    ),
                    Ok(_) => continue,
                    Err(e) => {
                        // No reconnecting in a benchmark: a lost connection is a failure.
                        let _ = tx.send(Incoming::Lost(e.to_string())).await;
                        return;
                    }
                };
                if tx.send(item).await.is_err() {
                    return;
                }
            }
        });
        let mut device = Self {
            id: id.to_string(),
            client,
            incoming,
            poller,
        };
        match device.next().await? {
            Incoming::Connected(Ok(())) => Ok(device),
            Incoming::Connected(Err(e)) => Err(format!("device {id} refused: {e}")),
            _ => Err(format!("device {id}: unexpected packet before CONNACK")),
        }
    }

    async fn next(&mut self) -> Result<Incoming, String> {
        match tokio::time::timeout(ANSWER_TIMEOUT, self.incoming.recv()).await {
            Err(_) => Err(format!(
                "device {}: nothing received within {ANSWER_TIMEOUT:?}",
                self.id
            )),
            Ok(None) => Err(format!("device {}: event loop ended", self.id)),
            Ok(Some(Incoming::Lost(e))) => Err(format!("device {}: connection lost: {e}", self.id)),
            Ok(Some(i)) => Ok(i),
        }
    }

    /// Subscribes at QoS 1 and waits for the SUBACK.
    pub async fn subscribe(&mut self, filter: &str) -> Result<(), String> {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .map_err(|e| format!("device {}: subscribe: {e}", self.id))?;
        loop {
            match self.next().await? {
                Incoming::Subscribed(true) => return Ok(()),
                Incoming::Subscribed(false) => {
                    return Err(format!(
                        "device {}: subscription to {filter} refused",
                        self.id
                    ))
                }
                // A retained message may come before the SUBACK is read.
                _ => continue,
            }
        }
    }

    /// Publishes at QoS 1, not retained.
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>) -> Result<(), String> {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.into())
            .await
            .map_err(|e| format!("device {}: publish: {e}", self.id))
    }

    /// The next publish received on `topic`, skipping retained ones.
    pub async fn receive_on(&mut self, topic: &str) -> Result<Message, String> {
        loop {
            if let Incoming::Message(m) = self.next().await? {
                if m.topic == topic && !m.retain {
                    return Ok(m);
                }
            }
        }
    }

    /// Publishes a terminal command and waits for the reply carrying its id.
    /// Returns when the reply arrived and the reply itself.
    pub async fn command(
        &mut self,
        cmd_topic: &str,
        reply_topic: &str,
        id: &str,
        command: Value,
    ) -> Result<(Instant, Value), String> {
        self.publish(cmd_topic, command.to_string()).await?;
        loop {
            let m = self.receive_on(reply_topic).await?;
            let reply: Value = serde_json::from_slice(&m.payload).map_err(|e| {
                format!(
                    "device {}: reply is not JSON ({e}): {}",
                    self.id,
                    String::from_utf8_lossy(&m.payload)
                )
            })?;
            if reply.get("id").and_then(Value::as_str) == Some(id) {
                return Ok((m.at, reply));
            }
        }
    }

    pub async fn disconnect(self) {
        let _ = self.client.disconnect().await;
        // Give the DISCONNECT a moment to leave, then stop polling.
        let abort = self.poller.abort_handle();
        let _ = tokio::time::timeout(Duration::from_millis(200), self.poller).await;
        abort.abort();
    }
}

/// The error of a `{"ok":false,"error":{...}}` reply, or None when it is ok.
pub fn reply_error(reply: &Value) -> Option<String> {
    if reply.get("ok").and_then(Value::as_bool) == Some(true) {
        None
    } else {
        Some(
            reply
                .get("error")
                .map(Value::to_string)
                .unwrap_or_else(|| reply.to_string()),
        )
    }
}
