//! The materials checklist (申请材料清单) of a case, tolerated missing
//! materials (容缺受理) and the one-time notice (一次性告知) of everything
//! still owed and by when.
//!
//! A required material may be tolerated missing when the item's config says
//! so: the case is accepted and the applicant hands it in within the item's
//! `tolerated_days` working days; the decision waits for it
//! ([`Refusal::MaterialsOwed`]). A required material that is not tolerated
//! and is missing stops acceptance on the spot: the applicant gets the
//! one-time notice instead (《行政许可法》第三十二条第一款第四项: 一次告知申请人
//! 需要补正的全部内容).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::refusal::Refusal;
use crate::config::cases::MaterialConfig;

/// Where one material stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialState {
    /// Handed in.
    Provided,
    /// Required and missing.
    Owed,
    /// Required, missing, and tolerated (容缺): due by the checklist's
    /// `tolerated_due`.
    Tolerated,
    /// Not required and not handed in.
    NotNeeded,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialLine {
    /// The material's name, as on the checklist.
    pub name: String,
    /// Its English name (may be empty).
    pub name_en: String,
    /// Handed in, owed, tolerated or not needed.
    pub state: MaterialState,
}

/// A case's (or a package's shared) checklist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    /// One line per configured material, in config order.
    pub lines: Vec<MaterialLine>,
    /// When tolerated materials are due (set at acceptance).
    pub tolerated_due: Option<NaiveDate>,
}

/// What a one-time notice is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Not accepted: required materials missing (不予受理，一次性告知).
    Incomplete,
    /// Accepted with tolerated missing materials (容缺受理告知).
    Tolerated,
    /// Correction (补正告知): the clock stops until the applicant answers.
    Correction,
}

/// One thing owed: a checklist material or a free-text point of a
/// correction (e.g. 申请书缺少法定代表人签字).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedItem {
    /// The material's name or the point to correct.
    pub name: String,
    /// Its English name (empty for free text).
    pub name_en: String,
}

/// The one-time notice (一次性告知): everything owed at once, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeNotice {
    /// Refusal, tolerated materials or correction.
    pub kind: NoticeKind,
    /// Everything owed, listed once (一次告知).
    pub items: Vec<OwedItem>,
    /// Last working day to hand them in; none for a notice of refusal.
    pub due: Option<NaiveDate>,
}

impl OneTimeNotice {
    /// The notice's text, Chinese then English, as printed for the applicant.
    pub fn text(&self) -> String {
        let names: Vec<&str> = self.items.iter().map(|i| i.name.as_str()).collect();
        let head = match self.kind {
            NoticeKind::Incomplete => "申请材料不齐全，请补齐以下材料后再次申请",
            NoticeKind::Tolerated => "已容缺受理，请补交以下材料",
            NoticeKind::Correction => "请补正以下内容",
        };
        let head_en = match self.kind {
            NoticeKind::Incomplete => "Materials are incomplete; please bring",
            NoticeKind::Tolerated => "Accepted with materials to follow; please hand in",
            NoticeKind::Correction => "Please correct",
        };
        let due = self
            .due
            .map(|d| format!("（{d} 前 / by {d}）"))
            .unwrap_or_default();
        format!("{head}{due}：{}。/ {head_en}: {}", names.join("、"), {
            let en: Vec<&str> = self
                .items
                .iter()
                .map(|i| {
                    if i.name_en.is_empty() {
                        i.name.as_str()
                    } else {
                        i.name_en.as_str()
                    }
                })
                .collect();
            en.join(", ")
        })
    }
}

impl Checklist {
    /// The checklist of `materials` with `provided` (material names) handed
    /// in. Errors: [`Refusal::UnknownMaterial`] for a name not on the list.
    pub fn new(materials: &[MaterialConfig], provided: &[String]) -> Result<Self, Refusal> {
        for p in provided {
            if !materials.iter().any(|m| &m.name == p) {
                return Err(Refusal::UnknownMaterial { name: p.clone() });
            }
        }
        let lines = materials
            .iter()
            .map(|m| MaterialLine {
                name: m.name.clone(),
                name_en: m.name_en.clone(),
                state: if provided.contains(&m.name) {
                    MaterialState::Provided
                } else if !m.required {
                    MaterialState::NotNeeded
                } else if m.tolerated {
                    MaterialState::Tolerated
                } else {
                    MaterialState::Owed
                },
            })
            .collect();
        Ok(Self {
            lines,
            tolerated_due: None,
        })
    }

