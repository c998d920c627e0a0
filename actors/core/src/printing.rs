//! Ticket printing (取号机打印机) as rules: whether a printer is in service
//! given what it last said about itself, which alarms bring the raised ones
//! in line with that, what a ticket looks like on paper, and what becomes of
//! a print job.
//!
//! Paper near end is a warning and printing goes on; paper end, cover open,
//! an error or no connection take the printer out of service with an error
//! alarm; recovery clears the alarm and puts it back in service. The printer
//! actor (`tingwu_actors::printer`) keeps the state, calls these and sends
//! the alarms and jobs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use tingwu_protocols::escpos::{self, Charset, PrinterStatus, TicketLayout};

use crate::alarm::{Alarm, AlarmKind, Severity};
use crate::config::{HallConfig, QueueRole, WindowConfig};
use crate::views::TicketView;

/// How long a print waits for its bytes to reach the printer before the
/// answer says `queued` (the job stays in the link's queue).
pub const PRINT_WAIT: Duration = Duration::from_secs(2);
/// Print jobs waiting for the link at most.
pub const JOB_QUEUE: usize = 16;
/// Windows named one by one on a ticket at most; beyond, their areas.
pub const DIRECTION_WINDOWS: usize = 4;

/// Why a printer is out of service, most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfService {
    /// No connection, or it has not answered yet.
    Offline,
    CoverOpen,
    PaperEnd,
    /// The printer reports itself offline or in error.
    Fault,
}

impl OutOfService {
    /// The kind of its alarm: paper out, cover open, device offline or
    /// printer fault.
    pub fn alarm_kind(self) -> AlarmKind {
        match self {
            OutOfService::Offline => AlarmKind::DeviceOffline,
            OutOfService::CoverOpen => AlarmKind::CoverOpen,
            OutOfService::PaperEnd => AlarmKind::PaperOut,
            OutOfService::Fault => AlarmKind::PrinterFault,
        }
    }

    /// The alarm text for printer `id`: (Chinese, English).
    pub fn messages(self, id: &str) -> (String, String) {
        match self {
            OutOfService::Offline => (
                format!("打印机 {id} 离线，取号机改为短信/二维码取号"),
                format!("Printer {id} is offline; the kiosk offers SMS/QR tickets"),
            ),
            OutOfService::CoverOpen => (
                format!("打印机 {id} 纸仓盖打开，请合上"),
                format!("Printer {id}: cover open; close it"),
            ),
            OutOfService::PaperEnd => (
                format!("打印机 {id} 缺纸，请更换纸卷"),
                format!("Printer {id}: out of paper; load a new roll"),
            ),
            OutOfService::Fault => (
                format!("打印机 {id} 故障，请检修"),
                format!("Printer {id} reports an error; service it"),
            ),
        }
    }
}

/// What the printer's condition means for the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub in_service: bool,
    /// Paper near end (取号机缺纸预警): a warning, printing goes on.
    pub near_end: bool,
    pub out_of_service: Option<OutOfService>,
}

/// The rule: connected and `can_print` is in service; near end warns only.
/// Before the first status the printer is not in service (but not yet
/// alarming, see [`RaisedAlarms::changes`]).
pub fn assess(connected: bool, status: Option<&PrinterStatus>) -> Assessment {
    let out = match (connected, status) {
        (false, _) | (true, None) => Some(OutOfService::Offline),
        (true, Some(s)) if s.cover_open => Some(OutOfService::CoverOpen),
        (true, Some(s)) if s.paper_end => Some(OutOfService::PaperEnd),
        (true, Some(s)) if !s.can_print() => Some(OutOfService::Fault),
        (true, Some(_)) => None,
    };
    Assessment {
        in_service: out.is_none(),
        near_end: connected && status.is_some_and(|s| s.paper_near_end && !s.paper_end),
        out_of_service: out,
    }
}

/// The alarms a printer has raised and not cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RaisedAlarms {
    pub near_end: bool,
    pub out: Option<OutOfService>,
}

/// Alarms to raise and alarm ids to clear, in that order, and the raised
/// state once they are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmChanges {
    pub raise: Vec<Alarm>,
    pub clear: Vec<String>,
    pub raised: RaisedAlarms,
}

