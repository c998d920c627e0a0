//! E-supervision warnings (电子监察预警): which alarms a case warrants on a
//! day, as a pure function of the case, its [`CaseSupervision`] and the
//! calendar. The case actor raises what this returns and clears what it
//! no longer returns (`tingwu_actors::case::watch`).
//!
//! The rule (the centre's e-supervision method; issue 10 "E-supervision"):
//!
//! - the case's limit, its current step's limit and, once decided, the
//!   delivery's (《行政许可法》第四十四条) are each watched; one that is
//!   yellow (黄牌: the item's warning point reached — by default 80 % of the
//!   limit used or two working days left, `[items.case] warn_percent` /
//!   `warn_days_left`) raises a `case_deadline_yellow` warning, one that is
//!   red (红牌: past its deadline) a `case_deadline_red` error;
//! - while the clock stands still (补正, 挂起: 第四十五条) time used does not
//!   grow, so no yellow warning is given; a limit already passed stays red;
//! - a step that is done, a case that is decided (its delivery then
//!   watched) and a closed case (送达, 终止) warrant nothing.
//!
//! Alarm ids name the case, what is watched and the colour
//! (`case/{number}/deadline/yellow`, `case/{number}/step/{i}/red`,
//! `case/{number}/delivery/red`), so a case turning red clears its yellow
//! alarm and raises a new, unacknowledged red one.

use chrono::NaiveDate;

use super::state::{Case, Status};
use super::supervision::{colour, CaseSupervision, Colour};
use crate::alarm::{Alarm, AlarmKind};
use crate::calendar::{Calendar, CalendarError};
use crate::config::cases::CORRECTION_NOTICE_DAYS;

/// What a warning is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The case's own limit (before acceptance: the 5 working days to
    /// accept, 第三十二条).
    Case,
    /// Step `index` (from 0), with its names.
    Step {
        index: usize,
        name: String,
        name_en: String,
    },
    /// Delivery after the decision (第四十四条).
    Delivery,
}

/// One warning a case warrants today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is about.
    pub target: Target,
    /// Yellow or red (never green).
    pub colour: Colour,
    /// The deadline (none while a stop holds the clock).
    pub deadline: Option<NaiveDate>,
    /// Working days left (0 once red).
    pub days_left: u32,
    /// Working days past the limit (0 while yellow; 0 on a rest day right
    /// after the deadline).
    pub days_overdue: u32,
}

/// The warnings `case` warrants on `today`, given its supervision `sup`
/// of that day (`supervision::supervise`). Errors:
/// [`CalendarError::MissingYear`].
pub fn warnings(
    case: &Case,
    sup: &CaseSupervision,
    today: NaiveDate,
    cal: &Calendar,
) -> Result<Vec<Warning>, CalendarError> {
    let mut out = Vec::new();
    let paused = sup.paused;
    let keep = |c: Colour| c == Colour::Red || (c == Colour::Yellow && !paused);
    if case.status.is_open() {
        let (deadline, used, limit) = match case.accepted_on {
            Some(_) => (sup.deadline, sup.used_days, sup.limit_days),
            None => (
                Some(cal.add_working_days(case.received_on, CORRECTION_NOTICE_DAYS)?),
                cal.working_days_between(case.received_on, today)?,
                CORRECTION_NOTICE_DAYS,
            ),
        };
        if keep(sup.colour) {
            out.push(warning(Target::Case, sup.colour, deadline, used, limit));
        }
        let started = case
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.started_on.is_some());
        for ((index, step), s) in started.zip(&sup.steps) {
            if index == case.current && step.done_on.is_none() && keep(s.colour) {
                let target = Target::Step {
                    index,
                    name: step.name.clone(),
                    name_en: step.name_en.clone(),
                };
                out.push(warning(
                    target,
                    s.colour,
                    s.deadline,
                    s.used_days,
                    s.limit_days,
                ));
            }
        }
    } else if case.status == Status::Completed && case.delivery.is_none() {
        if let (Some(decided), Some(due)) = (case.completed_on, case.delivery_due) {
            let used = cal.working_days_between(decided, today)?;
            let limit = case.rules.delivery_days;
            let c = colour(used, limit, Some(due), today, case.rules.warn);
            if c != Colour::Green {
                out.push(warning(Target::Delivery, c, Some(due), used, limit));
            }
        }
    }
    Ok(out)
}

