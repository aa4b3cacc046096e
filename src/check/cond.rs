//! Check conditions: what a response must satisfy to pass. Parsed once from user text
//! (`--expect-status 200-299,301`, `--expect-json '.status == "UP"'`, per-target `key=value`
//! assertions) into typed values, then evaluated by [`super::run`] for every probe. Used by
//! `probe` and by `proxy`'s active checks.
//!
//! The JSON condition language is deliberately small:
//!
//! ```text
//! COND  := PATH OP VALUE | PATH exists
//! PATH  := '.' | ('.' KEY | '[' INDEX ']' | '["' KEY '"]')+      e.g. .status  .checks[0].ok
//! OP    := == | != | < | <= | > | >=
//! VALUE := a JSON literal ("UP", 3, 2.5, true, null) or a bare word (UP, read as a string)
//! ```
//!
//! `==`/`!=` compare JSON values (numbers numerically); `<`.. compare two numbers, or two strings
//! lexically; a missing path fails every operator (including `!=`).
//!
//! The file stays whole a little past 600 lines: the conditions, their parsers, their
//! evaluation and the tests that pin them down are one concept, read together.

pub use super::words::parse_regex;

/// Whether `s` is written as a condition of the `--expect` language (an HTTP, DNS or TLS
/// field first), so `--expect` can tell one from a TCP reply to wait for.
pub fn is_condition(s: &str) -> bool {
    super::field::FieldCond::looks_like(s) || super::http_cond::HttpCond::looks_like(s)
}
pub use super::status::StatusRanges;
pub(crate) use super::words::truncate;
use crate::spec::{SpecError, parse_duration};
use std::fmt;
use std::time::Duration;

const JSON_EXPECTED: &str = "PATH OP VALUE such as '.status == \"UP\"', '.count >= 3' or '.ready exists' (OP: == != < <= > >=)";
const HEADER_EXPECTED: &str =
    "'NAME: VALUE' (value contained in the header, case-insensitive) or 'NAME' (present)";
const ASSERT_EXPECTED: &str = "KEY=VALUE with KEY one of status, body, body-regex, json, header, max-latency, cert-min-days, expect";

/// A comparison operator of the JSON condition language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Exists,
}

impl CmpOp {
    fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Exists => "exists",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// One `--expect-json` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonCond {
    path: Vec<Seg>,
    path_text: String,
    op: CmpOp,
    value: serde_json::Value,
}

impl JsonCond {
    /// Parse `PATH OP VALUE` or `PATH exists` (see the module docs).
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |problem: &str| SpecError::new("JSON condition", s, problem, JSON_EXPECTED);
        let t = s.trim();
        if !t.starts_with('.') {
            return Err(err("the path must start with '.'"));
        }
        let (path, rest) = parse_path(t).map_err(|p| err(&p))?;
        let path_text = t[..t.len() - rest.len()].to_string();
        let rest = rest.trim_start();
        if rest == "exists" {
            return Ok(JsonCond {
                path,
                path_text,
                op: CmpOp::Exists,
                value: serde_json::Value::Null,
            });
        }
        let (op, rest) = if let Some(r) = rest.strip_prefix("==") {
            (CmpOp::Eq, r)
        } else if let Some(r) = rest.strip_prefix("!=") {
            (CmpOp::Ne, r)
        } else if let Some(r) = rest.strip_prefix("<=") {
            (CmpOp::Le, r)
        } else if let Some(r) = rest.strip_prefix(">=") {
            (CmpOp::Ge, r)
        } else if let Some(r) = rest.strip_prefix('<') {
            (CmpOp::Lt, r)
        } else if let Some(r) = rest.strip_prefix('>') {
            (CmpOp::Gt, r)
        } else if rest.is_empty() {
            return Err(err("the operator and value are missing"));
        } else {
            return Err(err("unknown operator"));
        };
        let raw = rest.trim();
        if raw.is_empty() {
            return Err(err("the value is missing"));
        }
        let value = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(v) => v,
            Err(_) if raw.starts_with('"') => return Err(err("the quoted value is not closed")),
            Err(_) if raw.contains(char::is_whitespace) => {
                return Err(err("a bare-word value cannot contain spaces; quote it"));
            }
            Err(_) => serde_json::Value::String(raw.to_string()),
        };
        if matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
            && !(value.is_number() || value.is_string())
        {
            return Err(err("<, <=, > and >= need a number or a string"));
        }
        Ok(JsonCond {
            path,
            path_text,
            op,
            value,
        })
    }

    /// Evaluate against a parsed document; `Err` is the failure reason naming the value seen.
    pub fn eval(&self, doc: &serde_json::Value) -> Result<(), String> {
        let mut cur = doc;
        for seg in &self.path {
            let next = match seg {
                Seg::Key(k) => cur.get(k.as_str()),
                Seg::Index(i) => cur.get(*i),
            };
            match next {
                Some(v) => cur = v,
                None => return Err(format!("json {} missing", self.path_text)),
            }
        }
        let ok = match self.op {
            CmpOp::Exists => true,
            CmpOp::Eq => json_eq(cur, &self.value),
            CmpOp::Ne => !json_eq(cur, &self.value),
            op => match ordering(cur, &self.value) {
                Some(o) => match op {
                    CmpOp::Lt => o.is_lt(),
                    CmpOp::Le => o.is_le(),
                    CmpOp::Gt => o.is_gt(),
                    _ => o.is_ge(),
                },
                None => false,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "json {} was {} (want {} {})",
                self.path_text,
                show(cur),
                self.op.as_str(),
                show(&self.value)
            ))
        }
    }
}