/// The id of printer `printer`'s alarm of `kind`: `printer/P1/out_of_service`.
pub fn alarm_id(printer: &str, kind: &str) -> String {
    format!("printer/{printer}/{kind}")
}

impl RaisedAlarms {
    /// The changes that bring the raised alarms of printer `printer` in line
    /// with `now`. Nothing is raised before the link has reported anything
    /// (`heard`): "offline" waits for the first connection attempt. A change
    /// of cause raises the same `out_of_service` id again with the new text
    /// and the cause's kind (`paper_out`, `cover_open`, `offline`,
    /// `printer_fault`: [`OutOfService::alarm_kind`]).
    pub fn changes(self, printer: &str, heard: bool, now: Assessment) -> AlarmChanges {
        let mut raise = Vec::new();
        let mut clear = Vec::new();
        if !heard {
            return AlarmChanges {
                raise,
                clear,
                raised: self,
            };
        }
        let source = format!("printer/{printer}");
        if now.near_end != self.near_end {
            if now.near_end {
                raise.push(Alarm {
                    id: alarm_id(printer, "paper_near_end"),
                    source: source.clone(),
                    kind: "paper_near_end".into(),
                    severity: Severity::Warning,
                    message_zh: format!("打印机 {printer} 纸将用完，请准备换纸"),
                    message_en: format!("Printer {printer}: paper near end"),
                });
            } else {
                clear.push(alarm_id(printer, "paper_near_end"));
            }
        }
        if now.out_of_service != self.out {
            match now.out_of_service {
                Some(why) => {
                    let (zh, en) = why.messages(printer);
                    raise.push(Alarm {
                        id: alarm_id(printer, "out_of_service"),
                        source,
                        kind: why.alarm_kind().as_str().into(),
                        severity: Severity::Error,
                        message_zh: zh,
                        message_en: en,
                    });
                }
                None => clear.push(alarm_id(printer, "out_of_service")),
            }
        }
        AlarmChanges {
            raise,
            clear,
            raised: RaisedAlarms {
                near_end: now.near_end,
                out: now.out_of_service,
            },
        }
    }
}

/// Where to go (窗口指引): the windows whose primary queue this is (else
/// every window serving it), by name when there are a few
/// (`请到 1号窗口、2号窗口 办理`), else by area
/// (`请到 A区 综合受理区 办理（共 23 个窗口）`). Empty when no window serves it.
pub fn window_direction(hall: &HallConfig, queue: &str) -> String {
    let serving: Vec<&WindowConfig> = hall.windows_serving(queue).collect();
    let primary: Vec<_> = serving
        .iter()
        .copied()
        .filter(|w| {
            w.queues
                .iter()
                .any(|q| q.queue == queue && q.role == QueueRole::Primary)
        })
        .collect();
    let windows = if primary.is_empty() { serving } else { primary };
    if windows.is_empty() {
        return String::new();
    }
    if windows.len() <= DIRECTION_WINDOWS {
        let names: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
        return format!("请到 {} 办理", names.join("、"));
    }
    let mut areas: Vec<&str> = Vec::new();
    for w in &windows {
        let name = hall
            .areas
            .iter()
            .find(|a| a.id == w.area)
            .map_or(w.area.as_str(), |a| a.name.as_str());
        if !areas.contains(&name) {
            areas.push(name);
        }
    }
    format!(
        "请到 {} 办理（共 {} 个窗口）",
        areas.join("、"),
        windows.len()
    )
}

/// The ticket as printed: hall name, number, item, people ahead, expected
/// time (`HH:MM` in the hall's zone `tz`), the windows serving its queue,
/// materials, notices, QR code of its status page (`{status_base_url}/t/{id}`)
/// and barcode of its id, for a printer of character set `charset`.
pub fn layout(
    hall: &HallConfig,
    tz: Tz,
    status_base_url: &str,
    charset: Charset,
    t: &TicketView,
) -> TicketLayout {
    let item = t.item.as_deref().and_then(|i| hall.item(i));
    let item_name = item.map(|i| i.name.clone()).unwrap_or_else(|| {
        hall.queue(&t.queue)
            .map(|q| q.name.clone())
            .unwrap_or_default()
    });
    // A transferred ticket is directed to the line it waits in now.
    let queue = t.waiting_in.as_deref().unwrap_or(&t.queue);
    let expected_time = t
        .expected_call_at
        .map(|at: DateTime<Utc>| at.with_timezone(&tz).format("%H:%M").to_string())
        .unwrap_or_default();
    TicketLayout {
        hall_name: hall
            .ticket
            .hall_name
            .clone()
            .unwrap_or_else(|| hall.hall.name.clone()),
        number: t.number.clone(),
        item: item_name,
        people_ahead: u32::try_from(t.people_ahead).unwrap_or(u32::MAX),
        expected_time,
        window_direction: window_direction(hall, queue),
        materials: item.map(|i| i.materials.clone()).unwrap_or_default(),
        notices: hall.ticket.notices.clone(),
        qr_url: Some(format!("{status_base_url}/t/{}", t.id)),
        barcode: Some(t.id.clone()),
        charset,
    }
}

