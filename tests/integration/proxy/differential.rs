//! Differential test (the property in proxy/http/fast/props.rs) of the fast path's request
//! parser (proxy/http/fast/wire/) against an independent one: hyper's server-side HTTP/1
//! connection. The same bytes (one to three pipelined requests built from ambiguous pieces,
//! then mutated) go to both; every request the fast path takes whole must be one hyper also
//! reads, in the same order, with the same method, target and body length. Where the fast path declines (hands to hyper, or waits for more) it
//! cannot disagree: hyper itself then serves the connection. A seeded random corpus, so a
//! failure names a reproducible case.

use lbctl::proxy::http::fast::props::fast_path_agrees_with_hyper;

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
        match fast_path_agrees_with_hyper(&rt, &wire) {
            Ok(0) => {}
            Ok(n) => {
                cases += 1;
                taken += n;
            }
            Err(e) => panic!("case {case}: {e}"),
        }
    }
    // The corpus must exercise the fast path, not only hand everything to hyper.
    assert!(
        cases > 3000 && taken > 4000,
        "{cases} cases, {taken} requests"
    );
}
