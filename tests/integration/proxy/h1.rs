//! The HTTP/1.1 fast path on the wire: every response framing (length, chunked with trailers
//! split across writes, to the close, none), bodies in both directions far larger than a
//! buffer, pipelined requests, a pooled connection the backend closed meanwhile, and the
//! requests it hands to hyper (HTTP/1.0, absolute-form, Expect, chunked uploads). The backend
//! here is a hand-written HTTP/1.1 server on a loopback thread, so every byte is known.

use super::{args_with, proxy};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

/// FNV-1a 64 over a byte stream (the test's own checksum, independent of the proxy).
fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The byte at offset `i` of a generated body.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

/// A scripted backend: answers by path, keeps connections alive unless `close_after` is set
/// (then it closes each connection a moment after its first response, without saying so).
fn backend(close_after: bool) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let conns = Arc::new(AtomicUsize::new(0));
    let counted = conns.clone();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            counted.fetch_add(1, Ordering::Relaxed);
            thread::spawn(move || serve_conn(s, close_after));
        }
    });
    (addr, conns)
}

fn serve_conn(s: TcpStream, close_after: bool) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut len = 0usize;
        let mut chunked = false;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap();
                }
                chunked |= k.eq_ignore_ascii_case("transfer-encoding");
            }
        }
        if chunked {
            // Decoded into one buffer (small in these tests), then summed like the rest.
            let mut body = Vec::new();
            loop {
                let mut size = String::new();
                r.read_line(&mut size).unwrap();
                let n = usize::from_str_radix(size.trim(), 16).unwrap();
                let mut chunk = vec![0; n + 2];
                r.read_exact(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            let mut sum = FNV_START;
            fnv(&mut sum, &body);
            let text = format!("{} {sum:016x}", body.len());
            let _ = write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{text}",
                text.len()
            );
            continue;
        }
        let mut sum = FNV_START;
        let mut left = len;
        let mut buf = vec![0u8; 64 * 1024];
        while left > 0 {
            let want = left.min(buf.len());
            let n = r.read(&mut buf[..want]).unwrap();
            assert!(n > 0, "request body cut short");
            fnv(&mut sum, &buf[..n]);
            left -= n;
        }
        let ok = match path.as_str() {
            "/sum" => {
                let body = format!("{len} {sum:016x}");
                write!(w, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            }
            "/chunked" => {
                // Chunk sizes, an extension, trailers, each piece in its own write.
                let pieces: [&[u8]; 7] = [
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                    b"lo\r\n",
                    b"7;ext=1\r\n, world",
                    b"\r\n0\r",
                    b"\nX-Trailer: ",
                    b"yes\r\n",
                    b"\r\n",
                ];
                pieces.iter().try_for_each(|p| {
                    w.write_all(p)?;
                    w.flush()?;
                    thread::sleep(Duration::from_millis(2));
                    Ok(())
                })
            }
            "/big" => {
                let n = 5 * 1024 * 1024 + 7;
                let body: Vec<u8> = (0..n).map(pattern).collect();
                write!(w, "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n")
                    .and_then(|_| w.write_all(&body))
            }
            "/close" => {
                let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
                return; // the close ends the body
            }
            "/nocontent" => w.write_all(b"HTTP/1.1 204 No Content\r\n\r\n"),
            "/truncated" => {
                // Promises 100 bytes, sends 10, closes.
                let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
                return;
            }
            "/hints" => w.write_all(
                b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            ),
            _ => {
                let body = format!("{method} {path}");
                if method == "HEAD" {
                    write!(w, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                } else {
                    write!(w, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len())
                }
            }
        };
        if ok.is_err() {
            return;
        }
        if close_after {
            thread::sleep(Duration::from_millis(20));
            return;
        }
    }
}

/// Read one response (head and body, by its framing) from a raw client connection.
fn read_response(r: &mut BufReader<TcpStream>, head_request: bool) -> (String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut l = String::new();
        assert!(
            r.read_line(&mut l).unwrap() > 0,
            "closed in the head: {head}"
        );
        head.push_str(&l);
        if l == "\r\n" {
            break;
        }
    }
    let lower = head.to_ascii_lowercase();
    let mut body = Vec::new();
    let status: u16 = head[9..12].parse().unwrap();
    if head_request || status == 204 || status == 304 || status < 200 {
        return (head, body);
    }
    if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
            if n == 0 {
                loop {
                    let mut t = String::new();
                    r.read_line(&mut t).unwrap();
                    if t == "\r\n" {
                        return (head, body);
                    }
                    head.push_str(&t); // trailers, shown with the head
                }
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).unwrap();
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(i) = lower.find("content-length: ") {
        let n: usize = lower[i + 16..]
            .lines()
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        body.resize(n, 0);
        r.read_exact(&mut body).unwrap();
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    (head, body)
}

fn connect(addr: &str) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let r = BufReader::new(s.try_clone().unwrap());
    (s, r)
}

