//! A package's progress as one view (办理进度): each part's status, step,
//! colour and deadline, and the package's own.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{decided, PackageCase, PackageStatus};
use crate::calendar::{Calendar, CalendarError};
use crate::case::number::CaseNumber;
use crate::case::state::Status;
use crate::case::supervision::{self, Colour};

/// One part in the progress view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartProgress {
    /// The part's case number.
    pub number: CaseNumber,
    /// Its department.
    pub department: String,
    /// Whether it is the lead department's part.
    pub lead: bool,
    /// The part's status.
    pub status: Status,
    /// The current step's name while open.
    pub step: Option<String>,
    /// Its e-supervision colour today.
    pub colour: Colour,
    /// Its deadline (none before acceptance or while stopped).
    pub deadline: Option<NaiveDate>,
}

/// A package's progress as one view (办理进度).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageProgress {
    /// The package's number.
    pub number: CaseNumber,
    /// Its name.
    pub name: String,
    /// Its English name.
    pub name_en: String,
    /// In progress, completed or ended.
    pub status: PackageStatus,
    /// Parts completed, of `total`.
    pub done: usize,
    /// Number of parts.
    pub total: usize,
    /// The worst colour of its parts.
    pub colour: Colour,
    /// The latest of the parts' deadlines (none while any is unknown).
    pub deadline: Option<NaiveDate>,
    /// Each part, in config order.
    pub parts: Vec<PartProgress>,
}

/// The package's progress on `today`. Errors: [`CalendarError`].
pub fn progress(
    pkg: &PackageCase,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<PackageProgress, CalendarError> {
    let mut parts = Vec::new();
    let mut deadline = Some(NaiveDate::MIN);
    for p in &pkg.parts {
        let sup = supervision::supervise(p, today, cal)?;
        deadline = match (deadline, sup.deadline) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        parts.push(PartProgress {
            number: p.number.clone(),
            department: p.department.clone(),
            lead: p.department == pkg.lead,
            status: p.status,
            step: p
                .status
                .is_open()
                .then(|| p.steps.get(p.current).map(|s| s.name.clone()))
                .flatten(),
            colour: sup.colour,
            deadline: sup.deadline,
        });
    }
    Ok(PackageProgress {
        number: pkg.number.clone(),
        name: pkg.name.clone(),
        name_en: pkg.name_en.clone(),
        status: pkg.status(),
        done: pkg.parts.iter().filter(|p| decided(p)).count(),
        total: pkg.parts.len(),
        colour: parts
            .iter()
            .map(|p| p.colour)
            .max()
            .unwrap_or(Colour::Green),
        deadline: deadline.filter(|d| *d != NaiveDate::MIN),
        parts,
    })
}
