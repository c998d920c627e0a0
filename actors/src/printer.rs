//! The printer actor (取号机打印机): one per ticket printer. It knows whether
//! the printer is connected and what it last said about itself, decides
//! whether it is in service, raises and clears its alarms, and prints
//! tickets laid out from the hall's configuration.
//!
//! The bytes travel through a link task in the binary
//! (`src/devices/printer_link.rs`): it connects, writes print jobs, polls
//! the status and reports [`LinkEvent`]s here. This actor holds the rules:
//! paper near end is a warning and printing goes on; paper end, cover open,
//! an error or no connection take the printer out of service with an error
//! alarm; recovery clears the alarm and puts it back in service.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use serde::Serialize;
use tingwu_protocols::escpos::{self, PrinterStatus, TicketLayout};
use tokio::sync::{mpsc, oneshot};

use crate::alarm::{Alarm, AlarmActor, Clear, Raise, Severity};
use crate::clock::HallClock;
use crate::config::{HallConfig, PrinterConfig};
use crate::views::TicketView;

/// How long a print waits for its bytes to reach the printer before the
/// answer says `queued` (the job stays in the link's queue).
pub const PRINT_WAIT: Duration = Duration::from_secs(2);
/// Print jobs waiting for the link at most.
pub const JOB_QUEUE: usize = 16;

/// Bytes for the printer, and where to say whether they were written.
pub struct PrintJob {
    pub ticket: String,
    pub bytes: Vec<u8>,
    pub done: oneshot::Sender<Result<(), String>>,
}

