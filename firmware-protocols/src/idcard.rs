//! Second-generation resident ID card readers (二代证阅读器, GA/T 467 SAM frames).
//!
//! Kiosks and windows have a reader whose security module (SAM) speaks
//! frames of the form
//!
//! ```text
//! AA AA AA 96 69 | LEN (2, big-endian) | CMD PARA  or  SW1 SW2 SW3 | data | XOR
//! ```
//!
//! where LEN counts every byte after itself including the check byte, and the
//! check byte is the XOR of LEN and everything after it up to the data. This
//! module builds the commands (find, select, read basic information), parses
//! responses with every SW3 status mapped to an [`IdCardError`] variant,
//! decodes the 256-byte UCS-2 text block into an [`IdCardInfo`] (the ID number's
//! check digit verified by [`crate::id_number::validate`]), and resyncs a byte
//! stream on the preamble ([`FrameDecoder`]). The WLT-compressed photo is kept
//! as raw bytes and not decoded.
//!
//! See `docs/idcard.md`.

use std::fmt;

use crate::id_number::{self, IdNumber, IdNumberError};

/// The 5-byte frame preamble.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Preamble plus the 2-byte length.
pub const HEADER_LEN: usize = 7;
/// Largest LEN accepted (the longest known response, basic information with
/// fingerprint, is 0x0908). A larger LEN is garbage, not a frame.
pub const MAX_LEN: usize = 4096;
/// Length of the text block of the basic information.
pub const TEXT_LEN: usize = 256;
/// Length of the WLT photo of the basic information.
pub const PHOTO_LEN: usize = 1024;
/// Total length of a read-basic-information response frame.
pub const BASIC_INFO_FRAME_LEN: usize = HEADER_LEN + 3 + 4 + TEXT_LEN + PHOTO_LEN + 1;

/// SW3 of a successful operation (操作成功).
pub const SW3_OK: u8 = 0x90;
/// SW3 of a successful find card (寻找证/卡成功).
pub const SW3_FOUND: u8 = 0x9F;

