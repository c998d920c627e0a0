//! Who is logged in where, hall wide, so a person is at one window at a
//! time (issue 8, item 11; the rule is `tingwu_core::seating`). A `login`
//! claims the person's seat before it reaches the window (so two logins at
//! once cannot both pass) and the window's answer settles it: a refused
//! login gives the seat back, an accepted `logout` frees the window's seat.
//! At start the seating is read from the recovered windows
//! ([`App::seat_recovered_staff`]).

use std::sync::{Arc, Mutex};

use actix::Addr;
use tingwu_actors::window::{GetWindow, WindowActor};

use tingwu_actors::core::seating::{self, Elsewhere, Seating};
use tingwu_actors::directory::all_windows;

use super::App;

/// The hall's seating.
#[derive(Default)]
pub struct Seats {
    map: Mutex<Seating>,
}

/// What a window's answer settles.
pub(super) enum Settle {
    /// A login claimed `staff`'s seat at `window`; they were seated at
    /// `before` (None, or this window already).
    Login {
        seats: Arc<Seats>,
        staff: String,
        window: String,
        before: Option<String>,
        /// The window, asked who is on duty after an accepted login (a
        /// redelivered login gets its first answer again, after a logout).
        addr: Option<Addr<WindowActor>>,
    },
    /// A logout at `window`: its seat is freed if the window accepts.
    Logout { seats: Arc<Seats>, window: String },
}

impl Settle {
    /// Settles the seat with whether the window accepted the command.
    pub(super) async fn settle(self, accepted: bool) {
        match self {
            Self::Login {
                seats,
                staff,
                window,
                before,
                addr,
            } => {
                let on_duty = match (accepted, addr) {
                    (true, Some(addr)) => match addr.send(GetWindow).await {
                        Ok(view) => view.staff.is_some_and(|s| s.id == staff),
                        Err(_) => false,
                    },
                    (accepted, _) => accepted || before.is_some(),
                };
                if !on_duty {
                    let mut map = seats.lock();
                    if map.get(&staff) == Some(&window) {
                        map.remove(&staff);
                    }
                }
            }
            Self::Logout { seats, window } => {
                if accepted {
                    seats.lock().retain(|_, w| *w != window);
                }
            }
        }
    }
}

impl Seats {
    fn lock(&self) -> std::sync::MutexGuard<'_, Seating> {
        // Each change is one insert or remove; a poisoned map is still whole.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Claims `staff`'s seat at `window`, or says where they are.
    pub(super) fn claim(
        self: &Arc<Self>,
        staff: &str,
        window: &str,
        addr: Option<Addr<WindowActor>>,
    ) -> Result<Settle, Elsewhere> {
        let mut map = self.lock();
        let before = seating::claim(&map, staff, window)?;
        map.insert(staff.to_string(), window.to_string());
        Ok(Settle::Login {
            seats: self.clone(),
            staff: staff.to_string(),
            window: window.to_string(),
            before,
            addr,
        })
    }

    /// The window staff member `staff` is seated at, if any.
    #[cfg(test)]
    pub fn window_of(&self, staff: &str) -> Option<String> {
        self.lock().get(staff).cloned()
    }
}

impl App {
    /// Reads the seating from the windows as recovered from storage; call
    /// once at start, before terminals connect.
    pub async fn seat_recovered_staff(&self) {
        let windows = all_windows(&self.dir).await;
        let mut map = self.seats.lock();
        for w in windows {
            if let Some(staff) = w.staff {
                tracing::info!(staff = %staff.id, window = %w.id, "staff seated at recovered window");
                map.insert(staff.id, w.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix::test]
    async fn a_refused_login_gives_the_seat_back_and_a_logout_frees_it() {
        let seats = Arc::new(Seats::default());
        seats.claim("S01", "1", None).unwrap().settle(false).await;
        assert_eq!(seats.window_of("S01"), None);
        seats.claim("S01", "1", None).unwrap().settle(true).await;
        assert_eq!(seats.window_of("S01").as_deref(), Some("1"));
        assert_eq!(
            seats
                .claim("S01", "2", None)
                .err()
                .map(|e| e.window)
                .as_deref(),
            Some("1")
        );
        // A refused repeat login at the same window keeps the seat.
        seats.claim("S01", "1", None).unwrap().settle(false).await;
        assert_eq!(seats.window_of("S01").as_deref(), Some("1"));
        Settle::Logout {
            seats: seats.clone(),
            window: "1".into(),
        }
        .settle(true)
        .await;
        assert_eq!(seats.window_of("S01"), None);
    }
}
