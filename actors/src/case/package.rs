//! Packages (套餐, e.g. 我要开一家公司) in the case actor: intake makes one
//! package record (`keys::package`: what the parts share) and one case
//! record per department part (`{number}-P{n}`, indexed, watched and
//! listed like any case), all in one commit. A part is acted on by its own
//! department's staff (or a supervisor); the rules
//! (`core::case::package::apply_to_part`) decide, with the shared
//! materials, whether the package completes — exactly when its last part
//! does — and the part's record, the package record and every event with
//! its audit entry go in one commit. The package's own number takes only
//! materials handed in (补交材料) for all its parts. [`GetPackage`] is the
//! one view of its progress.

use actix::prelude::*;
use serde::Serialize;

use super::intake::{CaseOrPackage, Durable};
use super::{CaseActor, CaseError};
use crate::config::ItemConfig;
use crate::core::case::package::{apply_to_part, intake_package, progress, PackageProgress};
use crate::core::case::supervision::CaseSupervision;
use crate::core::case::transition::{Input, Intake};
use crate::core::case::{
    Action, Actor as Person, CaseEvent, CaseNumber, CaseRecord, Now, PackageRecord, Refusal,
    SealedApplicant,
};
use crate::store::Commit;

/// One package by number, with its parts and its progress today (none:
/// no such package; the progress is none when the calendar lacks a year).
#[derive(Message)]
#[rtype(result = "Option<PackageView>")]
pub struct GetPackage(pub String);

/// A package, its parts (applicant masked) and its progress today.
#[derive(Debug, Clone, Serialize)]
pub struct PackageView {
    /// What the parts share, and the package's own events.
    pub package: PackageRecord,
    /// The parts' records, in order (not in the view: `progress` shows
    /// each part; the records hold the sealed applicant).
    #[serde(skip)]
    pub parts: Vec<CaseRecord>,
    /// Each part's supervision today, in order (none: calendar missing).
    #[serde(skip)]
    pub supervision: Vec<Option<CaseSupervision>>,
    /// Each part's status, step, colour and deadline; the package's.
    pub progress: Option<PackageProgress>,
}

impl Handler<GetPackage> for CaseActor {
    type Result = MessageResult<GetPackage>;

    fn handle(&mut self, m: GetPackage, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.package_view(&m.0))
    }
}

impl CaseActor {
    /// The package `number` with its parts, if it is one.
    pub(super) fn package_view(&self, number: &str) -> Option<PackageView> {
        let package = self.packages.get(number)?.clone();
        let parts = self.parts_of(&package).ok()?;
        let cases = parts.iter().map(|r| r.case.clone()).collect();
        let pkg = package.assemble(cases);
        let progress = progress(&pkg, self.now().date, &self.config.calendar.days)
            .inspect_err(|e| tracing::warn!(package = %number, error = %e, "package progress needs a holiday calendar"))
            .ok();
        let supervision = parts.iter().map(|r| self.supervision(&r.case)).collect();
        Some(PackageView {
            package,
            parts,
            supervision,
            progress,
        })
    }

    /// The package a part belongs to, if it is a part of one.
    pub(super) fn package_of(&self, part: &CaseNumber) -> Option<&PackageRecord> {
        part.part
            .and_then(|_| self.packages.get(&part.package().to_string()))
    }

    /// The records of a package's parts, in order.
    fn parts_of(&self, p: &PackageRecord) -> Result<Vec<CaseRecord>, CaseError> {
        p.parts
            .iter()
            .map(|n| {
                self.cases
                    .get(&n.to_string())
                    .cloned()
                    .ok_or_else(|| CaseError::NotFound(n.to_string()))
            })
            .collect()
    }

    /// Takes a package in: its record and one record per part, every event
    /// with its audit entry, in one commit. `key`, `print`: the request's
    /// key and fingerprint, kept on the package record.
    pub(super) fn take_in_package(
        &mut self,
        item: &ItemConfig,
        input: &Intake,
        sealed: SealedApplicant,
        by: &Person,
        now: Now,
        (key, print): (Option<&str>, Option<String>),
    ) -> Result<(PackageRecord, Durable), CaseError> {
        let (pkg, events) = intake_package(item, input, by, now, &self.config.calendar.days)?;
        let (own, part_events) = events
            .split_first()
            .ok_or(Refusal::NoSuchPart { part: 0 })?;
        let mut header = PackageRecord::of(&pkg, input, input.ticket.clone(), vec![own.clone()]);
        header.request_print = key.and(print);
        let parts = pkg
            .parts
            .iter()
            .zip(part_events)
            .map(|(case, ev)| CaseRecord {
                case: case.clone(),
                sealed: sealed.clone(),
                history: vec![ev.clone()],
                keys: Vec::new(),
                ticket: input.ticket.clone(),
                request_print: None,
            })
            .collect();
        let durable = self.commit_package(parts, header.clone(), &events, None, key)?;
        Ok((header, durable))
    }

