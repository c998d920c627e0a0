//! The printer actor (取号机打印机): one per ticket printer. It knows whether
//! the printer is connected and what it last said about itself, and sends
//! the alarms and print jobs that the rules in `core::printing` decide:
//! whether it is in service, which alarms to raise or clear, the ticket's
//! layout and what becomes of a job.
//!
//! The bytes travel through a link task in the binary
//! (`src/devices/printer_link.rs`): it connects, writes print jobs, polls
//! the status and reports [`LinkEvent`]s here.

use std::sync::Arc;

use actix::prelude::*;
use serde::Serialize;
use tingwu_protocols::escpos::{self, PrinterStatus, TicketLayout};
use tokio::sync::{mpsc, oneshot};

use crate::alarm::{Alarm, AlarmActor, Clear, Raise};
use crate::clock::HallClock;
use crate::config::{HallConfig, PrinterConfig};
use crate::core::printing::{self, JobRefusal, JobResult, RaisedAlarms};
use crate::views::TicketView;

pub use crate::core::printing::{
    assess, window_direction, Assessment, OutOfService, PrintStatus, DIRECTION_WINDOWS, JOB_QUEUE,
    PRINT_WAIT,
};

/// Bytes for the printer, and where to say whether they were written.
pub struct PrintJob {
    /// The ticket id, for the link's logs.
    pub ticket: String,
    /// ESC/POS bytes, as rendered by `escpos::render`.
    pub bytes: Vec<u8>,
    /// `Err` carries the link's reason the bytes were not written.
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

/// A printer as the dashboard and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct PrinterView {
    pub id: String,
    pub kiosk: String,
    /// `host:port` of the printer.
    pub address: String,
    pub connected: bool,
    pub in_service: bool,
    pub out_of_service: Option<OutOfService>,
    pub paper_near_end: bool,
    /// Jobs handed to the link since start-up.
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
    raised: RaisedAlarms,
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
            raised: RaisedAlarms::default(),
            printed: 0,
        }
    }

    /// What the printer's condition means now (`core::printing::assess`).
    pub fn assessment(&self) -> Assessment {
        assess(self.connected, self.status.as_ref())
    }

    /// The alarms to raise and the ids to clear that bring the raised
    /// alarms in line with the printer's condition; the raised state is
    /// updated as if they were sent.
    pub fn alarm_changes(&mut self) -> (Vec<Alarm>, Vec<String>) {
        let changes = self
            .raised
            .changes(&self.cfg.id, self.heard, self.assessment());
        self.raised = changes.raised;
        (changes.raise, changes.clear)
    }

    /// Raises and clears this printer's alarms to match its condition.
    /// The messages are queued at once and in order (`try_send`), so a
    /// raise and the clear that follows it can never swap; the alarm actor
    /// logs a commit that fails.
    fn update_alarms(&mut self) {
        let was_in_service = self.heard && self.raised.out.is_none();
        let (raise, clear) = self.alarm_changes();
        let in_service = self.assessment().in_service;
        if was_in_service != in_service {
            tracing::info!(printer = %self.cfg.id, in_service, cause = ?self.raised.out, "printer service changed");
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

    /// The ticket as printed (`core::printing::layout`), in the hall's time
    /// zone, with the QR code pointing at this printer's status base URL.
    pub fn layout(&self, t: &TicketView) -> TicketLayout {
        printing::layout(
            &self.hall,
            self.clock.tz,
            &self.status_base_url,
            self.cfg.charset,
            t,
        )
    }

    /// Renders `t` and hands it to the link, or says why not.
    fn enqueue(
        &mut self,
        t: &TicketView,
    ) -> Result<oneshot::Receiver<Result<(), String>>, JobRefusal> {
        printing::admit_job(self.link.is_some(), self.assessment())?;
        let Some(link) = self.link.as_ref() else {
            return Err(JobRefusal::NoLink);
        };
        let bytes = escpos::render(&self.layout(t)).map_err(|e| {
            tracing::error!(printer = %self.cfg.id, ticket = %t.id, error = %e, "ticket cannot be rendered");
            JobRefusal::Unrenderable
        })?;
        let (done, rx) = oneshot::channel();
        let job = PrintJob {
            ticket: t.id.clone(),
            bytes,
            done,
        };
        if link.try_send(job).is_err() {
            tracing::warn!(printer = %self.cfg.id, ticket = %t.id, "printer job queue full");
            return Err(JobRefusal::QueueFull);
        }
        Ok(rx)
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
        let rx = match self.enqueue(&t) {
            Ok(rx) => rx,
            Err(refusal) => {
                if let Some(outcome) = refusal.metric_label() {
                    metrics::counter!("tingwu_printer_jobs_total", "printer" => self.cfg.id.clone(), "outcome" => outcome).increment(1);
                }
                return Box::pin(async { PrintStatus::OutOfService });
            }
        };
        self.printed += 1;
        let printer = self.cfg.id.clone();
        Box::pin(async move {
            let result = match tokio::time::timeout(PRINT_WAIT, rx).await {
                Ok(Ok(Ok(()))) => JobResult::Written,
                Ok(Ok(Err(_))) | Ok(Err(_)) => JobResult::Failed,
                Err(_) => JobResult::TimedOut,
            };
            let outcome = PrintStatus::of(result);
            metrics::counter!("tingwu_printer_jobs_total", "printer" => printer, "outcome" => outcome.metric_label())
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
    use std::time::Duration;

    use super::*;
    use crate::alarm::{AlarmView, GetAlarms, Severity};
    use crate::events::EventBody;
    use crate::store::memory_store;

    /// A hall with one kiosk and its printer P1 (shared with the other
    /// printer tests).
    const HALL: &str = include_str!("../core/testdata/printer_hall.toml");

    fn ok() -> PrinterStatus {
        PrinterStatus {
            online: true,
            ..PrinterStatus::default()
        }
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
                wait_unknown: false,
                rejoin_until: None,
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
            l.len() == 1 && l[0].kind == "paper_out" && l[0].active
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
                ("paper_out".to_string(), true),
                ("paper_near_end".to_string(), false),
                ("paper_out".to_string(), false),
                ("offline".to_string(), true),
            ]
        );
    }
}
