//! Window administration: a supervisor opens or closes (停用) a window.
//! The hall commits the change with an audit entry and tells the window.

use tingwu_actors::hall::{SetWindowEnabled, WindowAdminError};
use tingwu_actors::views::WindowView;

use super::App;

/// Why a window's enabled flag did not change.
#[derive(Debug, thiserror::Error)]
pub enum WindowAdminRefusal {
    /// No such window (404 `not_found`).
    #[error("no window {0:?} (窗口不存在)")]
    UnknownWindow(String),
    /// The change could not be committed (503 `unavailable`).
    #[error("{0}")]
    Failed(String),
    /// The hall's actors are stopping (503 `unavailable`).
    #[error("the hall is shutting down")]
    ShuttingDown,
}

impl App {
    /// Opens or closes `window` for supervisor `by` (with an optional
    /// reason for the audit log); answers the window's view after it.
    pub async fn set_window_enabled(
        &self,
        window: String,
        enabled: bool,
        reason: Option<String>,
        by: String,
    ) -> Result<WindowView, WindowAdminRefusal> {
        self.dir
            .hall
            .send(SetWindowEnabled {
                window,
                enabled,
                reason,
                by,
            })
            .await
            .map_err(|_| WindowAdminRefusal::ShuttingDown)?
            .map_err(|e| match e {
                WindowAdminError::UnknownWindow(w) => WindowAdminRefusal::UnknownWindow(w),
                WindowAdminError::Failed(m) => WindowAdminRefusal::Failed(m),
            })
    }
}
