//! The waiting line of one queue, kept by dispatch class so that a window's
//! strategy (`core::strategy`) can see the first ticket of every class.
//!
//! Within a class the order is arrival, then number. Transfers and rejoins
//! keep or set the arrival stamp; nothing else reorders a class.

use std::collections::{BTreeMap, HashMap};

use crate::strategy::{Class, ALL_CLASSES};
use crate::ticket::{OrderKey, Ticket};

/// Position of a ticket inside its class: arrival stamp, then number.
type Slot = (i64, u32);

#[derive(Debug, Default, Clone)]
pub struct Line {
    by_class: BTreeMap<Class, BTreeMap<Slot, Ticket>>,
    /// Ticket id → where it is.
    index: HashMap<String, (Class, Slot)>,
}

/// The dispatch class of a waiting ticket.
pub fn class_of(t: &Ticket) -> Class {
    use crate::ticket::Priority;
    if t.returned {
        Class::Returned
    } else if t.priority == Priority::Green {
        Class::Green
    } else if t.appointment.is_some() {
        Class::Appointment
    } else if t.priority == Priority::Special {
        Class::Special
    } else {
        Class::Walkin
    }
}

fn key_of(class: Class, t: &Ticket) -> OrderKey {
    OrderKey {
        class: class as u8,
        arrival: t.arrival,
        seq: t.seq,
    }
}

impl Line {
    pub fn push(&mut self, ticket: Ticket) {
        let class = class_of(&ticket);
        let slot = (ticket.arrival, ticket.seq);
        if let Some((c, s)) = self.index.insert(ticket.id.clone(), (class, slot)) {
            // Pushed again (e.g. put back): drop the old place first.
            if let Some(m) = self.by_class.get_mut(&c) {
                m.remove(&s);
            }
        }
        self.by_class.entry(class).or_default().insert(slot, ticket);
    }

    /// The first ticket of each class present, in class order.
    pub fn heads(&self) -> Vec<(Class, OrderKey)> {
        self.by_class
            .iter()
            .filter_map(|(c, m)| m.values().next().map(|t| (*c, key_of(*c, t))))
            .collect()
    }

    /// Takes the first ticket of a class.
    pub fn take_class(&mut self, class: Class) -> Option<Ticket> {
        let m = self.by_class.get_mut(&class)?;
        let (_, t) = m.pop_first()?;
        self.index.remove(&t.id);
        Some(t)
    }

    /// Takes a named ticket, wherever it stands.
    pub fn take_id(&mut self, id: &str) -> Option<Ticket> {
        let (class, slot) = self.index.remove(id)?;
        self.by_class.get_mut(&class)?.remove(&slot)
    }

    pub fn get(&self, id: &str) -> Option<&Ticket> {
        let (class, slot) = self.index.get(id)?;
        self.by_class.get(class)?.get(slot)
    }

