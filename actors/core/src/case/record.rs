//! [`CaseRecord`]: a case as it is stored (`keys::case`), with its applicant
//! sealed and its history.
//!
//! The [`Case`] itself keeps the applicant masked only (`ApplicantSummary`:
//! 张*三, 510***********1234, 138****5678); the plain ID number or credit
//! code, name and phone are kept beside it sealed with the hall's key
//! (ChaCha20-Poly1305, the binary's `storage::seal`), so nothing personal is
//! readable in the database files. The history is every event of the case in
//! order — the steps the citizen's query shows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::events::CaseEvent;
use super::state::Case;

/// The applicant's plain data, each sealed (base64 of nonce ‖ ciphertext).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedApplicant {
    /// The ID number (GB 11643) or unified social credit code (GB 32100),
    /// sealed.
    pub id: String,
    /// The name, sealed.
    pub name: String,
    /// The phone, sealed; none when not given.
    pub phone: Option<String>,
}

/// One case as stored: its state, its sealed applicant and its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The case (applicant masked).
    pub case: Case,
    /// The applicant, sealed.
    pub sealed: SealedApplicant,
    /// Every event of the case, oldest first.
    pub history: Vec<CaseEvent>,
    /// The request keys (`Idempotency-Key`) of the requests that took
    /// effect on this case, oldest first, at most [`MAX_REQUEST_KEYS`]: a
    /// request repeated with one of them is answered with the case as it is
    /// and changes nothing. Absent in records written before it: none.
    #[serde(default)]
    pub keys: Vec<String>,
    /// The ticket it was taken in from (`20261130-A001`; one case per
    /// ticket and item, `case::ticket`). Absent in records written before
    /// it: none.
    #[serde(default)]
    pub ticket: Option<String>,
    /// The fingerprint of the intake request that made the case (keyed
    /// SHA-256 of its canonical form, `App::take_in_case`; nothing personal
    /// in clear), kept when it came with a request key: the same key with
    /// another request is refused (`idempotency_mismatch`). Absent in
    /// records written before it and in a package's parts: not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_print: Option<String>,
}

/// Request keys kept per case (a retry comes within moments; 64 covers
/// every transition a case can have several times over).
pub const MAX_REQUEST_KEYS: usize = 64;

impl CaseRecord {
    /// Remembers a request key, dropping the oldest beyond
    /// [`MAX_REQUEST_KEYS`].
    pub fn remember(&mut self, key: Option<&str>) {
        if let Some(k) = key {
            self.keys.push(k.to_string());
            if self.keys.len() > MAX_REQUEST_KEYS {
                let extra = self.keys.len() - MAX_REQUEST_KEYS;
                self.keys.drain(..extra);
            }
        }
    }

    /// The last day the case was worked on: its delivery, decision or
    /// termination, else none (still open or awaiting delivery).
    pub fn closed_on(&self) -> Option<NaiveDate> {
        let c = &self.case;
        if c.status.is_open() {
            return None;
        }
        c.delivery
            .as_ref()
            .map(|d| d.on)
            .or(c.terminated_on)
            .or(c.completed_on)
    }

    /// Whether `check` — the last four characters of the applicant's phone
    /// or ID number (credit code) — matches. The masked forms keep those
    /// four, so no sealed value is opened. Upper-case `X` and `x` are the
    /// same check digit.
    pub fn check_matches(&self, check: &str) -> bool {
        let check = check.trim().to_ascii_uppercase();
        if check.chars().count() != 4 {
            return false;
        }
        let last4 = |s: &str| -> String {
            let chars: Vec<char> = s.chars().collect();
            chars[chars.len().saturating_sub(4)..]
                .iter()
                .collect::<String>()
                .to_ascii_uppercase()
        };
        let a = &self.case.applicant;
        let id_ok = a.id.chars().count() >= 4 && last4(&a.id) == check;
        let phone_ok = a
            .phone
            .as_deref()
            .is_some_and(|p| p.chars().count() >= 4 && last4(p) == check);
        id_ok | phone_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::support::{at, cal, food_case, staff};
    use crate::case::transition::{apply, Input};

    fn record() -> CaseRecord {
        CaseRecord {
            case: food_case("2026-12-01"),
            sealed: SealedApplicant::default(),
            history: Vec::new(),
            keys: Vec::new(),
            ticket: None,
            request_print: None,
        }
    }

    #[test]
    fn request_keys_are_bounded_and_absent_in_older_records() {
        let mut r = record();
        for i in 0..MAX_REQUEST_KEYS + 5 {
            r.remember(Some(&format!("k{i}")));
        }
        r.remember(None);
        assert_eq!(r.keys.len(), MAX_REQUEST_KEYS);
        assert_eq!(r.keys[0], "k5");
        let mut json = serde_json::to_value(&r).unwrap();
        json.as_object_mut().unwrap().remove("keys");
        json.as_object_mut().unwrap().remove("ticket");
        let old: CaseRecord = serde_json::from_value(json).unwrap();
        assert!(old.keys.is_empty());
        assert_eq!(old.ticket, None);
    }

    #[test]
    fn the_check_is_the_last_four_of_the_phone_or_the_id_number() {
        let r = record();
        // 11010519491231002X, 13812345678
        assert!(r.check_matches("5678"));
        assert!(r.check_matches("002X"));
        assert!(r.check_matches(" 002x "));
        for wrong in ["1234", "002", "02X", "12345678", "", "2345"] {
            assert!(!r.check_matches(wrong), "{wrong}");
        }
    }

    #[test]
    fn a_record_is_closed_on_its_last_day() {
        let mut r = record();
        assert_eq!(r.closed_on(), None);
        let (case, _) = apply(
            &r.case,
            &Input::Terminate {
                reason: "申请人撤回".into(),
            },
            &staff(),
            at("2026-12-03"),
            &cal(),
        )
        .unwrap();
        r.case = case;
        assert_eq!(
            r.closed_on(),
            Some(crate::case::tests::support::d("2026-12-03"))
        );
    }
}