    fn items(&self, states: &[MaterialState]) -> Vec<OwedItem> {
        self.lines
            .iter()
            .filter(|l| states.contains(&l.state))
            .map(|l| OwedItem {
                name: l.name.clone(),
                name_en: l.name_en.clone(),
            })
            .collect()
    }

    /// Required materials missing and not tolerated.
    pub fn missing(&self) -> Vec<OwedItem> {
        self.items(&[MaterialState::Owed])
    }

    /// Everything still owed, tolerated or not.
    pub fn owed(&self) -> Vec<OwedItem> {
        self.items(&[MaterialState::Owed, MaterialState::Tolerated])
    }

    /// The notice of refusal when required materials are missing.
    pub fn incomplete_notice(&self) -> OneTimeNotice {
        OneTimeNotice {
            kind: NoticeKind::Incomplete,
            items: self.owed(),
            due: None,
        }
    }

    /// The tolerated-materials notice, if any are owed.
    pub fn tolerated_notice(&self) -> Option<OneTimeNotice> {
        let items = self.items(&[MaterialState::Tolerated]);
        (!items.is_empty()).then_some(OneTimeNotice {
            kind: NoticeKind::Tolerated,
            items,
            due: self.tolerated_due,
        })
    }

    /// Marks `names` owed (a correction notice naming checklist materials;
    /// other names are free-text points and leave the list as it is).
    pub fn mark_owed(&self, names: &[String]) -> Self {
        let mut next = self.clone();
        for l in &mut next.lines {
            if names.contains(&l.name) {
                l.state = MaterialState::Owed;
            }
        }
        next
    }

    /// The checklist with `provided` handed in. Errors:
    /// [`Refusal::UnknownMaterial`].
    pub fn supply(&self, provided: &[String]) -> Result<Self, Refusal> {
        let mut next = self.clone();
        for p in provided {
            let line = next
                .lines
                .iter_mut()
                .find(|l| &l.name == p)
                .ok_or_else(|| Refusal::UnknownMaterial { name: p.clone() })?;
            line.state = MaterialState::Provided;
        }
        if next.owed().is_empty() {
            next.tolerated_due = None;
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, required: bool, tolerated: bool) -> MaterialConfig {
        MaterialConfig {
            name: name.into(),
            name_en: String::new(),
            required,
            tolerated,
        }
    }

    #[test]
    fn the_checklist_sorts_what_is_owed() {
        let mats = [
            m("申请书", true, false),
            m("平面图", true, true),
            m("委托书", false, false),
            m("营业执照", true, false),
        ];
        let c = Checklist::new(&mats, &["申请书".into()]).unwrap();
        let names = |v: Vec<OwedItem>| v.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(names(c.missing()), ["营业执照"]);
        assert_eq!(names(c.owed()), ["平面图", "营业执照"]);
        let notice = c.incomplete_notice();
        assert_eq!(notice.kind, NoticeKind::Incomplete);
        assert!(
            notice.text().contains("平面图、营业执照"),
            "{}",
            notice.text()
        );
        let c = c.supply(&["营业执照".into()]).unwrap();
        assert!(c.missing().is_empty());
        assert_eq!(names(c.tolerated_notice().unwrap().items), ["平面图"]);
        let c = c.supply(&["平面图".into()]).unwrap();
        assert!(c.owed().is_empty() && c.tolerated_notice().is_none());
        assert_eq!(
            c.supply(&["户口簿".into()]),
            Err(Refusal::UnknownMaterial {
                name: "户口簿".into()
            })
        );
        assert!(Checklist::new(&mats, &["户口簿".into()]).is_err());
        let c = c.mark_owed(&["申请书".into(), "签字不全".into()]);
        assert_eq!(names(c.missing()), ["申请书"]);
    }
}
