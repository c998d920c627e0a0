//! Tingwu's Modbus RTU device profile for the hall's RS-485 bus.
//!
//! LED window strips (窗口条屏), wired call terminals (呼叫器) and evaluators
//! (评价器) share one register map, so the bus actor polls every device the
//! same way. All registers are holding registers (function 0x03 to read,
//! 0x10 to write); each block is read or written in one request:
//!
//! | block | address | registers | access |
//! |---|---|---|---|
//! | identity | 0x0000 | 16 | read |
//! | display (strips; terminals with a display) | 0x0100 | 36 | read / write |
//! | event (terminals, evaluators) | 0x0200 | 4 | read |
//! | event acknowledgement | 0x0210 | 1 | write |
//!
//! This module only converts between register values and typed values; the
//! transport (tokio-modbus) lives in the server.
//!
//! See `docs/modbus-profile.md`.

use crate::escpos::encode_gb18030;

/// First register of the identity block.
pub const IDENTITY_ADDR: u16 = 0x0000;
/// Registers in the identity block.
pub const IDENTITY_LEN: usize = 16;
/// Register 0x0000 of every Tingwu device: ASCII "TW".
pub const MAGIC: u16 = 0x5457;
/// The profile version this module speaks.
pub const PROFILE_VERSION: u16 = 1;
/// Bytes of the vendor name (registers 0x0007..=0x000A).
pub const VENDOR_BYTES: usize = 8;
/// Bytes of the model name (registers 0x000B..=0x000F).
pub const MODEL_BYTES: usize = 10;

/// First register of the display block.
pub const DISPLAY_ADDR: u16 = 0x0100;
/// Registers in the display block.
pub const DISPLAY_LEN: usize = 36;
/// Bytes of display text (GB18030), registers 0x0104..=0x0123.
pub const TEXT_MAX_BYTES: usize = 64;
/// Highest brightness.
pub const BRIGHTNESS_MAX: u8 = 100;
/// Most beeps in one command.
pub const BEEP_MAX_COUNT: u8 = 10;

/// First register of the event block.
pub const EVENT_ADDR: u16 = 0x0200;
/// Registers in the event block.
pub const EVENT_LEN: usize = 4;
/// The acknowledgement register; the master writes the handled sequence number.
pub const ACK_ADDR: u16 = 0x0210;

/// Why register values could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModbusProfileError {
    /// A block read back with the wrong number of registers.
    #[error("{block} block needs {expected} registers, got {got}")]
    RegisterCount {
        /// Block name.
        block: &'static str,
        /// Registers the block has.
        expected: usize,
        /// Registers given.
        got: usize,
    },
    /// Register 0x0000 is not "TW": not a Tingwu-profile device.
    #[error("register 0x0000 is {0:#06x}, not the profile magic 0x5457 (\"TW\")")]
    Magic(u16),
    /// A profile version this server does not speak.
    #[error("profile version {0} is not supported (this server speaks {PROFILE_VERSION})")]
    ProfileVersion(u16),
    /// An unknown device kind code.
    #[error("device kind {0} is unknown")]
    DeviceKind(u16),
    /// An identity string that is not printable ASCII or does not fit.
    #[error("{0} must be at most its register space of printable ASCII")]
    Ascii(&'static str),
    /// An unknown display mode code.
    #[error("display mode {0} is unknown")]
    Mode(u16),
    /// Brightness above [`BRIGHTNESS_MAX`].
    #[error("brightness {0} is above {BRIGHTNESS_MAX}")]
    Brightness(u16),
    /// More than [`BEEP_MAX_COUNT`] beeps.
    #[error("beep count {0} is above {BEEP_MAX_COUNT}")]
    Beep(u8),
    /// Display text longer than [`TEXT_MAX_BYTES`] once encoded (or a length
    /// register above it).
    #[error("display text is {0} bytes, at most {TEXT_MAX_BYTES}")]
    TextTooLong(usize),
    /// A control character, or a character GB18030 cannot encode, in display text.
    #[error("display text has U+{0:04X}, which a strip cannot show")]
    TextCharacter(u32),
    /// Display text bytes that are not valid GB18030.
    #[error("display text is not valid GB18030")]
    TextEncoding,
    /// An unknown event class.
    #[error("event class {0} is unknown")]
    EventClass(u16),
    /// An unknown key code.
    #[error("key code {0} is unknown")]
    KeyCode(u16),
    /// An evaluation grade outside 1..=5.
    #[error("evaluation grade {0} is outside 1..=5")]
    Grade(u16),
    /// An event with sequence number 0 (0 means "no event yet").
    #[error("event of class {0} has sequence number 0")]
    Sequence(u16),
}

