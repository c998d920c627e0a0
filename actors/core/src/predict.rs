//! Wait prediction (等候预测) per ticket: people ahead, the windows able to
//! serve them, and observed service times.
//!
//! A waiting ticket is called when the windows able to serve its queue have
//! worked through everyone ahead of it. [`predict_wait_s`] plays that out:
//! each window frees when its current service ends (expected from the time
//! already spent and the observed mean, [`expected_remaining_s`]) and then
//! takes one ticket every mean service time; the ticket with `k` people ahead
//! starts at the `k`-th (from 0) moment a window frees. [`people_ahead`]
//! counts who is ahead under a strategy's layered order and blend.
//!
//! [`naive_wait_s`] is the baseline the prediction is judged against
//! ("people ahead × mean service time"); `tingwu simulate` reports both
//! errors side by side. Everything here is pure.

use crate::strategy::{Class, Strategy, ALL_CLASSES};

/// Seconds until a service that has run `elapsed_s` is expected to end,
/// given the observed mean service time. A service that has run past the
/// mean is expected to take a quarter of a mean more (long services tend to
/// run on, so zero would be too hopeful).
pub fn expected_remaining_s(elapsed_s: f64, mean_s: f64) -> f64 {
    if !(mean_s.is_finite() && mean_s > 0.0) {
        return 0.0;
    }
    let elapsed = if elapsed_s.is_finite() {
        elapsed_s.max(0.0)
    } else {
        0.0
    };
    if elapsed < mean_s * 0.75 {
        mean_s - elapsed
    } else {
        mean_s * 0.25
    }
}

/// Seconds until a ticket with `people_ahead` is called.
///
/// `free_in_s` has one entry per window able to serve the ticket's queue now
/// (logged in, not paused): the seconds until it is free (0 when idle, else
/// [`expected_remaining_s`] of its current service). `mean_service_s` is the
/// observed mean service time of the queue. None when no window can serve.
pub fn predict_wait_s(people_ahead: usize, free_in_s: &[f64], mean_service_s: f64) -> Option<f64> {
    if free_in_s.is_empty() {
        return None;
    }
    let mean = if mean_service_s.is_finite() && mean_service_s > 0.0 {
        mean_service_s
    } else {
        0.0
    };
    let mut free: Vec<f64> = free_in_s
        .iter()
        .map(|f| if f.is_finite() { f.max(0.0) } else { 0.0 })
        .collect();
    free.sort_by(f64::total_cmp);
    // Give tickets to the earliest free window until every window frees
    // within one mean of the first; from then on the windows free in the
    // same order every round, one mean apart.
    let mut k = people_ahead;
    while k > 0 && free[free.len() - 1] - free[0] >= mean {
        let next = free.remove(0) + mean;
        let at = free.partition_point(|f| *f <= next);
        free.insert(at, next);
        k -= 1;
    }
    let n = free.len();
    Some(free[k % n] + (k / n) as f64 * mean)
}

/// The baseline: people ahead × mean service time, as if one window served
/// everyone.
pub fn naive_wait_s(people_ahead: usize, mean_service_s: f64) -> f64 {
    let wait = people_ahead as f64 * mean_service_s;
    if wait.is_finite() && wait > 0.0 {
        wait
    } else {
        0.0
    }
}

fn class_index(c: Class) -> usize {
    ALL_CLASSES.iter().position(|x| *x == c).unwrap_or(0)
}

/// Tickets waiting in one queue, per class (indexed as [`ALL_CLASSES`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts(pub [usize; 5]);

impl ClassCounts {
    pub fn get(&self, c: Class) -> usize {
        self.0[class_index(c)]
    }

