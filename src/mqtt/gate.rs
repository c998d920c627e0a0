//! The ACL gate: the device-facing MQTT port. It reads each client's
//! CONNECT and has the application layer check the device's credentials,
//! client id and will topic (`App::device_login`), then relays packets to the embedded broker, letting through only what the
//! device may do: publish its own window's commands and its own status, and
//! subscribe under its own window. rumqttd has no ACLs of its own; this gate
//! is what makes "terminal B cannot act for window A" hold.
//!
//! The broker speaks only MQTT 3.1.1, so the gate forwards a 3.1 (`MQIsdp`)
//! CONNECT as the same CONNECT in 3.1.1 form (`mp::connect_for_broker`);
//! anything else the gate's parser refuses with a CONNACK return code.
//!
//! A persistent session keeps its subscriptions in the broker, and rumqttd
//! 0.20 sends retained messages only for a subscription the session does not
//! have yet (`prepare_filter` in its router). So when a device whose session
//! was resumed (CONNACK session present) subscribes to a filter that matches
//! one of its retained topics, the gate first subscribes and unsubscribes that
//! filter on its behalf (rumqttd only unsubscribes what this connection
//! subscribed), swallowing the SUBACK and UNSUBACK, and then forwards the
//! device's SUBSCRIBE: every (re)subscription to a retained topic gets the
//! current value (issue 8, item 3). Messages queued in the session for such a
//! filter are dropped; a terminal resends an unanswered command with the same
//! id and gets the same reply.
//!
//! The gate sets `TCP_QUICKACK` after every read on both of its sockets: a
//! device whose stack leaves Nagle's algorithm on holds each small packet
//! until the previous one is ACKed, and a delayed ACK would cost it ~40 ms
//! per command (issue 8, item 1).
//!
//! MQTT 3.1.1 cannot refuse a single PUBLISH, so a forbidden one is
//! acknowledged to the device (or it would resend for ever), dropped, counted,
//! and answered with an error on the device's own window reply topic.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tingwu_actors::config::DeviceKind;
use tingwu_protocols::mqtt_packet::{self as mp, Connect};
use tingwu_protocols::terminal::{command_id_of, Topics};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::app::auth::{DeviceAuthError, DeviceCredentials};
use crate::app::App;
use crate::telemetry;

use super::takeover::Leases;

/// Largest packet a device may send or receive through the gate.
const MAX_PACKET: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 2048;
/// How long a newcomer waits for the connection it takes over to close.
const TAKEOVER_WAIT: Duration = Duration::from_secs(5);
/// How long a closing connection waits for the broker to close its side.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("connection closed")]
    Closed,
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed packet: {0}")]
    Packet(#[from] mp::PacketError),
    #[error("no CONNECT within {0:?}")]
    Timeout(Duration),
    #[error("first packet was not CONNECT")]
    NotConnect,
    #[error("refused: {0}")]
    Refused(&'static str),
}

struct Device {
    window: Option<String>,
    kind: DeviceKind,
}

/// Who may connect and what each device may touch.
pub struct Policy {
    app: App,
    topics: Topics,
    devices: HashMap<String, Device>,
    /// One broker connection per client id (`takeover`).
    leases: Leases,
}

/// A device tried to act outside its own window.
#[derive(Debug, Clone)]
pub struct Violation {
    pub device: String,
    /// The device's own window, where the error reply goes.
    pub own_window: Option<String>,
    pub topic: String,
    pub command_id: Option<String>,
    /// Refused because it was retained, not because of whose window it is.
    pub retained: bool,
}

impl Policy {
    /// The policy of `app`'s hall: its devices and their windows; the
    /// credentials themselves are checked by `app`.
    pub fn new(app: App) -> Self {
        let cfg = &app.directory().config;
        let devices = cfg
            .devices
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    Device {
                        window: cfg
                            .window_of_terminal(&d.id)
                            .or_else(|| cfg.window_of_evaluator(&d.id))
                            .map(|w| w.id.clone()),
                        kind: d.kind,
                    },
                )
            })
            .collect();
        Self {
            topics: Topics::new(cfg.hall.id.clone()),
            devices,
            leases: Leases::default(),
            app: app.clone(),
        }
    }

    /// The device id, or the CONNACK code refusing it and why; the
    /// credentials are checked by the application layer.
    fn authenticate(&self, c: &Connect) -> Result<String, (u8, &'static str)> {
        let creds = DeviceCredentials {
            username: c.username.as_deref(),
            password: c.password.as_deref(),
            client_id: &c.client_id,
            will_topic: c.will.as_ref().map(|w| w.topic.as_str()),
        };
        self.app.device_login(&creds).map_err(|e| {
            let code = match e {
                DeviceAuthError::NoUsername
                | DeviceAuthError::BadWill
                | DeviceAuthError::LockedOut => mp::CONNACK_NOT_AUTHORIZED,
                DeviceAuthError::UnknownDevice | DeviceAuthError::WrongPassword => {
                    mp::CONNACK_BAD_CREDENTIALS
                }
                DeviceAuthError::ClientIdMismatch => mp::CONNACK_IDENTIFIER_REJECTED,
            };
            (code, e.reason())
        })
    }

    fn window_prefix(&self, window: &str) -> String {
        format!("tingwu/v1/{}/window/{window}/", self.topics.hall())
    }

    pub fn may_publish(&self, device: &str, topic: &str) -> bool {
        if topic == self.topics.device_status(device) {
            return true;
        }
        let Some(d) = self.devices.get(device) else {
            return false;
        };
        let Some(w) = d.window.as_deref() else {
            return false;
        };
        match d.kind {
            DeviceKind::Terminal => topic == self.topics.cmd(w),
            // An evaluator rates only its own window's services.
            DeviceKind::Evaluator => topic == self.topics.evaluation(w),
            _ => false,
        }
    }

    /// The retained topics `device` may read: its own status and, for a
    /// device at a window, that window's state.
    fn retained_topics(&self, device: &str) -> Vec<String> {
        let mut topics = vec![self.topics.device_status(device)];
        if let Some(w) = self.devices.get(device).and_then(|d| d.window.as_deref()) {
            topics.push(self.topics.state(w));
        }
        topics
    }

    pub fn may_subscribe(&self, device: &str, filter: &str) -> bool {
        if filter == self.topics.device_status(device) {
            return true;
        }
        self.devices
            .get(device)
            .and_then(|d| d.window.as_deref())
            .is_some_and(|w| filter.starts_with(&self.window_prefix(w)))
    }
}

