//! Ticket priority admission (特殊人群优先, 绿色通道): which priority a
//! ticket request may have, given what it asks for, the holder's ID number,
//! whether a special-group password matched, the `[priority]` config and
//! the hall's day. A supervisor's word is the one input this rule cannot
//! know, so it answers "allowed" or "allowed only for a supervisor", and
//! the caller asks about the supervisor only in the second case.

use chrono::{Datelike, NaiveDate};
use tingwu_protocols::id_number::IdNumber;

use crate::config::PriorityConfig;
use crate::ticket::Priority;

/// What a ticket request brings for its priority.
#[derive(Debug, Clone, Copy)]
pub struct PriorityRequest<'a> {
    /// The priority asked for (`normal` when none was named).
    pub requested: Priority,
    /// The holder's validated ID number, if one was given or read.
    pub id: Option<&'a IdNumber>,
    /// True when a special-group password was given and equals the
    /// configured one (compared in constant time by the caller).
    pub password_ok: bool,
}

/// The rule's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// This priority, whoever asks.
    Allowed(Priority),
    /// This priority only if a supervisor asks; otherwise refused as given.
    IfSupervisor(Priority, PriorityRefused),
}

/// Why a priority is refused; the message is the one clients see
/// (HTTP 403 `priority_not_allowed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityRefused {
    /// `special` without age, password or supervisor; `age` is the
    /// configured `special_age` in years.
    #[error(
        "a special-group ticket (特殊人群优先) needs the ID number of someone aged {age} or over, \
         the special-group password, or a supervisor \
         (需{age}周岁及以上身份证、特殊人群密码或管理员授权)"
    )]
    Special { age: u32 },
    /// `green` without a supervisor.
    #[error(
        "a green-channel ticket (绿色通道) needs a supervisor: \
         send Authorization: Bearer TOKEN (需管理员授权)"
    )]
    Green,
}

/// Full years of age on `today` of someone born on `birth` (year, month,
/// day). Someone born on 29 February has a birthday on 1 March in other
/// years.
pub fn age_on(birth: (u16, u8, u8), today: NaiveDate) -> i32 {
    let (year, month, day) = birth;
    let mut age = today.year() - i32::from(year);
    if (today.month(), today.day()) < (u32::from(month), u32::from(day)) {
        age -= 1;
    }
    age
}

/// The priority a request gets (DESIGN: special groups "with a password or
/// by age read from the ID card"):
///
/// - `green` (绿色通道) needs a supervisor;
/// - `special` (特殊人群) needs an ID number of someone at least
///   `special_age` on the hall's `today`, or the configured password, or a
///   supervisor;
/// - `normal` becomes `special` when the ID number shows the holder is old
///   enough.
pub fn admit(req: PriorityRequest<'_>, cfg: &PriorityConfig, today: NaiveDate) -> Admission {
    let old_enough = req.id.is_some_and(|id| {
        age_on(id.birth_date(), today) >= i32::try_from(cfg.special_age).unwrap_or(i32::MAX)
    });
    match req.requested {
        Priority::Normal if old_enough => Admission::Allowed(Priority::Special),
        Priority::Normal => Admission::Allowed(Priority::Normal),
        Priority::Special if old_enough || req.password_ok => Admission::Allowed(Priority::Special),
        Priority::Special => Admission::IfSupervisor(
            Priority::Special,
            PriorityRefused::Special {
                age: cfg.special_age,
            },
        ),
        Priority::Green => Admission::IfSupervisor(Priority::Green, PriorityRefused::Green),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tingwu_protocols::id_number;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id_born(y: u16, m: u8, d: u8) -> IdNumber {
        let first17 = format!("110105{y:04}{m:02}{d:02}002");
        let check = id_number::check_digit(&first17).unwrap();
        id_number::validate(&format!("{first17}{check}")).unwrap()
    }

    fn cfg(age: u32) -> PriorityConfig {
        PriorityConfig {
            special_age: age,
            special_password: None,
        }
    }

    fn req(requested: Priority, id: Option<&IdNumber>, password_ok: bool) -> PriorityRequest<'_> {
        PriorityRequest {
            requested,
            id,
            password_ok,
        }
    }

    #[test]
    fn age_counts_full_years_and_leap_day_birthdays() {
        assert_eq!(age_on((1956, 11, 26), day(2026, 11, 26)), 70);
        assert_eq!(age_on((1956, 11, 27), day(2026, 11, 26)), 69);
        assert_eq!(age_on((1956, 2, 29), day(2026, 2, 28)), 69);
        assert_eq!(age_on((1956, 2, 29), day(2026, 3, 1)), 70);
        assert_eq!(age_on((1956, 2, 29), day(2028, 2, 29)), 72);
    }

    #[test]
    fn green_always_needs_a_supervisor() {
        let today = day(2026, 11, 26);
        let old = id_born(1940, 1, 1);
        assert_eq!(
            admit(req(Priority::Green, Some(&old), true), &cfg(70), today),
            Admission::IfSupervisor(Priority::Green, PriorityRefused::Green)
        );
        assert_eq!(
            admit(req(Priority::Green, None, false), &cfg(70), today),
            Admission::IfSupervisor(Priority::Green, PriorityRefused::Green)
        );
    }

    #[test]
    fn special_needs_age_password_or_supervisor() {
        let today = day(2026, 11, 26);
        let seventy_today = id_born(1956, 11, 26);
        let seventy_tomorrow = id_born(1956, 11, 27);
        let special = |id, pw, c: &PriorityConfig| admit(req(Priority::Special, id, pw), c, today);
        let needs_supervisor =
            Admission::IfSupervisor(Priority::Special, PriorityRefused::Special { age: 70 });
        assert_eq!(
            special(Some(&seventy_today), false, &cfg(70)),
            Admission::Allowed(Priority::Special)
        );
        assert_eq!(
            special(Some(&seventy_tomorrow), false, &cfg(70)),
            needs_supervisor
        );
        assert_eq!(special(None, false, &cfg(70)), needs_supervisor);
        assert_eq!(
            special(None, true, &cfg(70)),
            Admission::Allowed(Priority::Special)
        );
        // A younger threshold from the config.
        assert_eq!(
            special(Some(&id_born(1966, 1, 1)), false, &cfg(60)),
            Admission::Allowed(Priority::Special)
        );
    }

    #[test]
    fn old_enough_is_special_without_asking() {
        let today = day(2026, 11, 26);
        let normal = |id| admit(req(Priority::Normal, id, false), &cfg(70), today);
        let (old, young) = (id_born(1949, 12, 31), id_born(1990, 1, 1));
        assert_eq!(normal(Some(&old)), Admission::Allowed(Priority::Special));
        assert_eq!(normal(Some(&young)), Admission::Allowed(Priority::Normal));
        assert_eq!(normal(None), Admission::Allowed(Priority::Normal));
    }

    #[test]
    fn refusals_name_the_configured_age() {
        let m = PriorityRefused::Special { age: 65 }.to_string();
        assert!(
            m.contains("aged 65 or over") && m.contains("需65周岁"),
            "{m}"
        );
        assert!(PriorityRefused::Green.to_string().contains("Bearer TOKEN"));
    }
}
