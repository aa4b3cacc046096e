//! What a backend's history looks like from outside, for the stats page and /stats: when its
//! state (up, down, drain, maint, failed, ejected) last changed, and the result of its last
//! active check (HAProxy's stats page shows both: "LastChk" and the status's age). The
//! backend's own transitions (backend.rs `set_check`, `set_admin`, `set_weight`, a passive
//! failure; pool.rs's outlier ejection) call [`Observed::changed`]; the health checker
//! (health.rs) calls [`Observed::record_check`] after every check. Nothing on the request path
//! touches it. Times are the callers' `backend::now_ms()` (passed in, as outlier.rs takes them,
//! so this file needs nothing of backend.rs).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest check reason kept (a reason quotes what the peer answered: bound it).
const MAX_REASON: usize = 200;

/// The result of one active check, as shown on the stats page.
#[derive(Debug, Clone, PartialEq)]
pub struct LastCheck {
    pub pass: bool,
    /// "ok", or why it failed ("status 503 not in 200-399", "connect: connection refused").
    pub reason: String,
    /// The HTTP status answered, when the check made a request.
    pub status: Option<u16>,
    pub duration_ms: f64,
    /// When it finished, on `backend::now_ms`'s clock.
    pub at_ms: u64,
}

/// A backend's last state change and last check.
#[derive(Debug)]
pub struct Observed {
    changed_ms: AtomicU64,
    last_check: Mutex<Option<LastCheck>>,
}

impl Observed {
    /// A new backend's state starts `now`.
    pub fn new(now: u64) -> Self {
        Observed {
            changed_ms: AtomicU64::new(now),
            last_check: Mutex::new(None),
        }
    }

    /// The backend's state changed by an event (check verdict, admin state, weight to or from
    /// 0, a passive failure, an outlier ejection).
    pub fn changed(&self, now: u64) {
        self.changed_ms.store(now, Ordering::Relaxed);
    }

    /// When the current state began: the last event, or the end of a passive penalty or an
    /// ejection that ran out since (those end without an event).
    pub fn since_ms(&self, now: u64, expiries: &[u64]) -> u64 {
        expiries
            .iter()
            .copied()
            .filter(|&t| t != 0 && t <= now)
            .fold(self.changed_ms.load(Ordering::Relaxed), u64::max)
    }

    pub fn record_check(
        &self,
        now: u64,
        pass: bool,
        reason: &str,
        status: Option<u16>,
        took_ms: f64,
    ) {
        let mut reason = reason.to_string();
        if reason.len() > MAX_REASON {
            let mut cut = MAX_REASON;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
            reason.push_str("...");
        }
        let check = LastCheck {
            pass,
            reason,
            status,
            duration_ms: took_ms,
            at_ms: now,
        };
        if let Ok(mut last) = self.last_check.lock() {
            *last = Some(check);
        }
    }

    pub fn last_check(&self) -> Option<LastCheck> {
        self.last_check.lock().ok().and_then(|l| l.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_the_last_event_or_a_later_expiry_already_past() {
        let o = Observed::new(1000);
        assert_eq!(o.since_ms(2000, &[]), 1000);
        // 0 is "never": no expiry.
        assert_eq!(o.since_ms(2000, &[0]), 1000);
        // A penalty that ended after the last event moves "since" to its end...
        assert_eq!(o.since_ms(2000, &[1500, 0]), 1500);
        // ...one still running does not (the state is still the penalty's)...
        assert_eq!(o.since_ms(2000, &[2500]), 1000);
        // ...nor one that ended before the last event.
        o.changed(1800);
        assert_eq!(o.since_ms(2000, &[1500]), 1800);
    }

    #[test]
    fn a_long_reason_is_cut_on_a_char_boundary() {
        let o = Observed::new(1);
        o.record_check(7, false, &"é".repeat(300), Some(503), 1.5);
        let c = o.last_check().unwrap();
        assert!(!c.pass && c.status == Some(503) && c.duration_ms == 1.5 && c.at_ms == 7);
        assert!(c.reason.len() <= MAX_REASON + 3 && c.reason.ends_with("..."));
    }
}
