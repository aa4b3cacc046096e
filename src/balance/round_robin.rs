//! Plain round robin: each eligible backend in turn, weights ignored (weight 0 still drains,
//! because a drained backend is not eligible). One atomic counter, no lock.

use super::pick::{Candidates, PickContext, Picker};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct RoundRobin {
    next: AtomicUsize,
}

impl RoundRobin {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Picker for RoundRobin {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        let n = c.len();
        if n == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            if c.eligible(i) {
                if k > 0 {
                    // Skip past the ineligible ones so the next pick continues after `i`.
                    self.next.fetch_add(k, Ordering::Relaxed);
                }
                return Some(i);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    #[test]
    fn cycles_and_skips() {
        let rr = RoundRobin::new();
        let loads = [Load::up(1), Load::up(5), Load::up(1)];
        let got: Vec<_> = (0..6)
            .map(|_| rr.pick(&Loads(&loads), &PickContext::default()).unwrap())
            .collect();
        assert_eq!(got, [0, 1, 2, 0, 1, 2]);
        let loads = [Load::up(1), Load::up(0), Load::up(1)];
        let mut counts = [0i32; 3];
        for _ in 0..100 {
            counts[rr.pick(&Loads(&loads), &PickContext::default()).unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!((counts[0] - counts[2]).abs() <= 1, "{counts:?}");
        let none = [Load::up(0)];
        assert_eq!(rr.pick(&Loads(&none), &PickContext::default()), None);
        let empty: [Load; 0] = [];
        assert_eq!(rr.pick(&Loads(&empty), &PickContext::default()), None);
    }
}
