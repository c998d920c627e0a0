//! The window's state machine (窗口状态): which terminal action is allowed
//! in which state, and where it leads.

use serde::{Deserialize, Serialize};
use tingwu_protocols::terminal::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    /// 未登录
    #[default]
    LoggedOut,
    /// 空闲
    Idle,
    /// 已呼叫: a ticket has been called and the citizen is on the way.
    Called,
    /// 正在办理
    Serving,
    /// 暂停办理
    Paused,
}

impl WindowState {
    pub fn label_zh(self) -> &'static str {
        match self {
            WindowState::LoggedOut => "未登录",
            WindowState::Idle => "空闲",
            WindowState::Called => "已呼叫",
            WindowState::Serving => "正在办理",
            WindowState::Paused => "暂停办理",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not allowed while the window is {state_en} ({state_zh}): {hint}")]
pub struct TransitionError {
    pub action: &'static str,
    pub state_en: &'static str,
    pub state_zh: &'static str,
    pub hint: &'static str,
}

fn state_name(s: WindowState) -> &'static str {
    match s {
        WindowState::LoggedOut => "logged_out",
        WindowState::Idle => "idle",
        WindowState::Called => "called",
        WindowState::Serving => "serving",
        WindowState::Paused => "paused",
    }
}

/// The state an action leads to, or why it is refused.
pub fn next_state(state: WindowState, action: Action) -> Result<WindowState, TransitionError> {
    use Action as A;
    use WindowState as S;
    let next = match (state, action) {
        (S::LoggedOut, A::Login) => Some(S::Idle),
        (S::Idle | S::Paused, A::Logout) => Some(S::LoggedOut),
        (S::Idle, A::CallNext) => Some(S::Called),
        (S::Called, A::Recall) => Some(S::Called),
        (S::Called, A::Start) => Some(S::Serving),
        (S::Serving, A::Finish) => Some(S::Idle),
        (S::Called, A::Skip) => Some(S::Idle),
        (S::Idle, A::Pause) => Some(S::Paused),
        (S::Paused, A::Resume) => Some(S::Idle),
        (S::Idle, A::Call | A::Unpark) => Some(S::Called),
        (S::Called | S::Serving, A::Transfer | A::Park) => Some(S::Idle),
        _ => None,
    };
    next.ok_or(TransitionError {
        action: action.as_str(),
        state_en: state_name(state),
        state_zh: state.label_zh(),
        hint: hint(state),
    })
}

fn hint(state: WindowState) -> &'static str {
    match state {
        WindowState::LoggedOut => "log in first",
        WindowState::Idle => "call the next ticket, pause or log out",
        WindowState::Called => "start serving, recall or skip the called ticket",
        WindowState::Serving => "finish the current ticket first",
        WindowState::Paused => "resume or log out",
    }
}

/// What screens and the dashboard show for a window (窗口显示状态): its
/// [`WindowState`], or 考勤异常 (attendance anomaly, the fifth displayed
/// state of the hall's window monitoring) over it while an attendance
/// anomaly holds (`attendance::detect::ongoing`). Serialized
/// snake_case: `logged_out`, `idle`, `called`, `serving`, `paused`,
/// `attendance_anomaly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisplayState {
    /// 未登录
    LoggedOut,
    /// 空闲
    Idle,
    /// 已呼叫
    Called,
    /// 正在办理
    Serving,
    /// 暂停办理
    Paused,
    /// 考勤异常
    AttendanceAnomaly,
}

impl DisplayState {
    pub fn label_zh(self) -> &'static str {
        match self {
            DisplayState::LoggedOut => "未登录",
            DisplayState::Idle => "空闲",
            DisplayState::Called => "已呼叫",
            DisplayState::Serving => "正在办理",
            DisplayState::Paused => "暂停办理",
            DisplayState::AttendanceAnomaly => "考勤异常",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DisplayState::LoggedOut => "Not logged in",
            DisplayState::Idle => "Idle",
            DisplayState::Called => "Called",
            DisplayState::Serving => "Serving",
            DisplayState::Paused => "Paused",
            DisplayState::AttendanceAnomaly => "Attendance anomaly",
        }
    }
}

/// The displayed state of a window in `state` with `anomaly` true while
/// any attendance anomaly of it holds: the anomaly wins over every state.
pub fn display_state(state: WindowState, anomaly: bool) -> DisplayState {
    if anomaly {
        return DisplayState::AttendanceAnomaly;
    }
    match state {
        WindowState::LoggedOut => DisplayState::LoggedOut,
        WindowState::Idle => DisplayState::Idle,
        WindowState::Called => DisplayState::Called,
        WindowState::Serving => DisplayState::Serving,
        WindowState::Paused => DisplayState::Paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STATES: [WindowState; 5] = [
        WindowState::LoggedOut,
        WindowState::Idle,
        WindowState::Called,
        WindowState::Serving,
        WindowState::Paused,
    ];
    const ALL_ACTIONS: [Action; 13] = [
        Action::Login,
        Action::Logout,
        Action::CallNext,
        Action::Recall,
        Action::Start,
        Action::Finish,
        Action::Skip,
        Action::Pause,
        Action::Resume,
        Action::Call,
        Action::Transfer,
        Action::Park,
        Action::Unpark,
    ];

    #[test]
    fn a_day_at_the_window() {
        let mut s = WindowState::LoggedOut;
        for a in [
            Action::Login,
            Action::CallNext,
            Action::Recall,
            Action::Start,
            Action::Finish,
            Action::CallNext,
            Action::Skip,
            Action::Pause,
            Action::Resume,
            Action::Logout,
        ] {
            s = next_state(s, a).unwrap();
        }
        assert_eq!(s, WindowState::LoggedOut);
    }

    #[test]
    fn only_listed_transitions_are_allowed() {
        let allowed = ALL_STATES
            .iter()
            .flat_map(|s| ALL_ACTIONS.iter().map(move |a| (*s, *a)))
            .filter(|(s, a)| next_state(*s, *a).is_ok())
            .count();
        assert_eq!(allowed, 16);
        let err = next_state(WindowState::Serving, Action::CallNext).unwrap_err();
        assert!(err.to_string().contains("正在办理"), "{err}");
        assert!(next_state(WindowState::Serving, Action::Logout).is_err());
    }

    #[test]
    fn the_fifth_displayed_state() {
        for s in ALL_STATES {
            let shown = display_state(s, false);
            assert_eq!(shown.label_zh(), s.label_zh());
            assert_eq!(display_state(s, true), DisplayState::AttendanceAnomaly);
        }
        let v = serde_json::to_value(DisplayState::AttendanceAnomaly).unwrap();
        assert_eq!(v, serde_json::json!("attendance_anomaly"));
        assert_eq!(DisplayState::AttendanceAnomaly.label_zh(), "考勤异常");
        assert_eq!(
            DisplayState::AttendanceAnomaly.label_en(),
            "Attendance anomaly"
        );
    }
}
