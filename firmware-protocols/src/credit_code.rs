//! Unified social credit codes (统一社会信用代码, GB 32100-2015) of
//! organisations: companies, public institutions, social organisations.
//!
//! An organisation applying for a case (办件) identifies itself with the
//! 18-character code on its business licence (营业执照). The code is checked
//! here once, as GB 32100-2015 defines it:
//!
//! - 18 characters from the 31-character set `0-9 A-H J-N P-R T U W-Y`
//!   (the Arabic digits and the capital letters without I, O, Z, S, V);
//! - position 1 is the registration authority (登记管理部门代码), position 2
//!   the kind of organisation (机构类别代码), positions 3–8 the
//!   administrative division code (登记管理机关行政区划码, six digits),
//!   positions 9–17 the organisation code (主体标识码, GB 11714), position 18
//!   the check character;
//! - the check character C18 = 31 − (Σ Ci·Wi mod 31) for i = 1..17, where Ci
//!   is the value of the i-th character (its index in the set) and the
//!   weights are Wi = 3^(i−1) mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
//!   13, 8, 24, 10, 30, 28); a result of 31 is written as `0`.
//!
//! Codes are not personal data (they are printed on every licence and are
//! public in the national enterprise credit system), so [`CreditCode`]
//! prints in full.

use std::fmt;
use std::str::FromStr;

/// The 31 characters of GB 32100-2015, in order of their value 0..=30.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights W_i of positions 1..=17 (3^(i−1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a unified social credit code was refused; messages are Chinese
/// first, then English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters.
    #[error("统一社会信用代码应为18位 / a unified social credit code has 18 characters")]
    Length,
    /// A character outside the 31-character set (I, O, Z, S, V, lower case,
    /// punctuation…); `position` counts from 1.
    #[error(
        "统一社会信用代码第{position}位含非法字符 / character {position} is not allowed in a unified social credit code"
    )]
    Character {
        /// 1-based position of the first bad character.
        position: usize,
    },
    /// Positions 3–8 (the administrative division code) are not six digits.
    #[error(
        "统一社会信用代码第3至8位应为行政区划码 / characters 3 to 8 must be the six-digit division code"
    )]
    Division,
    /// The 18th character does not match the modulus-31 check character.
    #[error(
        "统一社会信用代码校验码错误 / check character is wrong: expected {expected}, found {found}"
    )]
    CheckCharacter {
        /// The check character computed from the first 17 characters.
        expected: char,
        /// The 18th character given.
        found: char,
    },
}

impl CreditCodeError {
    /// The API error code for every variant: `"invalid_credit_code"`.
    pub fn code(&self) -> &'static str {
        "invalid_credit_code"
    }
}

/// A validated unified social credit code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode {
    chars: [u8; 18],
}

impl CreditCode {
    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        // Every byte is one of CHARSET's ASCII characters (checked in `validate`).
        std::str::from_utf8(&self.chars).unwrap_or("")
    }

    /// The six-digit administrative division code (positions 3–8).
    pub fn division_code(&self) -> &str {
        self.as_str().get(2..8).unwrap_or("")
    }

    /// The registration authority code (position 1): `9` industry and
    /// commerce (工商), `5` civil affairs (民政), `1` institutional
    /// establishment (机构编制), `Y` others, ….
    pub fn authority(&self) -> char {
        let [first, ..] = self.chars;
        char::from(first)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.as_str())
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        validate(s)
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET
        .iter()
        .position(|&x| x == c)
        .and_then(|i| u32::try_from(i).ok())
}

/// The check character for the first 17 characters, or `None` if `first17`
/// is not 17 characters of the set.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&b, &w) in bytes.iter().zip(WEIGHTS.iter()) {
        sum += value(b)? * w;
    }
    let c = (31 - sum % 31) % 31;
    CHARSET
        .get(usize::try_from(c).ok()?)
        .map(|&b| char::from(b))
}

