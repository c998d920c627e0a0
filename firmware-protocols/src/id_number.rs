//! Resident ID numbers (居民身份证号码, GB 11643-1999) and masking of personal data.
//!
//! A kiosk's ID-card reader or a citizen's typing gives an 18-character
//! number; it is validated here once (length, characters, a real birth date,
//! the ISO 7064 MOD 11-2 check digit) so a typo is refused at the kiosk
//! instead of ending up in a case file. The same module masks ID numbers,
//! phone numbers and names, because personal data is masked on every screen
//! and in every log line: [`IdNumber`]'s `Debug` and `Display` print the
//! masked form, and only [`IdNumber::as_str`] gives the full number (for
//! encrypted storage).
//!
//! See `docs/id-number.md`.

use std::fmt;
use std::str::FromStr;

/// Weights W_i of positions 1..=17 (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of (Σ a_i·W_i) mod 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Why an ID number was refused. The messages are Chinese first, then
/// English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters.
    #[error("身份证号码长度应为18位 / ID number must be 18 characters")]
    Length,
    /// Not 17 digits followed by a digit or X.
    #[error(
        "身份证号码应为17位数字加1位数字或X / ID number must be 17 digits followed by a digit or X"
    )]
    Characters,
    /// Positions 7-14 are not a real date in 1900..=2100.
    #[error("身份证号码中的出生日期无效 / ID number birth date is not a valid date")]
    BirthDate,
    /// The 18th character does not match the MOD 11-2 check digit.
    #[error(
        "身份证号码校验码错误 / ID number check digit is wrong: expected {expected}, found {found}"
    )]
    CheckDigit {
        /// The check character computed from the first 17 digits.
        expected: char,
        /// The 18th character given.
        found: char,
    },
}

impl IdNumberError {
    /// The API error code for every variant: "invalid_id_number".
    pub fn code(&self) -> &'static str {
        "invalid_id_number"
    }
}

/// A validated 18-character resident ID number (final `x` normalised to `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    digits: [u8; 18],
}

impl IdNumber {
    /// The full number. Only for encrypted storage and the ID itself; show
    /// [`IdNumber::masked`] everywhere else.
    pub fn as_str(&self) -> &str {
        // All 18 bytes are ASCII digits or 'X', checked in `validate`.
        std::str::from_utf8(&self.digits).unwrap_or("")
    }

    /// Birth date (year, month, day) from positions 7-14.
    pub fn birth_date(&self) -> (u16, u8, u8) {
        let [_, _, _, _, _, _, y0, y1, y2, y3, m0, m1, d0, d1, ..] = self.digits;
        let n = |b: u8| b - b'0';
        let year = u16::from(n(y0)) * 1000
            + u16::from(n(y1)) * 100
            + u16::from(n(y2)) * 10
            + u16::from(n(y3));
        (year, n(m0) * 10 + n(m1), n(d0) * 10 + n(d1))
    }

    /// Whether the holder is female: the 17th digit (sequence code) is even.
    pub fn is_female(&self) -> bool {
        let [.., seventeenth, _] = self.digits;
        (seventeenth - b'0') % 2 == 0
    }

    /// The 6-digit administrative division code (行政区划代码) of positions 1-6.
    pub fn region_code(&self) -> &str {
        self.as_str().get(..6).unwrap_or("")
    }

    /// First 3 and last 4 characters with 11 `*` between: "510***********1234".
    pub fn masked(&self) -> String {
        let s = self.as_str();
        let head = s.get(..3).unwrap_or("");
        let tail = s.get(14..).unwrap_or("");
        format!("{head}***********{tail}")
    }
}

impl fmt::Display for IdNumber {
    /// Prints the masked form, so an ID number in a log line is never in clear.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    /// Prints the masked form, so an ID number in a log line is never in clear.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl FromStr for IdNumber {
    type Err = IdNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate(s)
    }
}

/// The check character for 17 leading digits, or `None` if `first17` is not
/// exactly 17 ASCII digits.
pub fn check_digit(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS
        .get(usize::try_from(sum % 11).ok()?)
        .map(|&c| char::from(c))
}

fn is_leap_year(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, &d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// Validates an 18-character resident ID number.
///
/// Checks, in order: length 18 ([`IdNumberError::Length`]), 17 ASCII digits
/// then a digit or `X`/`x` ([`IdNumberError::Characters`]), a real birth date
/// YYYYMMDD at positions 7-14 with year 1900..=2100
/// ([`IdNumberError::BirthDate`]), and the MOD 11-2 check character
/// ([`IdNumberError::CheckDigit`]). Surrounding whitespace is not trimmed.
pub fn validate(s: &str) -> Result<IdNumber, IdNumberError> {
    if s.chars().count() != 18 {
        return Err(IdNumberError::Length);
    }
    let mut digits: [u8; 18] = s
        .as_bytes()
        .try_into()
        .map_err(|_| IdNumberError::Characters)?;
    let [first17 @ .., last] = &mut digits;
    if !first17.iter().all(u8::is_ascii_digit) {
        return Err(IdNumberError::Characters);
    }
    match *last {
        b'0'..=b'9' | b'X' => {}
        b'x' => *last = b'X',
        _ => return Err(IdNumberError::Characters),
    }
    let found = char::from(*last);
    let (year, month, day) = match first17.get(6..14) {
        Some([y0, y1, y2, y3, m0, m1, d0, d1]) => (
            number(&[*y0, *y1, *y2, *y3]),
            number(&[*m0, *m1]),
            number(&[*d0, *d1]),
        ),
        _ => return Err(IdNumberError::BirthDate),
    };
    if !(1900..=2100).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return Err(IdNumberError::BirthDate);
    }
    let expected = std::str::from_utf8(first17)
        .ok()
        .and_then(check_digit)
        .ok_or(IdNumberError::Characters)?;
    if expected != found {
        return Err(IdNumberError::CheckDigit { expected, found });
    }
    Ok(IdNumber { digits })
}

