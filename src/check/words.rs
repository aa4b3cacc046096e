//! Small text helpers every condition file shares (cond.rs for HTTP answers, field.rs for
//! TLS and DNS facts), kept below both so neither imports the other for them.

use crate::spec::SpecError;

/// At most `max` characters of `s`, with '…' when cut (for values quoted in a reason).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Parse a regular expression for `--expect-body-regex`.
pub fn parse_regex(s: &str) -> Result<regex::Regex, SpecError> {
    regex::Regex::new(s).map_err(|e| {
        let msg = e.to_string();
        let last = msg.lines().last().unwrap_or("invalid").trim().to_string();
        SpecError::new(
            "regular expression",
            s,
            last,
            "a regex in Rust regex syntax, e.g. 'ok|healthy'",
        )
    })
}