    /// Applies `input` to part `number` of package `header` through the
    /// rules of packages.
    pub(super) fn act_on_part(
        &mut self,
        header: PackageRecord,
        number: &CaseNumber,
        input: &Input,
        by: &Person,
        reason: Option<String>,
        key: Option<&str>,
    ) -> Result<(CaseOrPackage, Durable), CaseError> {
        let index = header
            .part_index(number)
            .ok_or(Refusal::NoSuchPart { part: 0 })?;
        let (header, parts, events) = self.apply(header, index, input, by)?;
        let changed: Vec<CaseRecord> = parts
            .into_iter()
            .filter(|r| r.case.number == *number)
            .collect();
        let durable = self.commit_package(changed, header, &events, reason, key)?;
        let part = self
            .cases
            .get(&number.to_string())
            .cloned()
            .ok_or_else(|| CaseError::NotFound(number.to_string()))?;
        Ok((CaseOrPackage::Case(Box::new(part)), durable))
    }

    /// Materials handed in for a whole package (its own number): only
    /// `supply` is done there, through the first part the caller may act
    /// on that takes materials (in progress), else the first they may act
    /// on (whose refusal then says why). `departments`: the staff's (none:
    /// a supervisor).
    pub(super) fn act_on_package(
        &mut self,
        header: PackageRecord,
        input: &Input,
        by: &Person,
        departments: Option<&[String]>,
        key: Option<&str>,
    ) -> Result<(CaseOrPackage, Durable), CaseError> {
        if !matches!(input, Input::Supply { .. }) {
            return Err(Refusal::PackageAction {
                action: input.action(),
            }
            .into());
        }
        let parts = self.parts_of(&header)?;
        let mine: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, r)| departments.is_none_or(|d| d.contains(&r.case.department)))
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = mine.first() else {
            return Err(CaseError::OtherDepartment {
                case: header.lead.clone(),
                staff: departments.unwrap_or_default().join(","),
            });
        };
        let index = mine
            .iter()
            .copied()
            .find(|&i| {
                parts.get(i).is_some_and(|r| {
                    crate::core::case::transition::allowed(r.case.status, Action::Supply)
                })
            })
            .unwrap_or(first);
        let (header, _, events) = self.apply(header, index, input, by)?;
        let durable = self.commit_package(Vec::new(), header.clone(), &events, None, key)?;
        Ok((CaseOrPackage::Package(Box::new(header)), durable))
    }

    /// The rules on part `index`: the package record and every part's
    /// record after it (histories extended), and the events.
    fn apply(
        &self,
        mut header: PackageRecord,
        index: usize,
        input: &Input,
        by: &Person,
    ) -> Result<(PackageRecord, Vec<CaseRecord>, Vec<CaseEvent>), CaseError> {
        let mut parts = self.parts_of(&header)?;
        let pkg = header.assemble(parts.iter().map(|r| r.case.clone()).collect());
        let now = self.now();
        let (next, events) =
            apply_to_part(&pkg, index, input, by, now, &self.config.calendar.days)?;
        header.absorb(&next);
        for (record, case) in parts.iter_mut().zip(next.parts) {
            record.case = case;
        }
        for ev in &events {
            match parts.iter_mut().find(|r| r.case.number == ev.case) {
                Some(r) => r.history.push(ev.clone()),
                None => header.history.push(ev.clone()),
            }
        }
        Ok((header, parts, events))
    }

    /// One commit: the changed parts' records (index moved), the package
    /// record, every event and its audit entry. Memory follows at once
    /// (commits apply in order); the future resolves once durable. `key`
    /// goes with the record acted on (the part, else the package).
    fn commit_package(
        &mut self,
        mut parts: Vec<CaseRecord>,
        mut header: PackageRecord,
        events: &[CaseEvent],
        reason: Option<String>,
        key: Option<&str>,
    ) -> Result<Durable, CaseError> {
        let target = match parts.as_mut_slice() {
            [only] => {
                only.remember(key);
                only.case.number.to_string()
            }
            _ => {
                header.remember(key);
                header.number.to_string()
            }
        };
        let mut commit = Commit::default();
        let mut filed = Vec::new();
        for r in &parts {
            filed.push(self.put_record(&mut commit, r));
        }
        let number = header.number.to_string();
        commit.put_json(crate::keys::package(&number), &header);
        let pkg_status = serde_json::json!(if header.completed_on.is_some() {
            "completed"
        } else {
            "in_progress"
        });
        for ev in events {
            let of = match parts.iter().find(|r| r.case.number == ev.case) {
                Some(r) => (
                    r.case.department.as_str(),
                    r.case.item.as_str(),
                    serde_json::json!(r.case.status),
                ),
                None => (
                    header.lead.as_str(),
                    header.item.as_str(),
                    pkg_status.clone(),
                ),
            };
            Self::put_event(&mut commit, ev, reason.clone(), of);
        }
        let durable = self.store.enqueue(commit)?;
        if let Some(k) = key {
            self.request_keys.insert(k.to_string(), target);
        }
        for ev in events {
            Self::note(ev, &ev.body.kind());
        }
        let watched: Vec<String> = parts.iter().map(|r| r.case.number.to_string()).collect();
        for (r, k) in parts.into_iter().zip(filed) {
            self.take_record(r, k);
        }
        if let Some(t) = &header.ticket {
            self.tickets.record(t, &header.item, &header.number);
        }
        self.packages.insert(number, header);
        for n in watched {
            self.watch_case(&n);
        }
        Ok(Box::pin(durable))
    }
}
