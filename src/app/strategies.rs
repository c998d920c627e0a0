//! Calling strategies (叫号策略): supervisors read them and change them for
//! the whole hall, a list of windows, or reset windows to the hall's, over
//! HTTP or on the dashboard stream. The scope rule is
//! `tingwu_core::strategy_scope`; the hall actor validates the strategy,
//! checks the windows, commits with an audit entry and tells the windows.

use tingwu_actors::core::strategy::Strategy;
use tingwu_actors::core::strategy_scope::{self, Scope, ScopeError};
use tingwu_actors::hall::{
    ChangeStrategy, GetStrategies, Strategies, StrategyChangeError, StrategyScope,
};

use super::App;

/// Why a strategy change is refused.
#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    /// The scope names no window, or an unknown kind (`bad_request`).
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// The hall refused: an invalid strategy, an unknown window, no
    /// strategy, or storage trouble (see [`StrategyChangeError`]).
    #[error(transparent)]
    Refused(#[from] StrategyChangeError),
    /// The hall's actors are stopping (503 `unavailable`).
    #[error("the hall is shutting down")]
    ShuttingDown,
}

/// A strategy change as a supervisor asks for it.
#[derive(Debug, Clone)]
pub struct StrategyChange {
    /// `"hall"`, `"windows"` or `"reset"`.
    pub scope: String,
    /// The windows, for `windows` and `reset`.
    pub windows: Vec<String>,
    /// The new strategy; none for `reset`.
    pub strategy: Option<Strategy>,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

impl App {
    /// The strategies in force (the hall's and each window's own).
    pub async fn strategies(&self) -> Result<Strategies, StrategyError> {
        self.dir
            .hall
            .send(GetStrategies)
            .await
            .map_err(|_| StrategyError::ShuttingDown)
    }

    /// Applies a supervisor's strategy change (`who` for the audit log) and
    /// answers the strategies now in force.
    pub async fn change_strategy(
        &self,
        who: &str,
        change: StrategyChange,
    ) -> Result<Strategies, StrategyError> {
        let scope = match strategy_scope::scope(&change.scope, change.windows)? {
            Scope::Hall => StrategyScope::Hall,
            Scope::Windows(w) => StrategyScope::Windows(w),
            Scope::Reset(w) => StrategyScope::Reset(w),
        };
        let strategies = self
            .dir
            .hall
            .send(ChangeStrategy {
                scope,
                strategy: change.strategy,
                who: who.to_string(),
                reason: change.reason,
            })
            .await
            .map_err(|_| StrategyError::ShuttingDown)??;
        Ok(strategies)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;

    fn change(scope: &str, windows: &[&str], strategy: Option<Strategy>) -> StrategyChange {
        StrategyChange {
            scope: scope.into(),
            windows: windows.iter().map(|w| w.to_string()).collect(),
            strategy,
            reason: None,
        }
    }

    #[actix::test]
    async fn scopes_are_checked_before_the_hall_is_asked() {
        let (app, _keys) = demo_app();
        let hall = app.strategies().await.unwrap().hall;
        let e = app
            .change_strategy("admin", change("windows", &[], Some(hall.clone())))
            .await
            .unwrap_err();
        assert!(matches!(e, StrategyError::Scope(ScopeError::NoWindows)));
        let e = app
            .change_strategy("admin", change("area", &["1"], Some(hall.clone())))
            .await
            .unwrap_err();
        assert!(matches!(e, StrategyError::Scope(ScopeError::Unknown(_))));
        let e = app
            .change_strategy("admin", change("windows", &["9999"], Some(hall.clone())))
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StrategyError::Refused(StrategyChangeError::UnknownWindow(_))
        ));
        let e = app
            .change_strategy("admin", change("hall", &[], None))
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StrategyError::Refused(StrategyChangeError::Missing)
        ));
        let first = app.directory().windows.keys().next().unwrap().clone();
        let view = app
            .change_strategy("admin", change("windows", &[&first], Some(hall)))
            .await
            .unwrap();
        assert!(view.windows.contains_key(&first));
        let view = app
            .change_strategy("admin", change("reset", &[&first], None))
            .await
            .unwrap();
        assert!(!view.windows.contains_key(&first));
    }
}