    pub fn add(&mut self, c: Class, n: isize) {
        let slot = &mut self.0[class_index(c)];
        *slot = slot.saturating_add_signed(n);
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// How many of the waiting tickets go before a ticket of `class` that has
/// `ahead_in_class` tickets of its own class before it, under the strategy's
/// layers: every ticket of an earlier layer, and within a blend, the other
/// classes' share of the calls up to this ticket's turn. (Wait caps and
/// secondary queues are left out: they change who goes first only for
/// tickets that have already waited long.)
pub fn people_ahead(
    s: &Strategy,
    class: Class,
    ahead_in_class: usize,
    waiting: &ClassCounts,
) -> usize {
    let mut order = s.order.clone();
    for c in ALL_CLASSES {
        if !order.contains(&c) {
            order.push(c);
        }
    }
    let weight = |c: Class| s.blend.iter().find(|b| b.class == c).map(|b| b.weight);
    // Rank of a class: its place in the order, with every blended class at
    // the place of the first of them.
    let first_blended = order.iter().position(|c| weight(*c).is_some());
    let rank = |c: Class| {
        let own = order.iter().position(|x| *x == c).unwrap_or(order.len());
        match (weight(c), first_blended) {
            (Some(_), Some(first)) => first,
            _ => own,
        }
    };
    let my_rank = rank(class);
    let mut ahead = ahead_in_class;
    for c in ALL_CLASSES {
        if c == class {
            continue;
        }
        let n = waiting.get(c);
        let r = rank(c);
        if r < my_rank {
            ahead += n;
        } else if r == my_rank {
            // Both blended: the other class gets w_c / w_mine calls for
            // each of mine, up to my turn.
            if let (Some(wc), Some(wm)) = (weight(c), weight(class)) {
                let share = (ahead_in_class as f64 + 0.5) * f64::from(wc) / f64::from(wm.max(1));
                ahead += n.min(share.round() as usize);
            }
        }
    }
    ahead
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::BlendWeight;
    use proptest::prelude::{any, prop, prop_assert, proptest};

    /// The slow, obvious version: a min-heap of window free times.
    fn by_heap(k: usize, free: &[f64], mean: f64) -> f64 {
        let mut f: Vec<f64> = free.iter().map(|x| x.max(0.0)).collect();
        for _ in 0..k {
            let (i, _) = f
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap();
            f[i] += mean;
        }
        f.into_iter().fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn windows_share_the_people_ahead() {
        // Three idle windows, 300 s each: 0, 1, 2 ahead start at once; 3 ahead waits a round.
        let idle = [0.0, 0.0, 0.0];
        assert_eq!(predict_wait_s(0, &idle, 300.0), Some(0.0));
        assert_eq!(predict_wait_s(2, &idle, 300.0), Some(0.0));
        assert_eq!(predict_wait_s(3, &idle, 300.0), Some(300.0));
        assert_eq!(predict_wait_s(7, &idle, 300.0), Some(600.0));
        // Busy windows free at their own times.
        assert_eq!(predict_wait_s(0, &[120.0, 40.0], 300.0), Some(40.0));
        assert_eq!(predict_wait_s(1, &[120.0, 40.0], 300.0), Some(120.0));
        assert_eq!(predict_wait_s(2, &[120.0, 40.0], 300.0), Some(340.0));
        assert_eq!(predict_wait_s(3, &[], 300.0), None);
        assert_eq!(naive_wait_s(4, 300.0), 1200.0);
        assert_eq!(naive_wait_s(4, f64::NAN), 0.0);
    }

    #[test]
    fn remaining_time_of_a_service() {
        assert_eq!(expected_remaining_s(0.0, 300.0), 300.0);
        assert_eq!(expected_remaining_s(100.0, 300.0), 200.0);
        assert_eq!(expected_remaining_s(1000.0, 300.0), 75.0);
        assert_eq!(expected_remaining_s(10.0, 0.0), 0.0);
    }

    #[test]
    fn layered_and_blended_people_ahead() {
        let mut w = ClassCounts::default();
        w.add(Class::Green, 1);
        w.add(Class::Appointment, 4);
        w.add(Class::Special, 2);
        w.add(Class::Walkin, 10);
        let s = Strategy::default();
        assert_eq!(people_ahead(&s, Class::Green, 1, &w), 1);
        assert_eq!(people_ahead(&s, Class::Special, 2, &w), 1 + 4 + 2);
        assert_eq!(people_ahead(&s, Class::Walkin, 10, &w), 17);
        let blend = Strategy {
            blend: vec![
                BlendWeight {
                    class: Class::Appointment,
                    weight: 2,
                },
                BlendWeight {
                    class: Class::Walkin,
                    weight: 1,
                },
            ],
            ..Strategy::default()
        };
        // A new walk-in (10 walk-ins ahead) waits for the green ticket, its
        // 10 walk-ins and all 4 appointments (20 would be its share); a new
        // appointment waits for the green ticket, its 4 and 2 walk-ins.
        assert_eq!(people_ahead(&blend, Class::Walkin, 10, &w), 1 + 10 + 4);
        assert_eq!(people_ahead(&blend, Class::Appointment, 4, &w), 1 + 4 + 2);
        // Special groups now come after the blended layer.
        assert_eq!(people_ahead(&blend, Class::Special, 2, &w), 1 + 4 + 10 + 2);
    }

    proptest! {
        #[test]
        fn matches_the_heap(k in 0usize..200, free in prop::collection::vec(0.0f64..2000.0, 1..8), mean in 1.0f64..900.0) {
            let fast = predict_wait_s(k, &free, mean).unwrap();
            let slow = by_heap(k, &free, mean);
            prop_assert!((fast - slow).abs() < 1e-6 * (1.0 + slow), "{} vs {}", fast, slow);
        }

        #[test]
        fn more_people_ahead_never_shorter(k in 0usize..300, free in prop::collection::vec(0.0f64..2000.0, 1..8), mean in 0.0f64..900.0) {
            let a = predict_wait_s(k, &free, mean).unwrap();
            let b = predict_wait_s(k + 1, &free, mean).unwrap();
            prop_assert!(b >= a);
        }

        #[test]
        fn another_window_never_longer(k in 0usize..300, free in prop::collection::vec(0.0f64..2000.0, 1..8), extra in 0.0f64..2000.0, mean in 0.0f64..900.0) {
            let a = predict_wait_s(k, &free, mean).unwrap();
            let mut more = free.clone();
            more.push(extra);
            let b = predict_wait_s(k, &more, mean).unwrap();
            prop_assert!(b <= a + 1e-9);
        }

        #[test]
        fn never_above_naive_plus_the_first_free_window(k in 0usize..300, free in prop::collection::vec(0.0f64..2000.0, 1..8), mean in 1.0f64..900.0) {
            let p = predict_wait_s(k, &free, mean).unwrap();
            let first = free.iter().copied().fold(f64::INFINITY, f64::min);
            prop_assert!(p <= first + naive_wait_s(k, mean) + 1e-6);
        }

        #[test]
        fn more_waiting_never_fewer_ahead(
            counts in prop::array::uniform5(0usize..30),
            bump in 0usize..5,
            which in 0usize..5,
            ahead in 0usize..30,
            wa in 1u32..5, ww in 1u32..5, blend in any::<bool>(),
        ) {
            let s = if blend {
                Strategy { blend: vec![
                    BlendWeight { class: Class::Appointment, weight: wa },
                    BlendWeight { class: Class::Walkin, weight: ww },
                ], ..Strategy::default() }
            } else {
                Strategy::default()
            };
            let w = ClassCounts(counts);
            let mut more = w;
            more.0[which] += bump;
            for c in ALL_CLASSES {
                let a = people_ahead(&s, c, ahead, &w);
                prop_assert!(people_ahead(&s, c, ahead, &more) >= a);
                prop_assert!(people_ahead(&s, c, ahead + 1, &w) >= a);
                prop_assert!(a >= ahead);
            }
        }
    }
}
