//! Property tests: the codecs see raw device input, so they must never panic,
//! and what a well-behaved client encodes must parse back to the same values.

use proptest::prelude::*;
use tingwu_protocols::id_number::{self, check_digit};
use tingwu_protocols::mqtt_packet::{
    self, encode_remaining_length, frame_len, parse_connect, parse_publish, parse_subscribe,
    Connect, Will,
};
use tingwu_protocols::terminal::{command_id_of, parse_command, Action};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

// ---- a tiny client-side encoder, independent of the parser ----

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    encode_remaining_length(body.len(), &mut out).unwrap();
    out.extend_from_slice(body);
    out
}

fn encode_connect(c: &Connect) -> Vec<u8> {
    let mut body = Vec::new();
    if c.protocol_level == 3 {
        put_str(&mut body, b"MQIsdp");
    } else {
        put_str(&mut body, b"MQTT");
    }
    body.push(c.protocol_level);
    let mut flags = 0u8;
    if c.clean_session {
        flags |= 0x02;
    }
    if let Some(w) = &c.will {
        flags |= 0x04 | (w.qos << 3);
        if w.retain {
            flags |= 0x20;
        }
    }
    if c.password.is_some() {
        flags |= 0x40;
    }
    if c.username.is_some() {
        flags |= 0x80;
    }
    body.push(flags);
    body.extend_from_slice(&c.keep_alive.to_be_bytes());
    put_str(&mut body, c.client_id.as_bytes());
    if let Some(w) = &c.will {
        put_str(&mut body, w.topic.as_bytes());
        put_str(&mut body, &w.payload);
    }
    if let Some(u) = &c.username {
        put_str(&mut body, u.as_bytes());
    }
    if let Some(p) = &c.password {
        put_str(&mut body, p);
    }
    frame(mqtt_packet::CONNECT << 4, &body)
}

fn encode_publish(
    topic: &str,
    qos: u8,
    retain: bool,
    dup: bool,
    packet_id: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut body = Vec::new();
    put_str(&mut body, topic.as_bytes());
    if qos > 0 {
        body.extend_from_slice(&packet_id.to_be_bytes());
    }
    body.extend_from_slice(payload);
    let flags = (u8::from(dup) << 3) | (qos << 1) | u8::from(retain);
    frame((mqtt_packet::PUBLISH << 4) | flags, &body)
}

fn encode_subscribe(packet_id: u16, filters: &[(String, u8)]) -> Vec<u8> {
    let mut body = packet_id.to_be_bytes().to_vec();
    for (f, q) in filters {
        put_str(&mut body, f.as_bytes());
        body.push(*q);
    }
    frame((mqtt_packet::SUBSCRIBE << 4) | 0b0010, &body)
}

// ---- strategies ----

fn level() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_\\-]{0,8}"
}

fn topic_name() -> impl Strategy<Value = String> {
    prop::collection::vec(level(), 1..6)
        .prop_map(|levels| levels.join("/"))
        .prop_filter("non-empty", |t| !t.is_empty())
}

fn topic_filter() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop_oneof![level(), Just("+".to_string())], 1..6),
        any::<bool>(),
    )
        .prop_map(|(mut levels, hash)| {
            if hash {
                levels.push("#".into());
            }
            levels.join("/")
        })
        .prop_filter("non-empty", |t| !t.is_empty())
}

fn connect() -> impl Strategy<Value = Connect> {
    (
        prop_oneof![Just(3u8), Just(4u8)],
        any::<bool>(),
        any::<u16>(),
        "[a-zA-Z0-9]{1,23}",
        prop::option::of((
            topic_name(),
            prop::collection::vec(any::<u8>(), 0..32),
            0u8..=2,
            any::<bool>(),
        )),
        prop::option::of((
            "\\PC{0,16}",
            // Passwords are UTF-8: the broker refuses others (PasswordNotUtf8).
            prop::option::of("\\PC{0,16}".prop_map(String::into_bytes)),
        )),
    )
        .prop_map(
            |(protocol_level, clean_session, keep_alive, client_id, will, creds)| {
                let (username, password) = match creds {
                    Some((u, p)) => (Some(u), p),
                    None => (None, None),
                };
                Connect {
                    protocol_level,
                    clean_session,
                    keep_alive,
                    client_id,
                    will: will.map(|(topic, payload, qos, retain)| Will {
                        topic,
                        payload,
                        qos,
                        retain,
                    }),
                    username,
                    password,
                }
            },
        )
}

