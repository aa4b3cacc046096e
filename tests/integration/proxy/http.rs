//! Proxy HTTP-behaviour tests: forwarding headers and rewrites, ACL, drain, slowloris,
//! Upgrade tunnels, h2c clients, --max-conns, request body streaming and the access log.

use super::*;

#[test]
fn forwarding_headers_and_rewrites() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--header-up",
            "X-Env: test",
            "--header-down",
            "X-Served-By: lbctl",
            "--change-host",
        ],
    ));
    let r = support::http()
        .get(p.url("/echo"))
        .header("x-forwarded-for", "10.9.8.7")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret")
        .send()
        .unwrap();
    assert_eq!(r.headers()["x-served-by"], "lbctl");
    let doc: serde_json::Value = r.json().unwrap();
    let headers: HashMap<String, String> = doc["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| {
            (
                kv[0].as_str().unwrap().into(),
                kv[1].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(headers["x-forwarded-for"], "10.9.8.7, 127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(headers["x-forwarded-host"], p.addr);
    assert_eq!(headers["host"], b.addr(0));
    assert_eq!(headers["x-env"], "test");
    assert!(headers["via"].contains("lbctl"));
    assert!(!headers.contains_key("x-hop"), "hop-by-hop header leaked");
}

#[test]
fn acl_denies_with_403() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--deny", "127.0.0.0/8"]));
    let r = support::http().get(p.url("/")).send().unwrap();
    assert_eq!(r.status(), 403);
}

#[test]
fn drain_finishes_in_flight_and_refuses_new_connections() {
    let b = support::serve(1, &["--latency", "800ms"]);
    let specs = backend_args(&b, &[]);
    let mut p = proxy(&args_with(
        &specs,
        &["--drain-timeout", "5s", "--admin", "127.0.0.1:0"],
    ));
    let url = p.url("/");
    let inflight: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || support::http().get(&url).send().map(|r| r.status()))
        })
        .collect();
    // Signal once the proxy has all three (polled, not slept: the box may be busy).
    let deadline = Instant::now() + Duration::from_secs(10);
    while p.stats()["requests"] != 3 {
        assert!(Instant::now() < deadline, "requests never in flight");
        std::thread::sleep(Duration::from_millis(20));
    }
    p.proc.signal("TERM");
    // Within a moment of the signal the listener is closed (polled: the box may be busy).
    let deadline = Instant::now() + Duration::from_secs(3);
    while TcpStream::connect(&p.addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "new connections must be refused while draining"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for t in inflight {
        assert_eq!(t.join().unwrap().expect("in-flight request").as_u16(), 200);
    }
    assert_eq!(p.proc.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn slowloris_is_cut_at_the_header_timeout() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--header-timeout", "500ms"]));
    // Timed from before the connection exists: the header timeout is then an exact lower
    // bound, whatever the scheduler does between the steps below.
    let start = Instant::now();
    let mut s = TcpStream::connect(&p.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow-Header-Number: 1\r\n")
        .unwrap();
    let mut closed = false;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(100));
        if s.write_all(b"X-More: y\r\n").is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        s.set_nonblocking(true).unwrap();
        match s.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => {
                closed = true;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
        s.set_nonblocking(false).unwrap();
    }
    let took = start.elapsed();
    assert!(closed, "the slow client was never cut");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a key (RFC 6455 section 4.2.2: base64 of SHA-1 of key + GUID).
fn ws_accept(key: &str) -> String {
    use base64::Engine;
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{key}{WS_GUID}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// One WebSocket frame (payloads under 126 bytes): FIN, `opcode`, masked when `mask` is given.
fn ws_frame(opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut f = vec![0x80 | opcode, payload.len() as u8];
    match mask {
        None => f.extend_from_slice(payload),
        Some(m) => {
            f[1] |= 0x80;
            f.extend_from_slice(&m);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i % 4]));
        }
    }
    f
}