/// Why a frame was refused, or what the SAM reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    /// The frame does not start with `AA AA AA 96 69`.
    #[error("frame does not start with AA AA AA 96 69")]
    Preamble,
    /// Fewer bytes than the header or the declared length needs.
    #[error("short frame: {got} bytes, {needed} needed")]
    Short {
        /// Bytes the frame needs.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// LEN below the minimum (3 for a command, 4 for a response) or above [`MAX_LEN`].
    #[error("frame length {0} out of range")]
    Length(usize),
    /// More bytes than LEN declares.
    #[error("frame has {got} bytes, its length field says {declared}")]
    Trailing {
        /// Total length from LEN.
        declared: usize,
        /// Bytes given.
        got: usize,
    },
    /// The XOR check byte does not match.
    #[error("check byte {found:#04x}, computed {expected:#04x} (校验和错)")]
    Checksum {
        /// Computed from the frame.
        expected: u8,
        /// Found in the frame.
        found: u8,
    },
    /// SW1 SW2 are not `00 00`.
    #[error("SW1 SW2 are {sw1:#04x} {sw2:#04x}, expected 00 00")]
    Sw12 {
        /// SW1.
        sw1: u8,
        /// SW2.
        sw2: u8,
    },
    /// SW3 0x10: the SAM received a frame with a bad check byte.
    #[error("SAM: received data checksum error (0x10 接收业务终端数据的校验和错)")]
    ReceiveChecksum,
    /// SW3 0x11: the SAM received a frame with a bad length.
    #[error("SAM: received data length error (0x11 接收业务终端数据的长度错)")]
    ReceiveLength,
    /// SW3 0x21: command error (value or combination).
    #[error("SAM: command error (0x21 接收业务终端的命令错误)")]
    Command,
    /// SW3 0x23: operation beyond authority.
    #[error("SAM: operation not permitted (0x23 越权操作)")]
    NotPermitted,
    /// SW3 0x24: unrecognised error.
    #[error("SAM: unrecognised error (0x24 无法识别的错误)")]
    Unrecognised,
    /// SW3 0x31: the card failed to authenticate the reader (SAM).
    #[error("SAM: card failed to authenticate the reader (0x31 证/卡认证机具失败)")]
    SamAuth,
    /// SW3 0x32: the reader failed to authenticate the card.
    #[error("SAM: reader failed to authenticate the card (0x32 机具认证证/卡失败)")]
    CardAuth,
    /// SW3 0x33: information verification failed.
    #[error("SAM: information verification failed (0x33 信息验证错误)")]
    InfoVerify,
    /// SW3 0x40: unknown card type.
    #[error("SAM: unknown card type (0x40 无法识别的卡类型)")]
    UnknownCardType,
    /// SW3 0x41: reading the card failed.
    #[error("SAM: reading the card failed (0x41 读证/卡操作失败)")]
    ReadFailed,
    /// SW3 0x47: getting a random number failed.
    #[error("SAM: getting a random number failed (0x47 取随机数失败)")]
    RandomNumber,
    /// SW3 0x60: the SAM self-check failed; it takes no commands.
    #[error("SAM: self-check failed (0x60 SAM 自检失败)")]
    SamSelfCheck,
    /// SW3 0x66: the SAM is not authorised.
    #[error("SAM: not authorised (0x66 SAM 未经授权)")]
    SamNotAuthorised,
    /// SW3 0x80: no card found (the normal answer while nobody presents one).
    #[error("SAM: no card found (0x80 寻找证/卡失败)")]
    FindFailed,
    /// SW3 0x81: selecting the card failed.
    #[error("SAM: selecting the card failed (0x81 选取证/卡失败)")]
    SelectFailed,
    /// SW3 0x91: the card has no content for this item.
    #[error("SAM: no content for this item (0x91 证/卡中此项无内容)")]
    NoContent,
    /// An SW3 not in GA/T 467's table.
    #[error("SAM: unknown status {0:#04x}")]
    UnknownStatus(u8),
    /// The text and photo lengths do not match the data of a basic-information response.
    #[error("basic information: text length {text}, photo length {photo}, data {data} bytes")]
    InfoLength {
        /// Declared text length.
        text: usize,
        /// Declared photo length.
        photo: usize,
        /// Data bytes after SW3.
        data: usize,
    },
    /// A text field is not valid UCS-2 (an unpaired surrogate).
    #[error("basic information: {0} is not valid UCS-2")]
    Ucs2(&'static str),
    /// A field holds a value outside its code table or format.
    #[error("basic information: {field} has an invalid value {value:?}")]
    Field {
        /// Field name.
        field: &'static str,
        /// The decoded text (not personal data: codes and dates only).
        value: String,
    },
    /// The ID number is invalid (length, characters, date or check digit).
    #[error("basic information: {0}")]
    IdNumber(#[from] IdNumberError),
    /// The birth date field and the ID number's birth date differ.
    #[error("basic information: birth date does not match the ID number")]
    BirthDateMismatch,
    /// Encoding: a field does not fit its slot of the text block.
    #[error("{0} does not fit its slot in the text block")]
    FieldTooLong(&'static str),
}

impl IdCardError {
    /// The error for a non-success SW3, or `None` for 0x90 and 0x9F.
    pub fn from_sw3(sw3: u8) -> Option<IdCardError> {
        Some(match sw3 {
            SW3_OK | SW3_FOUND => return None,
            0x10 => IdCardError::ReceiveChecksum,
            0x11 => IdCardError::ReceiveLength,
            0x21 => IdCardError::Command,
            0x23 => IdCardError::NotPermitted,
            0x24 => IdCardError::Unrecognised,
            0x31 => IdCardError::SamAuth,
            0x32 => IdCardError::CardAuth,
            0x33 => IdCardError::InfoVerify,
            0x40 => IdCardError::UnknownCardType,
            0x41 => IdCardError::ReadFailed,
            0x47 => IdCardError::RandomNumber,
            0x60 => IdCardError::SamSelfCheck,
            0x66 => IdCardError::SamNotAuthorised,
            0x80 => IdCardError::FindFailed,
            0x81 => IdCardError::SelectFailed,
            0x91 => IdCardError::NoContent,
            other => IdCardError::UnknownStatus(other),
        })
    }

    /// The SW3 this error came from, if it is a SAM status.
    pub fn sw3(&self) -> Option<u8> {
        Some(match self {
            IdCardError::ReceiveChecksum => 0x10,
            IdCardError::ReceiveLength => 0x11,
            IdCardError::Command => 0x21,
            IdCardError::NotPermitted => 0x23,
            IdCardError::Unrecognised => 0x24,
            IdCardError::SamAuth => 0x31,
            IdCardError::CardAuth => 0x32,
            IdCardError::InfoVerify => 0x33,
            IdCardError::UnknownCardType => 0x40,
            IdCardError::ReadFailed => 0x41,
            IdCardError::RandomNumber => 0x47,
            IdCardError::SamSelfCheck => 0x60,
            IdCardError::SamNotAuthorised => 0x66,
            IdCardError::FindFailed => 0x80,
            IdCardError::SelectFailed => 0x81,
            IdCardError::NoContent => 0x91,
            IdCardError::UnknownStatus(s) => *s,
            _ => return None,
        })
    }
}

/// XOR of `bytes`.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// Builds a frame: preamble, LEN, `head` (CMD PARA, or SW1 SW2 SW3), `data`,
/// XOR check. Errors with [`IdCardError::Length`] if LEN would exceed [`MAX_LEN`].
pub fn encode_frame(head: &[u8], data: &[u8]) -> Result<Vec<u8>, IdCardError> {
    let len = head.len() + data.len() + 1;
    if len > MAX_LEN {
        return Err(IdCardError::Length(len));
    }
    let len_bytes = u16::try_from(len)
        .map_err(|_| IdCardError::Length(len))?
        .to_be_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + len);
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(head);
    out.extend_from_slice(data);
    let check = checksum(out.get(PREAMBLE.len()..).unwrap_or_default());
    out.push(check);
    Ok(out)
}

/// The commands Tingwu sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `20 01`: find a card in the field (寻找证/卡).
    FindCard,
    /// `20 02`: select the found card (选取证/卡).
    SelectCard,
    /// `30 01`: read text and photo (读基本信息).
    ReadBasicInfo,
}

impl Command {
    /// CMD and PARA.
    pub fn code(self) -> [u8; 2] {
        match self {
            Command::FindCard => [0x20, 0x01],
            Command::SelectCard => [0x20, 0x02],
            Command::ReadBasicInfo => [0x30, 0x01],
        }
    }

    /// The full command frame, e.g. `AA AA AA 96 69 00 03 20 01 22` for find.
    pub fn frame(self) -> Vec<u8> {
        let [cmd, para] = self.code();
        let [c0, c1] = [0x00, 0x03];
        let mut out = PREAMBLE.to_vec();
        out.extend_from_slice(&[c0, c1, cmd, para, c0 ^ c1 ^ cmd ^ para]);
        out
    }
}

/// Checks preamble, length and check byte of one complete frame and gives
/// the bytes between LEN and the check byte. `min_len` is the smallest LEN
/// allowed (3 for commands, 4 for responses).
fn frame_body(bytes: &[u8], min_len: usize) -> Result<&[u8], IdCardError> {
    let Some((pre, rest)) = bytes.split_first_chunk::<5>() else {
        return Err(if PREAMBLE.starts_with(bytes) {
            IdCardError::Short {
                needed: HEADER_LEN,
                got: bytes.len(),
            }
        } else {
            IdCardError::Preamble
        });
    };
    if *pre != PREAMBLE {
        return Err(IdCardError::Preamble);
    }
    let Some((len_bytes, rest)) = rest.split_first_chunk::<2>() else {
        return Err(IdCardError::Short {
            needed: HEADER_LEN,
            got: bytes.len(),
        });
    };
    let len = usize::from(u16::from_be_bytes(*len_bytes));
    if len < min_len || len > MAX_LEN {
        return Err(IdCardError::Length(len));
    }
    let total = HEADER_LEN + len;
    if rest.len() < len {
        return Err(IdCardError::Short {
            needed: total,
            got: bytes.len(),
        });
    }
    if rest.len() > len {
        return Err(IdCardError::Trailing {
            declared: total,
            got: bytes.len(),
        });
    }
    let Some((found, body)) = rest.split_last() else {
        return Err(IdCardError::Length(len));
    };
    let expected = checksum(len_bytes) ^ checksum(body);
    if expected != *found {
        return Err(IdCardError::Checksum {
            expected,
            found: *found,
        });
    }
    Ok(body)
}

/// Parses a command frame (for reader emulators and tests) into CMD PARA and data.
pub fn parse_command(bytes: &[u8]) -> Result<([u8; 2], &[u8]), IdCardError> {
    let body = frame_body(bytes, 3)?;
    match body.split_first_chunk::<2>() {
        Some((code, data)) => Ok((*code, data)),
        None => Err(IdCardError::Length(body.len() + 1)),
    }
}

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// [`SW3_OK`] or [`SW3_FOUND`].
    pub sw3: u8,
    /// The data after SW3.
    pub data: Vec<u8>,
}

