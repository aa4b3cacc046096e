//! Least response time: power of two choices over a peak-EWMA latency estimate multiplied by
//! (in-flight + 1), as in Finagle's `PeakEwma` balancer and linkerd2's `PeakEwma`. A sample
//! above the current estimate replaces it at once (the "peak"), lower samples decay it with
//! time constant `tau` (Finagle's default decay time: 10 s).

use super::pick::{Candidates, PickContext, Picker};
use super::random::two_choices;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Decay time constant (Finagle `PeakEwma` default).
pub const DEFAULT_TAU: Duration = Duration::from_secs(10);
/// Estimate for a backend with no samples yet (linkerd2's default RTT).
pub const DEFAULT_RTT: Duration = Duration::from_millis(30);

#[derive(Debug)]
struct Estimate {
    /// Nanoseconds.
    cost: f64,
    stamp: Instant,
}

#[derive(Debug)]
pub struct PeakEwma {
    tau_ns: f64,
    estimates: Vec<Mutex<Estimate>>,
}

impl PeakEwma {
    /// State for `n` backends.
    pub fn new(n: usize) -> Self {
        Self::with(n, DEFAULT_TAU, DEFAULT_RTT)
    }

    pub fn with(n: usize, tau: Duration, initial: Duration) -> Self {
        let now = Instant::now();
        PeakEwma {
            tau_ns: tau.as_nanos().max(1) as f64,
            estimates: (0..n)
                .map(|_| {
                    Mutex::new(Estimate {
                        cost: initial.as_nanos() as f64,
                        stamp: now,
                    })
                })
                .collect(),
        }
    }

    /// The current latency estimate of backend `i` in nanoseconds, decayed to `now`.
    pub fn estimate_ns(&self, i: usize, now: Instant) -> f64 {
        match self.estimates.get(i) {
            Some(m) => {
                let e = m.lock().unwrap_or_else(|p| p.into_inner());
                // Decay towards zero while idle so a once-slow backend is retried eventually.
                let td = now.saturating_duration_since(e.stamp).as_nanos() as f64;
                e.cost * (-td / self.tau_ns).exp()
            }
            None => 0.0,
        }
    }
}

impl PeakEwma {
    /// [`Picker::pick`] at a given instant (the simulator runs on a virtual clock).
    pub fn pick_at(&self, c: &dyn Candidates, now: Instant) -> Option<usize> {
        let (a, b) = two_choices(c)?;
        let Some(b) = b else { return Some(a) };
        let cost = |i: usize| self.estimate_ns(i, now) * (c.in_flight(i) + 1) as f64;
        Some(if cost(b) < cost(a) { b } else { a })
    }

    /// [`Picker::observe`] at a given instant.
    pub fn observe_at(&self, i: usize, latency: Duration, now: Instant) {
        let Some(m) = self.estimates.get(i) else {
            return;
        };
        let rtt = latency.as_nanos() as f64;
        let mut e = m.lock().unwrap_or_else(|p| p.into_inner());
        let td = now.saturating_duration_since(e.stamp).as_nanos() as f64;
        let w = (-td / self.tau_ns).exp();
        e.cost = if rtt > e.cost {
            rtt
        } else {
            e.cost * w + rtt * (1.0 - w)
        };
        e.stamp = now;
    }

    /// State for `n` backends stamped at `start` (a virtual clock's zero).
    pub fn starting_at(n: usize, start: Instant) -> Self {
        let mut p = Self::new(n);
        for m in &mut p.estimates {
            m.get_mut().unwrap_or_else(|p| p.into_inner()).stamp = start;
        }
        p
    }
}

impl Picker for PeakEwma {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        self.pick_at(c, Instant::now())
    }

    fn observe(&self, i: usize, latency: Duration) {
        self.observe_at(i, latency, Instant::now())
    }

    fn wants_latency(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    #[test]
    fn peak_then_decay() {
        let p = PeakEwma::with(2, Duration::from_millis(50), Duration::from_millis(1));
        // Read at an instant from before the sample: no decay, whatever the scheduler does
        // between the two calls (a later instant would decay it by an unknown amount).
        let before = Instant::now();
        p.observe(0, Duration::from_millis(100));
        let e = p.estimate_ns(0, before);
        assert_eq!(e, 100e6, "the peak replaces the estimate at once");
        // Longer than tau: a lower sample pulls it down (a longer sleep only pulls it further).
        std::thread::sleep(Duration::from_millis(60));
        p.observe(0, Duration::from_millis(1));
        assert!(p.estimate_ns(0, Instant::now()) < 60e6);
    }

    #[test]
    fn prefers_fast_backend() {
        let p = PeakEwma::new(2);
        p.observe(0, Duration::from_millis(200));
        p.observe(1, Duration::from_millis(2));
        let loads = [Load::up(1), Load::up(1)];
        for _ in 0..50 {
            assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), Some(1));
        }
        let one = [Load::up(1), Load::up(0)];
        assert_eq!(p.pick(&Loads(&one), &PickContext::default()), Some(0));
        assert_eq!(
            p.pick(&Loads(&[Load::up(0)]), &PickContext::default()),
            None
        );
    }
}
