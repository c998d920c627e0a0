//! `[documents]`: what the hall's printed documents need — today the font
//! of the acceptance notice (受理通知书) as a PDF.
//!
//! ```toml
//! [documents]
//! font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
//! font_index = 2   # the face in a collection (.ttc): 2 = Noto Sans CJK SC
//! ```
//!
//! The font must cover Chinese (CJK): Debian's `fonts-noto-cjk` puts Noto
//! Sans CJK at the default path. The PDF embeds only the glyphs it uses
//! (subset), so the font's size does not matter. A missing font is no
//! start-up error: the PDF answers 503 naming `documents.font` (the HTML
//! notice still works) and `tingwu check-config` warns.

use serde::{Deserialize, Serialize};

/// Debian's Noto Sans CJK collection (`fonts-noto-cjk`).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// The Simplified Chinese face (Noto Sans CJK SC) in [`DEFAULT_FONT`].
pub const DEFAULT_FONT_INDEX: u32 = 2;

/// `[documents]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsConfig {
    /// Path of a TrueType/OpenType font (`.ttf`, `.otf`) or collection
    /// (`.ttc`, `.otc`) covering Chinese, for PDFs.
    #[serde(default = "default_font")]
    pub font: String,
    /// The face's index in a collection; 0 for a single font.
    #[serde(default = "default_font_index")]
    pub font_index: u32,
}

fn default_font() -> String {
    DEFAULT_FONT.to_string()
}

fn default_font_index() -> u32 {
    DEFAULT_FONT_INDEX
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            font: default_font(),
            font_index: default_font_index(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_section_means_debians_noto_sans_cjk_sc() {
        let d: DocumentsConfig = toml::from_str("").unwrap();
        assert_eq!(d, DocumentsConfig::default());
        assert_eq!(d.font, DEFAULT_FONT);
        assert_eq!(d.font_index, 2);
        let d: DocumentsConfig = toml::from_str("font = \"/srv/fonts/simsun.ttc\"").unwrap();
        assert_eq!(
            (d.font.as_str(), d.font_index),
            ("/srv/fonts/simsun.ttc", 2)
        );
        assert!(toml::from_str::<DocumentsConfig>("fnot = \"x\"").is_err());
    }
}
