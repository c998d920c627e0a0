//! Personal data (ID number, phone): validated, sealed for storage
//! (ChaCha20-Poly1305 under the hall's key), masked for display and
//! fingerprinted to find a holder's tickets. The plain values never reach
//! an actor or a log.

use tingwu_actors::core::ticket::Personal;
use tingwu_protocols::id_number::{self, IdNumber};

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
            if !id_number::validate_phone(phone) {
                return Err(PersonalError::InvalidPhone);
            }
            p.phone_sealed = Some(self.sealer.seal(phone));
            p.phone_masked = Some(id_number::mask_phone(phone));
            p.holders.push(self.sealer.fingerprint("phone", phone));
        }
        let id = match id {
            Some(id) => {
                let id = id_number::validate(id)
                    .map_err(|e| PersonalError::InvalidIdNumber(e.to_string()))?;
                self.seal_id_number(&id, &mut p);
                Some(id)
            }
            None => None,
        };
        Ok((p, id))
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