impl fmt::Display for JsonCond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            CmpOp::Exists => write!(f, "{} exists", self.path_text),
            op => write!(f, "{} {} {}", self.path_text, op.as_str(), self.value),
        }
    }
}

/// Split a path off the front of `t` (which starts with '.'); returns the segments and the rest.
fn parse_path(t: &str) -> Result<(Vec<Seg>, &str), String> {
    let b = t.as_bytes();
    let mut i = 0;
    let mut segs = Vec::new();
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if i < b.len() && b[i] == b'[' {
                    continue;
                }
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-')
                {
                    i += 1;
                }
                if i > start {
                    segs.push(Seg::Key(t[start..i].to_string()));
                } else if !(i >= b.len() || b[i].is_ascii_whitespace() || is_op_char(b[i])) {
                    return Err(format!("unexpected '{}' in the path", char_at(t, i)));
                } else if !segs.is_empty() {
                    return Err("a key is missing after '.'".into());
                }
            }
            b'[' => {
                let close = t[i..]
                    .find(']')
                    .ok_or_else(|| "'[' is not closed".to_string())?;
                let inner = &t[i + 1..i + close];
                if let Some(q) = inner.strip_prefix('"') {
                    let key = q
                        .strip_suffix('"')
                        .ok_or_else(|| "a quoted key is not closed".to_string())?;
                    segs.push(Seg::Key(key.to_string()));
                } else {
                    let n = inner
                        .parse::<usize>()
                        .map_err(|_| format!("'[{inner}]' is not an index or a quoted key"))?;
                    segs.push(Seg::Index(n));
                }
                i += close + 1;
            }
            c if c.is_ascii_whitespace() || is_op_char(c) => break,
            _ => return Err(format!("unexpected '{}' in the path", char_at(t, i))),
        }
    }
    Ok((segs, &t[i..]))
}

/// The character starting at byte `i` (which may be inside a multi-byte character).
fn char_at(t: &str, i: usize) -> char {
    t.get(i..)
        .and_then(|r| r.chars().next())
        .unwrap_or('\u{fffd}')
}

fn is_op_char(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'<' | b'>')
}

fn json_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

fn ordering(a: &serde_json::Value, b: &serde_json::Value) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x.partial_cmp(&y);
    }
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Strings shown bare (`DOWN`), everything else as compact JSON, long values cut.
fn show(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    truncate(&s, 60)
}

/// `--expect-header`: a header that must be present, optionally containing a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderCond {
    pub name: http::HeaderName,
    pub value: Option<String>,
}

