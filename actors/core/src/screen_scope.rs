//! What a screen (显示屏) shows: which windows and queues, and so which
//! committed events reach it. A hall screen shows its areas (or the whole
//! hall), a window screen its windows in order (一屏双号: two positions) and
//! the queues they serve, the supervisors' dashboard everything and the
//! alarms. No screen shows ticket or audit events: they carry personal data
//! or are for supervisors' records only. A hall notice (大厅公告) reaches the
//! screens it names, those showing an area it names, or every screen when
//! it names none ([`ScreenScope::shows_notice`]).

use std::collections::HashSet;

use crate::config::{HallConfig, ScreenConfig, ScreenKind};
use crate::events::EventBody;
use crate::hall_notice::Notice;

/// The `kind` of the supervisors' dashboard, the only screen with alarms.
pub const DASHBOARD: &str = "dashboard";

/// What a screen shows: which windows and queues.
#[derive(Debug, Clone)]
pub struct ScreenScope {
    pub id: String,
    /// `hall`, `window` or `dashboard`.
    pub kind: &'static str,
    pub title: String,
    pub title_en: String,
    /// The hall's name, for the header.
    pub hall: String,
    pub hall_en: String,
    /// None: every window.
    pub windows: Option<HashSet<String>>,
    /// None: every queue.
    pub queues: Option<HashSet<String>>,
    /// The areas it shows (for hall notices): a hall screen's areas, the
    /// areas of a window screen's windows; None: every area.
    pub areas: Option<HashSet<String>>,
    /// Window order for window screens (一屏双号: two positions).
    pub window_order: Vec<String>,
}

impl ScreenScope {
    /// The scope of a configured screen: a hall screen without areas shows
    /// the whole hall; with areas, their windows and queues; a window screen
    /// shows its windows in the configured order and every queue they serve.
    pub fn of(screen: &ScreenConfig, hall: &HallConfig) -> Self {
        match screen.kind {
            ScreenKind::Hall if screen.areas.is_empty() => Self {
                title_en: screen.name_en.clone(),
                ..Self::everything(&screen.id, "hall", &screen.name, hall)
            },
            ScreenKind::Hall => {
                let windows = hall
                    .windows
                    .iter()
                    .filter(|w| screen.areas.contains(&w.area))
                    .map(|w| w.id.clone())
                    .collect();
                let queues = hall
                    .queues
                    .iter()
                    .filter(|q| screen.areas.contains(&q.area))
                    .map(|q| q.id.clone())
                    .collect();
                Self {
                    id: screen.id.clone(),
                    kind: "hall",
                    title: screen.name.clone(),
                    title_en: screen.name_en.clone(),
                    hall: hall.hall.name.clone(),
                    hall_en: hall.hall.name_en.clone(),
                    windows: Some(windows),
                    queues: Some(queues),
                    areas: Some(screen.areas.iter().cloned().collect()),
                    window_order: Vec::new(),
                }
            }
            ScreenKind::Window => {
                let queues = hall
                    .windows
                    .iter()
                    .filter(|w| screen.windows.contains(&w.id))
                    .flat_map(|w| w.queues.iter().map(|q| q.queue.clone()))
                    .collect();
                Self {
                    id: screen.id.clone(),
                    kind: "window",
                    title: screen.name.clone(),
                    title_en: screen.name_en.clone(),
                    hall: hall.hall.name.clone(),
                    hall_en: hall.hall.name_en.clone(),
                    windows: Some(screen.windows.iter().cloned().collect()),
                    queues: Some(queues),
                    areas: Some(
                        hall.windows
                            .iter()
                            .filter(|w| screen.windows.contains(&w.id))
                            .map(|w| w.area.clone())
                            .collect(),
                    ),
                    window_order: screen.windows.clone(),
                }
            }
        }
    }

