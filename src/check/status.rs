//! Accepted HTTP status codes (`--expect-status 200-299,301`, `status=`, a module's
//! `valid_status_codes`): a list of inclusive ranges, parsed once. Used by cond.rs (the
//! default 200-399 rule) and http_cond.rs (`status != 503`).

use crate::spec::SpecError;
use std::fmt;

const STATUS_EXPECTED: &str = "status codes and ranges such as 200, 200-299 or 200-299,301";

/// Accepted HTTP status codes: a list of inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRanges(Vec<(u16, u16)>);

impl Default for StatusRanges {
    /// 200-399, the Kubernetes HTTP probe default.
    fn default() -> Self {
        StatusRanges(vec![(200, 399)])
    }
}

impl StatusRanges {
    /// Parse `200`, `200-299`, `200-299,301`.
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |problem: String| SpecError::new("status list", s, problem, STATUS_EXPECTED);
        let mut out = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(err("an entry is empty".into()));
            }
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let code = |t: &str| -> Result<u16, SpecError> {
                match t.parse::<u16>() {
                    Ok(c) if (100..=599).contains(&c) => Ok(c),
                    _ => Err(err(format!("'{t}' is not a status code 100-599"))),
                }
            };
            let (lo, hi) = (code(lo)?, code(hi)?);
            if lo > hi {
                return Err(err(format!("range {lo}-{hi} is backwards")));
            }
            out.push((lo, hi));
        }
        Ok(StatusRanges(out))
    }

    pub fn contains(&self, status: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&status))
    }
}

impl fmt::Display for StatusRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges() {
        let r = StatusRanges::parse("200-299, 301").unwrap();
        assert!(r.contains(204) && r.contains(301) && !r.contains(302) && !r.contains(199));
        assert_eq!(r.to_string(), "200-299,301");
        assert_eq!(StatusRanges::default().to_string(), "200-399");
        for bad in [
            "", "abc", "200-", "-200", "300-200", "99", "600", "200,,204", "2xx",
        ] {
            assert!(StatusRanges::parse(bad).is_err(), "{bad}");
        }
    }
}