/// Whether `s` is a mainland mobile number: 11 ASCII digits starting with 1.
pub fn validate_phone(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

/// Masks a phone number: first 3 and last 4 kept, the middle starred
/// ("13812345678" → "138****5678"). Inputs of 7 characters or fewer are
/// starred entirely.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n <= 7 {
        return "*".repeat(n);
    }
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars.iter().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

/// Masks a personal name: the first character is kept, and for names of 3 or
/// more characters the last one too; everything between is starred
/// ("张三" → "张*", "张三丰" → "张*丰", "欧阳娜娜" → "欧**娜"). A
/// one-character name becomes "*". Surrounding whitespace is trimmed.
pub fn mask_name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => "*".to_string(),
        [first, _] => format!("{first}*"),
        [first, middle @ .., last] => format!("{first}{}{last}", "*".repeat(middle.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid number from 17 digits, using the algorithm directly.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17).unwrap())
    }

    #[test]
    fn published_example() {
        let id = validate("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert!(id.is_female()); // 17th digit 2
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110***********002X");
        // Lower-case x is accepted and normalised.
        let id = validate("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn computed_numbers() {
        let s = with_check("51010719900307123");
        let id = validate(&s).unwrap();
        assert_eq!(id.birth_date(), (1990, 3, 7));
        assert!(!id.is_female()); // 17th digit 3
        assert_eq!(id.masked().chars().count(), 18);
        assert!(id.masked().starts_with("510***********"));
        assert_eq!(id.masked().get(14..), s.get(14..));
        // Leap day in a leap year, and the range ends.
        for first17 in [
            "51010720000229001",
            "51010719000101001",
            "51010721001231001",
            "51010719961231001",
        ] {
            assert!(validate(&with_check(first17)).is_ok(), "{first17}");
        }
        let parsed: IdNumber = s.parse().unwrap();
        assert_eq!(parsed, id);
        // Display and Debug never show the full number.
        assert_eq!(id.to_string(), id.masked());
        assert!(!format!("{id:?}").contains(&s));
    }

    #[test]
    fn check_digit_algorithm() {
        // Σ a_i·W_i for 11010519491231002 is 167; 167 mod 11 = 2 → 'X'.
        assert_eq!(check_digit("11010519491231002"), Some('X'));
        assert_eq!(check_digit("1101051949123100"), None);
        assert_eq!(check_digit("1101051949123100a"), None);
        // Every remainder maps to the table.
        let mut seen = std::collections::BTreeSet::new();
        for seq in 0..200 {
            let first17 = format!("51010719900307{seq:03}");
            seen.insert(check_digit(&first17).unwrap());
        }
        assert_eq!(seen.len(), 11);
    }

    #[test]
    fn errors() {
        assert_eq!(validate(""), Err(IdNumberError::Length));
        assert_eq!(validate("11010519491231002"), Err(IdNumberError::Length));
        assert_eq!(validate("11010519491231002X1"), Err(IdNumberError::Length));
        assert_eq!(
            validate("11010519491231002Ｘ"),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            validate("1101051949123100XX"),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            validate("11010519491231002Y"),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            validate(" 1010519491231002X"),
            Err(IdNumberError::Characters)
        );
        for first17 in [
            "51010719900230001", // 30 Feb
            "51010719000229001", // 1900 is not a leap year
            "51010720010229001", // 2001 is not a leap year
            "51010719901301001", // month 13
            "51010719900001001", // month 0
            "51010719900100001", // day 0
            "51010719900431001", // 31 Apr
            "51010718991231001", // before 1900
            "51010721010101001", // after 2100
        ] {
            assert_eq!(
                validate(&with_check(first17)),
                Err(IdNumberError::BirthDate),
                "{first17}"
            );
        }
        let e = validate("110105194912310021").unwrap_err();
        assert_eq!(
            e,
            IdNumberError::CheckDigit {
                expected: 'X',
                found: '1'
            }
        );
        assert_eq!(
            e.to_string(),
            "身份证号码校验码错误 / ID number check digit is wrong: expected X, found 1"
        );
        assert_eq!(e.code(), "invalid_id_number");
        // Every message leads in Chinese and carries its English.
        for e in [
            IdNumberError::Length,
            IdNumberError::Characters,
            IdNumberError::BirthDate,
        ] {
            let m = e.to_string();
            assert!(
                m.starts_with("身份证号码") && m.contains(" / ID number"),
                "{m}"
            );
        }
        assert!(IdNumberError::Length.to_string().contains("长度"));
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2100));
        assert!(!is_leap_year(2023));
    }

    #[test]
    fn phones() {
        assert!(validate_phone("13812345678"));
        assert!(!validate_phone("23812345678"));
        assert!(!validate_phone("1381234567"));
        assert!(!validate_phone("138123456789"));
        assert!(!validate_phone("1381234567a"));
        assert!(!validate_phone("１3812345678"));
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345678"), "123*5678");
        assert_eq!(mask_phone("1234567"), "*******");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn names() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("张"), "*");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name(" 李四 "), "李*");
    }
}
