//! E-supervision at work (issue 10, acceptance 4): the case actor on an
//! injected clock raises yellow and red alarms through the real alarm
//! actor on the right days — across the 2026 Spring Festival (春节, 15–23
//! February; make-up working days Saturday 14 and Saturday 28 February;
//! 国务院办公厅关于2026年部分节假日安排的通知) and with a suspension in
//! between — and clears them when the case moves on.
//!
//! Each test has its own clock (`CLOCKS[n]`), so tests in parallel never
//! share a day.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, TimeZone, Utc};

use super::{Act, CaseActor, ColourCounts, Sweep, TakeIn};
use crate::alarm::{AlarmActor, AlarmView, GetAlarms, Severity};
use crate::config::HallConfig;
use crate::core::case::transition::suspend::{SuspendInput, SuspensionReason};
use crate::core::case::{Actor as Person, Applicant, Input, SealedApplicant};
use crate::store::memory_store;

static CLOCKS: [AtomicI64; 3] = [AtomicI64::new(0), AtomicI64::new(0), AtomicI64::new(0)];

fn now<const N: usize>() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(CLOCKS[N].load(Ordering::SeqCst))
        .single()
        .unwrap_or_default()
}

/// Test `n`'s clock to 10:00 Beijing time on `day`.
fn set_day(n: usize, day: &str) {
    let t = DateTime::parse_from_rfc3339(&format!("{day}T10:00:00+08:00")).unwrap();
    CLOCKS[n].store(t.timestamp_millis(), Ordering::SeqCst);
}

/// The demo hall with two more items like the food licence in one step
/// (办理): `promise-5` (5 working days: two days left comes before 80 %)
/// and `promise-20` (20: 80 % comes first). Default warning point.
fn hall() -> Arc<HallConfig> {
    let mut cfg = HallConfig::demo().unwrap();
    let food = cfg.item("food-license").unwrap().clone();
    for days in [5, 20] {
        let mut it = food.clone();
        it.id = format!("promise-{days}");
        it.promise_days = days;
        if let Some(c) = it.case.as_mut() {
            c.steps.clear();
            c.green_promise_days = None;
        }
        cfg.items.push(it);
    }
    Arc::new(cfg)
}

struct Hall {
    cases: Addr<CaseActor>,
    alarms: Addr<AlarmActor>,
    clock: usize,
}

fn start<const N: usize>(day: &str) -> Hall {
    set_day(N, day);
    let store = memory_store(0);
    let alarms = AlarmActor::new(store.clone()).start();
    let cases = CaseActor::new(hall(), store, Vec::new())
        .with_clock(now::<N>)
        .with_alarms(alarms.clone())
        .start();
    Hall {
        cases,
        alarms,
        clock: N,
    }
}

impl Hall {
    async fn take_in(&self, item: &str) -> String {
        let r = self
            .cases
            .send(TakeIn {
                item: item.into(),
                applicant: Applicant::person("11010519491231002X", "张三", None).unwrap(),
                sealed: SealedApplicant {
                    id: "sealed".into(),
                    name: "sealed".into(),
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
                window: Some("5".into()),
                ticket: None,
                by: Person::staff("S01"),
                key: None,
                fingerprint: None,
            })
            .await
            .unwrap()
            .unwrap();
        r.number()
    }

    async fn act(&self, number: &str, input: Input) {
        self.cases
            .send(Act {
                number: number.into(),
                input,
                by: Person::staff("S01"),
                departments: None,
                key: None,
            })
            .await
            .unwrap()
            .unwrap();
    }

    /// Sets the clock to `day`, sweeps, and answers the open case-level
    /// alarms of `number` (`deadline/yellow|red`) and the counts.
    async fn on(&self, day: &str, number: &str) -> (Vec<AlarmView>, ColourCounts) {
        set_day(self.clock, day);
        let counts = self.cases.send(Sweep).await.unwrap();
        (self.case_alarms(number).await, counts)
    }

    async fn case_alarms(&self, number: &str) -> Vec<AlarmView> {
        let prefix = format!("case/{number}/deadline/");
        self.alarms
            .send(GetAlarms)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.id.starts_with(&prefix))
            .collect()
    }

    async fn any_alarms(&self, number: &str) -> Vec<String> {
        let prefix = format!("case/{number}/");
        self.alarms
            .send(GetAlarms)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.id.starts_with(&prefix))
            .map(|a| a.id)
            .collect()
    }
}

fn colour_of(alarms: &[AlarmView]) -> &'static str {
    match alarms {
        [] => "green",
        [a] if a.kind == "case_deadline_yellow" && a.severity == Severity::Warning => "yellow",
        [a] if a.kind == "case_deadline_red" && a.severity == Severity::Error => "red",
        _ => "more than one",
    }
}

