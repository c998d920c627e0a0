//! The subset of MQTT 3.1.1 that the server's ACL gate needs.
//!
//! The gate sits between device sockets and the embedded broker. It reads every
//! packet a client sends, authenticates `CONNECT` (client id == username ==
//! device id, password from the hall config, will topic fixed per device) and
//! checks the topics of `PUBLISH` and `SUBSCRIBE` against what that device may
//! use; everything else is forwarded untouched. So this module only *frames*
//! packets ([`frame_len`]) and *parses* the three packet kinds whose contents
//! matter for access control; it never re-encodes a client packet. The few
//! packets the gate writes itself (a refusing `CONNACK`, a `PUBACK` or
//! `SUBACK` for a denied request) have small encoders here.
//!
//! Framing and parsing are split (as in rumqtt) so a transport can read just
//! enough bytes to know a packet's length, enforce a size limit *before*
//! buffering the body, and then hand the body to the right parser.
//!
//! See `docs/mqtt-gate.md`.

use std::fmt;

/// `CONNECT`: client request to connect to the server.
pub const CONNECT: u8 = 1;
/// `CONNACK`: connect acknowledgment.
pub const CONNACK: u8 = 2;
/// `PUBLISH`: publish message.
pub const PUBLISH: u8 = 3;
/// `PUBACK`: publish acknowledgment (QoS 1).
pub const PUBACK: u8 = 4;
/// `PUBREC`: publish received (QoS 2, part 1).
pub const PUBREC: u8 = 5;
/// `PUBREL`: publish release (QoS 2, part 2).
pub const PUBREL: u8 = 6;
/// `PUBCOMP`: publish complete (QoS 2, part 3).
pub const PUBCOMP: u8 = 7;
/// `SUBSCRIBE`: client subscribe request.
pub const SUBSCRIBE: u8 = 8;
/// `SUBACK`: subscribe acknowledgment.
pub const SUBACK: u8 = 9;
/// `UNSUBSCRIBE`: client unsubscribe request.
pub const UNSUBSCRIBE: u8 = 10;
/// `UNSUBACK`: unsubscribe acknowledgment.
pub const UNSUBACK: u8 = 11;
/// `PINGREQ`: ping request.
pub const PINGREQ: u8 = 12;
/// `PINGRESP`: ping response.
pub const PINGRESP: u8 = 13;
/// `DISCONNECT`: client is disconnecting.
pub const DISCONNECT: u8 = 14;

/// `CONNACK` return code: connection accepted.
pub const CONNACK_ACCEPTED: u8 = 0x00;
/// `CONNACK` return code: unacceptable protocol version.
pub const CONNACK_UNACCEPTABLE_PROTOCOL: u8 = 0x01;
/// `CONNACK` return code: identifier rejected.
pub const CONNACK_IDENTIFIER_REJECTED: u8 = 0x02;
/// `CONNACK` return code: server unavailable.
pub const CONNACK_SERVER_UNAVAILABLE: u8 = 0x03;
/// `CONNACK` return code: bad user name or password.
pub const CONNACK_BAD_CREDENTIALS: u8 = 0x04;
/// `CONNACK` return code: not authorized.
pub const CONNACK_NOT_AUTHORIZED: u8 = 0x05;

/// `SUBACK` return code for a refused subscription.
pub const SUBACK_FAILURE: u8 = 0x80;

/// Largest value the 4-byte "remaining length" can encode (256 MiB - 1).
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;

/// Why a packet could not be framed or parsed.
///
/// Each variant names what was wrong so the gate can log and count it; only
/// [`PacketError::connack_code`] variants deserve an answer on the wire, every
/// other error means "close the connection" (MQTT 3.1.1 §4.8).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The remaining-length field has a continuation bit on its fourth byte.
    #[error("malformed remaining length (more than 4 bytes)")]
    MalformedRemainingLength,
    /// The whole packet would be larger than the configured maximum.
    #[error("packet of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge {
        /// Total packet length announced by the fixed header.
        len: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Packet type 0 or 15, which MQTT 3.1.1 reserves.
    #[error("reserved packet type {0}")]
    ReservedPacketType(u8),
    /// The fixed-header flags are not the ones MQTT 3.1.1 requires for the type.
    #[error("invalid fixed-header flags {flags:#06b} for packet type {packet_type}")]
    InvalidFlags {
        /// Packet type nibble.
        packet_type: u8,
        /// Flags nibble.
        flags: u8,
    },
    /// The body ended in the middle of a field.
    #[error("packet truncated while reading {field}")]
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// A string field is not valid UTF-8 or contains U+0000.
    #[error("{field} is not valid UTF-8")]
    InvalidUtf8 {
        /// The offending field.
        field: &'static str,
    },
    /// The CONNECT protocol name is neither "MQTT" nor "MQIsdp".
    #[error("unknown protocol name")]
    InvalidProtocolName,
    /// The CONNECT protocol level is not supported (answer CONNACK 0x01).
    #[error("unsupported protocol level {0}")]
    UnsupportedProtocol(u8),
    /// Bit 0 of the CONNECT flags is set.
    #[error("reserved CONNECT flag bit is set")]
    ReservedFlag,
    /// The password flag is set without the username flag.
    #[error("password given without a username")]
    PasswordWithoutUsername,
    /// Will QoS or will retain is set without the will flag.
    #[error("will QoS or retain set without the will flag")]
    InvalidWillFlags,
    /// A QoS of 3, or reserved bits set in a SUBSCRIBE requested QoS byte.
    #[error("invalid QoS {0}")]
    InvalidQos(u8),
    /// The password is not UTF-8. MQTT 3.1.1 allows binary passwords, but
    /// the embedded broker (rumqttd 0.20) reads them as UTF-8 and drops the
    /// connection without a CONNACK; no configured password is binary
    /// (answer CONNACK 0x04).
    #[error("password is not UTF-8")]
    PasswordNotUtf8,
    /// Empty client id with clean session 0 (answer CONNACK 0x02).
    #[error("empty client id requires clean session")]
    IdentifierRejected,
    /// A packet identifier of 0.
    #[error("packet identifier must not be 0")]
    ZeroPacketId,
    /// A topic name that is empty or contains `+` or `#`.
    #[error("invalid topic name")]
    InvalidTopicName,
    /// A topic filter that is empty or uses `+` / `#` other than as a whole level.
    #[error("invalid topic filter")]
    InvalidTopicFilter,
    /// A SUBSCRIBE without any topic filter.
    #[error("SUBSCRIBE carries no topic filter")]
    NoFilters,
    /// Bytes left over after the last field.
    #[error("{extra} trailing bytes after the last field")]
    TrailingBytes {
        /// How many bytes were left.
        extra: usize,
    },
}

