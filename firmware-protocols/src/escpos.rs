//! ESC/POS thermal ticket printers: the ticket layout and the status replies.
//!
//! A kiosk's printer is reached over a serial line or TCP port 9100; both
//! carry the same bytes. This module turns a [`TicketLayout`] into those bytes
//! ([`render`]) and turns what the printer sends back (real-time status bytes
//! answering `DLE EOT n`, and the 4-byte Automatic Status Back) into a
//! [`PrinterStatus`] ([`StatusDecoder`]). Chinese text is sent as GB18030
//! inside `FS &` … `FS .` (Chinese character mode); ASCII is sent outside it.
//!
//! No I/O here: the printer actor writes the bytes and feeds what it reads.
//!
//! See `docs/escpos.md` for every byte and the source of the bit layouts.

use std::collections::VecDeque;

/// ESC, the prefix of most ESC/POS commands.
pub const ESC: u8 = 0x1B;
/// GS, the prefix of graphics, barcode and status commands.
pub const GS: u8 = 0x1D;
/// FS, the prefix of Kanji/Chinese character-mode commands.
pub const FS: u8 = 0x1C;
/// DLE, the prefix of real-time commands.
pub const DLE: u8 = 0x10;
/// EOT, the second byte of `DLE EOT n` (transmit real-time status).
pub const EOT: u8 = 0x04;
/// LF: print the line buffer and feed one line.
pub const LF: u8 = 0x0A;

/// `ESC @`: initialise the printer (clears the buffer and modes).
pub const INIT: [u8; 2] = [ESC, b'@'];
/// `FS &`: enter Chinese (Kanji) character mode; following bytes are GB18030.
pub const CHINESE_ON: [u8; 2] = [FS, b'&'];
/// `FS .`: leave Chinese character mode.
pub const CHINESE_OFF: [u8; 2] = [FS, b'.'];
/// `GS a 15`: enable Automatic Status Back for drawer, on/offline, error and
/// roll-paper sensor changes (bits 0-3).
pub const ASB_ENABLE: [u8; 3] = [GS, b'a', 0x0F];

/// Longest text field in bytes after encoding (a bound on the output, not a
/// line width: the printer wraps long lines itself).
pub const TEXT_MAX_BYTES: usize = 512;
/// Most characters in the CODE128 ticket barcode: 80 mm paper is 576 dots,
/// at module width 2 that is 288 modules; CODE128 needs 11 per character
/// plus 35 for start, check and stop and 20 for the quiet zones.
pub const BARCODE_MAX_CHARS: usize = 21;
/// Most bytes in the QR code: model 2, version 12 (65 modules) at error
/// correction M holds 287 bytes; at module size [`QR_MODULE_SIZE`] that is
/// 325 dots plus the quiet zone, inside 58 mm paper (384 dots).
pub const QR_MAX_BYTES: usize = 287;
/// QR module size in dots (`GS ( k` function 167).
pub const QR_MODULE_SIZE: u8 = 5;
/// Barcode height in dots (`GS h`).
pub const BARCODE_HEIGHT: u8 = 80;
/// Barcode module width (`GS w`).
pub const BARCODE_MODULE_WIDTH: u8 = 2;

/// Why a ticket could not be rendered, or status bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscPosError {
    /// A control character (C0, DEL, C1, or a line break) in a text field;
    /// it would be read by the printer as a command.
    #[error("{field}: control character U+{code:04X} is not allowed in ticket text")]
    ControlCharacter {
        /// The [`TicketLayout`] field.
        field: &'static str,
        /// The character's code point.
        code: u32,
    },
    /// A character GB18030 (as the WHATWG encoder implements it) cannot encode.
    #[error("{field}: character U+{code:04X} cannot be encoded as GB18030 (无法编码)")]
    Unencodable {
        /// The [`TicketLayout`] field.
        field: &'static str,
        /// The character's code point.
        code: u32,
    },
    /// A text field longer than [`TEXT_MAX_BYTES`] once encoded.
    #[error("{field}: text is {len} bytes, at most {TEXT_MAX_BYTES}")]
    TextTooLong {
        /// The [`TicketLayout`] field.
        field: &'static str,
        /// Encoded length.
        len: usize,
    },
    /// The barcode data is empty.
    #[error("barcode data is empty")]
    BarcodeEmpty,
    /// A character CODE128 code set B cannot print (only ASCII 0x20..=0x7E).
    #[error("barcode data has U+{0:04X}, CODE128 code set B prints ASCII 0x20..=0x7E only")]
    BarcodeCharacter(u32),
    /// More than [`BARCODE_MAX_CHARS`] characters.
    #[error("barcode data is {0} characters, at most {BARCODE_MAX_CHARS}")]
    BarcodeTooLong(usize),
    /// The QR URL is empty.
    #[error("QR data is empty")]
    QrEmpty,
    /// More than [`QR_MAX_BYTES`] bytes.
    #[error("QR data is {0} bytes, at most {QR_MAX_BYTES}")]
    QrTooLong(usize),
    /// `DLE EOT n` with n outside 1..=4.
    #[error("DLE EOT n must be 1..=4, got {0}")]
    RealTimeRequest(u8),
    /// A byte without the fixed bits of a real-time status byte
    /// (bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0).
    #[error("byte {0:#04x} is not a real-time status byte")]
    NotRealTimeStatus(u8),
    /// Four bytes without the fixed bits of an Automatic Status Back.
    #[error("bytes {0:02x?} are not an automatic status back")]
    NotAsb([u8; 4]),
}

// ---------------------------------------------------------------------------
// Ticket layout
// ---------------------------------------------------------------------------

