//! The properties the fast path's wire code (wire.rs) must hold on any input, written once
//! and checked by the unit tests (seeded random inputs) and by the cargo-fuzz targets
//! (fuzz/fuzz_targets/h1_wire.rs): a rewritten head parses again with the same framing and the
//! same body length, and the end of a chunked body is found at the same byte whatever the
//! read boundaries. Each check returns what broke as text, so a fuzz crash names it.

use super::wire::{
    ChunkedEnd, DownstreamHead, MAX_HEADERS, MAX_RESPONSE_HEADERS, ParsedRequest, UpstreamHead,
    finish_request, parse_request, parse_response, write_request, write_response,
};
use crate::proxy::core::headers::HeaderRule;

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

/// A request as a parser read it: method, target, body length.
pub type Read = (String, String, u64);

/// The requests the fast path takes whole from `wire`, in order, as the relay would: it stops
/// at a request it hands to hyper or refuses, at an incomplete one, and after
/// `Connection: close`.
pub fn fast_path_requests(wire: &[u8]) -> Vec<Read> {
    let mut seen = Vec::new();
    let mut at = 0;
    while at < wire.len() {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ParsedRequest::Ready(h) = parse_request(&wire[at..], &mut hs) else {
            break;
        };
        let end = at as u64 + h.head_len as u64 + h.body_len;
        if end > wire.len() as u64 {
            break;
        }
        seen.push((h.method.to_string(), h.target.to_string(), h.body_len));
        if h.close {
            break;
        }
        at = end as usize;
    }
    seen
}

/// The requests hyper's HTTP/1 server (an independent parser: its own framing rules) reads
/// from `wire`, bodies read whole, on `rt` (a current-thread runtime).
pub fn hyper_requests(rt: &tokio::runtime::Runtime, wire: &[u8]) -> Vec<Read> {
    use http_body_util::BodyExt;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let wire = wire.to_vec();
    rt.block_on(async move {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let record = record.clone();
                async move {
                    let method = req.method().to_string();
                    let target = req.uri().to_string();
                    if let Ok(body) = req.into_body().collect().await {
                        let len = body.to_bytes().len() as u64;
                        if let Ok(mut r) = record.lock() {
                            r.push((method, target, len));
                        }
                    }
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        http_body_util::Empty::<bytes::Bytes>::new(),
                    ))
                }
            });
        let conn = hyper::server::conn::http1::Builder::new()
            .half_close(true)
            .serve_connection(hyper_util::rt::TokioIo::new(server), service);
        let drive = tokio::spawn(async move {
            let _ = conn.await;
        });
        let _ = client.write_all(&wire).await;
        let _ = client.shutdown().await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            client.read_to_end(&mut sink),
        )
        .await;
        drive.abort();
    });
    seen.lock().map(|v| v.clone()).unwrap_or_default()
}

/// Every request the fast path takes whole from `wire` is one hyper reads too, in the same
/// order, with the same method, target and body length. Returns how many the fast path took.
pub fn fast_path_agrees_with_hyper(
    rt: &tokio::runtime::Runtime,
    wire: &[u8],
) -> Result<usize, String> {
    let fast = fast_path_requests(wire);
    if fast.is_empty() {
        return Ok(0);
    }
    let hyper = hyper_requests(rt, wire);
    if hyper.len() < fast.len() || hyper[..fast.len()] != fast[..] {
        return Err(format!(
            "the fast path read {fast:?}, hyper {hyper:?} from {:?}",
            String::from_utf8_lossy(wire)
        ));
    }
    Ok(fast.len())
}