/// What the link says about the printer.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum LinkEvent {
    Connected,
    /// The connection failed or dropped.
    Disconnected {
        reason: String,
    },
    /// A complete status poll (`DLE EOT 1..4`) or an automatic status.
    Status(PrinterStatus),
}

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
    fn messages(self, id: &str) -> (String, String) {
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
/// alarming, see [`PrinterActor`]).
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

/// Windows named one by one on a ticket at most; beyond, their areas.
pub const DIRECTION_WINDOWS: usize = 4;

/// Where to go (窗口指引): the windows whose primary queue this is (else
/// every window serving it), by name when there are a few
/// (`请到 1号窗口、2号窗口 办理`), else by area
/// (`请到 A区 综合受理区 办理（共 23 个窗口）`).
pub fn window_direction(hall: &HallConfig, queue: &str) -> String {
    let serving: Vec<&crate::config::WindowConfig> = hall.windows_serving(queue).collect();
    let primary: Vec<_> = serving
        .iter()
        .copied()
        .filter(|w| {
            w.queues
                .iter()
                .any(|q| q.queue == queue && q.role == crate::config::QueueRole::Primary)
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

#[derive(Debug, Clone, Serialize)]
pub struct PrinterView {
    pub id: String,
    pub kiosk: String,
    pub address: String,
    pub connected: bool,
    pub in_service: bool,
    pub out_of_service: Option<OutOfService>,
    pub paper_near_end: bool,
    pub printed: u64,
}

pub struct PrinterActor {
    cfg: PrinterConfig,
    hall: Arc<HallConfig>,
    clock: HallClock,
    alarms: Addr<AlarmActor>,
    link: Option<mpsc::Sender<PrintJob>>,
    /// `{base}/t/{id}` is the QR code's content.
    status_base_url: String,
    connected: bool,
    /// Whether the link has reported anything yet: an alarm for "offline"
    /// waits for the first connection attempt.
    heard: bool,
    status: Option<PrinterStatus>,
    /// The alarms this actor has raised and not cleared.
    raised_near_end: bool,
    raised_out: Option<OutOfService>,
    printed: u64,
}

impl PrinterActor {
    pub fn new(
        cfg: PrinterConfig,
        hall: Arc<HallConfig>,
        clock: HallClock,
        alarms: Addr<AlarmActor>,
    ) -> Self {
        Self {
            cfg,
            hall,
            clock,
            alarms,
            link: None,
            status_base_url: String::new(),
            connected: false,
            heard: false,
            status: None,
            raised_near_end: false,
            raised_out: None,
            printed: 0,
        }
    }

    pub fn assessment(&self) -> Assessment {
        assess(self.connected, self.status.as_ref())
    }

    fn alarm_id(&self, kind: &str) -> String {
        format!("printer/{}/{kind}", self.cfg.id)
    }

    /// The alarm messages that bring the raised alarms in line with the
    /// printer's condition, and the new raised state.
    pub fn alarm_changes(&mut self) -> (Vec<Alarm>, Vec<String>) {
        let a = self.assessment();
        let mut raise = Vec::new();
        let mut clear = Vec::new();
        if !self.heard {
            return (raise, clear);
        }
        let source = format!("printer/{}", self.cfg.id);
        if a.near_end != self.raised_near_end {
            if a.near_end {
                raise.push(Alarm {
                    id: self.alarm_id("paper_near_end"),
                    source: source.clone(),
                    kind: "paper_near_end".into(),
                    severity: Severity::Warning,
                    message_zh: format!("打印机 {} 纸将用完，请准备换纸", self.cfg.id),
                    message_en: format!("Printer {}: paper near end", self.cfg.id),
                });
            } else {
                clear.push(self.alarm_id("paper_near_end"));
            }
            self.raised_near_end = a.near_end;
        }
        if a.out_of_service != self.raised_out {
            match a.out_of_service {
                Some(why) => {
                    let (zh, en) = why.messages(&self.cfg.id);
                    raise.push(Alarm {
                        id: self.alarm_id("out_of_service"),
                        source,
                        kind: "out_of_service".into(),
                        severity: Severity::Error,
                        message_zh: zh,
                        message_en: en,
                    });
                }
                None => clear.push(self.alarm_id("out_of_service")),
            }
            self.raised_out = a.out_of_service;
        }
        (raise, clear)
    }

    /// Raises and clears this printer's alarms to match its condition.
    /// The messages are queued at once and in order (`try_send`), so a
    /// raise and the clear that follows it can never swap; the alarm actor
    /// logs a commit that fails.
    fn update_alarms(&mut self) {
        let was_in_service = self.heard && self.raised_out.is_none();
        let (raise, clear) = self.alarm_changes();
        let in_service = self.assessment().in_service;
        if was_in_service != in_service {
            tracing::info!(printer = %self.cfg.id, in_service, cause = ?self.raised_out, "printer service changed");
        }
        for a in raise {
            if let Err(e) = self.alarms.try_send(Raise(a)) {
                tracing::error!(printer = %self.cfg.id, error = %e, "alarm could not be raised");
            }
        }
        for id in clear {
            if let Err(e) = self.alarms.try_send(Clear(id)) {
                tracing::error!(printer = %self.cfg.id, error = %e, "alarm could not be cleared");
            }
        }
    }

    /// The ticket as printed: hall name, number, item, people ahead,
    /// expected time, the windows serving its queue, materials, notices,
    /// QR code of its status page and barcode of its id.
    pub fn layout(&self, t: &TicketView) -> TicketLayout {
        let item = t.item.as_deref().and_then(|i| self.hall.item(i));
        let item_name = item.map(|i| i.name.clone()).unwrap_or_else(|| {
            self.hall
                .queue(&t.queue)
                .map(|q| q.name.clone())
                .unwrap_or_default()
        });
        let queue = t.waiting_in.as_deref().unwrap_or(&t.queue);
        let expected_time = t
            .expected_call_at
            .map(|at| at.with_timezone(&self.clock.tz).format("%H:%M").to_string())
            .unwrap_or_default();
        TicketLayout {
            hall_name: self
                .hall
                .ticket
                .hall_name
                .clone()
                .unwrap_or_else(|| self.hall.hall.name.clone()),
            number: t.number.clone(),
            item: item_name,
            people_ahead: u32::try_from(t.people_ahead).unwrap_or(u32::MAX),
            expected_time,
            window_direction: window_direction(&self.hall, queue),
            materials: item.map(|i| i.materials.clone()).unwrap_or_default(),
            notices: self.hall.ticket.notices.clone(),
            qr_url: Some(format!("{}/t/{}", self.status_base_url, t.id)),
            barcode: Some(t.id.clone()),
        }
    }
}

impl Actor for PrinterActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
    }
}

/// The binary's link task is ready: jobs go to `jobs`, and QR codes point
/// at `status_base_url`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AttachLink {
    pub jobs: mpsc::Sender<PrintJob>,
    pub status_base_url: String,
}

impl Handler<AttachLink> for PrinterActor {
    type Result = ();

    fn handle(&mut self, msg: AttachLink, _: &mut Self::Context) {
        self.link = Some(msg.jobs);
        self.status_base_url = msg.status_base_url;
    }
}

impl Handler<LinkEvent> for PrinterActor {
    type Result = ();

    fn handle(&mut self, msg: LinkEvent, _: &mut Self::Context) {
        self.heard = true;
        match msg {
            LinkEvent::Connected => {
                tracing::info!(printer = %self.cfg.id, address = %self.cfg.address, "printer connected");
                self.connected = true;
                // Its condition is unknown until the first status poll.
                self.status = None;
                return;
            }
            LinkEvent::Disconnected { reason } => {
                if self.connected {
                    tracing::warn!(printer = %self.cfg.id, reason = %reason, "printer disconnected");
                }
                self.connected = false;
                self.status = None;
            }
            LinkEvent::Status(s) => {
                if self.status != Some(s) {
                    tracing::info!(printer = %self.cfg.id, online = s.online, cover_open = s.cover_open, paper_near_end = s.paper_near_end, paper_end = s.paper_end, error = ?s.error, "printer status");
                }
                self.status = Some(s);
            }
        }
        self.update_alarms();
    }
}

/// Prints a ticket just issued at this printer's kiosk.
#[derive(Message)]
#[rtype(result = "PrintStatus")]
pub struct PrintTicket(pub Box<TicketView>);

impl Handler<PrintTicket> for PrinterActor {
    type Result = ResponseFuture<PrintStatus>;

    fn handle(&mut self, PrintTicket(t): PrintTicket, _: &mut Self::Context) -> Self::Result {
        let out = || -> Self::Result { Box::pin(async { PrintStatus::OutOfService }) };
        let Some(link) = self.link.clone() else {
            return out();
        };
        if !self.assessment().in_service {
            metrics::counter!("tingwu_printer_jobs_total", "printer" => self.cfg.id.clone(), "outcome" => "out_of_service").increment(1);
            return out();
        }
        let bytes = match escpos::render(&self.layout(&t)) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(printer = %self.cfg.id, ticket = %t.id, error = %e, "ticket cannot be rendered");
                return out();
            }
        };
        let (done, rx) = oneshot::channel();
        let job = PrintJob {
            ticket: t.id.clone(),
            bytes,
            done,
        };
        if link.try_send(job).is_err() {
            tracing::warn!(printer = %self.cfg.id, ticket = %t.id, "printer job queue full");
            metrics::counter!("tingwu_printer_jobs_total", "printer" => self.cfg.id.clone(), "outcome" => "queue_full").increment(1);
            return out();
        }
        self.printed += 1;
        let printer = self.cfg.id.clone();
        Box::pin(async move {
            let outcome = match tokio::time::timeout(PRINT_WAIT, rx).await {
                Ok(Ok(Ok(()))) => PrintStatus::Printed,
                Ok(Ok(Err(_))) | Ok(Err(_)) => PrintStatus::OutOfService,
                Err(_) => PrintStatus::Queued,
            };
            let label = match outcome {
                PrintStatus::Printed => "printed",
                PrintStatus::Queued => "queued",
                PrintStatus::OutOfService => "failed",
            };
            metrics::counter!("tingwu_printer_jobs_total", "printer" => printer, "outcome" => label)
                .increment(1);
            outcome
        })
    }
}