impl PacketError {
    /// The CONNACK return code the gate should answer with before closing, if
    /// MQTT 3.1.1 asks for one (§3.1.2.2 and §3.1.3.1); `None` means close
    /// the connection without a reply.
    pub fn connack_code(&self) -> Option<u8> {
        match self {
            PacketError::UnsupportedProtocol(_) => Some(CONNACK_UNACCEPTABLE_PROTOCOL),
            PacketError::IdentifierRejected => Some(CONNACK_IDENTIFIER_REJECTED),
            PacketError::PasswordNotUtf8 => Some(CONNACK_BAD_CREDENTIALS),
            _ => None,
        }
    }
}

/// The fixed header at the start of every MQTT packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Packet type, the high nibble of the first byte (see the constants).
    pub packet_type: u8,
    /// Flags, the low nibble of the first byte.
    pub flags: u8,
    /// Bytes taken by the fixed header itself (2..=5).
    pub header_len: usize,
    /// Bytes of the packet after the fixed header.
    pub remaining_len: usize,
}

impl FrameHeader {
    /// Total length of the packet, fixed header included.
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.remaining_len)
    }

    /// Checks the type and flags nibbles against MQTT 3.1.1 §2.2: types 0 and
    /// 15 are reserved; PUBREL, SUBSCRIBE and UNSUBSCRIBE must carry 0b0010;
    /// PUBLISH flags are checked by [`parse_publish`]; all others must be 0.
    pub fn validate_flags(&self) -> Result<(), PacketError> {
        let required = match self.packet_type {
            PUBLISH => return Ok(()),
            PUBREL | SUBSCRIBE | UNSUBSCRIBE => 0b0010,
            CONNECT..=DISCONNECT => 0,
            other => return Err(PacketError::ReservedPacketType(other)),
        };
        if self.flags == required {
            Ok(())
        } else {
            Err(PacketError::InvalidFlags {
                packet_type: self.packet_type,
                flags: self.flags,
            })
        }
    }
}

/// Parses the fixed header at the start of `buf`.
///
/// Returns `Ok(None)` while more bytes are needed to know the length, so a
/// reader can call it after every read. The size check happens as soon as the
/// length is known, before the body has arrived, so an oversized packet is
/// refused without buffering it. The body is `buf[header_len..total_len()]`
/// once `buf.len() >= total_len()`.
pub fn frame_len(buf: &[u8], max_packet: usize) -> Result<Option<FrameHeader>, PacketError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let mut remaining_len: usize = 0;
    let mut shift: u32 = 0;
    for index in 1..=4usize {
        let Some(&byte) = buf.get(index) else {
            return Ok(None);
        };
        remaining_len |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let header = FrameHeader {
                packet_type: first >> 4,
                flags: first & 0x0f,
                header_len: index + 1,
                remaining_len,
            };
            let len = header.total_len();
            if len > max_packet {
                return Err(PacketError::TooLarge {
                    len,
                    max: max_packet,
                });
            }
            return Ok(Some(header));
        }
        shift += 7;
    }
    Err(PacketError::MalformedRemainingLength)
}

/// Appends the variable-length encoding of `len` to `out`.
///
/// Fails with [`PacketError::TooLarge`] above [`MAX_REMAINING_LENGTH`].
pub fn encode_remaining_length(len: usize, out: &mut Vec<u8>) -> Result<(), PacketError> {
    if len > MAX_REMAINING_LENGTH {
        return Err(PacketError::TooLarge {
            len,
            max: MAX_REMAINING_LENGTH,
        });
    }
    let mut value = len;
    loop {
        // `value % 128` always fits in a u8.
        let mut byte = (value % 128) as u8;
        value /= 128;
        if value > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if value == 0 {
            return Ok(());
        }
    }
}

/// A will message from CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    /// Will topic (the gate requires `tingwu/v1/{hall}/device/{id}/status`).
    pub topic: String,
    /// Will payload (binary in MQTT; terminals send "offline").
    pub payload: Vec<u8>,
    /// Will QoS, 0..=2.
    pub qos: u8,
    /// Will retain flag.
    pub retain: bool,
}

