//! Unit tests of wire/ on hand-written wire bytes, and the properties of props.rs on
//! seeded random mutations.

use super::*;
use crate::proxy::core::headers::HeaderRule;

fn request(wire: &str) -> String {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let ParsedRequest::Ready(head) = parse_request(wire.as_bytes(), &mut hs) else {
        panic!("not for the fast path: {wire:?}");
    };
    let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut again);
    req.parse(wire.as_bytes()).unwrap();
    let mut out = Vec::new();
    let rules = [
        HeaderRule::parse("X-Env: test").unwrap(),
        HeaderRule::parse("-X-Drop").unwrap(),
    ];
    write_request(
        &mut out,
        &head,
        req.headers,
        &UpstreamHead {
            client_ip: "10.1.2.3",
            proto: "http",
            rules: &rules,
            change_host: false,
        },
    );
    finish_request(&mut out, None);
    String::from_utf8(out).unwrap()
}

#[test]
fn request_heads_are_rewritten_like_the_hyper_path() {
    let out = request(
        "GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nConnection: keep-alive, X-Secret\r\n\
         X-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Forwarded-For: 192.0.2.9\r\n\
         Via: 1.0 edge\r\nX-Drop: yes\r\nAccept: */*\r\n\r\n",
    );
    assert_eq!(
        out,
        "GET /a?b=1 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\
         x-forwarded-for: 192.0.2.9, 10.1.2.3\r\nx-forwarded-proto: http\r\n\
         x-forwarded-host: example.test\r\nvia: 1.0 edge, 1.1 lbctl\r\nx-env: test\r\n\r\n"
    );
}

#[test]
fn a_request_body_keeps_its_length() {
    let out = request("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    assert!(out.contains("\r\ncontent-length: 5\r\n"), "{out}");
}

#[test]
fn what_the_fast_path_leaves_to_hyper() {
    let hyper = [
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "GET / HTTP/1.1\r\nHost a\r\n\r\n",
        "\x00\x01\x02 garbage\r\n\r\n",
    ];
    for wire in hyper {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let r = parse_request(wire.as_bytes(), &mut hs);
        assert!(matches!(r, ParsedRequest::Hyper), "{wire:?}: {r:?}");
    }
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    assert!(matches!(
        parse_request(b"GET / HTTP/1.1\r\nHost: a\r\n", &mut hs),
        ParsedRequest::Partial
    ));
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let ParsedRequest::Ready(h) = parse_request(
        b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        &mut hs,
    ) else {
        panic!()
    };
    assert_eq!(
        (h.method, h.target, h.host, h.body_len, h.close),
        ("POST", "/x", "a", 5, true)
    );
    assert_eq!(h.head_len, 67);
}

#[test]
fn change_host_and_rules_on_forwarded_headers() {
    let wire = "GET / HTTP/1.1\r\nHost: front\r\nVia: x\r\n\r\n";
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let ParsedRequest::Ready(head) = parse_request(wire.as_bytes(), &mut hs) else {
        panic!()
    };
    let mut again = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut again);
    req.parse(wire.as_bytes()).unwrap();
    let rules = [
        HeaderRule::parse("-Via").unwrap(),
        HeaderRule::parse("X-Host: kept").unwrap(),
    ];
    let mut out = Vec::new();
    write_request(
        &mut out,
        &head,
        req.headers,
        &UpstreamHead {
            client_ip: "::1",
            proto: "https",
            rules: &rules,
            change_host: true,
        },
    );
    finish_request(&mut out, Some(b"127.0.0.1:9001"));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "GET / HTTP/1.1\r\nx-forwarded-for: ::1\r\n\
         x-forwarded-proto: https\r\nx-forwarded-host: front\r\nx-host: kept\r\nhost: 127.0.0.1:9001\r\n\r\n"
    );
}

fn response(
    wire: &[u8],
    head_request: bool,
) -> Result<Option<(u16, Framing, bool, usize)>, BadResponse> {
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    Ok(parse_response(wire, &mut hs, head_request)?
        .map(|(h, _)| (h.code, h.framing, h.backend_closes, h.head_len)))
}