/// Accepts device connections until the listener fails.
pub async fn run(
    listener: TcpListener,
    broker: SocketAddr,
    policy: Arc<Policy>,
    violations: mpsc::Sender<Violation>,
) {
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!(error = %e, "MQTT accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            warn!(%peer, "too many MQTT connections; refusing");
            continue;
        };
        let policy = policy.clone();
        let violations = violations.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match connection(stream, broker, &policy, &violations).await {
                Ok(()) | Err(GateError::Closed) => debug!(%peer, "MQTT connection closed"),
                Err(e) => {
                    debug!(%peer, error = %e, "MQTT connection ended");
                }
            }
        });
    }
}

/// Reads one whole packet, or None at a clean end of stream.
///
/// `quick_ack` answers every read with an immediate ACK. The gate uses it
/// on both its sockets: rumqttd, and many device stacks (paho-mqtt's
/// default), leave Nagle's algorithm on, so their second small packet in a
/// row (a reply after a PUBACK, a command after the PUBACK of a reply) would
/// otherwise wait for our delayed ACK, about 40 ms.
async fn read_packet(
    r: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    quick_ack: bool,
) -> Result<Option<(mp::FrameHeader, Bytes)>, GateError> {
    loop {
        if let Some(h) = mp::frame_len(buf, MAX_PACKET)? {
            if buf.len() >= h.total_len() {
                return Ok(Some((h, buf.split_to(h.total_len()).freeze())));
            }
        }
        let n = r.read_buf(buf).await?;
        if quick_ack {
            // Best effort: a failure only costs latency.
            let _ = socket2::SockRef::from(r.as_ref()).set_tcp_quickack(true);
        }
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(GateError::Closed)
            };
        }
    }
}

