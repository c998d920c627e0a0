//! Booking a slot, the slots of a day, cancelling.

use std::collections::HashMap;

use actix::prelude::*;
use chrono::NaiveDate;
use tracing::info;

use super::{key, AppointmentActor, AppointmentError};
use crate::core::booking::{self, Booking, BookingStatus, BookingView, Refusal, SlotView};
use crate::core::slots;
use crate::core::ticket::Personal;
use crate::store::Commit;

/// The slots of an item's day with their bookings.
#[derive(Message)]
#[rtype(result = "Result<Vec<SlotView>, AppointmentError>")]
pub struct GetSlots {
    pub item: String,
    pub date: NaiveDate,
}

impl Handler<GetSlots> for AppointmentActor {
    type Result = Result<Vec<SlotView>, AppointmentError>;

    fn handle(&mut self, msg: GetSlots, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let tz = self.clock.tz;
        let (cfg, day_slots) = self.bookable(&msg.item, msg.date, now)?;
        let capacity = cfg.appointment_capacity;
        let mut booked: HashMap<u32, u32> = HashMap::new();
        for b in self.held(msg.date, &msg.item) {
            *booked.entry(b.slot_start).or_default() += 1;
        }
        Ok(day_slots
            .iter()
            .filter_map(|s| {
                let end = slots::instant(msg.date, s.end, tz)?;
                let n = booked.get(&s.start).copied().unwrap_or(0);
                Some(SlotView {
                    start: s.start_hhmm(),
                    end: s.end_hhmm(),
                    capacity,
                    booked: n,
                    available: n < capacity && end > now,
                })
            })
            .collect())
    }
}

/// Books a slot. `code` is a fresh random code from the edge; a collision
/// is answered `CodeTaken` and the edge tries another.
#[derive(Message)]
#[rtype(result = "Result<BookingView, AppointmentError>")]
pub struct Book {
    pub code: String,
    pub item: String,
    pub date: NaiveDate,
    /// The slot's start, minutes since local midnight.
    pub start: u32,
    /// Fingerprints of the ID and/or phone number (at least one).
    pub persons: Vec<String>,
    pub personal: Personal,
}

impl Handler<Book> for AppointmentActor {
    type Result = ResponseFuture<Result<BookingView, AppointmentError>>;

    fn handle(&mut self, msg: Book, _: &mut Self::Context) -> Self::Result {
        let result = (|| -> Result<_, AppointmentError> {
            let now = (self.now)();
            let tz = self.clock.tz;
            let (cfg, day_slots) = self.bookable(&msg.item, msg.date, now)?;
            let capacity = cfg.appointment_capacity;
            let slot = day_slots
                .iter()
                .find(|s| s.start == msg.start)
                .copied()
                .ok_or_else(|| Refusal::UnknownSlot(slots::hhmm(msg.start)))?;
            let (Some(start), Some(end)) = (
                slots::instant(msg.date, slot.start, tz),
                slots::instant(msg.date, slot.end, tz),
            ) else {
                return Err(Refusal::UnknownSlot(slot.start_hhmm()).into());
            };
            if end <= now {
                return Err(Refusal::SlotOver(slot.start_hhmm()).into());
            }
            booking::place(self.held(msg.date, &msg.item), &msg.persons, slot, capacity)?;
            if self.bookings.contains_key(&msg.code) {
                return Err(Refusal::CodeTaken.into());
            }
            let booking = Booking {
                code: msg.code,
                item: msg.item,
                date: msg.date,
                slot_start: slot.start,
                slot_end: slot.end,
                start,
                end,
                persons: msg.persons,
                personal: msg.personal,
                status: BookingStatus::Booked,
                booked_at: now,
                changed_at: None,
                ticket: None,
                kiosk: None,
            };
            let mut commit = Commit::default();
            commit.put_json(key(&booking), &booking);
            let done = self.store.enqueue(commit)?;
            let view = BookingView::of(&booking);
            info!(code = %booking.code, item = %booking.item, day = %booking.date, start = %view.start, "appointment booked");
            self.insert(booking);
            Ok((done, view))
        })();
        Box::pin(async move {
            let (done, view) = result?;
            done.await?;
            metrics::counter!("tingwu_appointments_total", "event" => "booked").increment(1);
            Ok(view)
        })
    }
}

/// Cancels a booking that has not been used.
#[derive(Message)]
#[rtype(result = "Result<BookingView, AppointmentError>")]
pub struct CancelBooking {
    pub code: String,
}

impl Handler<CancelBooking> for AppointmentActor {
    type Result = ResponseFuture<Result<BookingView, AppointmentError>>;

    fn handle(&mut self, msg: CancelBooking, _: &mut Self::Context) -> Self::Result {
        let now = (self.now)();
        let result = (|| -> Result<_, AppointmentError> {
            if self.in_flight.contains(&msg.code) {
                return Err(Refusal::InProgress.into());
            }
            let b = self
                .bookings
                .get(&msg.code)
                .ok_or(Refusal::UnknownBooking)?;
            booking::cancellable(b, now, self.config.appointments.late_minutes)?;
            let mut b = b.clone();
            b.status = BookingStatus::Cancelled;
            b.changed_at = Some(now);
            let mut commit = Commit::default();
            commit.put_json(key(&b), &b);
            let done = self.store.enqueue(commit)?;
            let view = BookingView::of(&b);
            info!(code = %b.code, "appointment cancelled");
            self.bookings.insert(b.code.clone(), b);
            Ok((done, view))
        })();
        Box::pin(async move {
            let (done, view) = result?;
            done.await?;
            metrics::counter!("tingwu_appointments_total", "event" => "cancelled").increment(1);
            Ok(view)
        })
    }
}
