//! The one grading scale of 好差评 (国办发〔2019〕51号《关于建立政务服务
//! "好差评"制度提高政务服务水平的意见》: five grades, 非常满意 to
//! 非常不满意; 不满意 and 非常不满意 are 差评), its offline indicators
//! and optional reasons.
//!
//! | grade | stars | [`RatingGrade`] | RS-485 evaluator code (`modbus_profile::Grade::code`) |
//! |---|---|---|---|
//! | 非常满意 | ★5 | `VerySatisfied` | 1 |
//! | 满意 | ★4 | `Satisfied` | 2 |
//! | 基本满意 | ★3 | `Basic` | 3 |
//! | 不满意 | ★2 | `Dissatisfied` | 4 |
//! | 非常不满意 | ★1 | `VeryDissatisfied` | 5 |
//!
//! The RS-485 evaluator profile counts the other way round (1 = 非常满意,
//! its key order); its codec is unchanged and [`RatingGrade::from_rs485`]
//! converts. MQTT evaluators and the tablet page send stars 1–5
//! ([`RatingGrade::from_stars`]) or the snake_case name (serde). Every
//! statistic uses stars.

use serde::{Deserialize, Serialize};
use tingwu_protocols::modbus_profile::Grade;

/// A grade on the national five-grade scale; ordered by stars
/// (`VeryDissatisfied < … < VerySatisfied`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingGrade {
    /// 非常不满意 ★1
    VeryDissatisfied,
    /// 不满意 ★2
    Dissatisfied,
    /// 基本满意 ★3
    Basic,
    /// 满意 ★4
    Satisfied,
    /// 非常满意 ★5
    VerySatisfied,
}

/// A grade value outside the scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a grade: expected 1 to 5 stars (1 非常不满意 … 5 非常满意)")]
pub struct GradeError(pub i64);

impl RatingGrade {
    /// Every grade, from ★1 to ★5.
    pub const ALL: [RatingGrade; 5] = [
        RatingGrade::VeryDissatisfied,
        RatingGrade::Dissatisfied,
        RatingGrade::Basic,
        RatingGrade::Satisfied,
        RatingGrade::VerySatisfied,
    ];

    /// Stars, 1 (非常不满意) to 5 (非常满意).
    pub fn stars(self) -> u8 {
        match self {
            RatingGrade::VeryDissatisfied => 1,
            RatingGrade::Dissatisfied => 2,
            RatingGrade::Basic => 3,
            RatingGrade::Satisfied => 4,
            RatingGrade::VerySatisfied => 5,
        }
    }

    /// The grade of 1–5 stars (MQTT evaluators, the tablet page).
    pub fn from_stars(stars: i64) -> Result<Self, GradeError> {
        match stars {
            1 => Ok(RatingGrade::VeryDissatisfied),
            2 => Ok(RatingGrade::Dissatisfied),
            3 => Ok(RatingGrade::Basic),
            4 => Ok(RatingGrade::Satisfied),
            5 => Ok(RatingGrade::VerySatisfied),
            other => Err(GradeError(other)),
        }
    }

    /// The grade an RS-485 evaluator sent (its code 1 = 非常满意).
    pub fn from_rs485(grade: Grade) -> Self {
        match grade {
            Grade::VerySatisfied => RatingGrade::VerySatisfied,
            Grade::Satisfied => RatingGrade::Satisfied,
            Grade::Basic => RatingGrade::Basic,
            Grade::Dissatisfied => RatingGrade::Dissatisfied,
            Grade::VeryDissatisfied => RatingGrade::VeryDissatisfied,
        }
    }

    /// The grade of an RS-485 evaluator code as stored in
    /// `bus::Evaluation::score` (1 = 非常满意 … 5 = 非常不满意).
    pub fn from_rs485_code(code: u16) -> Result<Self, GradeError> {
        Grade::from_code(code)
            .map(Self::from_rs485)
            .map_err(|_| GradeError(i64::from(code)))
    }

    /// The same grade in the RS-485 profile.
    pub fn to_rs485(self) -> Grade {
        match self {
            RatingGrade::VerySatisfied => Grade::VerySatisfied,
            RatingGrade::Satisfied => Grade::Satisfied,
            RatingGrade::Basic => Grade::Basic,
            RatingGrade::Dissatisfied => Grade::Dissatisfied,
            RatingGrade::VeryDissatisfied => Grade::VeryDissatisfied,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RatingGrade::VerySatisfied => "非常满意",
            RatingGrade::Satisfied => "满意",
            RatingGrade::Basic => "基本满意",
            RatingGrade::Dissatisfied => "不满意",
            RatingGrade::VeryDissatisfied => "非常不满意",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RatingGrade::VerySatisfied => "Very satisfied",
            RatingGrade::Satisfied => "Satisfied",
            RatingGrade::Basic => "Basically satisfied",
            RatingGrade::Dissatisfied => "Dissatisfied",
            RatingGrade::VeryDissatisfied => "Very dissatisfied",
        }
    }

