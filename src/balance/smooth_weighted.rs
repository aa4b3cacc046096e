//! Smooth weighted round robin, as nginx does it (ngx_http_upstream_round_robin.c,
//! ngx_http_upstream_get_peer): every pick adds each eligible backend's weight to its current
//! value, takes the largest, and subtracts the total from the winner. Weights 5,1,1 give
//! a a b a c a a: the heavy backend is spread out, not served in a burst.

use super::pick::{Candidates, PickContext, Picker};
use std::sync::Mutex;

/// The per-pool state is a short critical section (one pass over the weights), as in nginx
/// which holds the upstream lock for the same pass.
#[derive(Debug, Default)]
pub struct SmoothWeighted {
    current: Mutex<Vec<i64>>,
}

impl SmoothWeighted {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Picker for SmoothWeighted {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        let n = c.len();
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if cur.len() != n {
            cur.clear();
            cur.resize(n, 0);
        }
        let mut total: i64 = 0;
        let mut best: Option<usize> = None;
        for i in 0..n {
            if !c.eligible(i) {
                continue;
            }
            let w = c.weight(i) as i64;
            if w == 0 {
                continue;
            }
            cur[i] += w;
            total += w;
            if best.is_none_or(|b| cur[i] > cur[b]) {
                best = Some(i);
            }
        }
        let b = best?;
        cur[b] -= total;
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    fn seq(weights: &[u32], n: usize) -> Vec<usize> {
        let p = SmoothWeighted::new();
        let loads: Vec<Load> = weights.iter().map(|&w| Load::up(w)).collect();
        (0..n)
            .map(|_| p.pick(&Loads(&loads), &PickContext::default()).unwrap())
            .collect()
    }

    #[test]
    fn nginx_order_5_1_1() {
        // a a b a c a a, the sequence documented for nginx's smooth weighted round robin.
        assert_eq!(seq(&[5, 1, 1], 7), [0, 0, 1, 0, 2, 0, 0]);
        assert_eq!(seq(&[5, 1, 1], 14)[7..], [0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn exact_shares_and_drain() {
        let s = seq(&[5, 3, 1], 900);
        let count = |k| s.iter().filter(|&&i| i == k).count();
        assert_eq!((count(0), count(1), count(2)), (500, 300, 100));
        // Interleaved: never more than 2 of the heaviest in a row for 5:3:1.
        let max_run = s
            .chunk_by(|a, b| a == b)
            .map(|r| r.len())
            .max()
            .unwrap_or(0);
        assert!(max_run <= 2, "{max_run}");
        let s = seq(&[2, 0, 1], 30);
        assert!(!s.contains(&1));
    }

    #[test]
    fn none_eligible() {
        let p = SmoothWeighted::new();
        let loads = [Load::up(0), Load::up(0)];
        assert_eq!(p.pick(&Loads(&loads), &PickContext::default()), None);
    }
}
