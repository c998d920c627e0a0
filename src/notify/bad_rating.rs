//! A bad rating (差评: 不满意 or worse) reaches the webhook at once, for
//! the supervisor on duty (`[supervision.escalation]`'s roster, as
//! escalations are addressed): the follower turns the committed
//! `rating_follow_up` event that opened the follow-up into one
//! `"type": "bad_rating"` notice, through the same outbox as every notice
//! (so a restart before it was delivered sends it again, with the same
//! `id`). `docs/notify.md` shows the body.

use chrono::{DateTime, Utc};
use serde_json::json;
use tingwu_actors::core::alarm::escalation::on_duty;
use tingwu_actors::core::rating::follow_up::FollowUp;
use tingwu_actors::core::rating::stored::FOLLOW_UP_ACTION;
use tingwu_actors::directory::Directory;
use tingwu_actors::events::AuditEntry;

use super::notice::{Kind, Notice};

/// The follow-up an audit entry opened: a `rating_follow_up` entry with
/// no step done and no appeal yet. None for any other entry.
pub fn opened(a: &AuditEntry) -> Option<FollowUp> {
    if a.action != FOLLOW_UP_ACTION {
        return None;
    }
    let f: FollowUp = serde_json::from_value(a.detail.clone()).ok()?;
    (f.callback.is_none() && f.appeal.is_none()).then_some(f)
}

/// The webhook body of a bad rating (`"type": "bad_rating"`), from the
/// event at `seq`.
pub fn notice(dir: &Directory, f: &FollowUp, seq: u64, now: DateTime<Utc>) -> Notice {
    let cfg = &dir.config;
    let s = &f.service;
    let to = on_duty(&cfg.supervision.escalation, now, cfg.tz()).map(str::to_string);
    let id = format!("{}/bad_rating", s.ticket);
    let body = json!({
        "type": Kind::BadRating.as_str(),
        "id": id,
        "hall": cfg.hall.id,
        "ticket": s.ticket,
        "number": s.number,
        "window": s.window,
        "staff": s.staff,
        "stars": f.grade.stars(),
        "grade": f.grade,
        "rated_at": f.opened_at,
        "callback_due": f.callback_due,
        "to": to,
        "text": format!("【差评】{}号窗口 {} 号 评价「{}」，请于 {} 前回访核实", s.window, s.number, f.grade.label_zh(), f.callback_due),
        "text_en": format!("[Bad rating] window {}, ticket {}: {} ({}★); call back by {}", s.window, s.number, f.grade.label_en(), f.grade.stars(), f.callback_due),
    });
    Notice {
        id,
        kind: Kind::BadRating,
        ticket: format!("rating:{}", s.ticket),
        seq,
        phone_masked: to.unwrap_or_default(),
        body: body.to_string().into_bytes(),
    }
}
