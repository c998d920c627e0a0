//! What people and devices type, normalised the way people write it,
//! before anything is validated (issue 8, item 14). Chinese input methods
//! produce full-width characters (全角: `１３８`, `Ｘ`, `－`) and the
//! ideographic space; people group phone and ID numbers with spaces or
//! dashes and write the ID number's check character as a lower-case `x`.
//! These functions undo exactly that, nothing more: what is still invalid
//! afterwards is refused by the validators (`id_number::validate`,
//! `id_number::validate_phone`).
//!
//! Full-width forms are folded by their fixed offset in Unicode's
//! "Halfwidth and Fullwidth Forms" block (U+FF01..=U+FF5E ↔
//! U+0021..=U+007E); U+3000 IDEOGRAPHIC SPACE is a space.

/// Folds full-width ASCII forms and the ideographic space to ASCII, and
/// trims surrounding whitespace. For any short text field (staff id, PIN,
/// booking code).
pub fn text(s: &str) -> String {
    s.chars()
        .map(half_width)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A phone number as typed: [`text`], then without spaces, dashes, dots
/// and parentheses inside (`138 1234 5678`, `138-1234-5678`), and without
/// the country prefix `+86` / `0086` when what follows is 11 digits.
pub fn phone(s: &str) -> String {
    let compact: String = text(s)
        .chars()
        .filter(|c| !is_separator(*c) && !matches!(c, '(' | ')' | '.'))
        .collect();
    for prefix in ["+86", "0086"] {
        if let Some(rest) = compact.strip_prefix(prefix) {
            if rest.len() == 11 {
                return rest.to_string();
            }
        }
    }
    compact
}

/// An ID number as typed: [`text`], then without spaces or dashes inside,
/// and with a lower-case `x` upper-cased (the check character is `X`).
pub fn id_number(s: &str) -> String {
    text(s)
        .chars()
        .filter(|c| !is_separator(*c))
        .map(|c| if c == 'x' { 'X' } else { c })
        .collect()
}

fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        other => other,
    }
}

/// Spaces and the dash-like characters people put between digit groups.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::{validate, validate_phone};
    use proptest::prelude::*;

    #[test]
    fn full_width_and_grouped_phones_are_plain_digits() {
        for typed in [
            "１３８１２３４５６７８",
            "138 1234 5678",
            "138-1234-5678",
            "　１３８－１２３４－５６７８ ",
            "+86 138 1234 5678",
            "(138)1234.5678",
        ] {
            assert_eq!(phone(typed), "13812345678", "{typed:?}");
        }
        assert!(!validate_phone(&phone("１３８１２３")));
        assert!(!validate_phone(&phone("138１２３４５６７８9")));
    }

    #[test]
    fn id_numbers_lose_spaces_and_gain_a_capital_x() {
        assert_eq!(id_number("11010519900101001x"), "11010519900101001X");
        assert_eq!(
            id_number("１１０１０５ １９９００１０１ ００１ｘ"),
            "11010519900101001X"
        );
        assert_eq!(id_number("110105-19900101-001X"), "11010519900101001X");
    }

    #[test]
    fn text_folds_width_and_trims_only() {
        assert_eq!(text("　Ｓ０１ "), "S01");
        assert_eq!(text("a b"), "a b");
        assert_eq!(text("厅务"), "厅务");
    }

    proptest! {
        /// Invariant: normalising is idempotent and never turns an ASCII
        /// number that was invalid into a valid one by anything but
        /// removing separators.
        #[test]
        fn normalising_twice_is_normalising_once(s in "\\PC{0,24}") {
            prop_assert_eq!(phone(&phone(&s)), phone(&s));
            prop_assert_eq!(id_number(&id_number(&s)), id_number(&s));
            prop_assert_eq!(text(&text(&s)), text(&s));
        }

        /// A full-width rendering of a valid ID number is that ID number.
        #[test]
        fn full_width_valid_ids_stay_valid(serial in 0u32..1000) {
            let first17 = format!("11010519900101{serial:03}");
            let check = crate::id_number::check_digit(&first17).unwrap();
            let id = format!("{first17}{check}");
            let wide: String = id.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
            prop_assert_eq!(validate(&id_number(&wide)).map(|v| v.as_str().to_string()), Ok(id));
        }
    }
}
