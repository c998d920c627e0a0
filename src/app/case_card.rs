//! The applicant from the window's ID-card reader (身份证阅读器) at a case
//! intake (一窗受理): the issue asks that a person's ID number be "read from
//! the window's ID-card reader or typed".
//!
//! The reader's link seals the ID number and the name as it decodes the
//! card; the reader actor holds them sealed for `APPLICANT_HOLD` and gives
//! them to one intake (`TakeApplicant`). Only here are they opened, to be
//! validated (GB 11643) and sealed again with the case like a typed
//! applicant. Nothing plain is logged.

use tingwu_actors::card_reader::TakeApplicant;

use super::case_types::{unavailable, ApplicantInput, CaseAppError};
use super::App;

impl App {
    /// Seals a card holder's name for the reader actor (the link calls it
    /// with the decoded card).
    pub fn seal_card_name(&self, name: &str) -> String {
        self.sealer.seal(name)
    }

    /// The person the reader at `window` read in the last
    /// `APPLICANT_HOLD` (10 min), as typed input; taken once. Errors:
    /// [`CaseAppError::NoCardReader`], [`CaseAppError::NoCardRead`],
    /// [`CaseAppError::Unavailable`] when the sealed values cannot be
    /// opened.
    pub(super) async fn applicant_from_card(
        &self,
        window: &str,
        phone: Option<String>,
    ) -> Result<ApplicantInput, CaseAppError> {
        let reader = self
            .dir
            .config
            .card_readers
            .iter()
            .find(|r| r.window.as_deref() == Some(window))
            .and_then(|r| self.dir.card_readers.get(&r.id))
            .ok_or_else(|| CaseAppError::NoCardReader(window.to_string()))?;
        let held = reader
            .send(TakeApplicant)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| CaseAppError::NoCardRead(window.to_string()))?;
        let open = |sealed: &str| {
            self.sealer.open(sealed).map_err(|e| {
                tracing::error!(window, error = %e, "a card read could not be unsealed");
                CaseAppError::Unavailable("the card read could not be unsealed".into())
            })
        };
        tracing::info!(window, applicant = %held.applicant.id_masked, "applicant taken from the ID-card reader");
        Ok(ApplicantInput::Person {
            id_number: open(&held.id_sealed)?,
            name: open(&held.name_sealed)?,
            phone,
        })
    }
}
