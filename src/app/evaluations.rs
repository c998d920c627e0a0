//! Evaluations (好差评): the one rating path of every evaluator — the
//! RS-485 evaluator (`src/devices/bus_link.rs`), the MQTT evaluator
//! (`src/mqtt/edge.rs`) and the tablet page `/evaluate/{window}`
//! (`src/http/ratings.rs`). Each converts its input to the one scale
//! (`RatingGrade`, ★1 非常不满意 … ★5 非常满意; the RS-485 codes, where
//! 1 = 非常满意, through `RatingGrade::from_rs485`) and calls
//! [`App::rate`], which hands it to the hall's rating actor
//! (`tingwu_actors::rating`): one rating per service, "not rated" after
//! the timeout, none from staff, durable before it is acknowledged, and a
//! bad one alarms and opens a follow-up.

use tingwu_actors::core::rating::grade::{Indicators, RatingGrade};
use tingwu_actors::core::rating::record::Channel;
use tingwu_actors::core::rating::stored::WindowPrompt;
use tingwu_actors::core::rating::{Rater, RatingRecord, RatingRefusal, Submission};
use tingwu_actors::rating::{GetPrompt, Rate, RateError};
use tingwu_actors::store::StoreError;

use super::App;

/// Why a rating was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// The hall has no such window (404).
    #[error("unknown window {0:?} (窗口不存在)")]
    UnknownWindow(String),
    /// Nothing to rate at the window yet (409 `no_service_to_rate`).
    #[error("window {0} has no service to rate / 该窗口暂无可评价的服务")]
    NoPrompt(String),
    /// Refused by the rule: rated already (409 `already_rated`), timed out
    /// (409 `rating_timed_out`), staff (403 `staff_cannot_rate`), reasons
    /// too long (400).
    #[error(transparent)]
    Refused(#[from] RatingRefusal),
    /// The hall is stopping (503).
    #[error("the hall is not answering / 服务暂不可用")]
    Unavailable,
    /// The commit failed (busy or storage down); the rating may be sent
    /// again.
    #[error(transparent)]
    Storage(#[from] StoreError),
}

impl EvaluationError {
    /// The wire code every transport uses.
    pub fn code(&self) -> &'static str {
        match self {
            EvaluationError::UnknownWindow(_) => "unknown_window",
            EvaluationError::NoPrompt(_) => "no_service_to_rate",
            EvaluationError::Refused(RatingRefusal::AlreadyRated { .. }) => "already_rated",
            EvaluationError::Refused(RatingRefusal::TimedOut { .. }) => "rating_timed_out",
            EvaluationError::Refused(RatingRefusal::Staff) => "staff_cannot_rate",
            EvaluationError::Refused(RatingRefusal::Reasons(_)) => "bad_reasons",
            EvaluationError::Refused(_) => "rating_refused",
            EvaluationError::Unavailable => "unavailable",
            EvaluationError::Storage(StoreError::Busy) => "busy",
            EvaluationError::Storage(_) => "unavailable",
        }
    }
}

/// What the citizen chose: the overall grade (整体满意度), the three other
/// offline indicators (服务效率, 服务水平, 服务态度) and optional reasons.
#[derive(Debug, Clone)]
pub struct RatingInput {
    pub grade: RatingGrade,
    pub indicators: Indicators,
    pub reasons: Vec<String>,
}

impl RatingInput {
    /// Only the overall grade (an evaluator with five keys).
    pub fn grade(grade: RatingGrade) -> Self {
        Self {
            grade,
            indicators: Indicators::default(),
            reasons: Vec::new(),
        }
    }
}

impl App {
    /// Rates the service open at `window`, sent by `rater` over `channel`,
    /// at the hall clock's now. Answers the durable record.
    pub async fn rate(
        &self,
        window: &str,
        input: RatingInput,
        rater: Rater,
        channel: Channel,
    ) -> Result<RatingRecord, EvaluationError> {
        if !self.dir.windows.contains_key(window) {
            return Err(EvaluationError::UnknownWindow(window.to_string()));
        }
        let msg = Rate {
            window: window.to_string(),
            submission: Submission {
                grade: input.grade,
                indicators: input.indicators,
                reasons: input.reasons,
                rater,
                channel,
            },
            now: self.dir.clock.now(),
        };
        let answer = self
            .dir
            .ratings
            .send(msg)
            .await
            .map_err(|_| EvaluationError::Unavailable)?;
        answer.map_err(|e| match e {
            RateError::NoPrompt { window } => EvaluationError::NoPrompt(window),
            RateError::Refused(r) => EvaluationError::Refused(r),
            RateError::Storage(s) => EvaluationError::Storage(s),
        })
    }

    /// The window's latest prompt, for the tablet page (None: nothing
    /// finished there yet).
    pub async fn rating_prompt(
        &self,
        window: &str,
    ) -> Result<Option<WindowPrompt>, EvaluationError> {
        if !self.dir.windows.contains_key(window) {
            return Err(EvaluationError::UnknownWindow(window.to_string()));
        }
        self.dir
            .ratings
            .send(GetPrompt {
                window: window.to_string(),
            })
            .await
            .map_err(|_| EvaluationError::Unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::demo_app;
    use tingwu_actors::rating::ServiceFinished;

    #[actix::test]
    async fn every_channel_rates_once_and_staff_never() {
        let (app, _keys) = demo_app();
        let window = app.directory().config.windows[0].id.clone();
        let none = app
            .rate(
                &window,
                RatingInput::grade(RatingGrade::Satisfied),
                Rater::Device("E".into()),
                Channel::Mqtt,
            )
            .await
            .unwrap_err();
        assert_eq!(none.code(), "no_service_to_rate");
        let now = app.directory().clock.now();
        let ticket = format!("{}-A001", app.directory().clock.day(now));
        app.directory()
            .ratings
            .send(ServiceFinished {
                ticket: ticket.clone(),
                number: "A001".into(),
                window: window.clone(),
                at: now,
            })
            .await
            .unwrap()
            .unwrap();
        let staff = app
            .rate(
                &window,
                RatingInput::grade(RatingGrade::VerySatisfied),
                Rater::Staff("S01".into()),
                Channel::Tablet,
            )
            .await
            .unwrap_err();
        assert_eq!(staff.code(), "staff_cannot_rate");
        let r = app
            .rate(
                &window,
                RatingInput::grade(RatingGrade::from_rs485(
                    tingwu_protocols::modbus_profile::Grade::VeryDissatisfied,
                )),
                Rater::Device("E".into()),
                Channel::Rs485,
            )
            .await
            .unwrap();
        assert_eq!(
            r.grade().map(RatingGrade::stars),
            Some(1),
            "RS-485 code 5 is ★1"
        );
        let again = app
            .rate(
                &window,
                RatingInput::grade(RatingGrade::Satisfied),
                Rater::Device("E".into()),
                Channel::Tablet,
            )
            .await
            .unwrap_err();
        assert_eq!(again.code(), "already_rated");
        let unknown = app
            .rate(
                "nope",
                RatingInput::grade(RatingGrade::Satisfied),
                Rater::Device("E".into()),
                Channel::Tablet,
            )
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), "unknown_window");
    }
}
