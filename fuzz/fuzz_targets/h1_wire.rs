//! Fuzz the proxy's HTTP/1.1 fast-path parsers (`lbctl::proxy::h1_wire`): request and response
//! heads from the network and chunked-body framing; none may panic, and what the rewriter
//! writes for a parsed request must parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lbctl::proxy::h1_wire::{
    ChunkedEnd, MAX_HEADERS, ParsedRequest, UpstreamHead, finish_request, parse_request,
    parse_response, write_request,
};

fuzz_target!(|data: &[u8]| {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    if let ParsedRequest::Ready(head) = parse_request(data, &mut hs) {
        let mut out = Vec::new();
        let up = UpstreamHead {
            client_ip: "127.0.0.1",
            proto: "http",
            rules: &[],
            change_host: false,
        };
        write_request(&mut out, &head, &hs[..head.header_count], &up);
        finish_request(&mut out, None);
        let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS + 8];
        assert!(matches!(
            httparse::Request::new(&mut again).parse(&out),
            Ok(httparse::Status::Complete(_))
        ));
    }
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let _ = parse_response(data, &mut hs, false);
    let _ = ChunkedEnd::default().feed(data);
});
