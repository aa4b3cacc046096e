//! Request heads: parse the head a client sent and decide whether the fast path takes it
//! ([`parse_request`]), then write the head the backend gets ([`write_request`], ended per
//! backend by [`finish_request`]).

use super::fields::{
    Name, appended, classify, connection_names_others, header_line, is, named_by_connection, ruled,
    set_rules, write_length,
};
use crate::http1::tokens;
use crate::proxy::core::headers::HeaderRule;
use crate::proxy::http::local::{BAD_FRAGMENT, BAD_HOST, Local};

/// Headers parsed per request head; a request with more goes to the hyper path (which
/// allows 100).
pub const MAX_HEADERS: usize = 64;

/// What the fast path needs from a request head.
#[derive(Debug)]
pub struct RequestHead<'b> {
    pub method: &'b str,
    /// Origin-form target (`/path?query`).
    pub target: &'b str,
    pub host: &'b str,
    pub head_len: usize,
    /// How many of the header slots the head filled.
    pub header_count: usize,
    /// `Content-Length` (0 when absent).
    pub body_len: u64,
    /// Whether the head carried a Content-Length (written again, once, from `body_len`).
    pub has_length: bool,
    /// The client asked to close after this response (`Connection: close`).
    pub close: bool,
}

/// The outcome of looking at the start of a client's buffer.
#[derive(Debug)]
pub enum ParsedRequest<'b> {
    Ready(RequestHead<'b>),
    /// The head is not complete yet.
    Partial,
    /// Valid or not, not for the fast path: HTTP/2 prior knowledge, HTTP/1.0, Upgrade,
    /// `Expect`, chunked request bodies, absolute-form targets, malformed heads. hyper takes
    /// the connection from here (and answers 400 where the head is bad).
    Hyper,
    /// A head that parses but that no proxy may forward: answered here (400) and the
    /// connection closed (its framing or routing would be ambiguous).
    Invalid(Local),
}

/// The bytes of an origin-form target (RFC 3986: unreserved, pct-encoded, sub-delims, `:`,
/// `@`, `/`, `?`). The fast path takes no other, so it never forwards what hyper would refuse.
static URI_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let ok = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=:@/?";
    let mut i = 0;
    while i < ok.len() {
        t[ok[i] as usize] = true;
        i += 1;
    }
    t
};

/// Parse the request head at the start of `buf` and decide whether the fast path takes it.
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [httparse::Header<'b>; MAX_HEADERS],
) -> ParsedRequest<'b>
where
    'b: 'h,
{
    let mut req = httparse::Request::new(headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return ParsedRequest::Partial,
        Err(_) => return ParsedRequest::Hyper,
    };
    let (Some(method), Some(target), Some(1)) = (req.method, req.path, req.version) else {
        return ParsedRequest::Hyper;
    };
    if !target.starts_with('/') || method == "CONNECT" {
        return ParsedRequest::Hyper;
    }
    // A fragment is never part of a request-target (RFC 9112 section 3.2); HAProxy rejects it.
    if target.contains('#') {
        return ParsedRequest::Invalid(BAD_FRAGMENT);
    }
    // Longer than the http crate's URI limit, or with a byte RFC 3986 does not allow in a path
    // or query: hyper decides (414 or 400, or its own leniency), so both paths agree.
    if target.len() > 65_534 || !target.bytes().all(|b| URI_BYTE[b as usize]) {
        return ParsedRequest::Hyper;
    }
    let mut host = None;
    let mut body_len: Option<u64> = None;
    let mut close = false;
    for h in req.headers.iter() {
        let n = h.name;
        // Only these lengths can be a header this loop looks at (the rest are skipped cheaply).
        if !matches!(n.len(), 4 | 6 | 7 | 10 | 14 | 17) {
            continue;
        }
        if is(n, "host") {
            // RFC 9112 section 3.2: more than one Host, or an invalid one, is a 400.
            if host.is_some() || !crate::proxy::http::headers::valid_host(h.value) {
                return ParsedRequest::Invalid(BAD_HOST);
            }
            host = std::str::from_utf8(h.value).ok();
        } else if is(n, "content-length") {
            let Some(len) = std::str::from_utf8(h.value)
                .ok()
                .and_then(crate::http1::content_length)
            else {
                return ParsedRequest::Hyper;
            };
            if body_len.is_some_and(|l| l != len) {
                return ParsedRequest::Hyper;
            }
            body_len = Some(len);
        } else if is(n, "transfer-encoding") || is(n, "expect") || is(n, "upgrade") {
            return ParsedRequest::Hyper;
        } else if is(n, "connection") {
            for t in tokens(h.value) {
                if t.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if t.eq_ignore_ascii_case(b"upgrade") {
                    return ParsedRequest::Hyper;
                }
            }
        }
    }
    let Some(host) = host else {
        return ParsedRequest::Invalid(BAD_HOST);
    };
    ParsedRequest::Ready(RequestHead {
        method,
        target,
        host,
        head_len,
        header_count: req.headers.len(),
        body_len: body_len.unwrap_or(0),
        has_length: body_len.is_some(),
        close,
    })
}

