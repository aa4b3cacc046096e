//! HTTP answer conditions in the `--expect` language (`FIELD OP VALUE`, beside the DNS and
//! TLS fields of field.rs), so a module file or a command line can say in one list what an
//! answer must satisfy:
//!
//! - `status == 200,204` (the accepted list, replacing the default 200-399; ranges as in
//!   `--expect-status`) and `status != 503` (a status that must not come back).
//! - `body ~ RE` / `body !~ RE`: blackbox_exporter's `fail_if_body_not_matches_regexp` and
//!   `fail_if_body_matches_regexp` (the body is read up to 1 MiB, as text).
//! - `header.NAME ~ RE` / `header.NAME !~ RE`: `fail_if_header_not_matches` and
//!   `fail_if_header_matches` (any value of the header; a missing header fails both, as
//!   blackbox does without `allow_missing`).
//! - `tls == true|false`: `fail_if_not_ssl` / `fail_if_ssl` (whether a TLS handshake was
//!   made; after redirects, whether the check made one on the way).
//!
//! Evaluated by exec.rs on the answer; the parser is reached through
//! [`super::cond::Conditions::add_expect`].

use super::status::StatusRanges;
use super::words::{truncate, unquote};
use crate::spec::SpecError;

const EXPECTED: &str = "'status == 200,204', 'status != 503', 'body ~ RE', 'body !~ RE', \
     'header.NAME ~ RE', 'header.NAME !~ RE' or 'tls == true|false'";

#[derive(Debug, Clone)]
enum Check {
    /// `status != LIST` (`status == LIST` replaces the accepted list instead).
    StatusNot(StatusRanges),
    Body(regex::Regex),
    Header(http::HeaderName, regex::Regex),
    Tls(bool),
}

/// One HTTP answer condition.
#[derive(Debug, Clone)]
pub struct HttpCond {
    text: String,
    /// `!~` (for body and header).
    negate: bool,
    check: Check,
}

/// What `--expect 'status == LIST'` and the other HTTP conditions parse to.
#[derive(Debug, Clone)]
pub enum Parsed {
    /// `status == LIST`: the accepted status list.
    Status(StatusRanges),
    Cond(HttpCond),
}

/// The field word at the front of `s` and the rest after it.
fn split_field(s: &str) -> (&str, &str) {
    let t = s.trim();
    let end = t
        .find(|c: char| c.is_whitespace() || matches!(c, '=' | '!' | '~' | '<' | '>'))
        .unwrap_or(t.len());
    (&t[..end], t[end..].trim_start())
}

impl HttpCond {
    /// Whether `s` is an HTTP condition (a field of this file followed by an operator), so
    /// `--expect` can tell one from a TCP reply to wait for.
    pub fn looks_like(s: &str) -> bool {
        let (field, rest) = split_field(s);
        let known = matches!(field, "status" | "body" | "tls")
            || field.strip_prefix("header.").is_some_and(|n| !n.is_empty());
        known
            && ["==", "!=", "~", "!~"]
                .iter()
                .any(|op| rest.starts_with(op))
    }

