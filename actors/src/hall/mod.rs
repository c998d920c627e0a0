//! The hall actor (大厅): admits ticket requests (the rules are
//! `core::issuing`: item known, within service hours, some window open, the
//! limit per person), passes supervisors' changes to windows (enabled,
//! calling strategies) and lets no-shows rejoin. The actors it talks to are
//! started by the directory (`directory.rs`).

mod issue;
mod rejoin;
mod strategies;
mod windows;

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;

use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::hours::ServiceHours;
use crate::core::issuing::{self, Holdings, Refusal};
use crate::core::strategy::Strategy;
use crate::queue::QueueActor;
use crate::store::Store;
use crate::window::WindowActor;

pub use issue::{IssueError, IssueTicket};
pub use rejoin::{Rejoin, RejoinError};
pub use strategies::{
    ChangeStrategy, GetStrategies, Strategies, StrategyChangeError, StrategyScope,
};
pub use windows::{SetWindowEnabled, WindowAdminError};

/// The key under which the hall-wide strategy is kept among the recovered
/// strategies (the others are by window id).
pub const HALL_STRATEGY: &str = "*";

pub struct HallActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    store: Store,
    /// Strategies set by supervisors: `HALL_STRATEGY` and window overrides.
    strategies: HashMap<String, Strategy>,
    hours: HashMap<String, ServiceHours>,
    queues: HashMap<String, Addr<QueueActor>>,
    windows: HashMap<String, Addr<WindowActor>>,
    /// Mirror of each window's enabled flag (the window owns the truth).
    enabled: HashMap<String, bool>,
    /// Today's idempotency keys: the request's fingerprint and its queue.
    idempotency: HashMap<String, (u64, String)>,
    /// Tickets per person and item today, for the limit against hoarding.
    holdings: Holdings,
}

impl HallActor {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: Arc<HallConfig>,
        clock: HallClock,
        store: Store,
        strategies: HashMap<String, Strategy>,
        queues: HashMap<String, Addr<QueueActor>>,
        windows: HashMap<String, Addr<WindowActor>>,
        enabled: HashMap<String, bool>,
        idempotency: HashMap<String, (u64, String)>,
        mut holdings: Holdings,
    ) -> Self {
        holdings.roll(&clock.day(clock.now()));
        Self {
            hours: issuing::hours_by_item(&config),
            holdings,
            config,
            clock,
            store,
            strategies,
            queues,
            windows,
            enabled,
            idempotency,
        }
    }

    /// What the admission rules read of the hall now.
    fn admission(&self) -> issuing::Hall<'_> {
        let now = self.clock.now();
        issuing::Hall {
            config: &self.config,
            hours: &self.hours,
            enabled: &self.enabled,
            local_time: self.clock.local_time(now),
            local_date: crate::core::calendar::local_date(now, self.clock.tz),
        }
    }

    /// Whether an item takes tickets now, and why not.
    pub fn admit_item(&self, item: &str) -> Result<String, Refusal> {
        self.admission().admit_item(item)
    }

    /// The counts per person and the idempotency keys are for the hall's day.
    fn roll_day(&mut self) {
        if self.holdings.roll(&self.clock.day(self.clock.now())) {
            self.idempotency.clear();
        }
    }
}

impl Actor for HallActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
    }
}

/// Whether each item takes tickets right now, for kiosks.
#[derive(Message)]
#[rtype(result = "HashMap<String, bool>")]
pub struct ItemsOpen;

/// Whether each item takes tickets right now, and if not why (the
/// refusal a ticket request would get), for the kiosk page.
#[derive(Message)]
#[rtype(result = "HashMap<String, Option<Refusal>>")]
pub struct ItemsAdmission;

impl Handler<ItemsAdmission> for HallActor {
    type Result = MessageResult<ItemsAdmission>;

    fn handle(&mut self, _: ItemsAdmission, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.config
                .items
                .iter()
                .map(|i| (i.id.clone(), self.admit_item(&i.id).err()))
                .collect(),
        )
    }
}

impl Handler<ItemsOpen> for HallActor {
    type Result = MessageResult<ItemsOpen>;

    fn handle(&mut self, _: ItemsOpen, _: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.config
                .items
                .iter()
                .map(|i| (i.id.clone(), self.admit_item(&i.id).is_ok()))
                .collect(),
        )
    }
}
