//! The rise/fall state machine of active health checks, with HAProxy's semantics (`inter`,
//! `rise`, `fall`; HAProxy configuration manual, section 5.2 "check"): a server needs `rise`
//! consecutive passing checks to be considered up and `fall` consecutive failures to be
//! considered down. `probe --watch` drives it and `proxy` uses it to eject and restore backends.

/// Consecutive-result state of one checked target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    up: bool,
    /// Consecutive passes (when the last result passed) or failures (when it failed).
    streak: u32,
    last_pass: Option<bool>,
    transitions: u64,
}

impl RiseFall {
    /// `start_up` false is HAProxy's default (a server starts down and must rise);
    /// `rise` and `fall` of 0 are treated as 1.
    pub fn new(rise: u32, fall: u32, start_up: bool) -> Self {
        RiseFall {
            rise: rise.max(1),
            fall: fall.max(1),
            up: start_up,
            streak: 0,
            last_pass: None,
            transitions: 0,
        }
    }

    /// Record one check result; returns the new state (`true` = up) when it changed.
    pub fn record(&mut self, pass: bool) -> Option<bool> {
        if self.last_pass == Some(pass) {
            self.streak = self.streak.saturating_add(1);
        } else {
            self.streak = 1;
            self.last_pass = Some(pass);
        }
        let flip = if self.up {
            !pass && self.streak >= self.fall
        } else {
            pass && self.streak >= self.rise
        };
        if flip {
            self.up = !self.up;
            self.transitions += 1;
            Some(self.up)
        } else {
            None
        }
    }

    pub fn is_up(&self) -> bool {
        self.up
    }

    /// True while results disagree with the state (rising or falling): the moment to check at
    /// HAProxy's `fastinter`.
    pub fn in_transition(&self) -> bool {
        match self.last_pass {
            Some(pass) => pass != self.up,
            None => false,
        }
    }

    /// Consecutive passes so far (0 when the last result failed).
    pub fn passes(&self) -> u32 {
        if self.last_pass == Some(true) {
            self.streak
        } else {
            0
        }
    }

    /// Consecutive failures so far (0 when the last result passed).
    pub fn failures(&self) -> u32 {
        if self.last_pass == Some(false) {
            self.streak
        } else {
            0
        }
    }

    /// State changes so far.
    pub fn transitions(&self) -> u64 {
        self.transitions
    }

    pub fn rise(&self) -> u32 {
        self.rise
    }

    pub fn fall(&self) -> u32 {
        self.fall
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_down_and_rises_after_rise_passes() {
        let mut s = RiseFall::new(2, 3, false);
        assert!(!s.is_up());
        assert_eq!(s.record(true), None);
        assert!(s.in_transition());
        assert_eq!(s.record(true), Some(true));
        assert!(s.is_up() && !s.in_transition());
        assert_eq!(s.record(true), None);
        assert_eq!(s.passes(), 3);
    }

    #[test]
    fn falls_only_after_consecutive_failures() {
        let mut s = RiseFall::new(2, 3, true);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(true), None); // streak broken
        assert_eq!(s.record(false), None);
        assert_eq!(s.record(false), None);
        assert_eq!(s.failures(), 2);
        assert_eq!(s.record(false), Some(false));
        assert_eq!(s.transitions(), 1);
        // A single pass does not restore it with rise 2.
        assert_eq!(s.record(true), None);
        assert_eq!(s.record(false), None);
        assert!(!s.is_up());
    }

    #[test]
    fn zero_counts_mean_one() {
        let mut s = RiseFall::new(0, 0, false);
        assert_eq!((s.rise(), s.fall()), (1, 1));
        assert_eq!(s.record(true), Some(true));
        assert_eq!(s.record(false), Some(false));
    }
}