/// Parses one complete response frame. A non-success SW3 becomes its
/// [`IdCardError`] variant.
pub fn parse_response(bytes: &[u8]) -> Result<Response, IdCardError> {
    let body = frame_body(bytes, 4)?;
    let Some(([sw1, sw2, sw3], data)) = body.split_first_chunk::<3>() else {
        return Err(IdCardError::Length(body.len() + 1));
    };
    if (*sw1, *sw2) != (0, 0) {
        return Err(IdCardError::Sw12 {
            sw1: *sw1,
            sw2: *sw2,
        });
    }
    if let Some(e) = IdCardError::from_sw3(*sw3) {
        return Err(e);
    }
    Ok(Response {
        sw3: *sw3,
        data: data.to_vec(),
    })
}

/// A date on the card, `YYYYMMDD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CardDate {
    /// Year.
    pub year: u16,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
}

impl fmt::Display for CardDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// End of validity: a date, or 长期 (long-term).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// Valid until (and including) this date.
    Until(CardDate),
    /// 长期: no end date.
    LongTerm,
}

/// Sex code (GB/T 2261.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// 0 未知的性别.
    Unknown,
    /// 1 男.
    Male,
    /// 2 女.
    Female,
    /// 9 未说明的性别.
    Unspecified,
}

impl Sex {
    /// The code character on the card.
    pub fn code(self) -> char {
        match self {
            Sex::Unknown => '0',
            Sex::Male => '1',
            Sex::Female => '2',
            Sex::Unspecified => '9',
        }
    }
}

