//! The header-field facts both head writers share: which names the rewriters treat specially
//! (hop-by-hop, framing, Host, `Via`, `X-Forwarded-*`), what a `Connection` header names, and
//! how a header line, an appended list value, the `--header-up/--header-down` rules and a
//! Content-Length are written.

use crate::http1::tokens;
use crate::proxy::core::headers::HeaderRule;

pub(super) fn is(name: &str, lower: &str) -> bool {
    name.eq_ignore_ascii_case(lower)
}

/// The header names the rewriters treat specially, told apart by length first: this runs for
/// every header of every request and response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Name {
    /// Hop-by-hop (RFC 9110 section 7.6.1); Transfer-Encoding is handled apart.
    Hop,
    TransferEncoding,
    ContentLength,
    Via,
    Host,
    XForwardedFor,
    XForwardedProto,
    XForwardedHost,
    Other,
}

pub(super) fn classify(name: &str) -> Name {
    let hop = |lower: &str| {
        if is(name, lower) {
            Name::Hop
        } else {
            Name::Other
        }
    };
    match name.len() {
        2 => hop("te"),
        3 if is(name, "via") => Name::Via,
        4 if is(name, "host") => Name::Host,
        7 if is(name, "trailer") || is(name, "upgrade") => Name::Hop,
        10 if is(name, "connection") || is(name, "keep-alive") => Name::Hop,
        14 if is(name, "content-length") => Name::ContentLength,
        15 if is(name, "x-forwarded-for") => Name::XForwardedFor,
        16 if is(name, "x-forwarded-host") => Name::XForwardedHost,
        16 => hop("proxy-connection"),
        17 if is(name, "x-forwarded-proto") => Name::XForwardedProto,
        17 if is(name, "transfer-encoding") => Name::TransferEncoding,
        18 => hop("proxy-authenticate"),
        19 => hop("proxy-authorization"),
        _ => Name::Other,
    }
}

/// Whether a `Connection` header names headers other than the usual `keep-alive`, `close`
/// and `upgrade` tokens (those named are hop-by-hop too and must be dropped).
pub(super) fn connection_names_others(headers: &[httparse::Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|h| h.name.len() == 10 && is(h.name, "connection"))
        .flat_map(|h| tokens(h.value))
        .any(|t| {
            !t.eq_ignore_ascii_case(b"keep-alive")
                && !t.eq_ignore_ascii_case(b"close")
                && !t.eq_ignore_ascii_case(b"upgrade")
        })
}

/// Whether the `Connection` header values list `name` as hop-by-hop for this hop.
pub(super) fn named_by_connection(headers: &[httparse::Header<'_>], name: &str) -> bool {
    headers
        .iter()
        .filter(|h| is(h.name, "connection"))
        .flat_map(|h| tokens(h.value))
        .any(|t| t.eq_ignore_ascii_case(name.as_bytes()))
}

pub(super) fn ruled(rules: &[HeaderRule], name: &str) -> bool {
    rules.iter().any(|r| match r {
        HeaderRule::Set(n, _) | HeaderRule::Remove(n) => is(name, n.as_str()),
    })
}

pub(super) fn header_line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Write `name: first, second, ..., last` joining every earlier value of `name` (when
/// `headers` is given: the caller saw one) with ours.
pub(super) fn appended(
    out: &mut Vec<u8>,
    headers: Option<&[httparse::Header<'_>]>,
    name: &str,
    ours: &[u8],
) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    for h in headers.unwrap_or(&[]).iter().filter(|h| is(h.name, name)) {
        if !h.value.is_empty() {
            out.extend_from_slice(h.value);
            out.extend_from_slice(b", ");
        }
    }
    out.extend_from_slice(ours);
    out.extend_from_slice(b"\r\n");
}

pub(super) fn set_rules(out: &mut Vec<u8>, rules: &[HeaderRule], skip_host: bool) {
    for r in rules {
        if let HeaderRule::Set(n, v) = r
            && !(skip_host && n == http::header::HOST)
        {
            header_line(out, n.as_str().as_bytes(), v.as_bytes());
        }
    }
}

pub(super) fn write_length(out: &mut Vec<u8>, n: u64) {
    use std::io::Write;
    let _ = write!(out, "content-length: {n}\r\n");
}
