//! The header vocabulary below both data paths: read access to a request's headers whichever
//! HTTP path parsed them ([`HeaderSource`], [`cookie`]), so that routes, hash keys and sticky
//! cookies decide the same way on both, and the `--header-up/--header-down` rules
//! ([`HeaderRule`]), parsed by plan/ into a listener's settings and applied by the HTTP paths.

use crate::spec::SpecError;
use http::header::{HeaderMap, HeaderName, HeaderValue};

const RULE_FORM: &str = "'NAME: VALUE' to set a header or '-NAME' to remove it";

/// Read access to a request's headers, whichever HTTP path parsed them: hyper's `HeaderMap`
/// (http/hyper) or the raw header slices of the HTTP/1.1 fast path (http/fast). Routing, hash keys
/// and sticky cookies read through it, so both paths decide the same way.
pub trait HeaderSource {
    /// Every value of header `name` (given in lower case), in order.
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]>;

    /// The first value of `name`.
    fn first_value<'a>(&'a self, name: &str) -> Option<&'a [u8]> {
        self.values(name).next()
    }
}

impl HeaderSource for HeaderMap {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.get_all(name).iter().map(|v| v.as_bytes())
    }
}

impl HeaderSource for [httparse::Header<'_>] {
    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }
}

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a, H: HeaderSource + ?Sized>(headers: &'a H, name: &str) -> Option<&'a str> {
    headers
        .values("cookie")
        .filter_map(|v| std::str::from_utf8(v).ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// One `--header-up`/`--header-down` rule.
#[derive(Debug, Clone)]
pub enum HeaderRule {
    Set(HeaderName, HeaderValue),
    Remove(HeaderName),
}

/// Why a rule may not name `name`: the proxy itself writes the framing headers (from the
/// message as it parsed it), Host, and the hop-by-hop headers of each connection. A rule on
/// them could frame a message two ways (request smuggling) or break the connection's state.
fn managed(name: &HeaderName) -> Option<&'static str> {
    match name.as_str() {
        "content-length" | "transfer-encoding" => {
            Some("the proxy writes the message framing itself, exactly as it read it")
        }
        "host" => Some(
            "the proxy forwards the client's Host (use --change-host to send the backend's address)",
        ),
        "connection" | "keep-alive" | "proxy-connection" | "te" | "trailer" | "upgrade" => {
            Some("hop-by-hop headers belong to each connection and are managed by the proxy")
        }
        _ => None,
    }
}

impl HeaderRule {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |p: &str| SpecError::new("header rule", s, p, RULE_FORM);
        let t = s.trim();
        let name_of = |raw: &str| {
            let name = HeaderName::from_bytes(raw.trim().as_bytes())
                .map_err(|_| err("the name is not a valid header name"))?;
            match managed(&name) {
                Some(why) => Err(SpecError::new(
                    "header rule",
                    s,
                    format!("{name} cannot be set or removed: {why}"),
                    "a rule on any other header",
                )),
                None => Ok(name),
            }
        };
        if let Some(name) = t.strip_prefix('-') {
            return Ok(HeaderRule::Remove(name_of(name)?));
        }
        let (name, value) = t.split_once(':').ok_or_else(|| err("there is no ':'"))?;
        let name = name_of(name)?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| err("the value has characters not allowed in a header"))?;
        Ok(HeaderRule::Set(name, value))
    }

    pub fn apply(&self, headers: &mut HeaderMap) {
        match self {
            HeaderRule::Set(n, v) => {
                headers.insert(n.clone(), v.clone());
            }
            HeaderRule::Remove(n) => {
                headers.remove(n);
            }
        }
    }
}

/// `cookie:NAME` of --sticky.
pub fn parse_sticky(s: &str) -> Result<String, crate::spec::SpecError> {
    match s.trim().strip_prefix("cookie:") {
        Some(name)
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)) =>
        {
            Ok(name.to_string())
        }
        _ => Err(crate::spec::SpecError::new(
            "sticky mode",
            s,
            "unknown form or bad cookie name",
            "cookie:NAME (letters, digits, - _ .)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    #[test]
    fn rules_parse() {
        assert!(matches!(
            HeaderRule::parse("X-A: 1"),
            Ok(HeaderRule::Set(..))
        ));
        assert!(matches!(
            HeaderRule::parse("-Server"),
            Ok(HeaderRule::Remove(..))
        ));
        for bad in ["", "NoColon", "bad name: x", ": v", "X: a\u{7f}b", "-"] {
            let e = HeaderRule::parse(bad).unwrap_err().to_string();
            assert!(e.contains("header rule"), "{bad}: {e}");
        }
    }

    #[test]
    fn cookie_lookup_on_both_header_forms() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; lb=xyz"));
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "lb"), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        let raw = [
            httparse::Header {
                name: "Cookie",
                value: b"a=1; lb=xyz",
            },
            httparse::Header {
                name: "cookie",
                value: b"b=2",
            },
        ];
        assert_eq!(cookie(&raw[..], "lb"), Some("xyz"));
        assert_eq!(cookie(&raw[..], "b"), Some("2"));
        assert_eq!(
            raw[..].first_value("COOKIE".to_ascii_lowercase().as_str()),
            Some(&b"a=1; lb=xyz"[..])
        );
    }
}
