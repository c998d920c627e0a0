//! Calling strategy as data (叫号策略): who a window calls next.
//!
//! A strategy orders dispatch classes in layers (called-back/transferred
//! tickets, green channel, checked-in appointments, special groups, walk-ins),
//! may blend some classes by ratio (2 appointments : 1 walk-in), caps any
//! ticket's wait so that nobody starves, and says when secondary queues join.
//! `pick` is a pure function of the strategy, the blend counters and the
//! heads of the window's queues.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::QueueRole;
use crate::ticket::OrderKey;

/// Dispatch classes, in their default order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Called back after a no-show, or transferred from another window.
    Returned,
    /// 绿色通道.
    Green,
    /// A booked ticket checked in within its slot (预约).
    Appointment,
    /// 特殊人群: elderly, disabled, pregnant, military.
    Special,
    /// Everyone else, by arrival.
    Walkin,
}

pub const ALL_CLASSES: [Class; 5] = [
    Class::Returned,
    Class::Green,
    Class::Appointment,
    Class::Special,
    Class::Walkin,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// Layers, served first to last. Classes left out come after, in their
    /// default order.
    #[serde(default = "default_order")]
    pub order: Vec<Class>,
    /// Classes served by ratio instead of strictly (e.g. appointment 2,
    /// walkin 1). They form one layer where the first of them stands.
    #[serde(default)]
    pub blend: Vec<BlendWeight>,
    /// A ticket that has waited this long is called before anything else.
    #[serde(default)]
    pub max_wait_s: Option<u32>,
    /// Secondary queues join once their oldest ticket has waited this long…
    #[serde(default)]
    pub secondary_after_wait_s: Option<u32>,
    /// …or once they hold this many tickets. Otherwise they are served only
    /// when the primary queues are empty.
    #[serde(default)]
    pub secondary_after_length: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlendWeight {
    pub class: Class,
    pub weight: u32,
}

fn default_order() -> Vec<Class> {
    ALL_CLASSES.to_vec()
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            order: default_order(),
            blend: Vec::new(),
            max_wait_s: None,
            secondary_after_wait_s: None,
            secondary_after_length: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    #[error("order lists {0:?} twice")]
    RepeatedClass(Class),
    #[error("blend lists {0:?} twice")]
    RepeatedBlend(Class),
    #[error("blend weights must be 1 to 100")]
    BadWeight,
    #[error("a blend needs at least two classes")]
    BlendTooSmall,
    #[error("max_wait_s must be at least 60 seconds")]
    CapTooShort,
}

impl Strategy {
    pub fn validate(&self) -> Result<(), StrategyError> {
        let mut seen = Vec::new();
        for c in &self.order {
            if seen.contains(c) {
                return Err(StrategyError::RepeatedClass(*c));
            }
            seen.push(*c);
        }
        let mut seen = Vec::new();
        for b in &self.blend {
            if seen.contains(&b.class) {
                return Err(StrategyError::RepeatedBlend(b.class));
            }
            if b.weight == 0 || b.weight > 100 {
                return Err(StrategyError::BadWeight);
            }
            seen.push(b.class);
        }
        if self.blend.len() == 1 {
            return Err(StrategyError::BlendTooSmall);
        }
        if self.max_wait_s.is_some_and(|s| s < 60) {
            return Err(StrategyError::CapTooShort);
        }
        Ok(())
    }

    fn weight(&self, c: Class) -> Option<u32> {
        self.blend.iter().find(|b| b.class == c).map(|b| b.weight)
    }

    /// The layers in serving order: each a single class or the blend group.
    fn layers(&self) -> Vec<Vec<Class>> {
        let mut order = self.order.clone();
        for c in ALL_CLASSES {
            if !order.contains(&c) {
                order.push(c);
            }
        }
        let mut layers = Vec::new();
        let mut blend_placed = false;
        for c in order {
            if self.weight(c).is_some() {
                if !blend_placed {
                    blend_placed = true;
                    layers.push(self.blend.iter().map(|b| b.class).collect());
                }
            } else {
                layers.push(vec![c]);
            }
        }
        layers
    }
}

/// One queue as a window sees it when choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueHeads {
    pub role: QueueRole,
    /// The first ticket of each class present in the queue.
    pub heads: Vec<(Class, OrderKey)>,
    pub len: usize,
}

impl QueueHeads {
    fn oldest(&self) -> Option<i64> {
        self.heads.iter().map(|(_, k)| k.arrival).min()
    }
}

