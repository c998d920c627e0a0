//! A simulated citizen at the window's evaluator (好差评): after each
//! finished service the citizen rates it on the evaluator tablet, through
//! the tablet's own HTTP API (`GET`/`POST /api/v1/evaluate/{window}`,
//! HTTP Basic with the window's evaluator device id and password, as the
//! page `/evaluate/{window}` does), or walks away without rating, which the
//! server records as not rated (未评价) when the prompt times out or the
//! window finishes its next service.
//!
//! What the citizen answers is drawn by [`choose`] from [`MIX`]: mostly
//! 非常满意 and 满意, a few 基本满意, now and then a 差评 (不满意 or
//! 非常不满意, with a reason) and some who do not rate at all. Each window's
//! worker draws from a generator seeded from its own seed (`staff.rs`), so
//! a demo run with the same `--demo-seed` makes the same choices at each
//! window, in the same order.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::{json, Value};
use tracing::debug;

use super::http_client::{Auth, LocalHttp};

/// What one citizen does at the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Rates the service `stars` (5 = 非常满意 … 1 = 非常不满意).
    Rate { stars: u8 },
    /// Leaves without rating (未评价).
    Silent,
}

/// The share of each choice, per mille (sums to 1000): what halls report
/// of 好差评 is overwhelmingly satisfied, with a small share of 差评 and of
/// citizens who do not rate.
pub const MIX: [(Choice, u32); 6] = [
    (Choice::Rate { stars: 5 }, 640),
    (Choice::Rate { stars: 4 }, 190),
    (Choice::Rate { stars: 3 }, 40),
    (Choice::Rate { stars: 2 }, 20),
    (Choice::Rate { stars: 1 }, 10),
    (Choice::Silent, 100),
];

/// The choice at `u`, a uniform draw in `[0, 1)` (values outside are
/// clamped): the [`MIX`] shares laid end to end.
pub fn choose(u: f64) -> Choice {
    let at = (u.clamp(0.0, 1.0) * 1000.0) as u32;
    let mut upto = 0;
    for (choice, share) in MIX {
        upto += share;
        if at < upto {
            return choice;
        }
    }
    Choice::Silent
}

/// Reasons a dissatisfied citizen ticks (the tablet page's list), picked by
/// `pick`, an index the caller draws.
const BAD_REASONS: [&str; 4] = ["等候时间长", "办事效率低", "态度不好", "材料要求不清"];

/// The body the tablet posts for `stars`: a 差评 carries a reason and a
/// low 服务态度 or 服务效率, as citizens who complain usually say why.
pub fn body(stars: u8, pick: usize) -> Value {
    if stars <= 2 {
        let reason = BAD_REASONS[pick % BAD_REASONS.len()];
        let indicator = if reason == "态度不好" {
            "attitude"
        } else {
            "efficiency"
        };
        json!({ "stars": stars, indicator: stars, "reasons": [reason] })
    } else {
        json!({ "stars": stars })
    }
}

/// How often, and how long apart, the tablet looks for the prompt of the
/// service just finished (the server opens it from the committed event).
const PROMPT_LOOKS: usize = 20;
const PROMPT_LOOK_EVERY: Duration = Duration::from_millis(100);

/// What became of a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Rated,
    /// The server refused or did not answer (logged at debug).
    Failed,
}

/// One window's evaluator tablet.
#[derive(Debug, Clone)]
pub struct Tablet {
    http: LocalHttp,
    window: String,
    auth: Auth,
}

impl Tablet {
    /// The tablet of `window`, signed in as evaluator `device`.
    pub fn new(http: LocalHttp, window: &str, device: &str, password: &str) -> Self {
        Self {
            http,
            window: window.to_string(),
            auth: Auth::Basic(format!("{device}:{password}")),
        }
    }

