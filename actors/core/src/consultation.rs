//! Consultations (咨询): enquiries answered at a window that do not become
//! a case. The monthly service report counts them apart from cases taken
//! in ("consultations recorded at a window count separately", issue 10),
//! per day, department and window.
//!
//! Window staff record one with the item asked about or a free topic, the
//! ticket being served if any, and a short note. A consultation needs no
//! personal data, and its note and topic are kept in clear, so a run of 11
//! or more digits (a phone or ID number) is refused rather than stored.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;
/// The longest free topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 50;
/// The longest range a tally covers, in days (a year and a day).
pub const MAX_RANGE_DAYS: i64 = 366;
/// Digits in a row that look like a phone (11) or ID number (18).
const PERSONAL_DIGITS: usize = 11;

/// One consultation as recorded (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// `{YYYYMMDD}-{ms}-{n}`: the hall day, the Unix milliseconds it was
    /// recorded at and the recorder's count within them; unique in the
    /// hall.
    pub id: String,
    /// When it was recorded (UTC).
    pub at: DateTime<Utc>,
    /// The hall-local day it counts on.
    pub day: NaiveDate,
    /// The window and the staff member who recorded it.
    pub window: String,
    pub staff: String,
    /// The department it counts for: the item's, else the window's.
    pub department: String,
    /// The item asked about, if one.
    pub item: Option<String>,
    /// A free topic (when no item fits), trimmed.
    pub topic: Option<String>,
    /// The ticket being served when it was recorded, if any.
    pub ticket: Option<String>,
    /// A short note (at most [`MAX_NOTE_CHARS`]), trimmed; may be empty.
    pub note: String,
}

/// A consultation as stored (`keys::consultation`): the consultation and
/// the request key (`Idempotency-Key`) that recorded it, if any, so that a
/// retry — also after a restart — is answered with it instead of counting
/// twice. The key never leaves storage (not in the event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConsultation {
    #[serde(flatten)]
    pub consultation: Consultation,
    /// The request key it was recorded under, with the window (keys are
    /// the sender's: `{window}/{key}`).
    #[serde(default)]
    pub key: Option<String>,
    /// The fingerprint of the request recorded under `key` (a hash of its
    /// canonical form, made by the application layer): the same key with
    /// another request is refused. Absent in records written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Why a consultation or a tally was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    #[error("请选择咨询事项或填写咨询主题 / name the item asked about or a topic")]
    SubjectRequired,
    #[error("咨询主题最多{MAX_TOPIC_CHARS}个字 / a topic is at most {MAX_TOPIC_CHARS} characters")]
    TopicTooLong,
    #[error("咨询备注最多{MAX_NOTE_CHARS}个字 / a note is at most {MAX_NOTE_CHARS} characters")]
    NoteTooLong,
    #[error("咨询记录无需个人信息，请勿填写身份证号或手机号 / a consultation needs no personal data: leave out ID and phone numbers")]
    PersonalData,
    #[error("统计区间有误：起始日期须不晚于结束日期，且不超过{MAX_RANGE_DAYS}天 / from must not be after to, and the range is at most {MAX_RANGE_DAYS} days")]
    Range,
}

impl ConsultationError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SubjectRequired => "consultation_subject_required",
            Self::TopicTooLong => "consultation_topic_too_long",
            Self::NoteTooLong => "consultation_note_too_long",
            Self::PersonalData => "consultation_personal_data",
            Self::Range => "bad_range",
        }
    }
}