fn expect_len(
    block: &'static str,
    regs: &[u16],
    expected: usize,
) -> Result<(), ModbusProfileError> {
    if regs.len() == expected {
        Ok(())
    } else {
        Err(ModbusProfileError::RegisterCount {
            block,
            expected,
            got: regs.len(),
        })
    }
}

/// Packs bytes two per register, high byte first; an odd last byte is
/// padded with 0x00.
pub fn pack_bytes(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| match c {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            [hi] => u16::from_be_bytes([*hi, 0]),
            _ => 0,
        })
        .collect()
}

/// Unpacks registers into bytes, high byte first.
pub fn unpack_bytes(regs: &[u16]) -> Vec<u8> {
    regs.iter().flat_map(|r| r.to_be_bytes()).collect()
}

// ---------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------

/// What kind of device answers at an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// 1: LED window strip (窗口条屏).
    LedStrip,
    /// 2: wired call terminal (呼叫器).
    CallTerminal,
    /// 3: evaluator (评价器).
    Evaluator,
}

impl DeviceKind {
    /// The register value.
    pub fn code(self) -> u16 {
        match self {
            DeviceKind::LedStrip => 1,
            DeviceKind::CallTerminal => 2,
            DeviceKind::Evaluator => 3,
        }
    }

    /// The kind for a register value.
    pub fn from_code(code: u16) -> Result<Self, ModbusProfileError> {
        match code {
            1 => Ok(DeviceKind::LedStrip),
            2 => Ok(DeviceKind::CallTerminal),
            3 => Ok(DeviceKind::Evaluator),
            _ => Err(ModbusProfileError::DeviceKind(code)),
        }
    }
}

/// The identity block, 0x0000..=0x000F.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Profile version (0x0001).
    pub profile_version: u16,
    /// Device kind (0x0002).
    pub kind: DeviceKind,
    /// Firmware version major.minor.patch (0x0003 = major << 8 | minor, 0x0004 = patch).
    pub firmware: (u8, u8, u16),
    /// Serial number (0x0005 high word, 0x0006 low word).
    pub serial: u32,
    /// Vendor, up to 8 printable ASCII bytes (0x0007..=0x000A).
    pub vendor: String,
    /// Model, up to 10 printable ASCII bytes (0x000B..=0x000F).
    pub model: String,
}

fn ascii_regs(field: &'static str, s: &str, bytes: usize) -> Result<Vec<u16>, ModbusProfileError> {
    if s.len() > bytes || !s.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return Err(ModbusProfileError::Ascii(field));
    }
    let mut raw = s.as_bytes().to_vec();
    raw.resize(bytes, 0);
    Ok(pack_bytes(&raw))
}

fn ascii_string(field: &'static str, regs: &[u16]) -> Result<String, ModbusProfileError> {
    let bytes = unpack_bytes(regs);
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (text, padding) = bytes.split_at(end);
    if !text.iter().all(|b| (0x20..=0x7E).contains(b)) || padding.iter().any(|&b| b != 0) {
        return Err(ModbusProfileError::Ascii(field));
    }
    String::from_utf8(text.to_vec()).map_err(|_| ModbusProfileError::Ascii(field))
}

