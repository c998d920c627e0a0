//! Checks of `[supervision]` against the hall: ranges, references, limits,
//! each error naming its field.

use super::MAX_FOLLOW_UP_DAYS;
use crate::config::{invalid, ConfigError, HallConfig};

fn check_ref_in<'a>(
    field: &str,
    id: &str,
    mut known: impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<(), ConfigError> {
    if known.any(|k| k == id) {
        Ok(())
    } else {
        Err(invalid(field, format!("unknown {what} {id:?}")))
    }
}

fn ranges(field: &str, hours: &[String]) -> Result<(), ConfigError> {
    for (i, h) in hours.iter().enumerate() {
        if crate::hhmm::parse_range(h).is_none() {
            return Err(invalid(
                format!("{field}[{i}]"),
                format!("expected HH:MM-HH:MM with the end after the start, got {h:?}"),
            ));
        }
    }
    Ok(())
}

/// Checks `[supervision]` against the hall: ranges, references, limits.
pub(crate) fn validate(cfg: &HallConfig) -> Result<(), ConfigError> {
    let s = &cfg.supervision;
    for (i, q) in s.queues.per_queue.iter().enumerate() {
        let ids = cfg.queues.iter().map(|q| q.id.as_str());
        check_ref_in(
            &format!("supervision.queues.per_queue[{i}].queue"),
            &q.queue,
            ids,
            "queue",
        )?;
    }
    let a = &s.attendance;
    ranges("supervision.attendance.hours", &a.hours)?;
    for (i, sh) in a.shifts.iter().enumerate() {
        let field = format!("supervision.attendance.shifts[{i}]");
        match (&sh.window, &sh.staff) {
            (Some(w), None) => check_ref_in(
                &format!("{field}.window"),
                w,
                cfg.windows.iter().map(|w| w.id.as_str()),
                "window",
            )?,
            (None, Some(p)) => check_ref_in(
                &format!("{field}.staff"),
                p,
                cfg.staff.iter().map(|p| p.id.as_str()),
                "staff member",
            )?,
            _ => {
                return Err(invalid(
                    format!("{field}.window"),
                    "name exactly one of window and staff",
                ))
            }
        }
        ranges(&format!("{field}.hours"), &sh.hours)?;
    }
    if a.service_multiple == 0 {
        return Err(invalid(
            "supervision.attendance.service_multiple",
            "at least 1",
        ));
    }
    for (i, d) in s.escalation.duty.iter().enumerate() {
        let field = format!("supervision.escalation.duty[{i}]");
        check_ref_in(
            &format!("{field}.user"),
            &d.user,
            cfg.supervisors.iter().map(|s| s.user.as_str()),
            "supervisor",
        )?;
        ranges(&format!("{field}.hours"), &d.hours)?;
    }
    let r = &s.rating;
    for (name, days) in [
        ("callback_days", r.callback_days),
        ("rectify_days", r.rectify_days),
        ("feedback_days", r.feedback_days),
    ] {
        if !(1..=MAX_FOLLOW_UP_DAYS).contains(&days) {
            return Err(invalid(
                format!("supervision.rating.{name}"),
                format!("1 to {MAX_FOLLOW_UP_DAYS} working days, got {days}"),
            ));
        }
    }
    if r.prompt_timeout_s == 0 {
        return Err(invalid("supervision.rating.prompt_timeout_s", "at least 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEMO_HALL_TOML;

    /// The demo hall with `extra` appended, less the demo hall's own
    /// `[supervision]` (its attendance shifts), which `extra` replaces.
    fn with(extra: &str) -> Result<HallConfig, ConfigError> {
        let mut root: toml::Table = toml::from_str(DEMO_HALL_TOML).unwrap();
        root.remove("supervision");
        let base = toml::to_string(&root).unwrap();
        HallConfig::from_toml(&format!("{base}\n{extra}"))
    }

    #[test]
    fn the_demo_hall_has_attendance_shifts_for_its_demo() {
        let cfg = HallConfig::demo().unwrap();
        let a = &cfg.supervision.attendance;
        assert!(a.hours.is_empty());
        assert!(a.shifts.iter().any(|s| s.window.as_deref() == Some("3")));
        assert!(a.shifts.iter().all(|s| s.hours == ["08:30-17:00"]));
    }

    #[test]
    fn defaults_where_the_section_says_nothing() {
        let cfg = HallConfig::demo().unwrap();
        let s = &cfg.supervision;
        assert_eq!(s.queues.for_queue("A"), (30, 30));
        assert_eq!(s.idle_while_waiting_minutes, 5);
        assert_eq!(s.rating.callback_days, 5);
        assert_eq!(s.escalation.error_minutes, Some(5));
    }

    #[test]
    fn a_full_section_reads_and_per_queue_values_win() {
        let cfg = with(
            "[supervision]\nidle_while_waiting_minutes = 3\n\
             [supervision.queues]\nmax_waiting = 20\nper_queue = [{ queue = \"A\", max_waiting = 50 }]\n\
             [supervision.attendance]\nhours = [\"08:30-12:00\", \"13:30-17:00\"]\n\
             shifts = [{ window = \"1\", hours = [\"09:00-12:00\"] }]\n\
             [supervision.rating]\ncallback_days = 15\n",
        )
        .unwrap();
        let s = &cfg.supervision;
        assert_eq!(s.queues.for_queue("A"), (30, 50));
        assert_eq!(s.queues.for_queue("B"), (30, 20));
        assert_eq!(s.rating.callback_days, 15);
        assert_eq!(s.attendance.shifts.len(), 1);
    }

    #[test]
    fn errors_name_the_field() {
        let err = |extra: &str| match with(extra) {
            Ok(_) => panic!("accepted: {extra}"),
            Err(e) => e.to_string(),
        };
        let e = err("[supervision.queues]\nper_queue = [{ queue = \"ZZ\" }]\n");
        assert!(
            e.starts_with("supervision.queues.per_queue[0].queue"),
            "{e}"
        );
        let e = err("[supervision.attendance]\nhours = [\"17:00-08:00\"]\n");
        assert!(e.starts_with("supervision.attendance.hours[0]"), "{e}");
        let e = err("[supervision.attendance]\nshifts = [{ hours = [] }]\n");
        assert!(e.contains("exactly one"), "{e}");
        let e = err("[supervision.attendance]\nshifts = [{ staff = \"nobody\", hours = [] }]\n");
        assert!(
            e.starts_with("supervision.attendance.shifts[0].staff"),
            "{e}"
        );
        let e = err("[supervision.rating]\nfeedback_days = 0\n");
        assert!(e.starts_with("supervision.rating.feedback_days"), "{e}");
        let e = err("[supervision.escalation]\nduty = [{ user = \"ghost\" }]\n");
        assert!(e.starts_with("supervision.escalation.duty[0].user"), "{e}");
        let e = err("[supervision]\ncolour = 1\n");
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn an_evaluator_names_a_window_of_the_hall_and_nothing_else_does() {
        let ok = with(
            "[[devices]]\nid = \"EV1\"\nkind = \"evaluator\"\npassword = \"p\"\nwindow = \"1\"\n",
        )
        .unwrap();
        assert_eq!(
            ok.window_of_evaluator("EV1").map(|w| w.id.as_str()),
            Some("1")
        );
        let e = with(
            "[[devices]]\nid = \"EV1\"\nkind = \"evaluator\"\npassword = \"p\"\nwindow = \"x\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("window"), "{e}");
        let e = with(
            "[[devices]]\nid = \"T9\"\nkind = \"terminal\"\npassword = \"p\"\nwindow = \"1\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("only an evaluator"), "{e}");
    }
}
