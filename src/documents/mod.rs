//! Printed documents of the hall: today the acceptance notice (受理通知书)
//! of a case as a PDF (`notice_pdf.rs`) and as a page (`notice_html.rs`),
//! with its QR code (`qr.rs`); the PDF in the
//! CJK font of `[documents]` (`font.rs`). Pure functions of their input
//! and the font; the PDF writer is krilla (typst's), which embeds only the
//! glyphs used (font subsetting), so a notice stays a few tens of KB.

mod font;
mod layout;
pub mod notice;
mod notice_html;
mod notice_pdf;
pub mod qr;

pub use font::load_font;
pub use notice_html::notice_html;
pub use notice_pdf::notice_pdf;

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The configured font file cannot be read (503; the HTML notice still
    /// works).
    #[error("PDF 字体缺失：请在厅务配置 [documents] font 中设置中文字体文件（当前 {path}），或安装 fonts-noto-cjk / the PDF font is missing: set a CJK font file in the hall config's [documents] font (now {path}), or install fonts-noto-cjk")]
    FontMissing { path: String },
    /// The file is not a font, or has no face at `documents.font_index`
    /// (503).
    #[error("PDF 字体不可用：[documents] font = {path}，font_index = {index} 不是可用的字体 / the PDF font is unusable: [documents] font = {path}, font_index = {index} is not a usable font face")]
    FontUnusable { path: String, index: u32 },
    /// The PDF writer failed (500).
    #[error("PDF 生成失败 / the PDF could not be made: {0}")]
    Render(String),
}

impl DocumentError {
    /// The stable error code of the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FontMissing { .. } => "pdf_font_missing",
            Self::FontUnusable { .. } => "pdf_font_unusable",
            Self::Render(_) => "pdf_failed",
        }
    }
}
