//! Who is next: the order inside one queue and the choice between the queues
//! a window serves.
//!
//! Rules at this stage: a window takes from its primary queues before its
//! secondary ones; within a role, the best head wins by priority class
//! (green channel, then special groups, then everyone else) and then by
//! arrival.

use std::collections::BTreeMap;

use crate::config::QueueRole;
use crate::core::ticket::{OrderKey, Ticket};

/// The waiting line of one queue, in dispatch order.
#[derive(Debug, Default, Clone)]
pub struct Line {
    waiting: BTreeMap<OrderKey, Ticket>,
}

impl Line {
    pub fn push(&mut self, ticket: Ticket) {
        self.waiting.insert(ticket.order_key(), ticket);
    }

    pub fn remove(&mut self, key: &OrderKey) -> Option<Ticket> {
        self.waiting.remove(key)
    }

    pub fn head(&self) -> Option<OrderKey> {
        self.waiting.keys().next().copied()
    }

    pub fn pop(&mut self) -> Option<Ticket> {
        self.waiting.pop_first().map(|(_, t)| t)
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// How many tickets are served before this one.
    pub fn people_ahead(&self, key: &OrderKey) -> usize {
        self.waiting.range(..key).count()
    }

    pub fn clear(&mut self) {
        self.waiting.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = &Ticket> {
        self.waiting.values()
    }
}

/// One queue as a window sees it when choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub role: QueueRole,
    pub head: Option<OrderKey>,
}

fn role_rank(role: QueueRole) -> u8 {
    match role {
        QueueRole::Primary => 0,
        QueueRole::Secondary => 1,
    }
}

/// How a queue's head ranks against other queues' heads: lower is served first.
pub type Rank = (u8, OrderKey);

pub fn rank(role: QueueRole, head: OrderKey) -> Rank {
    (role_rank(role), head)
}

/// The best rank among the candidates other than `except`: what the chosen
/// queue's head must still beat when it is taken.
pub fn rival(candidates: &[Candidate], except: usize) -> Option<Rank> {
    candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != except)
        .filter_map(|(_, c)| c.head.map(|h| rank(c.role, h)))
        .min()
}

/// The index of the queue to take from, or None when all are empty.
/// Ties go to the queue listed first in the window's configuration.
pub fn choose(candidates: &[Candidate]) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.head.map(|h| ((role_rank(c.role), h, i), i)))
        .min_by_key(|(k, _)| *k)
        .map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ticket::{Channel, Personal, Priority, TicketStatus};
    use chrono::Utc;
    use proptest::prelude::*;

    fn ticket(queue: &str, seq: u32, priority: Priority, arrival: i64) -> Ticket {
        Ticket {
            id: format!("20260101-{queue}{seq:03}"),
            day: "20260101".into(),
            queue: queue.into(),
            seq,
            number: format!("{queue}{seq:03}"),
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
    fn primary_before_secondary_even_if_secondary_is_older() {
        let c = [
            Candidate {
                role: QueueRole::Secondary,
                head: Some(OrderKey {
                    class: 0,
                    arrival: 1,
                    seq: 1,
                }),
            },
            Candidate {
                role: QueueRole::Primary,
                head: Some(OrderKey {
                    class: 2,
                    arrival: 9,
                    seq: 1,
                }),
            },
        ];
        assert_eq!(choose(&c), Some(1));
    }

    #[test]
    fn empty_queues_give_none() {
        let c = [Candidate {
            role: QueueRole::Primary,
            head: None,
        }];
        assert_eq!(choose(&c), None);
        assert_eq!(choose(&[]), None);
    }

    proptest! {
        /// Serving a set of queues through `choose` + `pop` yields every
        /// ticket exactly once; primary tickets all come before secondary
        /// ones; within a role the sequence is sorted by (class, arrival).
        #[test]
        fn dispatch_order_holds(
            queues in prop::collection::vec(
                (any::<bool>(), prop::collection::vec((priority(), 0i64..1_000), 0..40)),
                1..5,
            )
        ) {
            let mut lines: Vec<Line> = Vec::new();
            let mut roles = Vec::new();
            let mut total = 0;
            for (qi, (is_primary, tickets)) in queues.iter().enumerate() {
                let mut line = Line::default();
                for (seq, (p, arrival)) in tickets.iter().enumerate() {
                    line.push(ticket(&format!("Q{qi}"), seq as u32 + 1, *p, *arrival));
                    total += 1;
                }
                lines.push(line);
                roles.push(if *is_primary { QueueRole::Primary } else { QueueRole::Secondary });
            }
            let mut served: Vec<(QueueRole, OrderKey, String)> = Vec::new();
            loop {
                let cands: Vec<Candidate> = lines
                    .iter()
                    .zip(&roles)
                    .map(|(l, r)| Candidate { role: *r, head: l.head() })
                    .collect();
                let Some(i) = choose(&cands) else { break };
                let t = lines[i].pop().expect("chosen queue has a head");
                served.push((roles[i], t.order_key(), t.id.clone()));
            }
            prop_assert_eq!(served.len(), total);
            let mut ids: Vec<_> = served.iter().map(|s| s.2.clone()).collect();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), total, "a ticket was served twice");
            for pair in served.windows(2) {
                let (ra, ka, _) = &pair[0];
                let (rb, kb, _) = &pair[1];
                prop_assert!(role_rank(*ra) <= role_rank(*rb), "secondary served before primary");
                if ra == rb {
                    prop_assert!((ka.class, ka.arrival) <= (kb.class, kb.arrival),
                        "order broken: {:?} before {:?}", ka, kb);
                }
            }
        }

        /// people_ahead counts exactly the tickets that sort before.
        #[test]
        fn people_ahead_matches_order(tickets in prop::collection::vec((priority(), 0i64..100), 1..50), pick in any::<prop::sample::Index>()) {
            let mut line = Line::default();
            let all: Vec<Ticket> = tickets.iter().enumerate()
                .map(|(s, (p, a))| ticket("A", s as u32 + 1, *p, *a)).collect();
            for t in &all { line.push(t.clone()); }
            let me = pick.get(&all);
            let ahead = all.iter().filter(|t| t.order_key() < me.order_key()).count();
            prop_assert_eq!(line.people_ahead(&me.order_key()), ahead);
        }
    }
}