/// What a ticket shows. The printer actor fills it from the hall's ticket
/// template in the config; [`render`] turns it into ESC/POS bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketLayout {
    /// Hall name (大厅名称), printed centred, bold, double size.
    pub hall_name: String,
    /// Ticket number, e.g. "A023", printed centred at 4× size.
    pub number: String,
    /// Service item (事项), printed centred at double height.
    pub item: String,
    /// People ahead (前面还有 N 人等候).
    pub people_ahead: u32,
    /// Expected time, already formatted ("10:25" or "约 15 分钟"); omitted if empty.
    pub expected_time: String,
    /// Window direction (请到二楼 3-5 号窗口); omitted if empty.
    pub window_direction: String,
    /// Materials to bring (请携带材料), one numbered line each.
    pub materials: Vec<String>,
    /// Notices (温馨提示), one line each, after the materials.
    pub notices: Vec<String>,
    /// URL of the ticket's status page, printed as a QR code; `None` omits it.
    pub qr_url: Option<String>,
    /// Ticket id printed as a CODE128 barcode with its text below; `None` omits it.
    pub barcode: Option<String>,
    /// The printer's character set: every text is fitted to it
    /// ([`fit_text`]) and encoded in it.
    pub charset: Charset,
}

// ---------------------------------------------------------------------------
// Character sets (issue 8, item 4)
// ---------------------------------------------------------------------------

/// The character set a printer prints in Chinese character mode, from its
/// `[[printers]] charset` setting. GB18030 printers also print GBK, and GBK
/// printers GB2312, so a narrower setting is always safe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Charset {
    /// GB 18030 with its four-byte codes (`¥` is `81 30 84 36`).
    Gb18030,
    /// GBK: one- and two-byte codes only, what the Chinese fonts of most
    /// ESC/POS printers sold in China hold (the default: a four-byte
    /// GB18030 code prints as garbage on them, node-escpos #332).
    #[default]
    Gbk,
    /// GB 2312: the two-byte codes with lead and trail bytes 0xA1..=0xFE.
    Gb2312,
    /// ASCII only (a printer without a Chinese font).
    Ascii,
}

impl Charset {
    /// The setting's name in the config.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Gb18030 => "gb18030",
            Charset::Gbk => "gbk",
            Charset::Gb2312 => "gb2312",
            Charset::Ascii => "ascii",
        }
    }

    /// Encodes `s`, or gives the first character this set cannot print.
    /// Control characters are the caller's to refuse.
    pub fn encode(self, s: &str) -> Result<Vec<u8>, char> {
        match self {
            Charset::Gb18030 => encode_gb18030(s),
            Charset::Ascii => match s.chars().find(|c| !c.is_ascii()) {
                Some(c) => Err(c),
                None => Ok(s.as_bytes().to_vec()),
            },
            Charset::Gbk | Charset::Gb2312 => {
                let mut out = Vec::with_capacity(s.len() * 2);
                let mut buf = [0u8; 4];
                for c in s.chars() {
                    let (bytes, _, bad) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
                    let fits = !bad
                        && match *bytes {
                            [b] => b.is_ascii(),
                            [lead, trail] => {
                                self == Charset::Gbk || (lead >= 0xA1 && trail >= 0xA1)
                            }
                            _ => false,
                        };
                    if !fits {
                        return Err(c);
                    }
                    out.extend_from_slice(&bytes);
                }
                Ok(out)
            }
        }
    }

    /// Whether this set can print `c`.
    pub fn fits(self, c: char) -> bool {
        let mut buf = [0u8; 4];
        self.encode(c.encode_utf8(&mut buf)).is_ok()
    }
}

/// Stand-ins for characters a printer's set may lack, best first; the
/// first that fits the set is printed. Any other character that does not
/// fit is printed as [`UNPRINTABLE`]. Documented in `docs/escpos.md`.
pub const SUBSTITUTES: &[(char, &[&str])] = &[
    ('¥', &["￥", "Y"]),
    ('•', &["·", "*"]),
    ('·', &["*"]),
    ('€', &["EUR"]),
    ('–', &["-"]),
    ('—', &["-"]),
    ('“', &["\""]),
    ('”', &["\""]),
    ('‘', &["'"]),
    ('’', &["'"]),
    ('…', &["..."]),
    ('\u{a0}', &[" "]),
    ('￥', &["Y"]),
    ('：', &[":"]),
    ('，', &[","]),
    ('（', &["("]),
    ('）', &[")"]),
];

/// What a character the set lacks, without a substitute, is printed as.
pub const UNPRINTABLE: char = '?';

/// What `c` is printed as on a printer of set `cs`: itself if it fits,
/// else the first of its [`SUBSTITUTES`] that fits, else [`UNPRINTABLE`].
pub fn substitute(c: char, cs: Charset) -> String {
    if cs.fits(c) {
        return c.to_string();
    }
    SUBSTITUTES
        .iter()
        .find(|(from, _)| *from == c)
        .and_then(|(_, to)| to.iter().find(|t| t.chars().all(|t| cs.fits(t))))
        .map_or_else(|| UNPRINTABLE.to_string(), |t| (*t).to_string())
}

/// `text` with every character the set cannot print replaced
/// ([`substitute`]); control characters are left for [`push_text`] to refuse.
pub fn fit_text(text: &str, cs: Charset) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.to_string()
            } else {
                substitute(c, cs)
            }
        })
        .collect()
}

/// The characters of `text` the set cannot print, each once, in order
/// (for `check-config`'s warnings).
pub fn unprintable(text: &str, cs: Charset) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if !c.is_control() && !cs.fits(c) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Text alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// n = 0.
    Left = 0,
    /// n = 1.
    Center = 1,
    /// n = 2.
    Right = 2,
}

/// `ESC a n`.
pub fn align(a: Align) -> [u8; 3] {
    [ESC, b'a', a as u8]
}

/// `GS ! n`: character size, `width` and `height` magnification 1..=8
/// (clamped). n = (width-1) << 4 | (height-1).
pub fn size(width: u8, height: u8) -> [u8; 3] {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    [GS, b'!', (w << 4) | h]
}

/// `ESC E n`: emphasis (bold) on or off.
pub fn bold(on: bool) -> [u8; 3] {
    [ESC, b'E', u8::from(on)]
}

/// `GS V 66 n`: feed to the cutting position plus n motion units, then a
/// partial cut (function B).
pub fn cut(feed: u8) -> [u8; 4] {
    [GS, b'V', 66, feed]
}

/// `ESC d n`: print and feed n lines.
pub fn feed_lines(n: u8) -> [u8; 3] {
    [ESC, b'd', n]
}