/// A parsed CONNECT packet.
///
/// `Debug` redacts the password so a connect can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct Connect {
    /// 4 for "MQTT" (3.1.1), 3 for "MQIsdp" (3.1).
    pub protocol_level: u8,
    /// Clean-session flag.
    pub clean_session: bool,
    /// Keep-alive in seconds (0 = none).
    pub keep_alive: u16,
    /// Client identifier (may be empty only with clean session).
    pub client_id: String,
    /// Will message, if the will flag is set.
    pub will: Option<Will>,
    /// User name, if the user-name flag is set.
    pub username: Option<String>,
    /// Password, if the password flag is set.
    pub password: Option<Vec<u8>>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("protocol_level", &self.protocol_level)
            .field("clean_session", &self.clean_session)
            .field("keep_alive", &self.keep_alive)
            .field("client_id", &self.client_id)
            .field("will", &self.will)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A parsed PUBLISH packet header; the payload stays in the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// Topic name (no wildcards).
    pub topic: String,
    /// QoS, 0..=2.
    pub qos: u8,
    /// Retain flag.
    pub retain: bool,
    /// Duplicate-delivery flag (only with QoS > 0).
    pub dup: bool,
    /// Packet identifier, present iff QoS > 0 (never 0).
    pub packet_id: Option<u16>,
    /// Offset of the application payload within the body given to [`parse_publish`].
    pub payload_offset: usize,
}

/// A parsed SUBSCRIBE packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscribe {
    /// Packet identifier (never 0).
    pub packet_id: u16,
    /// Topic filters with their requested QoS (0..=2), in packet order.
    pub filters: Vec<(String, u8)>,
}

/// A cursor over a packet body; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, PacketError> {
        let byte = *self
            .buf
            .get(self.pos)
            .ok_or(PacketError::Truncated { field })?;
        self.pos += 1;
        Ok(byte)
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, PacketError> {
        let hi = self.u8(field)?;
        let lo = self.u8(field)?;
        Ok(u16::from_be_bytes([hi, lo]))
    }

    /// A length-prefixed binary field (MQTT 3.1.1 §1.5.3 without the UTF-8 rule).
    fn binary(&mut self, field: &'static str) -> Result<&'a [u8], PacketError> {
        let len = usize::from(self.u16(field)?);
        let end = self
            .pos
            .checked_add(len)
            .ok_or(PacketError::Truncated { field })?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or(PacketError::Truncated { field })?;
        self.pos = end;
        Ok(bytes)
    }

    /// A length-prefixed UTF-8 string; U+0000 is refused (§1.5.3).
    fn string(&mut self, field: &'static str) -> Result<&'a str, PacketError> {
        let bytes = self.binary(field)?;
        let text = std::str::from_utf8(bytes).map_err(|_| PacketError::InvalidUtf8 { field })?;
        if text.contains('\0') {
            return Err(PacketError::InvalidUtf8 { field });
        }
        Ok(text)
    }

    fn packet_id(&mut self) -> Result<u16, PacketError> {
        match self.u16("packet identifier")? {
            0 => Err(PacketError::ZeroPacketId),
            id => Ok(id),
        }
    }

    fn finish(&self) -> Result<(), PacketError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(PacketError::TrailingBytes { extra }),
        }
    }
}

/// Parses a CONNECT body (the bytes after the fixed header).
///
/// Accepts "MQTT" level 4 and "MQIsdp" level 3; any other level of a known
/// protocol name is [`PacketError::UnsupportedProtocol`] (answer CONNACK
/// 0x01). Refuses the reserved flag bit, will QoS/retain without a will, will
/// QoS 3, a password without a username, invalid UTF-8, truncated fields and
/// trailing bytes. Credentials are *not* checked here; that is the gate's job.
pub fn parse_connect(body: &[u8]) -> Result<Connect, PacketError> {
    let mut r = Reader::new(body);
    let name = r.string("protocol name")?;
    let protocol_level = r.u8("protocol level")?;
    match (name, protocol_level) {
        ("MQTT", 4) | ("MQIsdp", 3) => {}
        ("MQTT", level) | ("MQIsdp", level) => return Err(PacketError::UnsupportedProtocol(level)),
        _ => return Err(PacketError::InvalidProtocolName),
    }
    let flags = r.u8("connect flags")?;
    if flags & 0x01 != 0 {
        return Err(PacketError::ReservedFlag);
    }
    let clean_session = flags & 0x02 != 0;
    let will_flag = flags & 0x04 != 0;
    let will_qos = (flags >> 3) & 0x03;
    let will_retain = flags & 0x20 != 0;
    let password_flag = flags & 0x40 != 0;
    let username_flag = flags & 0x80 != 0;
    if !will_flag && (will_qos != 0 || will_retain) {
        return Err(PacketError::InvalidWillFlags);
    }
    if will_qos > 2 {
        return Err(PacketError::InvalidQos(will_qos));
    }
    if password_flag && !username_flag {
        return Err(PacketError::PasswordWithoutUsername);
    }
    let keep_alive = r.u16("keep alive")?;
    let client_id = r.string("client id")?;
    if client_id.is_empty() && !clean_session {
        return Err(PacketError::IdentifierRejected);
    }
    let will = if will_flag {
        let topic = r.string("will topic")?;
        if !valid_topic_name(topic) {
            return Err(PacketError::InvalidTopicName);
        }
        let payload = r.binary("will payload")?;
        Some(Will {
            topic: topic.to_owned(),
            payload: payload.to_vec(),
            qos: will_qos,
            retain: will_retain,
        })
    } else {
        None
    };
    let username = if username_flag {
        Some(r.string("user name")?.to_owned())
    } else {
        None
    };
    let password = if password_flag {
        let p = r.binary("password")?;
        if std::str::from_utf8(p).is_err() {
            return Err(PacketError::PasswordNotUtf8);
        }
        Some(p.to_vec())
    } else {
        None
    };
    r.finish()?;
    Ok(Connect {
        protocol_level,
        clean_session,
        keep_alive,
        client_id: client_id.to_owned(),
        will,
        username,
        password,
    })
}