/// A character of the hall's ticket text that a printer cannot print
/// (issue 8, item 4): `check-config` warns about each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprintable {
    /// The printer's id.
    pub printer: String,
    /// Its character set.
    pub charset: Charset,
    /// The config field, e.g. `ticket.notices[1]`, `items.general.materials[0]`.
    pub field: String,
    /// The character.
    pub character: char,
    /// What is printed instead ([`escpos::substitute`]).
    pub printed_as: String,
}

/// Every character of the text a ticket takes from the hall's config (hall
/// name, notices, item and queue names, materials, the window and area
/// names of window directions) that a configured printer cannot print, per
/// printer, field and character. The fixed ticket wording is checked too
/// (an `ascii` printer lacks it).
pub fn unprintable_ticket_text(hall: &HallConfig) -> Vec<Unprintable> {
    let mut texts: Vec<(String, &str)> = Vec::new();
    match &hall.ticket.hall_name {
        Some(name) => texts.push(("ticket.hall_name".into(), name)),
        None => texts.push(("hall.name".into(), &hall.hall.name)),
    }
    for (i, n) in hall.ticket.notices.iter().enumerate() {
        texts.push((format!("ticket.notices[{i}]"), n));
    }
    for item in &hall.items {
        texts.push((format!("items.{}.name", item.id), &item.name));
        for (i, m) in item.materials.iter().enumerate() {
            texts.push((format!("items.{}.materials[{i}]", item.id), m));
        }
    }
    for q in &hall.queues {
        texts.push((format!("queues.{}.name", q.id), &q.name));
    }
    for w in &hall.windows {
        texts.push((format!("windows.{}.name", w.id), &w.name));
    }
    for a in &hall.areas {
        texts.push((format!("areas.{}.name", a.id), &a.name));
    }
    texts.push((
        "(ticket wording)".into(),
        "前面还有人等候预计办理时间：请携带材料：请到办理（共个窗口）、",
    ));
    let mut found = Vec::new();
    for p in &hall.printers {
        for (field, text) in &texts {
            for c in escpos::unprintable(text, p.charset) {
                found.push(Unprintable {
                    printer: p.id.clone(),
                    charset: p.charset,
                    field: field.clone(),
                    character: c,
                    printed_as: escpos::substitute(c, p.charset),
                });
            }
        }
    }
    found
}

/// How a kiosk's print went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintStatus {
    /// The bytes were written to the printer.
    Printed,
    /// Accepted, not yet written when the answer was due.
    Queued,
    /// Not printed: the kiosk offers the SMS/QR ticket instead.
    OutOfService,
}

/// Why a print job was not handed to the link; the kiosk's answer is
/// [`PrintStatus::OutOfService`] for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JobRefusal {
    #[error("no printer link is attached")]
    NoLink,
    #[error("the printer is out of service")]
    OutOfService,
    #[error("the ticket cannot be rendered")]
    Unrenderable,
    #[error("the printer's job queue is full")]
    QueueFull,
}

impl JobRefusal {
    /// The `outcome` label of `tingwu_printer_jobs_total`, for the refusals
    /// that are counted (a missing link or a render error is not a job).
    pub fn metric_label(self) -> Option<&'static str> {
        match self {
            JobRefusal::OutOfService => Some("out_of_service"),
            JobRefusal::QueueFull => Some("queue_full"),
            JobRefusal::NoLink | JobRefusal::Unrenderable => None,
        }
    }
}

