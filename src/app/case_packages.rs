//! Packages (套餐, e.g. 我要开一家公司) in the application layer: the one
//! view of a package's progress — every department part's status, colour
//! and deadline — for staff of any of its departments and supervisors
//! ([`App::package`]), and the citizen's view by the package's number
//! ([`PublicPackage`], held to the same check as a case's).
//!
//! Intake and transitions go through `cases.rs` like any case: a package
//! item's intake makes the package; a part (`{number}-P{n}`) is acted on by
//! its own department's staff.

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::case::{GetPackage, PackageView};
use tingwu_actors::core::case::package::PackageStatus;
use tingwu_actors::core::case::supervision::Colour;

use super::case_public::{words, PublicCase, PublicStep};
use super::case_types::{unavailable, CaseAppError, CaseCaller};
use super::App;

/// What the citizen's query answers: a case, or a package with its parts.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PublicAnswer {
    /// A case of its own (or one part, asked for by its number).
    Case(Box<PublicCase>),
    /// A package, by its own number.
    Package(Box<PublicPackage>),
}

/// One part of a package in the citizen's view.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPart {
    /// The department handling it, with its names.
    pub department: String,
    pub department_name: String,
    pub department_name_en: String,
    /// Whether it is the lead department's part (牵头部门).
    pub lead: bool,
    /// The part's name (营业执照, 公章刻制备案…) and English name: its
    /// approval step while open.
    #[serde(flatten)]
    pub case: PublicCase,
}

/// The citizen's view of a package (办理进度): its own status and every
/// part's.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPackage {
    /// Always `"package"`, so a page can tell it from a case.
    pub kind: &'static str,
    pub number: String,
    pub item: String,
    /// The package's name (我要开一家公司) and English name.
    pub name: String,
    pub name_en: String,
    /// The applicant's name, masked.
    pub applicant: String,
    /// `in_progress`, `completed` or `ended`, with its words.
    pub status: PackageStatus,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    /// Parts completed, of `total`.
    pub done: usize,
    pub total: usize,
    /// The latest of the parts' deadlines (none while one is not known).
    pub deadline: Option<NaiveDate>,
    /// The worst colour of its parts (green, yellow, red).
    pub colour: Option<Colour>,
    pub received_on: NaiveDate,
    /// The day the last part completed.
    pub completed_on: Option<NaiveDate>,
    /// Shared materials still owed (容缺), by name.
    pub owed: Vec<String>,
    /// Every part, in order.
    pub parts: Vec<PublicPart>,
    /// The package's own steps (received, materials, completed).
    pub history: Vec<PublicStep>,
}

fn status_words(s: PackageStatus) -> (&'static str, &'static str) {
    match s {
        PackageStatus::InProgress => ("办理中", "in progress"),
        PackageStatus::Completed => ("已办结", "completed"),
        PackageStatus::Ended => ("已终止", "ended"),
    }
}

impl App {
    async fn package_view(&self, number: &str) -> Result<Option<PackageView>, CaseAppError> {
        self.dir
            .cases
            .send(GetPackage(number.to_string()))
            .await
            .map_err(unavailable)
    }

    /// The package `number` with its progress, for staff of one of its
    /// parts' departments or a supervisor. Errors:
    /// [`CaseAppError::NotFound`], [`CaseAppError::OtherDepartment`].
    pub async fn package(
        &self,
        who: &CaseCaller,
        number: &str,
    ) -> Result<PackageView, CaseAppError> {
        let view = self
            .package_view(number)
            .await?
            .ok_or(CaseAppError::NotFound)?;
        if let Some(depts) = self.departments_of(who) {
            if !view
                .parts
                .iter()
                .any(|p| depts.contains(&p.case.department))
            {
                return Err(CaseAppError::OtherDepartment);
            }
        }
        Ok(view)
    }

    /// The citizen's view of package `number` if `check` matches its
    /// applicant (as a case's); none otherwise (the caller answers
    /// not-found for both).
    pub(super) async fn public_package(
        &self,
        number: &str,
        check: &str,
    ) -> Result<Option<PublicPackage>, CaseAppError> {
        let Some(view) = self.package_view(number).await? else {
            return Ok(None);
        };
        if !view.parts.first().is_some_and(|p| p.check_matches(check)) {
            return Ok(None);
        }
        let cfg = &self.dir.config;
        let p = &view.package;
        let parts = view
            .parts
            .iter()
            .zip(&view.supervision)
            .map(|(r, sup)| {
                let dept = cfg.departments.iter().find(|d| d.id == r.case.department);
                PublicPart {
                    department: r.case.department.clone(),
                    department_name: dept.map(|d| d.name.clone()).unwrap_or_default(),
                    department_name_en: dept.map(|d| d.name_en.clone()).unwrap_or_default(),
                    lead: r.case.department == p.lead,
                    case: PublicCase::of(r, sup.as_ref(), cfg),
                }
            })
            .collect();
        let status = view
            .progress
            .as_ref()
            .map_or(PackageStatus::InProgress, |g| g.status);
        let (status_zh, status_en) = status_words(status);
        Ok(Some(PublicPackage {
            kind: "package",
            number: p.number.to_string(),
            item: p.item.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            applicant: p.applicant.name.clone(),
            status,
            status_zh,
            status_en,
            done: view.progress.as_ref().map_or(0, |g| g.done),
            total: p.parts.len(),
            deadline: view.progress.as_ref().and_then(|g| g.deadline),
            colour: view.progress.as_ref().map(|g| g.colour),
            received_on: p.received_on,
            completed_on: p.completed_on,
            owed: p.materials.owed().into_iter().map(|o| o.name).collect(),
            parts,
            history: p
                .history
                .iter()
                .map(|e| {
                    let (zh, en) = words(&e.body);
                    PublicStep {
                        at: e.at,
                        r#type: e.body.kind(),
                        zh,
                        en,
                    }
                })
                .collect(),
        }))
    }
}