#[test]
fn every_response_framing_is_relayed_intact_on_one_connection() {
    let (b, conns) = backend(false);
    let p = proxy(&args_with(&[b], &["--quiet"]));
    let (mut w, mut r) = connect(&p.addr);
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");

    w.write_all(get("/chunked").as_bytes()).unwrap();
    let (head, body) = read_response(&mut r, false);
    assert_eq!(body, b"hello, world");
    assert!(head.contains("X-Trailer: yes"), "{head}");
    assert!(head.contains("via: 1.1 lbctl"), "{head}");

    w.write_all(get("/big").as_bytes()).unwrap();
    let (_, body) = read_response(&mut r, false);
    assert_eq!(body.len(), 5 * 1024 * 1024 + 7);
    assert!(body.iter().enumerate().all(|(i, b)| *b == pattern(i)));

    w.write_all(b"HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let (head, _) = read_response(&mut r, true);
    assert!(
        head.to_ascii_lowercase().contains("content-length: 7"),
        "{head}"
    );

    w.write_all(get("/nocontent").as_bytes()).unwrap();
    assert!(read_response(&mut r, false).0.starts_with("HTTP/1.1 204"));

    w.write_all(get("/hints").as_bytes()).unwrap();
    let (head, _) = read_response(&mut r, false);
    assert!(head.starts_with("HTTP/1.1 103"), "{head}");
    assert_eq!(read_response(&mut r, false).1, b"ok");

    // All of the above on one client connection and one backend connection.
    assert_eq!(conns.load(Ordering::Relaxed), 1);

    // A body that runs to the backend's close: relayed, and the client is told to close.
    w.write_all(get("/close").as_bytes()).unwrap();
    let (head, body) = read_response(&mut r, false);
    assert!(
        head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
    assert_eq!(body, b"until the end");
}

#[test]
fn large_uploads_stream_through_and_pipelined_requests_keep_their_order() {
    let (b, _) = backend(false);
    let p = proxy(&args_with(&[b], &["--quiet"]));
    let (mut w, mut r) = connect(&p.addr);
    let n = 3 * 1024 * 1024 + 11;
    let body: Vec<u8> = (0..n).map(pattern).collect();
    let mut want = FNV_START;
    fnv(&mut want, &body);
    write!(
        w,
        "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: {n}\r\n\r\n"
    )
    .unwrap();
    // Written in pieces while the proxy is already forwarding.
    for piece in body.chunks(100_000) {
        w.write_all(piece).unwrap();
    }
    let (_, got) = read_response(&mut r, false);
    assert_eq!(String::from_utf8(got).unwrap(), format!("{n} {want:016x}"));

    // Three requests in one write, one with a small body: three answers, in order.
    w.write_all(
        b"GET /one HTTP/1.1\r\nHost: t\r\n\r\nPOST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\nHost: t\r\n\r\n",
    )
    .unwrap();
    assert_eq!(read_response(&mut r, false).1, b"GET /one");
    let mut abc = FNV_START;
    fnv(&mut abc, b"abc");
    assert_eq!(
        read_response(&mut r, false).1,
        format!("3 {abc:016x}").as_bytes()
    );
    assert_eq!(read_response(&mut r, false).1, b"GET /three");
}

#[test]
fn a_pooled_connection_the_backend_closed_is_replaced_not_failed() {
    // Every backend connection dies quietly after one response: each reuse finds it closed.
    let (b, conns) = backend(true);
    let p = proxy(&args_with(&[b], &["--quiet", "--retries", "0"]));
    let (mut w, mut r) = connect(&p.addr);
    for i in 0..6 {
        thread::sleep(Duration::from_millis(60));
        // POST too: the stale connection is noticed before anything is sent.
        let req = if i % 2 == 0 {
            format!("GET /n{i} HTTP/1.1\r\nHost: t\r\n\r\n")
        } else {
            format!("POST /n{i} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        };
        w.write_all(req.as_bytes()).unwrap();
        let (head, body) = read_response(&mut r, false);
        assert!(head.starts_with("HTTP/1.1 200"), "request {i}: {head}");
        assert!(String::from_utf8_lossy(&body).ends_with(&format!("/n{i}")));
    }
    assert_eq!(conns.load(Ordering::Relaxed), 6);
}

#[test]
fn requests_the_fast_path_leaves_are_served_by_hyper() {
    let (b, _) = backend(false);
    let p = proxy(&args_with(&[b], &["--quiet"]));
    let cases: [(&str, &[u8]); 4] = [
        ("HTTP/1.0", b"GET /ten HTTP/1.0\r\nHost: t\r\n\r\n"),
        ("absolute-form", b"GET http://t/abs HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
        (
            "Expect",
            b"POST /sum HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
        ),
        (
            "chunked upload",
            b"POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        ),
    ];
    let mut hi = FNV_START;
    fnv(&mut hi, b"hi");
    for (what, req) in cases {
        let (mut w, mut r) = connect(&p.addr);
        w.write_all(req).unwrap();
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        let text = String::from_utf8_lossy(&all);
        assert!(text.contains(" 200 OK"), "{what}: {text}");
        let want = match what {
            "HTTP/1.0" => "GET /ten".to_string(),
            "absolute-form" => "GET /abs".to_string(),
            _ => format!("2 {hi:016x}"),
        };
        assert!(text.ends_with(&want), "{what}: {text}");
    }
    // A malformed head gets hyper's 400, not a hang.
    let (mut w, mut r) = connect(&p.addr);
    w.write_all(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    r.read_to_end(&mut all).unwrap();
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 400"));
}

#[test]
fn a_body_cut_short_by_the_backend_is_a_passive_failure() {
    // The fast path (HTTP/1.1) and the hyper path (HTTP/1.0 goes there) alike.
    for version in ["1.1", "1.0"] {
        body_cut_short(version);
    }
}

fn body_cut_short(version: &str) {
    let (b, _) = backend(false);
    let spec = format!("cut={b}");
    let p = proxy(&["--backend", &spec, "--quiet", "--admin", "127.0.0.1:0"]);
    let (mut w, mut r) = connect(&p.addr);
    write!(w, "GET /truncated HTTP/{version}\r\nHost: t\r\n\r\n").unwrap();
    // The head and the ten bytes arrive, then the client connection is closed (not hung).
    let mut all = Vec::new();
    let _ = r.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all);
    assert!(
        text.starts_with("HTTP/1.") && text.contains(" 200 "),
        "{version}: {text}"
    );
    assert!(text.ends_with("0123456789"), "{version}: {text}");
    let stats = p.stats();
    assert_eq!(
        stats["backends"][0]["state"], "failed",
        "{version}: {stats}"
    );
}

#[test]
fn a_client_that_breaks_its_own_body_does_not_fail_the_backend() {
    let (b, _) = backend(false);
    let spec = format!("ok={b}");
    let p = proxy(&["--backend", &spec, "--quiet", "--admin", "127.0.0.1:0"]);
    let cases: [&[u8]; 3] = [
        // Broken chunked framing (the hyper path takes chunked uploads): 400.
        b"POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\rX\r\n",
        // A declared body that never comes, on each path.
        b"POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhe",
        b"POST /sum HTTP/1.0\r\nHost: t\r\nContent-Length: 5\r\n\r\nhe",
    ];
    for (i, req) in cases.iter().enumerate() {
        let (mut w, mut r) = connect(&p.addr);
        w.write_all(req).unwrap();
        w.shutdown(std::net::Shutdown::Write).unwrap();
        let mut all = Vec::new();
        let _ = r.read_to_end(&mut all);
        let text = String::from_utf8_lossy(&all);
        assert!(!text.contains(" 502 "), "case {i}: {text}");
        if i == 0 {
            assert!(text.starts_with("HTTP/1.1 400"), "case {i}: {text}");
        }
    }
    let stats = p.stats();
    assert_eq!(stats["backends"][0]["state"], "up", "{stats}");
    assert_eq!(stats["panic_picks"], 0, "{stats}");
}