/// Parses a PUBLISH body given the fixed-header `flags` nibble.
///
/// Refuses QoS 3, DUP with QoS 0, a missing or zero packet id for QoS > 0,
/// and a topic that is empty, not UTF-8 or contains a wildcard. The payload
/// is `body[payload_offset..]` and may be empty.
pub fn parse_publish(flags: u8, body: &[u8]) -> Result<Publish, PacketError> {
    let qos = (flags >> 1) & 0x03;
    let dup = flags & 0x08 != 0;
    let retain = flags & 0x01 != 0;
    if qos > 2 {
        return Err(PacketError::InvalidQos(qos));
    }
    if flags > 0x0f || (dup && qos == 0) {
        return Err(PacketError::InvalidFlags {
            packet_type: PUBLISH,
            flags,
        });
    }
    let mut r = Reader::new(body);
    let topic = r.string("topic name")?;
    if !valid_topic_name(topic) {
        return Err(PacketError::InvalidTopicName);
    }
    let packet_id = if qos > 0 { Some(r.packet_id()?) } else { None };
    Ok(Publish {
        topic: topic.to_owned(),
        qos,
        retain,
        dup,
        packet_id,
        payload_offset: r.pos,
    })
}

/// Parses a SUBSCRIBE body given the fixed-header `flags` nibble.
///
/// Flags must be 0b0010, the packet id non-zero, and there must be at least
/// one filter; each filter must be a valid topic filter and each requested
/// QoS byte 0..=2 with its reserved bits clear.
pub fn parse_subscribe(flags: u8, body: &[u8]) -> Result<Subscribe, PacketError> {
    if flags != 0b0010 {
        return Err(PacketError::InvalidFlags {
            packet_type: SUBSCRIBE,
            flags,
        });
    }
    let mut r = Reader::new(body);
    let packet_id = r.packet_id()?;
    let mut filters = Vec::new();
    while r.remaining() > 0 {
        let filter = r.string("topic filter")?;
        if !valid_topic_filter(filter) {
            return Err(PacketError::InvalidTopicFilter);
        }
        let qos = r.u8("requested QoS")?;
        if qos > 2 {
            return Err(PacketError::InvalidQos(qos));
        }
        filters.push((filter.to_owned(), qos));
    }
    if filters.is_empty() {
        return Err(PacketError::NoFilters);
    }
    Ok(Subscribe { packet_id, filters })
}

/// Encodes a CONNACK (MQTT 3.1.1 §3.2).
pub fn connack(session_present: bool, return_code: u8) -> [u8; 4] {
    [CONNACK << 4, 0x02, u8::from(session_present), return_code]
}

/// Encodes a PUBACK (§3.4); the gate sends one for a refused QoS 1 publish so
/// the client does not redeliver forever.
pub fn puback(packet_id: u16) -> [u8; 4] {
    let [hi, lo] = packet_id.to_be_bytes();
    [PUBACK << 4, 0x02, hi, lo]
}

/// Encodes a SUBACK (§3.9) with one return code per filter (0..=2 granted
/// QoS, or [`SUBACK_FAILURE`]).
///
/// A SUBACK cannot be longer than [`MAX_REMAINING_LENGTH`]; codes beyond
/// that (impossible for a real SUBSCRIBE) are dropped rather than panicking.
pub fn suback(packet_id: u16, return_codes: &[u8]) -> Vec<u8> {
    let max_codes = MAX_REMAINING_LENGTH - 2;
    let codes = return_codes.get(..max_codes).unwrap_or(return_codes);
    let mut out = Vec::with_capacity(codes.len() + 6);
    out.push(SUBACK << 4);
    // Cannot fail: codes.len() + 2 <= MAX_REMAINING_LENGTH.
    let _ = encode_remaining_length(codes.len() + 2, &mut out);
    out.extend_from_slice(&packet_id.to_be_bytes());
    out.extend_from_slice(codes);
    out
}

/// The CONNECT packet to forward to a broker that speaks only MQTT 3.1.1
/// (rumqttd 0.20 refuses any other protocol name or level and drops the
/// connection without a CONNACK).
///
/// `body` is a CONNECT body that [`parse_connect`] accepted. A 3.1 CONNECT
/// (`MQIsdp`, level 3) becomes the same packet with the protocol name `MQTT`
/// and level 4: every field after the level (flags, keep alive, client id,
/// will, user name, password) has the same encoding in both versions
/// (MQTT 3.1.1 §3.1, "Non normative comment" on 3.1). A 3.1.1 CONNECT is
/// returned re-framed but otherwise unchanged.
///
/// # Errors
/// [`PacketError::Truncated`] if `body` is shorter than its protocol name
/// and level; the length error of [`encode_remaining_length`] cannot occur
/// for a body that was framed (the new body is never longer).
pub fn connect_for_broker(body: &[u8]) -> Result<Vec<u8>, PacketError> {
    let mut r = Reader::new(body);
    r.string("protocol name")?;
    r.u8("protocol level")?;
    let rest = body.get(r.pos..).unwrap_or_default();
    let mut out = Vec::with_capacity(rest.len() + 12);
    out.push(CONNECT << 4);
    encode_remaining_length(7 + rest.len(), &mut out)?;
    out.extend_from_slice(&[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04]);
    out.extend_from_slice(rest);
    Ok(out)
}

