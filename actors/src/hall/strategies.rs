//! Calling strategies set by supervisors (for the hall, some windows, or
//! back to the hall's): persisted, audited, passed to the windows.

use actix::prelude::*;
use tracing::info;

use super::{HallActor, HALL_STRATEGY};
use crate::core::strategy::{Strategy, StrategyError};
use crate::events::{AuditEntry, EventBody};
use crate::keys;
use crate::store::{Commit, Op, StoreError};
use crate::window::SetStrategy as WindowStrategy;

/// Which windows a strategy change applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategyScope {
    /// The hall's default: every window without its own.
    Hall,
    /// These windows get their own strategy.
    Windows(Vec<String>),
    /// These windows drop their own and follow the hall's again.
    Reset(Vec<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum StrategyChangeError {
    #[error("invalid strategy: {0}")]
    Invalid(#[from] StrategyError),
    #[error("unknown window {0:?}")]
    UnknownWindow(String),
    #[error("a strategy is needed")]
    Missing,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// The strategies in force.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Strategies {
    pub hall: Strategy,
    /// Windows with their own strategy.
    pub windows: std::collections::BTreeMap<String, Strategy>,
}

impl HallActor {
    fn strategies_view(&self) -> Strategies {
        Strategies {
            hall: self
                .strategies
                .get(HALL_STRATEGY)
                .cloned()
                .unwrap_or_default(),
            windows: self
                .strategies
                .iter()
                .filter(|(k, _)| k.as_str() != HALL_STRATEGY)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The strategy a window follows now.
    fn effective(&self, window: &str) -> Strategy {
        self.strategies
            .get(window)
            .or_else(|| self.strategies.get(HALL_STRATEGY))
            .cloned()
            .unwrap_or_default()
    }
}

/// A supervisor changes the calling strategy (persisted, audited, in force
/// from each window's next call).
#[derive(Message)]
#[rtype(result = "Result<Strategies, StrategyChangeError>")]
pub struct ChangeStrategy {
    pub scope: StrategyScope,
    pub strategy: Option<Strategy>,
    pub who: String,
    pub reason: Option<String>,
}

impl Handler<ChangeStrategy> for HallActor {
    type Result = ResponseActFuture<Self, Result<Strategies, StrategyChangeError>>;

    fn handle(&mut self, msg: ChangeStrategy, _: &mut Self::Context) -> Self::Result {
        let plan = (|| {
            let targets: Vec<String> = match &msg.scope {
                StrategyScope::Hall => vec![HALL_STRATEGY.to_string()],
                StrategyScope::Windows(w) | StrategyScope::Reset(w) => w.clone(),
            };
            for w in &targets {
                if w != HALL_STRATEGY && !self.windows.contains_key(w) {
                    return Err(StrategyChangeError::UnknownWindow(w.clone()));
                }
            }
            let strategy = match &msg.scope {
                StrategyScope::Reset(_) => None,
                _ => {
                    let s = msg.strategy.clone().ok_or(StrategyChangeError::Missing)?;
                    s.validate()?;
                    Some(s)
                }
            };
            let mut commit = Commit::default();
            for w in &targets {
                match &strategy {
                    Some(s) => {
                        commit.put_json(keys::strategy(w), s);
                    }
                    None => {
                        commit.ops.push(Op::Delete(keys::strategy(w)));
                    }
                }
            }
            commit.event(EventBody::Audit(AuditEntry {
                who: msg.who.clone(),
                action: match msg.scope {
                    StrategyScope::Reset(_) => "strategy_reset".into(),
                    _ => "strategy_set".into(),
                },
                target: targets.join(","),
                reason: msg.reason.clone(),
                detail: serde_json::to_value(&strategy).unwrap_or_default(),
            }));
            let durable = self.store.enqueue(commit)?;
            Ok((targets, strategy, durable))
        })();
        let (targets, strategy, durable) = match plan {
            Ok(p) => p,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        info!(who = %msg.who, targets = ?targets, reason = ?msg.reason, "calling strategy change");
        Box::pin(durable.into_actor(self).map(move |res, act, _| {
            res?;
            for t in &targets {
                match &strategy {
                    Some(s) => {
                        act.strategies.insert(t.clone(), s.clone());
                    }
                    None => {
                        act.strategies.remove(t);
                    }
                }
            }
            // Tell every window whose strategy may have changed.
            let affected: Vec<String> = if targets.iter().any(|t| t == HALL_STRATEGY) {
                act.windows.keys().cloned().collect()
            } else {
                targets.clone()
            };
            for w in affected {
                if let Some(addr) = act.windows.get(&w).cloned() {
                    let strategy = act.effective(&w);
                    // Waits for room in the window's mailbox; applies at its next call.
                    actix::spawn(async move {
                        let _ = addr.send(WindowStrategy(strategy)).await;
                    });
                }
            }
            Ok(act.strategies_view())
        }))
    }
}

#[derive(Message)]
#[rtype(result = "Strategies")]
pub struct GetStrategies;

impl Handler<GetStrategies> for HallActor {
    type Result = MessageResult<GetStrategies>;

    fn handle(&mut self, _: GetStrategies, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.strategies_view())
    }
}
