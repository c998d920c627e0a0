//! The e-supervision board (电子监察): the hall's open cases by colour,
//! department and window, for supervisors (`GET /api/v1/supervision`, the
//! `/supervision` page). Colours are the rule `core::case::supervision`
//! (yellow at the item's warning point — by default 80 % of the limit used
//! or two working days left —, red past the deadline) on the case actor's
//! clock; the alarms they raise are `tingwu_actors::case::watch`'s.
//!
//! Cases are listed red first, then yellow, then green; within a colour
//! the earliest deadline first (a case whose clock is stopped, with no
//! deadline, after those with one). Applicants are not shown.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use tingwu_actors::case::{CaseListing, ListCases};
use tingwu_actors::config::HallConfig;
use tingwu_actors::core::case::supervision::Colour;
use tingwu_actors::core::case::Status;

use super::case_types::unavailable;
use super::cases::CaseAppError;
use super::App;

/// Open cases by colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub red: usize,
    pub yellow: usize,
    pub green: usize,
}

impl Tally {
    fn add(&mut self, c: Colour) {
        match c {
            Colour::Red => self.red += 1,
            Colour::Yellow => self.yellow += 1,
            Colour::Green => self.green += 1,
        }
    }
}

/// One group's tally (a department or a window).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The department's or window's id (`""`: a case taken in at no window).
    pub id: String,
    /// Its name (zh), as configured.
    pub name: String,
    /// Its English name (falls back to the Chinese).
    pub name_en: String,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The current step of a supervised case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOnBoard {
    pub name: String,
    pub name_en: String,
    pub colour: Colour,
    /// Its deadline (none while the clock is stopped).
    pub deadline: Option<NaiveDate>,
    /// Working days used and its limit.
    pub used_days: u32,
    pub limit_days: u32,
}

/// One open case on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseOnBoard {
    pub number: String,
    pub item: String,
    pub item_name: String,
    pub item_name_en: String,
    pub department: String,
    pub window: Option<String>,
    pub status: Status,
    pub status_zh: &'static str,
    pub status_en: &'static str,
    pub colour: Colour,
    /// The deadline (none before acceptance or while the clock is stopped).
    pub deadline: Option<NaiveDate>,
    /// Working days: the limit, used (stopped time left out), left (0 once
    /// used up) and past the limit.
    pub limit_days: u32,
    pub used_days: u32,
    pub days_left: u32,
    pub days_overdue: u32,
    /// The clock is stopped (补正, 挂起).
    pub paused: bool,
    /// The step being handled.
    pub step: Option<StepOnBoard>,
}

/// The whole board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub counts: Tally,
    /// Red first, then yellow, then green; earliest deadline first.
    pub cases: Vec<CaseOnBoard>,
    /// Per department, in configuration order (only those with cases).
    pub departments: Vec<Group>,
    /// Per window, in configuration order (only those with cases).
    pub windows: Vec<Group>,
}

fn or_zh(en: &str, zh: &str) -> String {
    if en.is_empty() { zh } else { en }.to_string()
}

/// The board of `listings` (open cases with their supervision; a case
/// whose supervision could not be computed — no holiday notice for a
/// year it needs — is left out and logged by the case actor).
pub fn board(listings: &[CaseListing], cfg: &HallConfig) -> Board {
    let mut counts = Tally::default();
    let mut depts: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut windows: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut cases = Vec::new();
    for l in listings.iter().filter(|l| l.case.status.is_open()) {
        let Some(sup) = &l.supervision else { continue };
        let c = &l.case;
        counts.add(sup.colour);
        depts.entry(&c.department).or_default().add(sup.colour);
        windows
            .entry(c.window.as_deref().unwrap_or(""))
            .or_default()
            .add(sup.colour);
        let item = cfg.item(&c.item);
        let current = c.steps.get(c.current).filter(|s| s.done_on.is_none());
        let step = current.and_then(|s| {
            sup.steps
                .iter()
                .find(|x| x.name == s.name)
                .map(|x| StepOnBoard {
                    name: s.name.clone(),
                    name_en: or_zh(&s.name_en, &s.name),
                    colour: x.colour,
                    deadline: x.deadline,
                    used_days: x.used_days,
                    limit_days: x.limit_days,
                })
        });
        cases.push(CaseOnBoard {
            number: c.number.to_string(),
            item: c.item.clone(),
            item_name: item.map_or_else(|| c.item.clone(), |i| i.name.clone()),
            item_name_en: item.map_or_else(|| c.item.clone(), |i| or_zh(&i.name_en, &i.name)),
            department: c.department.clone(),
            window: c.window.clone(),
            status: c.status,
            status_zh: c.status.zh(),
            status_en: c.status.en(),
            colour: sup.colour,
            deadline: sup.deadline,
            limit_days: sup.limit_days,
            used_days: sup.used_days,
            days_left: sup.limit_days.saturating_sub(sup.used_days),
            days_overdue: sup.used_days.saturating_sub(sup.limit_days),
            paused: sup.paused,
            step,
        });
    }
    cases.sort_by(|a, b| {
        b.colour
            .cmp(&a.colour)
            .then_with(|| a.deadline.is_none().cmp(&b.deadline.is_none()))
            .then_with(|| a.deadline.cmp(&b.deadline))
            .then_with(|| a.number.cmp(&b.number))
    });
    let departments = groups(
        cfg.departments
            .iter()
            .map(|d| (d.id.as_str(), d.name.as_str(), d.name_en.as_str())),
        depts,
    );
    let windows = groups(
        cfg.windows
            .iter()
            .map(|w| (w.id.as_str(), w.name.as_str(), w.name_en.as_str())),
        windows,
    );
    Board {
        counts,
        cases,
        departments,
        windows,
    }
}

