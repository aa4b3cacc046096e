//! The properties the fast path's wire code (h1_wire.rs) must hold on any input, written once
//! and checked by the unit tests (seeded random inputs) and by the cargo-fuzz targets
//! (fuzz/fuzz_targets/h1_wire.rs): a rewritten head parses again with the same framing and the
//! same body length, and the end of a chunked body is found at the same byte whatever the
//! read boundaries. Each check returns what broke as text, so a fuzz crash names it.

use super::h1_wire::{
    ChunkedEnd, DownstreamHead, MAX_HEADERS, MAX_RESPONSE_HEADERS, ParsedRequest, UpstreamHead,
    finish_request, parse_request, parse_response, write_request, write_response,
};
use super::headers::HeaderRule;

/// If the fast path takes `wire`'s first request, the head it sends to the backend must be
/// taken by the fast path again with the same method, target, Host and framing (a
/// Content-Length exactly when the client sent one, with the same value): the backend reads the
/// same body the proxy read, so nothing can be smuggled past it.
pub fn request_reframes(
    wire: &[u8],
    rules: &[HeaderRule],
    change_host: bool,
) -> Result<(), String> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let ParsedRequest::Ready(head) = parse_request(wire, &mut hs) else {
        return Ok(());
    };
    let mut out = Vec::new();
    let up = UpstreamHead {
        client_ip: "127.0.0.1",
        proto: "http",
        rules,
        change_host,
    };
    write_request(&mut out, &head, &hs[..head.header_count], &up);
    finish_request(&mut out, change_host.then_some(&b"backend.test:8080"[..]));
    // Room for what the proxy adds (X-Forwarded-*, Via, rules).
    let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let sent = String::from_utf8_lossy(&out).into_owned();
    let ParsedRequest::Ready(re) = parse_request(&out, &mut again) else {
        // More headers than the fast path parses is fine only if the client sent nearly as many.
        if head.header_count + 6 + rules.len() > MAX_HEADERS {
            return Ok(());
        }
        return Err(format!(
            "the rewritten head is not a fast-path request: {sent:?}"
        ));
    };
    if re.head_len != out.len() {
        return Err(format!("the rewritten head ends early: {sent:?}"));
    }
    let same = (re.method, re.target, re.body_len, re.has_length)
        == (head.method, head.target, head.body_len, head.has_length);
    if !same {
        return Err(format!(
            "framing changed: read {} {} length {:?}, sent {sent:?}",
            head.method,
            head.target,
            head.has_length.then_some(head.body_len)
        ));
    }
    if !change_host && re.host != head.host {
        return Err(format!("Host changed from {:?}: {sent:?}", head.host));
    }
    Ok(())
}

/// If `wire` starts with a response head the fast path accepts, the head it sends to the
/// client parses again with the same status and the same framing.
pub fn response_reframes(
    wire: &[u8],
    head_request: bool,
    rules: &[HeaderRule],
    close: bool,
) -> Result<(), String> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    let Ok(Some((head, headers))) = parse_response(wire, &mut hs, head_request) else {
        return Ok(());
    };
    let mut out = Vec::new();
    let down = DownstreamHead {
        rules,
        set_cookie: Some("lb=1; Path=/"),
        close,
    };
    write_response(&mut out, &head, headers, &down);
    let sent = String::from_utf8_lossy(&out).into_owned();
    let mut again = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS + 8];
    let re = match parse_response(&out, &mut again, head_request) {
        Ok(Some((re, _))) => re,
        Ok(None) => return Err(format!("the rewritten head is incomplete: {sent:?}")),
        Err(e) => return Err(format!("the rewritten head is invalid ({}): {sent:?}", e.0)),
    };
    if re.head_len != out.len() || re.code != head.code || re.framing != head.framing {
        return Err(format!(
            "framing changed: read {} {:?}, sent {sent:?} ({:?})",
            head.code, head.framing, re.framing
        ));
    }
    if close && !re.backend_closes {
        return Err(format!(
            "the client is not told the connection closes: {sent:?}"
        ));
    }
    Ok(())
}

/// The end of a chunked body (or its error) is found at the same place whether `wire` arrives
/// whole or split at `cut`.
pub fn chunked_end_is_split_proof(wire: &[u8], cut: usize) -> Result<(), String> {
    let cut = cut.min(wire.len());
    let whole = ChunkedEnd::default().feed(wire);
    let mut c = ChunkedEnd::default();
    let split = match c.feed(&wire[..cut]) {
        Ok(None) => c.feed(&wire[cut..]).map(|r| r.map(|n| n + cut)),
        other => other,
    };
    if split != whole {
        return Err(format!(
            "whole {whole:?}, split at {cut} {split:?}: {:?}",
            String::from_utf8_lossy(wire)
        ));
    }
    Ok(())
}
