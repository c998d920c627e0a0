//! Cases (办件) and approval (通用审批) as pure state machines.
//!
//! A case is taken in at a window (一窗受理) for an item whose config has a
//! case section (`config::cases`), runs through the item's approval steps
//! (受理 → 审查 → 决定 → 办结) to a decision, and is delivered (送达). Every
//! transition is one function in `transition/` of the case, its input, the
//! acting person's role, `now` and the hall's working-day calendar,
//! returning the new case and one [`CaseEvent`], or a typed [`Refusal`]; the
//! case it was given is never changed. The transitions allowed from each
//! status are one table ([`transition::allowed`]).
//!
//! The clock follows the Administrative Licensing Law (《中华人民共和国行政许可法》):
//!
//! - limits count working days, statutory holidays excluded (第八十二条), from
//!   the day after acceptance ([`clock`], `crate::calendar`);
//! - a decision within 20 working days of acceptance unless the item
//!   promises less (承诺时限), extendable once by 10 with the approval of the
//!   body's head, the reason told to the applicant (第四十二条第一款); joint
//!   handling — packages ([`package`]) — within 45, extendable by 15
//!   (第四十二条第二款) ([`transition::extend`]);
//! - the certificate issued and delivered within 10 working days of the
//!   decision (第四十四条) ([`transition::deliver`]);
//! - hearings, tendering, auctions, inspection, testing, quarantine,
//!   appraisal and expert review do not count, and are told to the applicant
//!   in writing (第四十五条) ([`transition::suspend`]);
//! - a correction notice (补正, 一次性告知) is given on the spot or within 5
//!   working days of receipt, listing everything owed, or the application
//!   counts as accepted from the day the materials arrived (第三十二条)
//!   ([`transition::request_correction`], [`transition::accept`]); the clock
//!   stops while the applicant corrects.
//!
//! E-supervision (电子监察) colours are a pure function of the case, the day
//! and the calendar ([`supervision`]).

pub mod applicant;
pub mod clock;
pub mod events;
pub mod materials;
pub mod number;
pub mod package;
pub mod plan;
pub mod record;
pub mod refusal;
pub mod state;
pub mod supervision;
pub mod ticket;
pub mod transition;
pub mod warning;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use applicant::{Applicant, ApplicantError, ApplicantKind, ApplicantSummary};
pub use events::{CaseEvent, CaseEventBody, CASE_EVENT_VERSION};
pub use materials::{Checklist, OneTimeNotice};
pub use number::CaseNumber;
pub use package::{PackageCase, PackageRecord};
pub use plan::{CaseKind, CasePlan, Scope};
pub use record::{CaseRecord, SealedApplicant, MAX_REQUEST_KEYS};
pub use refusal::{Action, Refusal};
pub use state::{Case, Status};
pub use supervision::Colour;
pub use ticket::TicketCases;
pub use transition::{apply, Input};

/// Who acts on a case. Extensions need a [`Role::Supervisor`]: the body's
/// head approves them (《行政许可法》第四十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Window and approval staff (窗口人员、审批人员).
    Staff,
    /// The centre's or the body's responsible person (负责人) who approves
    /// extensions.
    Supervisor,
}

/// The person acting: a staff id or a supervisor user, and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Staff id or supervisor user.
    pub id: String,
    /// What they may do.
    pub role: Role,
}

impl Actor {
    /// Window or approval staff.
    pub fn staff(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            role: Role::Staff,
        }
    }
    /// A supervisor (负责人).
    pub fn supervisor(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            role: Role::Supervisor,
        }
    }
}

/// The moment a transition happens: the instant (for the event) and the
/// hall-local date (for every count in working days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The instant (UTC), for events.
    pub at: DateTime<Utc>,
    /// The hall-local date, for counts in working days.
    pub date: NaiveDate,
}

impl Now {
    /// `at`, with its date in the hall's time zone.
    pub fn new(at: DateTime<Utc>, tz: Tz) -> Self {
        Self {
            at,
            date: crate::calendar::local_date(at, tz),
        }
    }
}