/// Why a ticket was chosen; recorded with the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Waited past the strategy's cap.
    WaitCap,
    /// The first layer with anyone in it.
    Layer,
    /// Chosen by the blend's ratio.
    Blend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick {
    /// Index into the queues given to `pick`.
    pub queue: usize,
    pub class: Class,
    pub key: OrderKey,
    pub reason: Reason,
}

/// The blend's counters for one window: calls per class in the current round.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlendState {
    counts: BTreeMap<Class, u32>,
}

impl BlendState {
    /// The blended class to serve now among those with someone waiting:
    /// the one furthest behind its share (ties by blend order).
    fn choose(&self, s: &Strategy, available: &[Class]) -> Option<Class> {
        s.blend
            .iter()
            .filter(|b| available.contains(&b.class))
            .min_by(|a, b| {
                let ca = u64::from(self.counts.get(&a.class).copied().unwrap_or(0));
                let cb = u64::from(self.counts.get(&b.class).copied().unwrap_or(0));
                // ca/wa < cb/wb  ⇔  ca·wb < cb·wa
                (ca * u64::from(b.weight)).cmp(&(cb * u64::from(a.weight)))
            })
            .map(|b| b.class)
    }

    /// Records a call. A round ends when every class that had someone
    /// waiting has had its share, so an absent class builds up no debt.
    pub fn record(&mut self, s: &Strategy, class: Class, available: &[Class]) {
        let Some(_) = s.weight(class) else {
            return;
        };
        *self.counts.entry(class).or_insert(0) += 1;
        let done = s
            .blend
            .iter()
            .filter(|b| available.contains(&b.class))
            .all(|b| self.counts.get(&b.class).copied().unwrap_or(0) >= b.weight);
        if done {
            self.counts.clear();
        }
    }
}

fn role_rank(role: QueueRole) -> u8 {
    match role {
        QueueRole::Primary => 0,
        QueueRole::Secondary => 1,
    }
}

/// Which queues may be served now.
fn eligible(s: &Strategy, now_us: i64, queues: &[QueueHeads]) -> Vec<bool> {
    let primary_has = queues
        .iter()
        .any(|q| q.role == QueueRole::Primary && !q.heads.is_empty());
    queues
        .iter()
        .map(|q| match q.role {
            QueueRole::Primary => true,
            QueueRole::Secondary => {
                let waited_s = q.oldest().map(|a| (now_us - a).max(0) / 1_000_000);
                !primary_has
                    || s.secondary_after_length
                        .is_some_and(|n| q.len >= n as usize)
                    || s.secondary_after_wait_s
                        .zip(waited_s)
                        .is_some_and(|(limit, w)| w >= i64::from(limit))
            }
        })
        .collect()
}