#[test]
fn response_framing_follows_rfc_9112() {
    let r = |w: &str| response(w.as_bytes(), false).unwrap().unwrap();
    assert_eq!(
        r("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").1,
        Framing::Length(5)
    );
    assert_eq!(
        r("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").1,
        Framing::Chunked
    );
    assert_eq!(
        r("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n").1,
        Framing::Chunked
    );
    assert_eq!(
        r("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").1,
        Framing::Close
    );
    assert_eq!(
        r("HTTP/1.1 200 OK\r\n\r\n"),
        (200, Framing::Close, true, 19)
    );
    assert_eq!(r("HTTP/1.1 204 No Content\r\n\r\n").1, Framing::None);
    assert_eq!(
        r("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").1,
        Framing::None
    );
    assert_eq!(
        r("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").1,
        Framing::None
    );
    assert!(!r("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").2);
    assert!(r("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").2);
    assert!(r("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").2);
    assert!(!r("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").2);
    let head = response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
        .unwrap()
        .unwrap();
    assert_eq!(head.1, Framing::None);
    assert_eq!(response(b"HTTP/1.1 200 OK\r\nContent-Le", false), Ok(None));
    for bad in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 999 What\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
    ] {
        assert!(
            response(bad, false).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn content_length_never_travels_beside_a_transfer_coding() {
    let down = DownstreamHead {
        rules: &[],
        set_cookie: None,
        close: false,
    };
    let rewrite = |wire: &[u8]| {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let (head, headers) = parse_response(wire, &mut hs, false).unwrap().unwrap();
        let mut out = Vec::new();
        write_response(&mut out, &head, headers, &down);
        String::from_utf8(out).unwrap()
    };
    let out =
        rewrite(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n");
    assert!(
        out.contains("transfer-encoding: chunked") && !out.contains("ontent-"),
        "{out}"
    );
    let out = rewrite(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n");
    assert!(!out.contains("ontent-"), "{out}");
    // A 304's length describes the representation: it stays.
    let out = rewrite(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n");
    assert!(out.contains("content-length: 9"), "{out}");
}

#[test]
fn response_heads_are_rewritten() {
    let wire =
        b"HTTP/1.1 200 Fine\r\nServer: x\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\
                 Transfer-Encoding: chunked\r\nX-Drop: 1\r\nVia: 1.1 origin\r\n\r\n";
    let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let (head, headers) = parse_response(wire, &mut hs, false).unwrap().unwrap();
    let rules = [
        HeaderRule::parse("-X-Drop").unwrap(),
        HeaderRule::parse("X-Served-By: lbctl").unwrap(),
    ];
    let mut out = Vec::new();
    write_response(
        &mut out,
        &head,
        headers,
        &DownstreamHead {
            rules: &rules,
            set_cookie: Some("lb=abc; Path=/; HttpOnly"),
            close: true,
        },
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 200 Fine\r\nServer: x\r\ntransfer-encoding: chunked\r\nvia: 1.1 origin, 1.1 lbctl\r\n\
         x-served-by: lbctl\r\nset-cookie: lb=abc; Path=/; HttpOnly\r\nconnection: close\r\n\r\n"
    );
    let mut out = Vec::new();
    write_local(&mut out, crate::proxy::http::local::NO_BACKEND, false);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\n503 service unavailable: no healthy backend in the pool\n"));
}

/// Feed `wire` split at every position pair; the end must always be found at `end`.
fn chunked_end_everywhere(wire: &[u8]) -> Result<Option<usize>, BadChunk> {
    let whole = ChunkedEnd::default().feed(wire);
    for cut in 0..=wire.len() {
        let mut c = ChunkedEnd::default();
        let first = c.feed(&wire[..cut]);
        let split = match first {
            Ok(Some(n)) => Ok(Some(n)),
            Ok(None) => c.feed(&wire[cut..]).map(|r| r.map(|n| n + cut)),
            Err(e) => Err(e),
        };
        assert_eq!(split, whole, "cut at {cut}");
    }
    whole
}

#[test]
fn chunked_ends_are_found_across_any_split() {
    let body = b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";
    assert_eq!(chunked_end_everywhere(body), Ok(Some(body.len())));
    let trailers = b"3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-B: 2\r\n\r\nNEXT";
    assert_eq!(
        chunked_end_everywhere(trailers),
        Ok(Some(trailers.len() - 4))
    );
    assert_eq!(chunked_end_everywhere(b"A\r\n0123456789"), Ok(None));
    for bad in [
        &b"zz\r\n"[..],
        b"5\r\nhelloXX",
        b"\r\n",
        b"5\nhello",
        b"11111111111111111\r\n",
        b"0\r\nX\n",
    ] {
        assert_eq!(
            chunked_end_everywhere(bad),
            Err(BadChunk),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

/// Issue #12's smuggling case: `Connection: content-length` used to drop the length while
/// the 35 body bytes still went, so the backend read them as a second request.
#[test]
fn connection_never_drops_framing_or_host() {
    let out = request(
        "POST /a HTTP/1.1\r\nHost: t\r\nConnection: content-length, host, transfer-encoding\r\n\
         Content-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    assert!(out.contains("\r\ncontent-length: 35\r\n"), "{out}");
    assert!(out.contains("\r\nHost: t\r\n"), "{out}");
    assert!(!out.contains("onnection"), "{out}");
    // Identical duplicates are one length, written once.
    let out =
        request("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\ncontent-length: 02\r\n\r\nhi");
    assert_eq!(out.matches("ontent-length").count(), 1, "{out}");
    assert!(out.contains("content-length: 2\r\n"), "{out}");
    // No length in, no length out; a zero length stays.
    assert!(!request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").contains("ontent-length"));
    assert!(
        request("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
            .contains("content-length: 0\r\n")
    );
}

#[test]
fn bad_hosts_and_fragments_are_refused() {
    for wire in [
        "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n",
    ] {
        let mut hs = [httparse::EMPTY_HEADER; MAX_HEADERS];
        assert!(
            matches!(
                parse_request(wire.as_bytes(), &mut hs),
                ParsedRequest::Invalid(_)
            ),
            "{wire:?}"
        );
    }
    for ok in ["a", "a.b:8080", "[::1]:80", "127.0.0.1", ""] {
        assert!(
            crate::proxy::http::headers::valid_host(ok.as_bytes()),
            "{ok}"
        );
    }
}

fn rewrite_response(wire: &[u8], head_request: bool) -> String {
    let mut hs = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    let (head, headers) = parse_response(wire, &mut hs, head_request)
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    let down = DownstreamHead {
        rules: &[],
        set_cookie: None,
        close: false,
    };
    write_response(&mut out, &head, headers, &down);
    String::from_utf8(out).unwrap().to_ascii_lowercase()
}

#[test]
fn response_framing_is_written_once_from_the_parsed_framing() {
    // Connection naming the framing headers does not remove them.
    let out = rewrite_response(
        b"HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\n",
        false,
    );
    assert!(out.contains("content-length: 5\r\n"), "{out}");
    let out = rewrite_response(
        b"HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n",
        false,
    );
    assert!(out.contains("transfer-encoding: chunked\r\n"), "{out}");
    // Two Transfer-Encoding lines are one list.
    let out = rewrite_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        false,
    );
    assert_eq!(out.matches("transfer-encoding").count(), 1, "{out}");
    assert!(
        out.contains("transfer-encoding: gzip, chunked\r\n"),
        "{out}"
    );
    // Duplicate identical lengths: once.
    let out = rewrite_response(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
        false,
    );
    assert_eq!(out.matches("content-length").count(), 1, "{out}");
    // 204 and 1xx never carry a length; HEAD and 304 keep the representation's.
    for code in ["204 No Content", "103 Early Hints"] {
        let wire = format!("HTTP/1.1 {code}\r\nContent-Length: 7\r\n\r\n");
        assert!(!rewrite_response(wire.as_bytes(), false).contains("content-length"));
    }
    assert!(
        rewrite_response(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", true)
            .contains("content-length: 7\r\n")
    );
    assert!(
        rewrite_response(
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
            false
        )
        .contains("content-length: 7\r\n")
    );
    // A non-chunked coding is forwarded (the body runs to the close).
    let out = rewrite_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false);
    assert!(out.contains("transfer-encoding: gzip\r\n"), "{out}");
}

#[test]
fn up_to_101_response_headers_and_no_more() {
    let mut wire = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..100 {
        wire.push_str(&format!("X-H{i}: {i}\r\n"));
    }
    wire.push_str("Content-Length: 0\r\n\r\n");
    let mut hs = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    assert!(
        parse_response(wire.as_bytes(), &mut hs, false)
            .unwrap()
            .is_some()
    );
    let wire = wire.replacen("X-H0: 0\r\n", "X-H0: 0\r\nX-More: 1\r\n", 1);
    let mut hs = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    assert_eq!(
        parse_response(wire.as_bytes(), &mut hs, false).unwrap_err(),
        BadResponse("too many headers")
    );
}

#[test]
fn rules_on_framing_host_and_hop_by_hop_headers_are_refused() {
    for bad in [
        "Content-Length: 5",
        "-Content-Length",
        "Transfer-Encoding: chunked",
        "-transfer-encoding",
        "Host: other",
        "-Host",
        "Connection: close",
        "-Upgrade",
        "TE: trailers",
    ] {
        let e = HeaderRule::parse(bad).unwrap_err().to_string();
        assert!(e.contains("cannot be set or removed"), "{bad}: {e}");
    }
}

#[test]
fn chunked_framing_is_strict() {
    for bad in [
        &b"0x5\r\nhello\r\n0\r\n\r\n"[..],
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"+5\r\nhello\r\n0\r\n\r\n",
        b" 5\r\nhello\r\n0\r\n\r\n",
        b"5 x\r\nhello\r\n0\r\n\r\n",
        b"5;a=\x00\r\nhello\r\n0\r\n\r\n",
        b"5;a\nb\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhello\n0\r\n\r\n",
        b"0\r\nNoColon\r\n\r\n",
        b"0\r\n: empty name\r\n\r\n",
        b"0\r\nX : space before colon\r\n\r\n",
        b"0\r\nX: bare\rcr\r\n\r\n",
        b"0\r\n\n",
    ] {
        assert_eq!(
            chunked_end_everywhere(bad),
            Err(BadChunk),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    for good in [
        &b"5 ;a=1\r\nhello\r\n0\r\n\r\n"[..],
        b"5;a=\"q;x\"\r\nhello\r\n0\r\nX-T: 1\r\nY:\r\n\r\n",
        b"00005\r\nhello\r\n0000\r\n\r\n",
    ] {
        assert_eq!(chunked_end_everywhere(good), Ok(Some(good.len())));
    }
}

/// Mutated heads and chunked bodies never panic; a parsed request is rewritten without
/// panicking; chunked ends are found the same way whatever the split.
#[test]
fn mutated_wire_bytes_never_panic() {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let seeds: [&[u8]; 7] = [
        b"POST /a?b=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close, X\r\nX: 1\r\n\r\nabc",
        b"POST /a HTTP/1.1\r\nHost: t\r\nConnection: content-length, host\r\nContent-Length: 35\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a:80\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: Content-Length, Transfer-Encoding\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n",
        b"HTTP/1.0 304 Not Modified\r\nContent-Length: 12\r\n\r\n",
        b"1a;x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n",
    ];
    let alphabet = b"\r\n:;, 0123456789abcdefABCDEF\t\x00\x7f\xffHTP/.-";
    let rules = [
        HeaderRule::parse("X-A: 1").unwrap(),
        HeaderRule::parse("-Via").unwrap(),
    ];
    for round in 0..20_000 {
        let mut bytes = seeds[round % seeds.len()].to_vec();
        for _ in 0..(next() % 5 + 1) {
            if bytes.is_empty() {
                break;
            }
            let at = (next() as usize) % bytes.len();
            match next() % 4 {
                0 => bytes[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                _ => bytes.truncate(at),
            }
        }
        let change_host = round % 2 == 0;
        let checks = [
            super::super::props::request_reframes(&bytes, &rules, change_host),
            super::super::props::response_reframes(&bytes, round % 3 == 0, &rules, round % 2 == 1),
            super::super::props::chunked_end_is_split_proof(&bytes, next() as usize),
        ];
        for c in checks {
            if let Err(e) = c {
                panic!("round {round}: {e}");
            }
        }
    }
}
