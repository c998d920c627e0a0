//! A simulated worker at one window, through the window's terminal (MQTT):
//! logs in when the shift starts, calls when one of the window's queues has
//! someone waiting, starts and finishes each service in the time the model
//! drew for that citizen, now and then pauses (a short break) or meets a
//! no-show (recalls once, then skips), and logs out when the shift ends —
//! after serving those still waiting, when the scenario has `overtime`.
//! After each finished service the citizen rates it on the window's
//! evaluator tablet, or walks away without rating (`evaluator`).

use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tingwu_protocols::terminal::{Action, Reply, TerminalCommand};
use tokio::sync::watch;
use tracing::{debug, warn};

use super::citizens::ServiceTimes;
use super::clock::SimClock;
use super::evaluator::{self, Choice, Outcome, Tablet};
use super::progress::{Tally, Waiting};
use super::roster::Shift;
use super::terminal::{Terminal, TerminalError};

/// Share of calls the citizen does not answer (过号).
const NO_SHOW_SHARE: f64 = 0.04;
/// Share of services after which the worker takes a short break.
const PAUSE_SHARE: f64 = 0.05;
/// Simulated seconds: the walk to the window, a break, waiting for a no-show.
const WALK_S: f64 = 40.0;
const BREAK_S: (f64, f64) = (180.0, 600.0);
const NO_SHOW_WAIT_S: f64 = 60.0;
/// Service time when the model drew none for a ticket (another client's).
const DEFAULT_SERVICE_S: f64 = 300.0;
/// Mixed into the worker's seed for the citizens' ratings ("eval").
const RATINGS_SEED: u64 = 0x6576_616c;
/// Simulated seconds the citizen takes at the evaluator before rating.
const RATE_S: f64 = 15.0;
/// Real time between two looks at the queues while idle.
const IDLE_LOOK: Duration = Duration::from_millis(400);

/// One window's worker.
pub struct Worker {
    pub shift: Shift,
    /// The queues the window serves.
    pub queues: Vec<String>,
    pub terminal: Terminal,
    pub clock: SimClock,
    pub waiting: watch::Receiver<Waiting>,
    pub services: ServiceTimes,
    pub tally: Arc<Tally>,
    pub seed: u64,
    /// Serve those still waiting after the shift before logging out.
    pub overtime: bool,
    /// The window's evaluator tablet, if it has one (citizens rate on it).
    pub evaluator: Option<Tablet>,
}

impl Worker {
    /// Works shift after shift until `stop`.
    pub async fn run(mut self, stop: watch::Receiver<bool>) {
        let mut rng = StdRng::seed_from_u64(self.seed);
        // The citizens' ratings draw from their own generator, so the
        // worker's own draws stay those of a demo without evaluators.
        let mut ratings = StdRng::seed_from_u64(self.seed ^ RATINGS_SEED);
        if !self.terminal.ready(Duration::from_secs(15)).await {
            warn!(window = %self.shift.window, "demo: terminal did not connect; this window stays closed");
            return;
        }
        let mut logged_in = false;
        loop {
            if *stop.borrow() {
                return;
            }
            let (_, tod) = self.clock.day_and_time(self.clock.now());
            // Overtime (the scenario's `overtime`): after the shift, the
            // window serves whoever still holds a ticket before it closes.
            let overtime = logged_in && self.overtime && self.someone_waiting();
            let result = if self.shift.on_duty(tod) || overtime {
                if !logged_in {
                    logged_in = self.login().await;
                    if !logged_in {
                        self.clock.sleep(WALK_S * 10.0).await;
                        continue;
                    }
                }
                self.work(&mut rng, &mut ratings).await
            } else {
                if logged_in {
                    let _ = self.terminal.act(Action::Logout).await;
                    logged_in = false;
                }
                self.off_duty(tod, &stop).await;
                Ok(())
            };
            match result {
                Ok(()) => {}
                Err(TerminalError::Stopped) => return,
                Err(e) => {
                    debug!(window = %self.shift.window, error = %e, "demo: terminal command");
                    self.clock.sleep(WALK_S).await;
                }
            }
        }
    }

