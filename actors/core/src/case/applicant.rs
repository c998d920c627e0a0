//! The applicant (申请人): a person with a resident ID number (GB 11643,
//! `tingwu_protocols::id_number`) or an organisation with a unified social
//! credit code (GB 32100, `tingwu_protocols::credit_code`).
//!
//! Typed input is normalised first (`tingwu_protocols::typed`: full-width
//! digits, spaces, dashes, a lower-case `x`). A case keeps only the
//! [`ApplicantSummary`] — masked ID number, phone and name — so the plain
//! values never reach an event, a view or a log; the actor seals the
//! [`Applicant`] itself for storage.

use serde::{Deserialize, Serialize};
use tingwu_protocols::credit_code::{self, CreditCode, CreditCodeError};
use tingwu_protocols::id_number::{self, mask_name, mask_phone, IdNumber, IdNumberError};
use tingwu_protocols::typed;

/// A validated applicant. `Debug` shows only masked personal data.
#[derive(Clone, PartialEq, Eq)]
pub enum Applicant {
    /// A natural person (自然人).
    Person {
        id: IdNumber,
        name: String,
        phone: Option<String>,
    },
    /// A legal person or other organisation (法人和其他组织).
    Organisation {
        code: CreditCode,
        name: String,
        phone: Option<String>,
    },
}

impl std::fmt::Debug for Applicant {
    /// The masked summary, so an applicant in a log line is never in clear.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Applicant({:?})", self.summary())
    }
}

/// Why an applicant was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicantError {
    #[error("{0}")]
    IdNumber(#[from] IdNumberError),
    #[error("{0}")]
    CreditCode(#[from] CreditCodeError),
    #[error("手机号码无效 / the phone number is not a mainland mobile number")]
    Phone,
    #[error("申请人名称不能为空 / the applicant's name is empty")]
    Name,
}

/// Person or organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

/// What a case, its events and its views keep of the applicant: masked
/// personal data only (an organisation's code and name are public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantSummary {
    /// Person or organisation.
    pub kind: ApplicantKind,
    /// `510***********1234` for a person; the full credit code for an
    /// organisation.
    pub id: String,
    /// `张*三` for a person; the full name for an organisation.
    pub name: String,
    /// `138****5678`.
    pub phone: Option<String>,
}

fn phone_of(phone: Option<&str>) -> Result<Option<String>, ApplicantError> {
    match phone.map(typed::phone) {
        None => Ok(None),
        Some(p) if p.is_empty() => Ok(None),
        Some(p) if id_number::validate_phone(&p) => Ok(Some(p)),
        Some(_) => Err(ApplicantError::Phone),
    }
}

fn name_of(name: &str) -> Result<String, ApplicantError> {
    let name = typed::text(name);
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(ApplicantError::Name);
    }
    Ok(name)
}

impl Applicant {
    /// A person from an ID number as typed or read, a name and an optional
    /// phone. Errors: [`ApplicantError`].
    pub fn person(id: &str, name: &str, phone: Option<&str>) -> Result<Self, ApplicantError> {
        Ok(Applicant::Person {
            id: id_number::validate(&typed::id_number(id))?,
            name: name_of(name)?,
            phone: phone_of(phone)?,
        })
    }

    /// An organisation from its unified social credit code as typed, its
    /// name and an optional contact phone. Errors: [`ApplicantError`].
    pub fn organisation(
        code: &str,
        name: &str,
        phone: Option<&str>,
    ) -> Result<Self, ApplicantError> {
        Ok(Applicant::Organisation {
            code: credit_code::validate(&typed::id_number(code))?,
            name: name_of(name)?,
            phone: phone_of(phone)?,
        })
    }

    /// What the case keeps (masked).
    pub fn summary(&self) -> ApplicantSummary {
        match self {
            Applicant::Person { id, name, phone } => ApplicantSummary {
                kind: ApplicantKind::Person,
                id: id.masked(),
                name: mask_name(name),
                phone: phone.as_deref().map(mask_phone),
            },
            Applicant::Organisation { code, name, phone } => ApplicantSummary {
                kind: ApplicantKind::Organisation,
                id: code.to_string(),
                name: name.clone(),
                phone: phone.as_deref().map(mask_phone),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_kept_masked() {
        let a = Applicant::person(
            "１１０１０５１９４９１２３１００２ｘ",
            " 张三丰 ",
            Some("138 1234 5678"),
        )
        .unwrap();
        let s = a.summary();
        assert_eq!(s.kind, ApplicantKind::Person);
        assert_eq!(s.id, "110***********002X");
        assert_eq!(s.name, "张*丰");
        assert_eq!(s.phone.as_deref(), Some("138****5678"));
        let debug = format!("{a:?} {s:?}");
        assert!(!debug.contains("11010519491231002X") && !debug.contains("13812345678"));
    }

    #[test]
    fn an_organisation_by_its_credit_code() {
        let a = Applicant::organisation("91350100M000100Y43", "示例有限公司", None).unwrap();
        assert_eq!(a.summary().id, "91350100M000100Y43");
        assert_eq!(a.summary().kind, ApplicantKind::Organisation);
        assert!(matches!(
            Applicant::organisation("91350100M000100Y44", "示例有限公司", None),
            Err(ApplicantError::CreditCode(_))
        ));
    }

    #[test]
    fn bad_applicants_are_refused() {
        assert!(matches!(
            Applicant::person("110105194912310021", "张三", None),
            Err(ApplicantError::IdNumber(_))
        ));
        assert_eq!(
            Applicant::person("11010519491231002X", "  ", None),
            Err(ApplicantError::Name)
        );
        assert_eq!(
            Applicant::person("11010519491231002X", "张三", Some("12345")),
            Err(ApplicantError::Phone)
        );
        assert!(Applicant::person("11010519491231002X", "张三", Some(""))
            .unwrap()
            .summary()
            .phone
            .is_none());
    }
}
