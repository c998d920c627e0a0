//! E-supervision at work (电子监察): the case actor re-assesses its cases on
//! a timer ([`WATCH_EVERY`]) and after each transition, on the hall's
//! injected clock (`CaseActor::with_clock`), and keeps the alarm engine in
//! step with the rule `core::case::warning`: a case, its current step or
//! its delivery turning yellow raises a `case_deadline_yellow` warning,
//! turning red a `case_deadline_red` error; an alarm the case no longer
//! warrants (the step approved, the case decided, delivered, terminated,
//! or a yellow turned red) is cleared. The alarm actor de-duplicates; this
//! side only sends what changed.
//!
//! Case alarms survive restarts in the alarm actor (they are not live
//! conditions), so at start-up the watch first reads back the open case
//! alarms and then re-assesses: what a case still warrants stays, the
//! rest is cleared.
//!
//! Metric: `tingwu_cases_open{colour}` (gauge), open cases by colour.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use actix::prelude::*;
use serde::Serialize;

use super::CaseActor;
use crate::alarm::{Alarm, AlarmActor, AlarmKind, Clear, GetAlarmRecords, Raise};
use crate::core::case::supervision::{supervise, Colour};
use crate::core::case::warning::warnings;
use crate::core::case::{Case, Status};

/// How often every case is re-assessed (colours change with the day).
pub const WATCH_EVERY: Duration = Duration::from_secs(60);

/// The watch's state inside the case actor.
pub(super) struct Watch {
    /// Where alarms go (none: colours only, e.g. in tests of other things).
    alarms: Option<Addr<AlarmActor>>,
    every: Duration,
    /// The alarms raised per case number, by alarm id.
    raised: HashMap<String, BTreeMap<String, Alarm>>,
    /// Each open case's colour today.
    colours: HashMap<String, Colour>,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            alarms: None,
            every: WATCH_EVERY,
            raised: HashMap::new(),
            colours: HashMap::new(),
        }
    }
}

/// Open cases by colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ColourCounts {
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
}

/// Re-assess every case now (the timer does it every [`WATCH_EVERY`]);
/// answers the open cases by colour once the alarms are sent.
#[derive(Message)]
#[rtype(result = "ColourCounts")]
pub struct Sweep;

impl Handler<Sweep> for CaseActor {
    type Result = MessageResult<Sweep>;

    fn handle(&mut self, _: Sweep, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.sweep())
    }
}

/// Whether a case can still warrant a warning: open, or decided and not
/// yet delivered.
fn watched(case: &Case) -> bool {
    case.status.is_open() || (case.status == Status::Completed && case.delivery.is_none())
}

impl CaseActor {
    /// Raises and clears e-supervision alarms through `alarms`.
    pub fn with_alarms(mut self, alarms: Addr<AlarmActor>) -> Self {
        self.watch.alarms = Some(alarms);
        self
    }

    /// Re-assesses every `every` instead of [`WATCH_EVERY`].
    pub fn watch_every(mut self, every: Duration) -> Self {
        self.watch.every = every;
        self
    }

    /// Starts the watch: reads back the open case alarms, re-assesses,
    /// then runs on the timer.
    pub(super) fn start_watch(&mut self, ctx: &mut Context<Self>) {
        if let Some(alarms) = self.watch.alarms.clone() {
            ctx.wait(
                alarms
                    .send(GetAlarmRecords)
                    .into_actor(self)
                    .map(|res, act, _| match res {
                        Ok(records) => {
                            for r in records.into_iter().filter(|r| {
                                matches!(
                                    r.kind,
                                    AlarmKind::CaseDeadlineYellow | AlarmKind::CaseDeadlineRed
                                )
                            }) {
                                let Some(number) = r.source.strip_prefix("case/") else {
                                    continue;
                                };
                                let alarm = Alarm {
                                    id: r.id.clone(),
                                    source: r.source.clone(),
                                    kind: r.kind.as_str().to_string(),
                                    severity: r.severity,
                                    message_zh: r.message_zh.clone(),
                                    message_en: r.message_en.clone(),
                                };
                                act.watch
                                    .raised
                                    .entry(number.to_string())
                                    .or_default()
                                    .insert(r.id, alarm);
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "open case alarms not read back at start-up")
                        }
                    }),
            );
        }
        ctx.run_later(Duration::ZERO, |act, _| {
            act.sweep();
        });
        ctx.run_interval(self.watch.every, |act, _| {
            act.sweep();
        });
    }