/// Encodes the identity block (for device emulators and tests).
pub fn encode_identity(id: &Identity) -> Result<Vec<u16>, ModbusProfileError> {
    let (major, minor, patch) = id.firmware;
    let mut regs = vec![
        MAGIC,
        id.profile_version,
        id.kind.code(),
        u16::from_be_bytes([major, minor]),
        patch,
        // Serial: high word first.
        u16::try_from(id.serial >> 16).unwrap_or(u16::MAX),
        u16::try_from(id.serial & 0xFFFF).unwrap_or(u16::MAX),
    ];
    regs.extend(ascii_regs("vendor", &id.vendor, VENDOR_BYTES)?);
    regs.extend(ascii_regs("model", &id.model, MODEL_BYTES)?);
    Ok(regs)
}

/// Decodes the identity block read from 0x0000 (16 registers).
pub fn decode_identity(regs: &[u16]) -> Result<Identity, ModbusProfileError> {
    expect_len("identity", regs, IDENTITY_LEN)?;
    let Some(([magic, version, kind, fw, patch, serial_hi, serial_lo], rest)) =
        regs.split_first_chunk::<7>()
    else {
        return Err(ModbusProfileError::RegisterCount {
            block: "identity",
            expected: IDENTITY_LEN,
            got: regs.len(),
        });
    };
    if *magic != MAGIC {
        return Err(ModbusProfileError::Magic(*magic));
    }
    if *version != PROFILE_VERSION {
        return Err(ModbusProfileError::ProfileVersion(*version));
    }
    let kind = DeviceKind::from_code(*kind)?;
    let [major, minor] = fw.to_be_bytes();
    let (vendor, model) = rest.split_at(VENDOR_BYTES / 2);
    Ok(Identity {
        profile_version: *version,
        kind,
        firmware: (major, minor, *patch),
        serial: (u32::from(*serial_hi) << 16) | u32::from(*serial_lo),
        vendor: ascii_string("vendor", vendor)?,
        model: ascii_string("model", model)?,
    })
}

// ---------------------------------------------------------------------------
// Display (LED strips, terminal displays)
// ---------------------------------------------------------------------------

/// How a strip shows its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisplayMode {
    /// 0: blank.
    Off,
    /// 1: static text.
    Static,
    /// 2: scrolling left when the text does not fit.
    Scroll,
    /// 3: blinking (a fresh call).
    Blink,
}

impl DisplayMode {
    /// The register value.
    pub fn code(self) -> u16 {
        match self {
            DisplayMode::Off => 0,
            DisplayMode::Static => 1,
            DisplayMode::Scroll => 2,
            DisplayMode::Blink => 3,
        }
    }

    /// The mode for a register value.
    pub fn from_code(code: u16) -> Result<Self, ModbusProfileError> {
        match code {
            0 => Ok(DisplayMode::Off),
            1 => Ok(DisplayMode::Static),
            2 => Ok(DisplayMode::Scroll),
            3 => Ok(DisplayMode::Blink),
            _ => Err(ModbusProfileError::Mode(code)),
        }
    }
}

/// A beep: `count` beeps of `duration_50ms` × 50 ms each (0 count: silent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Beep {
    /// Number of beeps, 0..=[`BEEP_MAX_COUNT`].
    pub count: u8,
    /// Length of each beep in 50 ms units.
    pub duration_50ms: u8,
}

/// The display block, 0x0100..=0x0123, written in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Display {
    /// Mode (0x0100).
    pub mode: DisplayMode,
    /// Brightness 0..=100 (0x0101).
    pub brightness: u8,
    /// Beep to sound when this block is written (0x0102: count << 8 | duration).
    pub beep: Beep,
    /// Text (0x0103 = byte length, 0x0104.. = GB18030 bytes, two per register).
    pub text: String,
}

