//! The PDF font: read once from `[documents] font` and kept (a CJK
//! collection is ~20 MB; subsetting picks the glyphs per document).

use std::sync::{Arc, Mutex};

use krilla::text::Font;
use tingwu_actors::config::documents::DocumentsConfig;

use super::DocumentError;

/// The font last loaded, with the path and face it came from.
static LOADED: Mutex<Option<(String, u32, Font)>> = Mutex::new(None);

/// The face `settings.font_index` of the font file `settings.font`, read
/// on first use and kept while the setting names it. Errors:
/// [`DocumentError::FontMissing`] (no such file, or unreadable),
/// [`DocumentError::FontUnusable`] (not a font, or no such face). A
/// failure is not kept: a font installed later is found on the next call.
pub fn load_font(settings: &DocumentsConfig) -> Result<Font, DocumentError> {
    let mut loaded = LOADED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((path, index, font)) = loaded.as_ref() {
        if *path == settings.font && *index == settings.font_index {
            return Ok(font.clone());
        }
    }
    let bytes = std::fs::read(&settings.font).map_err(|e| {
        tracing::warn!(path = %settings.font, error = %e, "PDF font cannot be read ([documents] font)");
        DocumentError::FontMissing {
            path: settings.font.clone(),
        }
    })?;
    let font = Font::new(Arc::new(bytes).into(), settings.font_index).ok_or_else(|| {
        DocumentError::FontUnusable {
            path: settings.font.clone(),
            index: settings.font_index,
        }
    })?;
    *loaded = Some((settings.font.clone(), settings.font_index, font.clone()));
    Ok(font)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_unusable_font_is_named_in_the_error() {
        let missing = DocumentsConfig {
            font: "/nonexistent/tingwu-font.ttc".into(),
            font_index: 0,
        };
        let e = load_font(&missing).err().unwrap();
        assert_eq!(e.code(), "pdf_font_missing");
        let text = e.to_string();
        assert!(
            text.contains("[documents] font") && text.contains("/nonexistent/tingwu-font.ttc"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.ttf");
        std::fs::write(&junk, b"not a font at all").unwrap();
        let unusable = DocumentsConfig {
            font: junk.display().to_string(),
            font_index: 0,
        };
        assert_eq!(
            load_font(&unusable).err().unwrap().code(),
            "pdf_font_unusable"
        );
    }
}