/// A valid date-bearing 17-digit prefix.
fn first17() -> impl Strategy<Value = String> {
    (
        100_000u32..=999_999,
        1900u32..=2100,
        1u32..=12,
        1u32..=28,
        0u32..=999,
    )
        .prop_map(|(region, y, m, d, seq)| format!("{region:06}{y:04}{m:02}{d:02}{seq:03}"))
}

/// Splits a framed packet into (header, body) through `frame_len`.
fn split(packet: &[u8]) -> (mqtt_packet::FrameHeader, &[u8]) {
    let header = frame_len(packet, usize::MAX).unwrap().unwrap();
    assert_eq!(header.total_len(), packet.len());
    (header, &packet[header.header_len..])
}

fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    if !bytes.is_empty() {
        for &(at, value) in edits {
            let len = bytes.len();
            bytes[at % len] = value;
        }
    }
    bytes.truncate(cut);
    bytes
}

fn parse_everything(bytes: &[u8]) {
    let _ = frame_len(bytes, 4096);
    let _ = frame_len(bytes, usize::MAX);
    let _ = parse_connect(bytes);
    for flags in 0..=0xff_u8 {
        let _ = parse_publish(flags, bytes);
    }
    let _ = parse_subscribe(0b0010, bytes);
    let _ = parse_subscribe(0, bytes);
    let _ = parse_command(bytes);
    let _ = command_id_of(bytes);
    let _ = id_number::validate(&String::from_utf8_lossy(bytes));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        parse_everything(&bytes);
    }

    #[test]
    fn random_strings_never_panic(s in "\\PC{0,40}", digits in "[0-9Xx]{0,20}") {
        let _ = id_number::validate(&s);
        let _ = id_number::validate(&digits);
        let _ = id_number::mask_name(&s);
        let _ = id_number::mask_phone(&s);
        let _ = id_number::validate_phone(&s);
        let _ = command_id_of(s.as_bytes());
        let _ = mqtt_packet::topic_matches(&s, &digits);
        let _ = mqtt_packet::topic_matches(&digits, &s);
    }

    #[test]
    fn connect_round_trips(c in connect()) {
        let packet = encode_connect(&c);
        let (header, body) = split(&packet);
        prop_assert_eq!(header.packet_type, mqtt_packet::CONNECT);
        prop_assert_eq!(header.validate_flags(), Ok(()));
        prop_assert_eq!(parse_connect(body), Ok(c));
    }

    #[test]
    fn mutated_connect_never_panics(
        c in connect(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<usize>(),
    ) {
        let packet = mutate(encode_connect(&c), &edits, cut);
        parse_everything(&packet);
        if let Ok(Some(h)) = frame_len(&packet, usize::MAX) {
            if let Some(body) = packet.get(h.header_len..h.total_len()) {
                let _ = parse_connect(body);
            }
        }
    }

    #[test]
    fn publish_round_trips(
        topic in topic_name(),
        qos in 0u8..=2,
        retain in any::<bool>(),
        dup in any::<bool>(),
        packet_id in 1u16..,
        payload in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let dup = dup && qos > 0;
        let packet = encode_publish(&topic, qos, retain, dup, packet_id, &payload);
        let (header, body) = split(&packet);
        prop_assert_eq!(header.packet_type, mqtt_packet::PUBLISH);
        let p = parse_publish(header.flags, body).unwrap();
        prop_assert_eq!(&p.topic, &topic);
        prop_assert_eq!(p.qos, qos);
        prop_assert_eq!(p.retain, retain);
        prop_assert_eq!(p.dup, dup);
        prop_assert_eq!(p.packet_id, (qos > 0).then_some(packet_id));
        prop_assert_eq!(&body[p.payload_offset..], &payload[..]);
    }

    #[test]
    fn mutated_publish_never_panics(
        topic in topic_name(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<usize>(),
    ) {
        let packet = mutate(encode_publish(&topic, 1, false, false, 9, &payload), &edits, cut);
        parse_everything(&packet);
    }

    #[test]
    fn subscribe_round_trips(
        packet_id in 1u16..,
        filters in prop::collection::vec((topic_filter(), 0u8..=2), 1..5),
    ) {
        let packet = encode_subscribe(packet_id, &filters);
        let (header, body) = split(&packet);
        prop_assert_eq!(header.validate_flags(), Ok(()));
        let s = parse_subscribe(header.flags, body).unwrap();
        prop_assert_eq!(s.packet_id, packet_id);
        prop_assert_eq!(s.filters, filters);
    }

    #[test]
    fn frame_len_on_every_prefix(
        topic in topic_name(),
        payload in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let packet = encode_publish(&topic, 0, false, false, 1, &payload);
        let full = frame_len(&packet, usize::MAX).unwrap().unwrap();
        for cut in 0..packet.len() {
            match frame_len(&packet[..cut], usize::MAX).unwrap() {
                None => prop_assert!(cut < full.header_len),
                Some(h) => prop_assert_eq!(h, full),
            }
        }
        prop_assert!(frame_len(&packet, packet.len() - 1).is_err());
    }

    #[test]
    fn a_publish_topic_matches_itself_and_hash(topic in topic_name()) {
        prop_assert!(mqtt_packet::topic_matches(&topic, &topic));
        prop_assert!(mqtt_packet::topic_matches("#", &topic));
    }

    #[test]
    fn command_json_round_trips(
        id in "[a-zA-Z0-9\\-]{1,64}",
        action in prop_oneof![
            Just(Action::Logout), Just(Action::CallNext), Just(Action::Recall),
            Just(Action::Start), Just(Action::Finish), Just(Action::Skip),
            Just(Action::Pause), Just(Action::Resume),
        ],
        reason in prop::option::of("\\PC{0,20}"),
    ) {
        let mut v = serde_json::json!({"id": id, "action": action});
        if let Some(r) = &reason {
            v["reason"] = serde_json::json!(r);
        }
        let bytes = serde_json::to_vec(&v).unwrap();
        let cmd = parse_command(&bytes).unwrap();
        prop_assert_eq!(&cmd.id, &id);
        prop_assert_eq!(cmd.action, action);
        prop_assert_eq!(cmd.reason, reason);
        prop_assert_eq!(command_id_of(&bytes), Some(id.clone()));
        // Truncated payloads still yield the id once the id string is complete.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let pattern = format!("\"id\":\"{id}\"");
        if let Some(start) = text.find(&pattern) {
            let upto = start + pattern.len();
            prop_assert_eq!(command_id_of(&bytes[..upto]), Some(id.clone()));
        }
    }

    #[test]
    fn mutated_command_never_panics(
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
    ) {
        let base = br#"{"id":"c-1","action":"login","staff":"S01","pin":"1234","reason":"x"}"#.to_vec();
        let bytes = mutate(base, &edits, cut);
        let _ = parse_command(&bytes);
        let _ = command_id_of(&bytes);
    }

    #[test]
    fn valid_id_numbers_validate(prefix in first17(), lower in any::<bool>()) {
        let check = check_digit(&prefix).unwrap();
        let mut s = format!("{prefix}{check}");
        if lower {
            s = s.to_lowercase();
        }
        let id = id_number::validate(&s).unwrap();
        prop_assert_eq!(id.as_str(), format!("{prefix}{check}"));
        prop_assert_eq!(id.masked().chars().count(), 18);
        prop_assert!(!id.masked().contains(&prefix[3..14]));
    }

    #[test]
    fn any_single_digit_change_is_caught(
        prefix in first17(),
        at in 0usize..17,
        delta in 1u8..=9,
    ) {
        let check = check_digit(&prefix).unwrap();
        let mut bytes = format!("{prefix}{check}").into_bytes();
        bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
        let s = String::from_utf8(bytes).unwrap();
        prop_assert!(id_number::validate(&s).is_err(), "{} accepted", s);
    }
}
