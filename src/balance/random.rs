//! Random picks: weighted random over the eligible backends, and power of two choices (P2C:
//! two distinct random candidates, the one with fewer requests in flight per weight wins;
//! Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001).

use super::pick::{Candidates, PickContext, Picker, eligible_weight, fast_rand, rand_below};

/// Weighted random: backend i with probability weight(i) / total eligible weight.
#[derive(Debug, Default)]
pub struct Random;

impl Random {
    pub fn new() -> Self {
        Random
    }
}

/// The eligible backend that a point in `0..total eligible weight` falls on.
pub(crate) fn weighted_at(c: &dyn Candidates, mut point: u64) -> Option<usize> {
    for i in 0..c.len() {
        if !c.eligible(i) {
            continue;
        }
        let w = c.weight(i) as u64;
        if point < w {
            return Some(i);
        }
        point -= w;
    }
    None
}

impl Picker for Random {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        let total = eligible_weight(c);
        if total == 0 {
            return None;
        }
        weighted_at(c, fast_rand() % total)
    }
}

/// Power of two choices on in-flight requests (weighted by backend weight).
#[derive(Debug, Default)]
pub struct P2c;

impl P2c {
    pub fn new() -> Self {
        P2c
    }
}

/// Two distinct eligible indices chosen uniformly (one when only one is eligible).
pub(crate) fn two_choices(c: &dyn Candidates) -> Option<(usize, Option<usize>)> {
    let n = c.len();
    if n == 0 {
        return None;
    }
    // Fast path: a few random probes find eligible backends in the common healthy case.
    let mut first = None;
    for _ in 0..4 {
        let i = rand_below(n);
        if c.eligible(i) {
            first = Some(i);
            break;
        }
    }
    let first = match first {
        Some(i) => i,
        None => {
            // Many backends are out: pick uniformly among the eligible ones by counting.
            let m = (0..n).filter(|&i| c.eligible(i)).count();
            if m == 0 {
                return None;
            }
            let k = rand_below(m);
            (0..n).filter(|&i| c.eligible(i)).nth(k)?
        }
    };
    for _ in 0..4 {
        let j = rand_below(n);
        if j != first && c.eligible(j) {
            return Some((first, Some(j)));
        }
    }
    let others: Vec<usize> = (0..n).filter(|&j| j != first && c.eligible(j)).collect();
    if others.is_empty() {
        return Some((first, None));
    }
    Some((first, Some(others[rand_below(others.len())])))
}

impl Picker for P2c {
    fn pick(&self, c: &dyn Candidates, _ctx: &PickContext<'_>) -> Option<usize> {
        let (a, b) = two_choices(c)?;
        let Some(b) = b else { return Some(a) };
        let cost = |i: usize| (c.in_flight(i) + 1) as u128 * 1_000_000 / c.weight(i).max(1) as u128;
        Some(if cost(b) < cost(a) { b } else { a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::pick::{Load, Loads};

    #[test]
    fn random_respects_weights() {
        let p = Random::new();
        let loads = [Load::up(3), Load::up(0), Load::up(1)];
        let mut seen = [0u32; 3];
        for _ in 0..4000 {
            seen[p.pick(&Loads(&loads), &PickContext::default()).unwrap()] += 1;
        }
        assert_eq!(seen[1], 0);
        // Expect 3000/1000; wide tolerance.
        assert!((2700..3300).contains(&seen[0]), "{seen:?}");
        assert_eq!(
            p.pick(&Loads(&[Load::up(0)]), &PickContext::default()),
            None
        );
    }

    #[test]
    fn p2c_prefers_less_loaded() {
        let p = P2c::new();
        let mut loads = [Load::up(1), Load::up(1), Load::up(1)];
        loads[0].in_flight = 50;
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            seen[p.pick(&Loads(&loads), &PickContext::default()).unwrap()] += 1;
        }
        // Backend 0 only wins when both choices are... never: it is always compared with another.
        assert_eq!(seen[0], 0, "{seen:?}");
        let single = [Load::up(0), Load::up(2)];
        assert_eq!(p.pick(&Loads(&single), &PickContext::default()), Some(1));
        let many: Vec<Load> = (0..50)
            .map(|i| if i == 37 { Load::up(1) } else { Load::up(0) })
            .collect();
        assert_eq!(p.pick(&Loads(&many), &PickContext::default()), Some(37));
        assert_eq!(
            p.pick(&Loads(&[Load::up(0)]), &PickContext::default()),
            None
        );
    }
}
