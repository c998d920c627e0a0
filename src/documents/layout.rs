//! Line breaking for the PDF's text: widths estimated per character in
//! ems (CJK and full-width forms 1 em, everything else 0.58 em, an upper
//! bound for Noto Sans's Latin text), lines broken between CJK characters
//! anywhere and between words of other scripts at spaces.

/// The estimated width of `c` in ems.
fn em(c: char) -> f32 {
    let wide = matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6);
    if wide {
        1.0
    } else {
        0.58
    }
}

/// The estimated width of `s` at `size` points.
pub fn width(s: &str, size: f32) -> f32 {
    s.chars().map(em).sum::<f32>() * size
}

/// `text` broken into lines no wider than `max` points at `size` points.
/// A word longer than a line is broken inside.
pub fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    // Tokens: one CJK character, or a run of other non-space characters
    // with the spaces after it.
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        let last_open = tokens
            .last()
            .is_some_and(|t| t.chars().last().is_some_and(|l| em(l) < 1.0 && l != ' '));
        if em(c) >= 1.0 || !last_open {
            tokens.push(c.to_string());
        } else if let Some(t) = tokens.last_mut() {
            t.push(c);
        }
    }
    for token in tokens {
        let w = width(&token, size);
        if line_w + w > max && !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
            line_w = 0.0;
        }
        if w > max {
            for c in token.chars() {
                let cw = em(c) * size;
                if line_w + cw > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        } else {
            line.push_str(&token);
            line_w += w;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_pass_the_width_and_keep_every_character() {
        let text = "依据《中华人民共和国行政许可法》第三十二条 Under article 32 of the Administrative Licensing Law, accepted.";
        for max in [60.0, 120.0, 300.0] {
            let lines = wrap(text, 10.0, max);
            assert!(lines.iter().all(|l| width(l, 10.0) <= max), "{lines:?}");
            let joined: String = lines.concat();
            let strip = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
            assert_eq!(strip(&joined), strip(text));
        }
        // Words of Latin script are not broken when they fit.
        let lines = wrap("working days excluded", 10.0, 80.0);
        assert_eq!(lines, ["working days", "excluded"]);
        assert!(wrap("", 10.0, 80.0).is_empty());
    }
}
