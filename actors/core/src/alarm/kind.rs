//! [`AlarmKind`]: every kind of alarm the hall raises (issue 9, "Alarm
//! engine"), its wire name (the `kind` of an [`Alarm`] and of its view),
//! its default [`Severity`] and its labels.
//!
//! Wire names of kinds raised before this type existed are kept as they
//! were (`offline`, `identity`, `paper_near_end`, `bad_rating`), so stored
//! alarm events read back as the same kind.

use serde::{Deserialize, Serialize};

use super::{Alarm, Severity};

/// What kind of thing is wrong. Serialized as its wire name
/// ([`AlarmKind::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// A device (bus device, card reader, printer link) stopped answering
    /// (设备离线).
    #[serde(rename = "offline")]
    DeviceOffline,
    /// A device is not the kind the configuration says (设备类型不符).
    #[serde(rename = "identity")]
    DeviceIdentity,
    /// Printer paper near end (取号机缺纸预警): printing goes on.
    PaperNearEnd,
    /// Printer out of paper (缺纸).
    PaperOut,
    /// Printer cover open (纸仓盖打开).
    CoverOpen,
    /// Printer reports an error (打印机故障).
    PrinterFault,
    /// A queue's longest wait is over its threshold (等候超时).
    QueueWaitTooLong,
    /// A queue is longer than its threshold (排队过长).
    QueueTooLong,
    /// A window is idle while a queue it serves has people waiting
    /// (窗口空闲但有人等候).
    WindowIdleWhileWaiting,
    /// A window has been paused longer than allowed (暂停过长).
    PauseTooLong,
    /// An attendance anomaly (考勤异常): not logged in after the shift
    /// started, or left before it ended.
    AttendanceAnomaly,
    /// A service runs far beyond the item's usual time (办理超时).
    ServiceTooLong,
    /// A bad rating (差评: 不满意 or 非常不满意).
    BadRating,
    /// A bad rating's follow-up passed one of its limits (差评整改逾期).
    FollowUpOverdue,
    /// A case nears its deadline (电子监察黄牌预警); raised by the case
    /// engine.
    CaseDeadlineYellow,
    /// A case passed its deadline (电子监察红牌); raised by the case engine.
    CaseDeadlineRed,
}

impl AlarmKind {
    /// Every kind, in declaration order.
    pub const ALL: [AlarmKind; 16] = [
        AlarmKind::DeviceOffline,
        AlarmKind::DeviceIdentity,
        AlarmKind::PaperNearEnd,
        AlarmKind::PaperOut,
        AlarmKind::CoverOpen,
        AlarmKind::PrinterFault,
        AlarmKind::QueueWaitTooLong,
        AlarmKind::QueueTooLong,
        AlarmKind::WindowIdleWhileWaiting,
        AlarmKind::PauseTooLong,
        AlarmKind::AttendanceAnomaly,
        AlarmKind::ServiceTooLong,
        AlarmKind::BadRating,
        AlarmKind::FollowUpOverdue,
        AlarmKind::CaseDeadlineYellow,
        AlarmKind::CaseDeadlineRed,
    ];

