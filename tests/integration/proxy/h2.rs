//! HTTP/2 to backends and gRPC through the proxy (issue #14): `,h2c` backends get HTTP/2 from
//! HTTP/1.1 and HTTP/2 clients over shared connections, `,h2` and `,auto` over TLS with ALPN,
//! and gRPC calls from a real grpcio client (Python, not lbctl's) to grpcio servers spread per
//! call over ONE channel, with trailers, streaming, gRPC-shaped errors, deadlines and a backend
//! killed mid-run.

use super::proxy;
use crate::support::{self, Proc};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const PEER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/integration/peers/grpcio_peer.py"
);

fn h2_client() -> reqwest::blocking::Client {
    support::init_tls();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .http2_prior_knowledge()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// The echo document of `lbctl serve` for one request.
fn echo(c: &reqwest::blocking::Client, url: &str) -> serde_json::Value {
    let r = c.get(url).send().unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

fn backend_stats(p: &super::Proxy) -> Vec<serde_json::Value> {
    p.stats()["backends"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn h2c_backends_get_http2_from_http1_and_http2_clients() {
    let b = support::serve(3, &[]);
    let specs: Vec<String> = (0..3)
        .map(|i| format!("{}={},h2c", b.name(i), b.addr(i)))
        .collect();
    let mut args = vec!["--algorithm", "round-robin", "--admin", "127.0.0.1:0"];
    for s in &specs {
        args.extend(["--backend", s.as_str()]);
    }
    let p = proxy(&args);
    for client in [support::http(), h2_client()] {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for _ in 0..30 {
            let doc = echo(&client, &p.url("/echo?y=1"));
            assert_eq!(doc["version"], "HTTP/2.0", "{doc}");
            assert_eq!(doc["path"], "/echo");
            // The client's Host travelled as :authority.
            assert!(doc["uri"].as_str().unwrap().contains(&p.addr), "{doc}");
            *seen
                .entry(doc["backend"].as_str().unwrap().into())
                .or_default() += 1;
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(seen.values().all(|&n| n == 10), "{seen:?}");
    }
    for s in backend_stats(&p) {
        assert_eq!(s["protocol"], "h2c", "{s}");
        // Sequential requests share one connection per backend.
        assert_eq!(s["h2_connections"], 1, "{s}");
    }
}

#[test]
fn concurrent_requests_share_one_h2_connection() {
    let b = support::serve(1, &["--latency", "300ms"]);
    let spec = format!("{},h2c", b.addr(0));
    let p = proxy(&["--backend", &spec, "--admin", "127.0.0.1:0"]);
    let c = h2_client();
    let url = p.url("/");
    let threads: Vec<_> = (0..40)
        .map(|_| {
            let (c, url) = (c.clone(), url.clone());
            std::thread::spawn(move || c.get(&url).send().map(|r| r.status().as_u16()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 200);
    }
    let s = &backend_stats(&p)[0];
    // 40 at once is below the backend's stream limit: one connection carried them all.
    assert_eq!(s["h2_connections"], 1, "{s}");
    assert_eq!(s["h2_streams"], 0, "{s}");
}

/// A TLS front for `serve` backends: an lbctl proxy with a self-signed certificate, whose
/// listener offers ALPN h2 and http/1.1 in HTTP mode and none in TCP mode.
fn tls_front(backend: &str, tcp: bool) -> crate::proxy_l4::L4Proxy {
    let mut args = vec!["--tls-self-signed", "--backend", backend];
    if tcp {
        args.extend(["--mode", "tcp"]);
    }
    crate::proxy_l4::start(&args)
}

#[test]
fn tls_backends_with_h2_and_auto_follow_alpn() {
    let b = support::serve(1, &[]);
    let h2_front = tls_front(&b.addr(0), false);
    let h1_front = tls_front(&b.addr(0), true);
    let auto_h2 = format!("a={},auto", h2_front.addr);
    let auto_h1 = format!("b={},auto", h1_front.addr);
    let p = proxy(&[
        "--backend",
        &auto_h2,
        "--backend",
        &auto_h1,
        "--algorithm",
        "round-robin",
        "--insecure-upstream",
        "--admin",
        "127.0.0.1:0",
    ]);
    let c = support::http();
    for _ in 0..4 {
        echo(&c, &p.url("/echo"));
    }
    let stats = backend_stats(&p);
    let proto = |n: &str| {
        stats
            .iter()
            .find(|s| s["name"] == n)
            .map(|s| s["protocol"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(proto("a").as_deref(), Some("auto (h2)"), "{stats:?}");
    assert_eq!(proto("b").as_deref(), Some("auto (http/1.1)"), "{stats:?}");

    // ,h2 insists on h2: against the front without ALPN it is a connect failure in plain words.
    let strict_ok = format!("{},h2", h2_front.addr);
    let p = proxy(&["--backend", &strict_ok, "--insecure-upstream"]);
    echo(&c, &p.url("/echo"));
    let strict_bad = format!("{},h2", h1_front.addr);
    let mut p = crate::proxy_l4::start(&["--backend", &strict_bad, "--insecure-upstream", "-v"]);
    let r = c.get(format!("http://{}/echo", p.addr)).send().unwrap();
    assert_eq!(r.status(), 502);
    let err = p.wait_stderr(
        |e| e.contains("did not agree to HTTP/2 by ALPN"),
        Duration::from_secs(10),
    );
    assert!(err.contains("did not agree to HTTP/2 by ALPN"), "{err}");
}

/// A Python grpcio server; its port.
fn grpcio_server(name: &str) -> (Proc, String) {
    grpcio_server_with(name, &[])
}

fn grpcio_server_with(name: &str, extra: &[&str]) -> (Proc, String) {
    let mut args = vec![PEER, "server", name];
    args.extend_from_slice(extra);
    let mut p = Proc::spawn_program("python3", &args);
    let port = p.line(Duration::from_secs(30));
    (p, format!("127.0.0.1:{port}"))
}

/// Run a grpcio client scenario against `addr`; its JSON report.
fn grpcio_client(addr: &str, scenario: &str) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .args([PEER, "client", addr, scenario])
        .output()
        .expect("python3 runs (CI installs grpcio)");
    assert!(
        out.status.success(),
        "grpcio client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

fn grpc_proxy(servers: &[(Proc, String)], extra: &[&str]) -> super::Proxy {
    let specs: Vec<String> = servers
        .iter()
        .enumerate()
        .map(|(i, (_, a))| format!("g{i}={a},h2c"))
        .collect();
    let mut args = vec!["--algorithm", "round-robin", "--admin", "127.0.0.1:0"];
    for s in &specs {
        args.extend(["--backend", s.as_str()]);
    }
    args.extend_from_slice(extra);
    proxy(&args)
}

#[test]
fn grpcio_calls_spread_per_call_over_one_channel() {
    let servers: Vec<_> = ["a", "b", "c"].iter().map(|n| grpcio_server(n)).collect();
    let p = grpc_proxy(&servers, &[]);
    let r = grpcio_client(&p.addr, "spread");
    assert_eq!(r["health"], "SERVING", "{r}");
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    // 30 unary calls on ONE channel: round robin per call, 10 each.
    for n in ["a", "b", "c"] {
        assert_eq!(r["names"][n], 10, "{r}");
    }
    // Server streaming: three messages, then the status in the trailers.
    let stream = r["stream"].as_array().expect("stream messages");
    assert_eq!(stream.len(), 3, "{r}");
}

#[test]
fn a_new_h2_connection_opens_when_the_backends_stream_limit_is_reached() {
    // The server allows 5 concurrent streams per connection; 12 calls at once need 3.
    let servers = vec![grpcio_server_with("a", &["5"])];
    let p = grpc_proxy(&servers, &[]);
    let r = grpcio_client(&p.addr, "parallel:12");
    assert_eq!(r["ok"], 12, "{r}");
    let s = &backend_stats(&p)[0];
    assert_eq!(s["h2_connections"], 3, "{s}");
}

#[test]
fn grpc_errors_are_grpc_shaped_and_fail_on_grpc_marks() {
    let mut servers = vec![grpcio_server("a")];
    let p = grpc_proxy(
        &servers,
        &["--fail-on-grpc", "UNAVAILABLE", "--max-fails", "1"],
    );
    // The backend's own UNAVAILABLE passes through, and marks it failed (--fail-on-grpc).
    let r = grpcio_client(&p.addr, "fail");
    assert_eq!(
        r["result"],
        serde_json::json!(["UNAVAILABLE", "told to fail"])
    );
    let s = &backend_stats(&p)[0];
    assert_eq!(s["state"], "failed", "{s}");

    // With no --fail-on-grpc, the same answer is the application's and the backend stays up.
    let q = grpc_proxy(&servers, &["--max-fails", "1"]);
    grpcio_client(&q.addr, "fail");
    assert_eq!(backend_stats(&q)[0]["state"], "up");

    // A backend that is gone: the proxy's own answer is a gRPC error, not an HTTP 502 page.
    let _ = servers[0].0.child.kill();
    let _ = servers[0].0.child.wait();
    let r = grpcio_client(&q.addr, "down");
    assert_eq!(r["result"][0], "UNAVAILABLE", "{r}");
    let msg = r["result"][1].as_str().unwrap();
    assert!(msg.starts_with("lbctl proxy: 502"), "{msg}");
}

#[test]
fn grpc_timeout_bounds_the_wait_with_deadline_exceeded() {
    let servers = vec![grpcio_server("slow")];
    let p = grpc_proxy(&servers, &[]);
    // A gRPC call by hand: a 5-byte frame header and "3000" (the server sleeps 3 s), a 300 ms
    // deadline, and no deadline in the client itself.
    let mut body = vec![0u8, 0, 0, 0, 4];
    body.extend_from_slice(b"3000");
    let start = Instant::now();
    let r = h2_client()
        .post(p.url("/lbctl.test.Raw/Sleep"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("grpc-timeout", "300m")
        .body(body)
        .send()
        .unwrap();
    let took = start.elapsed();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["content-type"], "application/grpc");
    assert_eq!(h["grpc-status"], "4", "{h:?}");
    let msg = h["grpc-message"].to_str().unwrap();
    assert!(msg.starts_with("lbctl proxy: 504"), "{msg}");
    assert!(took < Duration::from_millis(2500), "{took:?}");
}

#[test]
fn a_killed_backend_mid_run_moves_calls_to_the_others() {
    let mut servers: Vec<_> = ["a", "b", "c"].iter().map(|n| grpcio_server(n)).collect();
    let p = grpc_proxy(&servers, &[]);
    let addr = p.addr.clone();
    let run = std::thread::spawn(move || grpcio_client(&addr, "loop:3"));
    std::thread::sleep(Duration::from_millis(1000));
    let (mut killed, _) = servers.remove(2);
    let _ = killed.child.kill();
    let r = run.join().unwrap();
    let errors = r["errors"].as_array().unwrap();
    // Calls in flight on the killed connection may fail; new ones go to a and b (a connect
    // failure is retried on another backend).
    assert!(errors.len() <= 2, "{r}");
    let ok = |n: &str| r["names"][n].as_u64().unwrap_or(0);
    assert!(ok("a") > 20 && ok("b") > 20, "{r}");
    assert!(ok("c") > 0, "{r}");
}

#[test]
fn bad_protocol_options_are_refused() {
    for (args, want) in [
        (
            vec!["--backend", "https://127.0.0.1:1,h2c"],
            "h2c is HTTP/2 without TLS",
        ),
        (
            vec!["--mode", "tcp", "--backend", "127.0.0.1:1,h2c"],
            "TCP mode does not speak",
        ),
        (
            vec!["--backend", "127.0.0.1:1", "--fail-on-grpc", "14,BOGUS"],
            "--fail-on-grpc BOGUS",
        ),
    ] {
        let mut all = vec!["proxy", "--listen", "127.0.0.1:0"];
        all.extend(args.iter());
        support::lbctl()
            .args(&all)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(want));
    }
}
