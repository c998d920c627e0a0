//! The server's own MQTT client: terminal commands in, replies and retained
//! window states out.
//!
//! Three tasks, so that nothing blocks the broker connection: the poller
//! only polls rumqttc's event loop (with backoff on errors — rumqttc has
//! none) and hands packets over; the dispatcher parses commands at the edge
//! and hands them to the application layer ([`App::submit_command`], which
//! routes them to window actors and bounds them in flight); the publisher
//! drains a bounded outbox.
//! Nobody publishes from the poller: a full request channel there would
//! deadlock the event loop.

use crate::backoff::Backoff;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::json;
use tingwu_actors::directory::{all_windows, Directory};
use tingwu_actors::events::{CommittedEvent, EventBody};
use tingwu_actors::kiosk::DeviceStatus;
use tingwu_actors::views::WindowView;
use tingwu_protocols::terminal::{parse_command, Reply, Topics};
use tokio::sync::{broadcast, mpsc, watch};
use tracing::{debug, info, warn};

use super::gate::Violation;
use crate::app::window_commands::{is_rejection, Origin};
use crate::app::{App, WindowCommandError};
use crate::telemetry;

const OUTBOX: usize = 4096;
const INBOX: usize = 1024;

/// Where the server's client connects.
pub struct BrokerTarget {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// QoS of what the server publishes. The embedded broker sits on
    /// loopback in the same process, and QoS 0 there spares a PUBACK per
    /// message that would otherwise hold the next command behind a delayed
    /// ACK; a lost reply is answered again when the terminal resends the
    /// same command id, and states are published again on every reconnect.
    /// External brokers get QoS 1.
    pub publish_qos: QoS,
}

impl BrokerTarget {
    /// `mqtt://user:pass@host:port`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| format!("broker URL must start with mqtt:// (got {url:?})"))?;
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.trim_end_matches('/')
                    .parse()
                    .map_err(|_| format!("bad port in broker URL {url:?}"))?,
            ),
            None => (hostport.trim_end_matches('/').to_string(), 1883),
        };
        if host.is_empty() {
            return Err(format!("no host in broker URL {url:?}"));
        }
        let (user, password) = match creds.map(|c| c.split_once(':')) {
            Some(Some((u, p))) => (Some(u.to_string()), Some(p.to_string())),
            Some(None) => (creds.map(str::to_string), None),
            None => (None, None),
        };
        Ok(Self {
            host,
            port,
            user,
            password,
            publish_qos: QoS::AtLeastOnce,
        })
    }
}

struct Out {
    topic: String,
    payload: Vec<u8>,
    retain: bool,
}

/// Bounded outbox shared by everything that publishes.
#[derive(Clone)]
struct Outbox(mpsc::Sender<Out>);

impl Outbox {
    fn publish(&self, topic: String, payload: Vec<u8>, retain: bool) {
        if let Err(e) = self.0.try_send(Out {
            topic,
            payload,
            retain,
        }) {
            metrics::counter!("tingwu_mqtt_outbox_dropped_total").increment(1);
            warn!(error = %e, "MQTT outbox full; message dropped");
        }
    }
}

/// Starts the edge over `app`; the returned flag turns true once the server's client is
/// connected and subscribed, i.e. terminal commands will be heard.
pub fn start(
    app: App,
    target: BrokerTarget,
    violations: mpsc::Receiver<Violation>,
) -> watch::Receiver<bool> {
    let dir = app.directory().clone();
    let hall = dir.config.hall.id.clone();
    let mut opts = MqttOptions::new(format!("tingwu-server-{hall}"), target.host, target.port);
    opts.set_keep_alive(Duration::from_secs(15));
    // A persistent session: commands that arrive while we reconnect wait in
    // the broker. Acks stay automatic: rumqttd drops a client that acks out
    // of order, and windows answer out of order. A command lost between the
    // ack and its window gets no reply; the terminal sends it again with the
    // same id, which is harmless.
    opts.set_clean_session(false);
    opts.set_max_packet_size(64 * 1024, 64 * 1024);
    if let (Some(u), Some(p)) = (target.user, target.password) {
        opts.set_credentials(u, p);
    }
    let (client, mut eventloop) = AsyncClient::new(opts, 256);
    // Small packets both ways: Nagle's algorithm would hold each behind the
    // broker's delayed ACK.
    let mut net = eventloop.network_options();
    net.set_tcp_nodelay(true);
    eventloop.set_network_options(net);
    let (out_tx, out_rx) = mpsc::channel(OUTBOX);
    let outbox = Outbox(out_tx);
    let (in_tx, in_rx) = mpsc::channel(INBOX);
    let (connected_tx, connected_rx) = mpsc::channel(4);
    let (republish_tx, republish_rx) = mpsc::channel(4);
    let topics = Arc::new(Topics::new(hall));
    let (subscribed_tx, subscribed) = watch::channel(false);
    tokio::spawn(poll(eventloop, in_tx, connected_tx, subscribed_tx));
    tokio::spawn(publisher(client.clone(), out_rx, target.publish_qos));
    tokio::spawn(on_connect(
        client.clone(),
        topics.clone(),
        connected_rx,
        republish_tx,
    ));
    tokio::spawn(dispatch(app, topics.clone(), outbox.clone(), in_rx));
    tokio::spawn(states(
        dir.clone(),
        topics.clone(),
        outbox.clone(),
        republish_rx,
    ));
    tokio::spawn(refuse(violations, topics, outbox));
    subscribed
}

