//! Expected wait: people ahead shared among the windows that can serve
//! them, at the observed mean service time.

/// Exponentially weighted mean service time, seeded by the configured default.
#[derive(Debug, Clone, Copy)]
pub struct ServiceTime {
    mean_s: f64,
}

impl ServiceTime {
    const WEIGHT: f64 = 0.2;

    pub fn new(default_s: u32) -> Self {
        Self {
            mean_s: f64::from(default_s.max(1)),
        }
    }

    /// Records one observed service; absurd values (over 4 h) are ignored.
    pub fn observe(&mut self, seconds: f64) {
        if seconds.is_finite() && seconds > 0.0 && seconds < 4.0 * 3600.0 {
            self.mean_s = self.mean_s * (1.0 - Self::WEIGHT) + seconds * Self::WEIGHT;
        }
    }

    pub fn mean_s(&self) -> f64 {
        self.mean_s
    }
}

/// Seconds until a ticket with `people_ahead` is called when `windows`
/// windows serve the queue (at least one is assumed).
pub fn estimated_wait_s(people_ahead: usize, windows: usize, mean_service_s: f64) -> u64 {
    let windows = windows.max(1) as f64;
    let wait = (people_ahead as f64) * mean_service_s / windows;
    if wait.is_finite() && wait > 0.0 {
        wait.round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_windows_shorter_wait() {
        assert_eq!(estimated_wait_s(10, 1, 300.0), 3000);
        assert_eq!(estimated_wait_s(10, 5, 300.0), 600);
        assert_eq!(estimated_wait_s(0, 5, 300.0), 0);
        assert_eq!(estimated_wait_s(3, 0, 100.0), 300);
    }

    #[test]
    fn mean_moves_toward_observations_and_ignores_nonsense() {
        let mut st = ServiceTime::new(300);
        st.observe(100.0);
        assert!(st.mean_s() < 300.0 && st.mean_s() > 100.0);
        let before = st.mean_s();
        st.observe(f64::NAN);
        st.observe(-5.0);
        st.observe(86_400.0);
        assert_eq!(st.mean_s(), before);
    }
}