    /// Finds a waiting ticket by its number (`A023`).
    pub fn find_number(&self, number: &str) -> Option<&Ticket> {
        self.by_class
            .values()
            .flat_map(|m| m.values())
            .find(|t| t.number == number)
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// How many are served before this ticket under the default layered
    /// order (classes in order, then arrival). Blends and wait caps move
    /// people by a few places; the wait estimate accepts that.
    pub fn people_ahead(&self, id: &str) -> Option<usize> {
        let (class, slot) = self.index.get(id)?;
        let before: usize = ALL_CLASSES
            .iter()
            .take_while(|c| *c != class)
            .filter_map(|c| self.by_class.get(c))
            .map(|m| m.len())
            .sum();
        let same = self
            .by_class
            .get(class)
            .map_or(0, |m| m.range(..*slot).count());
        Some(before + same)
    }

    /// The arrival stamp that puts a ticket of `class` `places` places behind
    /// the head of that class (or at its end).
    pub fn arrival_after(&self, class: Class, places: usize) -> Option<i64> {
        let m = self.by_class.get(&class)?;
        let n = places.min(m.len());
        if n == 0 {
            return None;
        }
        m.keys().nth(n - 1).map(|(a, _)| a + 1)
    }

    pub fn clear(&mut self) {
        self.by_class.clear();
        self.index.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Ticket> {
        self.by_class.values().flat_map(|m| m.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::{Channel, Personal, Priority, TicketStatus};
    use chrono::Utc;
    use proptest::prelude::*;

    fn ticket(seq: u32, priority: Priority, arrival: i64) -> Ticket {
        Ticket {
            id: format!("20260101-A{seq:03}"),
            day: "20260101".into(),
            queue: "A".into(),
            seq,
            number: format!("A{seq:03}"),
            item: None,
            channel: Channel::Onsite,
            priority,
            status: TicketStatus::Waiting,
            issued_at: Utc::now(),
            arrival,
            window: None,
            called_at: None,
            started_at: None,
            finished_at: None,
            personal: Personal::default(),
            returned: false,
            appointment: None,
            recalls: 0,
            reserved_for: None,
            waiting_in: None,
            predicted_wait_s: None,
        }
    }

    fn priority() -> impl Strategy<Value = Priority> {
        prop_oneof![
            6 => Just(Priority::Normal),
            2 => Just(Priority::Special),
            1 => Just(Priority::Green),
        ]
    }

    #[test]
    fn classes_come_from_the_ticket() {
        let mut t = ticket(1, Priority::Normal, 1);
        assert_eq!(class_of(&t), Class::Walkin);
        t.priority = Priority::Special;
        assert_eq!(class_of(&t), Class::Special);
        t.priority = Priority::Green;
        assert_eq!(class_of(&t), Class::Green);
        t.returned = true;
        assert_eq!(class_of(&t), Class::Returned);
    }

    #[test]
    fn rejoin_goes_a_few_places_back() {
        let mut line = Line::default();
        for s in 1..=5 {
            line.push(ticket(s, Priority::Normal, i64::from(s) * 10));
        }
        // Three places back: after the third waiting walk-in.
        assert_eq!(line.arrival_after(Class::Walkin, 3), Some(31));
        assert_eq!(line.arrival_after(Class::Walkin, 99), Some(51));
        assert_eq!(line.arrival_after(Class::Green, 3), None);
    }

    proptest! {
        /// A transfer (out of one line, into another as `returned`) keeps
        /// the ticket's arrival: among transferred tickets the earlier
        /// arrival is served first, and all of them before new arrivals.
        #[test]
        fn transfer_keeps_arrival_time(
            moved in prop::collection::vec(0i64..1000, 1..20),
            waiting in prop::collection::vec(0i64..1000, 0..20),
        ) {
            let mut from = Line::default();
            let mut to = Line::default();
            for (i, a) in moved.iter().enumerate() {
                from.push(ticket(i as u32 + 1, Priority::Normal, *a));
            }
            for (i, a) in waiting.iter().enumerate() {
                let mut t = ticket(500 + i as u32, Priority::Normal, *a);
                t.queue = "B".into();
                t.id = format!("20260101-B{:03}", i + 1);
                to.push(t);
            }
            let ids: Vec<String> = from.iter().map(|t| t.id.clone()).collect();
            for id in ids {
                let mut t = from.take_id(&id).unwrap();
                let arrival = t.arrival;
                t.returned = true;
                to.push(t);
                prop_assert_eq!(to.get(&id).map(|t| t.arrival), Some(arrival));
            }
            // Served: every transferred ticket, by arrival, then the others.
            let mut served = Vec::new();
            while let Some((class, _)) = to.heads().first().copied() {
                let t = to.take_class(class).unwrap();
                served.push((t.returned, t.arrival));
            }
            let returned: Vec<i64> = served.iter().take_while(|(r, _)| *r).map(|(_, a)| *a).collect();
            prop_assert_eq!(returned.len(), moved.len());
            prop_assert!(returned.windows(2).all(|w| w[0] <= w[1]));
        }

        /// Taking heads class by class yields every ticket once, each class
        /// in arrival order; take_id and the index agree.
        #[test]
        fn line_keeps_every_ticket_once(tickets in prop::collection::vec((priority(), 0i64..100), 1..60)) {
            let mut line = Line::default();
            let all: Vec<Ticket> = tickets.iter().enumerate()
                .map(|(s, (p, a))| ticket(s as u32 + 1, *p, *a)).collect();
            for t in &all { line.push(t.clone()); }
            prop_assert_eq!(line.len(), all.len());
            // people_ahead matches the layered order.
            for t in &all {
                let c = class_of(t);
                let expect = all.iter().filter(|o| {
                    let oc = class_of(o);
                    oc < c || (oc == c && (o.arrival, o.seq) < (t.arrival, t.seq))
                }).count();
                prop_assert_eq!(line.people_ahead(&t.id), Some(expect));
            }
            let mut seen = Vec::new();
            while let Some((class, key)) = line.heads().first().copied() {
                let t = line.take_class(class).unwrap();
                prop_assert_eq!((t.arrival, t.seq), (key.arrival, key.seq));
                prop_assert!(line.get(&t.id).is_none());
                seen.push(t.id);
            }
            prop_assert!(line.is_empty());
            seen.sort();
            seen.dedup();
            prop_assert_eq!(seen.len(), all.len());
        }
    }
}
