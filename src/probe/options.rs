//! The value types of `lbctl probe`'s flags (`--output`, `--http-version`, `--until`,
//! `--require`), defined here next to the code that interprets them; `cli/probe.rs` uses them.

use crate::spec::SpecError;
use clap::ValueEnum;

/// `--http-version` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HttpVersionArg {
    Auto,
    #[value(name = "1.1", alias = "1", alias = "http1")]
    Http1,
    #[value(name = "2", alias = "h2", alias = "http2")]
    Http2,
}

/// `--until` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UntilState {
    /// The --require rule holds (targets up by rise/fall).
    Healthy,
}

/// `lbctl probe --output` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeOutput {
    Table,
    Json,
    Jsonl,
    Prometheus,
    Nagios,
}

/// `--require`: how many targets must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    All,
    Any,
    AtLeast(usize),
}

impl Require {
    pub fn parse(s: &str) -> Result<Require, SpecError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => Ok(Require::All),
            "any" => Ok(Require::Any),
            n => match n.parse::<usize>() {
                Ok(k) if k >= 1 => Ok(Require::AtLeast(k)),
                _ => Err(SpecError::new(
                    "--require",
                    s,
                    "it is not all, any or a count of at least 1",
                    "all, any, or a number such as 2",
                )),
            },
        }
    }

    /// Whether `passed` of `total` targets satisfy the requirement.
    pub fn holds(self, passed: usize, total: usize) -> bool {
        match self {
            Require::All => passed == total,
            Require::Any => passed >= 1,
            Require::AtLeast(k) => passed >= k,
        }
    }

    pub fn label(self) -> String {
        match self {
            Require::All => "all".into(),
            Require::Any => "any".into(),
            Require::AtLeast(k) => k.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_parses() {
        assert_eq!(Require::parse("ALL").unwrap(), Require::All);
        assert_eq!(Require::parse("any").unwrap(), Require::Any);
        assert_eq!(Require::parse("3").unwrap(), Require::AtLeast(3));
        for bad in ["", "0", "-1", "most", "1.5"] {
            assert!(Require::parse(bad).is_err(), "{bad}");
        }
        assert!(Require::All.holds(3, 3) && !Require::All.holds(2, 3));
        assert!(Require::Any.holds(1, 3) && !Require::Any.holds(0, 3));
        assert!(Require::AtLeast(2).holds(2, 3) && !Require::AtLeast(2).holds(1, 3));
        // No targets: "all" of nothing holds, "any" does not.
        assert!(Require::All.holds(0, 0) && !Require::Any.holds(0, 0));
    }
}
