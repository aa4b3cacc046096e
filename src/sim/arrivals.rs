//! The open-model arrival process: Poisson (exponential gaps) or constant (wrk2's i / rate),
//! at a fixed rate or along `--stage`s (load's schedule, `spec::stages`). A staged Poisson
//! process is drawn by thinning (Lewis & Shedler 1979): candidates at the peak rate, each
//! kept with probability rate(t) / peak.

use crate::spec::stages::Schedule;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::SmallRng;

/// The rate over time.
#[derive(Debug, Clone)]
pub enum RatePlan {
    Constant(f64),
    Staged { schedule: Schedule, peak: f64 },
}

/// Draws arrival times in nanoseconds, one at a time, from its own seeded generator (so every
/// algorithm of a comparison sees the same arrivals).
#[derive(Debug)]
pub struct Arrivals {
    plan: RatePlan,
    poisson: bool,
    rng: SmallRng,
    /// Seconds.
    t: f64,
    n: u64,
    /// Stop at this time (s) or after this many arrivals.
    end: f64,
    limit: u64,
}

impl Arrivals {
    pub fn new(plan: RatePlan, poisson: bool, seed: u64, end: f64, limit: u64) -> Self {
        Arrivals {
            plan,
            poisson,
            rng: SmallRng::seed_from_u64(seed),
            t: 0.0,
            n: 0,
            end,
            limit,
        }
    }

    fn exp(&mut self, rate: f64) -> f64 {
        -(1.0 - self.rng.random::<f64>()).ln() / rate
    }

    /// The next arrival time (ns), or None when the plan is over.
    pub fn next_ns(&mut self) -> Option<u64> {
        if self.n >= self.limit {
            return None;
        }
        let t = match (&self.plan, self.poisson) {
            (RatePlan::Constant(r), false) => self.n as f64 / r,
            (RatePlan::Constant(r), true) => {
                let r = *r;
                self.t + self.exp(r)
            }
            (RatePlan::Staged { schedule, .. }, false) => schedule.due_global(self.n).0,
            (RatePlan::Staged { peak, .. }, true) => {
                let peak = *peak;
                let mut t = self.t;
                loop {
                    t += self.exp(peak);
                    if t >= self.end {
                        break t;
                    }
                    let RatePlan::Staged { schedule, .. } = &self.plan else {
                        break t;
                    };
                    let r = schedule.rate_at(t).0;
                    if self.rng.random::<f64>() * peak < r {
                        break t;
                    }
                }
            }
        };
        if t >= self.end {
            return None;
        }
        self.t = t;
        self.n += 1;
        Some((t * 1e9) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::stages::{Stage, parse_stage};

    #[test]
    fn poisson_count_and_constant_spacing() {
        let mut a = Arrivals::new(RatePlan::Constant(1000.0), true, 1, 100.0, u64::MAX);
        let n = std::iter::from_fn(|| a.next_ns()).count() as f64;
        // 100 000 expected, sd ~316.
        assert!((n - 100_000.0).abs() < 2000.0, "{n}");
        let mut c = Arrivals::new(RatePlan::Constant(4.0), false, 1, 1.0, u64::MAX);
        let v: Vec<u64> = std::iter::from_fn(|| c.next_ns()).collect();
        assert_eq!(v, [0, 250_000_000, 500_000_000, 750_000_000]);
        let mut l = Arrivals::new(RatePlan::Constant(4.0), false, 1, 100.0, 3);
        assert_eq!(std::iter::from_fn(|| l.next_ns()).count(), 3);
    }

    #[test]
    fn staged_poisson_follows_the_ramp() {
        let stages: Vec<Stage> = ["10s:100/s", "10s:1000/s"]
            .iter()
            .map(|s| parse_stage(s).unwrap())
            .collect();
        let plan = RatePlan::Staged {
            schedule: Schedule::staged(&stages),
            peak: 1000.0,
        };
        let mut a = Arrivals::new(plan, true, 3, 20.0, u64::MAX);
        let v: Vec<u64> = std::iter::from_fn(|| a.next_ns()).collect();
        let first = v.iter().filter(|&&t| t < 10_000_000_000).count() as f64;
        let second = v.len() as f64 - first;
        assert!((first - 1000.0).abs() < 150.0, "{first}");
        assert!((second - 10_000.0).abs() < 500.0, "{second}");
    }
}
