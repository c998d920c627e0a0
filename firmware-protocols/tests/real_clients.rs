//! Byte streams captured from real clients (mosquitto_pub / mosquitto_sub 2.0.11,
//! MQTT 3.1.1) talking to a stub broker, parsed packet by packet as the gate does.

use tingwu_protocols::mqtt_packet::{
    frame_len, parse_connect, parse_publish, parse_subscribe, FrameHeader, CONNECT, DISCONNECT,
    PUBLISH, SUBSCRIBE,
};
use tingwu_protocols::terminal::{parse_command, Action, Topics};

/// `mosquitto_pub -V mqttv311 -i T01 -u T01 -P demo-pass-T01 --will-topic
/// tingwu/v1/demo/device/T01/status --will-payload offline --will-qos 1 --will-retain
/// -q 1 -t tingwu/v1/demo/window/1/cmd -m '{"id":"c2","action":"call_next"}'`
/// (the stub's duplicate CONNACK made the client publish twice).
const PUB_STREAM: &str = "104e00044d51545404ee003c0003543031002074696e6777752f76312f64656d6f2f6465766963652f5430312f73746174757300076f66666c696e650003543031000d64656d6f2d706173732d543031323f001b74696e6777752f76312f64656d6f2f77696e646f772f312f636d6400017b226964223a226332222c22616374696f6e223a2263616c6c5f6e657874227d323f001b74696e6777752f76312f64656d6f2f77696e646f772f312f636d6400027b226964223a226332222c22616374696f6e223a2263616c6c5f6e657874227de000";

/// `mosquitto_sub -V mqttv311 -i T01 -u T01 -P demo-pass-T01 -c -q 1
/// -t tingwu/v1/demo/window/1/reply -t tingwu/v1/demo/window/1/state -E`
const SUB_STREAM: &str = "102300044d51545404c0003c00035430310003543031000d64656d6f2d706173732d54303182420001001d74696e6777752f76312f64656d6f2f77696e646f772f312f7265706c7901001d74696e6777752f76312f64656d6f2f77696e646f772f312f73746174650182420002001d74696e6777752f76312f64656d6f2f77696e646f772f312f7265706c7901001d74696e6777752f76312f64656d6f2f77696e646f772f312f737461746501e000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Splits a stream into (header, body) pairs with `frame_len`.
fn packets(stream: &[u8]) -> Vec<(FrameHeader, &[u8])> {
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let h = frame_len(rest, 4096).unwrap().unwrap();
        h.validate_flags().unwrap();
        out.push((h, &rest[h.header_len..h.total_len()]));
        rest = &rest[h.total_len()..];
    }
    out
}

#[test]
fn mosquitto_pub_stream() {
    let stream = hex(PUB_STREAM);
    let p = packets(&stream);
    let types: Vec<u8> = p.iter().map(|(h, _)| h.packet_type).collect();
    assert_eq!(types, [CONNECT, PUBLISH, PUBLISH, DISCONNECT]);

    let c = parse_connect(p[0].1).unwrap();
    assert_eq!(c.protocol_level, 4);
    assert!(c.clean_session);
    assert_eq!(c.client_id, "T01");
    assert_eq!(c.username.as_deref(), Some("T01"));
    assert_eq!(c.password.as_deref(), Some(&b"demo-pass-T01"[..]));
    let topics = Topics::new("demo");
    let will = c.will.unwrap();
    assert_eq!(will.topic, topics.device_status("T01"));
    assert_eq!(will.payload, b"offline");
    assert_eq!((will.qos, will.retain), (1, true));

    let (h, body) = p[1];
    let publish = parse_publish(h.flags, body).unwrap();
    assert_eq!(topics.parse_cmd_topic(&publish.topic), Some("1"));
    assert_eq!(publish.qos, 1);
    assert_eq!(publish.packet_id, Some(1));
    let cmd = parse_command(&body[publish.payload_offset..]).unwrap();
    assert_eq!(cmd.id, "c2");
    assert_eq!(cmd.action, Action::CallNext);
}

#[test]
fn mosquitto_sub_stream() {
    let stream = hex(SUB_STREAM);
    let p = packets(&stream);
    let types: Vec<u8> = p.iter().map(|(h, _)| h.packet_type).collect();
    assert_eq!(types, [CONNECT, SUBSCRIBE, SUBSCRIBE, DISCONNECT]);

    let c = parse_connect(p[0].1).unwrap();
    assert!(!c.clean_session);
    assert_eq!(c.will, None);
    assert_eq!(c.keep_alive, 60);

    let (h, body) = p[1];
    let s = parse_subscribe(h.flags, body).unwrap();
    assert_eq!(s.packet_id, 1);
    let topics = Topics::new("demo");
    assert_eq!(
        s.filters,
        vec![(topics.reply("1"), 1), (topics.state("1"), 1)]
    );
}