/// Encodes a SUBSCRIBE (§3.8) of `(filter, requested QoS)` pairs; the gate
/// sends one before [`unsubscribe`] to renew a resumed session's
/// subscription.
///
/// # Errors
/// [`PacketError`] from [`encode_remaining_length`] if the filters exceed
/// [`MAX_REMAINING_LENGTH`], [`PacketError::InvalidTopicFilter`] for a filter
/// longer than 65535 bytes.
pub fn subscribe(packet_id: u16, filters: &[(&str, u8)]) -> Result<Vec<u8>, PacketError> {
    let len = 2 + filters.iter().map(|(f, _)| 3 + f.len()).sum::<usize>();
    let mut out = Vec::with_capacity(len + 5);
    out.push((SUBSCRIBE << 4) | 0b0010);
    encode_remaining_length(len, &mut out)?;
    out.extend_from_slice(&packet_id.to_be_bytes());
    for (f, qos) in filters {
        let n = u16::try_from(f.len()).map_err(|_| PacketError::InvalidTopicFilter)?;
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(f.as_bytes());
        out.push(*qos);
    }
    Ok(out)
}

/// Encodes an UNSUBSCRIBE (§3.10) of `filters`. The gate sends one to the
/// broker before a persistent session's SUBSCRIBE, so that the broker treats
/// the subscription as new and sends the retained messages (§3.3.1.3).
///
/// # Errors
/// [`PacketError`] from [`encode_remaining_length`] if the filters exceed
/// [`MAX_REMAINING_LENGTH`].
pub fn unsubscribe(packet_id: u16, filters: &[&str]) -> Result<Vec<u8>, PacketError> {
    let len = 2 + filters.iter().map(|f| 2 + f.len()).sum::<usize>();
    let mut out = Vec::with_capacity(len + 5);
    out.push((UNSUBSCRIBE << 4) | 0b0010);
    encode_remaining_length(len, &mut out)?;
    out.extend_from_slice(&packet_id.to_be_bytes());
    for f in filters {
        let n = u16::try_from(f.len()).map_err(|_| PacketError::InvalidTopicFilter)?;
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    Ok(out)
}

/// The packet id of an UNSUBACK body (§3.11), or of the first two bytes of
/// a SUBACK body, if it has one.
pub fn unsuback_packet_id(body: &[u8]) -> Option<u16> {
    match body {
        [hi, lo] => Some(u16::from_be_bytes([*hi, *lo])),
        _ => None,
    }
}

/// Whether `topic` is a valid topic name to publish to: non-empty, no `+` or
/// `#`, no U+0000, at most 65535 bytes.
pub fn valid_topic_name(topic: &str) -> bool {
    !topic.is_empty() && topic.len() <= usize::from(u16::MAX) && !topic.contains(['+', '#', '\0'])
}

/// Whether `filter` is a valid topic filter: non-empty, `+` only as a whole
/// level, `#` only as the whole last level, no U+0000.
pub fn valid_topic_filter(filter: &str) -> bool {
    if filter.is_empty() || filter.len() > usize::from(u16::MAX) || filter.contains('\0') {
        return false;
    }
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let is_last = levels.peek().is_none();
        match level {
            "+" => {}
            "#" if is_last => {}
            _ if level.contains(['+', '#']) => return false,
            _ => {}
        }
    }
    true
}

