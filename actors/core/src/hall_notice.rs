//! 大厅公告 (hall notice): a short text a supervisor broadcasts to the hall's
//! public screens (issue 9, "a notice broadcast to the hall screens") — e.g.
//! 「系统维护，社保业务暂停办理」 — in force from the moment it is sent until it
//! expires (after `minutes`) or a supervisor clears it.
//!
//! The rules here: what a notice is ([`Notice`]), how a supervisor's draft
//! becomes one or is refused ([`compose`], typed [`NoticeRefusal`]s), that
//! the same notice sent twice (a retried request, a double click) is one
//! notice ([`send`]), when
//! it is in force ([`in_force`], [`expired`]) and how notice ids are given
//! ([`next_id`]). Which screens a notice reaches is
//! `screen_scope::ScreenScope::shows_notice`. The notice actor
//! (`tingwu_actors::notice`) owns the notices in force and commits every
//! change as a [`NoticeChange`] event (`EventBody::Notice`).
//!
//! Limits, so that a banner stays readable across a hall and nothing grows
//! without bound: the Chinese text 1 to [`MAX_TEXT_ZH`] characters, the
//! optional English one at most [`MAX_TEXT_EN`], neither with control
//! characters (a ticker is one line); `minutes` 1 to [`MAX_MINUTES`] (7
//! days), none meaning until cleared; at most [`MAX_TARGETS`] areas and
//! screens named; at most [`MAX_IN_FORCE`] notices in force at once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::HallConfig;

/// Most characters (not bytes) of a notice's Chinese text.
pub const MAX_TEXT_ZH: usize = 200;
/// Most characters of a notice's English text.
pub const MAX_TEXT_EN: usize = 400;
/// The longest expiry in minutes: 7 days.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;
/// Most areas plus screens one notice may name.
pub const MAX_TARGETS: usize = 64;
/// Most notices in force at once in a hall.
pub const MAX_IN_FORCE: usize = 20;

/// A notice in force: what the screens show and who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `n1764466212345`: unique in the hall ([`next_id`]).
    pub id: String,
    /// The text in Chinese (required, shown first).
    pub text_zh: String,
    /// The text in English, shown beneath the Chinese when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_en: Option<String>,
    /// The hall's areas (`[[areas]] id`) it is for; with `screens` empty
    /// too, the whole hall.
    #[serde(default)]
    pub areas: Vec<String>,
    /// The screens (`[[screens]] id`) it is for.
    #[serde(default)]
    pub screens: Vec<String>,
    /// When it was sent, and in force from (UTC).
    pub starts_at: DateTime<Utc>,
    /// When it stops being in force (UTC); none: until cleared.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The supervisor who sent it (a user name). Empty on public screens
    /// ([`Notice::public`]), and then left out of the JSON.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

impl Notice {
    /// Whether it is for the whole hall (no area or screen named).
    pub fn hall_wide(&self) -> bool {
        self.areas.is_empty() && self.screens.is_empty()
    }

    /// The notice as a public screen shows it: without who sent it.
    pub fn public(mut self) -> Self {
        self.by.clear();
        self
    }
}

/// How a notice stopped being in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeEndKind {
    /// A supervisor cleared it.
    Cleared,
    /// Its `expires_at` passed.
    Expired,
}

/// The end of a notice: how, when and (cleared) by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeEnd {
    pub reason: NoticeEndKind,
    pub at: DateTime<Utc>,
    /// The supervisor who cleared it; empty when it expired or on a public
    /// screen.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

/// A change of a notice, as the outbox and the screens carry it (the
/// `notice` event, since event version 6): the notice with `active: true`
/// when sent, `active: false` and its `end` when cleared or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeChange {
    #[serde(flatten)]
    pub notice: Notice,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NoticeEnd>,
}

impl NoticeChange {
    /// `notice` was sent: in force.
    pub fn sent(notice: Notice) -> Self {
        Self {
            notice,
            active: true,
            end: None,
        }
    }

    /// `notice` ended at `at` (`by`: who cleared it, empty when expired).
    pub fn ended(notice: Notice, reason: NoticeEndKind, at: DateTime<Utc>, by: &str) -> Self {
        Self {
            notice,
            active: false,
            end: Some(NoticeEnd {
                reason,
                at,
                by: by.to_string(),
            }),
        }
    }

    /// The change as a public screen shows it: without who sent or cleared
    /// the notice.
    pub fn public(mut self) -> Self {
        self.notice = self.notice.public();
        if let Some(end) = &mut self.end {
            end.by.clear();
        }
        self
    }
}