fn has_personal_digits(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        // Full-width digits count as digits too.
        if c.is_ascii_digit() || ('０'..='９').contains(&c) {
            run += 1;
            if run >= PERSONAL_DIGITS {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Checks what staff typed: an item or a topic, their lengths, no personal
/// data. Answers the topic (none when empty) and the note, trimmed.
/// Errors: [`ConsultationError`].
pub fn check(
    item: Option<&str>,
    topic: Option<&str>,
    note: &str,
) -> Result<(Option<String>, String), ConsultationError> {
    let topic = topic.map(str::trim).filter(|t| !t.is_empty());
    if item.is_none() && topic.is_none() {
        return Err(ConsultationError::SubjectRequired);
    }
    if topic.is_some_and(|t| t.chars().count() > MAX_TOPIC_CHARS) {
        return Err(ConsultationError::TopicTooLong);
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ConsultationError::NoteTooLong);
    }
    if has_personal_digits(note) || topic.is_some_and(has_personal_digits) {
        return Err(ConsultationError::PersonalData);
    }
    Ok((topic.map(str::to_string), note.to_string()))
}

/// Checks a tally's range of days (both included). Errors:
/// [`ConsultationError::Range`].
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ConsultationError> {
    if from > to || (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(ConsultationError::Range);
    }
    Ok(())
}

/// Consultations counted for a range of days: in total, by department, by
/// window and by day (the monthly report's inputs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: u64,
    pub by_department: BTreeMap<String, u64>,
    pub by_window: BTreeMap<String, u64>,
    pub by_day: BTreeMap<NaiveDate, u64>,
}

/// Counts `items` whose day is within `from..=to`.
pub fn tally<'a>(
    items: impl IntoIterator<Item = &'a Consultation>,
    from: NaiveDate,
    to: NaiveDate,
) -> Tally {
    let mut t = Tally::default();
    for c in items.into_iter().filter(|c| (from..=to).contains(&c.day)) {
        t.total += 1;
        *t.by_department.entry(c.department.clone()).or_default() += 1;
        *t.by_window.entry(c.window.clone()).or_default() += 1;
        *t.by_day.entry(c.day).or_default() += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn one(day: &str, window: &str, dept: &str) -> Consultation {
        Consultation {
            id: format!("{day}-{window}"),
            at: Utc::now(),
            day: d(day),
            window: window.into(),
            staff: "S01".into(),
            department: dept.into(),
            item: None,
            topic: Some("营业执照办理流程".into()),
            ticket: None,
            note: String::new(),
        }
    }

    #[test]
    fn an_item_or_a_topic_and_no_personal_data() {
        assert_eq!(
            check(None, Some("  "), "x"),
            Err(ConsultationError::SubjectRequired)
        );
        assert_eq!(
            check(Some("food-license"), None, " 询问所需材料 "),
            Ok((None, "询问所需材料".into()))
        );
        assert_eq!(
            check(None, Some(" 社保转移 "), ""),
            Ok((Some("社保转移".into()), String::new()))
        );
        for personal in [
            "回电13812345678",
            "身份证11010519491231002X",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(
                check(None, Some("社保"), personal),
                Err(ConsultationError::PersonalData),
                "{personal}"
            );
        }
        // Dates and short numbers are not personal data.
        assert!(check(None, Some("2026年12月1日"), "窗口5，预约20261201").is_ok());
        assert_eq!(
            check(None, Some(&"长".repeat(MAX_TOPIC_CHARS + 1)), ""),
            Err(ConsultationError::TopicTooLong)
        );
        assert!(check(None, Some("x"), &"字".repeat(MAX_NOTE_CHARS)).is_ok());
        assert_eq!(
            check(None, Some("x"), &"字".repeat(MAX_NOTE_CHARS + 1)),
            Err(ConsultationError::NoteTooLong)
        );
    }

    #[test]
    fn tallies_by_department_window_and_day_within_the_range() {
        let all = [
            one("2026-11-30", "5", "amr"),
            one("2026-12-01", "5", "amr"),
            one("2026-12-01", "6", "tax"),
            one("2026-12-02", "5", "tax"),
        ];
        let t = tally(&all, d("2026-12-01"), d("2026-12-02"));
        assert_eq!(t.total, 3);
        assert_eq!(t.by_department.get("tax"), Some(&2));
        assert_eq!(t.by_department.get("amr"), Some(&1));
        assert_eq!(t.by_window.get("5"), Some(&2));
        assert_eq!(t.by_day.get(&d("2026-12-01")), Some(&2));
        assert_eq!(t.by_day.get(&d("2026-11-30")), None);
        assert_eq!(
            tally(&all, d("2027-01-01"), d("2027-01-31")),
            Tally::default()
        );
    }

    #[test]
    fn a_range_runs_forward_for_at_most_a_year() {
        assert!(check_range(d("2026-12-01"), d("2026-12-01")).is_ok());
        assert!(check_range(d("2026-01-01"), d("2026-12-31")).is_ok());
        assert_eq!(
            check_range(d("2026-12-02"), d("2026-12-01")),
            Err(ConsultationError::Range)
        );
        assert_eq!(
            check_range(d("2025-01-01"), d("2026-12-31")),
            Err(ConsultationError::Range)
        );
    }
}
