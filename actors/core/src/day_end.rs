//! The end of a hall day (DESIGN: "The end of a hall day follows one
//! explicit rule for tickets still waiting (closed with a status, or carried
//! over where the hall runs 24 hours), shown the same way everywhere";
//! issue 8, item 7).
//!
//! The hall chooses the rule with `[calling] day_end`. [`end_day`] applies it
//! to the tickets of earlier days still `waiting`: the queue actors call it
//! when the day turns while the server runs, and at start-up for days that
//! ended while it was down.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ticket::{Ticket, TicketStatus};

/// What happens to tickets still waiting when their hall day ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayEnd {
    /// They end as [`TicketStatus::Expired`] (已过期（当日未办理）), finished at
    /// the moment the rule ran. The default.
    #[default]
    Close,
    /// They keep waiting in their line into the new day, ahead of the new
    /// day's arrivals (their arrival stamps are older); their ids keep their
    /// day, so they stay unique while numbering restarts at 001. For halls
    /// that run 24 hours.
    CarryOver,
}

/// The rule's result for the tickets it was given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayEndOutcome {
    /// Closed: each is the input ticket with `status = Expired` and
    /// `finished_at = now`; to be committed.
    pub expired: Vec<Ticket>,
    /// Carried over unchanged: they still wait.
    pub carried: Vec<Ticket>,
}

impl DayEndOutcome {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.expired.is_empty() && self.carried.is_empty()
    }
}

/// True for a ticket the rule applies to: still waiting, and of a hall day
/// before `today` (`YYYYMMDD`, compared as the keys sort).
pub fn unfinished(t: &Ticket, today: &str) -> bool {
    t.status == TicketStatus::Waiting && t.day.as_str() < today
}

/// Applies `rule` to the [`unfinished`] tickets among `tickets`; any other
/// ticket (of today, or no longer waiting) is left out of the outcome
/// untouched.
pub fn end_day<'a>(
    rule: DayEnd,
    today: &str,
    tickets: impl IntoIterator<Item = &'a Ticket>,
    now: DateTime<Utc>,
) -> DayEndOutcome {
    let mut out = DayEndOutcome::default();
    for t in tickets.into_iter().filter(|t| unfinished(t, today)) {
        match rule {
            DayEnd::Close => {
                let mut closed = t.clone();
                closed.status = TicketStatus::Expired;
                closed.finished_at = Some(now);
                out.expired.push(closed);
            }
            DayEnd::CarryOver => out.carried.push(t.clone()),
        }
    }
    out
}

/// How many hall days back start-up looks for tickets left waiting when
/// no earlier start-up has closed the days before (`keys::DAY_END_DONE`):
/// a bound on the start-up read, a week of days.
pub const LOOKBACK_DAYS: u64 = 7;

fn parse_day(day: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y%m%d").ok()
}

/// The hall day before `day` (both `YYYYMMDD`); `None` if `day` is not one.
pub fn day_before(day: &str) -> Option<String> {
    let d = parse_day(day)?.checked_sub_days(Days::new(1))?;
    Some(crate::day::day_key(d))
}

