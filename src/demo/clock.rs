//! Simulated time: `speed` simulated minutes pass per real minute, and the
//! hall's simulated days follow each other without the night between them.
//!
//! Simulated time is a number of seconds since the demo began. Day `d` of
//! the demo covers `[d × span, (d + 1) × span)`, where `span` is the hall's
//! open period (first opening to last closing of the roster, seconds of the
//! day); its time of day is `open + (t − d × span)`. The server keeps its
//! own real clock: only the demo's pacing is simulated.

use std::time::{Duration, Instant};

/// The shortest real pause the demo makes between two actions of one actor,
/// however fast the simulation runs: the driver never floods the server.
pub const MIN_REAL_PAUSE: Duration = Duration::from_millis(50);

/// The demo's clock.
#[derive(Debug, Clone, Copy)]
pub struct SimClock {
    started: Instant,
    /// Simulated seconds per real second.
    speed: f64,
    /// Seconds of the day when the hall opens and closes (the roster's span).
    open_s: f64,
    close_s: f64,
}

impl SimClock {
    /// `speed`: simulated minutes per real minute (at least 1). `open_s` and
    /// `close_s`: the hall's opening and closing, seconds of the day
    /// (`close_s` after `open_s`; otherwise a one-hour day is assumed).
    pub fn new(speed: u32, open_s: f64, close_s: f64) -> Self {
        let close_s = if close_s > open_s {
            close_s
        } else {
            open_s + 3600.0
        };
        Self {
            started: Instant::now(),
            speed: f64::from(speed.max(1)),
            open_s,
            close_s,
        }
    }

    /// Seconds of simulated time since the demo began.
    pub fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * self.speed
    }

    /// The length of a simulated day, seconds (its open period).
    pub fn span(&self) -> f64 {
        self.close_s - self.open_s
    }

    /// The demo day `t` falls in, and its time of day (seconds of the day).
    pub fn day_and_time(&self, t: f64) -> (u64, f64) {
        let day = (t / self.span()).floor().max(0.0);
        (day as u64, self.open_s + (t - day * self.span()))
    }

    /// Simulated time of `time_of_day` (seconds of the day) on demo day `day`;
    /// times before opening are taken as the opening.
    pub fn at(&self, day: u64, time_of_day: f64) -> f64 {
        day as f64 * self.span() + (time_of_day - self.open_s).max(0.0)
    }

    /// The real time `sim_s` simulated seconds take, never less than
    /// [`MIN_REAL_PAUSE`].
    pub fn real(&self, sim_s: f64) -> Duration {
        Duration::from_secs_f64((sim_s.max(0.0) / self.speed).min(86_400.0)).max(MIN_REAL_PAUSE)
    }

    /// Sleeps until simulated time `t` (at least [`MIN_REAL_PAUSE`]).
    pub async fn sleep_until(&self, t: f64) {
        tokio::time::sleep(self.real(t - self.now())).await;
    }

    /// Sleeps `sim_s` simulated seconds (at least [`MIN_REAL_PAUSE`]).
    pub async fn sleep(&self, sim_s: f64) {
        tokio::time::sleep(self.real(sim_s)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_each_other_over_the_open_period() {
        let c = SimClock::new(10, 8.5 * 3600.0, 17.0 * 3600.0);
        assert_eq!(c.span(), 8.5 * 3600.0);
        assert_eq!(c.day_and_time(0.0), (0, 8.5 * 3600.0));
        assert_eq!(c.day_and_time(c.span() + 60.0), (1, 8.5 * 3600.0 + 60.0));
        assert_eq!(c.at(1, 9.0 * 3600.0), c.span() + 1800.0);
        assert_eq!(c.at(0, 3600.0), 0.0, "before opening is the opening");
    }

    #[test]
    fn real_time_is_simulated_time_over_speed_never_below_the_floor() {
        let c = SimClock::new(10, 0.0, 3600.0);
        assert_eq!(c.real(600.0), Duration::from_secs(60));
        assert_eq!(c.real(0.0), MIN_REAL_PAUSE);
        assert_eq!(c.real(-5.0), MIN_REAL_PAUSE);
        let bad = SimClock::new(0, 7.0, 3.0);
        assert_eq!(bad.speed, 1.0);
        assert_eq!(bad.span(), 3600.0);
    }
}