/// The job-queue policy before rendering: a job needs a link and a printer
/// in service; otherwise the ticket is not printed (it stands, and the
/// kiosk offers SMS/QR instead).
pub fn admit_job(link_attached: bool, now: Assessment) -> Result<(), JobRefusal> {
    if !link_attached {
        return Err(JobRefusal::NoLink);
    }
    if !now.in_service {
        return Err(JobRefusal::OutOfService);
    }
    Ok(())
}

/// What became of a job handed to the link within [`PRINT_WAIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobResult {
    /// The link wrote the bytes.
    Written,
    /// The link failed to write them, or dropped the job.
    Failed,
    /// No answer within the wait; the job stays queued.
    TimedOut,
}

impl PrintStatus {
    /// The kiosk's answer for a job the link accepted.
    pub fn of(result: JobResult) -> Self {
        match result {
            JobResult::Written => PrintStatus::Printed,
            JobResult::Failed => PrintStatus::OutOfService,
            JobResult::TimedOut => PrintStatus::Queued,
        }
    }

    /// The `outcome` label of `tingwu_printer_jobs_total` for an accepted job.
    pub fn metric_label(self) -> &'static str {
        match self {
            PrintStatus::Printed => "printed",
            PrintStatus::Queued => "queued",
            PrintStatus::OutOfService => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Channel, Priority, TicketStatus};
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use tingwu_protocols::escpos::{self, PrinterFault};

    /// A hall with one kiosk and its printer P1 (shared with the other
    /// printer tests).
    const HALL: &str = include_str!("../testdata/printer_hall.toml");

    fn ok() -> PrinterStatus {
        PrinterStatus {
            online: true,
            ..PrinterStatus::default()
        }
    }

    #[test]
    fn assessment_follows_the_status() {
        let a = assess(false, Some(&ok()));
        assert_eq!(a.out_of_service, Some(OutOfService::Offline));
        assert!(!a.in_service && !a.near_end);
        assert_eq!(
            assess(true, None).out_of_service,
            Some(OutOfService::Offline)
        );
        assert_eq!(
            assess(true, Some(&ok())),
            Assessment {
                in_service: true,
                near_end: false,
                out_of_service: None
            }
        );
        let near = PrinterStatus {
            paper_near_end: true,
            ..ok()
        };
        let a = assess(true, Some(&near));
        assert!(a.in_service && a.near_end, "near end still prints: {a:?}");
        let end = PrinterStatus {
            paper_near_end: true,
            paper_end: true,
            ..ok()
        };
        let a = assess(true, Some(&end));
        assert_eq!(a.out_of_service, Some(OutOfService::PaperEnd));
        assert!(!a.near_end, "paper end replaces the near-end warning");
        let cover = PrinterStatus {
            cover_open: true,
            paper_end: true,
            ..ok()
        };
        assert_eq!(
            assess(true, Some(&cover)).out_of_service,
            Some(OutOfService::CoverOpen)
        );
        let offline = PrinterStatus {
            online: false,
            ..PrinterStatus::default()
        };
        assert_eq!(
            assess(true, Some(&offline)).out_of_service,
            Some(OutOfService::Fault)
        );
        let jam = PrinterStatus {
            error: Some(PrinterFault::Autocutter),
            ..ok()
        };
        assert_eq!(
            assess(true, Some(&jam)).out_of_service,
            Some(OutOfService::Fault)
        );
    }

    #[test]
    fn each_cause_has_its_alarm_kind() {
        for (why, kind) in [
            (OutOfService::PaperEnd, AlarmKind::PaperOut),
            (OutOfService::CoverOpen, AlarmKind::CoverOpen),
            (OutOfService::Offline, AlarmKind::DeviceOffline),
            (OutOfService::Fault, AlarmKind::PrinterFault),
        ] {
            assert_eq!(why.alarm_kind(), kind);
            let c = RaisedAlarms::default().changes(
                "P1",
                true,
                Assessment {
                    in_service: false,
                    near_end: false,
                    out_of_service: Some(why),
                },
            );
            assert_eq!(c.raise[0].id, "printer/P1/out_of_service", "one id");
            assert_eq!(c.raise[0].typed_kind(), Some(kind));
        }
    }

