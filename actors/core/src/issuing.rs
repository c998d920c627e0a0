//! Ticket admission (取号): which queue a ticket request goes to, or the
//! typed reason it is refused; what makes two requests the same request
//! (idempotency); and the limit against hoarding (防黄牛: one person may take
//! `limits.per_person_per_item_per_day` tickets for an item in a hall day).
//!
//! The hall actor keeps the state these rules read (service hours, which
//! windows are open, the counts per person) and calls them for each request.
//!
//! Service hours follow the working-day calendar: with `[calendar] open_on =
//! "workdays"` (the default) an item is closed on statutory holidays and rest
//! days ([`Refusal::DayOff`], code `item_closed`; see [`crate::hours`] for the
//! sources), and a date the calendar has no notice for is refused
//! [`Refusal::NoCalendar`] rather than guessed.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::{NaiveDate, NaiveTime};

use crate::calendar::CalendarError;
use crate::config::{HallConfig, OpenOn};
use crate::hours::{self, DayOff, ServiceHours};
use crate::ticket::{Channel, Personal, Priority, Ticket};

/// Why a ticket request is refused before any queue sees it. Messages are
/// shown to citizens and staff as they are (zh-CN with the English gist).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("unknown service item {0:?} (事项不存在)")]
    UnknownItem(String),
    #[error("unknown queue {0:?} (队列不存在)")]
    UnknownQueue(String),
    #[error("{item} is not served at this time; service hours are {hours} (不在办理时间)")]
    ItemClosed { item: String, hours: String },
    #[error("{item} 今日不办理：{off_zh}（不在办理时间） / {item} is not served today: {off_en}", off_zh = off.zh(), off_en = off.en())]
    DayOff { item: String, off: DayOff },
    #[error("今日无法确定是否为工作日，暂停取号 / tickets are paused: {0}")]
    NoCalendar(CalendarError),
    #[error("every window for {item} is closed (该事项窗口均已停用)")]
    NoOpenWindow { item: String },
    #[error("give either \"item\" or \"queue\", not both or neither")]
    ItemOrQueue,
    #[error("this Idempotency-Key was used for a different request (幂等键已用于其他请求)")]
    IdempotencyMismatch,
    #[error("one person may take {limit} tickets for this item a day; the limit is reached (今日该事项取号次数已达上限)")]
    LimitReached { limit: u32 },
}

/// What the admission rules read of the hall right now.
pub struct Hall<'a> {
    pub config: &'a HallConfig,
    /// Service hours by item id (items without an entry are always open).
    pub hours: &'a HashMap<String, ServiceHours>,
    /// Each window's enabled flag (a window not listed counts as enabled).
    pub enabled: &'a HashMap<String, bool>,
    /// The hall's local time of day.
    pub local_time: NaiveTime,
    /// The hall's local date (for the working-day calendar).
    pub local_date: NaiveDate,
}

impl Hall<'_> {
    /// Windows serving `queue` that are enabled.
    pub fn open_windows(&self, queue: &str) -> usize {
        self.config
            .windows_serving(queue)
            .filter(|w| self.enabled.get(&w.id).copied().unwrap_or(true))
            .count()
    }

    /// Whether an item takes tickets now: its queue, or why not.
    pub fn admit_item(&self, item: &str) -> Result<String, Refusal> {
        let Some(cfg) = self.config.item(item) else {
            return Err(Refusal::UnknownItem(item.to_string()));
        };
        if self.config.calendar.open_on == OpenOn::Workdays {
            match hours::day_off(&self.config.calendar.days, self.local_date) {
                Ok(None) => {}
                Ok(Some(off)) => {
                    return Err(Refusal::DayOff {
                        item: cfg.name.clone(),
                        off,
                    })
                }
                Err(e) => return Err(Refusal::NoCalendar(e)),
            }
        }
        if let Some(h) = self.hours.get(item) {
            if !h.is_open(self.local_time) {
                return Err(Refusal::ItemClosed {
                    item: cfg.name.clone(),
                    hours: cfg.hours.join(", "),
                });
            }
        }
        if self.open_windows(&cfg.queue) == 0 {
            return Err(Refusal::NoOpenWindow {
                item: cfg.name.clone(),
            });
        }
        Ok(cfg.queue.clone())
    }

    /// The queue a request for `item` or `queue` (exactly one of them) goes
    /// to. A request by queue skips the item's hours (staff and appointment
    /// check-ins use it) but still needs an open window.
    pub fn route(&self, item: Option<&str>, queue: Option<&str>) -> Result<String, Refusal> {
        match (item, queue) {
            (Some(item), None) => self.admit_item(item),
            (None, Some(q)) if self.config.queue(q).is_some() => {
                if self.open_windows(q) == 0 {
                    Err(Refusal::NoOpenWindow {
                        item: q.to_string(),
                    })
                } else {
                    Ok(q.to_string())
                }
            }
            (None, Some(q)) => Err(Refusal::UnknownQueue(q.to_string())),
            _ => Err(Refusal::ItemOrQueue),
        }
    }
}