/// Polls the event loop; backs off on errors (rumqttc reconnects on the
/// next poll, immediately, unless we wait).
async fn poll(
    mut eventloop: EventLoop,
    inbox: mpsc::Sender<rumqttc::Publish>,
    connected: mpsc::Sender<()>,
    subscribed: watch::Sender<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(100), 2, Duration::from_secs(5));
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::Publish(p))) => {
                // Waiting here slows the broker down instead of dropping commands.
                if inbox.send(p).await.is_err() {
                    return;
                }
            }
            Ok(Event::Incoming(Packet::SubAck(ack))) => {
                let refused = ack
                    .return_codes
                    .iter()
                    .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure));
                if refused {
                    warn!("the broker refused the server's subscription; check its ACL for the server user");
                } else {
                    let _ = subscribed.send(true);
                }
            }
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff.reset();
                info!("server MQTT client connected");
                let _ = connected.try_send(());
            }
            Ok(_) => {}
            Err(e) => {
                let retry_in = backoff.fail();
                warn!(error = %e, retry_in_ms = retry_in.as_millis() as u64, "server MQTT connection lost");
                metrics::counter!("tingwu_mqtt_reconnects_total").increment(1);
                tokio::time::sleep(retry_in).await;
            }
        }
    }
}

async fn publisher(client: AsyncClient, mut outbox: mpsc::Receiver<Out>, qos: QoS) {
    while let Some(m) = outbox.recv().await {
        if let Err(e) = client.publish(m.topic, qos, m.retain, m.payload).await {
            warn!(error = %e, "MQTT publish failed");
        }
    }
}

/// After every (re)connect: subscribe again, and have every window's state
/// published again (the embedded broker keeps retained messages in memory
/// only) by the task that publishes states, so that the two never race.
async fn on_connect(
    client: AsyncClient,
    topics: Arc<Topics>,
    mut connected: mpsc::Receiver<()>,
    republish: mpsc::Sender<()>,
) {
    while connected.recv().await.is_some() {
        for filter in [
            topics.cmd_filter(),
            topics.device_status_filter(),
            topics.evaluation_filter(),
        ] {
            if let Err(e) = client.subscribe(filter.clone(), QoS::AtLeastOnce).await {
                warn!(error = %e, %filter, "MQTT subscribe failed");
            }
        }
        let _ = republish.try_send(());
    }
}

fn publish_state(topics: &Topics, outbox: &Outbox, w: &WindowView) {
    let payload = json!({
        "window": w.id,
        "state": w.state,
        "staff": w.staff,
        "ticket": w.ticket,
        "enabled": w.enabled,
        "pause_message": w.pause_message,
        "version": w.version,
    });
    outbox.publish(topics.state(&w.id), payload.to_string().into_bytes(), true);
}

fn reply(topics: &Topics, outbox: &Outbox, window: &str, r: &Reply) {
    outbox.publish(topics.reply(window), r.to_json().into_bytes(), false);
}

