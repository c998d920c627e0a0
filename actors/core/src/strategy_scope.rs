//! Which windows a calling-strategy change applies to (hall, a list of
//! windows, or a reset of windows to the hall's strategy), as supervisors
//! name it over HTTP (`PUT /api/v1/strategies/...`) and on the dashboard
//! stream (`set_strategy`).

/// The windows a strategy change applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The hall's default: every window without its own.
    Hall,
    /// These windows get their own strategy.
    Windows(Vec<String>),
    /// These windows drop their own and follow the hall's again.
    Reset(Vec<String>),
}

/// Why a scope is refused; the message is the one clients see
/// (`bad_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// `windows` or `reset` (or an unknown kind) with no window listed.
    #[error("list at least one window")]
    NoWindows,
    /// A kind other than `hall`, `windows` or `reset`.
    #[error("unknown scope {0:?}: hall, windows or reset")]
    Unknown(String),
}

/// The scope named by `kind` (`"hall"`, `"windows"`, `"reset"`) and a list
/// of window ids. Any kind but `hall` needs at least one window; that is
/// checked first, so an unknown kind without windows is `NoWindows`. Whether
/// the windows exist is the hall's to say.
pub fn scope(kind: &str, windows: Vec<String>) -> Result<Scope, ScopeError> {
    if kind != "hall" && windows.is_empty() {
        return Err(ScopeError::NoWindows);
    }
    match kind {
        "hall" => Ok(Scope::Hall),
        "windows" => Ok(Scope::Windows(windows)),
        "reset" => Ok(Scope::Reset(windows)),
        other => Err(ScopeError::Unknown(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hall_needs_no_windows_and_ignores_any() {
        assert_eq!(scope("hall", vec![]), Ok(Scope::Hall));
        assert_eq!(scope("hall", w(&["1"])), Ok(Scope::Hall));
    }

    #[test]
    fn windows_and_reset_need_a_window() {
        assert_eq!(scope("windows", vec![]), Err(ScopeError::NoWindows));
        assert_eq!(scope("reset", vec![]), Err(ScopeError::NoWindows));
        assert_eq!(
            scope("windows", w(&["1", "2"])),
            Ok(Scope::Windows(w(&["1", "2"])))
        );
        assert_eq!(scope("reset", w(&["3"])), Ok(Scope::Reset(w(&["3"]))));
    }

    #[test]
    fn unknown_kinds_are_refused_after_the_window_check() {
        assert_eq!(scope("area", vec![]), Err(ScopeError::NoWindows));
        assert_eq!(
            scope("area", w(&["1"])),
            Err(ScopeError::Unknown("area".into()))
        );
        assert_eq!(
            ScopeError::Unknown("x".into()).to_string(),
            "unknown scope \"x\": hall, windows or reset"
        );
    }
}