async fn connection(
    client: TcpStream,
    broker: SocketAddr,
    policy: &Policy,
    violations: &mpsc::Sender<Violation>,
) -> Result<(), GateError> {
    let _ = client.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let mut buf = BytesMut::with_capacity(1024);
    let first = tokio::time::timeout(CONNECT_TIMEOUT, read_packet(&mut cr, &mut buf, true))
        .await
        .map_err(|_| GateError::Timeout(CONNECT_TIMEOUT))??;
    let Some((header, packet)) = first else {
        return Err(GateError::Closed);
    };
    if header.packet_type != mp::CONNECT {
        telemetry::rejected("mqtt", "not_connect");
        return Err(GateError::NotConnect);
    }
    let body = packet.get(header.header_len..).unwrap_or_default();
    let connect = match mp::parse_connect(body) {
        Ok(c) => c,
        Err(e) => {
            telemetry::rejected("mqtt", "bad_connect");
            if let Some(code) = e.connack_code() {
                let _ = cw.write_all(&mp::connack(false, code)).await;
            }
            return Err(e.into());
        }
    };
    let device = match policy.authenticate(&connect) {
        Ok(d) => d,
        Err((code, why)) => {
            telemetry::rejected("mqtt", "bad_credentials");
            warn!(client_id = %connect.client_id, user = ?connect.username, reason = why, "MQTT connection refused");
            let _ = cw.write_all(&mp::connack(false, code)).await;
            return Err(GateError::Refused(why));
        }
    };
    // A 3.1 CONNECT goes to the 3.1.1-only broker in 3.1.1 form.
    let forward = mp::connect_for_broker(body)?;
    let Some(lease) = policy
        .leases
        .acquire(&connect.client_id, TAKEOVER_WAIT)
        .await
    else {
        telemetry::rejected("mqtt", "takeover_timeout");
        warn!(device = %device, "the previous connection with this client id did not close in time; refused");
        let _ = cw
            .write_all(&mp::connack(false, mp::CONNACK_SERVER_UNAVAILABLE))
            .await;
        return Err(GateError::Refused("previous connection still open"));
    };
    let upstream = TcpStream::connect(broker).await?;
    let _ = upstream.set_nodelay(true);
    let (mut br, mut bw) = upstream.into_split();
    bw.write_all(&forward).await?;
    let session = Session {
        resumed: Arc::new(AtomicBool::new(false)),
        own_acks: Arc::new(Mutex::new(Vec::new())),
    };
    info!(device = %device, "device connected");
    let (to_client, mut outgoing) = mpsc::channel::<Bytes>(256);
    let writer = async move {
        while let Some(p) = outgoing.recv().await {
            cw.write_all(&p).await?;
        }
        Ok::<(), GateError>(())
    };
    let downstream = {
        let to_client = to_client.clone();
        let own_acks = session.own_acks.clone();
        let resumed = session.resumed.clone();
        let br = &mut br;
        async move {
            let mut buf = BytesMut::with_capacity(4096);
            while let Some((h, p)) = read_packet(br, &mut buf, true).await? {
                match h.packet_type {
                    mp::CONNACK => {
                        // Byte 2 bit 0: session present (§3.2.2.2).
                        let present = p.get(h.header_len).is_some_and(|b| b & 1 == 1);
                        resumed.store(present, Ordering::Relaxed);
                    }
                    mp::SUBACK | mp::UNSUBACK if is_own_ack(&own_acks, &h, &p) => continue,
                    _ => {}
                }
                if to_client.send(p).await.is_err() {
                    break;
                }
            }
            Ok::<(), GateError>(())
        }
    };
    let up = relay_up(
        &mut cr, &mut buf, &mut bw, &to_client, &device, policy, violations, &session,
    );
    let result = tokio::select! {
        r = up => r,
        r = downstream => r,
        r = writer => r,
        () = lease.kicked() => {
            info!(device = %device, "taken over by a new connection with the same client id");
            Ok(())
        }
    };
    drop(cr); // with the writer gone, this closes the device's socket
    close_upstream(&mut br, &mut bw, &device).await;
    drop(lease);
    info!(device = %device, "device disconnected");
    result
}

/// Half-closes the broker connection and waits for the broker to close it:
/// by then rumqttd has sent its router every event of this connection, so
/// the next connection with the same client id cannot be mistaken for it
/// (see `takeover`).
async fn close_upstream(br: &mut OwnedReadHalf, bw: &mut OwnedWriteHalf, device: &str) {
    let _ = bw.shutdown().await;
    let mut sink = [0u8; 4096];
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Ok(n) = br.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    if drained.is_err() {
        warn!(device, timeout = ?DRAIN_TIMEOUT, "the broker did not close a finished connection in time");
    }
}

/// What the gate remembers of one device's session.
struct Session {
    /// The broker's CONNACK said "session present": it kept subscriptions.
    resumed: Arc<AtomicBool>,
    /// (packet type, packet id) of the acks that answer the gate's own
    /// SUBSCRIBE/UNSUBSCRIBE, which the device must not see.
    own_acks: Arc<Mutex<Vec<(u8, u16)>>>,
}

/// Whether a SUBACK/UNSUBACK from the broker answers the gate's own request
/// (and so must not reach the device); forgets it when it does.
fn is_own_ack(own: &Mutex<Vec<(u8, u16)>>, h: &mp::FrameHeader, packet: &Bytes) -> bool {
    let body = packet.get(h.header_len..).unwrap_or_default();
    let Some(id) = body.get(..2).and_then(mp::unsuback_packet_id) else {
        return false;
    };
    let Ok(mut acks) = own.lock() else {
        return false;
    };
    match acks.iter().position(|&a| a == (h.packet_type, id)) {
        Some(i) => {
            acks.remove(i);
            true
        }
        None => false,
    }
}