impl HeaderCond {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let (name, value) = match s.split_once(':') {
            Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
            None => (s.trim(), None),
        };
        let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            SpecError::new(
                "header condition",
                s,
                "the header name is empty or invalid",
                HEADER_EXPECTED,
            )
        })?;
        Ok(HeaderCond { name, value })
    }

    pub fn eval(&self, headers: &http::HeaderMap) -> Result<(), String> {
        let all: Vec<&str> = headers
            .get_all(&self.name)
            .iter()
            .map(|v| v.to_str().unwrap_or("<binary>"))
            .collect();
        match (&self.value, all.first()) {
            (_, None) => Err(format!("header {} missing", self.name)),
            (None, Some(_)) => Ok(()),
            (Some(want), Some(first)) => {
                let want_lc = want.to_ascii_lowercase();
                if all
                    .iter()
                    .any(|v| v.to_ascii_lowercase().contains(&want_lc))
                {
                    Ok(())
                } else {
                    Err(format!(
                        "header {} was {} (want {want})",
                        self.name,
                        truncate(first, 60)
                    ))
                }
            }
        }
    }
}

/// Everything a response must satisfy. The default is the Kubernetes rule: status 200-399.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Accepted status codes (HTTP only).
    pub status: StatusRanges,
    /// Substrings the body must contain.
    pub body_contains: Vec<String>,
    /// Regular expressions the body must match.
    pub body_regex: Vec<regex::Regex>,
    /// JSON conditions on the body.
    pub json: Vec<JsonCond>,
    /// Headers the response must carry.
    pub headers: Vec<HeaderCond>,
    /// The whole probe (total time) must take at most this long.
    pub max_latency: Option<Duration>,
    /// The earliest-expiring certificate of the peer chain must be valid this many more days.
    pub cert_min_days: Option<f64>,
    /// Field conditions (`--expect 'dns.answer.count >= 1'`, see field.rs).
    pub fields: Vec<super::field::FieldCond>,
    /// HTTP answer conditions (`--expect 'body !~ error'`, see http_cond.rs).
    pub http: Vec<super::http_cond::HttpCond>,
}

impl Conditions {
    /// Whether the body must be read and kept to evaluate these conditions.
    pub fn needs_body(&self) -> bool {
        !self.body_contains.is_empty()
            || !self.body_regex.is_empty()
            || !self.json.is_empty()
            || self.http.iter().any(|h| h.needs_body())
    }

    /// Add one `--expect`/`expect=` condition: an HTTP one (`status`, `body`, `header.NAME`,
    /// `tls`; `status == LIST` replaces the accepted list) or a DNS/TLS field condition.
    pub fn add_expect(&mut self, s: &str) -> Result<(), SpecError> {
        use super::http_cond::{HttpCond, Parsed};
        if HttpCond::looks_like(s) {
            match HttpCond::parse(s)? {
                Parsed::Status(list) => self.status = list,
                Parsed::Cond(c) => self.http.push(c),
            }
        } else {
            self.fields.push(super::field::FieldCond::parse(s)?);
        }
        Ok(())
    }

    /// Apply one per-target assertion `key=value` (from a target line). `status`,
    /// `max-latency` and `cert-min-days` replace the global value; `body`, `body-regex`,
    /// `json` and `header` add to the global conditions.
    pub fn apply(&mut self, assertion: &str) -> Result<(), SpecError> {
        let (key, value) = assertion.split_once('=').ok_or_else(|| {
            SpecError::new(
                "target assertion",
                assertion,
                "'=' is missing",
                ASSERT_EXPECTED,
            )
        })?;
        match key {
            "status" => self.status = StatusRanges::parse(value)?,
            "body" => self.body_contains.push(value.to_string()),
            "body-regex" => self.body_regex.push(parse_regex(value)?),
            "json" => self.json.push(JsonCond::parse(value)?),
            "header" => self.headers.push(HeaderCond::parse(value)?),
            "max-latency" => self.max_latency = Some(parse_duration(value)?),
            "cert-min-days" => self.cert_min_days = Some(parse_days(value)?),
            "expect" => self.add_expect(value)?,
            _ => {
                return Err(SpecError::new(
                    "target assertion",
                    assertion,
                    format!("unknown key '{key}'"),
                    ASSERT_EXPECTED,
                ));
            }
        }
        Ok(())
    }
}