/// Encodes the display block (36 registers) to write at [`DISPLAY_ADDR`].
pub fn encode_display(d: &Display) -> Result<Vec<u16>, ModbusProfileError> {
    if d.brightness > BRIGHTNESS_MAX {
        return Err(ModbusProfileError::Brightness(u16::from(d.brightness)));
    }
    if d.beep.count > BEEP_MAX_COUNT {
        return Err(ModbusProfileError::Beep(d.beep.count));
    }
    if let Some(c) = d.text.chars().find(|c| c.is_control()) {
        return Err(ModbusProfileError::TextCharacter(u32::from(c)));
    }
    let bytes =
        encode_gb18030(&d.text).map_err(|c| ModbusProfileError::TextCharacter(u32::from(c)))?;
    if bytes.len() > TEXT_MAX_BYTES {
        return Err(ModbusProfileError::TextTooLong(bytes.len()));
    }
    let mut regs = Vec::with_capacity(DISPLAY_LEN);
    regs.push(d.mode.code());
    regs.push(u16::from(d.brightness));
    regs.push(u16::from_be_bytes([d.beep.count, d.beep.duration_50ms]));
    regs.push(u16::try_from(bytes.len()).unwrap_or(u16::MAX));
    let mut padded = bytes;
    padded.resize(TEXT_MAX_BYTES, 0);
    regs.extend(pack_bytes(&padded));
    Ok(regs)
}

/// Decodes the display block (36 registers; for strip emulators and read-back checks).
pub fn decode_display(regs: &[u16]) -> Result<Display, ModbusProfileError> {
    expect_len("display", regs, DISPLAY_LEN)?;
    let Some(([mode, brightness, beep, len], text)) = regs.split_first_chunk::<4>() else {
        return Err(ModbusProfileError::RegisterCount {
            block: "display",
            expected: DISPLAY_LEN,
            got: regs.len(),
        });
    };
    let mode = DisplayMode::from_code(*mode)?;
    let brightness = u8::try_from(*brightness)
        .ok()
        .filter(|&b| b <= BRIGHTNESS_MAX)
        .ok_or(ModbusProfileError::Brightness(*brightness))?;
    let [count, duration_50ms] = beep.to_be_bytes();
    if count > BEEP_MAX_COUNT {
        return Err(ModbusProfileError::Beep(count));
    }
    let len = usize::from(*len);
    if len > TEXT_MAX_BYTES {
        return Err(ModbusProfileError::TextTooLong(len));
    }
    let bytes = unpack_bytes(text);
    let text_bytes = bytes.get(..len).unwrap_or_default();
    let text = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(text_bytes)
        .ok_or(ModbusProfileError::TextEncoding)?
        .into_owned();
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(ModbusProfileError::TextCharacter(u32::from(c)));
    }
    Ok(Display {
        mode,
        brightness,
        beep: Beep {
            count,
            duration_50ms,
        },
        text,
    })
}

// ---------------------------------------------------------------------------
// Events (call terminals, evaluators)
// ---------------------------------------------------------------------------

/// A key on a wired call terminal; the codes follow the MQTT terminal's actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// 1 呼叫下一位.
    CallNext,
    /// 2 重呼.
    Recall,
    /// 3 开始办理 (the citizen has arrived).
    Start,
    /// 4 办结.
    Finish,
    /// 5 过号.
    Skip,
    /// 6 暂停.
    Pause,
    /// 7 恢复.
    Resume,
    /// 8 请求评价 (ask the evaluator to prompt the citizen).
    RequestEvaluation,
}

const KEYS: [Key; 8] = [
    Key::CallNext,
    Key::Recall,
    Key::Start,
    Key::Finish,
    Key::Skip,
    Key::Pause,
    Key::Resume,
    Key::RequestEvaluation,
];

impl Key {
    /// The event code.
    pub fn code(self) -> u16 {
        match self {
            Key::CallNext => 1,
            Key::Recall => 2,
            Key::Start => 3,
            Key::Finish => 4,
            Key::Skip => 5,
            Key::Pause => 6,
            Key::Resume => 7,
            Key::RequestEvaluation => 8,
        }
    }

    /// The key for an event code.
    pub fn from_code(code: u16) -> Result<Self, ModbusProfileError> {
        KEYS.iter()
            .copied()
            .find(|k| k.code() == code)
            .ok_or(ModbusProfileError::KeyCode(code))
    }
}

/// An evaluation grade (好差评), 1 best … 5 worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    /// 1 非常满意.
    VerySatisfied,
    /// 2 满意.
    Satisfied,
    /// 3 基本满意.
    Basic,
    /// 4 不满意.
    Dissatisfied,
    /// 5 非常不满意.
    VeryDissatisfied,
}