/// The earlier hall days start-up reads for tickets left waiting, oldest
/// first: the [`LOOKBACK_DAYS`] days before `today`, minus those up to
/// `done` (the last day already closed). Empty if `today` is not a day.
pub fn days_to_check(today: &str, done: Option<&str>) -> Vec<String> {
    let Some(t) = parse_day(today) else {
        return Vec::new();
    };
    (1..=LOOKBACK_DAYS)
        .rev()
        .filter_map(|n| t.checked_sub_days(Days::new(n)))
        .map(crate::day::day_key)
        .filter(|d| done.is_none_or(|done| d.as_str() > done))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn ticket(day: &str, seq: u32, status: TicketStatus) -> Ticket {
        Ticket {
            id: format!("{day}-A{seq:03}"),
            day: day.into(),
            queue: "A".into(),
            seq,
            number: format!("A{seq:03}"),
            item: None,
            channel: Default::default(),
            priority: Default::default(),
            status,
            issued_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
            arrival: i64::from(seq),
            window: None,
            called_at: None,
            started_at: None,
            finished_at: None,
            personal: Default::default(),
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 1).unwrap()
    }

    #[test]
    fn close_expires_yesterdays_waiting_tickets_only() {
        let tickets = [
            ticket("20261129", 1, TicketStatus::Waiting),
            ticket("20261129", 2, TicketStatus::Done),
            ticket("20261130", 1, TicketStatus::Waiting),
        ];
        let out = end_day(DayEnd::Close, "20261130", &tickets, now());
        assert_eq!(out.expired.len(), 1);
        assert!(out.carried.is_empty());
        let e = &out.expired[0];
        assert_eq!(e.id, "20261129-A001");
        assert_eq!(e.status, TicketStatus::Expired);
        assert_eq!(e.finished_at, Some(now()));
    }

    #[test]
    fn start_up_reads_a_bounded_run_of_days_after_the_last_closed() {
        assert_eq!(day_before("20261201").as_deref(), Some("20261130"));
        assert_eq!(day_before("junk"), None);
        let all = days_to_check("20261130", None);
        assert_eq!(all.len(), LOOKBACK_DAYS as usize);
        assert_eq!(all.first().map(String::as_str), Some("20261123"));
        assert_eq!(all.last().map(String::as_str), Some("20261129"));
        assert_eq!(days_to_check("20261130", Some("20261128")), ["20261129"]);
        assert!(days_to_check("20261130", Some("20261129")).is_empty());
        assert!(days_to_check("x", None).is_empty());
    }

    #[test]
    fn carry_over_keeps_them_waiting_unchanged() {
        let tickets = [ticket("20261129", 1, TicketStatus::Waiting)];
        let out = end_day(DayEnd::CarryOver, "20261130", &tickets, now());
        assert!(out.expired.is_empty());
        assert_eq!(out.carried, tickets.to_vec());
    }

    #[test]
    fn the_default_rule_closes_and_reads_from_config_words() {
        assert_eq!(DayEnd::default(), DayEnd::Close);
        #[derive(Deserialize)]
        struct C {
            day_end: DayEnd,
        }
        let c: C = toml::from_str(r#"day_end = "carry_over""#).unwrap();
        assert_eq!(c.day_end, DayEnd::CarryOver);
        assert!(toml::from_str::<C>(r#"day_end = "keep""#).is_err());
    }

    #[test]
    fn the_expired_status_is_labelled_in_both_languages() {
        assert_eq!(
            TicketStatus::Expired.label(),
            ("已过期（当日未办理）", "expired — not served that day")
        );
        assert_eq!(
            serde_json::to_string(&TicketStatus::Expired).unwrap(),
            "\"expired\""
        );
    }

    fn status() -> impl Strategy<Value = TicketStatus> {
        prop_oneof![
            Just(TicketStatus::Waiting),
            Just(TicketStatus::Called),
            Just(TicketStatus::Serving),
            Just(TicketStatus::Done),
            Just(TicketStatus::NoShow),
            Just(TicketStatus::Parked),
            Just(TicketStatus::Expired),
        ]
    }

    proptest! {
        /// Every waiting ticket of an earlier day ends in exactly one of the
        /// two outcomes, as the rule says; nothing else is touched.
        #[test]
        fn every_unfinished_ticket_gets_exactly_one_outcome(
            spec in proptest::collection::vec((0u8..3, status()), 0..40),
            carry in any::<bool>(),
        ) {
            let days = ["20261128", "20261129", "20261130"];
            let tickets: Vec<Ticket> = spec
                .iter()
                .enumerate()
                .map(|(i, (d, s))| ticket(days[usize::from(*d)], i as u32 + 1, *s))
                .collect();
            let rule = if carry { DayEnd::CarryOver } else { DayEnd::Close };
            let out = end_day(rule, "20261130", &tickets, now());
            for t in &tickets {
                let in_expired = out.expired.iter().filter(|e| e.id == t.id).count();
                let in_carried = out.carried.iter().filter(|c| c.id == t.id).count();
                if unfinished(t, "20261130") {
                    prop_assert_eq!(in_expired + in_carried, 1);
                    if carry {
                        prop_assert_eq!(in_carried, 1);
                    } else {
                        let e = out.expired.iter().find(|e| e.id == t.id).unwrap();
                        let mut back = e.clone();
                        back.status = t.status;
                        back.finished_at = t.finished_at;
                        prop_assert_eq!(&back, t, "only status and finished_at change");
                        prop_assert_eq!(e.status, TicketStatus::Expired);
                    }
                } else {
                    prop_assert_eq!(in_expired + in_carried, 0);
                }
            }
            prop_assert!(out.carried.iter().all(|c| tickets.contains(c)));
        }
    }
}
