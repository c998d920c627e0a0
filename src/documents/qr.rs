//! The QR code of a case's query link, as a module matrix (for the PDF)
//! and as SVG (for the page), by the `qrcode` crate (ISO/IEC 18004), error
//! correction level M.

use qrcode::{Color, EcLevel, QrCode};

use super::DocumentError;

/// The dark modules of the code of `data`, row by row, and its width in
/// modules (no quiet zone). Errors: data too long for a QR code.
pub fn matrix(data: &str) -> Result<(usize, Vec<bool>), DocumentError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Render(format!("QR code: {e}")))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

/// The code of `data` as an SVG element `size` CSS pixels square, with its
/// quiet zone. Errors: data too long for a QR code.
pub fn svg(data: &str, size: u32) -> Result<String, DocumentError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Render(format!("QR code: {e}")))?;
    let xml = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(size, size)
        .build();
    // Inline in HTML: without the XML declaration.
    Ok(match xml.find("<svg") {
        Some(start) => xml[start..].to_string(),
        None => xml,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_link_makes_a_square_code_with_finder_patterns() {
        let (w, dark) = matrix("http://127.0.0.1:8080/case?n=demo-20261130-000001").unwrap();
        assert_eq!(dark.len(), w * w);
        assert!(w >= 21 && (w - 17) % 4 == 0, "{w}");
        // The top-left finder pattern: a dark 7-module ring.
        assert!((0..7).all(|i| dark[i] && dark[6 * w + i] && dark[i * w] && dark[i * w + 6]));
        assert!(!dark[w + 1]);
        let s = svg("http://127.0.0.1/case?n=x", 120).unwrap();
        assert!(s.starts_with("<svg") && s.contains("<path"), "{s}");
    }
}