    /// A screen of `kind` that shows every window and queue (the dashboard,
    /// a hall screen without areas).
    pub fn everything(id: &str, kind: &'static str, title: &str, hall: &HallConfig) -> Self {
        Self {
            id: id.into(),
            kind,
            title: title.into(),
            title_en: String::new(),
            hall: hall.hall.name.clone(),
            hall_en: hall.hall.name_en.clone(),
            windows: None,
            queues: None,
            areas: None,
            window_order: Vec::new(),
        }
    }

    /// Whether this is the supervisors' dashboard (it alone shows alarms).
    pub fn is_dashboard(&self) -> bool {
        self.kind == DASHBOARD
    }

    /// Whether window `id` is on this screen.
    pub fn shows_window(&self, id: &str) -> bool {
        self.windows.as_ref().is_none_or(|w| w.contains(id))
    }

    /// Whether queue `id` is on this screen.
    pub fn shows_queue(&self, id: &str) -> bool {
        self.queues.as_ref().is_none_or(|q| q.contains(id))
    }

    /// Whether hall notice `n` reaches this screen: the dashboard sees
    /// every one; a public screen one for the whole hall, one naming it,
    /// or one naming an area it shows (a screen of the whole hall shows
    /// every area).
    pub fn shows_notice(&self, n: &Notice) -> bool {
        self.is_dashboard()
            || n.hall_wide()
            || n.screens.iter().any(|s| s == &self.id)
            || n.areas
                .iter()
                .any(|a| self.areas.as_ref().is_none_or(|mine| mine.contains(a)))
    }