/// The classes with someone waiting in the eligible queues.
pub fn available_classes(s: &Strategy, now_us: i64, queues: &[QueueHeads]) -> Vec<Class> {
    let ok = eligible(s, now_us, queues);
    let mut out: Vec<Class> = queues
        .iter()
        .zip(&ok)
        .filter(|(_, ok)| **ok)
        .flat_map(|(q, _)| q.heads.iter().map(|(c, _)| *c))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The ticket to call next, or None when nobody eligible is waiting.
pub fn pick(s: &Strategy, blend: &BlendState, now_us: i64, queues: &[QueueHeads]) -> Option<Pick> {
    let ok = eligible(s, now_us, queues);
    let heads = || {
        queues
            .iter()
            .enumerate()
            .zip(&ok)
            .filter(|(_, ok)| **ok)
            .flat_map(|((i, q), _)| q.heads.iter().map(move |(c, k)| (i, q.role, *c, *k)))
    };
    // Nobody waits past the cap, in any queue the window serves: the
    // longest-waiting capped ticket goes first.
    if let Some(cap) = s.max_wait_s {
        let limit = now_us.saturating_sub(i64::from(cap) * 1_000_000);
        if let Some((i, c, k)) = queues
            .iter()
            .enumerate()
            .flat_map(|(i, q)| q.heads.iter().map(move |(c, k)| (i, *c, *k)))
            .filter(|(_, _, k)| k.arrival <= limit)
            .min_by_key(|(i, _, k)| (k.arrival, *i))
        {
            return Some(Pick {
                queue: i,
                class: c,
                key: k,
                reason: Reason::WaitCap,
            });
        }
    }
    let available = available_classes(s, now_us, queues);
    for layer in s.layers() {
        let present: Vec<Class> = layer
            .iter()
            .copied()
            .filter(|c| available.contains(c))
            .collect();
        if present.is_empty() {
            continue;
        }
        let (class, reason) = if layer.len() > 1 {
            (blend.choose(s, &present)?, Reason::Blend)
        } else {
            (present[0], Reason::Layer)
        };
        // Among the eligible queues, first come first served; a secondary
        // queue that has joined competes on arrival.
        return heads()
            .filter(|(_, _, c, _)| *c == class)
            .min_by_key(|(i, role, _, k)| (k.arrival, role_rank(*role), k.seq, *i))
            .map(|(i, _, c, k)| Pick {
                queue: i,
                class: c,
                key: k,
                reason,
            });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop, prop_assert, prop_assert_eq, proptest, Just};
    use proptest::strategy::Strategy as _;
    type Gen<T> = proptest::strategy::BoxedStrategy<T>;

    const SEC: i64 = 1_000_000;

    fn key(arrival_s: i64, seq: u32) -> OrderKey {
        OrderKey {
            class: 0,
            arrival: arrival_s * SEC,
            seq,
        }
    }

    /// A simulated ticket: class, arrival in seconds, number.
    type SimTicket = (Class, i64, u32);

    /// A simulated set of queues.
    #[derive(Debug, Clone)]
    struct Sim {
        queues: Vec<(QueueRole, Vec<SimTicket>)>,
    }

    impl Sim {
        fn heads(&self) -> Vec<QueueHeads> {
            self.queues
                .iter()
                .map(|(role, tickets)| {
                    let mut heads: Vec<(Class, OrderKey)> = Vec::new();
                    for (c, a, s) in tickets {
                        let k = key(*a, *s);
                        match heads.iter_mut().find(|(hc, _)| hc == c) {
                            Some((_, hk)) if (k.arrival, k.seq) < (hk.arrival, hk.seq) => *hk = k,
                            Some(_) => {}
                            None => heads.push((*c, k)),
                        }
                    }
                    QueueHeads {
                        role: *role,
                        heads,
                        len: tickets.len(),
                    }
                })
                .collect()
        }

        fn take(&mut self, p: &Pick) -> (Class, i64) {
            let tickets = &mut self.queues[p.queue].1;
            let pos = tickets
                .iter()
                .position(|(c, a, s)| *c == p.class && key(*a, *s) == p.key)
                .expect("picked ticket exists");
            let (c, a, _) = tickets.remove(pos);
            (c, a)
        }
    }

    fn class() -> Gen<Class> {
        prop::sample::select(ALL_CLASSES.to_vec()).boxed()
    }

    fn sim() -> Gen<Sim> {
        prop::collection::vec(
            (
                prop::bool::weighted(0.7),
                prop::collection::vec((class(), 0i64..600), 0..25),
            ),
            1..4,
        )
        .prop_map(|qs| Sim {
            queues: qs
                .into_iter()
                .map(|(primary, t)| {
                    let role = if primary {
                        QueueRole::Primary
                    } else {
                        QueueRole::Secondary
                    };
                    let tickets = t
                        .into_iter()
                        .enumerate()
                        .map(|(i, (c, a))| (c, a, i as u32 + 1))
                        .collect();
                    (role, tickets)
                })
                .collect(),
        })
        .boxed()
    }

    fn rank_of(s: &Strategy, c: Class) -> usize {
        s.layers().iter().position(|l| l.contains(&c)).unwrap_or(99)
    }

    proptest! {
        /// Without blend or cap, every call is from the first layer that has
        /// anyone eligible, and within it by arrival; every ticket is called
        /// exactly once.
        #[test]
        fn layered_order_holds(mut sim in sim(), order in Just(ALL_CLASSES.to_vec()).prop_shuffle()) {
            let s = Strategy { order, ..Strategy::default() };
            let blend = BlendState::default();
            let total: usize = sim.queues.iter().map(|q| q.1.len()).sum();
            let mut called = 0;
            let now = 1_000 * SEC;
            while let Some(p) = pick(&s, &blend, now, &sim.heads()) {
                let avail = available_classes(&s, now, &sim.heads());
                let best = avail.iter().map(|c| rank_of(&s, *c)).min().unwrap();
                prop_assert_eq!(rank_of(&s, p.class), best, "layer skipped");
                // Nothing eligible of that class, in a primary-or-equal queue, arrived earlier.
                let heads = sim.heads();
                let ok = eligible(&s, now, &heads);
                for (i, q) in heads.iter().enumerate() {
                    if !ok[i] { continue; }
                    for (c, k) in &q.heads {
                        if *c == p.class {
                            prop_assert!(k.arrival >= p.key.arrival, "earlier ticket of the class skipped");
                        }
                    }
                }
                // A secondary queue is served only when it may be.
                prop_assert!(ok[p.queue]);
                sim.take(&p);
                called += 1;
            }
            prop_assert_eq!(called, total);
        }

        /// With a cap, no ticket waits past it while another is called.
        #[test]
        fn nobody_waits_past_the_cap(mut sim in sim(), cap in 60u32..400, step in 1i64..120) {
            let s = Strategy { max_wait_s: Some(cap), ..Strategy::default() };
            let blend = BlendState::default();
            let mut now = 0i64;
            while let Some(p) = pick(&s, &blend, now * SEC, &sim.heads()) {
                let (_, arrival) = sim.take(&p);
                let over: Vec<i64> = sim.queues.iter().flat_map(|q| q.1.iter())
                    .map(|t| t.1).filter(|a| now - a >= i64::from(cap)).collect();
                if let Some(oldest) = over.iter().min() {
                    prop_assert!(arrival <= *oldest, "called {} while {} waited past the cap", arrival, oldest);
                }
                now += step;
            }
        }

        /// Blending 2:1 (or any ratio) holds over every window of calls while
        /// both classes have people waiting.
        #[test]
        fn ratio_blending_holds(wa in 1u32..5, wb in 1u32..5, n in 10usize..120) {
            let s = Strategy {
                blend: vec![
                    BlendWeight { class: Class::Appointment, weight: wa },
                    BlendWeight { class: Class::Walkin, weight: wb },
                ],
                ..Strategy::default()
            };
            let mut sim = Sim { queues: vec![(QueueRole::Primary, Vec::new())] };
            for i in 0..n as u32 * 2 {
                sim.queues[0].1.push((Class::Appointment, i64::from(i), i * 2 + 1));
                sim.queues[0].1.push((Class::Walkin, i64::from(i), i * 2 + 2));
            }
            let mut blend = BlendState::default();
            let mut seq = Vec::new();
            for _ in 0..n {
                let heads = sim.heads();
                let avail = available_classes(&s, 0, &heads);
                let p = pick(&s, &blend, 0, &heads).unwrap();
                blend.record(&s, p.class, &avail);
                sim.take(&p);
                seq.push(p.class);
            }
            let share = f64::from(wa) / f64::from(wa + wb);
            for len in 1..=seq.len() {
                for w in seq.windows(len) {
                    let a = w.iter().filter(|c| **c == Class::Appointment).count() as f64;
                    let expect = len as f64 * share;
                    prop_assert!((a - expect).abs() <= f64::from(wa.max(wb)),
                        "window of {} calls has {} appointments, expected about {}", len, a, expect);
                }
            }
            // Over whole rounds the ratio is exact.
            let rounds = (n as u32 / (wa + wb)) * (wa + wb);
            let a = seq[..rounds as usize].iter().filter(|c| **c == Class::Appointment).count() as u32;
            prop_assert_eq!(a * (wa + wb), rounds * wa);
        }
    }

    #[test]
    fn secondary_waits_until_its_threshold() {
        let s = Strategy {
            secondary_after_wait_s: Some(600),
            ..Strategy::default()
        };
        let queues = vec![
            QueueHeads {
                role: QueueRole::Primary,
                heads: vec![(Class::Walkin, key(500, 1))],
                len: 1,
            },
            QueueHeads {
                role: QueueRole::Secondary,
                heads: vec![(Class::Walkin, key(100, 1))],
                len: 1,
            },
        ];
        let blend = BlendState::default();
        assert_eq!(pick(&s, &blend, 650 * SEC, &queues).unwrap().queue, 0);
        // After 600 s the secondary joins and its older ticket wins.
        let p = pick(&s, &blend, 700 * SEC, &queues).unwrap();
        assert_eq!(p.queue, 1);
    }

    #[test]
    fn strategies_are_validated() {
        let mut s = Strategy::default();
        assert!(s.validate().is_ok());
        s.order = vec![Class::Walkin, Class::Walkin];
        assert_eq!(
            s.validate(),
            Err(StrategyError::RepeatedClass(Class::Walkin))
        );
        s = Strategy {
            blend: vec![BlendWeight {
                class: Class::Walkin,
                weight: 1,
            }],
            ..Strategy::default()
        };
        assert_eq!(s.validate(), Err(StrategyError::BlendTooSmall));
        s.max_wait_s = Some(5);
        s.blend.clear();
        assert_eq!(s.validate(), Err(StrategyError::CapTooShort));
    }
}