    #[test]
    fn alarms_wait_for_the_link_then_raise_once_and_clear() {
        let raised = RaisedAlarms::default();
        let offline = assess(false, None);
        let c = raised.changes("P1", false, offline);
        assert!(
            c.raise.is_empty() && c.clear.is_empty(),
            "nothing heard yet"
        );
        assert_eq!(c.raised, raised);
        let c = raised.changes("P1", true, offline);
        assert_eq!(c.raise.len(), 1);
        assert_eq!(c.raise[0].id, "printer/P1/out_of_service");
        assert!(c.raise[0].message_en.contains("offline"));
        let again = c.raised.changes("P1", true, offline);
        assert!(
            again.raise.is_empty() && again.clear.is_empty(),
            "raised once"
        );
        let near = assess(
            true,
            Some(&PrinterStatus {
                paper_near_end: true,
                ..ok()
            }),
        );
        let c = c.raised.changes("P1", true, near);
        assert_eq!(c.raise.len(), 1);
        assert_eq!(c.raise[0].id, "printer/P1/paper_near_end");
        assert_eq!(c.raise[0].severity, Severity::Warning);
        assert_eq!(c.clear, vec!["printer/P1/out_of_service".to_string()]);
        let c = c.raised.changes("P1", true, assess(true, Some(&ok())));
        assert!(c.raise.is_empty());
        assert_eq!(c.clear, vec!["printer/P1/paper_near_end".to_string()]);
        assert_eq!(c.raised, RaisedAlarms::default());
    }

    fn status() -> impl Strategy<Value = Option<PrinterStatus>> {
        proptest::option::of(
            (
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(online, cover_open, near, end, fault)| PrinterStatus {
                    online,
                    cover_open,
                    paper_near_end: near,
                    paper_end: end,
                    error: fault.then_some(PrinterFault::Autocutter),
                }),
        )
    }

    proptest! {
        /// Whatever the printer says, in any order, the alarms left active
        /// by the raises and clears are exactly what its last condition
        /// calls for, and nothing is cleared that is not active.
        #[test]
        fn active_alarms_always_match_the_condition(
            steps in proptest::collection::vec((any::<bool>(), status()), 1..40)
        ) {
            let mut raised = RaisedAlarms::default();
            let mut active: BTreeMap<String, Alarm> = BTreeMap::new();
            for (connected, s) in &steps {
                let a = assess(*connected, s.as_ref());
                let c = raised.changes("P1", true, a);
                for id in &c.clear {
                    prop_assert!(active.remove(id).is_some(), "cleared {id} that was not raised");
                }
                for alarm in c.raise {
                    active.insert(alarm.id.clone(), alarm);
                }
                raised = c.raised;
                prop_assert_eq!(active.contains_key("printer/P1/paper_near_end"), a.near_end);
                prop_assert_eq!(active.contains_key("printer/P1/out_of_service"), !a.in_service);
                let (zh, _) = a.out_of_service.map(|w| w.messages("P1")).unwrap_or_default();
                prop_assert!(active.get("printer/P1/out_of_service").is_none_or(|x| x.message_zh == zh));
                let idle = raised.changes("P1", true, a);
                prop_assert!(idle.raise.is_empty() && idle.clear.is_empty());
            }
        }
    }

    #[test]
    fn the_job_policy_needs_a_link_and_service() {
        let ready = assess(true, Some(&ok()));
        assert_eq!(admit_job(true, ready), Ok(()));
        assert_eq!(admit_job(false, ready), Err(JobRefusal::NoLink));
        assert_eq!(
            admit_job(true, assess(true, None)),
            Err(JobRefusal::OutOfService)
        );
        assert_eq!(JobRefusal::NoLink.metric_label(), None);
        assert_eq!(JobRefusal::Unrenderable.metric_label(), None);
        assert_eq!(
            JobRefusal::OutOfService.metric_label(),
            Some("out_of_service")
        );
        assert_eq!(JobRefusal::QueueFull.metric_label(), Some("queue_full"));
        assert_eq!(PrintStatus::of(JobResult::Written), PrintStatus::Printed);
        assert_eq!(PrintStatus::of(JobResult::TimedOut), PrintStatus::Queued);
        assert_eq!(
            PrintStatus::of(JobResult::Failed),
            PrintStatus::OutOfService
        );
        assert_eq!(PrintStatus::OutOfService.metric_label(), "failed");
        assert_eq!(PrintStatus::Printed.metric_label(), "printed");
        assert_eq!(PrintStatus::Queued.metric_label(), "queued");
    }

