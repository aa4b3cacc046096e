//! [`SpecError`]: what every parser of user input returns, quoting the bad part and showing
//! the expected form (the CLI turns it into exit code 2).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_quotes_input_and_location() {
        let e = SpecError::new("duration", "5x", "unknown unit", "e.g. 250ms").at("f line 2");
        assert_eq!(
            e.to_string(),
            "f line 2: invalid duration '5x': unknown unit; expected e.g. 250ms"
        );
    }
}
