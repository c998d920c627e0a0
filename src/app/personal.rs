//! Personal data (ID number, phone): validated, sealed for storage
//! (ChaCha20-Poly1305 under the hall's key), masked for display and
//! fingerprinted to find a holder's tickets. The plain values never reach
//! an actor or a log.

use tingwu_actors::core::ticket::Personal;
use tingwu_protocols::id_number::{self, IdNumber};
use tingwu_protocols::typed;

use super::App;

/// Why personal data is refused (HTTP 400; the code is [`Self::code`]).
/// Messages never echo the submitted value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonalError {
    /// Not an 11-digit mainland mobile number.
    #[error("phone must be an 11-digit mainland mobile number starting with 1 (手机号格式错误)")]
    InvalidPhone,
    /// Not a valid GB 11643 ID number; the message says which check failed.
    #[error("{0}")]
    InvalidIdNumber(String),
}

impl PersonalError {
    /// The error code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidIdNumber(_) => "invalid_id_number",
        }
    }
}

impl App {
    /// Validates a phone and an ID number (either may be absent), seals
    /// them for storage and masks them for display; also gives the
    /// validated ID number, for the holder's age.
    pub fn seal_personal(
        &self,
        phone: Option<&str>,
        id: Option<&str>,
    ) -> Result<(Personal, Option<IdNumber>), PersonalError> {
        let mut p = Personal::default();
        if let Some(phone) = phone {
            let phone = Self::phone(phone)?;
            p.phone_sealed = Some(self.sealer.seal(&phone));
            p.phone_masked = Some(id_number::mask_phone(&phone));
            p.holders.push(self.sealer.fingerprint("phone", &phone));
        }
        let id = match id {
            Some(id) => {
                let id = Self::id_number(id)?;
                self.seal_id_number(&id, &mut p);
                Some(id)
            }
            None => None,
        };
        Ok((p, id))
    }

    /// A phone number as typed (full-width digits, spaces, dashes, `+86`),
    /// normalised (`tingwu_protocols::typed::phone`) and then validated:
    /// the 11 plain digits, or [`PersonalError::InvalidPhone`]. Every
    /// channel that takes a phone number goes through here.
    pub fn phone(typed_phone: &str) -> Result<String, PersonalError> {
        let phone = typed::phone(typed_phone);
        if id_number::validate_phone(&phone) {
            Ok(phone)
        } else {
            Err(PersonalError::InvalidPhone)
        }
    }

    /// An ID number as typed (full-width, spaces, dashes, lower-case `x`),
    /// normalised (`tingwu_protocols::typed::id_number`) and then
    /// validated (GB 11643), or [`PersonalError::InvalidIdNumber`]. Every
    /// channel that takes an ID number goes through here.
    pub fn id_number(typed_id: &str) -> Result<IdNumber, PersonalError> {
        id_number::validate(&typed::id_number(typed_id))
            .map_err(|e| PersonalError::InvalidIdNumber(e.to_string()))
    }

    /// Seals a validated ID number into `p` for storage, with its masked
    /// form and the holder's fingerprint (tickets, appointments, ID-card
    /// readers).
    pub fn seal_id_number(&self, id: &IdNumber, p: &mut Personal) {
        p.id_sealed = Some(self.sealer.seal(id.as_str()));
        p.holders.push(self.sealer.fingerprint("id", id.as_str()));
        p.id_masked = Some(id.masked());
    }
}