    pub fn parse(s: &str) -> Result<Parsed, SpecError> {
        let bad = |why: String| SpecError::new("condition", s, why, EXPECTED);
        let (field, rest) = split_field(s);
        let (op, value) = ["==", "!=", "!~", "~"]
            .into_iter()
            .find_map(|op| rest.strip_prefix(op).map(|v| (op, v)))
            .ok_or_else(|| bad(format!("no operator after '{field}'")))?;
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(bad("the value is missing".into()));
        }
        let regex = |what: &str| -> Result<(bool, regex::Regex), SpecError> {
            match op {
                "~" | "!~" => Ok((op == "!~", super::words::parse_regex(value)?)),
                _ => Err(bad(format!(
                    "{what} takes ~ or !~ and a regular expression, not {op}"
                ))),
            }
        };
        let check = match field {
            "status" => match op {
                "==" => return Ok(Parsed::Status(StatusRanges::parse(value)?)),
                "!=" => (false, Check::StatusNot(StatusRanges::parse(value)?)),
                _ => return Err(bad(format!("status takes == or !=, not {op}"))),
            },
            "body" => {
                let (negate, re) = regex("body")?;
                (negate, Check::Body(re))
            }
            "tls" => {
                let want = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad(format!("'{value}': expected true or false"))),
                };
                match op {
                    "==" => (false, Check::Tls(want)),
                    "!=" => (false, Check::Tls(!want)),
                    _ => return Err(bad(format!("tls takes == or !=, not {op}"))),
                }
            }
            f => {
                let Some(name) = f.strip_prefix("header.") else {
                    return Err(bad(format!("unknown field '{f}'")));
                };
                let name = http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| bad(format!("'{name}' is not a header name")))?;
                let (negate, re) = regex("a header")?;
                (negate, Check::Header(name, re))
            }
        };
        Ok(Parsed::Cond(HttpCond {
            text: s.trim().to_string(),
            negate: check.0,
            check: check.1,
        }))
    }

    /// Whether this is a regular expression on the body or a header (blackbox's
    /// fail_if_body_*/fail_if_header_* family, whose failures set probe_failed_due_to_regex).
    pub fn is_regex(&self) -> bool {
        matches!(self.check, Check::Body(_) | Check::Header(..))
    }

    /// Whether the body must be kept to judge this condition.
    pub fn needs_body(&self) -> bool {
        matches!(self.check, Check::Body(_))
    }

    /// Judge an HTTP answer; Err names the condition and what was seen.
    pub fn eval(
        &self,
        status: Option<u16>,
        headers: &http::HeaderMap,
        body: &str,
        tls: bool,
    ) -> Result<(), String> {
        let fail = |seen: String| Err(format!("'{}' does not hold ({seen})", self.text));
        match &self.check {
            Check::StatusNot(list) => match status {
                Some(s) if list.contains(s) => fail(format!("status {s}")),
                _ => Ok(()),
            },
            Check::Tls(want) => {
                if tls == *want {
                    Ok(())
                } else if tls {
                    fail("the answer came over TLS".into())
                } else {
                    fail("the answer came without TLS".into())
                }
            }
            Check::Body(re) => match (re.find(body), self.negate) {
                (Some(m), true) => fail(format!(
                    "body has '{}' at byte {}",
                    truncate(m.as_str(), 40),
                    m.start()
                )),
                (None, false) => fail(format!("body starts '{}'", truncate(body.trim(), 40))),
                _ => Ok(()),
            },
            Check::Header(name, re) => {
                let values: Vec<&str> = headers
                    .get_all(name)
                    .iter()
                    .map(|v| v.to_str().unwrap_or("<binary>"))
                    .collect();
                let Some(first) = values.first() else {
                    return fail(format!("header {name} missing"));
                };
                let hit = values.iter().find(|v| re.is_match(v));
                match (hit, self.negate) {
                    (Some(v), true) => fail(format!("{name}: {}", truncate(v, 60))),
                    (None, false) => fail(format!("{name}: {}", truncate(first, 60))),
                    _ => Ok(()),
                }
            }
        }
    }
}

impl std::fmt::Display for HttpCond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}'", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(s: &str) -> HttpCond {
        match HttpCond::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")) {
            Parsed::Cond(c) => c,
            Parsed::Status(_) => panic!("{s} is a status list"),
        }
    }

    #[test]
    fn body_header_status_and_tls_conditions() {
        let mut h = http::HeaderMap::new();
        h.append("x-backend", "b1".parse().unwrap());
        h.append("x-backend", "canary-2".parse().unwrap());
        let body = "all good, no errors here";
        for ok in [
            "body ~ good",
            "body!~FATAL",
            "body !~ '^error'",
            "header.X-Backend ~ ^canary",
            "header.x-backend !~ ^b9$",
            "status != 500-599",
            "tls == false",
            "tls != true",
        ] {
            cond(ok)
                .eval(Some(200), &h, body, false)
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for (bad, seen) in [
            ("body ~ ^ok", "body starts 'all good"),
            ("body !~ errors?", "body has 'errors' at byte 13"),
            ("header.x-backend !~ canary", "x-backend: canary-2"),
            ("header.x-backend ~ ^z", "x-backend: b1"),
            ("header.x-missing !~ a", "header x-missing missing"),
            ("header.x-missing ~ a", "header x-missing missing"),
            ("status != 200", "status 200"),
            ("tls == true", "without TLS"),
        ] {
            let e = cond(bad).eval(Some(200), &h, body, false).unwrap_err();
            assert!(e.contains(seen), "{bad}: {e}");
        }
        assert!(cond("body ~ x").needs_body());
        assert!(cond("body ~ x").is_regex() && cond("header.a !~ x").is_regex());
        assert!(!cond("tls == true").is_regex() && !cond("status != 500").is_regex());
        assert!(!cond("header.a ~ x").needs_body());
        match HttpCond::parse("status == 200-299,301").unwrap() {
            Parsed::Status(s) => assert_eq!(s.to_string(), "200-299,301"),
            Parsed::Cond(_) => panic!("not a list"),
        }
    }

    #[test]
    fn recognised_and_mistakes_named() {
        for yes in [
            "body~ok",
            "body !~ error",
            "status==200",
            "header.X-A ~ b",
            "tls == true",
        ] {
            assert!(HttpCond::looks_like(yes), "{yes}");
        }
        for no in ["+PONG", "body", "bodyguard ~ x", "header. ~ x", "status"] {
            assert!(!HttpCond::looks_like(no), "{no}");
        }
        for (bad, want) in [
            ("body == x", "takes ~ or !~"),
            ("body ~ (", "regular expression"),
            ("body ~ ", "missing"),
            ("status ~ 2", "takes == or !="),
            ("status == 2xx", "status code"),
            ("tls == yes", "true or false"),
            ("header.a b ~ x", "no operator"),
            ("header.x ~ (", "regular expression"),
        ] {
            let e = HttpCond::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