/// Encodes `s` as GB18030, or gives the first character that cannot be
/// encoded. Shared with the LED strip text of the Modbus profile.
pub(crate) fn encode_gb18030(s: &str) -> Result<Vec<u8>, char> {
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(s);
    if !had_errors {
        return Ok(bytes.into_owned());
    }
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let (_, _, bad) = encoding_rs::GB18030.encode(c.encode_utf8(&mut buf));
        if bad {
            return Err(c);
        }
    }
    // Unreachable in practice: the whole string failed, so one character did.
    Err(char::REPLACEMENT_CHARACTER)
}

/// Appends `text` to `out`: ASCII runs as they are, other runs as GB18030
/// inside `FS &` … `FS .`. Refuses control characters and over-long text.
pub fn push_text(out: &mut Vec<u8>, field: &'static str, text: &str) -> Result<(), EscPosError> {
    push_encoded(out, field, text, Charset::Gb18030)
}

/// [`push_text`] for a printer of set `cs`: the text is fitted to the set
/// first ([`fit_text`]), then its non-ASCII runs are encoded in it.
pub fn push_text_in(
    out: &mut Vec<u8>,
    field: &'static str,
    text: &str,
    cs: Charset,
) -> Result<(), EscPosError> {
    push_encoded(out, field, &fit_text(text, cs), cs)
}

fn push_encoded(
    out: &mut Vec<u8>,
    field: &'static str,
    text: &str,
    cs: Charset,
) -> Result<(), EscPosError> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(EscPosError::ControlCharacter {
            field,
            code: u32::from(c),
        });
    }
    let mut encoded = Vec::with_capacity(text.len() + 8);
    let mut rest = text;
    while !rest.is_empty() {
        let ascii_end = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(ascii_end);
        encoded.extend_from_slice(ascii.as_bytes());
        let wide_end = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (wide, tail) = tail.split_at(wide_end);
        if !wide.is_empty() {
            let bytes = cs.encode(wide).map_err(|c| EscPosError::Unencodable {
                field,
                code: u32::from(c),
            })?;
            encoded.extend_from_slice(&CHINESE_ON);
            encoded.extend_from_slice(&bytes);
            encoded.extend_from_slice(&CHINESE_OFF);
        }
        rest = tail;
    }
    if encoded.len() > TEXT_MAX_BYTES {
        return Err(EscPosError::TextTooLong {
            field,
            len: encoded.len(),
        });
    }
    out.extend_from_slice(&encoded);
    Ok(())
}

fn push_line(
    out: &mut Vec<u8>,
    field: &'static str,
    text: &str,
    cs: Charset,
) -> Result<(), EscPosError> {
    push_text_in(out, field, text, cs)?;
    out.push(LF);
    Ok(())
}

/// `GS H 2`, `GS h`, `GS w`, then `GS k 73 n {B data`: a CODE128 barcode in
/// code set B with its human-readable text below. A `{` in the data is sent
/// as `{{`.
pub fn code128(data: &str) -> Result<Vec<u8>, EscPosError> {
    if data.is_empty() {
        return Err(EscPosError::BarcodeEmpty);
    }
    if let Some(c) = data.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(EscPosError::BarcodeCharacter(u32::from(c)));
    }
    // All ASCII now, so bytes == characters.
    if data.len() > BARCODE_MAX_CHARS {
        return Err(EscPosError::BarcodeTooLong(data.len()));
    }
    let mut body = Vec::with_capacity(2 + 2 * data.len());
    body.extend_from_slice(b"{B");
    for b in data.bytes() {
        body.push(b);
        if b == b'{' {
            body.push(b'{');
        }
    }
    // At most 2 + 2 * 21 bytes, far below 255.
    let n = u8::try_from(body.len()).map_err(|_| EscPosError::BarcodeTooLong(data.len()))?;
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(&[GS, b'H', 2]); // HRI below
    out.extend_from_slice(&[GS, b'h', BARCODE_HEIGHT]);
    out.extend_from_slice(&[GS, b'w', BARCODE_MODULE_WIDTH]);
    out.extend_from_slice(&[GS, b'k', 73, n]);
    out.extend_from_slice(&body);
    Ok(out)
}

/// The `GS ( k` sequence for a QR code: model 2, module size
/// [`QR_MODULE_SIZE`], error correction M, store `data`, print.
pub fn qr_code(data: &str) -> Result<Vec<u8>, EscPosError> {
    let bytes = data.as_bytes();
    if bytes.is_empty() {
        return Err(EscPosError::QrEmpty);
    }
    if bytes.len() > QR_MAX_BYTES {
        return Err(EscPosError::QrTooLong(bytes.len()));
    }
    // pL + pH·256 = k + 3 ≤ 290.
    let [p_l, p_h, ..] = (bytes.len() + 3).to_le_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 40);
    // Function 165: select model 2.
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    // Function 167: module size.
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, QR_MODULE_SIZE]);
    // Function 169: error correction level M (49).
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, 49]);
    // Function 180: store the data in the symbol storage area.
    out.extend_from_slice(&[GS, b'(', b'k', p_l, p_h, 49, 80, 48]);
    out.extend_from_slice(bytes);
    // Function 181: print the symbol.
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    Ok(out)
}