/// A notice as a supervisor asks for it (`POST /api/v1/notices`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub text_zh: String,
    pub text_en: Option<String>,
    pub areas: Vec<String>,
    pub screens: Vec<String>,
    /// In force for this many minutes; none: until cleared.
    pub minutes: Option<u32>,
}

/// Which text of a notice a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Zh,
    En,
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TextField::Zh => "text_zh",
            TextField::En => "text_en",
        })
    }
}

/// Why a draft is not a notice. Messages are English then Chinese, and
/// never echo the submitted text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeRefusal {
    #[error("text_zh is empty: a notice needs its Chinese text / 公告内容（中文）不能为空")]
    EmptyText,
    #[error("{field} is longer than {max} characters / 公告内容过长（最多 {max} 字）")]
    TextTooLong { field: TextField, max: usize },
    #[error(
        "{field} holds control characters (a notice is one line) / 公告内容不能含控制字符或换行"
    )]
    ControlCharacter { field: TextField },
    #[error("minutes must be 1 to {MAX_MINUTES} (or left out: until cleared) / 有效时长须为 1 至 {MAX_MINUTES} 分钟")]
    BadMinutes,
    #[error("no area {0:?} in this hall / 区域不存在")]
    UnknownArea(String),
    #[error("no screen {0:?} in this hall / 显示屏不存在")]
    UnknownScreen(String),
    #[error("at most {MAX_TARGETS} areas and screens per notice / 公告范围过多")]
    TooManyTargets,
    #[error("{MAX_IN_FORCE} notices are in force already: clear one first / 生效公告已达 {MAX_IN_FORCE} 条，请先撤下一条")]
    TooManyInForce,
}

impl NoticeRefusal {
    /// The error code on the API (`{"error":{"code"}}`) and in
    /// `tingwu_rejected_inputs_total{reason}`.
    pub fn code(&self) -> &'static str {
        match self {
            NoticeRefusal::EmptyText => "notice_text_empty",
            NoticeRefusal::TextTooLong { .. } => "notice_text_too_long",
            NoticeRefusal::ControlCharacter { .. } => "notice_text_invalid",
            NoticeRefusal::BadMinutes => "notice_bad_minutes",
            NoticeRefusal::UnknownArea(_) => "unknown_area",
            NoticeRefusal::UnknownScreen(_) => "unknown_screen",
            NoticeRefusal::TooManyTargets => "notice_too_many_targets",
            NoticeRefusal::TooManyInForce => "too_many_notices",
        }
    }
}