/// Nation names by GB 3304 code 1..=56 (index 0 is code 01).
const NATIONS: [&str; 56] = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The nation (民族) name for a GB 3304 code: 1..=56, 97 其他, 98 外国血统.
pub fn nation_name(code: u8) -> Option<&'static str> {
    match code {
        97 => Some("其他"),
        98 => Some("外国血统中国籍人士"),
        _ => NATIONS.get(usize::from(code).checked_sub(1)?).copied(),
    }
}

/// The text block of a card. `Debug` masks the name, address and ID number.
#[derive(Clone, PartialEq, Eq)]
pub struct IdCardInfo {
    /// Name (姓名), trailing spaces removed.
    pub name: String,
    /// Sex (性别).
    pub sex: Sex,
    /// Nation code (民族), see [`nation_name`].
    pub nation: u8,
    /// Birth date (出生).
    pub birth_date: CardDate,
    /// Address (住址).
    pub address: String,
    /// ID number (公民身份号码), check digit verified.
    pub id_number: IdNumber,
    /// Issuing authority (签发机关).
    pub issuer: String,
    /// Start of validity (有效期限起始日期).
    pub valid_from: CardDate,
    /// End of validity (有效期限截止日期).
    pub valid_to: Validity,
}

impl fmt::Debug for IdCardInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdCardInfo")
            .field("name", &id_number::mask_name(&self.name))
            .field("sex", &self.sex)
            .field("nation", &self.nation)
            .field("birth_date", &self.birth_date)
            .field("address", &"***")
            .field("id_number", &self.id_number)
            .field("issuer", &self.issuer)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .finish()
    }
}

/// A decoded read-basic-information response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicInfo {
    /// The text block.
    pub info: IdCardInfo,
    /// The WLT-compressed photo, as read (1,024 bytes; not decoded here).
    pub photo: Vec<u8>,
}