#[actix::test]
async fn a_twenty_day_promise_across_the_spring_festival_turns_yellow_at_80_percent_and_red_the_day_after_its_deadline(
) {
    let h = start::<0>("2026-02-03");
    // Tuesday 3 February 2026. Working days after it: 4–6, 9–13, 14 (make-
    // up), then 24–27, 28 (make-up): 14; 2–6 March: 19; 9 March: 20.
    let n = h.take_in("promise-20").await;
    for (day, expected) in [
        ("2026-02-13", "green"),
        ("2026-02-20", "green"),  // the festival: no working day passes
        ("2026-03-02", "green"),  // 15 of 20 used
        ("2026-03-03", "yellow"), // 16 of 20: 80 % (4 days left)
        ("2026-03-09", "yellow"), // the deadline itself
        ("2026-03-10", "red"),    // the first day after it
    ] {
        let (alarms, _) = h.on(day, &n).await;
        assert_eq!(colour_of(&alarms), expected, "{day}: {alarms:?}");
        if expected == "yellow" && day == "2026-03-03" {
            let a = &alarms[0];
            assert_eq!(a.id, format!("case/{n}/deadline/yellow"));
            assert_eq!(a.source, format!("case/{n}"));
            assert!(a.message_zh.contains("剩余 4 个工作日"), "{a:?}");
            assert!(a.message_zh.contains("2026-03-09"), "{a:?}");
            assert!(a.message_en.contains("4 working days left"), "{a:?}");
        }
        if expected == "red" {
            assert!(
                alarms[0].message_en.contains("1 working days overdue"),
                "{alarms:?}"
            );
            assert!(
                alarms[0].message_zh.contains("已逾期 1 个工作日"),
                "{alarms:?}"
            );
        }
    }
    // The step (办理, the same 20 days) is red too.
    assert!(h
        .any_alarms(&n)
        .await
        .contains(&format!("case/{n}/step/0/red")));

    // Decided on 10 March: the case's and the step's alarms clear (the
    // delivery's 10 working days have just begun).
    h.act(&n, Input::ApproveStep { opinion: None }).await;
    assert_eq!(h.any_alarms(&n).await, Vec::<String>::new());
    let (_, counts) = h.on("2026-03-11", &n).await;
    assert_eq!(counts, ColourCounts::default(), "no open case");
}

#[actix::test]
async fn a_five_day_promise_turns_yellow_at_two_days_left_and_a_suspension_across_the_festival_holds_it_back(
) {
    let h = start::<1>("2026-02-11");
    // Wednesday 11 February 2026, two cases of 5 working days: 12, 13, 14
    // (make-up Saturday), then 24 and 25 February after the festival.
    let plain = h.take_in("promise-5").await;
    let held = h.take_in("promise-5").await;
    let (alarms, counts) = h.on("2026-02-12", &plain).await;
    assert_eq!(colour_of(&alarms), "green");
    assert_eq!(counts.green, 2);

    // Friday 13 February (2 used, 3 left): the second case is suspended
    // for an inspection (检验, art. 45).
    let (alarms, _) = h.on("2026-02-13", &plain).await;
    assert_eq!(colour_of(&alarms), "green");
    h.act(
        &held,
        Input::Suspend(SuspendInput {
            reason: SuspensionReason::Inspection,
            detail: "产品检验".into(),
            written_notice: "检验告知书2026-07".into(),
        }),
    )
    .await;

    // Saturday 14 February, a make-up working day: 3 of 5 used, two days
    // left — yellow (before 80 %, which would be 4). The suspended case
    // stays without a warning, also through the festival.
    let (alarms, counts) = h.on("2026-02-14", &plain).await;
    assert_eq!(colour_of(&alarms), "yellow", "{alarms:?}");
    assert!(alarms[0].message_zh.contains("剩余 2 个工作日"));
    assert!(alarms[0].message_zh.contains("2026-02-25"));
    assert_eq!((counts.green, counts.yellow), (1, 1));
    for day in ["2026-02-14", "2026-02-20", "2026-02-23"] {
        set_day(1, day);
        h.cases.send(Sweep).await.unwrap();
        assert_eq!(h.any_alarms(&held).await, Vec::<String>::new(), "{day}");
    }
    // Wednesday 25 February: the plain case's deadline (still yellow);
    // Thursday 26: red.
    let (alarms, _) = h.on("2026-02-25", &plain).await;
    assert_eq!(colour_of(&alarms), "yellow");
    let (alarms, _) = h.on("2026-02-26", &plain).await;
    assert_eq!(colour_of(&alarms), "red", "{alarms:?}");
    assert_eq!(alarms[0].id, format!("case/{plain}/deadline/red"));

    // The suspended case resumes on Tuesday 24 February (13 February's
    // stop left out 14 and 24): 25 is its 3rd day used — yellow; its
    // deadline moved to Friday 27; red on Saturday 28 (make-up).
    set_day(1, "2026-02-24");
    h.act(&held, Input::Resume).await;
    for (day, expected) in [
        ("2026-02-24", "green"),
        ("2026-02-25", "yellow"),
        ("2026-02-27", "yellow"),
        ("2026-02-28", "red"),
    ] {
        let (alarms, _) = h.on(day, &held).await;
        assert_eq!(colour_of(&alarms), expected, "{day}: {alarms:?}");
    }

    // Completed, then delivered: every alarm of both cases clears.
    for n in [&plain, &held] {
        h.act(n, Input::ApproveStep { opinion: None }).await;
        assert_eq!(h.any_alarms(n).await, Vec::<String>::new(), "{n}");
    }
}

#[actix::test]
async fn open_case_alarms_read_back_at_start_up_are_cleared_when_no_longer_warranted() {
    set_day(2, "2026-02-26");
    let store = memory_store(0);
    let alarms = AlarmActor::new(store.clone()).start();
    // A stale alarm of a case this hall no longer has open.
    let stale = crate::alarm::AlarmKind::CaseDeadlineRed.alarm(
        "case/demo-20260101-000001/deadline/red",
        "case/demo-20260101-000001",
        "红牌",
        "Red",
    );
    alarms
        .send(crate::alarm::Raise(stale))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alarms.send(GetAlarms).await.unwrap().len(), 1);
    let cases = CaseActor::new(hall(), store, Vec::new())
        .with_clock(now::<2>)
        .with_alarms(alarms.clone())
        .start();
    cases.send(Sweep).await.unwrap();
    assert!(alarms.send(GetAlarms).await.unwrap().is_empty());
}