    /// The wire name (`kind` of an alarm; the metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::DeviceOffline => "offline",
            AlarmKind::DeviceIdentity => "identity",
            AlarmKind::PaperNearEnd => "paper_near_end",
            AlarmKind::PaperOut => "paper_out",
            AlarmKind::CoverOpen => "cover_open",
            AlarmKind::PrinterFault => "printer_fault",
            AlarmKind::QueueWaitTooLong => "queue_wait_too_long",
            AlarmKind::QueueTooLong => "queue_too_long",
            AlarmKind::WindowIdleWhileWaiting => "window_idle_while_waiting",
            AlarmKind::PauseTooLong => "pause_too_long",
            AlarmKind::AttendanceAnomaly => "attendance_anomaly",
            AlarmKind::ServiceTooLong => "service_too_long",
            AlarmKind::BadRating => "bad_rating",
            AlarmKind::FollowUpOverdue => "follow_up_overdue",
            AlarmKind::CaseDeadlineYellow => "case_deadline_yellow",
            AlarmKind::CaseDeadlineRed => "case_deadline_red",
        }
    }

    /// The kind of a wire name; `None` for a name no kind has.
    pub fn parse(name: &str) -> Option<AlarmKind> {
        AlarmKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The severity an alarm of this kind has unless its raiser says
    /// otherwise: `Error` when something is out of service or a limit has
    /// passed, `Warning` when someone should act soon.
    pub fn default_severity(self) -> Severity {
        match self {
            AlarmKind::DeviceOffline
            | AlarmKind::DeviceIdentity
            | AlarmKind::PaperOut
            | AlarmKind::CoverOpen
            | AlarmKind::PrinterFault
            | AlarmKind::CaseDeadlineRed => Severity::Error,
            AlarmKind::PaperNearEnd
            | AlarmKind::QueueWaitTooLong
            | AlarmKind::QueueTooLong
            | AlarmKind::WindowIdleWhileWaiting
            | AlarmKind::PauseTooLong
            | AlarmKind::AttendanceAnomaly
            | AlarmKind::ServiceTooLong
            | AlarmKind::BadRating
            | AlarmKind::FollowUpOverdue
            | AlarmKind::CaseDeadlineYellow => Severity::Warning,
        }
    }

    /// Whether its raiser raises it again for as long as the condition
    /// holds (devices, thresholds, attendance) — so after a restart an
    /// alarm of this kind that nobody raises again is over — rather than
    /// once for a record (a bad rating, a follow-up, a case deadline).
    pub fn is_live_condition(self) -> bool {
        !matches!(
            self,
            AlarmKind::BadRating
                | AlarmKind::FollowUpOverdue
                | AlarmKind::CaseDeadlineYellow
                | AlarmKind::CaseDeadlineRed
        )
    }

    /// The Chinese label (dashboard, reports).
    pub fn label_zh(self) -> &'static str {
        match self {
            AlarmKind::DeviceOffline => "设备离线",
            AlarmKind::DeviceIdentity => "设备类型不符",
            AlarmKind::PaperNearEnd => "纸将用完",
            AlarmKind::PaperOut => "缺纸",
            AlarmKind::CoverOpen => "纸仓盖打开",
            AlarmKind::PrinterFault => "打印机故障",
            AlarmKind::QueueWaitTooLong => "等候超时",
            AlarmKind::QueueTooLong => "排队过长",
            AlarmKind::WindowIdleWhileWaiting => "窗口空闲但有人等候",
            AlarmKind::PauseTooLong => "暂停过长",
            AlarmKind::AttendanceAnomaly => "考勤异常",
            AlarmKind::ServiceTooLong => "办理超时",
            AlarmKind::BadRating => "差评",
            AlarmKind::FollowUpOverdue => "差评整改逾期",
            AlarmKind::CaseDeadlineYellow => "办件黄牌预警",
            AlarmKind::CaseDeadlineRed => "办件红牌超期",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            AlarmKind::DeviceOffline => "Device offline",
            AlarmKind::DeviceIdentity => "Wrong device kind",
            AlarmKind::PaperNearEnd => "Paper near end",
            AlarmKind::PaperOut => "Paper out",
            AlarmKind::CoverOpen => "Cover open",
            AlarmKind::PrinterFault => "Printer fault",
            AlarmKind::QueueWaitTooLong => "Wait too long",
            AlarmKind::QueueTooLong => "Queue too long",
            AlarmKind::WindowIdleWhileWaiting => "Window idle while people wait",
            AlarmKind::PauseTooLong => "Pause too long",
            AlarmKind::AttendanceAnomaly => "Attendance anomaly",
            AlarmKind::ServiceTooLong => "Service too long",
            AlarmKind::BadRating => "Bad rating",
            AlarmKind::FollowUpOverdue => "Rating follow-up overdue",
            AlarmKind::CaseDeadlineYellow => "Case deadline near (yellow)",
            AlarmKind::CaseDeadlineRed => "Case deadline passed (red)",
        }
    }

    /// An alarm of this kind with its default severity. `id` names what is
    /// wrong with what (`queue/A/queue_too_long`), `source` the thing
    /// (`queue/A`).
    pub fn alarm(
        self,
        id: impl Into<String>,
        source: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Alarm {
        Alarm {
            id: id.into(),
            source: source.into(),
            kind: self.as_str().to_string(),
            severity: self.default_severity(),
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

impl std::fmt::Display for AlarmKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Alarm {
    /// The typed kind of this alarm, when its `kind` is a known wire name.
    pub fn typed_kind(&self) -> Option<AlarmKind> {
        AlarmKind::parse(&self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_kind_has_a_unique_wire_name_that_reads_back() {
        let names: HashSet<&str> = AlarmKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), AlarmKind::ALL.len());
        for k in AlarmKind::ALL {
            assert_eq!(AlarmKind::parse(k.as_str()), Some(k));
            // serde writes the same name.
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(k.as_str().into())
            );
            assert!(!k.label_zh().is_empty() && !k.label_en().is_empty());
        }
        assert_eq!(AlarmKind::parse("nonsense"), None);
        assert!(AlarmKind::PaperOut.is_live_condition());
        assert!(AlarmKind::QueueTooLong.is_live_condition());
        assert!(!AlarmKind::BadRating.is_live_condition());
        assert!(!AlarmKind::CaseDeadlineRed.is_live_condition());
    }

    #[test]
    fn names_raised_before_the_type_are_kept() {
        assert_eq!(AlarmKind::parse("offline"), Some(AlarmKind::DeviceOffline));
        assert_eq!(
            AlarmKind::parse("identity"),
            Some(AlarmKind::DeviceIdentity)
        );
        assert_eq!(
            AlarmKind::parse("paper_near_end"),
            Some(AlarmKind::PaperNearEnd)
        );
        assert_eq!(AlarmKind::parse("bad_rating"), Some(AlarmKind::BadRating));
        let bus = crate::bus::offline_alarm("B1", "T1");
        assert_eq!(bus.typed_kind(), Some(AlarmKind::DeviceOffline));
    }

    #[test]
    fn default_severities() {
        use AlarmKind as K;
        for k in [
            K::DeviceOffline,
            K::PaperOut,
            K::CoverOpen,
            K::CaseDeadlineRed,
        ] {
            assert_eq!(k.default_severity(), Severity::Error, "{k}");
        }
        for k in [
            K::PaperNearEnd,
            K::QueueWaitTooLong,
            K::QueueTooLong,
            K::WindowIdleWhileWaiting,
            K::PauseTooLong,
            K::AttendanceAnomaly,
            K::ServiceTooLong,
            K::BadRating,
            K::CaseDeadlineYellow,
        ] {
            assert_eq!(k.default_severity(), Severity::Warning, "{k}");
        }
        assert!(Severity::Warning < Severity::Error);
        let a = K::QueueTooLong.alarm("queue/A/queue_too_long", "queue/A", "排队过长", "Long");
        assert_eq!(a.kind, "queue_too_long");
        assert_eq!(a.severity, Severity::Warning);
        assert_eq!(a.typed_kind(), Some(K::QueueTooLong));
    }
}
