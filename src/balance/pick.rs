//! The seam between the proxy and the non-hash balancing algorithms: a [`Candidates`] view of
//! the backends (eligibility, weight, in-flight count, read live from the proxy's atomics) and
//! the [`Picker`] trait every algorithm implements. Used by `proxy` (to pick per request) and
//! available to `ring`/`demo` for simulations. Pure and synchronous: no I/O, no clocks except
//! the latency samples callers hand to [`Picker::observe`].

use std::time::Duration;

/// What an algorithm may know about the backends at pick time.
pub trait Candidates {
    /// Number of backends (indices `0..len()`).
    fn len(&self) -> usize;
    /// Whether backend `i` may take new traffic now (healthy, not drained, not full).
    fn eligible(&self, i: usize) -> bool;
    /// Relative weight (> 0 for eligible backends).
    fn weight(&self, i: usize) -> u32;
    /// Requests (or connections) currently in flight on backend `i`.
    fn in_flight(&self, i: usize) -> u64;
    /// True when there are no backends at all.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Per-request inputs some algorithms use.
#[derive(Debug, Clone, Copy, Default)]
pub struct PickContext<'a> {
    /// The client address octets (4 or 16 bytes), for `ip-hash`.
    pub client_ip: Option<&'a [u8]>,
}

/// One balancing algorithm. Implementations keep their own (interior, lock-light) state.
pub trait Picker: Send + Sync {
    /// Choose an eligible backend, or `None` when no candidate is eligible.
    fn pick(&self, c: &dyn Candidates, ctx: &PickContext<'_>) -> Option<usize>;
    /// A completed request's latency on backend `i` (used by `ewma`; ignored by the others).
    fn observe(&self, _i: usize, _latency: Duration) {}
    /// Whether the picker wants latency samples (lets callers skip the clock read otherwise).
    fn wants_latency(&self) -> bool {
        false
    }
}

/// A plain slice of backend loads: handy for tests and simulations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub eligible: bool,
    pub weight: u32,
    pub in_flight: u64,
}

impl Load {
    pub fn up(weight: u32) -> Self {
        Load {
            eligible: weight > 0,
            weight,
            in_flight: 0,
        }
    }
}

/// A slice of [`Load`]s viewed as [`Candidates`].
#[derive(Debug, Clone, Copy)]
pub struct Loads<'a>(pub &'a [Load]);

impl Candidates for Loads<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn eligible(&self, i: usize) -> bool {
        self.0[i].eligible
    }
    fn weight(&self, i: usize) -> u32 {
        self.0[i].weight
    }
    fn in_flight(&self, i: usize) -> u64 {
        self.0[i].in_flight
    }
}

/// Sum of the weights of the eligible candidates.
pub fn eligible_weight(c: &dyn Candidates) -> u64 {
    (0..c.len())
        .filter(|&i| c.eligible(i))
        .map(|i| c.weight(i) as u64)
        .sum()
}

std::thread_local! {
    static FAST_RAND: std::cell::Cell<u64> = std::cell::Cell::new(nonzero(rand::random::<u64>()));
}

fn nonzero(seed: u64) -> u64 {
    if seed == 0 {
        0x9e37_79b9_7f4a_7c15
    } else {
        seed
    }
}

/// Seed this thread's [`fast_rand`]: `sim --seed` makes the random pickers (random, p2c,
/// ewma) reproducible.
pub fn seed_fast_rand(seed: u64) {
    // SplitMix64's finalizer spreads small seeds (1, 2, 3) over the state.
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    FAST_RAND.with(|s| s.set(nonzero(z ^ (z >> 31))));
}

/// A small, fast, thread-local random source (xorshift over a per-thread seed): the pickers
/// run once per request and must not take a lock for randomness.
pub fn fast_rand() -> u64 {
    FAST_RAND.with(|s| {
        // xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift generators").
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// Uniform in `0..n` (n > 0), by Lemire's multiply-shift (bias negligible for small n).
pub fn rand_below(n: usize) -> usize {
    (((fast_rand() >> 32) * n as u64) >> 32) as usize
}