/// Parses each command once, here, and hands it to its window.
async fn dispatch(
    app: App,
    topics: Arc<Topics>,
    outbox: Outbox,
    mut inbox: mpsc::Receiver<rumqttc::Publish>,
) {
    let mut online: HashMap<String, bool> = HashMap::new();
    while let Some(p) = inbox.recv().await {
        let received = Instant::now();
        if let Some(device) = topics.parse_device_status_topic(&p.topic) {
            let up = p.payload.as_ref() == b"online";
            online.insert(device.to_string(), up);
            info!(device, online = up, "device status");
            if let Some(kiosk) = app.directory().kiosks.get(device) {
                let _ = kiosk.try_send(DeviceStatus { online: up });
            }
            metrics::gauge!("tingwu_devices_online")
                .set(online.values().filter(|v| **v).count() as f64);
            continue;
        }
        if let Some(window) = topics.parse_evaluation_topic(&p.topic) {
            let (app, topics, outbox) = (app.clone(), topics.clone(), outbox.clone());
            let window = window.to_string();
            tokio::spawn(async move {
                let (topic, body) =
                    super::evaluator::answer(&app, &topics, &window, &p.payload, p.retain).await;
                outbox.publish(topic, body, false);
            });
            continue;
        }
        let Some(window) = topics.parse_cmd_topic(&p.topic) else {
            debug!(topic = %p.topic, "ignored MQTT message");
            continue;
        };
        if app.check_window(window).is_err() {
            telemetry::rejected("mqtt", "unknown_window");
            // Nobody listens on an unknown window's reply topic; log only.
            warn!(window, "command for an unknown window");
            continue;
        }
        if p.retain {
            // A retained command would be replayed to us on every
            // resubscribe, and again after the day's replies are forgotten.
            telemetry::rejected("mqtt", "retained_command");
            warn!(window, "retained terminal command refused");
            let r = Reply::error(
                tingwu_protocols::terminal::command_id_of(&p.payload),
                "bad_request",
                "commands must not be retained (命令不能设置保留标志)",
            );
            reply(&topics, &outbox, window, &r);
            continue;
        }
        let cmd = match parse_command(&p.payload) {
            Ok(c) => c,
            Err(e) => {
                telemetry::rejected("mqtt", e.code());
                warn!(window, error = %e, "bad terminal command");
                reply(
                    &topics,
                    &outbox,
                    window,
                    &Reply::for_command_error(&p.payload, &e),
                );
                continue;
            }
        };
        // Handed to the window now, in arrival order; the answer is awaited
        // elsewhere.
        let pending = match app.submit_command(window, cmd, received, Origin::Terminal) {
            Ok(pending) => pending,
            Err(e) => {
                if let WindowCommandError::Busy { command } = &e {
                    metrics::counter!("tingwu_mqtt_busy_total", "window" => window.to_string())
                        .increment(1);
                    let r = Reply::error(Some(command.clone()), "busy", e.to_string());
                    reply(&topics, &outbox, window, &r);
                } else {
                    warn!(window, error = %e, "terminal command not handed to its window");
                }
                continue;
            }
        };
        let window = window.to_string();
        let topics = topics.clone();
        let outbox = outbox.clone();
        tokio::spawn(async move {
            match pending.reply().await {
                Ok(r) => {
                    if let Some(e) = r.error.as_ref().filter(|e| is_rejection(&e.code)) {
                        telemetry::rejected("mqtt", &e.code);
                    }
                    reply(&topics, &outbox, &window, &r)
                }
                Err(e) => warn!(window = %window, error = %e, "window did not answer"),
            }
        });
    }
}

/// Publishes the retained state of each window as it changes, and every
/// state again after a reconnect or a lag. One task does both, and views
/// carry a version, so an older state is never published after a newer one.
async fn states(
    dir: Directory,
    topics: Arc<Topics>,
    outbox: Outbox,
    mut republish: mpsc::Receiver<()>,
) {
    let mut events: broadcast::Receiver<Arc<CommittedEvent>> = dir.store.subscribe();
    let mut published: HashMap<String, u64> = HashMap::new();
    let publish = |w: &WindowView, force: bool, published: &mut HashMap<String, u64>| {
        let newer = published.get(&w.id).is_none_or(|v| w.version > *v);
        if newer || force {
            published.insert(
                w.id.clone(),
                w.version.max(published.get(&w.id).copied().unwrap_or(0)),
            );
            publish_state(&topics, &outbox, w);
        }
    };
    loop {
        tokio::select! {
            e = events.recv() => match e {
                Ok(e) => {
                    if let EventBody::Window(w) = &e.body {
                        publish(w, false, &mut published);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    warn!(skipped = n, "window state publisher lagged; publishing every state again");
                    for w in all_windows(&dir).await {
                        publish(&w, false, &mut published);
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            again = republish.recv() => {
                if again.is_none() {
                    return;
                }
                for w in all_windows(&dir).await {
                    publish(&w, true, &mut published);
                }
            }
        }
    }
}

/// Tells a device that tried to act for another window why nothing happened.
async fn refuse(mut violations: mpsc::Receiver<Violation>, topics: Arc<Topics>, outbox: Outbox) {
    while let Some(v) = violations.recv().await {
        let Some(own) = v.own_window else { continue };
        let r = if v.retained {
            Reply::error(
                v.command_id,
                "bad_request",
                "commands must not be retained (命令不能设置保留标志)",
            )
        } else {
            Reply::error(
                v.command_id,
                "forbidden",
                format!(
                    "device {} may act only for its own window {own}; {} refused (无权操作其他窗口)",
                    v.device, v.topic
                ),
            )
        };
        reply(&topics, &outbox, &own, &r);
    }
}
