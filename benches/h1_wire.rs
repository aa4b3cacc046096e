//! Per-request cost of the proxy's HTTP/1.1 fast path outside the kernel (divan): parsing a
//! typical browser-sized request head and writing the backend's head, and the same for a
//! response head, plus walking a chunked body's framing. These run once per request, so they
//! bound what the fast path can add to a proxied request (HAProxy spends ~19 µs in total).
//! Run: cargo bench --bench h1_wire

use divan::{Bencher, black_box};
use lbctl::proxy::http::fast::wire::{
    ChunkedEnd, DownstreamHead, MAX_HEADERS, ParsedRequest, UpstreamHead, finish_request,
    parse_request, parse_response, write_request, write_response,
};

fn main() {
    divan::main();
}

const REQUEST: &[u8] = b"GET /api/v1/items?id=42&page=3 HTTP/1.1\r\nHost: shop.example.test\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n\
Cookie: sid=7f3a9c; theme=dark\r\nConnection: keep-alive\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n";

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 24 Nov 2026 04:00:00 GMT\r\n\
Content-Type: application/json\r\nContent-Length: 1024\r\nConnection: keep-alive\r\n\
Cache-Control: no-cache\r\nETag: \"abc123\"\r\n\r\n";

#[divan::bench]
fn request_head(bencher: Bencher) {
    let mut out = Vec::with_capacity(1024);
    let up = UpstreamHead {
        client_ip: "10.0.0.7",
        proto: "http",
        rules: &[],
        change_host: false,
    };
    bencher.bench_local(|| {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let ParsedRequest::Ready(head) = parse_request(black_box(REQUEST), &mut hs) else {
            unreachable!()
        };
        out.clear();
        write_request(&mut out, &head, &hs[..head.header_count], &up);
        finish_request(&mut out, None);
        black_box(out.len())
    });
}

#[divan::bench]
fn response_head(bencher: Bencher) {
    let mut out = Vec::with_capacity(1024);
    let down = DownstreamHead {
        rules: &[],
        set_cookie: None,
        close: false,
    };
    bencher.bench_local(|| {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let Ok(Some((head, headers))) = parse_response(black_box(RESPONSE), &mut hs, false) else {
            unreachable!()
        };
        out.clear();
        write_response(&mut out, &head, headers, &down);
        black_box(out.len())
    });
}

#[divan::bench]
fn chunked_64k_in_4k_chunks(bencher: Bencher) {
    let mut body = Vec::new();
    for _ in 0..16 {
        body.extend_from_slice(b"1000\r\n");
        body.extend(std::iter::repeat_n(b'x', 4096));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    bencher.bench_local(|| ChunkedEnd::default().feed(black_box(&body)));
}
