//! Property tests holding the gate's packet parser
//! (`tingwu_protocols::mqtt_packet`) against the embedded broker's own
//! (rumqttd 0.20, `rumqttd::protocol::v4`).
//!
//! Issue 8, item 2 — kind: what the gate accepts and what the broker accepts
//! differ (input: an MQTT 3.1 CONNECT, `MQIsdp` level 3, passed the gate and
//! was dropped by the broker with no CONNACK). The rule: every CONNECT,
//! PUBLISH and SUBSCRIBE the gate lets through (in the form it forwards) is
//! read by the broker as the same packet; a CONNECT the gate refuses for its
//! protocol or client id gets a CONNACK return code.

use bytes::BytesMut;
use proptest::prelude::*;
use rumqttd::protocol::v4::V4;
use rumqttd::protocol::{Packet, Protocol};
use tingwu_protocols::mqtt_packet as mp;

const MAX: usize = 64 * 1024;

fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

/// A whole packet: fixed header byte, remaining length, body.
fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    mp::encode_remaining_length(body.len(), &mut out).expect("small body");
    out.extend_from_slice(body);
    out
}

fn broker_reads(packet: &[u8]) -> Result<Packet, String> {
    let mut buf = BytesMut::from(packet);
    V4.read_mut(&mut buf, MAX).map_err(|e| format!("{e:?}"))
}

/// Bytes that are often valid UTF-8 topic/id text, sometimes not.
fn text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-zA-Z0-9/+#$ 窗口]{0,12}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

#[derive(Debug, Clone)]
struct ConnectInput {
    name: &'static str,
    level: u8,
    flags: u8,
    keep_alive: u16,
    client_id: Vec<u8>,
    will_topic: Vec<u8>,
    will_payload: Vec<u8>,
    username: Vec<u8>,
    password: Vec<u8>,
    trailing: Vec<u8>,
}

fn connect_input() -> impl Strategy<Value = ConnectInput> {
    (
        prop_oneof![Just("MQTT"), Just("MQIsdp"), Just("MQTX"), Just("")],
        0u8..=6,
        any::<u8>(),
        any::<u16>(),
        text(),
        text(),
        text(),
        text(),
        text(),
        prop_oneof![3 => Just(Vec::new()), 1 => proptest::collection::vec(any::<u8>(), 1..3)],
    )
        .prop_map(
            |(
                name,
                level,
                flags,
                keep_alive,
                client_id,
                will_topic,
                will_payload,
                username,
                password,
                trailing,
            )| {
                ConnectInput {
                    name,
                    level,
                    flags,
                    keep_alive,
                    client_id,
                    will_topic,
                    will_payload,
                    username,
                    password,
                    trailing,
                }
            },
        )
}

impl ConnectInput {
    /// The CONNECT body its flags describe (plus any trailing bytes).
    fn body(&self) -> Vec<u8> {
        let mut b = Vec::new();
        string(&mut b, self.name.as_bytes());
        b.push(self.level);
        b.push(self.flags);
        b.extend_from_slice(&self.keep_alive.to_be_bytes());
        string(&mut b, &self.client_id);
        if self.flags & 0x04 != 0 {
            string(&mut b, &self.will_topic);
            string(&mut b, &self.will_payload);
        }
        if self.flags & 0x80 != 0 {
            string(&mut b, &self.username);
        }
        if self.flags & 0x40 != 0 {
            string(&mut b, &self.password);
        }
        b.extend_from_slice(&self.trailing);
        b
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_connect_the_gate_accepts_is_the_same_connect_to_the_broker(input in connect_input()) {
        let body = input.body();
        match mp::parse_connect(&body) {
            Ok(gate) => {
                let forwarded = mp::connect_for_broker(&body).expect("accepted body re-frames");
                let read = broker_reads(&forwarded);
                let Ok(Packet::Connect(c, _, will, _, login)) = read else {
                    return Err(TestCaseError::fail(format!(
                        "gate accepted {gate:?} but the broker read {read:?}")));
                };
                prop_assert_eq!(&c.client_id, &gate.client_id);
                prop_assert_eq!(c.clean_session, gate.clean_session);
                prop_assert_eq!(c.keep_alive, gate.keep_alive);
                prop_assert_eq!(will.map(|w| w.topic.to_vec()), gate.will.map(|w| w.topic.into_bytes()));
                // rumqttd has no login for an empty user name and password.
                let broker_login = login.map_or((String::new(), Vec::new()), |l| {
                    (l.username, l.password.into_bytes())
                });
                let gate_login = (
                    gate.username.unwrap_or_default(),
                    gate.password.unwrap_or_default(),
                );
                prop_assert_eq!(broker_login, gate_login);
            }
            Err(e @ (mp::PacketError::UnsupportedProtocol(_)
                | mp::PacketError::IdentifierRejected
                | mp::PacketError::PasswordNotUtf8)) => {
                prop_assert!(e.connack_code().is_some(), "{e:?} refused without a return code");
            }
            Err(_) => {}
        }
    }

    #[test]
    fn a_publish_the_gate_accepts_is_the_same_publish_to_the_broker(
        flags in 0u8..16,
        topic in text(),
        packet_id in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let mut body = Vec::new();
        string(&mut body, &topic);
        if (flags >> 1) & 3 > 0 {
            body.extend_from_slice(&packet_id.to_be_bytes());
        }
        body.extend_from_slice(&payload);
        if let Ok(gate) = mp::parse_publish(flags, &body) {
            let read = broker_reads(&frame((mp::PUBLISH << 4) | flags, &body));
            let Ok(Packet::Publish(p, _)) = read else {
                return Err(TestCaseError::fail(format!(
                    "gate accepted {gate:?} but the broker read {read:?}")));
            };
            prop_assert_eq!(p.topic.to_vec(), gate.topic.into_bytes());
            prop_assert_eq!(p.retain, gate.retain);
            prop_assert_eq!(p.payload.to_vec(), body[gate.payload_offset..].to_vec());
        }
    }

    #[test]
    fn a_subscribe_the_gate_accepts_is_the_same_subscribe_to_the_broker(
        flags in 0u8..16,
        packet_id in any::<u16>(),
        filters in proptest::collection::vec((text(), any::<u8>()), 0..3),
    ) {
        let mut body = packet_id.to_be_bytes().to_vec();
        for (f, qos) in &filters {
            string(&mut body, f);
            body.push(*qos);
        }
        if let Ok(gate) = mp::parse_subscribe(flags, &body) {
            let read = broker_reads(&frame((mp::SUBSCRIBE << 4) | flags, &body));
            let Ok(Packet::Subscribe(s, _)) = read else {
                return Err(TestCaseError::fail(format!(
                    "gate accepted {gate:?} but the broker read {read:?}")));
            };
            let broker: Vec<String> = s.filters.iter().map(|f| f.path.clone()).collect();
            let gate: Vec<String> = gate.filters.into_iter().map(|(f, _)| f).collect();
            prop_assert_eq!(broker, gate);
        }
    }
}
