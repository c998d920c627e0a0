//! A person is at one window at a time (一人一窗), hall wide (issue 8,
//! item 11). The seating is who is logged in where: staff id → window id.
//! A login at another window than the one a person is seated at is refused
//! ([`Elsewhere`], terminal reply `staff_elsewhere`) until they log out
//! there; a login at their own window is the window's business (it answers
//! `bad_state` when already logged in).

use std::collections::HashMap;

/// Who is logged in where: staff id → window id.
pub type Seating = HashMap<String, String>;

/// A login refused because the person is logged in at `window`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("staff {staff} is logged in at window {window}; log out there first (该工作人员已在{window}号窗口登录，请先在该窗口退出)")]
pub struct Elsewhere {
    pub staff: String,
    pub window: String,
}

/// Whether `staff` may log in at `window`: Ok with the window they were
/// seated at (None or this one) when they may, so a refused login can put
/// the seating back as it was.
pub fn claim(seating: &Seating, staff: &str, window: &str) -> Result<Option<String>, Elsewhere> {
    match seating.get(staff) {
        Some(w) if w != window => Err(Elsewhere {
            staff: staff.to_string(),
            window: w.clone(),
        }),
        other => Ok(other.cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_seated_person_is_refused_elsewhere_and_welcome_at_home() {
        let mut s = Seating::new();
        assert_eq!(claim(&s, "S01", "1"), Ok(None));
        s.insert("S01".into(), "1".into());
        assert_eq!(claim(&s, "S01", "1"), Ok(Some("1".into())));
        let e = claim(&s, "S01", "2").unwrap_err();
        assert_eq!(e.window, "1");
        assert!(e.to_string().contains("1号窗口"));
        assert_eq!(claim(&s, "S02", "2"), Ok(None));
    }

    proptest! {
        /// Invariant: seating only claims that succeed keeps every person
        /// at one window at most (the map itself) and never lets a second
        /// window take someone seated.
        #[test]
        fn nobody_is_seated_twice(logins in proptest::collection::vec((0u8..4, 0u8..4), 0..50)) {
            let mut s = Seating::new();
            for (staff, window) in logins {
                let (staff, window) = (format!("S{staff}"), format!("{window}"));
                match claim(&s, &staff, &window) {
                    Ok(_) => { s.insert(staff, window); }
                    Err(e) => prop_assert_ne!(e.window, window),
                }
            }
        }
    }
}