/// Service hours of every item whose hours parse (validation refuses a
/// config where they do not).
pub fn hours_by_item(config: &HallConfig) -> HashMap<String, ServiceHours> {
    config
        .items
        .iter()
        .filter_map(|i| {
            ServiceHours::parse(&i.hours)
                .ok()
                .map(|h| (i.id.clone(), h))
        })
        .collect()
}

/// What makes two ticket requests the same request: item, queue, channel,
/// priority and the masked personal data (never the values themselves).
pub fn fingerprint(
    item: Option<&str>,
    queue: &str,
    channel: Channel,
    priority: Priority,
    personal: &Personal,
) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (item, queue, channel, priority).hash(&mut h);
    (&personal.phone_masked, &personal.id_masked).hash(&mut h);
    h.finish()
}

/// The fingerprint of the request that produced `t`.
pub fn fingerprint_of(t: &Ticket) -> u64 {
    fingerprint(
        t.item.as_deref(),
        &t.queue,
        t.channel,
        t.priority,
        &t.personal,
    )
}

/// What the hoarding limit counts against: the item, or the queue for a
/// request by queue.
pub fn limit_target(item: Option<&str>, queue: &str) -> String {
    match item {
        Some(item) => item.to_string(),
        None => format!("queue:{queue}"),
    }
}

/// Tickets per (person fingerprint, target) in one hall day, for the limit
/// against hoarding. A request reserves its count before the ticket is
/// issued, so requests in flight at once count too; a request that issues
/// nothing gives it back.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    day: String,
    held: HashMap<(String, String), u32>,
}

