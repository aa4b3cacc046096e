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
