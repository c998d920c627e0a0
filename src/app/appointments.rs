//! Appointments (预约) for every entry point: the slots of a day, booking
//! (personal data sealed as for tickets, a fresh booking code), cancelling,
//! and checking in at the hall by code, ID number or phone. The rules are
//! `tingwu_core::booking`; the state is the appointment actor's.

use chrono::NaiveDate;
use rand::RngCore;
use tingwu_actors::appointment::{
    AppointmentError, Book, BookingView, CancelBooking, CheckIn, CheckedIn, FindBy, GetSlots,
    GetStats, Refusal, SlotView, StatsView, CODE_ALPHABET, CODE_LEN,
};

use super::{App, PersonalError};

/// Fresh codes tried when one collides with an existing booking.
const CODE_TRIES: usize = 4;

/// Why an appointment request was not done. `Appointment` carries the
/// rules' refusals (`code()` is the API's code); the others are about the
/// request itself.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error(transparent)]
    Personal(#[from] PersonalError),
    #[error(transparent)]
    Appointment(#[from] AppointmentError),
    #[error("give a phone or an id_number (请提供手机号或身份证号)")]
    PersonRequired,
    #[error("give exactly one of code, id_number or phone (请提供预约码、身份证号或手机号之一)")]
    OneWayToFind,
    #[error("unknown kiosk {0:?} (取号机不存在)")]
    UnknownKiosk(String),
    #[error("the hall is shutting down")]
    ShuttingDown,
}

/// A booking request, already parsed.
#[derive(Debug, Clone)]
pub struct BookOrder {
    pub item: String,
    pub date: NaiveDate,
    /// The slot's start, minutes since local midnight.
    pub start: u32,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

fn gone(_: actix::MailboxError) -> BookingError {
    BookingError::ShuttingDown
}

/// A fresh booking code: 8 symbols of the 32 without look-alikes.
fn new_code() -> String {
    let mut raw = [0u8; CODE_LEN];
    rand::thread_rng().fill_bytes(&mut raw);
    // 32 symbols: every byte maps without bias.
    raw.iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()]))
        .collect()
}

impl App {
    /// The slots of `item` on `date` with their bookings.
    pub async fn slots(&self, item: &str, date: NaiveDate) -> Result<Vec<SlotView>, BookingError> {
        let get = GetSlots {
            item: item.to_string(),
            date,
        };
        Ok(self.dir.appointments.send(get).await.map_err(gone)??)
    }

    /// Books a slot for the person with this phone and/or ID number (at
    /// least one), sealed and fingerprinted as for tickets.
    pub async fn book(&self, order: BookOrder) -> Result<BookingView, BookingError> {
        if order.phone.is_none() && order.id_number.is_none() {
            return Err(BookingError::PersonRequired);
        }
        let (personal, _) =
            self.seal_personal(order.phone.as_deref(), order.id_number.as_deref())?;
        for _ in 0..CODE_TRIES {
            let book = Book {
                code: new_code(),
                item: order.item.clone(),
                date: order.date,
                start: order.start,
                persons: personal.holders.clone(),
                personal: personal.clone(),
            };
            match self.dir.appointments.send(book).await.map_err(gone)? {
                Err(AppointmentError::Refused(Refusal::CodeTaken)) => continue,
                res => return Ok(res?),
            }
        }
        Err(AppointmentError::Refused(Refusal::CodeTaken).into())
    }

    /// Cancels an unused booking by its code.
    pub async fn cancel_booking(&self, code: String) -> Result<BookingView, BookingError> {
        let cancel = CancelBooking { code };
        Ok(self.dir.appointments.send(cancel).await.map_err(gone)??)
    }

    /// How a check-in names its booking: exactly one of a code (already
    /// checked with `valid_code`), an ID number or a phone as typed
    /// (normalised by [`App::id_number`] / [`App::phone`]), the latter two
    /// by their fingerprint.
    pub fn find_booking_by(
        &self,
        code: Option<String>,
        id: Option<&str>,
        phone: Option<&str>,
    ) -> Result<FindBy, BookingError> {
        match (code, id, phone) {
            (Some(code), None, None) => Ok(FindBy::Code(code)),
            (None, Some(id), None) => {
                let id = App::id_number(id)?;
                Ok(FindBy::Person(self.sealer.fingerprint("id", id.as_str())))
            }
            (None, None, Some(phone)) => {
                let phone = App::phone(phone)?;
                Ok(FindBy::Person(self.sealer.fingerprint("phone", &phone)))
            }
            _ => Err(BookingError::OneWayToFind),
        }
    }

    /// Checks a citizen in (at `kiosk`, if given): an appointment ticket
    /// inside the slot's check-in window, a walk-in ticket after it.
    pub async fn check_in(
        &self,
        by: FindBy,
        kiosk: Option<String>,
    ) -> Result<CheckedIn, BookingError> {
        if let Some(k) = &kiosk {
            if !self.dir.kiosks.contains_key(k) {
                return Err(BookingError::UnknownKiosk(k.clone()));
            }
        }
        let check_in = CheckIn { by, kiosk };
        Ok(self.dir.appointments.send(check_in).await.map_err(gone)??)
    }

    /// The counts of a day the appointment actor holds (today and later);
    /// None for an earlier day, which is read from storage.
    pub async fn booking_stats(&self, date: NaiveDate) -> Result<Option<StatsView>, BookingError> {
        self.dir
            .appointments
            .send(GetStats { date })
            .await
            .map_err(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_valid() {
        for _ in 0..100 {
            assert!(tingwu_actors::appointment::valid_code(&new_code()));
        }
    }

    #[actix::test]
    async fn requests_are_checked_before_the_actor() {
        let (app, _key) = crate::app::testing::demo_app();
        let order = BookOrder {
            item: "x".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            start: 540,
            phone: None,
            id_number: None,
        };
        assert!(matches!(
            app.book(order.clone()).await,
            Err(BookingError::PersonRequired)
        ));
        let bad_phone = BookOrder {
            phone: Some("12345".into()),
            ..order
        };
        assert!(matches!(
            app.book(bad_phone).await,
            Err(BookingError::Personal(PersonalError::InvalidPhone))
        ));
        assert!(matches!(
            app.find_booking_by(None, None, None),
            Err(BookingError::OneWayToFind)
        ));
        assert!(matches!(
            app.find_booking_by(Some("K7M2Q9XA".into()), None, Some("13800138000")),
            Err(BookingError::OneWayToFind)
        ));
        // The same phone finds the same person.
        let a = app
            .find_booking_by(None, None, Some("13800138000"))
            .unwrap();
        let b = app
            .find_booking_by(None, None, Some("13800138000"))
            .unwrap();
        assert_eq!(a, b);
        assert!(matches!(
            app.check_in(FindBy::Code("K7M2Q9XA".into()), Some("nope".into()))
                .await,
            Err(BookingError::UnknownKiosk(_))
        ));
    }
}