fn warning(
    target: Target,
    colour: Colour,
    deadline: Option<NaiveDate>,
    used: u32,
    limit: u32,
) -> Warning {
    Warning {
        target,
        colour,
        deadline,
        days_left: if colour == Colour::Red {
            0
        } else {
            limit.saturating_sub(used)
        },
        days_overdue: if colour == Colour::Red {
            used.saturating_sub(limit)
        } else {
            0
        },
    }
}

impl Warning {
    /// The alarm id: `case/{number}/deadline|step/{i}|delivery/{colour}`.
    pub fn alarm_id(&self, number: &str) -> String {
        let what = match &self.target {
            Target::Case => "deadline".to_string(),
            Target::Step { index, .. } => format!("step/{index}"),
            Target::Delivery => "delivery".to_string(),
        };
        let colour = if self.colour == Colour::Red {
            "red"
        } else {
            "yellow"
        };
        format!("case/{number}/{what}/{colour}")
    }

    /// The alarm to raise for case `number`: kind and severity by colour
    /// (yellow a warning, red an error), source `case/{number}`, zh/en
    /// messages naming the deadline and the working days left or overdue.
    pub fn alarm(&self, number: &str) -> Alarm {
        let (what_zh, what_en) = match &self.target {
            Target::Case => ("办件".to_string(), "Case".to_string()),
            Target::Step { name, name_en, .. } => (
                format!("办件“{name}”环节"),
                format!(
                    "Case step \"{}\"",
                    if name_en.is_empty() { name } else { name_en }
                ),
            ),
            Target::Delivery => ("办件送达".to_string(), "Delivery of case".to_string()),
        };
        let (due_zh, due_en) = match self.deadline {
            Some(d) => (format!("期限 {d}"), format!("due {d}")),
            None => ("计时暂停".to_string(), "clock stopped".to_string()),
        };
        let (kind, zh, en) = if self.colour == Colour::Red {
            let (o_zh, o_en) = if self.days_overdue > 0 {
                (
                    format!("已逾期 {} 个工作日", self.days_overdue),
                    format!("{} working days overdue", self.days_overdue),
                )
            } else {
                ("已超过期限".to_string(), "past its deadline".to_string())
            };
            (
                AlarmKind::CaseDeadlineRed,
                format!("红牌：{what_zh} {number} {o_zh}（{due_zh}）"),
                format!("Red: {what_en} {number} {o_en} ({due_en})"),
            )
        } else {
            (
                AlarmKind::CaseDeadlineYellow,
                format!(
                    "黄牌预警：{what_zh} {number} 剩余 {} 个工作日（{due_zh}）",
                    self.days_left
                ),
                format!(
                    "Yellow: {what_en} {number} has {} working days left ({due_en})",
                    self.days_left
                ),
            )
        };
        kind.alarm(self.alarm_id(number), format!("case/{number}"), zh, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::Severity;
    use crate::case::supervision::supervise;
    use crate::case::tests::support::{at, cal, d, food_case, staff};
    use crate::case::transition::apply;
    use crate::case::transition::suspend::{SuspendInput, SuspensionReason};
    use crate::case::Input;

    /// The acceptance step approved on 1 December: the review starts.
    fn accepted(case: Case) -> Case {
        let input = Input::ApproveStep { opinion: None };
        apply(&case, &input, &staff(), at("2026-12-01"), &cal())
            .unwrap()
            .0
    }

    fn warned(case: &Case, day: &str) -> Vec<Warning> {
        let sup = supervise(case, d(day), &cal()).unwrap();
        warnings(case, &sup, d(day), &cal()).unwrap()
    }

    #[test]
    fn yellow_then_red_for_the_case_and_its_step_with_their_alarms() {
        // Taken in Tuesday 1 December 2026: 10 working days, due 15 December;
        // the review step (6 working days) is current, due 9 December.
        let case = food_case("2026-12-01");
        // The acceptance step (0 days) not approved on its day is red.
        let w = warned(&case, "2026-12-02");
        assert_eq!(w.len(), 1);
        assert!(matches!(w[0].target, Target::Step { index: 0, .. }));
        assert_eq!((w[0].colour, w[0].days_overdue), (Colour::Red, 1));
        let case = accepted(case);
        assert!(warned(&case, "2026-12-02").is_empty());
        // 7 December: 4 of the review's 6 used — two days left: yellow.
        let w = warned(&case, "2026-12-07");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(matches!(w[0].target, Target::Step { index: 1, .. }));
        assert_eq!((w[0].colour, w[0].days_left), (Colour::Yellow, 2));
        let a = w[0].alarm("demo-20261201-000001");
        assert_eq!(a.id, "case/demo-20261201-000001/step/1/yellow");
        assert_eq!(a.kind, "case_deadline_yellow");
        assert_eq!(a.severity, Severity::Warning);
        assert!(a.message_zh.contains("审查") && a.message_zh.contains("2026-12-09"));
        assert!(a.message_en.contains("Review") && a.message_en.contains("2 working days left"));
        // 10 December: the step is red (1 day overdue), the case yellow
        // (7 of 10 used, 3 left: not yet — 80 % is 8).
        let w = warned(&case, "2026-12-10");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!((w[0].colour, w[0].days_overdue), (Colour::Red, 1));
        let a = w[0].alarm("N");
        assert_eq!(
            (a.id.as_str(), a.severity),
            ("case/N/step/1/red", Severity::Error)
        );
        assert!(a.message_en.contains("1 working days overdue"), "{a:?}");
        // 11 December: 8 of 10 used: the case turns yellow too.
        let w = warned(&case, "2026-12-11");
        assert_eq!(w.len(), 2);
        assert_eq!((&w[0].target, w[0].colour), (&Target::Case, Colour::Yellow));
        // 16 December: the case is red.
        let w = warned(&case, "2026-12-16");
        assert_eq!((&w[0].target, w[0].colour), (&Target::Case, Colour::Red));
        assert_eq!(w[0].alarm("N").id, "case/N/deadline/red");
    }

    #[test]
    fn no_yellow_while_suspended() {
        let case = accepted(food_case("2026-12-01"));
        let (case, _) = apply(
            &case,
            &Input::Suspend(SuspendInput {
                reason: SuspensionReason::Hearing,
                detail: "听证".into(),
                written_notice: "N1".into(),
            }),
            &staff(),
            at("2026-12-07"),
            &cal(),
        )
        .unwrap();
        assert!(warned(&case, "2026-12-08").is_empty(), "suspended");
        assert!(warned(&case, "2026-12-31").is_empty(), "suspended");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever the day of intake, of the suspension and of the look:
        /// while the clock stands still no yellow is given, every warning
        /// is yellow or red, and each names its own alarm.
        #[test]
        fn no_yellow_while_the_clock_stands_still(
            start in 0i64..250,
            stop_after in 0i64..20,
            look_after in 0i64..60,
        ) {
            let day0 = d("2026-01-05") + chrono::Duration::days(start);
            let case = food_case(&day0.to_string());
            let input = Input::ApproveStep { opinion: None };
            let (case, _) = apply(&case, &input, &staff(), at(&day0.to_string()), &cal()).unwrap();
            let stop = day0 + chrono::Duration::days(stop_after);
            let suspend = Input::Suspend(SuspendInput {
                reason: SuspensionReason::Testing,
                detail: "检测".into(),
                written_notice: "N".into(),
            });
            let (case, _) = apply(&case, &suspend, &staff(), at(&stop.to_string()), &cal()).unwrap();
            let look = stop + chrono::Duration::days(look_after);
            let w = warned(&case, &look.to_string());
            proptest::prop_assert!(w.iter().all(|w| w.colour == Colour::Red), "{w:?}");
            let ids: std::collections::BTreeSet<String> = w.iter().map(|w| w.alarm_id("N")).collect();
            proptest::prop_assert_eq!(ids.len(), w.len());
        }
    }
}
