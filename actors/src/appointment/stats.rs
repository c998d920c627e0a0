//! A day's counts and the no-show sweep on demand.

use actix::prelude::*;
use chrono::NaiveDate;

use super::{AppointmentActor, StatsView};

/// Counts of a day's bookings; None for a day the actor does not hold
/// (before today: read them from storage with [`StatsView::count`]).
#[derive(Message)]
#[rtype(result = "Option<StatsView>")]
pub struct GetStats {
    pub date: NaiveDate,
}

impl Handler<GetStats> for AppointmentActor {
    type Result = Option<StatsView>;

    fn handle(&mut self, msg: GetStats, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        if msg.date < self.today(now) {
            return None;
        }
        Some(StatsView::count(
            msg.date,
            self.bookings.values(),
            now,
            self.config.appointments.late_minutes,
        ))
    }
}

/// Runs the no-show sweep now (tests; it also runs every [`super::SWEEP_EVERY`]).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SweepNow;

impl Handler<SweepNow> for AppointmentActor {
    type Result = ();

    fn handle(&mut self, _: SweepNow, ctx: &mut Self::Context) {
        self.sweep(ctx);
    }
}
