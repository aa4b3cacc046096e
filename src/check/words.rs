//! Small helpers every condition file shares (cond.rs for HTTP answers, field.rs for TLS and
//! DNS facts, field_exchange.rs for WebSocket and ICMP ones): text, and the comparison
//! operators of `FIELD OP VALUE`, kept below them so none imports another for them.

use crate::spec::SpecError;

/// A condition's value without one pair of surrounding quotes (`'a b'` or `"a b"`).
pub(crate) fn unquote(v: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

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

/// The operator of a field condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    Match,
    NoMatch,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Match => "~",
            Op::NoMatch => "!~",
        }
    }
}

/// `seen OP want` for the numeric operators (false for the regex ones).
pub fn compare(seen: f64, op: Op, want: f64) -> bool {
    match op {
        Op::Eq => seen == want,
        Op::Ne => seen != want,
        Op::Ge => seen >= want,
        Op::Le => seen <= want,
        Op::Gt => seen > want,
        Op::Lt => seen < want,
        Op::Match | Op::NoMatch => false,
    }
}