/// Field slots of the text block: (name, bytes).
const SLOTS: [(&str, usize); 10] = [
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("issuer", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
];

fn ucs2(field: &'static str, bytes: &[u8]) -> Result<String, IdCardError> {
    let units = bytes.chunks_exact(2).map(|c| {
        u16::from_le_bytes([
            c.first().copied().unwrap_or(0),
            c.get(1).copied().unwrap_or(0),
        ])
    });
    let s: String = char::decode_utf16(units)
        .collect::<Result<_, _>>()
        .map_err(|_| IdCardError::Ucs2(field))?;
    Ok(s.trim_end_matches([' ', '\0']).to_string())
}

fn field_err(field: &'static str, value: &str) -> IdCardError {
    IdCardError::Field {
        field,
        value: value.to_string(),
    }
}

fn parse_date(field: &'static str, s: &str) -> Result<CardDate, IdCardError> {
    let digits = s.as_bytes();
    if digits.len() != 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(field_err(field, s));
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        digits
            .get(r)
            .unwrap_or_default()
            .iter()
            .fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if !(1900..=2199).contains(&year) || day == 0 || day > days {
        return Err(field_err(field, s));
    }
    Ok(CardDate {
        year: u16::try_from(year).map_err(|_| field_err(field, s))?,
        month: u8::try_from(month).map_err(|_| field_err(field, s))?,
        day: u8::try_from(day).map_err(|_| field_err(field, s))?,
    })
}

/// Decodes the 256-byte UCS-2 LE text block.
pub fn decode_text(text: &[u8]) -> Result<IdCardInfo, IdCardError> {
    if text.len() != TEXT_LEN {
        return Err(IdCardError::InfoLength {
            text: text.len(),
            photo: PHOTO_LEN,
            data: text.len(),
        });
    }
    let mut fields = Vec::with_capacity(SLOTS.len());
    let mut rest = text;
    for (name, len) in SLOTS {
        let (slot, tail) = rest.split_at_checked(len).unwrap_or((rest, &[]));
        fields.push(ucs2(name, slot)?);
        rest = tail;
    }
    let [name, sex, nation, birth, address, id, issuer, from, to, _reserved] =
        <[String; 10]>::try_from(fields).map_err(|_| IdCardError::Ucs2("text"))?;
    let sex = match sex.as_str() {
        "0" => Sex::Unknown,
        "1" => Sex::Male,
        "2" => Sex::Female,
        "9" => Sex::Unspecified,
        _ => return Err(field_err("sex", &sex)),
    };
    let nation_code = nation
        .parse::<u8>()
        .ok()
        .filter(|&c| nation.len() == 2 && nation_name(c).is_some())
        .ok_or_else(|| field_err("nation", &nation))?;
    let birth_date = parse_date("birth_date", &birth)?;
    let id_number = id_number::validate(&id)?;
    let (y, m, d) = id_number.birth_date();
    if (y, m, d) != (birth_date.year, birth_date.month, birth_date.day) {
        return Err(IdCardError::BirthDateMismatch);
    }
    let valid_from = parse_date("valid_from", &from)?;
    let valid_to = if to == "长期" {
        Validity::LongTerm
    } else {
        Validity::Until(parse_date("valid_to", &to)?)
    };
    Ok(IdCardInfo {
        name,
        sex,
        nation: nation_code,
        birth_date,
        address,
        id_number,
        issuer,
        valid_from,
        valid_to,
    })
}

/// Decodes a successful read-basic-information response: text length (2,
/// big-endian), photo length (2, big-endian), text, photo.
pub fn decode_basic_info(response: &Response) -> Result<BasicInfo, IdCardError> {
    let data = response.data.as_slice();
    let Some(([t0, t1, p0, p1], rest)) = data.split_first_chunk::<4>() else {
        return Err(IdCardError::InfoLength {
            text: 0,
            photo: 0,
            data: data.len(),
        });
    };
    let text_len = usize::from(u16::from_be_bytes([*t0, *t1]));
    let photo_len = usize::from(u16::from_be_bytes([*p0, *p1]));
    let length_error = IdCardError::InfoLength {
        text: text_len,
        photo: photo_len,
        data: data.len(),
    };
    if text_len != TEXT_LEN || text_len + photo_len != rest.len() {
        return Err(length_error);
    }
    let (text, photo) = rest.split_at_checked(text_len).ok_or(length_error)?;
    Ok(BasicInfo {
        info: decode_text(text)?,
        photo: photo.to_vec(),
    })
}

fn put_ucs2(
    out: &mut Vec<u8>,
    field: &'static str,
    s: &str,
    len: usize,
) -> Result<(), IdCardError> {
    let start = out.len();
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    if out.len() - start > len {
        return Err(IdCardError::FieldTooLong(field));
    }
    while out.len() - start < len {
        out.extend_from_slice(&[0x20, 0x00]);
    }
    Ok(())
}

/// Encodes the 256-byte text block (space padded), as a card would hold it.
pub fn encode_text(info: &IdCardInfo) -> Result<Vec<u8>, IdCardError> {
    let to = match info.valid_to {
        Validity::LongTerm => "长期".to_string(),
        Validity::Until(d) => d.to_string(),
    };
    let values = [
        info.name.clone(),
        info.sex.code().to_string(),
        format!("{:02}", info.nation),
        info.birth_date.to_string(),
        info.address.clone(),
        info.id_number.as_str().to_string(),
        info.issuer.clone(),
        info.valid_from.to_string(),
        to,
        String::new(),
    ];
    let mut out = Vec::with_capacity(TEXT_LEN);
    for ((field, len), value) in SLOTS.iter().zip(values.iter()) {
        put_ucs2(&mut out, field, value, *len)?;
    }
    Ok(out)
}

/// Builds a complete read-basic-information response frame (1,295 bytes
/// with a 1,024-byte photo), for reader emulators and tests.
pub fn encode_basic_info_response(info: &IdCardInfo, photo: &[u8]) -> Result<Vec<u8>, IdCardError> {
    let text = encode_text(info)?;
    let photo_len = u16::try_from(photo.len()).map_err(|_| IdCardError::FieldTooLong("photo"))?;
    let text_len = u16::try_from(text.len()).map_err(|_| IdCardError::FieldTooLong("text"))?;
    let mut data = Vec::with_capacity(4 + text.len() + photo.len());
    data.extend_from_slice(&text_len.to_be_bytes());
    data.extend_from_slice(&photo_len.to_be_bytes());
    data.extend_from_slice(&text);
    data.extend_from_slice(photo);
    encode_frame(&[0, 0, SW3_OK], &data)
}

/// Streaming decoder of responses from a reader.
///
/// Bytes before a preamble are skipped and counted. A header whose length is
/// out of range, or a frame whose check byte is wrong, is reported and
/// decoding resumes one byte after its preamble, so a real frame that the
/// bad header covered is still found. A frame with a SAM error status is
/// consumed and reported as that error. The buffer never holds more than one
/// frame of [`MAX_LEN`] plus the bytes of one read.
#[derive(Debug, Clone, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    skipped: u64,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes read from the reader.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Drops buffered bytes (after a read timeout or a reconnect).
    pub fn reset(&mut self) {
        self.skipped += self.buf.len() as u64;
        self.buf.clear();
    }

    /// Gives up on a frame whose header was found but whose bytes never
    /// all arrived (call it after a read timeout): drops one byte of its
    /// preamble, so the next [`FrameDecoder::next_response`] looks for a
    /// real frame inside what the bogus header covered.
    pub fn timeout(&mut self) {
        if self.buf.starts_with(&PREAMBLE) {
            self.drop_front(1, true);
        }
    }

    /// Bytes skipped as garbage so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Bytes buffered and not yet decoded.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn drop_front(&mut self, n: usize, garbage: bool) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        if garbage {
            self.skipped += n as u64;
        }
    }

    /// The next response or error, or `None` until more bytes are needed.
    pub fn next_response(&mut self) -> Option<Result<Response, IdCardError>> {
        let Some(start) = self.buf.windows(PREAMBLE.len()).position(|w| w == PREAMBLE) else {
            // Keep a possible partial preamble at the end.
            let keep = (1..PREAMBLE.len())
                .rev()
                .find(|&k| self.buf.ends_with(PREAMBLE.get(..k).unwrap_or_default()))
                .unwrap_or(0);
            self.drop_front(self.buf.len().saturating_sub(keep), true);
            return None;
        };
        self.drop_front(start, true);
        let len_bytes = self.buf.get(PREAMBLE.len()..HEADER_LEN)?;
        let len = usize::from(u16::from_be_bytes([
            len_bytes.first().copied().unwrap_or(0),
            len_bytes.get(1).copied().unwrap_or(0),
        ]));
        if !(4..=MAX_LEN).contains(&len) {
            self.drop_front(1, true);
            return Some(Err(IdCardError::Length(len)));
        }
        let frame = self.buf.get(..HEADER_LEN + len)?;
        let result = parse_response(frame);
        match result {
            Err(IdCardError::Checksum { .. }) => self.drop_front(1, true),
            _ => self.drop_front(HEADER_LEN + len, false),
        }
        Some(result)
    }

    /// Feeds bytes and returns everything they complete, in order.
    pub fn decode(&mut self, bytes: &[u8]) -> Vec<Result<Response, IdCardError>> {
        self.feed(bytes);
        std::iter::from_fn(|| self.next_response()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdCardInfo {
        IdCardInfo {
            name: "张三丰".into(),
            sex: Sex::Female,
            nation: 1,
            birth_date: CardDate {
                year: 1949,
                month: 12,
                day: 31,
            },
            address: "北京市朝阳区某某街道某某小区1号楼2单元301室".into(),
            id_number: id_number::validate("11010519491231002X").unwrap(),
            issuer: "北京市公安局朝阳分局".into(),
            valid_from: CardDate {
                year: 2015,
                month: 3,
                day: 1,
            },
            valid_to: Validity::LongTerm,
        }
    }

    fn photo() -> Vec<u8> {
        (0..PHOTO_LEN).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn public_command_frames() {
        assert_eq!(
            Command::FindCard.frame(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        );
        assert_eq!(
            Command::SelectCard.frame(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21]
        );
        assert_eq!(
            Command::ReadBasicInfo.frame(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32]
        );
        for c in [
            Command::FindCard,
            Command::SelectCard,
            Command::ReadBasicInfo,
        ] {
            assert_eq!(encode_frame(&c.code(), &[]).unwrap(), c.frame());
            assert_eq!(parse_command(&c.frame()), Ok((c.code(), &[][..])));
        }
    }

    #[test]
    fn find_and_select_responses() {
        // Published find-card success: 00 08 00 00 9F 00 00 00 00 97.
        let found = [
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0, 0, 0, 0, 0x97,
        ];
        assert_eq!(encode_frame(&[0, 0, SW3_FOUND], &[0; 4]).unwrap(), found);
        assert_eq!(
            parse_response(&found),
            Ok(Response {
                sw3: SW3_FOUND,
                data: vec![0; 4]
            })
        );
        let selected = encode_frame(&[0, 0, SW3_OK], &[0; 8]).unwrap();
        assert_eq!(selected.get(5..7), Some(&[0x00, 0x0C][..]));
        assert_eq!(selected.last(), Some(&0x9C));
        assert_eq!(parse_response(&selected).unwrap().sw3, SW3_OK);
    }

    #[test]
    fn basic_info_round_trip() {
        let frame = encode_basic_info_response(&sample(), &photo()).unwrap();
        assert_eq!(frame.len(), 1295);
        assert_eq!(frame.len(), BASIC_INFO_FRAME_LEN);
        assert_eq!(
            frame.get(..14),
            Some(
                &[0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0, 0, 0x90, 0x01, 0x00, 0x04, 0x00][..]
            )
        );
        // Name slot: 张 = U+5F20 → 20 5F, padded with 20 00.
        assert_eq!(frame.get(14..16), Some(&[0x20, 0x5F][..]));
        assert_eq!(frame.get(20..22), Some(&[0x20, 0x00][..]));
        let basic = decode_basic_info(&parse_response(&frame).unwrap()).unwrap();
        assert_eq!(basic.info, sample());
        assert_eq!(basic.photo, photo());
        assert_eq!(nation_name(basic.info.nation), Some("汉"));
        let debug = format!("{:?}", basic.info);
        assert!(debug.contains("张*丰") && !debug.contains("张三丰"));
        assert!(!debug.contains("11010519491231002X") && !debug.contains("朝阳区某某"));
        // A dated validity round-trips too.
        let mut info = sample();
        info.valid_to = Validity::Until(CardDate {
            year: 2035,
            month: 3,
            day: 1,
        });
        info.sex = Sex::Male;
        let frame = encode_basic_info_response(&info, &photo()).unwrap();
        assert_eq!(
            decode_basic_info(&parse_response(&frame).unwrap())
                .unwrap()
                .info,
            info
        );
    }

    #[test]
    fn nations() {
        assert_eq!(nation_name(0), None);
        assert_eq!(nation_name(56), Some("基诺"));
        assert_eq!(nation_name(57), None);
        assert_eq!(nation_name(97), Some("其他"));
        assert_eq!(nation_name(98), Some("外国血统中国籍人士"));
    }

    #[test]
    fn frame_errors() {
        let good = Command::FindCard.frame();
        assert_eq!(
            parse_response(&[]),
            Err(IdCardError::Short { needed: 7, got: 0 })
        );
        assert_eq!(
            parse_response(&good[..3]),
            Err(IdCardError::Short { needed: 7, got: 3 })
        );
        assert_eq!(
            parse_response(&good[..6]),
            Err(IdCardError::Short { needed: 7, got: 6 })
        );
        assert_eq!(parse_response(&[0xAA, 0x55]), Err(IdCardError::Preamble));
        assert_eq!(parse_response(&[0xAB; 10]), Err(IdCardError::Preamble));
        // A command frame has LEN 3: too short for a response.
        assert_eq!(parse_response(&good), Err(IdCardError::Length(3)));
        let resp = encode_frame(&[0, 0, SW3_OK], &[1, 2, 3]).unwrap();
        assert_eq!(
            parse_response(&resp[..resp.len() - 1]),
            Err(IdCardError::Short {
                needed: resp.len(),
                got: resp.len() - 1
            })
        );
        let mut long = resp.clone();
        long.push(0);
        assert_eq!(
            parse_response(&long),
            Err(IdCardError::Trailing {
                declared: resp.len(),
                got: resp.len() + 1
            })
        );
        let mut bad = resp.clone();
        *bad.last_mut().unwrap() ^= 0xFF;
        let expected = *resp.last().unwrap();
        assert_eq!(
            parse_response(&bad),
            Err(IdCardError::Checksum {
                expected,
                found: expected ^ 0xFF
            })
        );
        let mut huge = PREAMBLE.to_vec();
        huge.extend([0x10, 0x01]);
        assert_eq!(parse_response(&huge), Err(IdCardError::Length(0x1001)));
        assert_eq!(
            encode_frame(&[0; 3], &vec![0; MAX_LEN]),
            Err(IdCardError::Length(MAX_LEN + 4))
        );
        let sw = encode_frame(&[0x6A, 0x82, SW3_OK], &[]).unwrap();
        assert_eq!(
            parse_response(&sw),
            Err(IdCardError::Sw12 {
                sw1: 0x6A,
                sw2: 0x82
            })
        );
        assert_eq!(
            parse_command(&encode_frame(&[0x20], &[]).unwrap()),
            Err(IdCardError::Length(2))
        );
    }

    #[test]
    fn every_status() {
        let table: [(u8, IdCardError); 17] = [
            (0x10, IdCardError::ReceiveChecksum),
            (0x11, IdCardError::ReceiveLength),
            (0x21, IdCardError::Command),
            (0x23, IdCardError::NotPermitted),
            (0x24, IdCardError::Unrecognised),
            (0x31, IdCardError::SamAuth),
            (0x32, IdCardError::CardAuth),
            (0x33, IdCardError::InfoVerify),
            (0x40, IdCardError::UnknownCardType),
            (0x41, IdCardError::ReadFailed),
            (0x47, IdCardError::RandomNumber),
            (0x60, IdCardError::SamSelfCheck),
            (0x66, IdCardError::SamNotAuthorised),
            (0x80, IdCardError::FindFailed),
            (0x81, IdCardError::SelectFailed),
            (0x91, IdCardError::NoContent),
            (0x55, IdCardError::UnknownStatus(0x55)),
        ];
        for (sw3, err) in table {
            let frame = encode_frame(&[0, 0, sw3], &[]).unwrap();
            assert_eq!(parse_response(&frame), Err(err.clone()), "{sw3:#04x}");
            assert_eq!(err.sw3(), Some(sw3));
            assert!(err.to_string().starts_with("SAM"));
        }
        assert_eq!(IdCardError::from_sw3(SW3_OK), None);
        assert_eq!(IdCardError::from_sw3(SW3_FOUND), None);
        assert_eq!(IdCardError::Preamble.sw3(), None);
    }

    fn text_with(slot: usize, value: &str) -> Vec<u8> {
        let mut text = encode_text(&sample()).unwrap();
        let offset: usize = SLOTS[..slot].iter().map(|(_, l)| l).sum();
        let len = SLOTS[slot].1;
        let mut field = Vec::new();
        put_ucs2(&mut field, "test", value, len).unwrap();
        text[offset..offset + len].copy_from_slice(&field);
        text
    }

    #[test]
    fn info_errors() {
        let response = |data: Vec<u8>| Response { sw3: SW3_OK, data };
        assert_eq!(
            decode_basic_info(&response(vec![1, 0])),
            Err(IdCardError::InfoLength {
                text: 0,
                photo: 0,
                data: 2
            })
        );
        let mut data = vec![0x01, 0x00, 0x04, 0x00];
        data.extend(vec![0x20; 256 + 1000]);
        assert_eq!(
            decode_basic_info(&response(data)),
            Err(IdCardError::InfoLength {
                text: 256,
                photo: 1024,
                data: 1260
            })
        );
        let mut data = vec![0x00, 0x10, 0x00, 0x00];
        data.extend(vec![0x20; 16]);
        assert_eq!(
            decode_basic_info(&response(data)),
            Err(IdCardError::InfoLength {
                text: 16,
                photo: 0,
                data: 20
            })
        );
        assert_eq!(
            decode_text(&[0; 10]),
            Err(IdCardError::InfoLength {
                text: 10,
                photo: 1024,
                data: 10
            })
        );
        // An unpaired surrogate in the address.
        let mut text = encode_text(&sample()).unwrap();
        text[52..54].copy_from_slice(&0xD800u16.to_le_bytes());
        assert_eq!(decode_text(&text), Err(IdCardError::Ucs2("address")));
        let field = |field: &'static str, value: &str| IdCardError::Field {
            field,
            value: value.into(),
        };
        assert_eq!(decode_text(&text_with(1, "3")), Err(field("sex", "3")));
        assert_eq!(decode_text(&text_with(2, "57")), Err(field("nation", "57")));
        assert_eq!(decode_text(&text_with(2, "1")), Err(field("nation", "1")));
        assert_eq!(
            decode_text(&text_with(3, "19491232")),
            Err(field("birth_date", "19491232"))
        );
        assert_eq!(
            decode_text(&text_with(3, "1949123")),
            Err(field("birth_date", "1949123"))
        );
        assert_eq!(
            decode_text(&text_with(3, "19481231")),
            Err(IdCardError::BirthDateMismatch)
        );
        assert_eq!(
            decode_text(&text_with(5, "110105194912310021")),
            Err(IdCardError::IdNumber(IdNumberError::CheckDigit {
                expected: 'X',
                found: '1'
            }))
        );
        assert_eq!(
            decode_text(&text_with(7, "2015-3-1")),
            Err(field("valid_from", "2015-3-1"))
        );
        assert_eq!(
            decode_text(&text_with(8, "永久")),
            Err(field("valid_to", "永久"))
        );
        let mut long = sample();
        long.name = "欧阳".repeat(8);
        assert_eq!(encode_text(&long), Err(IdCardError::FieldTooLong("name")));
        assert_eq!(
            encode_basic_info_response(&sample(), &vec![0; 70_000]),
            Err(IdCardError::FieldTooLong("photo"))
        );
    }

    #[test]
    fn decoder_resyncs() {
        let find = encode_frame(&[0, 0, SW3_FOUND], &[0; 4]).unwrap();
        let full = encode_basic_info_response(&sample(), &photo()).unwrap();
        let mut d = FrameDecoder::new();
        // Garbage, a partial preamble, then frames split at odd points.
        let mut stream = vec![0x00, 0x13, 0xAA, 0xAA];
        stream.extend(&find);
        stream.extend(&full);
        stream.extend(encode_frame(&[0, 0, 0x80], &[]).unwrap());
        let mut out = Vec::new();
        for chunk in stream.chunks(37) {
            out.extend(d.decode(chunk));
        }
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().sw3, SW3_FOUND);
        assert_eq!(
            decode_basic_info(out[1].as_ref().unwrap()).unwrap().info,
            sample()
        );
        assert_eq!(out[2], Err(IdCardError::FindFailed));
        assert_eq!(d.skipped(), 4);
        assert_eq!(d.buffered(), 0);

        // A bad check byte, then a good frame.
        let mut bad = find.clone();
        *bad.last_mut().unwrap() ^= 1;
        let mut stream = bad;
        stream.extend(&find);
        let out = d.decode(&stream);
        assert!(matches!(out[0], Err(IdCardError::Checksum { .. })));
        assert_eq!(
            out.last(),
            Some(&Ok(Response {
                sw3: SW3_FOUND,
                data: vec![0; 4]
            }))
        );

        // A bogus header with an out-of-range length, then a good frame.
        let mut stream = PREAMBLE.to_vec();
        stream.extend([0xFF, 0xFF]);
        stream.extend(&find);
        let out = d.decode(&stream);
        assert_eq!(out[0], Err(IdCardError::Length(0xFFFF)));
        assert_eq!(
            out.last(),
            Some(&Ok(Response {
                sw3: SW3_FOUND,
                data: vec![0; 4]
            }))
        );

        // Garbage without a preamble is dropped but a partial preamble is kept.
        d.decode(&[1, 2, 3, 0xAA, 0xAA, 0xAA, 0x96]);
        assert_eq!(d.buffered(), 4);
        d.reset();
        assert_eq!(d.buffered(), 0);

        // A bogus header with a long, in-range length swallows a real frame
        // until the transport's read timeout; then the frame is found.
        let mut stream = PREAMBLE.to_vec();
        stream.extend([0x04, 0x00]);
        stream.extend(&find);
        assert!(d.decode(&stream).is_empty());
        d.timeout();
        assert_eq!(
            d.decode(&[]),
            vec![Ok(Response {
                sw3: SW3_FOUND,
                data: vec![0; 4]
            })]
        );
    }
}
