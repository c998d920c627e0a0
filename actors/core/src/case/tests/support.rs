//! Shared helpers: the demo hall's case items, applicants, days.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::calendar::Calendar;
use crate::case::transition::intake::{intake, Intake};
use crate::case::{Actor, Applicant, Case, CaseNumber, Now};
use crate::config::{HallConfig, ItemConfig};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 10:00 in Shanghai on `date`.
pub fn at(date: &str) -> Now {
    let day = d(date);
    Now {
        at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap()),
        date: day,
    }
}

pub fn cal() -> Calendar {
    Calendar::official()
}

pub fn item(id: &str) -> ItemConfig {
    HallConfig::demo().unwrap().item(id).unwrap().clone()
}

pub fn staff() -> Actor {
    Actor::staff("s01")
}

pub fn boss() -> Actor {
    Actor::supervisor("director")
}

pub fn person() -> Applicant {
    Applicant::person("11010519491231002X", "张三", Some("13812345678")).unwrap()
}

pub fn number(date: &str, seq: u32) -> CaseNumber {
    CaseNumber::new("demo", d(date), seq).unwrap()
}

pub fn intake_of(date: &str, provided: &[&str], on_the_spot: bool) -> Intake {
    Intake {
        number: number(date, 1),
        applicant: person(),
        provided: provided.iter().map(|s| s.to_string()).collect(),
        green: false,
        on_the_spot,
        window: Some("W01".into()),
        ticket: None,
    }
}

/// The food licence's four required materials.
pub const FOOD_ALL: [&str; 4] = [
    "食品经营许可申请书",
    "营业执照",
    "经营场所平面图",
    "食品安全管理制度",
];

/// A food-licence case (promise 10 working days, four steps) accepted on
/// the spot on `date` with every material.
pub fn food_case(date: &str) -> Case {
    intake(
        &item("food-license"),
        &intake_of(date, &FOOD_ALL, true),
        &staff(),
        at(date),
        &cal(),
    )
    .unwrap()
    .0
}

/// An item like the food licence promising `days` in one step.
pub fn item_promising(days: u32) -> ItemConfig {
    let mut it = item("food-license");
    it.promise_days = days;
    if let Some(c) = it.case.as_mut() {
        c.steps.clear();
        c.green_promise_days = None;
    }
    it
}