impl Grade {
    /// The event code 1..=5.
    pub fn code(self) -> u16 {
        match self {
            Grade::VerySatisfied => 1,
            Grade::Satisfied => 2,
            Grade::Basic => 3,
            Grade::Dissatisfied => 4,
            Grade::VeryDissatisfied => 5,
        }
    }

    /// The grade for an event code.
    pub fn from_code(code: u16) -> Result<Self, ModbusProfileError> {
        match code {
            1 => Ok(Grade::VerySatisfied),
            2 => Ok(Grade::Satisfied),
            3 => Ok(Grade::Basic),
            4 => Ok(Grade::Dissatisfied),
            5 => Ok(Grade::VeryDissatisfied),
            _ => Err(ModbusProfileError::Grade(code)),
        }
    }

    /// The Chinese label shown on evaluators and reports.
    pub fn label(self) -> &'static str {
        match self {
            Grade::VerySatisfied => "非常满意",
            Grade::Satisfied => "满意",
            Grade::Basic => "基本满意",
            Grade::Dissatisfied => "不满意",
            Grade::VeryDissatisfied => "非常不满意",
        }
    }

    /// Whether a supervisor must hear of it at once (不满意, 非常不满意).
    pub fn is_bad(self) -> bool {
        self >= Grade::Dissatisfied
    }
}

/// What happened on a terminal or evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceEvent {
    /// Class 1: a key press.
    Key(Key),
    /// Class 2: an evaluation.
    Evaluation(Grade),
}

/// The event block, 0x0200..=0x0203.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventBlock {
    /// Sequence number of the oldest unacknowledged event (0x0200), or of
    /// the last acknowledged one when nothing is pending (class 0); 0 until
    /// the device's first event, then 1..=0xFFFF wrapping to 1.
    pub seq: u16,
    /// The event (0x0201 class, 0x0202 code); `None` with class 0.
    pub event: Option<DeviceEvent>,
    /// Further events queued behind this one (0x0203).
    pub queued: u16,
}

/// The sequence number after `seq` (wraps 0xFFFF → 1; 0 is never used).
pub fn next_seq(seq: u16) -> u16 {
    if seq == u16::MAX {
        1
    } else {
        seq + 1
    }
}

/// The register write that acknowledges event `seq`: (address, value).
pub fn ack(seq: u16) -> (u16, u16) {
    (ACK_ADDR, seq)
}

/// Encodes the event block (for device emulators and tests).
pub fn encode_event(block: &EventBlock) -> [u16; EVENT_LEN] {
    let (class, code) = match block.event {
        None => (0, 0),
        Some(DeviceEvent::Key(k)) => (1, k.code()),
        Some(DeviceEvent::Evaluation(g)) => (2, g.code()),
    };
    [block.seq, class, code, block.queued]
}