impl Holdings {
    /// Counts rebuilt from the tickets of `day` (start-up recovery).
    pub fn of_day<'a>(day: &str, tickets: impl IntoIterator<Item = &'a Ticket>) -> Self {
        let mut held = HashMap::new();
        for t in tickets.into_iter().filter(|t| t.day == day) {
            let target = limit_target(t.item.as_deref(), &t.queue);
            for h in &t.personal.holders {
                *held.entry((h.clone(), target.clone())).or_insert(0) += 1;
            }
        }
        Self {
            day: day.to_string(),
            held,
        }
    }

    /// Starts a new count when the hall's day has turned (days only move
    /// forward). True when it did.
    pub fn roll(&mut self, today: &str) -> bool {
        if today > self.day.as_str() {
            self.day = today.to_string();
            self.held.clear();
            true
        } else {
            false
        }
    }

    /// Reserves one ticket for each holder, or refuses if any of them has
    /// reached `limit` (0 = no limit) for `target`.
    pub fn reserve(&mut self, holders: &[String], target: &str, limit: u32) -> Result<(), Refusal> {
        let over = limit > 0
            && holders.iter().any(|h| {
                self.held
                    .get(&(h.clone(), target.to_string()))
                    .copied()
                    .unwrap_or(0)
                    >= limit
            });
        if over {
            return Err(Refusal::LimitReached { limit });
        }
        for h in holders {
            *self
                .held
                .entry((h.clone(), target.to_string()))
                .or_insert(0) += 1;
        }
        Ok(())
    }

    /// Gives back what [`Holdings::reserve`] took, for a request that issued
    /// no new ticket.
    pub fn release(&mut self, holders: &[String], target: &str) {
        for h in holders {
            if let Some(n) = self.held.get_mut(&(h.clone(), target.to_string())) {
                *n = n.saturating_sub(1);
            }
        }
    }

    /// Tickets `holder` holds for `target` today.
    pub fn count(&self, holder: &str, target: &str) -> u32 {
        self.held
            .get(&(holder.to_string(), target.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn demo() -> HallConfig {
        HallConfig::demo().unwrap()
    }

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// 2026-11-30, an ordinary working day.
    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn items_are_closed_on_days_off_when_the_hall_follows_working_days() {
        let mut cfg = demo();
        cfg.calendar.open_on = OpenOn::Workdays;
        let hours = hours_by_item(&cfg);
        let enabled = HashMap::new();
        let item = cfg.items[0].clone();
        let on = |cfg: &HallConfig, y: i32, m: u32, d: u32| {
            let hall = Hall {
                config: cfg,
                hours: &hours,
                enabled: &enabled,
                local_time: at(10, 0),
                local_date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            };
            (
                hall.admit_item(&item.id),
                hall.route(None, Some(&item.queue)),
            )
        };
        assert_eq!(on(&cfg, 2026, 11, 30).0, Ok(item.queue.clone()));
        // An ordinary Saturday: a rest day.
        let (refused, by_queue) = on(&cfg, 2026, 11, 28);
        let refused = refused.unwrap_err();
        assert_eq!(
            refused,
            Refusal::DayOff {
                item: item.name.clone(),
                off: DayOff::RestDay
            }
        );
        assert!(refused.to_string().contains("休息日") && refused.to_string().contains("rest day"));
        // By queue (staff, appointment check-ins) the day does not apply.
        assert_eq!(by_queue, Ok(item.queue.clone()));
        // 国务院办公厅关于2026年部分节假日安排的通知: 国庆节 10-1..10-7 off,
        // Saturday 10-10 worked.
        let holiday = on(&cfg, 2026, 10, 1).0.unwrap_err();
        assert!(
            holiday.to_string().contains("法定节假日（国庆节）"),
            "{holiday}"
        );
        assert!(holiday.to_string().contains("National Day"), "{holiday}");
        assert_eq!(on(&cfg, 2026, 10, 10).0, Ok(item.queue.clone()));
        // No notice for 2027: refused, never guessed.
        assert_eq!(
            on(&cfg, 2027, 1, 4).0,
            Err(Refusal::NoCalendar(CalendarError::MissingYear(2027)))
        );
        // A hall open every day serves on all of them.
        cfg.calendar.open_on = OpenOn::EveryDay;
        for (y, m, d) in [(2026, 11, 28), (2026, 10, 1), (2027, 1, 4)] {
            assert_eq!(on(&cfg, y, m, d).0, Ok(item.queue.clone()));
        }
    }

    #[test]
    fn items_are_admitted_within_hours_with_an_open_window() {
        let cfg = demo();
        let hours = hours_by_item(&cfg);
        let item = &cfg.items[0];
        let mut enabled = HashMap::new();
        let hall = Hall {
            config: &cfg,
            hours: &hours,
            enabled: &enabled,
            local_time: at(10, 0),
            local_date: monday(),
        };
        assert_eq!(hall.admit_item(&item.id), Ok(item.queue.clone()));
        assert_eq!(
            hall.admit_item("nope"),
            Err(Refusal::UnknownItem("nope".into()))
        );
        assert_eq!(hall.route(None, None), Err(Refusal::ItemOrQueue));
        assert_eq!(
            hall.route(Some(&item.id), Some(&item.queue)),
            Err(Refusal::ItemOrQueue)
        );
        assert_eq!(
            hall.route(None, Some("ZZ")),
            Err(Refusal::UnknownQueue("ZZ".into()))
        );
        assert_eq!(hall.route(None, Some(&item.queue)), Ok(item.queue.clone()));
        // Every window of the queue disabled: refused by item and by queue.
        for w in cfg.windows_serving(&item.queue) {
            enabled.insert(w.id.clone(), false);
        }
        let hall = Hall {
            config: &cfg,
            hours: &hours,
            enabled: &enabled,
            local_time: at(10, 0),
            local_date: monday(),
        };
        assert!(matches!(
            hall.admit_item(&item.id),
            Err(Refusal::NoOpenWindow { .. })
        ));
        assert!(matches!(
            hall.route(None, Some(&item.queue)),
            Err(Refusal::NoOpenWindow { .. })
        ));
    }

    #[test]
    fn an_item_outside_its_hours_is_closed() {
        let mut cfg = demo();
        cfg.items[0].hours = vec!["09:00-12:00".into(), "13:30-17:00".into()];
        let hours = hours_by_item(&cfg);
        let item = &cfg.items[0];
        let enabled = HashMap::new();
        let hall = Hall {
            config: &cfg,
            hours: &hours,
            enabled: &enabled,
            local_time: at(12, 30),
            local_date: monday(),
        };
        assert!(matches!(
            hall.admit_item(&item.id),
            Err(Refusal::ItemClosed { .. })
        ));
        // By queue, hours do not apply.
        assert_eq!(hall.route(None, Some(&item.queue)), Ok(item.queue.clone()));
    }

    #[test]
    fn the_same_request_has_the_same_fingerprint() {
        let p = Personal::default();
        let a = fingerprint(Some("i"), "A", Channel::Onsite, Priority::Normal, &p);
        assert_eq!(
            a,
            fingerprint(Some("i"), "A", Channel::Onsite, Priority::Normal, &p)
        );
        assert_ne!(
            a,
            fingerprint(Some("i"), "B", Channel::Onsite, Priority::Normal, &p)
        );
        let other = Personal {
            phone_masked: Some("138****0000".into()),
            ..Personal::default()
        };
        assert_ne!(
            a,
            fingerprint(Some("i"), "A", Channel::Onsite, Priority::Normal, &other)
        );
    }

    #[test]
    fn holdings_roll_forward_only() {
        let mut h = Holdings::default();
        assert!(h.roll("20261126"));
        h.reserve(&["p".into()], "i", 1).unwrap();
        assert!(!h.roll("20261125"));
        assert_eq!(h.count("p", "i"), 1);
        assert!(h.roll("20261127"));
        assert_eq!(h.count("p", "i"), 0);
        assert_eq!(limit_target(None, "A"), "queue:A");
        assert_eq!(limit_target(Some("x"), "A"), "x");
    }

    proptest! {
        /// Nobody ever holds more than the limit, however requests, refusals
        /// and give-backs interleave; with no limit nothing is refused.
        #[test]
        fn the_limit_is_never_passed(
            limit in 0u32..4,
            ops in proptest::collection::vec((0usize..3, 0usize..2, any::<bool>()), 0..60),
        ) {
            let people = ["p0", "p1", "p2"];
            let targets = ["i0", "i1"];
            let mut h = Holdings::default();
            let mut live: HashMap<(usize, usize), u32> = HashMap::new();
            for (p, t, give_back) in ops {
                let holders = vec![people[p].to_string()];
                match h.reserve(&holders, targets[t], limit) {
                    Ok(()) => {
                        if give_back {
                            h.release(&holders, targets[t]);
                        } else {
                            *live.entry((p, t)).or_insert(0) += 1;
                        }
                    }
                    Err(Refusal::LimitReached { limit: l }) => {
                        prop_assert!(limit > 0);
                        prop_assert_eq!(l, limit);
                        prop_assert_eq!(live.get(&(p, t)).copied().unwrap_or(0), limit);
                    }
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
                let n = h.count(people[p], targets[t]);
                prop_assert_eq!(n, live.get(&(p, t)).copied().unwrap_or(0));
                if limit > 0 {
                    prop_assert!(n <= limit);
                }
            }
        }
    }
}