    /// Rates the service of `ticket` with `body`, once its prompt is open.
    pub async fn rate(&self, ticket: &str, body: &Value) -> Outcome {
        let path = format!("/api/v1/evaluate/{}", self.window);
        let mut open = false;
        for _ in 0..PROMPT_LOOKS {
            match self.http.get_with(&path, &self.auth).await {
                Ok(a) if a.status == StatusCode::OK && a.body["ticket"] == ticket => {
                    open = a.body["open"] == true;
                    if open {
                        break;
                    }
                }
                Ok(a) if a.status != StatusCode::OK => {
                    debug!(window = %self.window, status = %a.status, "demo: evaluator prompt refused");
                    return Outcome::Failed;
                }
                Ok(_) => {}
                Err(e) => {
                    debug!(window = %self.window, error = %e, "demo: evaluator prompt");
                    return Outcome::Failed;
                }
            }
            tokio::time::sleep(PROMPT_LOOK_EVERY).await;
        }
        if !open {
            debug!(window = %self.window, ticket = %ticket, "demo: no prompt opened for the service");
            return Outcome::Failed;
        }
        match self.http.post(&path, body, &self.auth).await {
            Ok(a) if a.status == StatusCode::CREATED => Outcome::Rated,
            Ok(a) => {
                debug!(window = %self.window, status = %a.status, body = %a.body, "demo: rating refused");
                Outcome::Failed
            }
            Err(e) => {
                debug!(window = %self.window, error = %e, "demo: rating");
                Outcome::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_whole_and_mostly_satisfied() {
        assert_eq!(MIX.iter().map(|(_, s)| s).sum::<u32>(), 1000);
        let share = |f: fn(&Choice) -> bool| -> u32 {
            MIX.iter().filter(|(c, _)| f(c)).map(|(_, s)| s).sum()
        };
        assert!(share(|c| matches!(c, Choice::Rate { stars: 4..=5 })) >= 800);
        let bad = share(|c| matches!(c, Choice::Rate { stars: 1..=2 }));
        assert!((10..=50).contains(&bad), "a few 差评: {bad}");
        assert!(share(|c| *c == Choice::Silent) > 0, "some never rate");
    }

    #[test]
    fn a_draw_falls_in_its_share() {
        assert_eq!(choose(0.0), Choice::Rate { stars: 5 });
        assert_eq!(choose(0.639), Choice::Rate { stars: 5 });
        assert_eq!(choose(0.6405), Choice::Rate { stars: 4 });
        assert_eq!(choose(0.8295), Choice::Rate { stars: 4 });
        assert_eq!(choose(0.85), Choice::Rate { stars: 3 });
        assert_eq!(choose(0.885), Choice::Rate { stars: 2 });
        assert_eq!(choose(0.895), Choice::Rate { stars: 1 });
        assert_eq!(choose(0.9005), Choice::Silent);
        assert_eq!(choose(0.99999), Choice::Silent);
        assert_eq!(choose(1.0), Choice::Silent);
        assert_eq!(choose(-3.0), Choice::Rate { stars: 5 });
    }

    #[test]
    fn many_draws_follow_the_mix() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = [0u32; 6];
        for _ in 0..10_000 {
            let c = choose(rng.gen());
            let i = MIX
                .iter()
                .position(|(m, _)| *m == c)
                .expect("a choice of the mix");
            counts[i] += 1;
        }
        for (i, (_, share)) in MIX.iter().enumerate() {
            let want = share * 10;
            assert!(
                counts[i].abs_diff(want) <= want / 5 + 30,
                "{i}: {} vs {want}",
                counts[i]
            );
        }
        let again: Vec<Choice> = {
            let mut a = StdRng::seed_from_u64(7);
            (0..50).map(|_| choose(a.gen())).collect()
        };
        let mut b = StdRng::seed_from_u64(7);
        assert_eq!(
            again,
            (0..50).map(|_| choose(b.gen())).collect::<Vec<_>>(),
            "seeded"
        );
    }

    #[test]
    fn a_bad_rating_says_why_and_a_good_one_is_just_stars() {
        assert_eq!(body(5, 3), json!({ "stars": 5 }));
        assert_eq!(
            body(1, 2),
            json!({ "stars": 1, "attitude": 1, "reasons": ["态度不好"] })
        );
        assert_eq!(
            body(2, 0),
            json!({ "stars": 2, "efficiency": 2, "reasons": ["等候时间长"] })
        );
        assert_eq!(body(2, 5)["reasons"][0], "办事效率低");
    }
}