/// Validates a unified social credit code, as typed or read (surrounding
/// whitespace is not trimmed; normalise typed input first with
/// `typed::id_number`, which also folds full-width characters).
///
/// Checks, in order: 18 characters ([`CreditCodeError::Length`]), each from
/// the 31-character set ([`CreditCodeError::Character`]; lower-case letters
/// are refused, not guessed), positions 3–8 digits
/// ([`CreditCodeError::Division`]) and the check character
/// ([`CreditCodeError::CheckCharacter`]).
pub fn validate(s: &str) -> Result<CreditCode, CreditCodeError> {
    if s.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    let chars: [u8; 18] = s
        .as_bytes()
        .try_into()
        .map_err(|_| CreditCodeError::Length)?;
    if let Some(i) = chars.iter().position(|&b| value(b).is_none()) {
        return Err(CreditCodeError::Character { position: i + 1 });
    }
    if !chars
        .get(2..8)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    {
        return Err(CreditCodeError::Division);
    }
    let expected = s
        .get(..17)
        .and_then(check_character)
        .ok_or(CreditCodeError::Length)?;
    let [.., last] = chars;
    let found = char::from(last);
    if expected != found {
        return Err(CreditCodeError::CheckCharacter { expected, found });
    }
    Ok(CreditCode { chars })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published codes: GB 32100-2015's own example, and codes printed on
    /// business licences of well-known companies (public in the National
    /// Enterprise Credit Information Publicity System).
    const PUBLISHED: [&str; 6] = [
        "91350100M000100Y43", // GB 32100-2015, 附录 example
        "91440300708461136T", // 深圳市腾讯计算机系统有限公司
        "914403001922038216", // 华为技术有限公司
        "91110000802100433B", // 北京百度网讯科技有限公司
        "91110108551385082Q", // 小米科技有限责任公司
        "91330100716105852F", // 阿里巴巴（中国）有限公司
    ];

    #[test]
    fn published_codes_are_valid() {
        for code in PUBLISHED {
            let c = validate(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(c.as_str(), code);
            assert_eq!(c.to_string(), code);
            assert_eq!(c.authority(), '9');
        }
        assert_eq!(
            validate("91350100M000100Y43").unwrap().division_code(),
            "350100"
        );
    }

    #[test]
    fn the_weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for weight in WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
        assert_eq!(CHARSET.len(), 31);
        for banned in *b"IOZSV" {
            assert!(!CHARSET.contains(&banned));
        }
    }

    #[test]
    fn every_single_character_corruption_is_caught() {
        // GB 32100's check is a modulus-31 code over a prime modulus with
        // non-zero weights: any one changed character changes the check.
        for code in PUBLISHED {
            for pos in 0..18 {
                for &c in CHARSET.iter() {
                    let mut bytes = code.as_bytes().to_vec();
                    if bytes[pos] == c {
                        continue;
                    }
                    bytes[pos] = c;
                    let bad = String::from_utf8(bytes).unwrap();
                    assert!(validate(&bad).is_err(), "{bad} accepted");
                }
            }
        }
    }

    #[test]
    fn refusals_name_the_problem() {
        assert_eq!(validate(""), Err(CreditCodeError::Length));
        assert_eq!(validate("91350100M000100Y4"), Err(CreditCodeError::Length));
        assert_eq!(
            validate("91350100M000100Y433"),
            Err(CreditCodeError::Length)
        );
        // I, O, Z, S, V and lower case are not in the set.
        assert_eq!(
            validate("91350100M0001O0Y43"),
            Err(CreditCodeError::Character { position: 14 })
        );
        assert_eq!(
            validate("91350100m000100Y43"),
            Err(CreditCodeError::Character { position: 9 })
        );
        assert_eq!(
            validate("91A50100M000100Y43"),
            Err(CreditCodeError::Division)
        );
        assert_eq!(
            validate("91350100M000100Y44"),
            Err(CreditCodeError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
        // 18 characters, but not 18 bytes.
        assert!(validate("91350100M000100Y4三").is_err());
        assert_eq!(
            CreditCodeError::Length.code(),
            CreditCodeError::Division.code()
        );
    }

    #[test]
    fn typed_codes_are_normalised_first() {
        let typed = crate::typed::id_number("９１３５０１００Ｍ０００１００Ｙ４３ ");
        assert_eq!(validate(&typed).unwrap().as_str(), "91350100M000100Y43");
    }

    proptest! {
        #[test]
        fn computed_codes_validate(body in proptest::collection::vec(0usize..31, 9)) {
            let mut first17 = String::from("91");
            first17.push_str("110105");
            for i in body {
                first17.push(char::from(CHARSET[i]));
            }
            let check = check_character(&first17).unwrap();
            let code = format!("{first17}{check}");
            prop_assert!(validate(&code).is_ok());
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = validate(&s);
        }
    }
}