/// Renders a ticket:
///
/// ```text
/// ESC @                              init
/// ESC a 1, ESC E 1, GS ! 0x11        hall name, centred, bold, 2×2
/// GS ! 0x33                          number at 4×4
/// GS ! 0x01                          item at double height
/// ESC a 0, GS ! 0x00                 people ahead, expected time,
///                                    window direction (bold), materials, notices
/// ESC a 1                            CODE128 barcode, QR code
/// ESC d 3, GS V 66 0                 feed and partial cut
/// ```
///
/// Errors on a text field with control characters, text GB18030 cannot
/// encode or longer than [`TEXT_MAX_BYTES`], barcode data CODE128 B cannot
/// carry, and QR data that is empty or longer than [`QR_MAX_BYTES`].
pub fn render(t: &TicketLayout) -> Result<Vec<u8>, EscPosError> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(&INIT);
    out.extend_from_slice(&align(Align::Center));

    out.extend_from_slice(&bold(true));
    out.extend_from_slice(&size(2, 2));
    push_line(&mut out, "hall_name", &t.hall_name, t.charset)?;
    out.extend_from_slice(&bold(false));
    out.extend_from_slice(&size(1, 1));
    out.push(LF);

    out.extend_from_slice(&size(4, 4));
    push_line(&mut out, "number", &t.number, t.charset)?;
    out.extend_from_slice(&size(1, 2));
    push_line(&mut out, "item", &t.item, t.charset)?;
    out.extend_from_slice(&size(1, 1));
    out.push(LF);

    out.extend_from_slice(&align(Align::Left));
    push_line(
        &mut out,
        "people_ahead",
        &format!("前面还有 {} 人等候", t.people_ahead),
        t.charset,
    )?;
    if !t.expected_time.is_empty() {
        push_text_in(&mut out, "expected_time", "预计办理时间：", t.charset)?;
        push_line(&mut out, "expected_time", &t.expected_time, t.charset)?;
    }
    if !t.window_direction.is_empty() {
        out.extend_from_slice(&bold(true));
        push_line(&mut out, "window_direction", &t.window_direction, t.charset)?;
        out.extend_from_slice(&bold(false));
    }
    if !t.materials.is_empty() {
        push_line(&mut out, "materials", "请携带材料：", t.charset)?;
        for (i, m) in t.materials.iter().enumerate() {
            push_line(
                &mut out,
                "materials",
                &format!("  {}. {m}", i + 1),
                t.charset,
            )?;
        }
    }
    for n in &t.notices {
        push_line(&mut out, "notices", n, t.charset)?;
    }

    out.extend_from_slice(&align(Align::Center));
    if let Some(data) = &t.barcode {
        out.push(LF);
        out.extend_from_slice(&code128(data)?);
        out.push(LF);
    }
    if let Some(url) = &t.qr_url {
        out.push(LF);
        out.extend_from_slice(&qr_code(url)?);
        out.push(LF);
    }
    out.extend_from_slice(&feed_lines(3));
    out.extend_from_slice(&cut(0));
    Ok(out)
}

// ---------------------------------------------------------------------------
// Status replies
// ---------------------------------------------------------------------------

/// Which real-time status a `DLE EOT n` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RealTimeRequest {
    /// n = 1: printer status (online/offline).
    Printer = 1,
    /// n = 2: offline cause (cover, paper-end stop, error).
    OfflineCause = 2,
    /// n = 3: error cause (mechanical, autocutter, unrecoverable, auto-recoverable).
    ErrorCause = 3,
    /// n = 4: roll paper sensors (near end, end).
    RollPaper = 4,
}

impl RealTimeRequest {
    /// All four, in n order.
    pub const ALL: [RealTimeRequest; 4] = [
        RealTimeRequest::Printer,
        RealTimeRequest::OfflineCause,
        RealTimeRequest::ErrorCause,
        RealTimeRequest::RollPaper,
    ];

    /// The n of `DLE EOT n`.
    pub fn n(self) -> u8 {
        self as u8
    }

    /// The request from n, 1..=4.
    pub fn from_n(n: u8) -> Result<Self, EscPosError> {
        match n {
            1 => Ok(RealTimeRequest::Printer),
            2 => Ok(RealTimeRequest::OfflineCause),
            3 => Ok(RealTimeRequest::ErrorCause),
            4 => Ok(RealTimeRequest::RollPaper),
            _ => Err(EscPosError::RealTimeRequest(n)),
        }
    }

    /// The bytes `DLE EOT n`.
    pub fn command(self) -> [u8; 3] {
        [DLE, EOT, self.n()]
    }
}

/// One decoded real-time status byte; which fields it carries depends on the
/// request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealTimeStatus {
    /// Answer to n = 1.
    Printer {
        /// Bit 3 off.
        online: bool,
        /// Bit 2: drawer kick-out connector pin 3 is high.
        drawer_pin3_high: bool,
        /// Bit 5: waiting for online recovery.
        waiting_recovery: bool,
        /// Bit 6: the paper feed button is pressed.
        feed_button: bool,
    },
    /// Answer to n = 2.
    OfflineCause {
        /// Bit 2.
        cover_open: bool,
        /// Bit 3: paper is being fed by the feed button.
        feeding: bool,
        /// Bit 5: printing stopped because of paper end.
        paper_end_stop: bool,
        /// Bit 6: an error occurred.
        error: bool,
    },
    /// Answer to n = 3.
    ErrorCause {
        /// Bit 2: mechanical (recoverable) error.
        mechanical: bool,
        /// Bit 3: autocutter error.
        autocutter: bool,
        /// Bit 5: unrecoverable error.
        unrecoverable: bool,
        /// Bit 6: automatically recoverable error (e.g. head temperature).
        auto_recoverable: bool,
    },
    /// Answer to n = 4.
    RollPaper {
        /// Bits 2-3: roll paper near end.
        near_end: bool,
        /// Bits 5-6: roll paper not present.
        paper_end: bool,
    },
}

/// The printer's error, most severe first when several bits are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrinterFault {
    /// Unrecoverable error: the printer needs service.
    Unrecoverable,
    /// Autocutter error (jam): recoverable by clearing the cutter.
    Autocutter,
    /// Mechanical error, e.g. print head home position.
    Mechanical,
    /// Automatically recoverable error, e.g. print head overheating.
    AutoRecoverable,
    /// `DLE EOT 2` reported an error but its cause is not known yet.
    Unspecified,
}

impl PrinterFault {
    fn from_bits(
        mechanical: bool,
        autocutter: bool,
        unrecoverable: bool,
        auto: bool,
    ) -> Option<Self> {
        if unrecoverable {
            Some(PrinterFault::Unrecoverable)
        } else if autocutter {
            Some(PrinterFault::Autocutter)
        } else if mechanical {
            Some(PrinterFault::Mechanical)
        } else if auto {
            Some(PrinterFault::AutoRecoverable)
        } else {
            None
        }
    }
}

