//! Checking a citizen in at the hall: an appointment ticket inside the
//! slot's check-in window, a walk-in ticket after it.

use actix::prelude::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing::info;

use super::{key, AppointmentActor, AppointmentError, ISSUE_DEADLINE};
use crate::core::booking::{self, Booking, BookingStatus, BookingView, Refusal};
use crate::core::slots::{self, CheckInTiming};
use crate::core::ticket::{AppointmentSlot, Channel, Priority};
use crate::hall::{IssueError, IssueTicket};
use crate::kiosk::TakeTicket;
use crate::store::Commit;
use crate::views::TicketView;

/// How a kiosk names the booking being checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindBy {
    Code(String),
    /// The fingerprint of an ID or phone number: that person's booking
    /// of today.
    Person(String),
}

/// Checks a citizen in at the hall.
#[derive(Message)]
#[rtype(result = "Result<CheckedIn, AppointmentError>")]
pub struct CheckIn {
    pub by: FindBy,
    /// The kiosk the citizen stands at (already checked to exist).
    pub kiosk: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInKind {
    /// Inside the window: an appointment ticket.
    OnTime,
    /// After the window: a walk-in ticket.
    LateWalkin,
}

#[derive(Debug, Clone)]
pub struct CheckedIn {
    pub kind: CheckInKind,
    pub booking: BookingView,
    pub ticket: TicketView,
    /// Set for on-time check-ins.
    pub appointment: Option<AppointmentSlot>,
}

impl AppointmentActor {
    /// The booking a check-in is for. By person: among today's bookings,
    /// one whose window is open, else the latest one already past it, else
    /// the next one.
    fn find(&self, by: &FindBy, now: DateTime<Utc>) -> Result<&Booking, Refusal> {
        let found = match by {
            FindBy::Code(code) => self.bookings.get(code),
            FindBy::Person(person) => booking::for_person(
                self.bookings.values(),
                person,
                self.today(now),
                now,
                &self.config.appointments,
            ),
        };
        found.ok_or(Refusal::UnknownBooking)
    }
}

impl Handler<CheckIn> for AppointmentActor {
    type Result = ResponseActFuture<Self, Result<CheckedIn, AppointmentError>>;

    fn handle(&mut self, msg: CheckIn, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let (early, late) = (
            self.config.appointments.early_minutes,
            self.config.appointments.late_minutes,
        );
        let booking = match self.find(&msg.by, now) {
            Ok(b) => b.clone(),
            Err(e) => return Box::pin(fut::ready(Err(e.into()))),
        };
        let refused = |e: Refusal| -> Self::Result { Box::pin(fut::ready(Err(e.into()))) };
        if self.in_flight.contains(&booking.code) {
            return refused(Refusal::InProgress);
        }
        if let Err(e) = booking::check_in_allowed(&booking) {
            return refused(e);
        }
        let (kind, appointment) = match slots::check_in_timing(now, booking.start, early, late) {
            CheckInTiming::TooEarly { opens } => {
                return refused(Refusal::TooEarly {
                    opens,
                    opens_local: self.local_hhmm(opens),
                })
            }
            CheckInTiming::InWindow => (
                CheckInKind::OnTime,
                Some(AppointmentSlot {
                    booking: booking.code.clone(),
                    start: booking.start,
                    end: booking.end,
                }),
            ),
            CheckInTiming::Late => (CheckInKind::LateWalkin, None),
        };
        let request = IssueTicket {
            deadline: Some(std::time::Instant::now() + ISSUE_DEADLINE),
            appointment: appointment.clone(),
            item: Some(booking.item.clone()),
            queue: None,
            channel: Channel::Appointment,
            priority: Priority::Normal,
            personal: booking.personal.clone(),
            // A retried check-in (say, after a crash between the ticket and
            // the booking's record) gets the same ticket back.
            idempotency_key: Some(format!("appt-{}", booking.code)),
        };
        let kiosk = msg.kiosk.as_ref().and_then(|k| self.kiosks.get(k)).cloned();
        let hall = self.hall.clone();
        self.in_flight.insert(booking.code.clone());
        let code = booking.code.clone();
        let issue = async move {
            match kiosk {
                Some(k) => k
                    .send(TakeTicket(request))
                    .await
                    .map_err(|_| IssueError::Unavailable)?,
                None => hall
                    .send(request)
                    .await
                    .map_err(|_| IssueError::Unavailable)?,
            }
        };
        Box::pin(
            fut::wrap_future::<_, Self>(issue)
                .map(move |issued, act, _| -> Result<_, AppointmentError> {
                    act.in_flight.remove(&code);
                    let issued = issued?;
                    let mut b = act
                        .bookings
                        .get(&code)
                        .cloned()
                        .ok_or(Refusal::UnknownBooking)?;
                    b.status = match kind {
                        CheckInKind::OnTime => BookingStatus::CheckedIn,
                        CheckInKind::LateWalkin => BookingStatus::Late,
                    };
                    b.changed_at = Some(now);
                    b.ticket = Some(issued.ticket.id.clone());
                    b.kiosk = msg.kiosk;
                    let mut commit = Commit::default();
                    commit.put_json(key(&b), &b);
                    let done = act.store.enqueue(commit)?;
                    info!(code = %b.code, ticket = %issued.ticket.id, kind = ?kind, "appointment checked in");
                    let view = BookingView::of(&b);
                    act.bookings.insert(code, b);
                    Ok((done, view, issued.ticket))
                })
                .then(move |res, _, _| {
                    fut::wrap_future(async move {
                        let (done, booking, ticket) = res?;
                        done.await?;
                        let event = match kind {
                            CheckInKind::OnTime => "checked_in",
                            CheckInKind::LateWalkin => "late",
                        };
                        metrics::counter!("tingwu_appointments_total", "event" => event)
                            .increment(1);
                        Ok(CheckedIn {
                            kind,
                            booking,
                            ticket,
                            appointment,
                        })
                    })
                }),
        )
    }
}