    /// 差评: 不满意 or worse. A bad rating raises an alarm and opens a
    /// follow-up.
    pub fn is_bad(self) -> bool {
        self <= RatingGrade::Dissatisfied
    }

    /// 好评 for the satisfaction rate (满意率): 基本满意 or better.
    pub fn is_satisfied(self) -> bool {
        !self.is_bad()
    }
}

/// The offline indicators besides the overall grade (整体满意度, which is
/// the rating's own grade): 服务效率, 服务水平, 服务态度, each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicators {
    /// 服务效率
    #[serde(default)]
    pub efficiency: Option<RatingGrade>,
    /// 服务水平
    #[serde(default)]
    pub level: Option<RatingGrade>,
    /// 服务态度
    #[serde(default)]
    pub attitude: Option<RatingGrade>,
}

/// Reasons a citizen may give at most.
pub const MAX_REASONS: usize = 8;
/// Characters of one reason at most.
pub const MAX_REASON_CHARS: usize = 200;

/// Why the reasons were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("at most {MAX_REASONS} reasons / 评价理由最多 {MAX_REASONS} 条")]
    TooMany,
    #[error("reason {0} is empty, longer than {MAX_REASON_CHARS} characters or holds control characters / 评价理由无效")]
    Bad(usize),
}

/// Trimmed reasons, or why not.
pub fn check_reasons(reasons: &[String]) -> Result<Vec<String>, ReasonError> {
    if reasons.len() > MAX_REASONS {
        return Err(ReasonError::TooMany);
    }
    reasons
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let r = r.trim();
            let ok = !r.is_empty()
                && r.chars().count() <= MAX_REASON_CHARS
                && !r.chars().any(char::is_control);
            if ok {
                Ok(r.to_string())
            } else {
                Err(ReasonError::Bad(i))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_scale_and_the_rs485_codes_run_the_other_way() {
        for (g, stars, code) in [
            (RatingGrade::VerySatisfied, 5, 1),
            (RatingGrade::Satisfied, 4, 2),
            (RatingGrade::Basic, 3, 3),
            (RatingGrade::Dissatisfied, 2, 4),
            (RatingGrade::VeryDissatisfied, 1, 5),
        ] {
            assert_eq!(g.stars(), stars);
            assert_eq!(RatingGrade::from_stars(i64::from(stars)), Ok(g));
            assert_eq!(g.to_rs485().code(), code);
            let wire = Grade::from_code(code).unwrap();
            assert_eq!(RatingGrade::from_rs485(wire), g);
            assert_eq!(RatingGrade::from_rs485_code(code), Ok(g));
            assert_eq!(g.label_zh(), wire.label(), "same words on both");
            assert_eq!(g.is_bad(), wire.is_bad(), "same 差评 on both");
        }
        assert_eq!(RatingGrade::from_stars(0), Err(GradeError(0)));
        assert_eq!(RatingGrade::from_stars(6), Err(GradeError(6)));
        assert_eq!(RatingGrade::from_rs485_code(0), Err(GradeError(0)));
        assert!(RatingGrade::VerySatisfied > RatingGrade::Basic);
        assert_eq!(
            serde_json::to_value(RatingGrade::Basic).unwrap(),
            serde_json::json!("basic")
        );
    }

    #[test]
    fn bad_and_satisfied() {
        let bad: Vec<u8> = RatingGrade::ALL
            .iter()
            .filter(|g| g.is_bad())
            .map(|g| g.stars())
            .collect();
        assert_eq!(bad, [1, 2]);
        assert!(RatingGrade::Basic.is_satisfied());
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(
            check_reasons(&[" 等候时间长 ".into()]),
            Ok(vec!["等候时间长".to_string()])
        );
        assert_eq!(check_reasons(&["".into()]), Err(ReasonError::Bad(0)));
        assert_eq!(
            check_reasons(&["ok".into(), "a\u{1b}b".into()]),
            Err(ReasonError::Bad(1))
        );
        assert_eq!(
            check_reasons(&["字".repeat(MAX_REASON_CHARS + 1)]),
            Err(ReasonError::Bad(0))
        );
        assert_eq!(
            check_reasons(&vec!["x".to_string(); MAX_REASONS + 1]),
            Err(ReasonError::TooMany)
        );
    }
}
