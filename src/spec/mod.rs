//! What users type: backend specs, durations, rates, sizes, the sticky mode. Parsed once at the edge into typed
//! values; every parser returns a [`SpecError`] that quotes the bad part and shows the expected
//! form, which the CLI turns into exit code 2.
//!
//! May import: nothing of the crate: every other room builds on it.

mod backend;
mod duration;
mod error;
mod rate;
mod size;
pub mod stages;
mod sticky;

pub use backend::{
    BACKEND_GRAMMAR, BackendSpec, MAX_WEIGHT, UpstreamProto, check_unique_names, content_lines,
    parse_backend_lines,
};
pub use duration::{DurationRange, format_duration, parse_duration, parse_duration_range};
pub use error::SpecError;
pub use rate::{Rate, parse_rate};
pub use size::{format_size, parse_size};
pub use sticky::parse_sticky;

/// Every parser in this module fed random and mutated input: none may panic. (cargo-fuzz
/// targets in fuzz/ do the same with coverage guidance; this runs in every `cargo test`.)
#[cfg(test)]
mod no_panic {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::SmallRng};

    const SEEDS: &[&str] = &[
        "a=127.0.0.1:9001,weight=3,backup,maxconn=10",
        "[::1]:8080",
        "1m30s",
        "5ms..50ms",
        "30000/m",
        "1.5MiB",
        "5/100ms",
    ];
    const ALPHABET: &[u8] = b"=:,[]0123456789.-_/ abcdefghijklmnopqrstuvwxyzKMGiB#\t\xff\xc3";

    fn mutate(rng: &mut SmallRng, seed: &str) -> String {
        let mut b = seed.as_bytes().to_vec();
        for _ in 0..rng.random_range(1..6) {
            let c = ALPHABET[rng.random_range(0..ALPHABET.len())];
            match rng.random_range(0..3) {
                0 if !b.is_empty() => {
                    let i = rng.random_range(0..b.len());
                    b[i] = c;
                }
                1 if !b.is_empty() => {
                    b.remove(rng.random_range(0..b.len()));
                }
                _ => b.insert(rng.random_range(0..=b.len()), c),
            }
        }
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn parsers_never_panic() {
        let mut rng = SmallRng::seed_from_u64(0x1bc71);
        for i in 0..40_000 {
            let s = mutate(&mut rng, SEEDS[i % SEEDS.len()]);
            let _ = BackendSpec::parse(&s);
            let _ = parse_duration(&s);
            let _ = parse_duration_range(&s);
            let _ = parse_rate(&s);
            let _ = parse_size(&s);
            let _ = parse_backend_lines(&s.replace(',', "\n"), "f");
        }
    }
}
