//! [`PackageRecord`]: a package (套餐) as it is stored (`keys::package`).
//!
//! A package's department parts are stored as case records of their own
//! (`keys::case` of `{number}-P{n}`, each with the applicant sealed, its
//! history and its place in the open-case index), so every part is watched,
//! listed and acted on like any case by its own department. The package
//! record holds what the parts share: the one set of materials, the lead
//! department, the parts' numbers, the day the last part completed, and
//! the package's own events (`package_received`, materials handed in,
//! `package_completed`). [`PackageRecord::assemble`] puts the two back
//! together into the rules' [`PackageCase`] for `package::apply_to_part`,
//! and [`PackageRecord::absorb`] keeps what that returned.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{PackageCase, PackageStatus};
use crate::case::applicant::ApplicantSummary;
use crate::case::events::CaseEvent;
use crate::case::materials::Checklist;
use crate::case::number::CaseNumber;
use crate::case::record::MAX_REQUEST_KEYS;
use crate::case::state::Case;
use crate::case::transition::intake::Intake;

/// A package as stored: what its parts share, and its own events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageRecord {
    /// The package's number (`{hall}-{YYYYMMDD}-{seq:06}`).
    pub number: CaseNumber,
    /// The item's id.
    pub item: String,
    /// The package's name (我要开一家公司) and its English name.
    pub name: String,
    pub name_en: String,
    /// The lead department (牵头部门).
    pub lead: String,
    /// The one set of materials all parts share.
    pub materials: Checklist,
    /// The parts' numbers, in config order (`{number}-P1`, …).
    pub parts: Vec<CaseNumber>,
    /// The day the last part was completed (办结).
    pub completed_on: Option<NaiveDate>,
    /// The applicant, masked (the parts keep it sealed).
    pub applicant: ApplicantSummary,
    /// The window that took it in.
    pub window: Option<String>,
    /// The ticket it was taken in from (`20261130-B001`).
    pub ticket: Option<String>,
    /// The day the materials arrived.
    pub received_on: NaiveDate,
    /// The package's own events, oldest first.
    pub history: Vec<CaseEvent>,
    /// Request keys that took effect on the package (as
    /// `CaseRecord::keys`).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The fingerprint of the intake request that made the package (as
    /// `CaseRecord::request_print`). Absent in records written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_print: Option<String>,
}

impl PackageRecord {
    /// The record of a package just taken in from `input`, with its own
    /// events.
    pub fn of(
        pkg: &PackageCase,
        input: &Intake,
        ticket: Option<String>,
        history: Vec<CaseEvent>,
    ) -> Self {
        Self {
            number: pkg.number.clone(),
            item: pkg.item.clone(),
            name: pkg.name.clone(),
            name_en: pkg.name_en.clone(),
            lead: pkg.lead.clone(),
            materials: pkg.materials.clone(),
            parts: pkg.parts.iter().map(|p| p.number.clone()).collect(),
            completed_on: pkg.completed_on,
            applicant: input.applicant.summary(),
            window: input.window.clone(),
            ticket,
            received_on: pkg.number.date,
            history,
            keys: Vec::new(),
            request_print: None,
        }
    }

    /// The rules' package from this record and its parts' cases, in the
    /// order of [`Self::parts`] (`parts` must be those cases).
    pub fn assemble(&self, parts: Vec<Case>) -> PackageCase {
        PackageCase {
            number: self.number.clone(),
            item: self.item.clone(),
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            lead: self.lead.clone(),
            materials: self.materials.clone(),
            parts,
            completed_on: self.completed_on,
        }
    }

    /// Keeps what a transition changed in the shared part of `pkg`: the
    /// materials and the completion day (the parts go to their own
    /// records).
    pub fn absorb(&mut self, pkg: &PackageCase) {
        self.materials = pkg.materials.clone();
        self.completed_on = pkg.completed_on;
    }

    /// Where part `number` stands in the package (0-based), if it is one.
    pub fn part_index(&self, number: &CaseNumber) -> Option<usize> {
        self.parts.iter().position(|p| p == number)
    }

    /// Remembers a request key, as `CaseRecord::remember`.
    pub fn remember(&mut self, key: Option<&str>) {
        if let Some(k) = key {
            self.keys.push(k.to_string());
            if self.keys.len() > MAX_REQUEST_KEYS {
                let extra = self.keys.len() - MAX_REQUEST_KEYS;
                self.keys.drain(..extra);
            }
        }
    }

    /// Whether the package is still being handled, from its parts' cases.
    pub fn is_open(&self, parts: &[Case]) -> bool {
        self.assemble(parts.to_vec()).status() == PackageStatus::InProgress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::package::{apply_to_part, intake_package};
    use crate::case::tests::support::{at, cal, intake_of, item, staff};
    use crate::case::transition::Input;

    #[test]
    fn a_stored_package_assembles_to_what_the_rules_returned() {
        let cal = cal();
        let provided = [
            "公司登记（备案）申请书",
            "公司章程",
            "股东及法定代表人身份证明",
        ];
        let input = intake_of("2026-12-01", &provided, true);
        let (pkg, events) = intake_package(
            &item("company-setup"),
            &input,
            &staff(),
            at("2026-12-01"),
            &cal,
        )
        .unwrap();
        let mut rec = PackageRecord::of(
            &pkg,
            &input,
            Some("20261201-B001".into()),
            vec![events[0].clone()],
        );
        assert_eq!(rec.parts.len(), 5);
        assert_eq!(rec.applicant.name, "张*");
        assert_eq!(rec.received_on, pkg.number.date);
        assert_eq!(rec.window.as_deref(), Some("W01"));
        assert_eq!(rec.assemble(pkg.parts.clone()), pkg);
        assert_eq!(rec.part_index(&pkg.number.part(3)), Some(2));
        assert_eq!(rec.part_index(&pkg.number), None);
        assert!(rec.is_open(&pkg.parts));

        // Materials handed in to a part go to the shared record.
        let supply = Input::Supply {
            provided: vec!["住所使用证明".into()],
        };
        let (next, _) = apply_to_part(&pkg, 1, &supply, &staff(), at("2026-12-02"), &cal).unwrap();
        rec.absorb(&next);
        assert!(rec.materials.owed().is_empty());
        assert_eq!(rec.assemble(next.parts.clone()), next);

        // Stored and read back, it is the same.
        let json = serde_json::to_vec(&rec).unwrap();
        let back: PackageRecord = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, rec);
    }
}