    /// Logs in; a window left in another state by an earlier run is first
    /// brought back to logged out.
    async fn login(&mut self) -> bool {
        for attempt in 0..2 {
            let mut cmd = TerminalCommand::new("", Action::Login);
            cmd.staff = Some(self.shift.staff.clone());
            cmd.pin = Some(self.shift.pin.clone());
            match self.terminal.send(cmd).await {
                Ok(r) if r.ok => return true,
                Ok(r) if attempt == 0 => {
                    debug!(window = %self.shift.window, error = ?r.error, "demo: login refused; tidying the window first");
                    for a in [Action::Skip, Action::Finish, Action::Resume, Action::Logout] {
                        let _ = self.terminal.act(a).await;
                    }
                }
                Ok(r) => {
                    warn!(window = %self.shift.window, staff = %self.shift.staff, error = ?r.error, "demo: login refused");
                }
                Err(e) => {
                    warn!(window = %self.shift.window, error = %e, "demo: login");
                    return false;
                }
            }
        }
        false
    }

    fn someone_waiting(&self) -> bool {
        let w = self.waiting.borrow();
        self.queues
            .iter()
            .any(|q| w.get(q).copied().unwrap_or(0) > 0)
    }

    /// One turn at the window: call and serve one citizen, or look again.
    async fn work(&mut self, rng: &mut StdRng, ratings: &mut StdRng) -> Result<(), TerminalError> {
        if !self.someone_waiting() {
            tokio::time::sleep(IDLE_LOOK).await;
            return Ok(());
        }
        let called = self.terminal.act(Action::CallNext).await?;
        let Some(ticket) = ticket_of(&called) else {
            // queue_empty (someone else called them first) and the like.
            tokio::time::sleep(IDLE_LOOK).await;
            return Ok(());
        };
        Tally::add(&self.tally.calls);
        let service_s = self.services.take(&ticket).unwrap_or(DEFAULT_SERVICE_S);
        if rng.gen_bool(NO_SHOW_SHARE) {
            self.clock.sleep(NO_SHOW_WAIT_S).await;
            self.terminal.act(Action::Recall).await?;
            self.clock.sleep(NO_SHOW_WAIT_S).await;
            if self.terminal.act(Action::Skip).await?.ok {
                Tally::add(&self.tally.no_shows);
            }
            return Ok(());
        }
        self.clock.sleep(WALK_S).await;
        self.terminal.act(Action::Start).await?;
        self.clock.sleep(service_s).await;
        if self.terminal.act(Action::Finish).await?.ok {
            Tally::add(&self.tally.served);
            self.evaluate(&ticket, ratings).await;
        }
        if rng.gen_bool(PAUSE_SHARE) {
            let mut pause = TerminalCommand::new("", Action::Pause);
            pause.reason = Some("短暂休息 / short break (demo)".into());
            if self.terminal.send(pause).await?.ok {
                Tally::add(&self.tally.pauses);
                self.clock.sleep(rng.gen_range(BREAK_S.0..BREAK_S.1)).await;
                self.terminal.act(Action::Resume).await?;
            }
        }
        Ok(())
    }

    /// The citizen of `ticket`, just served, rates the service on the
    /// window's evaluator or leaves without rating.
    async fn evaluate(&self, ticket: &str, ratings: &mut StdRng) {
        let Some(tablet) = &self.evaluator else {
            return;
        };
        let (choice, pick) = (evaluator::choose(ratings.gen()), ratings.gen::<usize>());
        let Choice::Rate { stars } = choice else {
            Tally::add(&self.tally.not_rated);
            return;
        };
        self.clock.sleep(RATE_S).await;
        if tablet.rate(ticket, &evaluator::body(stars, pick)).await == Outcome::Rated {
            Tally::add(&self.tally.rated);
        }
    }

    /// Waits until the next shift starts today, or the next day begins.
    async fn off_duty(&self, tod: f64, stop: &watch::Receiver<bool>) {
        let now = self.clock.now();
        let (day, _) = self.clock.day_and_time(now);
        let until = match self.shift.next_start(tod) {
            Some(start) => self.clock.at(day, start),
            None => self.clock.at(day + 1, 0.0),
        };
        let mut stop = stop.clone();
        tokio::select! {
            _ = self.clock.sleep_until(until) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    }
}

/// The id of the ticket a successful reply carries.
fn ticket_of(r: &Reply) -> Option<String> {
    if !r.ok {
        return None;
    }
    r.ticket.as_ref()?["id"].as_str().map(str::to_string)
}