    fn config() -> HallConfig {
        HallConfig::from_toml(HALL).unwrap()
    }

    #[test]
    fn the_layout_comes_from_the_ticket_and_the_config() {
        let hall = config();
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = TicketView {
            id: "20260302-A007".into(),
            number: "A007".into(),
            queue: "A".into(),
            item: Some("general".into()),
            status: TicketStatus::Waiting,
            channel: Channel::Onsite,
            priority: Priority::Normal,
            issued_at: at,
            people_ahead: 4,
            estimated_wait_s: 600,
            wait_unknown: false,
            rejoin_until: None,
            expected_call_at: Some(at),
            window: None,
            waiting_in: None,
            phone: None,
            id_number: None,
        };
        let l = layout(&hall, hall.tz(), "http://hall.example", Charset::Gbk, &t);
        assert_eq!(l.hall_name, "测试大厅 便民服务");
        assert_eq!(l.number, "A007");
        assert_eq!(l.item, "综合事项");
        assert_eq!(l.people_ahead, 4);
        assert_eq!(l.expected_time, "09:30", "in the hall's time zone");
        assert_eq!(l.window_direction, "请到 1号窗口、2号窗口 办理");
        assert_eq!(l.materials, vec!["身份证", "申请表"]);
        assert_eq!(l.notices, vec!["过号请重新取号"]);
        assert_eq!(
            l.qr_url.as_deref(),
            Some("http://hall.example/t/20260302-A007")
        );
        assert_eq!(l.barcode.as_deref(), Some("20260302-A007"));
        assert!(escpos::render(&l).is_ok());
    }

    // Issue 8, item 4 — kind: every text sent to a device fits that
    // device's character set; the input is `¥` and `•` in a notice.
    #[test]
    fn check_config_finds_what_a_printer_cannot_print() {
        let cfg = config();
        assert!(
            unprintable_ticket_text(&cfg).is_empty(),
            "GBK prints the test hall"
        );
        let hall = HALL.replace(
            "notices = [\"过号请重新取号\"]",
            "notices = [\"过号请重新取号\", \"工本费 ¥20 • 现场缴纳\"]",
        );
        let cfg = HallConfig::from_toml(&hall).unwrap();
        let found = unprintable_ticket_text(&cfg);
        let got: Vec<_> = found
            .iter()
            .map(|u| {
                (
                    u.printer.as_str(),
                    u.field.as_str(),
                    u.character,
                    u.printed_as.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("P1", "ticket.notices[1]", '¥', "￥"),
                ("P1", "ticket.notices[1]", '•', "·"),
            ]
        );
        let gb18030 = hall.replace(
            "address = \"127.0.0.1:9100\"",
            "address = \"127.0.0.1:9100\"\ncharset = \"gb18030\"",
        );
        let cfg = HallConfig::from_toml(&gb18030).unwrap();
        assert!(unprintable_ticket_text(&cfg).is_empty());
        let ascii = hall.replace(
            "address = \"127.0.0.1:9100\"",
            "address = \"127.0.0.1:9100\"\ncharset = \"ascii\"",
        );
        let cfg = HallConfig::from_toml(&ascii).unwrap();
        let found = unprintable_ticket_text(&cfg);
        assert!(found
            .iter()
            .any(|u| u.field == "ticket.hall_name" && u.character == '测' && u.printed_as == "?"));
        let wrong = hall.replace(
            "address = \"127.0.0.1:9100\"",
            "address = \"127.0.0.1:9100\"\ncharset = \"big5\"",
        );
        assert!(
            HallConfig::from_toml(&wrong).is_err(),
            "an unknown charset is refused"
        );
    }

    #[test]
    fn many_windows_are_directed_by_area() {
        let mut hall = String::from(HALL);
        for n in 3..=6 {
            hall.push_str(&format!(
                "[[windows]]\nid = \"{n}\"\nnumber = {n}\nname = \"{n}号窗口\"\narea = \"A\"\nqueues = [{{ queue = \"A\" }}]\n"
            ));
        }
        let cfg = HallConfig::from_toml(&hall).unwrap();
        assert_eq!(
            window_direction(&cfg, "A"),
            "请到 综合区 办理（共 6 个窗口）"
        );
        assert_eq!(window_direction(&cfg, "nope"), "");
    }
}
