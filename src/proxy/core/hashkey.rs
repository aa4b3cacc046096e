//! `--hash-key`: where `--algorithm hash` reads its key from a request (a header, a cookie,
//! the path, a query parameter, or the client address), and the pick through `balance::hash`
//! with failover: when the key's backend cannot take the request, the key is re-hashed with a
//! salt a few times, so only the keys of a backend that is out move (to other backends), and
//! every other key stays where it was.

use super::headers::{HeaderSource, cookie};
pub use crate::balance::hash_pick::HashPick;
use crate::spec::SpecError;
use http::header::HeaderName;
use std::borrow::Cow;
use std::net::IpAddr;

const KEY_FORM: &str = "header:NAME, cookie:NAME, path, query:NAME or ip";

/// Where the key comes from.
#[derive(Debug, Clone)]
pub enum HashKey {
    Header(HeaderName),
    Cookie(String),
    Path,
    Query(String),
    Ip,
}

impl HashKey {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |p: &str| SpecError::new("hash key", s, p, KEY_FORM);
        let t = s.trim();
        match t.split_once(':') {
            None if t == "path" => Ok(HashKey::Path),
            None if t == "ip" => Ok(HashKey::Ip),
            Some(("header", n)) => HeaderName::from_bytes(n.trim().as_bytes())
                .map(HashKey::Header)
                .map_err(|_| err("not a valid header name")),
            Some(("cookie", n)) if !n.trim().is_empty() => Ok(HashKey::Cookie(n.trim().into())),
            Some(("query", n)) if !n.trim().is_empty() => Ok(HashKey::Query(n.trim().into())),
            Some(("cookie" | "query", _)) => Err(err("the name after ':' is empty")),
            _ => Err(err("unknown key source")),
        }
    }

    /// The key of one request, or None when the request does not carry it (the pool's
    /// fallback algorithm then picks, as HAProxy does for a missing hash key).
    pub fn extract<'a, H: HeaderSource + ?Sized>(
        &self,
        headers: &'a H,
        path_and_query: &'a str,
        ip: IpAddr,
    ) -> Option<Cow<'a, [u8]>> {
        match self {
            HashKey::Header(n) => headers.first_value(n.as_str()).map(Cow::Borrowed),
            HashKey::Cookie(name) => cookie(headers, name).map(|v| Cow::Borrowed(v.as_bytes())),
            HashKey::Path => Some(Cow::Borrowed(
                path_and_query.split('?').next().unwrap_or("/").as_bytes(),
            )),
            HashKey::Query(name) => path_and_query
                .split_once('?')
                .map(|(_, q)| q)
                .into_iter()
                .flat_map(|q| q.split('&'))
                .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
                .find(|(k, _)| k == name)
                .map(|(_, v)| Cow::Borrowed(v.as_bytes())),
            HashKey::Ip => Some(Cow::Owned(ip.to_string().into_bytes())),
        }
    }
}

impl std::fmt::Display for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HashKey::Header(n) => write!(f, "header:{n}"),
            HashKey::Cookie(n) => write!(f, "cookie:{n}"),
            HashKey::Path => f.write_str("path"),
            HashKey::Query(n) => write!(f, "query:{n}"),
            HashKey::Ip => f.write_str("ip"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;
    use http::HeaderValue;

    #[test]
    fn parse_and_extract() {
        let mut h = HeaderMap::new();
        h.insert("x-user", HeaderValue::from_static("alice"));
        h.insert("cookie", HeaderValue::from_static("sid=42; other=1"));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let get = |s: &str, pq: &str| {
            HashKey::parse(s)
                .unwrap()
                .extract(&h, pq, ip)
                .map(|c| String::from_utf8_lossy(&c).into_owned())
        };
        assert_eq!(get("header:X-User", "/"), Some("alice".into()));
        assert_eq!(get("header:X-None", "/"), None);
        assert_eq!(get("cookie:sid", "/"), Some("42".into()));
        assert_eq!(get("path", "/a/b?x=1"), Some("/a/b".into()));
        assert_eq!(get("query:id", "/a?x=1&id=7"), Some("7".into()));
        assert_eq!(get("query:id", "/a"), None);
        assert_eq!(get("ip", "/"), Some("10.0.0.1".into()));
        for bad in ["", "header:", "cookie:", "query: ", "body", "header:a b"] {
            assert!(HashKey::parse(bad).is_err(), "{bad}");
        }
    }
}