/// Read one frame: (opcode, unmasked payload); None when the stream ends or fails.
fn ws_try_read(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).ok()?;
    let len = (h[1] & 0x7f) as usize;
    assert!(len < 126);
    let mask = if h[1] & 0x80 != 0 {
        let mut m = [0u8; 4];
        s.read_exact(&mut m).ok()?;
        Some(m)
    } else {
        None
    };
    let mut p = vec![0u8; len];
    s.read_exact(&mut p).ok()?;
    if let Some(m) = mask {
        p.iter_mut().enumerate().for_each(|(i, b)| *b ^= m[i % 4]);
    }
    Some((h[0] & 0x0f, p))
}

fn ws_read(s: &mut TcpStream) -> (u8, Vec<u8>) {
    ws_try_read(s).expect("a WebSocket frame")
}

/// A one-connection WebSocket echo server (RFC 6455): handshake with a real
/// `Sec-WebSocket-Accept`, masked client frames unmasked and echoed, close answered.
fn upgrade_echo_backend() -> (String, std::thread::JoinHandle<()>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
            if s.read(&mut byte).unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head).to_string();
        assert!(text.to_lowercase().contains("upgrade: websocket"), "{text}");
        let key = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("Sec-WebSocket-Key: ")
                    .or(l.strip_prefix("sec-websocket-key: "))
            })
            .expect("a Sec-WebSocket-Key")
            .trim()
            .to_string();
        write!(
            s,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            ws_accept(&key)
        )
        .unwrap();
        while let Some((op, payload)) = ws_try_read(&mut s) {
            if op == 8 {
                let _ = s.write_all(&ws_frame(8, &payload, None));
                return;
            }
            if s.write_all(&ws_frame(op, &payload, None)).is_err() {
                return;
            }
        }
    });
    (addr, h)
}

/// Open a WebSocket through the proxy and check the handshake.
fn ws_open(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(
        b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "closed before the 101");
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    // The RFC 6455 example key's answer, computed by the backend, reaches the client intact.
    assert!(
        text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            || text.contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "{text}"
    );
    s
}

fn ws_echo(s: &mut TcpStream, msg: &[u8]) {
    s.write_all(&ws_frame(1, msg, Some([0x37, 0xfa, 0x21, 0x3d])))
        .unwrap();
    assert_eq!(ws_read(s), (1, msg.to_vec()));
}

#[test]
fn drain_waits_for_an_open_websocket() {
    let (addr, backend) = upgrade_echo_backend();
    let spec = format!("ws={addr}");
    let mut p = proxy(&["--backend", &spec, "--drain-timeout", "10s"]);
    let mut s = ws_open(&p.addr);
    ws_echo(&mut s, b"before the signal");
    p.proc.signal("TERM");
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        p.proc.child.try_wait().unwrap().is_none(),
        "exited with a tunnel open"
    );
    // The tunnel still carries messages while the proxy drains; closing it ends the drain.
    ws_echo(&mut s, b"during the drain");
    s.write_all(&ws_frame(8, &[0x03, 0xe8], Some([1, 2, 3, 4])))
        .unwrap();
    assert_eq!(ws_read(&mut s).0, 8);
    drop(s);
    assert_eq!(p.proc.wait_exit(Duration::from_secs(5)), Some(0));
    backend.join().unwrap();
}

#[test]
fn upgrade_requests_are_tunnelled() {
    let (addr, backend) = upgrade_echo_backend();
    let spec = format!("ws={addr}");
    let p = proxy(&["--backend", &spec, "--idle-timeout", "400ms"]);
    let mut s = ws_open(&p.addr);
    for msg in [&b"hello"[..], b"through the tunnel"] {
        ws_echo(&mut s, msg);
    }
    // A quiet tunnel is closed after the idle timeout.
    let start = Instant::now();
    let mut one = [0u8; 1];
    assert_eq!(s.read(&mut one).unwrap_or(0), 0);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(s);
    backend.join().unwrap();
}

#[test]
fn access_log_json_line_per_request() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let mut p = proxy(&args_with(&specs, &["--access-log", "json", "--quiet"]));
    let client = support::http();
    hits(&client, &p.url("/a?x=1"), 2);
    p.proc.signal("TERM");
    assert_eq!(p.proc.wait_exit(Duration::from_secs(5)), Some(0));
    let mut err = String::new();
    p.proc
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let lines: Vec<serde_json::Value> = err
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["uri"], "/a?x=1");
    assert_eq!(lines[0]["backend"], b.name(0));
    assert!(lines[0]["bytes"].as_u64().unwrap() > 0);
}