/// A text trimmed and checked: at most `max` characters, none a control
/// character. `Ok(None)` when empty after trimming.
fn text(raw: &str, field: TextField, max: usize) -> Result<Option<String>, NoticeRefusal> {
    let t = raw.trim();
    if t.chars().any(char::is_control) {
        return Err(NoticeRefusal::ControlCharacter { field });
    }
    if t.chars().count() > max {
        return Err(NoticeRefusal::TextTooLong { field, max });
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// Names kept once each, in the order first given.
fn dedup(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim();
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    out
}

/// The notice `draft` becomes when supervisor `by` sends it at `now` with
/// id `id` in `hall`, where `in_force` notices are in force already — or
/// why not. Texts are trimmed; an English text that is empty is none;
/// areas and screens must be the hall's (`[[areas]]`, `[[screens]]`).
pub fn compose(
    draft: &Draft,
    hall: &HallConfig,
    in_force: usize,
    id: String,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Notice, NoticeRefusal> {
    let text_zh =
        text(&draft.text_zh, TextField::Zh, MAX_TEXT_ZH)?.ok_or(NoticeRefusal::EmptyText)?;
    let text_en = match &draft.text_en {
        Some(t) => text(t, TextField::En, MAX_TEXT_EN)?,
        None => None,
    };
    let minutes = match draft.minutes {
        Some(m) if m == 0 || m > MAX_MINUTES => return Err(NoticeRefusal::BadMinutes),
        m => m,
    };
    if draft.areas.len() + draft.screens.len() > MAX_TARGETS {
        return Err(NoticeRefusal::TooManyTargets);
    }
    let areas = dedup(&draft.areas);
    if let Some(a) = areas
        .iter()
        .find(|a| !hall.areas.iter().any(|h| &h.id == *a))
    {
        return Err(NoticeRefusal::UnknownArea(a.clone()));
    }
    let screens = dedup(&draft.screens);
    if let Some(s) = screens.iter().find(|s| hall.screen(s).is_none()) {
        return Err(NoticeRefusal::UnknownScreen(s.clone()));
    }
    if in_force >= MAX_IN_FORCE {
        return Err(NoticeRefusal::TooManyInForce);
    }
    Ok(Notice {
        id,
        text_zh,
        text_en,
        areas,
        screens,
        starts_at: now,
        expires_at: minutes.map(|m| now + Duration::minutes(i64::from(m))),
        by: by.to_string(),
    })
}

/// What sending a draft comes to ([`send`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// A new notice, to be committed.
    New(Notice),
    /// The same notice (texts, areas and screens) is in force already:
    /// this one, unchanged. Nothing is committed; the answer is the same.
    Same(Notice),
}

/// Whether two notices say the same to the same screens: equal texts and
/// the same areas and screens in any order.
pub fn same_notice(a: &Notice, b: &Notice) -> bool {
    fn set(v: &[String]) -> std::collections::BTreeSet<&String> {
        v.iter().collect()
    }
    a.text_zh == b.text_zh
        && a.text_en == b.text_en
        && set(&a.areas) == set(&b.areas)
        && set(&a.screens) == set(&b.screens)
}

/// Supervisor `by` sends `draft` at `now` (id `id` if it is new) while
/// `in_force` are in force: the same notice again is [`Sent::Same`] (a
/// retried request or a double click shows it once, whoever sent it
/// first, whatever `minutes` say); otherwise [`compose`]'s new notice or
/// refusal, counting the notices in force against [`MAX_IN_FORCE`].
pub fn send(
    draft: &Draft,
    hall: &HallConfig,
    in_force: &[&Notice],
    id: String,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Sent, NoticeRefusal> {
    let candidate = compose(draft, hall, 0, id, by, now)?;
    if let Some(same) = in_force.iter().find(|n| same_notice(n, &candidate)) {
        return Ok(Sent::Same((*same).clone()));
    }
    if in_force.len() >= MAX_IN_FORCE {
        return Err(NoticeRefusal::TooManyInForce);
    }
    Ok(Sent::New(candidate))
}

/// Whether `notice` is in force at `now`: its expiry (if any) not reached.
/// A notice is in force from the moment it is sent (`starts_at`), so a
/// reader whose clock lags the sender's still shows it.
pub fn in_force(notice: &Notice, now: DateTime<Utc>) -> bool {
    notice.expires_at.is_none_or(|e| now < e)
}

/// The ids of the notices whose expiry has come by `now`, in the order
/// given.
pub fn expired<'a>(
    notices: impl IntoIterator<Item = &'a Notice>,
    now: DateTime<Utc>,
) -> Vec<String> {
    notices
        .into_iter()
        .filter(|n| n.expires_at.is_some_and(|e| e <= now))
        .map(|n| n.id.clone())
        .collect()
}

/// The number of the next notice id (`n{number}`): the time of sending in
/// Unix milliseconds, or one more than `last` (the largest given so far) if
/// that is not larger — so ids grow and are never given twice, even for
/// two notices in one millisecond or a clock set back.
pub fn next_id(now: DateTime<Utc>, last: u64) -> u64 {
    let ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    ms.max(last.saturating_add(1))
}

/// The id text of number `n` (`n1764466212345`).
pub fn id_text(n: u64) -> String {
    format!("n{n}")
}

/// The number of an id text, if it is one ([`id_text`]).
pub fn id_number(id: &str) -> Option<u64> {
    id.strip_prefix('n')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Two areas, a hall screen and a window screen.
    const HALL: &str = r#"
[hall]
id = "t"
name = "测试大厅"
[[areas]]
id = "A"
name = "A区"
[[areas]]
id = "B"
name = "B区"
[[departments]]
id = "d"
name = "部门"
[[queues]]
id = "QA"
prefix = "A"
name = "综合"
area = "A"
[[items]]
id = "general"
name = "综合事项"
department = "d"
queue = "QA"
[[windows]]
id = "1"
number = 1
name = "1号窗口"
area = "A"
queues = [{ queue = "QA" }]
[[screens]]
id = "hall"
kind = "hall"
name = "大厅屏"
[[screens]]
id = "w21"
kind = "window"
name = "窗口屏"
windows = ["1"]
"#;

    fn hall() -> HallConfig {
        HallConfig::from_toml(HALL).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap()
    }

    fn draft(text: &str) -> Draft {
        Draft {
            text_zh: text.into(),
            ..Draft::default()
        }
    }

    fn compose_now(d: &Draft) -> Result<Notice, NoticeRefusal> {
        compose(d, &hall(), 0, "n1".into(), "admin", now())
    }

    #[test]
    fn a_draft_becomes_a_notice_in_force_from_now() {
        let d = Draft {
            text_zh: "  系统维护，社保业务暂停办理  ".into(),
            text_en: Some(" Maintenance ".into()),
            areas: vec!["B".into(), "B".into()],
            screens: vec!["w21".into()],
            minutes: Some(30),
        };
        let n = compose_now(&d).unwrap();
        assert_eq!(n.text_zh, "系统维护，社保业务暂停办理", "trimmed");
        assert_eq!(n.text_en.as_deref(), Some("Maintenance"));
        assert_eq!(n.areas, vec!["B"], "named once");
        assert_eq!(n.screens, vec!["w21"]);
        assert_eq!(n.starts_at, now());
        assert_eq!(n.expires_at, Some(now() + Duration::minutes(30)));
        assert_eq!(n.by, "admin");
        assert!(!n.hall_wide());
        let until_cleared = compose_now(&draft("通知")).unwrap();
        assert_eq!(until_cleared.expires_at, None);
        assert!(until_cleared.hall_wide());
        let blank_en = Draft {
            text_en: Some("   ".into()),
            ..draft("通知")
        };
        assert_eq!(compose_now(&blank_en).unwrap().text_en, None);
    }

    #[test]
    fn bad_drafts_are_refused_with_their_reason() {
        let cases: Vec<(Draft, NoticeRefusal)> = vec![
            (draft(""), NoticeRefusal::EmptyText),
            (draft(" \u{3000} "), NoticeRefusal::EmptyText),
            (
                draft(&"长".repeat(MAX_TEXT_ZH + 1)),
                NoticeRefusal::TextTooLong {
                    field: TextField::Zh,
                    max: MAX_TEXT_ZH,
                },
            ),
            (
                draft("第一行\n第二行"),
                NoticeRefusal::ControlCharacter {
                    field: TextField::Zh,
                },
            ),
            (
                Draft {
                    text_en: Some("bell\u{7}".into()),
                    ..draft("通知")
                },
                NoticeRefusal::ControlCharacter {
                    field: TextField::En,
                },
            ),
            (
                Draft {
                    text_en: Some("x".repeat(MAX_TEXT_EN + 1)),
                    ..draft("通知")
                },
                NoticeRefusal::TextTooLong {
                    field: TextField::En,
                    max: MAX_TEXT_EN,
                },
            ),
            (
                Draft {
                    minutes: Some(0),
                    ..draft("通知")
                },
                NoticeRefusal::BadMinutes,
            ),
            (
                Draft {
                    minutes: Some(MAX_MINUTES + 1),
                    ..draft("通知")
                },
                NoticeRefusal::BadMinutes,
            ),
            (
                Draft {
                    areas: vec!["Z".into()],
                    ..draft("通知")
                },
                NoticeRefusal::UnknownArea("Z".into()),
            ),
            (
                Draft {
                    screens: vec!["nope".into()],
                    ..draft("通知")
                },
                NoticeRefusal::UnknownScreen("nope".into()),
            ),
            (
                Draft {
                    areas: vec!["A".into(); MAX_TARGETS + 1],
                    ..draft("通知")
                },
                NoticeRefusal::TooManyTargets,
            ),
        ];
        for (d, want) in cases {
            assert_eq!(compose_now(&d), Err(want.clone()), "{d:?}");
            let message = want.to_string();
            assert!(message.contains(" / "), "zh and en: {message}");
        }
        // Exactly at the limits is fine.
        assert!(compose_now(&draft(&"长".repeat(MAX_TEXT_ZH))).is_ok());
        assert!(compose_now(&Draft {
            minutes: Some(MAX_MINUTES),
            ..draft("通知")
        })
        .is_ok());
    }

    #[test]
    fn no_more_than_the_limit_in_force() {
        let d = draft("通知");
        let h = hall();
        assert!(compose(&d, &h, MAX_IN_FORCE - 1, "n1".into(), "a", now()).is_ok());
        assert_eq!(
            compose(&d, &h, MAX_IN_FORCE, "n1".into(), "a", now()),
            Err(NoticeRefusal::TooManyInForce)
        );
        assert_eq!(NoticeRefusal::TooManyInForce.code(), "too_many_notices");
    }

    #[test]
    fn the_same_notice_twice_is_one_notice() {
        let h = hall();
        let d = Draft {
            areas: vec!["A".into(), "B".into()],
            minutes: Some(10),
            ..draft(" 通知 ")
        };
        let first = compose(&d, &h, 0, "n1".into(), "admin", now()).unwrap();
        let again = Draft {
            text_zh: "通知".into(),
            areas: vec!["B".into(), "A".into()],
            minutes: Some(30),
            ..d.clone()
        };
        assert_eq!(
            send(&again, &h, &[&first], "n2".into(), "boss", now()),
            Ok(Sent::Same(first.clone())),
            "same texts and places, any order, any minutes"
        );
        let other_place = Draft {
            areas: vec!["A".into()],
            ..d.clone()
        };
        assert!(matches!(
            send(&other_place, &h, &[&first], "n2".into(), "admin", now()),
            Ok(Sent::New(n)) if n.id == "n2"
        ));
        let other_text = Draft {
            text_en: Some("Notice".into()),
            ..d.clone()
        };
        assert!(matches!(
            send(&other_text, &h, &[&first], "n2".into(), "admin", now()),
            Ok(Sent::New(_))
        ));
        // A full board still answers the same notice, and refuses a new one.
        let full: Vec<Notice> = (0..MAX_IN_FORCE)
            .map(|i| Notice {
                id: format!("n{i}"),
                text_zh: format!("通知{i}"),
                ..first.clone()
            })
            .collect();
        let refs: Vec<&Notice> = full.iter().collect();
        let same = Draft {
            text_zh: "通知3".into(),
            ..d.clone()
        };
        assert!(
            matches!(send(&same, &h, &refs, "x".into(), "a", now()), Ok(Sent::Same(n)) if n.id == "n3")
        );
        assert_eq!(
            send(&d, &h, &refs, "x".into(), "a", now()),
            Err(NoticeRefusal::TooManyInForce)
        );
        // A bad draft is refused before anything is compared.
        assert_eq!(
            send(&draft(""), &h, &[&first], "x".into(), "a", now()),
            Err(NoticeRefusal::EmptyText)
        );
    }

    #[test]
    fn a_notice_expires_at_its_time_and_not_before() {
        let n = compose_now(&Draft {
            minutes: Some(5),
            ..draft("通知")
        })
        .unwrap();
        let forever = Notice {
            id: "n2".into(),
            expires_at: None,
            ..n.clone()
        };
        let at = |m: i64| now() + Duration::minutes(m);
        assert!(in_force(&n, at(0)) && in_force(&n, at(4)));
        assert!(!in_force(&n, at(5)), "expired at its time");
        assert!(in_force(&forever, at(100_000)));
        assert!(expired([&n, &forever], at(4)).is_empty());
        assert_eq!(expired([&n, &forever], at(5)), vec!["n1".to_string()]);
    }

    #[test]
    fn ids_grow_and_are_never_given_twice() {
        let ms = u64::try_from(now().timestamp_millis()).unwrap();
        assert_eq!(next_id(now(), 0), ms);
        assert_eq!(next_id(now(), ms), ms + 1, "same millisecond");
        assert_eq!(
            next_id(now() - Duration::hours(1), ms + 5),
            ms + 6,
            "clock set back"
        );
        assert_eq!(id_number(&id_text(42)), Some(42));
        assert_eq!(id_number("x42"), None);
        assert_eq!(id_number("n"), None);
    }

    #[test]
    fn public_changes_do_not_name_the_supervisors() {
        let n = compose_now(&draft("通知")).unwrap();
        let sent = serde_json::to_value(NoticeChange::sent(n.clone())).unwrap();
        assert_eq!(sent["by"], "admin");
        assert_eq!(sent["active"], true);
        assert!(sent.get("end").is_none());
        let cleared = NoticeChange::ended(n, NoticeEndKind::Cleared, now(), "boss");
        let full = serde_json::to_value(&cleared).unwrap();
        assert_eq!(full["end"]["reason"], "cleared");
        assert_eq!(full["end"]["by"], "boss");
        let public = serde_json::to_string(&cleared.clone().public()).unwrap();
        assert!(
            !public.contains("admin") && !public.contains("boss"),
            "{public}"
        );
        let back: NoticeChange = serde_json::from_str(&public).unwrap();
        assert_eq!(back.notice.text_zh, "通知");
        assert!(!back.active);
    }
}
