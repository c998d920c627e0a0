//! The kiosk actor (取号机): one per ticket kiosk. Tickets taken at a kiosk
//! pass through it to the hall, so that it knows what it issued today and
//! whether its device is online; printers and card readers attach here.
//! Its count of the day's tickets is committed (`keys::kiosk`) with each
//! ticket it counts, so it survives a restart.

use actix::prelude::*;
use serde::Serialize;

use crate::clock::HallClock;
use crate::config::KioskConfig;
use crate::core::kiosk_feed::KioskFeed;
use crate::hall::{HallActor, IssueError, IssueTicket};
use crate::keys;
use crate::printer::{PrintStatus, PrintTicket, PrinterActor};
use crate::queue::Issued;
use crate::records::KioskRecord;
use crate::store::{Commit, Store};
use crate::views::TicketView;

pub struct KioskActor {
    cfg: KioskConfig,
    clock: HallClock,
    hall: Addr<HallActor>,
    day: String,
    issued_today: u64,
    last_ticket: Option<String>,
    online: Option<bool>,
    printer: Option<Addr<PrinterActor>>,
    /// Where the count is kept; None in tests that need no storage.
    store: Option<Store>,
    /// What the kiosk's screen should show unasked (`kiosk_events.rs`).
    pub(crate) feed: KioskFeed,
}

#[derive(Debug, Clone, Serialize)]
pub struct KioskView {
    pub id: String,
    pub name: String,
    pub area: String,
    /// None until the device has reported its status.
    pub online: Option<bool>,
    pub issued_today: u64,
    pub last_ticket: Option<String>,
}

impl KioskActor {
    pub fn new(cfg: KioskConfig, clock: HallClock, hall: Addr<HallActor>) -> Self {
        let epoch = u64::try_from(clock.now().timestamp_millis()).unwrap_or(0);
        Self {
            day: clock.day(clock.now()),
            cfg,
            clock,
            hall,
            issued_today: 0,
            last_ticket: None,
            online: None,
            printer: None,
            store: None,
            feed: KioskFeed::new(epoch),
        }
    }

    /// Keeps the count in `store`, starting from `record`, what storage
    /// recovered for hall day `day` (an older day's record counts nothing).
    pub fn recovered(mut self, store: Store, day: &str, record: KioskRecord) -> Self {
        if day == self.day {
            self.issued_today = record.issued_today;
            self.last_ticket = record.last_ticket;
        }
        self.store = Some(store);
        self
    }

    /// Commits the count. The ticket itself is durable already; a count
    /// that cannot be committed (writer busy) is logged and kept in memory.
    fn keep_count(&self) {
        let Some(store) = &self.store else {
            return;
        };
        let mut commit = Commit::default();
        commit.put_json(
            keys::kiosk(&self.day, &self.cfg.id),
            &KioskRecord {
                issued_today: self.issued_today,
                last_ticket: self.last_ticket.clone(),
            },
        );
        let kiosk = self.cfg.id.clone();
        match store.enqueue(commit) {
            Ok(durable) => {
                actix::spawn(async move {
                    if let Err(e) = durable.await {
                        tracing::warn!(kiosk = %kiosk, error = %e, "kiosk count not committed");
                    }
                });
            }
            Err(e) => tracing::warn!(kiosk = %kiosk, error = %e, "kiosk count not committed"),
        }
    }

    /// The printer that prints this kiosk's tickets.
    pub fn with_printer(mut self, printer: Addr<PrinterActor>) -> Self {
        self.printer = Some(printer);
        self
    }

    /// The hall clock's now.
    pub(crate) fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The kiosk's id.
    pub(crate) fn id(&self) -> &str {
        &self.cfg.id
    }

    fn roll_day(&mut self) {
        let today = self.clock.day(self.clock.now());
        if today > self.day {
            self.day = today;
            self.issued_today = 0;
        }
    }
}

impl Actor for KioskActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(64);
    }
}

/// A citizen takes a ticket at this kiosk.
#[derive(Message)]
#[rtype(result = "Result<Issued, IssueError>")]
pub struct TakeTicket(pub IssueTicket);

impl Handler<TakeTicket> for KioskActor {
    type Result = ResponseActFuture<Self, Result<Issued, IssueError>>;

    fn handle(&mut self, msg: TakeTicket, _: &mut Self::Context) -> Self::Result {
        let send = self.hall.send(msg.0);
        Box::pin(send.into_actor(self).map(|res, act, _| {
            let issued = res.map_err(|_| IssueError::Unavailable)??;
            if !issued.replayed {
                act.roll_day();
                act.issued_today += 1;
                act.last_ticket = Some(issued.ticket.number.clone());
                act.keep_count();
                metrics::counter!("tingwu_kiosk_tickets_total", "kiosk" => act.cfg.id.clone())
                    .increment(1);
            }
            Ok(issued)
        }))
    }
}

/// The kiosk's device went online or offline (MQTT last will).
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeviceStatus {
    pub online: bool,
}

impl Handler<DeviceStatus> for KioskActor {
    type Result = ();

    fn handle(&mut self, msg: DeviceStatus, _: &mut Self::Context) {
        if self.online != Some(msg.online) {
            tracing::info!(kiosk = %self.cfg.id, online = msg.online, "kiosk status");
        }
        self.online = Some(msg.online);
    }
}

#[derive(Message)]
#[rtype(result = "KioskView")]
pub struct GetKiosk;

impl Handler<GetKiosk> for KioskActor {
    type Result = MessageResult<GetKiosk>;

    fn handle(&mut self, _: GetKiosk, _: &mut Self::Context) -> Self::Result {
        self.roll_day();
        MessageResult(KioskView {
            id: self.cfg.id.clone(),
            name: self.cfg.name.clone(),
            area: self.cfg.area.clone(),
            online: self.online,
            issued_today: self.issued_today,
            last_ticket: self.last_ticket.clone(),
        })
    }
}

/// Prints a ticket this kiosk has just issued (durably) on its printer.
/// None: the kiosk has no printer.
#[derive(Message)]
#[rtype(result = "Option<PrintStatus>")]
pub struct PrintIssued(pub Box<TicketView>);

impl Handler<PrintIssued> for KioskActor {
    type Result = ResponseFuture<Option<PrintStatus>>;

    fn handle(&mut self, msg: PrintIssued, _: &mut Self::Context) -> Self::Result {
        let Some(printer) = self.printer.clone() else {
            return Box::pin(async { None });
        };
        Box::pin(async move {
            // A printer that cannot answer is a printer out of service; the
            // ticket stands either way.
            Some(
                printer
                    .send(PrintTicket(msg.0))
                    .await
                    .unwrap_or(PrintStatus::OutOfService),
            )
        })
    }
}