/// Before a resumed session's SUBSCRIBE: subscribes and unsubscribes the
/// filters that match a retained topic of the device, so that the device's
/// own SUBSCRIBE is new to the broker and gets the retained value. Both reuse
/// the SUBSCRIBE's packet id, which the device cannot reuse until its SUBACK;
/// the broker answers in order, so our acks come first.
async fn resubscribe_retained(
    bw: &mut OwnedWriteHalf,
    session: &Session,
    s: &mp::Subscribe,
    device: &str,
    policy: &Policy,
) -> Result<(), GateError> {
    if !session.resumed.load(Ordering::Relaxed) {
        return Ok(());
    }
    let retained = policy.retained_topics(device);
    let filters: Vec<&str> = s
        .filters
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| retained.iter().any(|t| mp::topic_matches(f, t)))
        .collect();
    if filters.is_empty() {
        return Ok(());
    }
    let with_qos: Vec<(&str, u8)> = s
        .filters
        .iter()
        .filter(|(f, _)| filters.contains(&f.as_str()))
        .map(|(f, q)| (f.as_str(), *q))
        .collect();
    let mut packets = mp::subscribe(s.packet_id, &with_qos)?;
    packets.extend(mp::unsubscribe(s.packet_id, &filters)?);
    if let Ok(mut acks) = session.own_acks.lock() {
        acks.push((mp::SUBACK, s.packet_id));
        acks.push((mp::UNSUBACK, s.packet_id));
    }
    debug!(device, filters = ?filters, "resumed session: resubscribing for retained values");
    bw.write_all(&packets).await?;
    Ok(())
}

/// Client → broker, packet by packet, with the device's ACL applied.
#[allow(clippy::too_many_arguments)]
async fn relay_up(
    cr: &mut OwnedReadHalf,
    buf: &mut BytesMut,
    bw: &mut OwnedWriteHalf,
    to_client: &mpsc::Sender<Bytes>,
    device: &str,
    policy: &Policy,
    violations: &mpsc::Sender<Violation>,
    session: &Session,
) -> Result<(), GateError> {
    while let Some((h, packet)) = read_packet(cr, buf, true).await? {
        let body = packet.get(h.header_len..).unwrap_or_default();
        match h.packet_type {
            mp::CONNECT => {
                telemetry::rejected("mqtt", "second_connect");
                return Err(GateError::Refused("second CONNECT"));
            }
            mp::PUBLISH => {
                let p = mp::parse_publish(h.flags, body)?;
                // A retained command would be replayed on every resubscribe.
                let retained_command =
                    p.retain && policy.topics.parse_cmd_topic(&p.topic).is_some();
                if retained_command || !policy.may_publish(device, &p.topic) {
                    let payload = body.get(p.payload_offset..).unwrap_or_default();
                    if retained_command {
                        telemetry::rejected("mqtt", "retained_command");
                        warn!(device, topic = %p.topic, "retained command dropped");
                    } else {
                        telemetry::rejected("mqtt", "forbidden");
                        warn!(device, topic = %p.topic, "device published outside its own window; dropped");
                    }
                    let _ = violations.try_send(Violation {
                        device: device.to_string(),
                        own_window: policy.devices.get(device).and_then(|d| d.window.clone()),
                        topic: p.topic.clone(),
                        command_id: command_id_of(payload),
                        retained: retained_command,
                    });
                    match (p.qos, p.packet_id) {
                        (0, _) => {}
                        (1, Some(pid)) => {
                            let _ = to_client
                                .send(Bytes::copy_from_slice(&mp::puback(pid)))
                                .await;
                        }
                        _ => return Err(GateError::Refused("forbidden QoS 2 publish")),
                    }
                    continue;
                }
            }
            mp::SUBSCRIBE => {
                let s = mp::parse_subscribe(h.flags, body)?;
                if !s
                    .filters
                    .iter()
                    .all(|(f, _)| policy.may_subscribe(device, f))
                {
                    telemetry::rejected("mqtt", "forbidden_subscribe");
                    warn!(device, filters = ?s.filters, "device subscribed outside its own window; refused");
                    let codes = vec![mp::SUBACK_FAILURE; s.filters.len()];
                    let _ = to_client
                        .send(Bytes::from(mp::suback(s.packet_id, &codes)))
                        .await;
                    continue;
                }
                resubscribe_retained(bw, session, &s, device, policy).await?;
            }
            _ => {}
        }
        bw.write_all(&packet).await?;
    }
    Ok(())
}