/// The printer as the hall cares about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// The printer is online (accepts and prints data).
    pub online: bool,
    /// The cover is open.
    pub cover_open: bool,
    /// The roll-paper near-end sensor has tripped (取号机缺纸预警).
    pub paper_near_end: bool,
    /// Paper has run out (or printing stopped because of paper end).
    pub paper_end: bool,
    /// An error, if any.
    pub error: Option<PrinterFault>,
}

impl PrinterStatus {
    /// Whether tickets can be printed: online, cover closed, paper present,
    /// no error. Near end still prints (it only raises a warning).
    pub fn can_print(&self) -> bool {
        self.online && !self.cover_open && !self.paper_end && self.error.is_none()
    }

    /// Merges one real-time status answer into this view.
    pub fn apply(&mut self, s: &RealTimeStatus) {
        match *s {
            RealTimeStatus::Printer { online, .. } => self.online = online,
            RealTimeStatus::OfflineCause {
                cover_open,
                paper_end_stop,
                error,
                ..
            } => {
                self.cover_open = cover_open;
                if paper_end_stop {
                    self.paper_end = true;
                }
                self.error = match (error, self.error) {
                    (false, _) => None,
                    (true, Some(known)) => Some(known),
                    (true, None) => Some(PrinterFault::Unspecified),
                };
            }
            RealTimeStatus::ErrorCause {
                mechanical,
                autocutter,
                unrecoverable,
                auto_recoverable,
            } => {
                self.error = PrinterFault::from_bits(
                    mechanical,
                    autocutter,
                    unrecoverable,
                    auto_recoverable,
                );
            }
            RealTimeStatus::RollPaper {
                near_end,
                paper_end,
            } => {
                self.paper_near_end = near_end;
                self.paper_end = paper_end;
            }
        }
    }
}

const fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Whether `byte` has the fixed bits of a real-time status byte:
/// bits 0 and 7 off, bits 1 and 4 on.
pub const fn is_realtime_status(byte: u8) -> bool {
    byte & 0x93 == 0x12
}

/// Whether `byte` can start an Automatic Status Back: bits 0, 1 and 7 off,
/// bit 4 on.
pub const fn is_asb_first(byte: u8) -> bool {
    byte & 0x93 == 0x10
}

/// Whether `byte` can be byte 2, 3 or 4 of an ASB: bits 4 and 7 off.
pub const fn is_asb_rest(byte: u8) -> bool {
    byte & 0x90 == 0x00
}

/// Decodes a real-time status byte answering `request`.
pub fn decode_realtime(request: RealTimeRequest, byte: u8) -> Result<RealTimeStatus, EscPosError> {
    if !is_realtime_status(byte) {
        return Err(EscPosError::NotRealTimeStatus(byte));
    }
    Ok(match request {
        RealTimeRequest::Printer => RealTimeStatus::Printer {
            online: !bit(byte, 3),
            drawer_pin3_high: bit(byte, 2),
            waiting_recovery: bit(byte, 5),
            feed_button: bit(byte, 6),
        },
        RealTimeRequest::OfflineCause => RealTimeStatus::OfflineCause {
            cover_open: bit(byte, 2),
            feeding: bit(byte, 3),
            paper_end_stop: bit(byte, 5),
            error: bit(byte, 6),
        },
        RealTimeRequest::ErrorCause => RealTimeStatus::ErrorCause {
            mechanical: bit(byte, 2),
            autocutter: bit(byte, 3),
            unrecoverable: bit(byte, 5),
            auto_recoverable: bit(byte, 6),
        },
        RealTimeRequest::RollPaper => RealTimeStatus::RollPaper {
            near_end: bit(byte, 2) || bit(byte, 3),
            paper_end: bit(byte, 5) || bit(byte, 6),
        },
    })
}

/// Decodes a 4-byte Automatic Status Back into a complete status.
pub fn decode_asb(bytes: [u8; 4]) -> Result<PrinterStatus, EscPosError> {
    let [b1, b2, b3, b4] = bytes;
    if !is_asb_first(b1) || !is_asb_rest(b2) || !is_asb_rest(b3) || !is_asb_rest(b4) {
        return Err(EscPosError::NotAsb(bytes));
    }
    Ok(PrinterStatus {
        online: !bit(b1, 3),
        cover_open: bit(b1, 5),
        paper_near_end: bit(b3, 0) || bit(b3, 1),
        paper_end: bit(b3, 2) || bit(b3, 3),
        error: PrinterFault::from_bits(bit(b2, 2), bit(b2, 3), bit(b2, 5), bit(b2, 6)),
    })
}

/// What the [`StatusDecoder`] found in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusEvent {
    /// A real-time status byte answering the oldest outstanding request.
    RealTime(RealTimeStatus),
    /// A complete Automatic Status Back.
    Asb(PrinterStatus),
}

/// Outstanding `DLE EOT n` requests kept at most; older ones are dropped.
pub const MAX_PENDING: usize = 16;

/// Streaming decoder of what a printer sends back.
///
/// Real-time status bytes carry no request number, so the transport calls
/// [`StatusDecoder::expect`] each time it sends `DLE EOT n`, and answers are
/// matched to requests in order. ASBs arrive unsolicited. Bytes that fit
/// neither (XON/XOFF, line noise, an answer nobody asked for) are skipped and
/// counted; a broken ASB is dropped when a byte that cannot continue it
/// arrives, and decoding restarts at that byte.
#[derive(Debug, Clone, Default)]
pub struct StatusDecoder {
    pending: VecDeque<RealTimeRequest>,
    asb: [u8; 4],
    asb_len: usize,
    status: PrinterStatus,
    skipped: u64,
}

