//! The supervisor dashboard page (`/dashboard`, its scripts
//! `/dashboard/app.js`, `/dashboard/ratings.js` (the 好差评 panel) and
//! `/dashboard/notice.js` (the 大厅公告 panel)) and the charting library it
//! draws with: Apache ECharts, bundled into the binary with its licence (no CDN), served under
//! a path holding its version so browsers may keep it for a year.

use axum::http::header;
use axum::response::{Html, IntoResponse};

const DASHBOARD: &str = include_str!("../../dashboards/dashboard.html");
const SCRIPT: &str = include_str!("../../dashboards/dashboard.js");
const RATINGS_SCRIPT: &str = include_str!("../../dashboards/dashboard-ratings.js");
/// The "大厅公告 Notice" panel's script (`/dashboard/notice.js`).
const NOTICE_SCRIPT: &str = include_str!("../../dashboards/dashboard-notice.js");

/// Where the bundled ECharts release (`dashboards/vendor/echarts/`, from
/// the npm package `echarts` 6.1.0; see `dashboards/README.md`) is served;
/// the page names the same path.
pub const ECHARTS_PATH: &str = "/vendor/echarts/6.1.0/echarts.min.js";
pub const ECHARTS_LICENSE_PATH: &str = "/vendor/echarts/6.1.0/LICENSE";
pub const ECHARTS_NOTICE_PATH: &str = "/vendor/echarts/6.1.0/NOTICE";

const ECHARTS: &str = include_str!("../../dashboards/vendor/echarts/echarts.min.js");
const ECHARTS_LICENSE: &str = include_str!("../../dashboards/vendor/echarts/LICENSE");
const ECHARTS_NOTICE: &str = include_str!("../../dashboards/vendor/echarts/NOTICE");

/// A versioned file: cached for a year, never revalidated.
const LONG_CACHE: &str = "public, max-age=31536000, immutable";
/// The page's own script changes with the binary: revalidate each time.
const NO_CACHE: &str = "no-cache";

pub async fn page() -> Html<&'static str> {
    Html(DASHBOARD)
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

/// `/dashboard/ratings.js`: the ratings chart, ranking and follow-ups.
pub async fn ratings_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        RATINGS_SCRIPT,
    )
}

/// `/dashboard/notice.js`: the hall notice (大厅公告) panel.
pub async fn notice_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        NOTICE_SCRIPT,
    )
}

pub async fn echarts() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, LONG_CACHE),
        ],
        ECHARTS,
    )
}

pub async fn echarts_license() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, LONG_CACHE),
        ],
        ECHARTS_LICENSE,
    )
}

pub async fn echarts_notice() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, LONG_CACHE),
        ],
        ECHARTS_NOTICE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_the_bundled_echarts_and_no_cdn() {
        assert!(DASHBOARD.contains(ECHARTS_PATH));
        // The bundled file is the release its path names.
        let version = ECHARTS
            .split_once("version=\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(v, _)| v)
            .expect("the bundle states its version");
        assert_eq!(
            ECHARTS_PATH,
            format!("/vendor/echarts/{version}/echarts.min.js")
        );
        assert!(ECHARTS_LICENSE.contains("Apache License"));
        assert!(DASHBOARD.contains("/dashboard/ratings.js"));
        for page in [DASHBOARD, SCRIPT, RATINGS_SCRIPT] {
            assert!(!page.contains("//cdn"), "a CDN is named");
            assert!(!page.contains("https://"), "an outside address is named");
        }
    }
}