/// The tallies as groups: the configured ones (`(id, name, name_en)`) in
/// their order, then any other id (a department or window no longer
/// configured) by id.
fn groups<'a>(
    known: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    mut tallies: BTreeMap<&str, Tally>,
) -> Vec<Group> {
    let mut out: Vec<Group> = known
        .filter_map(|(id, name, name_en)| {
            tallies.remove(id).map(|tally| Group {
                id: id.to_string(),
                name: name.to_string(),
                name_en: or_zh(name_en, name),
                tally,
            })
        })
        .collect();
    out.extend(tallies.into_iter().map(|(id, tally)| Group {
        id: id.to_string(),
        name: id.to_string(),
        name_en: id.to_string(),
        tally,
    }));
    out
}

impl App {
    /// The e-supervision board of the hall's open cases. Supervisors only:
    /// the transport checks the token (`App::supervisor`) first. Errors:
    /// [`CaseAppError::Unavailable`] when the hall is shutting down.
    pub async fn case_board(&self) -> Result<Board, CaseAppError> {
        let listings = self
            .dir
            .cases
            .send(ListCases {
                department: None,
                window: None,
                open_only: true,
            })
            .await
            .map_err(unavailable)?;
        Ok(board(&listings, &self.dir.config))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix::Actor;
    use chrono::{DateTime, Utc};
    use tingwu_actors::case::{CaseActor, TakeIn};
    use tingwu_actors::core::case::{Actor as Person, Applicant, SealedApplicant};
    use tingwu_actors::store::memory_store;

    use super::*;

    /// Once set, the board's clock reads Wednesday 2 December, 10:00.
    static NEXT_DAY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    /// 1 December, or 2 December once `NEXT_DAY` is set.
    fn dec_1_then_2() -> DateTime<Utc> {
        let day = if NEXT_DAY.load(std::sync::atomic::Ordering::SeqCst) {
            "2026-12-02T10:00:00+08:00"
        } else {
            "2026-12-01T10:00:00+08:00"
        };
        DateTime::parse_from_rfc3339(day)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn take_in(item: &str, window: &str) -> TakeIn {
        TakeIn {
            item: item.into(),
            applicant: Applicant::person("11010519491231002X", "张三", None).unwrap(),
            sealed: SealedApplicant {
                id: "s".into(),
                name: "s".into(),
                phone: None,
            },
            provided: vec![
                "食品经营许可申请书".into(),
                "营业执照".into(),
                "经营场所平面图".into(),
                "食品安全管理制度".into(),
            ],
            green: false,
            on_the_spot: true,
            window: Some(window.into()),
            ticket: None,
            by: Person::staff("S01"),
            key: None,
            fingerprint: None,
        }
    }

    #[actix::test]
    async fn red_first_then_yellow_then_green_with_tallies_by_department_and_window() {
        let mut cfg = HallConfig::demo().unwrap();
        let food = cfg.item("food-license").unwrap().clone();
        let mut one = food.clone();
        one.id = "one-day".into();
        one.promise_days = 1;
        if let Some(c) = one.case.as_mut() {
            c.steps.clear();
            c.green_promise_days = None;
        }
        cfg.items.push(one);
        let cfg = Arc::new(cfg);
        let cases = CaseActor::new(cfg.clone(), memory_store(0), Vec::new())
            .with_clock(dec_1_then_2)
            .start();
        // A 10-day case and a 1-day case taken in on 1 December at windows
        // 5 and 6; on 2 December, the 1-day case's last day, it is yellow
        // and the other green.
        let green = cases
            .send(take_in("food-license", "5"))
            .await
            .unwrap()
            .unwrap();
        let yellow = cases.send(take_in("one-day", "6")).await.unwrap().unwrap();
        NEXT_DAY.store(true, std::sync::atomic::Ordering::SeqCst);
        let listings = cases
            .send(ListCases {
                department: None,
                window: None,
                open_only: true,
            })
            .await
            .unwrap();
        let b = board(&listings, &cfg);
        assert_eq!(
            b.counts,
            Tally {
                red: 0,
                yellow: 1,
                green: 1
            }
        );
        let order: Vec<(&str, Colour)> = b
            .cases
            .iter()
            .map(|c| (c.number.as_str(), c.colour))
            .collect();
        assert_eq!(
            order,
            [
                (yellow.number().as_str(), Colour::Yellow),
                (green.number().as_str(), Colour::Green)
            ]
        );
        let y = &b.cases[0];
        assert_eq!((y.days_left, y.limit_days), (0, 1), "its last day");
        assert_eq!(
            y.deadline.map(|d| d.to_string()).as_deref(),
            Some("2026-12-02")
        );
        assert_eq!(
            b.cases[1].step.as_ref().map(|s| s.name.as_str()),
            Some("受理")
        );
        assert_eq!(b.departments.len(), 1);
        assert_eq!(b.departments[0].id, "amr");
        assert_eq!(
            (b.departments[0].tally.yellow, b.departments[0].tally.green),
            (1, 1)
        );
        let windows: Vec<(&str, Tally)> =
            b.windows.iter().map(|w| (w.id.as_str(), w.tally)).collect();
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[0].1.green + windows[1].1.green, 1);
    }
}
