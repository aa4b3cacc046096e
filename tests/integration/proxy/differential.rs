//! Differential test of the fast path's request parser (proxy/h1_wire.rs) against an
//! independent one: hyper's server-side HTTP/1 connection. The same bytes (one to three
//! pipelined requests built from ambiguous pieces, then mutated) go to both; every request the
//! fast path takes whole must be one hyper also reads, in the same order, with the same method,
//! target and body length. Where the fast path declines (hands to hyper, or waits for more) it
//! cannot disagree: hyper itself then serves the connection. A seeded random corpus, so a
//! failure names a reproducible case.

use http_body_util::BodyExt;
use hyper::service::service_fn;
use lbctl::proxy::h1_wire::{MAX_HEADERS, ParsedRequest, parse_request};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Seen = Vec<(String, String, u64)>;

/// The requests the fast path would take whole, in order.
fn fast_path_view(wire: &[u8]) -> Seen {
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
        // The relay closes after answering `Connection: close`; later bytes are never read.
        if h.close {
            break;
        }
        at = end as usize;
    }
    seen
}

/// The requests hyper's HTTP/1 server reads from `wire`, bodies read whole.
fn hyper_view(rt: &tokio::runtime::Runtime, wire: &[u8]) -> Seen {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let wire = wire.to_vec();
    rt.block_on(async move {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let record = record.clone();
            async move {
                let method = req.method().to_string();
                let target = req.uri().to_string();
                if let Ok(body) = req.into_body().collect().await {
                    let len = body.to_bytes().len() as u64;
                    record.lock().unwrap().push((method, target, len));
                }
                Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Empty::<
                    bytes::Bytes,
                >::new()))
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
        let _ = tokio::time::timeout(Duration::from_secs(2), client.read_to_end(&mut sink)).await;
        drive.abort();
    });
    seen.lock().unwrap().clone()
}

/// A small xorshift generator: the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() as usize) % v.len()]
    }
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "get",
];
const TARGETS: &[&str] = &[
    "/",
    "/a?b=1",
    "/%2e%2e/x",
    "http://h/abs",
    "*",
    "/a b",
    "/a#f",
];
const HEADERS: &[&str] = &[
    "Host: h",
    "Host: h",
    "Host: h:8080",
    "Host: other",
    "Host:",
    "Content-Length: 5",
    "Content-Length: 0",
    "Content-Length: 05",
    "Content-Length: 5 ",
    "Content-Length:  5",
    "Content-Length: 5, 5",
    "Content-Length: +5",
    "Content-Length: 3",
    "content-length: 5",
    "Transfer-Encoding: chunked",
    "Transfer-Encoding: xchunked",
    "Transfer-Encoding: chunked, identity",
    "Transfer-Encoding:\tchunked",
    "Connection: close",
    "Connection: content-length",
    "Connection: keep-alive, host",
    "Connection: upgrade",
    "Upgrade: websocket",
    "Expect: 100-continue",
    "X-A: 1",
    " folded",
    "X-B : 2",
    "X-C: a\rb",
    "Cookie: lb=1",
];

/// One request: a request line, usually one Host, some tricky headers, and a body of some
/// length: usually the announced one, sometimes not.
fn request(rng: &mut Rng, out: &mut Vec<u8>) {
    let version = *rng.pick(&["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]);
    let target = if rng.next().is_multiple_of(2) {
        "/"
    } else {
        rng.pick(TARGETS)
    };
    out.extend_from_slice(format!("{} {target} {version}\r\n", rng.pick(METHODS)).as_bytes());
    if !rng.next().is_multiple_of(8) {
        out.extend_from_slice(b"Host: h\r\n");
    }
    let body = rng.pick(&["", "hello", "5\r\nhello\r\n0\r\n\r\n", "abc", "0\r\n\r\n"]);
    if rng.next().is_multiple_of(2) {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    for _ in 0..(rng.next() % 3) {
        out.extend_from_slice(rng.pick(HEADERS).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
}

#[test]
fn the_fast_path_and_hyper_agree_on_requests_and_body_lengths() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut taken, mut cases) = (0, 0);
    for case in 0..20_000 {
        let mut wire = Vec::new();
        for _ in 0..(rng.next() % 3 + 1) {
            request(&mut rng, &mut wire);
        }
        if case % 3 == 0 && !wire.is_empty() {
            for _ in 0..(rng.next() % 3 + 1) {
                let at = (rng.next() as usize) % wire.len();
                wire[at] = *rng.pick(&b"\r\n:; 0123456789,\t\x00Hh"[..]);
            }
        }
        let fast = fast_path_view(&wire);
        if fast.is_empty() {
            continue;
        }
        cases += 1;
        taken += fast.len();
        let hyper = hyper_view(&rt, &wire);
        assert!(
            hyper.len() >= fast.len() && hyper[..fast.len()] == fast[..],
            "case {case}: the fast path read {fast:?}, hyper {hyper:?} from {:?}",
            String::from_utf8_lossy(&wire)
        );
    }
    // The corpus must exercise the fast path, not only hand everything to hyper.
    assert!(
        cases > 3000 && taken > 4000,
        "{cases} cases, {taken} requests"
    );
}