#[derive(Message)]
#[rtype(result = "PrinterView")]
pub struct GetPrinter;

impl Handler<GetPrinter> for PrinterActor {
    type Result = MessageResult<GetPrinter>;

    fn handle(&mut self, _: GetPrinter, _: &mut Self::Context) -> Self::Result {
        let a = self.assessment();
        MessageResult(PrinterView {
            id: self.cfg.id.clone(),
            kiosk: self.cfg.kiosk.clone(),
            address: self.cfg.address.clone(),
            connected: self.connected,
            in_service: a.in_service,
            out_of_service: a.out_of_service,
            paper_near_end: a.near_end,
            printed: self.printed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::{AlarmView, GetAlarms};
    use crate::events::EventBody;
    use crate::store::memory_store;

    const HALL: &str = r#"
[hall]
id = "t"
name = "测试大厅"
[[areas]]
id = "A"
name = "综合区"
[[departments]]
id = "d"
name = "部门"
[[queues]]
id = "A"
prefix = "A"
name = "综合"
area = "A"
[[items]]
id = "general"
name = "综合事项"
department = "d"
queue = "A"
materials = ["身份证", "申请表"]
[[windows]]
id = "1"
number = 1
name = "1号窗口"
area = "A"
queues = [{ queue = "A" }]
[[windows]]
id = "2"
number = 2
name = "2号窗口"
area = "A"
queues = [{ queue = "A" }]
[[kiosks]]
id = "K1"
name = "取号机"
area = "A"
[[printers]]
id = "P1"
kiosk = "K1"
address = "127.0.0.1:9100"
[ticket]
hall_name = "测试大厅 便民服务"
notices = ["过号请重新取号"]
"#;

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
            error: Some(escpos::PrinterFault::Autocutter),
            ..ok()
        };
        assert_eq!(
            assess(true, Some(&jam)).out_of_service,
            Some(OutOfService::Fault)
        );
    }

    fn config() -> Arc<HallConfig> {
        Arc::new(HallConfig::from_toml(HALL).unwrap())
    }

    fn actor(alarms: Addr<AlarmActor>) -> PrinterActor {
        let cfg = config();
        PrinterActor::new(
            cfg.printers[0].clone(),
            cfg.clone(),
            HallClock::of(&cfg),
            alarms,
        )
    }

    #[actix::test]
    async fn alarm_changes_raise_once_and_clear_on_recovery() {
        let alarms = AlarmActor::new(memory_store(0)).start();
        let mut p = actor(alarms);
        // Nothing heard yet: no alarm, not in service.
        assert_eq!(p.alarm_changes(), (vec![], vec![]));
        assert!(!p.assessment().in_service);
        p.heard = true;
        p.connected = true;
        p.status = Some(ok());
        assert_eq!(p.alarm_changes(), (vec![], vec![]));
        p.status = Some(PrinterStatus {
            paper_near_end: true,
            ..ok()
        });
        let (raise, clear) = p.alarm_changes();
        assert_eq!(raise.len(), 1);
        assert_eq!(raise[0].id, "printer/P1/paper_near_end");
        assert_eq!(raise[0].severity, Severity::Warning);
        assert!(clear.is_empty());
        assert_eq!(p.alarm_changes(), (vec![], vec![]), "raised once");
        p.status = Some(PrinterStatus {
            paper_near_end: true,
            paper_end: true,
            ..ok()
        });
        let (raise, clear) = p.alarm_changes();
        assert_eq!(raise.len(), 1);
        assert_eq!(raise[0].id, "printer/P1/out_of_service");
        assert_eq!(raise[0].severity, Severity::Error);
        assert!(raise[0].message_zh.contains("缺纸"), "{:?}", raise[0]);
        assert_eq!(clear, vec!["printer/P1/paper_near_end".to_string()]);
        // The cause changes: the same alarm is raised again with the new text.
        p.status = Some(PrinterStatus {
            cover_open: true,
            ..ok()
        });
        let (raise, clear) = p.alarm_changes();
        assert_eq!(raise.len(), 1);
        assert!(raise[0].message_en.contains("cover open"));
        assert!(clear.is_empty());
        p.status = Some(ok());
        assert_eq!(
            p.alarm_changes(),
            (vec![], vec!["printer/P1/out_of_service".to_string()])
        );
        assert!(p.assessment().in_service);
        p.connected = false;
        let (raise, _) = p.alarm_changes();
        assert!(raise[0].message_en.contains("offline"));
    }

    async fn eventually(alarms: &Addr<AlarmActor>, want: impl Fn(&[AlarmView]) -> bool) {
        for _ in 0..200 {
            let list = alarms.send(GetAlarms).await.unwrap();
            if want(&list) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("alarms never matched");
    }

    #[actix::test]
    async fn the_actor_prints_alarms_and_recovers() {
        let store = memory_store(0);
        let mut events = store.subscribe();
        let alarms = AlarmActor::new(store).start();
        let printer = actor(alarms.clone()).start();
        let (jobs, mut rx) = mpsc::channel(4);
        printer
            .send(AttachLink {
                jobs,
                status_base_url: "http://hall.example".into(),
            })
            .await
            .unwrap();
        // A fake link that writes every job.
        let written = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = written.clone();
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                log.lock().unwrap().push(job.ticket.clone());
                let _ = job.done.send(Ok(()));
            }
        });
        let ticket = |id: &str| {
            Box::new(TicketView {
                id: id.into(),
                number: "A001".into(),
                queue: "A".into(),
                item: Some("general".into()),
                status: crate::core::ticket::TicketStatus::Waiting,
                channel: crate::core::ticket::Channel::Onsite,
                priority: crate::core::ticket::Priority::Normal,
                issued_at: chrono::Utc::now(),
                people_ahead: 0,
                estimated_wait_s: 0,
                expected_call_at: None,
                window: None,
                waiting_in: None,
                phone: None,
                id_number: None,
            })
        };
        // Before the printer has answered: out of service, no alarm.
        let got = printer.send(PrintTicket(ticket("t0"))).await.unwrap();
        assert_eq!(got, PrintStatus::OutOfService);
        printer.send(LinkEvent::Connected).await.unwrap();
        printer.send(LinkEvent::Status(ok())).await.unwrap();
        let got = printer.send(PrintTicket(ticket("t1"))).await.unwrap();
        assert_eq!(got, PrintStatus::Printed);
        printer
            .send(LinkEvent::Status(PrinterStatus {
                paper_near_end: true,
                ..ok()
            }))
            .await
            .unwrap();
        eventually(&alarms, |l| {
            l.len() == 1 && l[0].severity == crate::alarm::Severity::Warning
        })
        .await;
        let got = printer.send(PrintTicket(ticket("t2"))).await.unwrap();
        assert_eq!(got, PrintStatus::Printed, "near end still prints");
        printer
            .send(LinkEvent::Status(PrinterStatus {
                paper_end: true,
                ..ok()
            }))
            .await
            .unwrap();
        eventually(&alarms, |l| {
            l.len() == 1 && l[0].kind == "out_of_service" && l[0].active
        })
        .await;
        let got = printer.send(PrintTicket(ticket("t3"))).await.unwrap();
        assert_eq!(got, PrintStatus::OutOfService);
        let view = printer.send(GetPrinter).await.unwrap();
        assert!(!view.in_service && view.out_of_service == Some(OutOfService::PaperEnd));
        printer.send(LinkEvent::Status(ok())).await.unwrap();
        eventually(&alarms, |l| l.is_empty()).await;
        assert!(printer.send(GetPrinter).await.unwrap().in_service);
        assert_eq!(*written.lock().unwrap(), vec!["t1", "t2"]);
        printer
            .send(LinkEvent::Disconnected {
                reason: "gone".into(),
            })
            .await
            .unwrap();
        eventually(&alarms, |l| {
            l.len() == 1 && l[0].message_en.contains("offline")
        })
        .await;
        // Every raise and clear went through the store as an alarm event.
        let mut seen = Vec::new();
        while let Ok(e) = events.try_recv() {
            if let EventBody::Alarm(a) = &e.body {
                seen.push((a.kind.clone(), a.active));
            }
        }
        assert_eq!(
            seen,
            vec![
                ("paper_near_end".to_string(), true),
                ("out_of_service".to_string(), true),
                ("paper_near_end".to_string(), false),
                ("out_of_service".to_string(), false),
                ("out_of_service".to_string(), true),
            ]
        );
    }

    #[actix::test]
    async fn the_layout_comes_from_the_ticket_and_the_config() {
        let alarms = AlarmActor::new(memory_store(0)).start();
        let mut p = actor(alarms);
        p.status_base_url = "http://hall.example".into();
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let t = TicketView {
            id: "20260302-A007".into(),
            number: "A007".into(),
            queue: "A".into(),
            item: Some("general".into()),
            status: crate::core::ticket::TicketStatus::Waiting,
            channel: crate::core::ticket::Channel::Onsite,
            priority: crate::core::ticket::Priority::Normal,
            issued_at: at,
            people_ahead: 4,
            estimated_wait_s: 600,
            expected_call_at: Some(at),
            window: None,
            waiting_in: None,
            phone: None,
            id_number: None,
        };
        let l = p.layout(&t);
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