#[test]
fn h2c_clients_are_served() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &[]));
    support::init_tls();
    let client = reqwest::blocking::Client::builder()
        .http2_prior_knowledge()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let r = client.get(p.url("/echo")).send().unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    let doc: serde_json::Value = r.json().unwrap();
    // Translated to HTTP/1.1 for the backend, with Host from :authority.
    assert_eq!(doc["version"], "HTTP/1.1");
    let text = doc["headers"].to_string();
    assert!(
        text.contains("2.0 lbctl") && text.contains(&p.addr),
        "{text}"
    );
}

#[test]
fn max_conns_holds_extra_clients_in_the_accept_queue() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--max-conns", "1"]));
    let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = TcpStream::connect(&p.addr).unwrap();
    first.write_all(req).unwrap();
    let mut buf = [0u8; 512];
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(first.read(&mut buf).unwrap() > 0);
    // The first connection stays open (keep-alive): the second waits.
    let mut second = TcpStream::connect(&p.addr).unwrap();
    second.write_all(req).unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    assert!(
        second.read(&mut buf).is_err(),
        "second client served past --max-conns 1"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let n = second.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
}

/// A one-connection backend that reads a Content-Length body and answers its length and
/// FNV-1a hash, so the test can check the body arrived whole and in order.
fn body_digest_backend() -> (String, std::thread::JoinHandle<()>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut r = std::io::BufReader::new(s.try_clone().unwrap());
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if std::io::BufRead::read_line(&mut r, &mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).unwrap();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in &body {
            h = (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let reply = format!("{len} {h:016x}");
        let mut s = s;
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        )
        .unwrap();
    });
    (addr, h)
}

#[test]
fn request_bodies_are_streamed_whole() {
    let (addr, backend) = body_digest_backend();
    let spec = format!("sink={addr}");
    let p = proxy(&["--backend", &spec]);
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in &body {
        h = (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let got = support::http()
        .post(p.url("/upload"))
        .body(body)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(got, format!("3000000 {h:016x}"));
    backend.join().unwrap();
}

#[test]
fn oversized_request_headers_get_431() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--max-header-size", "16KiB"]));
    let client = support::http();
    let big = "x".repeat(40_000);
    let r = client.get(p.url("/")).header("x-big", big).send().unwrap();
    assert_eq!(r.status(), 431);
    let r = client
        .get(p.url("/"))
        .header("x-small", "1")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn idle_client_connections_are_closed() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--idle-timeout", "300ms"]));
    let mut s = TcpStream::connect(&p.addr).unwrap();
    // Timed from before the last activity (the request and its response): the idle timeout
    // is then an exact lower bound, however late this thread reads the response.
    let start = Instant::now();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 1024];
    assert!(s.read(&mut buf).unwrap() > 0);
    // Quiet from here on: the proxy closes within a couple of idle periods.
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "expected EOF on an idle connection");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

/// A gRPC call to an HTTP/1.1 backend (no ,h2c) gets a gRPC error a client library
/// understands (HTTP 200, grpc-status 14 UNAVAILABLE, a message saying how to fix the spec),
/// and the healthy backend is neither tried nor counted as failed.
#[test]
fn grpc_calls_get_a_grpc_unavailable_and_leave_backends_alone() {
    let b = support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--admin", "127.0.0.1:0", "--max-fails", "1"],
    ));
    support::init_tls();
    let client = reqwest::blocking::Client::builder()
        .http2_prior_knowledge()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for _ in 0..3 {
        let r = client
            .post(p.url("/grpc.health.v1.Health/Check"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(vec![0u8, 0, 0, 0, 0])
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["grpc-status"], "14");
        let msg = r.headers()["grpc-message"].to_str().unwrap().to_string();
        assert!(msg.contains("HTTP/1.1") && msg.contains(",h2c"), "{msg}");
    }
    let stats = p.stats();
    let b0 = &stats["backends"][0];
    assert_eq!(b0["state"], "up", "{b0}");
    // Plain requests still go through.
    assert_eq!(
        support::http().get(p.url("/")).send().unwrap().status(),
        200
    );
}