    /// Whether a committed event reaches this screen.
    pub fn shows(&self, body: &EventBody) -> bool {
        match body {
            EventBody::Call(c) => self.shows_window(&c.window),
            EventBody::Window(w) => self.shows_window(&w.id),
            EventBody::Queue(q) => self.shows_queue(&q.id),
            EventBody::Alarm(_) => self.is_dashboard(),
            EventBody::Notice(n) => self.shows_notice(&n.notice),
            // Cases carry (masked) applicants: never on a public screen.
            // Consultations are counts for reports, not for screens.
            EventBody::Ticket(_)
            | EventBody::Audit(_)
            | EventBody::Case(_)
            | EventBody::Consultation(_) => false,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::alarm::{AlarmView, Severity};
    use crate::views::CallView;
    use chrono::Utc;

    pub(crate) const HALL: &str = r#"
[hall]
id = "t"
name = "测试大厅"
name_en = "Test hall"
[[areas]]
id = "A"
name = "A区"
[[areas]]
id = "B"
name = "B区"
[[departments]]
id = "d"
name = "部门"
[[queues]]
id = "QA"
prefix = "A"
name = "综合"
area = "A"
[[queues]]
id = "QB"
prefix = "B"
name = "社保"
area = "B"
[[items]]
id = "general"
name = "综合事项"
department = "d"
queue = "QA"
[[windows]]
id = "1"
number = 1
name = "1号窗口"
area = "A"
queues = [{ queue = "QA" }]
[[windows]]
id = "2"
number = 2
name = "2号窗口"
area = "A"
queues = [{ queue = "QA" }]
[[windows]]
id = "3"
number = 3
name = "3号窗口"
area = "B"
queues = [{ queue = "QB" }]
[[screens]]
id = "hall"
kind = "hall"
name = "大厅屏"
name_en = "Hall"
[[screens]]
id = "area-b"
kind = "hall"
name = "B区屏"
areas = ["B"]
[[screens]]
id = "w21"
kind = "window"
name = "窗口屏"
windows = ["2", "1"]
"#;

    pub(crate) fn hall() -> HallConfig {
        HallConfig::from_toml(HALL).unwrap()
    }

    pub(crate) fn call(window: &str, ticket: &str) -> CallView {
        CallView {
            ticket: ticket.into(),
            number: "A001".into(),
            window: window.into(),
            window_number: 1,
            window_name: format!("{window}号窗口"),
            queue: "QA".into(),
            recall: false,
            speech: String::new(),
        }
    }

    pub(crate) fn alarm(id: &str, active: bool) -> AlarmView {
        AlarmView {
            id: id.into(),
            source: "printer/P1".into(),
            kind: "paper_near_end".into(),
            severity: Severity::Warning,
            message_zh: String::new(),
            message_en: String::new(),
            raised_at: Utc::now(),
            active,
            cleared_at: None,
            acknowledged: None,
        }
    }

    fn scope(id: &str) -> ScreenScope {
        let hall = hall();
        ScreenScope::of(hall.screen(id).unwrap(), &hall)
    }

    #[test]
    fn a_hall_screen_without_areas_shows_the_whole_hall() {
        let s = scope("hall");
        assert_eq!((s.kind, s.title_en.as_str()), ("hall", "Hall"));
        assert_eq!(s.hall_en, "Test hall");
        assert!(s.shows_window("3") && s.shows_queue("QB"));
        assert!(s.shows(&EventBody::Call(call("3", "t"))));
        assert!(
            !s.shows(&EventBody::Alarm(alarm("a", true))),
            "alarms are for the dashboard"
        );
    }

    #[test]
    fn an_area_screen_shows_its_windows_and_queues() {
        let s = scope("area-b");
        assert!(s.shows_window("3") && !s.shows_window("1"));
        assert!(s.shows_queue("QB") && !s.shows_queue("QA"));
        assert!(!s.shows(&EventBody::Call(call("1", "t"))));
        assert!(s.shows(&EventBody::Call(call("3", "t"))));
    }

    #[test]
    fn a_window_screen_keeps_its_order_and_serves_its_queues() {
        let s = scope("w21");
        assert_eq!(s.kind, "window");
        assert_eq!(s.window_order, vec!["2", "1"]);
        assert!(s.shows_window("1") && !s.shows_window("3"));
        assert!(s.shows_queue("QA") && !s.shows_queue("QB"));
    }

    pub(crate) fn notice(areas: &[&str], screens: &[&str]) -> Notice {
        Notice {
            id: "n1".into(),
            text_zh: "系统维护".into(),
            text_en: None,
            areas: areas.iter().map(|a| a.to_string()).collect(),
            screens: screens.iter().map(|s| s.to_string()).collect(),
            starts_at: Utc::now(),
            expires_at: None,
            by: "admin".into(),
        }
    }

    #[test]
    fn a_notice_reaches_the_screens_of_its_scope() {
        let dashboard = ScreenScope::everything("dashboard", DASHBOARD, "总览", &hall());
        let (whole, b, w21) = (scope("hall"), scope("area-b"), scope("w21"));
        let reach = |n: &Notice| {
            [&whole, &b, &w21, &dashboard]
                .iter()
                .filter(|s| s.shows_notice(n))
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            reach(&notice(&[], &[])),
            ["hall", "area-b", "w21", "dashboard"],
            "the whole hall"
        );
        assert_eq!(
            reach(&notice(&["B"], &[])),
            ["hall", "area-b", "dashboard"],
            "area B: the whole-hall screen shows B too; the window screen shows area A only"
        );
        assert_eq!(
            reach(&notice(&["A"], &[])),
            ["hall", "w21", "dashboard"],
            "area A: the window screen of windows 1 and 2"
        );
        assert_eq!(
            reach(&notice(&[], &["area-b"])),
            ["area-b", "dashboard"],
            "one screen by name"
        );
        let e = EventBody::Notice(crate::hall_notice::NoticeChange::sent(notice(&["B"], &[])));
        assert!(b.shows(&e) && !w21.shows(&e));
    }

    #[test]
    fn only_the_dashboard_shows_alarms_and_no_screen_shows_tickets() {
        let hall = hall();
        let d = ScreenScope::everything("dashboard", DASHBOARD, "总览", &hall);
        assert!(d.is_dashboard());
        assert!(d.shows(&EventBody::Alarm(alarm("a", true))));
        let audit = EventBody::Audit(crate::events::AuditEntry {
            who: "s".into(),
            action: "x".into(),
            target: "hall".into(),
            reason: None,
            detail: serde_json::Value::Null,
        });
        assert!(!d.shows(&audit));
    }
}