/// What the rewritten request head carries besides the client's headers.
pub struct UpstreamHead<'a> {
    /// The client's address as text (formatted once per connection).
    pub client_ip: &'a str,
    /// `http` or `https`.
    pub proto: &'static str,
    pub rules: &'a [HeaderRule],
    /// `--change-host`: the client's Host is left out; [`finish_request`] adds the backend's.
    pub change_host: bool,
}

/// Append the head sent to the backend, up to the part that depends on the backend (see
/// [`finish_request`]): origin-form HTTP/1.1 with the same semantics as the hyper path (hyper/service.rs):
/// hop-by-hop headers and those `Connection` names removed, the client appended to
/// `X-Forwarded-For` and `Via`, `X-Forwarded-Proto/-Host` set, then the rules.
///
/// The framing invariant: the message is framed exactly as it was parsed. Content-Length is
/// never copied from the client's lines: it is written here, once, from the parsed length, so
/// no `Connection` token and no rule (plan/ rejects rules on framing headers) can drop or
/// duplicate it. Host is likewise never dropped because `Connection` names it.
pub fn write_request(
    out: &mut Vec<u8>,
    head: &RequestHead<'_>,
    headers: &[httparse::Header<'_>],
    up: &UpstreamHead<'_>,
) {
    out.extend_from_slice(head.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(head.target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let named = connection_names_others(headers);
    let (mut earlier_xff, mut earlier_via) = (false, false);
    for h in headers {
        let n = h.name;
        match classify(n) {
            Name::Other => {}
            Name::Host => {
                if !up.change_host {
                    header_line(out, n.as_bytes(), h.value);
                }
                continue;
            }
            // Written from the parsed framing below.
            Name::ContentLength => continue,
            Name::XForwardedFor => {
                earlier_xff = true;
                continue;
            }
            Name::Via => {
                earlier_via = true;
                continue;
            }
            _ => continue,
        }
        if (!up.rules.is_empty() && ruled(up.rules, n))
            || (named && named_by_connection(headers, n))
        {
            continue;
        }
        header_line(out, n.as_bytes(), h.value);
    }
    if head.has_length {
        write_length(out, head.body_len);
    }
    if !ruled(up.rules, "x-forwarded-for") {
        appended(
            out,
            earlier_xff.then_some(headers),
            "x-forwarded-for",
            up.client_ip.as_bytes(),
        );
    }
    if !ruled(up.rules, "x-forwarded-proto") {
        header_line(out, b"x-forwarded-proto", up.proto.as_bytes());
    }
    if !ruled(up.rules, "x-forwarded-host") {
        header_line(out, b"x-forwarded-host", head.host.as_bytes());
    }
    if !ruled(up.rules, "via") {
        appended(out, earlier_via.then_some(headers), "via", b"1.1 lbctl");
    }
    set_rules(out, up.rules, up.change_host);
}

/// End a head from [`write_request`] for one backend: its `Host` under `--change-host`.
pub fn finish_request(out: &mut Vec<u8>, host: Option<&[u8]>) {
    if let Some(host) = host {
        header_line(out, b"host", host);
    }
    out.extend_from_slice(b"\r\n");
}