/// Whether a topic name matches a topic filter (MQTT 3.1.1 §4.7).
///
/// `+` matches exactly one level (possibly empty), `#` matches the parent
/// level and any number of child levels. Topics starting with `$` are not
/// matched by a filter starting with a wildcard. An invalid filter or topic
/// never matches, so a malformed ACL entry denies rather than allows.
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    if !valid_topic_filter(filter) || !valid_topic_name(topic) {
        return false;
    }
    if topic.starts_with('$') && filter.starts_with(['+', '#']) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_3_1_connect_is_forwarded_as_3_1_1_with_the_same_fields() {
        // Issue 8 item 2 (kind: gate and broker accept different CONNECTs).
        let mut body = vec![0x00, 0x06];
        body.extend_from_slice(b"MQIsdp");
        body.extend_from_slice(&[0x03, 0xc2, 0x00, 0x1e, 0x00, 0x03]);
        body.extend_from_slice(b"T01");
        body.extend_from_slice(&[0x00, 0x03]);
        body.extend_from_slice(b"T01");
        body.extend_from_slice(&[0x00, 0x02]);
        body.extend_from_slice(b"pw");
        let v31 = super::parse_connect(&body).expect("3.1 CONNECT");
        let packet = super::connect_for_broker(&body).expect("translated");
        let header = super::frame_len(&packet, 1024)
            .expect("framed")
            .expect("whole");
        assert_eq!(header.total_len(), packet.len());
        let translated = &packet[header.header_len..];
        assert_eq!(&translated[..7], b"\x00\x04MQTT\x04");
        let v311 = super::parse_connect(translated).expect("3.1.1 CONNECT");
        assert_eq!(v311.protocol_level, 4);
        assert_eq!(v311.client_id, v31.client_id);
        assert_eq!(v311.username, v31.username);
        assert_eq!(v311.password, v31.password);
        assert_eq!(v311.keep_alive, v31.keep_alive);
        assert_eq!(v311.clean_session, v31.clean_session);
    }

    #[test]
    fn unsubscribe_frames_its_filters() {
        let p = super::unsubscribe(7, &["a/b", "c/#"]).expect("encoded");
        assert_eq!(p, b"\xa2\x0c\x00\x07\x00\x03a/b\x00\x03c/#".to_vec());
        assert_eq!(super::unsuback_packet_id(&[0x00, 0x07]), Some(7));
        assert_eq!(super::unsuback_packet_id(&[0x00]), None);
        let p = super::subscribe(7, &[("a/b", 1)]).expect("encoded");
        let s = super::parse_subscribe(p[0] & 0x0f, &p[2..]).expect("parsed");
        assert_eq!((s.packet_id, s.filters), (7, vec![("a/b".to_string(), 1)]));
    }

    use super::*;

    fn string(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s);
    }

    /// CONNECT body: MQTT 3.1.1, clean session, keep alive 60, username,
    /// password, will on the device status topic.
    fn connect_body() -> Vec<u8> {
        let mut b = Vec::new();
        string(&mut b, b"MQTT");
        b.push(4);
        b.push(0x80 | 0x40 | 0x20 | 0x08 | 0x04 | 0x02);
        b.extend_from_slice(&60u16.to_be_bytes());
        string(&mut b, b"T01");
        string(&mut b, b"tingwu/v1/demo/device/T01/status");
        string(&mut b, b"offline");
        string(&mut b, b"T01");
        string(&mut b, b"demo-pass-T01");
        b
    }

    fn minimal_connect(name: &[u8], level: u8, flags: u8, client_id: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        string(&mut b, name);
        b.push(level);
        b.push(flags);
        b.extend_from_slice(&0u16.to_be_bytes());
        string(&mut b, client_id);
        b
    }

    #[test]
    fn frame_len_needs_more_bytes() {
        assert_eq!(frame_len(&[], 100), Ok(None));
        assert_eq!(frame_len(&[0x10], 100), Ok(None));
        assert_eq!(frame_len(&[0x10, 0x80], 100), Ok(None));
        assert_eq!(frame_len(&[0x10, 0xff, 0xff, 0xff], 1 << 30), Ok(None));
    }

    #[test]
    fn frame_len_parses_lengths() {
        let h = frame_len(&[0x32, 0x00], 100).unwrap().unwrap();
        assert_eq!(
            h,
            FrameHeader {
                packet_type: PUBLISH,
                flags: 2,
                header_len: 2,
                remaining_len: 0
            }
        );
        assert_eq!(h.total_len(), 2);
        let h = frame_len(&[0x10, 0xc1, 0x02], 1000).unwrap().unwrap();
        assert_eq!(h.remaining_len, 321);
        assert_eq!(h.header_len, 3);
        assert_eq!(h.total_len(), 324);
        let h = frame_len(&[0x10, 0xff, 0xff, 0xff, 0x7f], usize::MAX)
            .unwrap()
            .unwrap();
        assert_eq!(h.remaining_len, MAX_REMAINING_LENGTH);
        assert_eq!(h.header_len, 5);
    }

    #[test]
    fn frame_len_errors() {
        assert_eq!(
            frame_len(&[0x10, 0xff, 0xff, 0xff, 0xff], usize::MAX),
            Err(PacketError::MalformedRemainingLength)
        );
        assert_eq!(
            frame_len(&[0x10, 0xc1, 0x02], 323),
            Err(PacketError::TooLarge { len: 324, max: 323 })
        );
        // Exactly at the limit is fine.
        assert!(frame_len(&[0x10, 0xc1, 0x02], 324).unwrap().is_some());
    }

    #[test]
    fn remaining_length_round_trips() {
        for len in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            MAX_REMAINING_LENGTH,
        ] {
            let mut buf = vec![0x30];
            encode_remaining_length(len, &mut buf).unwrap();
            let h = frame_len(&buf, usize::MAX).unwrap().unwrap();
            assert_eq!(h.remaining_len, len);
            assert_eq!(h.header_len, buf.len());
        }
        let mut buf = Vec::new();
        assert!(matches!(
            encode_remaining_length(MAX_REMAINING_LENGTH + 1, &mut buf),
            Err(PacketError::TooLarge { .. })
        ));
    }

    #[test]
    fn validate_flags_per_type() {
        let h = |packet_type, flags| FrameHeader {
            packet_type,
            flags,
            header_len: 2,
            remaining_len: 0,
        };
        assert_eq!(h(CONNECT, 0).validate_flags(), Ok(()));
        assert_eq!(h(SUBSCRIBE, 2).validate_flags(), Ok(()));
        assert_eq!(h(PUBLISH, 0x0b).validate_flags(), Ok(()));
        assert_eq!(
            h(SUBSCRIBE, 0).validate_flags(),
            Err(PacketError::InvalidFlags {
                packet_type: SUBSCRIBE,
                flags: 0
            })
        );
        assert_eq!(
            h(0, 0).validate_flags(),
            Err(PacketError::ReservedPacketType(0))
        );
        assert_eq!(
            h(15, 0).validate_flags(),
            Err(PacketError::ReservedPacketType(15))
        );
    }

    #[test]
    fn connect_happy_path() {
        let c = parse_connect(&connect_body()).unwrap();
        assert_eq!(c.protocol_level, 4);
        assert!(c.clean_session);
        assert_eq!(c.keep_alive, 60);
        assert_eq!(c.client_id, "T01");
        assert_eq!(
            c.will,
            Some(Will {
                topic: "tingwu/v1/demo/device/T01/status".into(),
                payload: b"offline".to_vec(),
                qos: 1,
                retain: true,
            })
        );
        assert_eq!(c.username.as_deref(), Some("T01"));
        assert_eq!(c.password.as_deref(), Some(&b"demo-pass-T01"[..]));
        let debug = format!("{c:?}");
        assert!(!debug.contains("demo-pass"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn connect_minimal_and_mqisdp() {
        let c = parse_connect(&minimal_connect(b"MQTT", 4, 0x00, b"x")).unwrap();
        assert!(!c.clean_session);
        assert_eq!(c.will, None);
        assert_eq!(c.username, None);
        assert_eq!(c.password, None);
        let c = parse_connect(&minimal_connect(b"MQIsdp", 3, 0x02, b"x")).unwrap();
        assert_eq!(c.protocol_level, 3);
        // Empty client id with clean session is allowed.
        let c = parse_connect(&minimal_connect(b"MQTT", 4, 0x02, b"")).unwrap();
        assert_eq!(c.client_id, "");
        // Username without password is allowed.
        let mut b = minimal_connect(b"MQTT", 4, 0x82, b"T01");
        string(&mut b, b"T01");
        let c = parse_connect(&b).unwrap();
        assert_eq!(c.username.as_deref(), Some("T01"));
        assert_eq!(c.password, None);
    }

    #[test]
    fn connect_errors() {
        let e = parse_connect(&minimal_connect(b"MQTT", 5, 0x02, b"x")).unwrap_err();
        assert_eq!(e, PacketError::UnsupportedProtocol(5));
        assert_eq!(e.connack_code(), Some(CONNACK_UNACCEPTABLE_PROTOCOL));
        assert_eq!(
            parse_connect(&minimal_connect(b"MQIsdp", 4, 0x02, b"x")),
            Err(PacketError::UnsupportedProtocol(4))
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"HTTP", 4, 0x02, b"x")),
            Err(PacketError::InvalidProtocolName)
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x03, b"x")),
            Err(PacketError::ReservedFlag)
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x42, b"x")),
            Err(PacketError::PasswordWithoutUsername)
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x22, b"x")),
            Err(PacketError::InvalidWillFlags)
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x0a, b"x")),
            Err(PacketError::InvalidWillFlags)
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x1e, b"x")),
            Err(PacketError::InvalidQos(3))
        );
        let e = parse_connect(&minimal_connect(b"MQTT", 4, 0x00, b"")).unwrap_err();
        assert_eq!(e, PacketError::IdentifierRejected);
        assert_eq!(e.connack_code(), Some(CONNACK_IDENTIFIER_REJECTED));
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x02, b"\xff\xfe")),
            Err(PacketError::InvalidUtf8 { field: "client id" })
        );
        assert_eq!(
            parse_connect(&minimal_connect(b"MQTT", 4, 0x02, b"a\0b")),
            Err(PacketError::InvalidUtf8 { field: "client id" })
        );
        // Will topic with a wildcard.
        let mut b = minimal_connect(b"MQTT", 4, 0x06, b"x");
        string(&mut b, b"a/#");
        string(&mut b, b"offline");
        assert_eq!(parse_connect(&b), Err(PacketError::InvalidTopicName));
        // Trailing garbage.
        let mut b = connect_body();
        b.push(0);
        assert_eq!(
            parse_connect(&b),
            Err(PacketError::TrailingBytes { extra: 1 })
        );
        // Every truncation is an error, never a panic.
        let full = connect_body();
        for cut in 0..full.len() {
            assert!(
                matches!(
                    parse_connect(&full[..cut]),
                    Err(PacketError::Truncated { .. })
                ),
                "cut at {cut}"
            );
        }
        assert_eq!(PacketError::ReservedFlag.connack_code(), None);
    }

    fn publish_body(topic: &[u8], packet_id: Option<u16>, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        string(&mut b, topic);
        if let Some(id) = packet_id {
            b.extend_from_slice(&id.to_be_bytes());
        }
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn publish_happy_paths() {
        let body = publish_body(b"tingwu/v1/demo/window/1/cmd", Some(7), b"{\"id\":\"a\"}");
        let p = parse_publish(0b0011, &body).unwrap();
        assert_eq!(p.topic, "tingwu/v1/demo/window/1/cmd");
        assert_eq!(p.qos, 1);
        assert!(p.retain);
        assert!(!p.dup);
        assert_eq!(p.packet_id, Some(7));
        assert_eq!(&body[p.payload_offset..], b"{\"id\":\"a\"}");

        let body = publish_body(b"a/b", None, b"");
        let p = parse_publish(0, &body).unwrap();
        assert_eq!(p.qos, 0);
        assert_eq!(p.packet_id, None);
        assert_eq!(p.payload_offset, body.len());

        let p = parse_publish(0b1100, &publish_body(b"a", Some(1), b"x")).unwrap();
        assert!(p.dup);
        assert_eq!(p.qos, 2);
    }

    #[test]
    fn publish_errors() {
        let body = publish_body(b"a", Some(1), b"");
        assert_eq!(
            parse_publish(0b0110, &body),
            Err(PacketError::InvalidQos(3))
        );
        assert_eq!(
            parse_publish(0b1000, &body),
            Err(PacketError::InvalidFlags {
                packet_type: PUBLISH,
                flags: 0b1000
            })
        );
        assert_eq!(
            parse_publish(0x12, &body),
            Err(PacketError::InvalidFlags {
                packet_type: PUBLISH,
                flags: 0x12
            })
        );
        for topic in [&b"a/+"[..], b"#", b""] {
            assert_eq!(
                parse_publish(0, &publish_body(topic, None, b"")),
                Err(PacketError::InvalidTopicName),
                "{topic:?}"
            );
        }
        assert_eq!(
            parse_publish(0b0010, &publish_body(b"a", Some(0), b"")),
            Err(PacketError::ZeroPacketId)
        );
        assert_eq!(
            parse_publish(0b0010, &publish_body(b"a", None, b"")),
            Err(PacketError::Truncated {
                field: "packet identifier"
            })
        );
        assert_eq!(
            parse_publish(0, &[0x00]),
            Err(PacketError::Truncated {
                field: "topic name"
            })
        );
        assert_eq!(
            parse_publish(0, &[0x00, 0x02, 0xc3, 0x28]),
            Err(PacketError::InvalidUtf8 {
                field: "topic name"
            })
        );
    }

    fn subscribe_body(packet_id: u16, filters: &[(&[u8], u8)]) -> Vec<u8> {
        let mut b = packet_id.to_be_bytes().to_vec();
        for (f, q) in filters {
            string(&mut b, f);
            b.push(*q);
        }
        b
    }

    #[test]
    fn subscribe_happy_path() {
        let body = subscribe_body(
            10,
            &[
                (b"tingwu/v1/demo/window/1/state", 1),
                (b"tingwu/v1/demo/window/1/reply", 0),
            ],
        );
        let s = parse_subscribe(0b0010, &body).unwrap();
        assert_eq!(s.packet_id, 10);
        assert_eq!(
            s.filters,
            vec![
                ("tingwu/v1/demo/window/1/state".to_string(), 1),
                ("tingwu/v1/demo/window/1/reply".to_string(), 0)
            ]
        );
    }

    #[test]
    fn subscribe_errors() {
        let body = subscribe_body(1, &[(b"a", 0)]);
        assert_eq!(
            parse_subscribe(0, &body),
            Err(PacketError::InvalidFlags {
                packet_type: SUBSCRIBE,
                flags: 0
            })
        );
        assert_eq!(
            parse_subscribe(2, &subscribe_body(1, &[])),
            Err(PacketError::NoFilters)
        );
        assert_eq!(
            parse_subscribe(2, &subscribe_body(0, &[(b"a", 0)])),
            Err(PacketError::ZeroPacketId)
        );
        assert_eq!(
            parse_subscribe(2, &subscribe_body(1, &[(b"a", 3)])),
            Err(PacketError::InvalidQos(3))
        );
        assert_eq!(
            parse_subscribe(2, &subscribe_body(1, &[(b"a", 0x41)])),
            Err(PacketError::InvalidQos(0x41))
        );
        for filter in [&b"a/#/b"[..], b"a+", b"", b"#a"] {
            assert_eq!(
                parse_subscribe(2, &subscribe_body(1, &[(filter, 0)])),
                Err(PacketError::InvalidTopicFilter),
                "{filter:?}"
            );
        }
        // Filter without its QoS byte.
        let mut body = subscribe_body(1, &[(b"a", 0)]);
        body.pop();
        assert_eq!(
            parse_subscribe(2, &body),
            Err(PacketError::Truncated {
                field: "requested QoS"
            })
        );
        assert_eq!(
            parse_subscribe(2, &[0x00]),
            Err(PacketError::Truncated {
                field: "packet identifier"
            })
        );
    }

    #[test]
    fn encoders() {
        assert_eq!(connack(false, 0), [0x20, 0x02, 0x00, 0x00]);
        assert_eq!(
            connack(true, CONNACK_BAD_CREDENTIALS),
            [0x20, 0x02, 0x01, 0x04]
        );
        assert_eq!(puback(0x1234), [0x40, 0x02, 0x12, 0x34]);
        assert_eq!(
            suback(5, &[0, 1, SUBACK_FAILURE]),
            vec![0x90, 0x05, 0x00, 0x05, 0x00, 0x01, 0x80]
        );
        let big = suback(1, &[0u8; 200]);
        let h = frame_len(&big, usize::MAX).unwrap().unwrap();
        assert_eq!(h.packet_type, SUBACK);
        assert_eq!(h.remaining_len, 202);
        assert_eq!(h.total_len(), big.len());
    }

    #[test]
    fn topic_matching() {
        let yes = [
            ("a/b", "a/b"),
            ("a/+", "a/b"),
            ("a/+/c", "a/b/c"),
            ("a/#", "a"),
            ("a/#", "a/b/c"),
            ("#", "a/b"),
            ("+/+", "/a"),
            ("a/+", "a/"),
            (
                "tingwu/v1/demo/window/+/cmd",
                "tingwu/v1/demo/window/12/cmd",
            ),
            ("$SYS/#", "$SYS/x"),
        ];
        for (f, t) in yes {
            assert!(topic_matches(f, t), "{f} should match {t}");
        }
        let no = [
            ("a/b", "a/c"),
            ("a/+", "a/b/c"),
            ("a/+", "a"),
            ("a/b", "a/b/c"),
            ("a/b/c", "a/b"),
            ("#", "$SYS/x"),
            ("+/x", "$SYS/x"),
            ("a/#/b", "a/x/b"),
            ("a+", "a+"),
            ("a/b", "a/+"),
            ("", ""),
            (
                "tingwu/v1/demo/window/+/cmd",
                "tingwu/v1/demo/window/1/2/cmd",
            ),
        ];
        for (f, t) in no {
            assert!(!topic_matches(f, t), "{f} should not match {t}");
        }
    }
}