    /// Re-assesses every case that may warrant a warning or has alarms.
    fn sweep(&mut self) -> ColourCounts {
        let mut numbers: BTreeSet<String> = self.watch.raised.keys().cloned().collect();
        numbers.extend(
            self.cases
                .iter()
                .filter(|(_, r)| watched(&r.case))
                .map(|(n, _)| n.clone()),
        );
        for n in &numbers {
            self.assess(n);
        }
        self.publish_colours()
    }

    /// Re-assesses case `number` (after a transition) and updates the gauge.
    pub(super) fn watch_case(&mut self, number: &str) {
        self.assess(number);
        self.publish_colours();
    }

    /// Brings case `number`'s alarms in line with the rule today.
    fn assess(&mut self, number: &str) {
        let today = self.now().date;
        let cal = &self.config.calendar.days;
        let mut desired = BTreeMap::new();
        self.watch.colours.remove(number);
        if let Some(r) = self.cases.get(number).filter(|r| watched(&r.case)) {
            let case = &r.case;
            let assessed = supervise(case, today, cal)
                .and_then(|sup| warnings(case, &sup, today, cal).map(|w| (sup, w)));
            match assessed {
                Ok((sup, list)) => {
                    if case.status.is_open() {
                        self.watch.colours.insert(number.to_string(), sup.colour);
                    }
                    for w in list {
                        let a = w.alarm(number);
                        desired.insert(a.id.clone(), a);
                    }
                }
                Err(e) => {
                    // Without the year's notice nothing can be said: the
                    // alarms stay as they are.
                    tracing::warn!(case = %number, error = %e, "case not assessed: holiday calendar missing");
                    return;
                }
            }
        }
        let before = self.watch.raised.remove(number).unwrap_or_default();
        let mut now_raised = BTreeMap::new();
        for (id, a) in &before {
            if desired.contains_key(id) {
                continue;
            }
            if self.send_alarm(Err(id.clone())) {
                tracing::info!(case = %number, alarm = %id, "case warning cleared");
            } else {
                now_raised.insert(id.clone(), a.clone());
            }
        }
        for (id, a) in desired {
            if before.get(&id) == Some(&a) || self.send_alarm(Ok(a.clone())) {
                now_raised.insert(id, a);
            }
        }
        if !now_raised.is_empty() {
            self.watch.raised.insert(number.to_string(), now_raised);
        }
    }

    /// Sends a raise (`Ok`) or a clear (`Err(id)`); false when it could not
    /// be handed over (the next sweep tries again). With no alarm actor
    /// nothing is sent and it counts as done.
    fn send_alarm(&self, what: Result<Alarm, String>) -> bool {
        let Some(alarms) = &self.watch.alarms else {
            return true;
        };
        let (id, sent) = match what {
            Ok(a) => (
                a.id.clone(),
                alarms.try_send(Raise(a)).map_err(|e| e.to_string()),
            ),
            Err(id) => (
                id.clone(),
                alarms.try_send(Clear(id)).map_err(|e| e.to_string()),
            ),
        };
        match sent {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(alarm = %id, error = %e, "case warning not handed to the alarm actor; retried at the next sweep");
                metrics::counter!("tingwu_case_warnings_deferred_total").increment(1);
                false
            }
        }
    }

    /// Sets the gauge of open cases by colour; answers the counts.
    fn publish_colours(&self) -> ColourCounts {
        let mut c = ColourCounts::default();
        for colour in self.watch.colours.values() {
            match colour {
                Colour::Green => c.green += 1,
                Colour::Yellow => c.yellow += 1,
                Colour::Red => c.red += 1,
            }
        }
        for (label, n) in [("green", c.green), ("yellow", c.yellow), ("red", c.red)] {
            metrics::gauge!("tingwu_cases_open", "colour" => label).set(n as f64);
        }
        c
    }
}
