//! Least connections and weighted least connections: the eligible backend with the fewest
//! requests in flight (weighted: the lowest in-flight/weight, as HAProxy's `leastconn` and
//! nginx's `least_conn` do). Ties rotate through a counter so equal backends share the load
//! instead of the first one taking every tie.

use super::pick::{Candidates, PickContext, Picker};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct LeastConn {
    weighted: bool,
    rotate: AtomicUsize,
}

impl LeastConn {
    /// Unweighted: compare raw in-flight counts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Weighted: compare (in-flight + 1) / weight.
    pub fn weighted() -> Self {
        LeastConn {
            weighted: true,
            rotate: AtomicUsize::new(0),
        }
    }
}

impl Picker for LeastConn {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        let n = c.len();
        if n == 0 {
            return None;
        }
        let start = self.rotate.fetch_add(1, Ordering::Relaxed);
        // (numerator, weight) of the best so far; compared by cross-multiplication.
        let mut best: Option<(usize, u64, u64)> = None;
        for k in 0..n {
            let i = (start + k) % n;
            if !c.eligible(i) {
                continue;
            }
            let (num, w) = if self.weighted {
                (c.in_flight(i) + 1, c.weight(i).max(1) as u64)
            } else {
                (c.in_flight(i), 1)
            };
            let better = match best {
                None => true,
                Some((_, bn, bw)) => (num as u128) * (bw as u128) < (bn as u128) * (w as u128),
            };
            if better {
                best = Some((i, num, w));
            }
        }
        best.map(|(i, _, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    fn l(weight: u32, in_flight: u64) -> Load {
        Load {
            eligible: weight > 0,
            weight,
            in_flight,
        }
    }

    #[test]
    fn fewest_in_flight() {
        let p = LeastConn::new();
        let loads = [l(1, 5), l(1, 2), l(1, 9)];
        assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), Some(1));
        let loads = [l(1, 5), l(0, 0), l(1, 9)];
        assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), Some(0));
    }

    #[test]
    fn ties_rotate() {
        let p = LeastConn::new();
        let loads = [l(1, 0), l(1, 0), l(1, 0)];
        let mut seen = [0; 3];
        for _ in 0..30 {
            seen[p.pick(&Loads(&loads), &PickContext::default()).unwrap()] += 1;
        }
        assert_eq!(seen, [10, 10, 10]);
    }

    #[test]
    fn weighted_ratio() {
        let p = LeastConn::weighted();
        // (4+1)/5 = 1.0 vs (1+1)/1 = 2.0: the heavy one wins despite more in flight.
        let loads = [l(5, 4), l(1, 1)];
        assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), Some(0));
        let loads = [l(5, 12), l(1, 1)];
        assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), Some(1));
        let none = [l(0, 0)];
        assert_eq!(p.pick(&Loads(&none), &PickContext::default()), None);
    }
}
