//! Supervision at work (issue 9, "Alarm engine" and "Attendance"): one
//! actor per hall that every [`CHECK_EVERY`] reads the queues' load and the
//! windows' days, at the hall clock's `now`, and
//!
//! - raises and clears the threshold alarms of `core::alarm::thresholds`
//!   (`queue_wait_too_long`, `queue_too_long`, `window_idle_while_waiting`,
//!   `pause_too_long`, `service_too_long`) through `reconcile`;
//! - finds each window's attendance anomalies (`core::attendance`: not
//!   logged in after its shift started, left before it ended, paused or
//!   serving far too long) against its `[supervision.attendance]` shifts on
//!   the calendar's working days, raises their `attendance_anomaly` alarms,
//!   and tells the window to show 考勤异常 while one holds
//!   (`window::SetAttendanceAnomaly`);
//! - the same for staff members with an own shift: not logged in at any
//!   window after it starts, or gone before it ends (their timeline is
//!   built from the windows' logs, `staff_timeline`), with alarms
//!   `staff/{id}/attendance/not_logged_in` and `…/left_early`.
//!
//! The alarm actor commits every step and counts new alarms per kind
//! (`tingwu_alarms_raised_total{kind}`); this actor counts its passes and
//! sets `tingwu_attendance_anomalies{kind}` to the anomalies holding.
//!
//! Tested on a test hall with a manual clock in `actors/tests/supervision.rs`.

mod pass;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use futures::future::join_all;
use tracing::{debug, warn};

pub use pass::{find, own_kind, snapshot, staff_timeline, Findings};

use crate::alarm::{AlarmActor, Clear, GetAlarmRecords, Raise};
use crate::clock::HallClock;
use crate::config::HallConfig;
use crate::core::alarm::thresholds::reconcile;
use crate::core::attendance::{self, AnomalyKind};
use crate::queue::{GetLoad, QueueActor};
use crate::window::{GetActivity, SetAttendanceAnomaly, WindowActivity, WindowActor};

/// How often the hall is checked.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

pub struct SupervisionActor {
    config: Arc<HallConfig>,
    clock: HallClock,
    queues: Vec<Addr<QueueActor>>,
    windows: Vec<Addr<WindowActor>>,
    alarms: Addr<AlarmActor>,
    every: Duration,
    /// A pass is running: the timer does not queue another.
    busy: bool,
}

impl SupervisionActor {
    /// Supervision of the hall of `config` over these actors, in the order
    /// of the config.
    pub fn new(
        config: Arc<HallConfig>,
        clock: HallClock,
        queues: Vec<Addr<QueueActor>>,
        windows: Vec<Addr<WindowActor>>,
        alarms: Addr<AlarmActor>,
    ) -> Self {
        Self {
            config,
            clock,
            queues,
            windows,
            alarms,
            every: CHECK_EVERY,
            busy: false,
        }
    }

    /// Checks every `every` instead of [`CHECK_EVERY`].
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }
}

impl Actor for SupervisionActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(16);
        ctx.run_interval(self.every, |act, ctx| {
            if !act.busy {
                ctx.notify(Check);
            }
        });
    }
}

/// Runs one pass now and answers what it found (the timer sends it every
/// [`CHECK_EVERY`]; tests send it after moving the clock).
#[derive(Message)]
#[rtype(result = "Findings")]
pub struct Check;

impl Handler<Check> for SupervisionActor {
    type Result = AtomicResponse<Self, Findings>;

    fn handle(&mut self, _: Check, _: &mut Self::Context) -> Self::Result {
        self.busy = true;
        let config = self.config.clone();
        let clock = self.clock;
        let queues = self.queues.clone();
        let windows = self.windows.clone();
        let alarms = self.alarms.clone();
        let pass = async move {
            let loads: Vec<_> = join_all(queues.iter().map(|q| q.send(GetLoad)))
                .await
                .into_iter()
                .filter_map(Result::ok)
                .collect();
            let answers = join_all(windows.iter().map(|w| w.send(GetActivity))).await;
            let reached: Vec<(Addr<WindowActor>, WindowActivity)> = windows
                .into_iter()
                .zip(answers)
                .filter_map(|(addr, day)| day.ok().map(|d| (addr, d)))
                .collect();
            let days: Vec<WindowActivity> = reached.iter().map(|(_, d)| d.clone()).collect();
            let now = clock.now();
            let found = find(&config, &clock, &loads, &days, now);
            if let Some(e) = &found.calendar_error {
                warn!(error = %e, "no attendance shifts counted today");
            }
            apply(&found, &alarms, &reached).await;
            metrics::counter!("tingwu_supervision_checks_total").increment(1);
            let mut holding: BTreeMap<AnomalyKind, u32> = BTreeMap::new();
            for list in found
                .anomalies
                .values()
                .chain(found.staff_anomalies.values())
            {
                for a in attendance::ongoing(list) {
                    *holding.entry(a.kind).or_default() += 1;
                }
            }
            for kind in [
                AnomalyKind::NotLoggedIn,
                AnomalyKind::LeftEarly,
                AnomalyKind::PausedTooLong,
                AnomalyKind::ServiceTooLong,
            ] {
                let n = holding.get(&kind).copied().unwrap_or(0);
                metrics::gauge!("tingwu_attendance_anomalies", "kind" => kind.as_str())
                    .set(f64::from(n));
            }
            found
        };
        AtomicResponse::new(Box::pin(pass.into_actor(self).map(|found, act, _| {
            act.busy = false;
            found
        })))
    }
}

/// Raises what holds, clears the open supervision alarms that no longer
/// hold, and sets each window's 考勤异常.
async fn apply(
    found: &Findings,
    alarms: &Addr<AlarmActor>,
    windows: &[(Addr<WindowActor>, WindowActivity)],
) {
    let open = alarms.send(GetAlarmRecords).await.unwrap_or_default();
    let own: Vec<&str> = open
        .iter()
        .filter(|r| own_kind(r.kind))
        .map(|r| r.id.as_str())
        .collect();
    let todo = reconcile(own, found.holding.clone());
    for a in todo.raise {
        let id = a.id.clone();
        match alarms.send(Raise(a)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!(alarm = %id, error = %e, "supervision alarm not committed"),
            Err(e) => warn!(alarm = %id, error = %e, "alarm actor unreachable"),
        }
    }
    for id in todo.clear {
        debug!(alarm = %id, "supervision alarm no longer holds");
        if let Err(e) = alarms.send(Clear(id.clone())).await {
            warn!(alarm = %id, error = %e, "alarm actor unreachable");
        }
    }
    for (addr, day) in windows {
        let holds = found.anomaly_holds(&day.view.id);
        match addr.send(SetAttendanceAnomaly(holds)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                warn!(window = %day.view.id, error = %e, "attendance anomaly not shown")
            }
            Err(e) => warn!(window = %day.view.id, error = %e, "window unreachable"),
        }
    }
}
