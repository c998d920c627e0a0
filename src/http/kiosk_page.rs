//! The kiosk page (`/kiosk/{kiosk}`, its script `/kiosk/app.js`; 取号机页面)
//! and the QR-code library it draws the SMS/QR fallback ticket with:
//! qrcode-generator (MIT), bundled into the binary with its licence (no
//! CDN) under a path holding its version. The page itself is described in
//! `dashboards/README.md`.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

use super::extract::Path;
use super::{ApiError, AppState};

const KIOSK: &str = include_str!("../../dashboards/kiosk.html");
const SCRIPT: &str = include_str!("../../dashboards/kiosk.js");

/// Where the bundled qrcode-generator release
/// (`dashboards/vendor/qrcode-generator/`, npm `qrcode-generator` 2.0.4)
/// is served; the page names the same path.
pub const QRCODE_PATH: &str = "/vendor/qrcode-generator/2.0.4/qrcode.js";
pub const QRCODE_LICENSE_PATH: &str = "/vendor/qrcode-generator/2.0.4/LICENSE";

const QRCODE: &str = include_str!("../../dashboards/vendor/qrcode-generator/qrcode.js");
const QRCODE_LICENSE: &str = include_str!("../../dashboards/vendor/qrcode-generator/LICENSE");

/// A versioned file: cached for a year, never revalidated.
const LONG_CACHE: &str = "public, max-age=31536000, immutable";
/// The page's own script changes with the binary: revalidate each time.
const NO_CACHE: &str = "no-cache";

/// The kiosk page of kiosk `kiosk`; 404 for a kiosk the hall does not have.
pub async fn page(
    State(s): State<AppState>,
    Path(kiosk): Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    if s.dir.kiosks.contains_key(&kiosk) {
        Ok(Html(KIOSK))
    } else {
        Err(ApiError::not_found(format!(
            "no kiosk {kiosk:?} (取号机不存在)"
        )))
    }
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        SCRIPT,
    )
}

pub async fn qrcode() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, LONG_CACHE),
        ],
        QRCODE,
    )
}

pub async fn qrcode_license() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, LONG_CACHE),
        ],
        QRCODE_LICENSE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_bundled_library_and_no_cdn() {
        assert!(KIOSK.contains(QRCODE_PATH));
        assert!(KIOSK.contains("/kiosk/app.js"));
        assert!(QRCODE_LICENSE.contains("MIT License"));
        assert!(QRCODE.contains("Copyright (c) 2009 Kazuhiko Arase"));
        for page in [KIOSK, SCRIPT] {
            assert!(!page.contains("//cdn"), "a CDN is named");
            assert!(!page.contains("https://"), "an outside address is named");
        }
    }
}
