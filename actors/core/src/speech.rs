//! What the hall's speech engine is handed (item 5 of issue 8, FQM #174):
//! every spoken text is normalised here, once, so that no voice has to
//! guess how to read "A023" or "5".
//!
//! The hall's way of saying things (the source of these rules is how
//! Chinese service halls announce calls):
//! - a ticket number is read letter by letter and digit by digit, digits as
//!   Chinese numerals: "A023" → "A零二三号", "AB1234" → "AB一二三四号";
//! - a window number is read as a number: 5 → "五号窗口", 12 → "十二号窗口",
//!   105 → "一百零五号窗口"; past 9999 it is read digit by digit;
//! - the parts are separated by a space so that every voice pauses there:
//!   "请 A零二三号 到 五号窗口 办理".

/// The Chinese numeral of one decimal digit (`0..=9`), or `None`.
fn digit_zh(d: char) -> Option<char> {
    const ZH: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    d.to_digit(10).and_then(|v| ZH.get(v as usize).copied())
}

/// A ticket number as it is spoken: letters kept (upper case), ASCII digits
/// read one by one as Chinese numerals, anything else (a dash, a blank)
/// dropped. "A023" → "A零二三", "b7" → "B七".
pub fn ticket_number_zh(number: &str) -> String {
    number
        .chars()
        .filter_map(|c| {
            if c.is_ascii_digit() {
                digit_zh(c)
            } else if c.is_alphanumeric() {
                Some(c.to_ascii_uppercase())
            } else {
                None
            }
        })
        .collect()
}

/// A number read as a number, the way the hall reads window numbers:
/// 0 → "零", 10 → "十", 12 → "十二", 20 → "二十", 105 → "一百零五",
/// 1010 → "一千零一十". Past 9999, digit by digit ("12345" → "一二三四五").
pub fn number_zh(n: u32) -> String {
    if n == 0 {
        return "零".to_string();
    }
    if n > 9999 {
        return n.to_string().chars().filter_map(digit_zh).collect();
    }
    // (digit, unit) from thousands down to ones
    let digits = [
        (n / 1000, "千"),
        (n / 100 % 10, "百"),
        (n / 10 % 10, "十"),
        (n % 10, ""),
    ];
    let mut out = String::new();
    let mut zero_pending = false;
    for (d, unit) in digits {
        if d == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        let spoken_one = !(d == 1 && unit == "十" && out.is_empty());
        if spoken_one {
            if let Some(c) = char::from_digit(d, 10).and_then(digit_zh) {
                out.push(c);
            }
        }
        out.push_str(unit);
    }
    out
}

/// The text spoken for a call of ticket `number` to window `window_number`:
/// "请 A零二三号 到 五号窗口 办理". The same text is spoken for a recall.
pub fn call_speech(number: &str, window_number: u32) -> String {
    format!(
        "请 {}号 到 {}号窗口 办理",
        ticket_number_zh(number),
        number_zh(window_number)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_field_fault_is_spoken_digit_by_digit() {
        // issue 8 item 5: "请 A023 号到 5 号窗口办理" was handed over as is
        assert_eq!(call_speech("A023", 5), "请 A零二三号 到 五号窗口 办理");
    }

    #[test]
    fn prefixes_of_one_to_three_letters() {
        assert_eq!(ticket_number_zh("A001"), "A零零一");
        assert_eq!(ticket_number_zh("GR015"), "GR零一五");
        assert_eq!(ticket_number_zh("VIP100"), "VIP一零零");
        assert_eq!(ticket_number_zh("b7"), "B七");
    }

    #[test]
    fn numbers_past_999_stay_digit_by_digit() {
        assert_eq!(ticket_number_zh("A1000"), "A一零零零");
        assert_eq!(ticket_number_zh("K12345"), "K一二三四五");
        assert_eq!(
            call_speech("A1234", 12),
            "请 A一二三四号 到 十二号窗口 办理"
        );
    }

    #[test]
    fn separators_are_not_spoken() {
        assert_eq!(ticket_number_zh("A-023"), "A零二三");
        assert_eq!(ticket_number_zh(" A 023 "), "A零二三");
    }

    #[test]
    fn window_numbers_as_the_hall_says_them() {
        let cases = [
            (0, "零"),
            (1, "一"),
            (2, "二"),
            (5, "五"),
            (10, "十"),
            (11, "十一"),
            (12, "十二"),
            (20, "二十"),
            (21, "二十一"),
            (99, "九十九"),
            (100, "一百"),
            (101, "一百零一"),
            (105, "一百零五"),
            (110, "一百一十"),
            (999, "九百九十九"),
            (1000, "一千"),
            (1001, "一千零一"),
            (1010, "一千零一十"),
            (9999, "九千九百九十九"),
            (10000, "一零零零零"),
        ];
        for (n, want) in cases {
            assert_eq!(number_zh(n), want, "window {n}");
        }
    }

    proptest! {
        /// Whatever the number, the spoken text has no ASCII digit left for
        /// a voice to guess at, and keeps the ticket's letters in order.
        #[test]
        fn no_digit_reaches_the_voice(prefix in "[A-Z]{1,3}", n in 0u32..100_000, w in 0u32..200_000) {
            let number = format!("{prefix}{n:03}");
            let said = call_speech(&number, w);
            prop_assert!(!said.chars().any(|c| c.is_ascii_digit()), "{said}");
            let expected_prefix = format!("请 {prefix}");
            prop_assert!(said.starts_with(&expected_prefix), "{said}");
        }

        /// A ticket number is read one numeral per digit.
        #[test]
        fn one_numeral_per_digit(digits in "[0-9]{1,6}") {
            prop_assert_eq!(ticket_number_zh(&digits).chars().count(), digits.len());
        }
    }
}