impl StatusDecoder {
    /// A decoder with no outstanding requests and an all-false status.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `DLE EOT n` was sent; its answer is the next real-time
    /// status byte not claimed by an earlier request.
    pub fn expect(&mut self, request: RealTimeRequest) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(request);
    }

    /// Forgets outstanding requests and any partial ASB (after a read
    /// timeout or a reconnect). The merged status is kept.
    pub fn reset(&mut self) {
        self.skipped += self.asb_len as u64;
        self.pending.clear();
        self.asb_len = 0;
    }

    /// The status merged from everything decoded so far.
    pub fn status(&self) -> PrinterStatus {
        self.status
    }

    /// Bytes skipped as garbage so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Requests still waiting for their answer.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Feeds one byte.
    pub fn push(&mut self, byte: u8) -> Option<StatusEvent> {
        if self.asb_len > 0 {
            if is_asb_rest(byte) {
                if let Some(slot) = self.asb.get_mut(self.asb_len) {
                    *slot = byte;
                }
                self.asb_len += 1;
                if self.asb_len < 4 {
                    return None;
                }
                self.asb_len = 0;
                return match decode_asb(self.asb) {
                    Ok(status) => {
                        self.status = status;
                        Some(StatusEvent::Asb(status))
                    }
                    Err(_) => {
                        self.skipped += 4;
                        None
                    }
                };
            }
            // Cannot continue the ASB: drop it and look at this byte afresh.
            self.skipped += self.asb_len as u64;
            self.asb_len = 0;
        }
        if is_asb_first(byte) {
            self.asb = [byte, 0, 0, 0];
            self.asb_len = 1;
            return None;
        }
        if is_realtime_status(byte) {
            if let Some(request) = self.pending.pop_front() {
                if let Ok(s) = decode_realtime(request, byte) {
                    self.status.apply(&s);
                    return Some(StatusEvent::RealTime(s));
                }
            }
        }
        self.skipped += 1;
        None
    }

    /// Feeds bytes, returning every status they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<StatusEvent> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> TicketLayout {
        TicketLayout {
            hall_name: "成华区政务服务中心".into(),
            number: "A023".into(),
            item: "社保卡补办".into(),
            people_ahead: 5,
            expected_time: "10:25".into(),
            window_direction: "请到二楼 3-5 号窗口".into(),
            materials: vec!["身份证原件".into(), "1-inch photo".into()],
            notices: vec!["过号请重新取号".into()],
            qr_url: Some("https://hall.example/t/20240612-A023".into()),
            barcode: Some("20240612-A023".into()),
            charset: Charset::Gb18030,
        }
    }

    // Issue 8, item 4 — kind: every text sent to a device fits that
    // device's character set. The input: `¥` and `•` in ticket text, sent
    // as GB18030 four-byte codes that a GBK-only printer prints as garbage.

    #[test]
    fn yen_and_bullet_fit_each_charset() {
        assert_eq!(
            Charset::Gb18030.encode("¥•").unwrap().len(),
            8,
            "four bytes each"
        );
        assert_eq!(Charset::Gbk.encode("¥"), Err('¥'));
        assert_eq!(Charset::Gbk.encode("•"), Err('•'));
        assert_eq!(substitute('¥', Charset::Gb18030), "¥");
        assert_eq!(substitute('¥', Charset::Gbk), "￥");
        assert_eq!(substitute('¥', Charset::Gb2312), "￥");
        assert_eq!(substitute('¥', Charset::Ascii), "Y");
        assert_eq!(substitute('•', Charset::Gbk), "·");
        assert_eq!(substitute('•', Charset::Gb2312), "·");
        assert_eq!(substitute('•', Charset::Ascii), "*");
        assert_eq!(substitute('中', Charset::Ascii), "?");
        assert_eq!(
            unprintable("费用¥20 • 现场缴纳¥", Charset::Gbk),
            vec!['¥', '•']
        );
        assert!(unprintable("费用¥20 • 现场缴纳", Charset::Gb18030).is_empty());
        // GBK has two-byte codes outside GB2312 (lead or trail below 0xA1).
        assert_eq!(Charset::Gbk.encode("丂").unwrap(), vec![0x81, 0x40]);
        assert_eq!(Charset::Gb2312.encode("丂"), Err('丂'));
        assert_eq!(Charset::Gb2312.encode("中").unwrap(), vec![0xD6, 0xD0]);
    }

    #[test]
    fn a_gbk_ticket_has_no_four_byte_code() {
        let mut t = layout();
        t.charset = Charset::Gbk;
        t.notices = vec!["工本费 ¥20 • 现场缴纳".into()];
        let bytes = render(&t).unwrap();
        assert!(
            find(&bytes, &[0x81, 0x30, 0x84, 0x36]).is_none(),
            "no GB18030 ¥"
        );
        let line = [
            &CHINESE_ON[..],
            &gb("工本费")[..],
            &CHINESE_OFF[..],
            b" ",
            &CHINESE_ON[..],
            &gb("￥")[..],
            &CHINESE_OFF[..],
            b"20 ",
            &CHINESE_ON[..],
            &gb("·")[..],
            &CHINESE_OFF[..],
        ]
        .concat();
        assert!(find(&bytes, &line).is_some());
    }

    proptest::proptest! {
        /// Whatever the text, a fitted text encodes in its set.
        #[test]
        fn fitted_text_always_encodes(text in "\\PC{0,40}", cs in proptest::sample::select(vec![
            Charset::Gb18030, Charset::Gbk, Charset::Gb2312, Charset::Ascii])) {
            let fitted = fit_text(&text, cs);
            proptest::prop_assert!(cs.encode(&fitted).is_ok(), "{:?}", fitted);
            proptest::prop_assert!(unprintable(&fitted, cs).is_empty());
        }
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn gb(s: &str) -> Vec<u8> {
        encode_gb18030(s).unwrap()
    }

    #[test]
    fn ticket_bytes() {
        let bytes = render(&layout()).unwrap();
        assert!(bytes.starts_with(&[ESC, b'@', ESC, b'a', 1, ESC, b'E', 1, GS, b'!', 0x11]));
        assert!(bytes.ends_with(&[ESC, b'd', 3, GS, b'V', 66, 0]));
        // Chinese text is GB18030 between FS & and FS .
        let mut hall = vec![FS, b'&'];
        hall.extend(gb("成华区政务服务中心"));
        hall.extend([FS, b'.', LF]);
        assert!(find(&bytes, &hall).is_some());
        assert_eq!(gb("中"), vec![0xD6, 0xD0]);
        // The number is plain ASCII at 4×4.
        assert!(find(&bytes, &[GS, b'!', 0x33, b'A', b'0', b'2', b'3', LF]).is_some());
        // Mixed text: ASCII outside, Chinese inside.
        let mut ahead = vec![FS, b'&'];
        ahead.extend(gb("前面还有"));
        ahead.extend([FS, b'.']);
        ahead.extend(b" 5 ");
        ahead.extend([FS, b'&']);
        ahead.extend(gb("人等候"));
        ahead.extend([FS, b'.', LF]);
        assert!(find(&bytes, &ahead).is_some());
        assert!(find(&bytes, b"  2. 1-inch photo\n").is_some());
        // Barcode: HRI below, CODE128 code set B.
        let mut bc = vec![GS, b'H', 2, GS, b'h', 80, GS, b'w', 2, GS, b'k', 73, 15];
        bc.extend(b"{B20240612-A023");
        assert!(find(&bytes, &bc).is_some());
        // QR: model 2, size, EC M, store (k + 3 = 38), print.
        let url = b"https://hall.example/t/20240612-A023";
        let mut qr = vec![GS, b'(', b'k', 4, 0, 49, 65, 50, 0];
        qr.extend([GS, b'(', b'k', 3, 0, 49, 67, 5]);
        qr.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]);
        qr.extend([GS, b'(', b'k', (url.len() + 3) as u8, 0, 49, 80, 48]);
        qr.extend(url);
        qr.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]);
        assert!(find(&bytes, &qr).is_some());
        // Nothing in the output is a stray control byte outside commands:
        // every FS & has its FS .
        let on = bytes.windows(2).filter(|w| *w == CHINESE_ON).count();
        let off = bytes.windows(2).filter(|w| *w == CHINESE_OFF).count();
        assert_eq!(on, off);
    }

    #[test]
    fn optional_parts() {
        let t = TicketLayout {
            number: "B001".into(),
            ..TicketLayout::default()
        };
        let bytes = render(&t).unwrap();
        assert!(find(&bytes, &[GS, b'k']).is_none());
        assert!(find(&bytes, &[GS, b'(', b'k']).is_none());
        assert!(find(&bytes, &gb("预计")).is_none());
        assert!(find(&bytes, &gb("请携带材料")).is_none());
    }

    #[test]
    fn commands() {
        assert_eq!(size(1, 1), [GS, b'!', 0x00]);
        assert_eq!(size(2, 1), [GS, b'!', 0x10]);
        assert_eq!(size(8, 8), [GS, b'!', 0x77]);
        assert_eq!(size(0, 9), [GS, b'!', 0x07]);
        assert_eq!(align(Align::Right), [ESC, b'a', 2]);
        assert_eq!(bold(false), [ESC, b'E', 0]);
        assert_eq!(cut(5), [GS, b'V', 66, 5]);
        let bc = code128("A{1").unwrap();
        assert!(bc.ends_with(&[GS, b'k', 73, 6, b'{', b'B', b'A', b'{', b'{', b'1']));
        assert!(code128(&"9".repeat(BARCODE_MAX_CHARS)).is_ok());
        assert!(qr_code(&"x".repeat(QR_MAX_BYTES)).is_ok());
        let long = qr_code(&"x".repeat(QR_MAX_BYTES)).unwrap();
        assert!(find(&long, &[GS, b'(', b'k', 34, 1, 49, 80, 48]).is_some()); // 290 = 0x122
    }

    #[test]
    fn render_errors() {
        let e = |f: fn(&mut TicketLayout)| {
            let mut t = layout();
            f(&mut t);
            render(&t).unwrap_err()
        };
        assert_eq!(
            e(|t| t.item = "a\x1b@".into()),
            EscPosError::ControlCharacter {
                field: "item",
                code: 0x1B
            }
        );
        assert_eq!(
            e(|t| t.materials.push("x\ny".into())),
            EscPosError::ControlCharacter {
                field: "materials",
                code: 0x0A
            }
        );
        // U+E5E5 is the one code point the WHATWG GB18030 encoder refuses:
        // push_text refuses it, a ticket prints it as UNPRINTABLE.
        let mut out = Vec::new();
        assert_eq!(
            push_text(&mut out, "hall_name", "大厅\u{E5E5}"),
            Err(EscPosError::Unencodable {
                field: "hall_name",
                code: 0xE5E5
            })
        );
        let mut t = layout();
        t.hall_name = "大厅\u{E5E5}".into();
        let bytes = render(&t).unwrap();
        assert!(find(&bytes, &[&gb("大厅")[..], &CHINESE_OFF[..], b"?"].concat()).is_some());
        assert_eq!(
            e(|t| t.notices.push("中".repeat(300))),
            EscPosError::TextTooLong {
                field: "notices",
                len: 604
            }
        );
        assert_eq!(
            e(|t| t.barcode = Some(String::new())),
            EscPosError::BarcodeEmpty
        );
        assert_eq!(
            e(|t| t.barcode = Some("A-号".into())),
            EscPosError::BarcodeCharacter(u32::from('号'))
        );
        assert_eq!(
            e(|t| t.barcode = Some("A\tB".into())),
            EscPosError::BarcodeCharacter(9)
        );
        assert_eq!(
            e(|t| t.barcode = Some("1".repeat(22))),
            EscPosError::BarcodeTooLong(22)
        );
        assert_eq!(e(|t| t.qr_url = Some(String::new())), EscPosError::QrEmpty);
        assert_eq!(
            e(|t| t.qr_url = Some("u".repeat(288))),
            EscPosError::QrTooLong(288)
        );
        assert!(EscPosError::Unencodable {
            field: "item",
            code: 0xE5E5
        }
        .to_string()
        .contains("GB18030"));
    }

    #[test]
    fn realtime_status() {
        assert_eq!(
            RealTimeRequest::from_n(0),
            Err(EscPosError::RealTimeRequest(0))
        );
        assert_eq!(
            RealTimeRequest::from_n(5),
            Err(EscPosError::RealTimeRequest(5))
        );
        for r in RealTimeRequest::ALL {
            assert_eq!(RealTimeRequest::from_n(r.n()), Ok(r));
            assert_eq!(r.command(), [0x10, 0x04, r.n()]);
        }
        // 0x12: all clear.
        assert_eq!(
            decode_realtime(RealTimeRequest::Printer, 0x12),
            Ok(RealTimeStatus::Printer {
                online: true,
                drawer_pin3_high: false,
                waiting_recovery: false,
                feed_button: false
            })
        );
        assert_eq!(
            decode_realtime(RealTimeRequest::Printer, 0x1A),
            Ok(RealTimeStatus::Printer {
                online: false,
                drawer_pin3_high: false,
                waiting_recovery: false,
                feed_button: false
            })
        );
        assert_eq!(
            decode_realtime(RealTimeRequest::OfflineCause, 0x12 | 0x04 | 0x20 | 0x40),
            Ok(RealTimeStatus::OfflineCause {
                cover_open: true,
                feeding: false,
                paper_end_stop: true,
                error: true
            })
        );
        assert_eq!(
            decode_realtime(RealTimeRequest::ErrorCause, 0x12 | 0x08),
            Ok(RealTimeStatus::ErrorCause {
                mechanical: false,
                autocutter: true,
                unrecoverable: false,
                auto_recoverable: false
            })
        );
        assert_eq!(
            decode_realtime(RealTimeRequest::RollPaper, 0x12 | 0x0C),
            Ok(RealTimeStatus::RollPaper {
                near_end: true,
                paper_end: false
            })
        );
        assert_eq!(
            decode_realtime(RealTimeRequest::RollPaper, 0x72),
            Ok(RealTimeStatus::RollPaper {
                near_end: false,
                paper_end: true
            })
        );
        for bad in [0x00, 0x10, 0x13, 0x92, 0x02] {
            assert_eq!(
                decode_realtime(RealTimeRequest::Printer, bad),
                Err(EscPosError::NotRealTimeStatus(bad))
            );
        }
    }

    #[test]
    fn asb() {
        assert_eq!(
            decode_asb([0x10, 0, 0, 0]),
            Ok(PrinterStatus {
                online: true,
                ..PrinterStatus::default()
            })
        );
        let s = decode_asb([0x10 | 0x08 | 0x20, 0x20 | 0x08, 0x03 | 0x0C, 0x00]).unwrap();
        assert_eq!(
            s,
            PrinterStatus {
                online: false,
                cover_open: true,
                paper_near_end: true,
                paper_end: true,
                error: Some(PrinterFault::Unrecoverable)
            }
        );
        assert!(!s.can_print());
        assert_eq!(
            decode_asb([0x10, 0x04 | 0x40, 0, 0]).unwrap().error,
            Some(PrinterFault::Mechanical)
        );
        assert_eq!(
            decode_asb([0x10, 0x40, 0, 0]).unwrap().error,
            Some(PrinterFault::AutoRecoverable)
        );
        let near = decode_asb([0x10, 0, 0x03, 0]).unwrap();
        assert!(near.paper_near_end && near.can_print());
        for bad in [
            [0x12, 0, 0, 0],
            [0x10, 0x10, 0, 0],
            [0x10, 0, 0x80, 0],
            [0x00, 0, 0, 0],
        ] {
            assert_eq!(decode_asb(bad), Err(EscPosError::NotAsb(bad)));
        }
    }

    #[test]
    fn merge_realtime_answers() {
        let mut s = PrinterStatus::default();
        s.apply(&RealTimeStatus::Printer {
            online: true,
            drawer_pin3_high: false,
            waiting_recovery: false,
            feed_button: false,
        });
        assert!(s.can_print());
        let offline_error = RealTimeStatus::OfflineCause {
            cover_open: false,
            feeding: false,
            paper_end_stop: false,
            error: true,
        };
        s.apply(&offline_error);
        assert_eq!(s.error, Some(PrinterFault::Unspecified));
        s.apply(&RealTimeStatus::ErrorCause {
            mechanical: false,
            autocutter: true,
            unrecoverable: false,
            auto_recoverable: false,
        });
        assert_eq!(s.error, Some(PrinterFault::Autocutter));
        // A later "error" from n = 2 keeps the known cause.
        s.apply(&offline_error);
        assert_eq!(s.error, Some(PrinterFault::Autocutter));
        s.apply(&RealTimeStatus::OfflineCause {
            cover_open: true,
            feeding: false,
            paper_end_stop: true,
            error: false,
        });
        assert!(s.cover_open && s.paper_end && s.error.is_none());
        s.apply(&RealTimeStatus::RollPaper {
            near_end: false,
            paper_end: false,
        });
        assert!(!s.paper_end);
    }

    #[test]
    fn decoder_stream() {
        let mut d = StatusDecoder::new();
        // An unsolicited real-time byte is skipped.
        assert!(d.feed(&[0x12]).is_empty());
        assert_eq!(d.skipped(), 1);
        for r in RealTimeRequest::ALL {
            d.expect(r);
        }
        assert_eq!(d.pending(), 4);
        // XON, then the four answers with an ASB in the middle.
        let events = d.feed(&[0x11, 0x12, 0x16, 0x10, 0x00, 0x03, 0x00, 0x12]);
        assert_eq!(d.skipped(), 2);
        assert_eq!(events.len(), 4);
        assert!(matches!(events[2], StatusEvent::Asb(_)));
        assert_eq!(
            events[3],
            StatusEvent::RealTime(RealTimeStatus::ErrorCause {
                mechanical: false,
                autocutter: false,
                unrecoverable: false,
                auto_recoverable: false
            })
        );
        assert_eq!(d.pending(), 1);
        let s = d.status();
        assert!(s.online && s.paper_near_end && !s.cover_open);
        // A broken ASB (a byte with bit 4 set arrives) is dropped and that
        // byte starts a new one.
        let events = d.feed(&[0x10, 0x00, 0x10, 0x00, 0x0C, 0x00]);
        assert_eq!(events.len(), 1);
        assert!(d.status().paper_end);
        assert_eq!(d.skipped(), 4);
        d.feed(&[0x10, 0x00]);
        d.reset();
        assert_eq!(d.pending(), 0);
        assert_eq!(d.skipped(), 6);
        // Pending requests are bounded.
        for _ in 0..100 {
            d.expect(RealTimeRequest::Printer);
        }
        assert_eq!(d.pending(), MAX_PENDING);
    }
}
