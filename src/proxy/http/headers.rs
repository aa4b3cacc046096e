//! Header handling on the way through, for both HTTP paths: hop-by-hop removal (RFC 9110
//! section 7.6.1), the headers a `Connection` token may never remove, whether a Host value is
//! valid, Upgrade requests, and `X-Forwarded-For`. The hyper path (hyper/service.rs) works on
//! `HeaderMap`s with these; the fast path (fast/wire.rs) applies the same rules to raw bytes.
//! What the decisions read (`HeaderSource`, cookies) and the `--header-up/--header-down` rules
//! are in core/headers.rs.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Remove hop-by-hop headers, including those named in `Connection`. With `keep_upgrade`,
/// `Connection: upgrade` and `Upgrade` survive (a WebSocket handshake being tunnelled).
pub fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    // One pass to see which hop-by-hop headers are present (usually none but Connection),
    // instead of a hash lookup per candidate name on every request.
    let mut found = 0u16;
    for name in headers.keys() {
        found |= match *name {
            header::CONNECTION => 1,
            header::UPGRADE => 2,
            header::PROXY_AUTHORIZATION => 4,
            header::PROXY_AUTHENTICATE => 8,
            header::TE => 16,
            header::TRAILER => 32,
            header::TRANSFER_ENCODING => 64,
            _ => match name.as_str() {
                "keep-alive" => 128,
                "proxy-connection" => 256,
                _ => 0,
            },
        };
    }
    if found & 1 != 0
        && let Some(conn) = headers.get(header::CONNECTION)
    {
        // Rare: only allocate when Connection names extra headers.
        let named: Vec<HeaderName> = conn
            .to_str()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|t| {
                !t.is_empty()
                    && !t.eq_ignore_ascii_case("keep-alive")
                    && !t.eq_ignore_ascii_case("close")
                    && !t.eq_ignore_ascii_case("upgrade")
                    && !never_connection_named(t.as_bytes())
            })
            .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
            .collect();
        for n in named {
            headers.remove(n);
        }
        if !keep_upgrade {
            headers.remove(header::CONNECTION);
        }
    }
    if keep_upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    } else if found & 2 != 0 {
        headers.remove(header::UPGRADE);
    }
    if found & !3 == 0 {
        return;
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
    headers.remove(header::PROXY_AUTHORIZATION);
    headers.remove(header::PROXY_AUTHENTICATE);
    headers.remove(header::TE);
    headers.remove(header::TRAILER);
    headers.remove(header::TRANSFER_ENCODING);
}

/// Headers a `Connection` token never removes: the framing headers and Host. Dropping them
/// would let one side frame or route a message differently from the other (issue #12: a
/// `Connection: content-length` request smuggled its body as a second request).
pub fn never_connection_named(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"content-length")
        || name.eq_ignore_ascii_case(b"transfer-encoding")
        || name.eq_ignore_ascii_case(b"host")
}

/// Whether a Host value is `uri-host [":" port]` (RFC 9110 section 7.2; RFC 3986 reg-name,
/// IPv4 or a bracketed IP literal), or empty. No userinfo, path, comma list, space or control.
pub fn valid_host(v: &[u8]) -> bool {
    let (host, port) = if let Some(rest) = v.strip_prefix(b"[") {
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let (lit, after) = (&rest[..end], &rest[end + 1..]);
        if lit.is_empty()
            || !lit
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after {
            [] => return true,
            [b':', port @ ..] => (&b"x"[..], port),
            _ => return false,
        }
    } else {
        match v.iter().rposition(|&b| b == b':') {
            Some(i) => (&v[..i], &v[i + 1..]),
            None => (v, &b""[..]),
        }
    };
    let reg_name = host
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+;=".contains(&b));
    reg_name
        && port.len() <= 5
        && port.iter().all(u8::is_ascii_digit)
        && (!host.is_empty() || v.is_empty())
}

/// Whether a request asks for a protocol upgrade (WebSocket and friends).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get(header::CONNECTION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
}

/// Append the client address to `X-Forwarded-For` (keeping earlier hops).
pub fn append_forwarded_for(headers: &mut HeaderMap, name: &HeaderName, ip: std::net::IpAddr) {
    use std::fmt::Write;
    // One small buffer, no intermediate String for the address.
    let mut buf = String::with_capacity(48);
    if let Some(prev) = headers.get(name).and_then(|v| v.to_str().ok())
        && !prev.is_empty()
    {
        buf.push_str(prev);
        buf.push_str(", ");
    }
    let _ = write!(buf, "{ip}");
    if let Ok(v) = HeaderValue::from_maybe_shared(bytes::Bytes::from(buf)) {
        headers.insert(name.clone(), v);
    }
}

/// Add this proxy to Via (RFC 9110 section 7.6.3), after any the message already has.
pub fn append_via(headers: &mut HeaderMap, via: &'static str) {
    match headers.get(header::VIA).and_then(|v| v.to_str().ok()) {
        Some(prev) => {
            if let Ok(v) = HeaderValue::from_str(&format!("{prev}, {via}")) {
                headers.insert(header::VIA, v);
            }
        }
        None => {
            headers.insert(header::VIA, HeaderValue::from_static(via));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, X-Secret"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert("x-keep", HeaderValue::from_static("1"));
        strip_hop_by_hop(&mut h, false);
        let names: Vec<_> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-keep"]);
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        assert!(is_upgrade(&h));
        strip_hop_by_hop(&mut h, true);
        assert!(is_upgrade(&h));
    }

    #[test]
    fn forwarded_for_appends() {
        let mut h = HeaderMap::new();
        let n = HeaderName::from_static("x-forwarded-for");
        append_forwarded_for(&mut h, &n, "10.0.0.1".parse().unwrap());
        append_forwarded_for(&mut h, &n, "127.0.0.1".parse().unwrap());
        assert_eq!(h["x-forwarded-for"], "10.0.0.1, 127.0.0.1");
    }
}
