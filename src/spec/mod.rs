//! What users type: backend specs, durations, rates, sizes. Parsed once at the edge into typed
//! values; every parser returns a [`SpecError`] that quotes the bad part and shows the expected
//! form, which the CLI turns into exit code 2.

mod backend;
mod duration;
mod rate;
mod size;

pub use backend::{BACKEND_GRAMMAR, BackendSpec, check_unique_names, parse_backend_lines};
pub use duration::{DurationRange, format_duration, parse_duration, parse_duration_range};
pub use rate::{Rate, parse_rate};
pub use size::{format_size, parse_size};

use std::fmt;

/// A malformed piece of user input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// What kind of value it was ("backend spec", "duration", ...).
    pub what: &'static str,
    /// The offending text, quoted in the message.
    pub input: String,
    /// What is wrong with it.
    pub problem: String,
    /// The expected form.
    pub expected: &'static str,
    /// Where it came from, when not the command line ("servers.txt line 3").
    pub location: Option<String>,
}

impl SpecError {
    pub fn new(
        what: &'static str,
        input: impl Into<String>,
        problem: impl Into<String>,
        expected: &'static str,
    ) -> Self {
        SpecError {
            what,
            input: input.into(),
            problem: problem.into(),
            expected,
            location: None,
        }
    }

    /// The same error, located in a file.
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(
            f,
            "invalid {} '{}': {}; expected {}",
            self.what, self.input, self.problem, self.expected
        )
    }
}

impl std::error::Error for SpecError {}

/// Iterate over the meaningful lines of a list file: trimmed, without blank lines and `#`
/// comments (whole-line or trailing), with their 1-based line numbers.
pub fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = match line.find('#') {
            Some(pos) => &line[..pos],
            None => line,
        }
        .trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_lines_skip_comments() {
        let got: Vec<_> = content_lines("# head\n\n a:1 # x\n\tb:2\n#\n").collect();
        assert_eq!(got, vec![(3, "a:1"), (4, "b:2")]);
    }

    #[test]
    fn error_message_quotes_input_and_location() {
        let e = SpecError::new("duration", "5x", "unknown unit", "e.g. 250ms").at("f line 2");
        assert_eq!(
            e.to_string(),
            "f line 2: invalid duration '5x': unknown unit; expected e.g. 250ms"
        );
    }
}

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
