//! Typed reads of 好差评: the rating actor's state at start-up, a month's
//! rating records and the follow-ups for the monthly ranking, one
//! service's record. Unreadable records are logged and skipped (counted
//! in the answer), never fatal.

use serde::de::DeserializeOwned;
use tingwu_actors::core::rating::follow_up::FollowUp;
use tingwu_actors::core::rating::stored::{RatingState, WindowPrompt};
use tingwu_actors::core::rating::RatingRecord;
use tingwu_actors::keys;
use tracing::warn;

use super::reads::{ReadError, StoreReader};

/// Records read, and how many were skipped as unreadable.
#[derive(Debug, Default)]
pub struct Scanned<T> {
    pub items: Vec<T>,
    pub skipped: usize,
}

impl StoreReader {
    fn scan_ratings<T: DeserializeOwned>(
        &self,
        what: &'static str,
        prefix: &[u8],
    ) -> Result<Scanned<T>, ReadError> {
        let mut out = Scanned {
            items: Vec::new(),
            skipped: 0,
        };
        for kv in self.raw_prefix(prefix) {
            let (k, v) = kv?;
            match serde_json::from_slice(&v) {
                Ok(x) => out.items.push(x),
                Err(e) => {
                    out.skipped += 1;
                    warn!(what, key = %String::from_utf8_lossy(&k), error = %e, "unreadable record skipped");
                }
            }
        }
        Ok(out)
    }

    /// The rating actor's state: every window's prompt (`rp/`) and every
    /// follow-up (`rf/`); the count of unreadable records skipped.
    pub fn rating_state(&self) -> Result<(RatingState, usize), ReadError> {
        let prompts: Scanned<WindowPrompt> =
            self.scan_ratings("rating prompt", keys::RATING_PROMPTS)?;
        let follow_ups = self.follow_ups()?;
        Ok((
            RatingState {
                prompts: prompts.items,
                follow_ups: follow_ups.items,
            },
            prompts.skipped + follow_ups.skipped,
        ))
    }

    /// Rating records of the tickets whose hall day starts with `prefix`
    /// (`202611` for a month).
    pub fn ratings_from(&self, prefix: &str) -> Result<Scanned<RatingRecord>, ReadError> {
        self.scan_ratings("rating", &keys::ratings_from(prefix))
    }

    /// Every follow-up of a bad rating.
    pub fn follow_ups(&self) -> Result<Scanned<FollowUp>, ReadError> {
        self.scan_ratings("rating follow-up", keys::FOLLOW_UPS)
    }
}