/// Parse a non-negative number of days (`14`, `0.5`).
pub fn parse_days(s: &str) -> Result<f64, SpecError> {
    match s.trim().parse::<f64>() {
        Ok(d) if d.is_finite() && d >= 0.0 => Ok(d),
        _ => Err(SpecError::new(
            "number of days",
            s,
            "it is not a non-negative number",
            "days such as 14 or 0.5",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_conditions() {
        let doc = json!({"status": "UP", "count": 3, "ok": true, "checks": [{"name": "db", "ms": 2.5}], "a b": 1});
        let pass = [
            ".status == \"UP\"",
            ".status==UP",
            ".status != DOWN",
            ".count >= 3",
            ".count == 3.0",
            ".count < 4",
            ".ok == true",
            ".checks[0].name == db",
            ".checks[0].ms > 2",
            ".checks.[0].ms <= 2.5",
            ".[\"a b\"] == 1",
            ".status exists",
            ". exists",
            ".status > TT",
        ];
        for c in pass {
            let cond = JsonCond::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
            assert_eq!(cond.eval(&doc), Ok(()), "{c}");
        }
        let fail = [
            (".status == DOWN", "json .status was UP (want == DOWN)"),
            (".count > 3", "json .count was 3 (want > 3)"),
            (".missing exists", "json .missing missing"),
            (".missing != x", "json .missing missing"),
            (".checks[5].ms < 1", "json .checks[5].ms missing"),
            (".status < 3", "json .status was UP (want < 3)"),
        ];
        for (c, reason) in fail {
            let cond = JsonCond::parse(c).unwrap();
            let got = cond.eval(&doc).unwrap_err();
            assert!(got.starts_with(reason), "{c}: {got}");
        }
    }

    #[test]
    fn json_malformed() {
        for bad in [
            "",
            "status == UP",
            ".status",
            ".status =~ UP",
            ".status ==",
            ".status == \"UP",
            ".status == two words",
            ".a[",
            ".a[x]",
            ".a[\"x]",
            ".a.",
            ".a$b == 1",
            ".ok < true",
            ".a exists now",
            ".é == 1",
            ".a[é] == 1",
            "..é",
        ] {
            let e = JsonCond::parse(bad);
            assert!(e.is_err(), "{bad:?} parsed as {e:?}");
        }
    }

    #[test]
    fn headers() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "content-type",
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(
            HeaderCond::parse("Content-Type: application/JSON")
                .unwrap()
                .eval(&h)
                .is_ok()
        );
        assert!(HeaderCond::parse("content-type").unwrap().eval(&h).is_ok());
        let e = HeaderCond::parse("X-A").unwrap().eval(&h).unwrap_err();
        assert_eq!(e, "header x-a missing");
        let e = HeaderCond::parse("content-type: text")
            .unwrap()
            .eval(&h)
            .unwrap_err();
        assert!(e.contains("was application/json"), "{e}");
        assert!(HeaderCond::parse(": x").is_err());
        assert!(HeaderCond::parse("bad name: x").is_err());
    }

    #[test]
    fn assertions() {
        let mut c = Conditions::default();
        c.apply("status=200").unwrap();
        c.apply("json=.status==UP").unwrap();
        c.apply("max-latency=300ms").unwrap();
        c.apply("cert-min-days=14").unwrap();
        c.apply("body=ok").unwrap();
        c.apply("body-regex=^o.$").unwrap();
        c.apply("header=X-Backend").unwrap();
        assert_eq!(c.status.to_string(), "200");
        assert_eq!(c.max_latency, Some(Duration::from_millis(300)));
        assert!(c.needs_body());
        for bad in [
            "status",
            "colour=red",
            "status=abc",
            "json=status",
            "max-latency=3",
            "cert-min-days=-1",
            "body-regex=(",
        ] {
            assert!(c.apply(bad).is_err(), "{bad}");
        }
    }
}
