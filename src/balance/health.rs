//! The pure decisions of passive health, slow start and panic mode, on a caller's clock
//! (milliseconds, 0 meaning "never"): the proxy (proxy/core/backend.rs, pool.rs) runs them on
//! the wall clock with atomics around them, `sim` on its virtual clock. One home, so the
//! simulator predicts what the proxy does.

use std::time::Duration;

/// Passive-health settings (nginx `max_fails`/`fail_timeout`, ngx_http_upstream_round_robin.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassivePolicy {
    /// Failures within `fail_timeout` that mark the backend failed (0 = never).
    pub max_fails: u32,
    pub fail_timeout: Duration,
}

/// One backend's passive-health state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassiveState {
    /// Failures counted in the current window.
    pub fails: u32,
    /// When the current window began (ms; 0: no window yet).
    pub window_start: u64,
    /// Out until then (ms; 0: never marked).
    pub down_until: u64,
    /// Marked failed and not yet seen succeeding since.
    pub marked: bool,
}

/// What a failure did to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted, still in.
    Counted(u32),
    /// Already out: nothing changes.
    AlreadyOut,
    /// Marked out until `down_until`; `again` when it was still failing after a penalty.
    MarkedOut { fails: u32, again: bool },
}

impl PassiveState {
    /// A failure at `now` (nginx: `max_fails` failures within `fail_timeout` take the backend
    /// out for `fail_timeout`).
    pub fn failure(&mut self, p: PassivePolicy, now: u64) -> FailureOutcome {
        if p.max_fails == 0 {
            return FailureOutcome::Counted(0);
        }
        let window = p.fail_timeout.as_millis() as u64;
        if now.saturating_sub(self.window_start) > window || self.window_start == 0 {
            self.window_start = now.max(1);
            self.fails = 0;
        }
        self.fails = self.fails.saturating_add(1);
        let n = self.fails;
        if n < p.max_fails {
            return FailureOutcome::Counted(n);
        }
        if self.down_until != 0 && now < self.down_until {
            return FailureOutcome::AlreadyOut;
        }
        self.down_until = now + window;
        let again = self.marked;
        self.marked = true;
        FailureOutcome::MarkedOut { fails: n, again }
    }

    /// Not inside a penalty at `now`.
    pub fn passes(&self, now: u64) -> bool {
        self.down_until == 0 || now >= self.down_until
    }

    /// A success at `now` (`healthy`: the backend passes every other test too). Clears the
    /// count; true when this ends a marked period (the caller logs the recovery once).
    pub fn success(&mut self, healthy: bool) -> bool {
        self.fails = 0;
        if self.marked && healthy {
            self.marked = false;
            self.down_until = 0;
            return true;
        }
        false
    }
}

/// The weight during slow start: `since` is when the backend came back (ms; 0: never went
/// out), `ramp` the slow-start length. A share rising linearly from 10% to 100% over the
/// ramp (HAProxy `slowstart`; Envoy slow_start_config's min_weight_percent 10, aggression 1).
pub fn slow_start_weight(w: u32, ramp: Option<Duration>, since: u64, now: u64) -> u32 {
    let Some(ramp) = ramp else {
        return w;
    };
    if since == 0 || w == 0 {
        return w;
    }
    let elapsed = now.saturating_sub(since) as f64;
    let ramp = ramp.as_millis().max(1) as f64;
    if elapsed >= ramp {
        return w;
    }
    let share = (elapsed / ramp).max(0.1);
    ((w as f64 * share).ceil() as u32).clamp(1, w)
}

/// Panic mode (Envoy's panic threshold at its extreme): pick among healthy backends; when
/// that finds none and no backend is healthy at all (`any_healthy` false: every one is only
/// passively failed, or out), pick ignoring passive failures. Returns the pick and whether it
/// was a panic pick. When healthy backends exist but this request tried them all: None.
pub fn choose_with_panic(
    normal: impl FnOnce() -> Option<usize>,
    any_healthy: impl FnOnce() -> bool,
    panic: impl FnOnce() -> Option<usize>,
) -> Option<(usize, bool)> {
    if let Some(i) = normal() {
        return Some((i, false));
    }
    if any_healthy() {
        return None;
    }
    panic().map(|i| (i, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_fails_within_the_window() {
        let p = PassivePolicy {
            max_fails: 2,
            fail_timeout: Duration::from_millis(100),
        };
        let mut s = PassiveState::default();
        assert_eq!(s.failure(p, 10), FailureOutcome::Counted(1));
        assert!(s.passes(10));
        // Outside the window: the count starts again.
        assert_eq!(s.failure(p, 200), FailureOutcome::Counted(1));
        assert_eq!(
            s.failure(p, 210),
            FailureOutcome::MarkedOut {
                fails: 2,
                again: false
            }
        );
        assert!(!s.passes(250) && s.passes(310));
        assert_eq!(s.failure(p, 220), FailureOutcome::AlreadyOut);
        assert!(s.success(true));
        assert!(s.passes(220));
        let off = PassivePolicy { max_fails: 0, ..p };
        assert_eq!(s.failure(off, 1), FailureOutcome::Counted(0));
    }

    #[test]
    fn slow_start_ramp() {
        let ramp = Some(Duration::from_secs(10));
        assert_eq!(slow_start_weight(10, ramp, 0, 5000), 10);
        assert_eq!(slow_start_weight(10, ramp, 1000, 1000), 1);
        assert_eq!(slow_start_weight(10, ramp, 1000, 6000), 5);
        assert_eq!(slow_start_weight(10, ramp, 1000, 11_000), 10);
        assert_eq!(slow_start_weight(10, None, 1000, 1000), 10);
    }

    #[test]
    fn panic_only_when_nothing_is_healthy() {
        assert_eq!(
            choose_with_panic(|| Some(1), || true, || Some(2)),
            Some((1, false))
        );
        assert_eq!(choose_with_panic(|| None, || true, || Some(2)), None);
        assert_eq!(
            choose_with_panic(|| None, || false, || Some(2)),
            Some((2, true))
        );
    }
}