/// Decodes the event block read from [`EVENT_ADDR`] (4 registers).
///
/// A block whose `seq` equals the last one the master handled is a repeat
/// (its acknowledgement was lost): the master acknowledges it again without
/// acting on it.
pub fn decode_event(regs: &[u16]) -> Result<EventBlock, ModbusProfileError> {
    expect_len("event", regs, EVENT_LEN)?;
    let &[seq, class, code, queued] = regs else {
        return Err(ModbusProfileError::RegisterCount {
            block: "event",
            expected: EVENT_LEN,
            got: regs.len(),
        });
    };
    let event = match class {
        0 => None,
        1 => Some(DeviceEvent::Key(Key::from_code(code)?)),
        2 => Some(DeviceEvent::Evaluation(Grade::from_code(code)?)),
        _ => return Err(ModbusProfileError::EventClass(class)),
    };
    if seq == 0 && event.is_some() {
        return Err(ModbusProfileError::Sequence(class));
    }
    Ok(EventBlock { seq, event, queued })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            profile_version: PROFILE_VERSION,
            kind: DeviceKind::LedStrip,
            firmware: (1, 4, 2),
            serial: 0x0102_0304,
            vendor: "TINGWU".into(),
            model: "LS-64".into(),
        }
    }

    #[test]
    fn identity_round_trip() {
        let regs = encode_identity(&identity()).unwrap();
        assert_eq!(regs.len(), IDENTITY_LEN);
        assert_eq!(&regs[..7], &[0x5457, 1, 1, 0x0104, 2, 0x0102, 0x0304]);
        assert_eq!(regs[7], u16::from_be_bytes(*b"TI"));
        assert_eq!(decode_identity(&regs).unwrap(), identity());
        for kind in [
            DeviceKind::LedStrip,
            DeviceKind::CallTerminal,
            DeviceKind::Evaluator,
        ] {
            assert_eq!(DeviceKind::from_code(kind.code()), Ok(kind));
        }
        // Full-width names use every byte.
        let mut full = identity();
        full.vendor = "ABCDEFGH".into();
        full.model = "0123456789".into();
        assert_eq!(
            decode_identity(&encode_identity(&full).unwrap()).unwrap(),
            full
        );
    }

    #[test]
    fn identity_errors() {
        let regs = encode_identity(&identity()).unwrap();
        assert_eq!(
            decode_identity(&regs[..15]),
            Err(ModbusProfileError::RegisterCount {
                block: "identity",
                expected: 16,
                got: 15
            })
        );
        let with = |i: usize, v: u16| {
            let mut r = regs.clone();
            r[i] = v;
            decode_identity(&r)
        };
        assert_eq!(with(0, 0x0001), Err(ModbusProfileError::Magic(1)));
        assert_eq!(with(1, 2), Err(ModbusProfileError::ProfileVersion(2)));
        assert_eq!(with(2, 9), Err(ModbusProfileError::DeviceKind(9)));
        assert_eq!(with(7, 0x0141), Err(ModbusProfileError::Ascii("vendor")));
        assert_eq!(with(15, 0xB6FE), Err(ModbusProfileError::Ascii("model")));
        let mut bad = identity();
        bad.vendor = "TOO-LONG-NAME".into();
        assert_eq!(
            encode_identity(&bad),
            Err(ModbusProfileError::Ascii("vendor"))
        );
        bad.vendor = "厂家".into();
        assert_eq!(
            encode_identity(&bad),
            Err(ModbusProfileError::Ascii("vendor"))
        );
    }

    fn display() -> Display {
        Display {
            mode: DisplayMode::Blink,
            brightness: 80,
            beep: Beep {
                count: 2,
                duration_50ms: 4,
            },
            text: "请A023号到3号窗口".into(),
        }
    }

    #[test]
    fn display_round_trip() {
        let regs = encode_display(&display()).unwrap();
        assert_eq!(regs.len(), DISPLAY_LEN);
        assert_eq!(&regs[..3], &[3, 80, 0x0204]);
        let gb = encode_gb18030("请A023号到3号窗口").unwrap();
        assert_eq!(usize::from(regs[3]), gb.len());
        // 请 = C7 EB in GB18030, packed high byte first.
        assert_eq!(regs[4], 0xC7EB);
        assert_eq!(&unpack_bytes(&regs[4..])[..gb.len()], &gb[..]);
        assert_eq!(decode_display(&regs).unwrap(), display());
        for mode in [
            DisplayMode::Off,
            DisplayMode::Static,
            DisplayMode::Scroll,
            DisplayMode::Blink,
        ] {
            assert_eq!(DisplayMode::from_code(mode.code()), Ok(mode));
        }
        assert_eq!(pack_bytes(&[1, 2, 3]), vec![0x0102, 0x0300]);
        // 32 Chinese characters fill the 64 bytes exactly.
        let mut full = display();
        full.text = "窗".repeat(32);
        assert_eq!(
            decode_display(&encode_display(&full).unwrap()).unwrap(),
            full
        );
    }

    #[test]
    fn display_errors() {
        let err = |f: fn(&mut Display)| {
            let mut d = display();
            f(&mut d);
            encode_display(&d).unwrap_err()
        };
        assert_eq!(
            err(|d| d.brightness = 101),
            ModbusProfileError::Brightness(101)
        );
        assert_eq!(err(|d| d.beep.count = 11), ModbusProfileError::Beep(11));
        assert_eq!(
            err(|d| d.text = "窗".repeat(33)),
            ModbusProfileError::TextTooLong(66)
        );
        assert_eq!(
            err(|d| d.text = "a\rb".into()),
            ModbusProfileError::TextCharacter(0x0D)
        );
        assert_eq!(
            err(|d| d.text = "\u{E5E5}".into()),
            ModbusProfileError::TextCharacter(0xE5E5)
        );

        let regs = encode_display(&display()).unwrap();
        let with = |i: usize, v: u16| {
            let mut r = regs.clone();
            r[i] = v;
            decode_display(&r)
        };
        assert_eq!(
            decode_display(&regs[..4]),
            Err(ModbusProfileError::RegisterCount {
                block: "display",
                expected: 36,
                got: 4
            })
        );
        assert_eq!(with(0, 4), Err(ModbusProfileError::Mode(4)));
        assert_eq!(with(1, 300), Err(ModbusProfileError::Brightness(300)));
        assert_eq!(with(2, 0x0B00), Err(ModbusProfileError::Beep(11)));
        assert_eq!(with(3, 65), Err(ModbusProfileError::TextTooLong(65)));
        // A lead byte with no trail byte.
        let mut r = regs.clone();
        r[3] = 1;
        assert_eq!(decode_display(&r), Err(ModbusProfileError::TextEncoding));
        assert_eq!(
            with(4, u16::from_be_bytes([0x1B, b'@'])),
            Err(ModbusProfileError::TextCharacter(0x1B))
        );
    }

    #[test]
    fn events() {
        assert_eq!(
            decode_event(&[0, 0, 0, 0]),
            Ok(EventBlock {
                seq: 0,
                event: None,
                queued: 0
            })
        );
        for key in KEYS {
            let block = EventBlock {
                seq: 7,
                event: Some(DeviceEvent::Key(key)),
                queued: 1,
            };
            assert_eq!(decode_event(&encode_event(&block)), Ok(block));
        }
        for code in 1..=5 {
            let g = Grade::from_code(code).unwrap();
            let block = EventBlock {
                seq: 0xFFFF,
                event: Some(DeviceEvent::Evaluation(g)),
                queued: 0,
            };
            assert_eq!(encode_event(&block), [0xFFFF, 2, code, 0]);
            assert_eq!(decode_event(&encode_event(&block)), Ok(block));
        }
        assert_eq!(Grade::VerySatisfied.label(), "非常满意");
        assert_eq!(Grade::VeryDissatisfied.label(), "非常不满意");
        assert!(Grade::Dissatisfied.is_bad() && !Grade::Basic.is_bad());
        assert_eq!(next_seq(1), 2);
        assert_eq!(next_seq(0xFFFF), 1);
        assert_eq!(ack(42), (0x0210, 42));

        assert_eq!(
            decode_event(&[1, 2, 3]),
            Err(ModbusProfileError::RegisterCount {
                block: "event",
                expected: 4,
                got: 3
            })
        );
        assert_eq!(
            decode_event(&[1, 3, 1, 0]),
            Err(ModbusProfileError::EventClass(3))
        );
        assert_eq!(
            decode_event(&[1, 1, 9, 0]),
            Err(ModbusProfileError::KeyCode(9))
        );
        assert_eq!(
            decode_event(&[1, 1, 0, 0]),
            Err(ModbusProfileError::KeyCode(0))
        );
        assert_eq!(
            decode_event(&[1, 2, 6, 0]),
            Err(ModbusProfileError::Grade(6))
        );
        assert_eq!(
            decode_event(&[0, 1, 1, 0]),
            Err(ModbusProfileError::Sequence(1))
        );
        // Nothing pending after an acknowledgement: the last seq, class 0.
        assert_eq!(
            decode_event(&[5, 0, 0, 0]),
            Ok(EventBlock {
                seq: 5,
                event: None,
                queued: 0
            })
        );
    }
}
