//! `lbctl proxy` integration tests (real sockets, the built binary): distribution of every
//! deterministic algorithm, load-aware picks, stickiness, retries, passive health, headers,
//! ACL, 503 without backends, drain on SIGTERM, slowloris, /metrics and bad input.

use crate::support::{self, Backends, Proc};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A running proxy and its addresses.
struct Proxy {
    proc: Proc,
    addr: String,
    admin: Option<String>,
}

impl Proxy {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn proxy(args: &[&str]) -> Proxy {
    let mut all = vec!["proxy", "--listen", "127.0.0.1:0", "--threads", "1"];
    all.extend_from_slice(args);
    let with_admin = args.contains(&"--admin");
    let mut proc = Proc::spawn(&all);
    let line = proc.line(Duration::from_secs(20));
    let addr = line
        .strip_prefix("proxy http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let admin = with_admin.then(|| {
        let l = proc.line(Duration::from_secs(5));
        l.strip_prefix("admin http://")
            .unwrap_or_else(|| panic!("unexpected admin line {l:?}"))
            .to_string()
    });
    Proxy { proc, addr, admin }
}

fn backend_args(b: &Backends, extra: &[&str]) -> Vec<String> {
    (0..b.list.len())
        .map(|i| {
            let e = extra.get(i).copied().unwrap_or("");
            format!("{}={}{}", b.name(i), b.addr(i), e)
        })
        .collect()
}

fn args_with<'a>(backends: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = Vec::new();
    for b in backends {
        v.push("--backend");
        v.push(b.as_str());
    }
    v.extend_from_slice(rest);
    v
}

/// GET `n` times; the X-Backend header of each answer, in order.
fn hits(client: &reqwest::blocking::Client, url: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let r = client.get(url).send().expect("request through proxy");
            assert_eq!(r.status(), 200);
            r.headers()
                .get("x-backend")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

fn tally(v: &[String]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for s in v {
        *m.entry(s.clone()).or_insert(0) += 1;
    }
    m
}

#[test]
fn round_robin_is_exact() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", "round-robin"]));
    let got = hits(&support::http(), &p.url("/"), 300);
    let t = tally(&got);
    for i in 0..3 {
        assert_eq!(t.get(b.name(i)), Some(&100), "{t:?}");
    }
}

#[test]
fn smooth_weighted_is_exact_and_interleaved() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[",weight=5", ",weight=3", ",weight=1"]);
    let p = proxy(&args_with(&specs, &["--algorithm", "weighted"]));
    let got = hits(&support::http(), &p.url("/"), 900);
    let t = tally(&got);
    assert_eq!(
        (t[b.name(0)], t[b.name(1)], t[b.name(2)]),
        (500, 300, 100),
        "{t:?}"
    );
    let max_run = got.chunk_by(|x, y| x == y).map(|r| r.len()).max();
    assert!(
        max_run <= Some(2),
        "heavy backend served in bursts: {max_run:?}"
    );
}

/// Concurrent requests against one slow and two fast backends; the share the slow one got.
fn slow_share(algorithm: &str) -> f64 {
    let b = support::serve(3, &["--backend-opts", "b1:latency=150ms"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", algorithm]));
    let url = p.url("/");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || hits(&support::http(), &url, 15))
        })
        .collect();
    let all: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client thread"))
        .collect();
    let t = tally(&all);
    *t.get("b1").unwrap_or(&0) as f64 / all.len() as f64
}

#[test]
fn least_conn_and_p2c_favour_the_slow_backend_less() {
    for alg in ["least-conn", "p2c"] {
        let share = slow_share(alg);
        // A blind algorithm gives it 1/3; a load-aware one far less.
        assert!(
            share < 0.2,
            "{alg}: slow backend got {share:.2} of requests"
        );
    }
}

#[test]
fn sticky_cookie_keeps_a_client_on_one_backend() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--sticky", "cookie:lb", "--algorithm", "round-robin"],
    ));
    let client = support::http();
    let first = client.get(p.url("/")).send().unwrap();
    let cookie = first
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(
        !cookie.contains("127.0.0.1"),
        "cookie leaks the address: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_string();
    let owner = first.headers()["x-backend"].to_str().unwrap().to_string();
    for _ in 0..20 {
        let r = client
            .get(p.url("/"))
            .header("cookie", &pair)
            .send()
            .unwrap();
        assert_eq!(r.headers()["x-backend"].to_str().unwrap(), owner);
    }
    // A stale or forged id is re-balanced and re-stamped.
    let r = client
        .get(p.url("/"))
        .header("cookie", "lb=nonsense")
        .send()
        .unwrap();
    assert!(r.headers().get("set-cookie").is_some());
}

#[test]
fn ip_hash_keeps_a_client_on_one_backend() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--algorithm", "ip-hash"]));
    let got = hits(&support::http(), &p.url("/"), 30);
    assert_eq!(tally(&got).len(), 1, "{got:?}");
}

#[test]
fn retries_hide_a_killed_backend_and_it_is_marked_failed() {
    let live = support::serve(2, &[]);
    let mut dead = support::serve(1, &["--name-prefix", "d"]);
    let mut specs = backend_args(&live, &[]);
    specs.push(format!("d1={}", dead.addr(0)));
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "round-robin", "--admin", "127.0.0.1:0"],
    ));
    let client = support::http();
    let before = hits(&client, &p.url("/"), 9);
    assert_eq!(tally(&before).get("d1"), Some(&3));
    let _ = dead.proc.child.kill();
    let _ = dead.proc.child.wait();
    // Every request succeeds: the dead one is retried elsewhere, then ejected.
    let after = hits(&client, &p.url("/"), 60);
    assert!(!after.iter().any(|x| x == "d1"));
    let stats: serde_json::Value = client
        .get(format!("http://{}/stats", p.admin.as_ref().unwrap()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let d1 = stats["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "d1")
        .unwrap();
    assert_eq!(d1["state"], "failed", "{d1}");
    assert!(stats["retries"].as_u64().unwrap() >= 1);
}

#[test]
fn no_healthy_backend_is_a_fast_503() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = format!("gone=127.0.0.1:{port}");
    let p = proxy(&["--backend", &spec, "--retries", "0"]);
    let client = support::http();
    let first = client.get(p.url("/")).send().unwrap();
    assert_eq!(first.status(), 502);
    let start = Instant::now();
    let r = client.get(p.url("/")).send().unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().unwrap().contains("no healthy backend"));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn backup_serves_only_when_primaries_are_out() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &["", ",backup"]);
    let p = proxy(&args_with(&specs, &[]));
    let got = hits(&support::http(), &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(0)), Some(&10));
    let drained = backend_args(&b, &[",weight=0", ",backup"]);
    let p2 = proxy(&args_with(&drained, &[]));
    let got = hits(&support::http(), &p2.url("/"), 5);
    assert_eq!(tally(&got).get(b.name(1)), Some(&5));
}

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
    let mut p = proxy(&args_with(&specs, &["--drain-timeout", "5s"]));
    let url = p.url("/");
    let inflight: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || support::http().get(&url).send().map(|r| r.status()))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    p.proc.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        TcpStream::connect(&p.addr).is_err(),
        "new connections must be refused while draining"
    );
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
    let mut s = TcpStream::connect(&p.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow-Header-Number: 1\r\n")
        .unwrap();
    let start = Instant::now();
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
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn metrics_parse_and_match_the_requests_sent() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--admin", "127.0.0.1:0"]));
    let client = support::http();
    hits(&client, &p.url("/"), 25);
    let text = client
        .get(format!("http://{}/metrics", p.admin.as_ref().unwrap()))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let mut ok = 0.0;
    let mut hist_count = 0.0;
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // name{labels} value
        let (series, value) = line.rsplit_once(' ').expect("sample line");
        let v: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line}"));
        if series.starts_with("lbctl_proxy_requests_total{") && series.contains("code=\"2xx\"") {
            ok += v;
        }
        if series.starts_with("lbctl_proxy_backend_latency_seconds_count") {
            hist_count += v;
        }
    }
    assert_eq!(ok, 25.0, "{text}");
    assert_eq!(hist_count, 25.0);
    assert!(text.trim_end().ends_with("# EOF"));
}

#[test]
fn bad_input_is_exit_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["proxy"], "no backends"),
        (&["proxy", "--backend", "127.0.0.1"], "port is missing"),
        (
            &["proxy", "--backend", "h:1", "--header-up", "NoColon"],
            "header rule",
        ),
        (
            &["proxy", "--backend", "h:1", "--allow", "10.0.0.0/33"],
            "CIDR",
        ),
        (&["proxy", "--backend", "h:1", "--sticky", "ip"], "sticky"),
        (
            &["proxy", "--backend", "h:1", "--fail-on", "700"],
            "fail-on",
        ),
        (
            &["proxy", "--backend", "a=h:1", "--backend", "a=h:2"],
            "twice",
        ),
        (&["proxy", "--backend", "h:1", "--listen", "nope"], "listen"),
        (
            &["proxy", "--backends-file", "/nonexistent/x"],
            "backends-file",
        ),
    ];
    for (args, want) in cases {
        let out = support::lbctl().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// Poll /stats until backend `name` is in `state` (panics after `within`).
fn wait_state(
    client: &reqwest::blocking::Client,
    admin: &str,
    name: &str,
    state: &str,
    within: Duration,
) {
    let deadline = Instant::now() + within;
    loop {
        let stats: serde_json::Value = client
            .get(format!("http://{admin}/stats"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let now = stats["backends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .map(|b| b["state"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        if now == state {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} stayed {now}, wanted {state}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn active_checks_eject_after_fall_and_restore_after_rise() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--check",
            "http:/health",
            "--check-interval",
            "100ms",
            "--rise",
            "2",
            "--fall",
            "2",
            "--algorithm",
            "round-robin",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let admin = p.admin.clone().unwrap();
    let client = support::http();
    client
        .post(format!("{}/admin/down", b.url(0)))
        .send()
        .unwrap();
    let start = Instant::now();
    wait_state(&client, &admin, b.name(0), "down", Duration::from_secs(5));
    // fall=2 at 100 ms: not before about one interval has passed.
    assert!(start.elapsed() >= Duration::from_millis(100));
    let got = hits(&client, &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(1)), Some(&10), "{got:?}");
    client
        .post(format!("{}/admin/up", b.url(0)))
        .send()
        .unwrap();
    wait_state(&client, &admin, b.name(0), "up", Duration::from_secs(5));
    let got = hits(&client, &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(0)), Some(&5), "{got:?}");
}

#[test]
fn hash_on_a_header_is_sticky_and_moves_only_the_removed_backends_keys() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "hash",
            "--hash-key",
            "header:X-User",
            "--hash-algorithm",
            "maglev",
            "--check",
            "http:/health",
            "--check-interval",
            "100ms",
            "--fall",
            "1",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let client = support::http();
    let owner = |user: &str| -> String {
        let r = client
            .get(p.url("/"))
            .header("x-user", user)
            .send()
            .unwrap();
        r.headers()["x-backend"].to_str().unwrap().to_string()
    };
    let users: Vec<String> = (0..40).map(|i| format!("user{i}")).collect();
    let before: Vec<String> = users.iter().map(|u| owner(u)).collect();
    for (u, o) in users.iter().zip(&before).take(10) {
        assert_eq!(&owner(u), o, "{u} is not sticky");
    }
    let victim = before[0].clone();
    let victim_url = (0..3)
        .find(|&i| b.name(i) == victim)
        .map(|i| b.url(i).to_string())
        .unwrap();
    client
        .post(format!("{victim_url}/admin/down"))
        .send()
        .unwrap();
    wait_state(
        &client,
        p.admin.as_ref().unwrap(),
        &victim,
        "down",
        Duration::from_secs(5),
    );
    for (u, o) in users.iter().zip(&before) {
        let now = owner(u);
        if *o == victim {
            assert_ne!(now, victim);
        } else {
            assert_eq!(&now, o, "{u} moved although its backend stayed up");
        }
    }
}

#[test]
fn check_and_hash_flags_are_validated() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["proxy", "--backend", "h:1", "--check", "http:health"],
            "health check",
        ),
        (
            &["proxy", "--backend", "h:1", "--check", "udp"],
            "health check",
        ),
        (
            &[
                "proxy",
                "--backend",
                "h:1",
                "--algorithm",
                "hash",
                "--hash-key",
                "body",
            ],
            "hash key",
        ),
        (
            &["proxy", "--backend", "h:1", "--hash-algorithm", "nope"],
            "invalid value",
        ),
    ];
    for (args, want) in cases {
        let out = support::lbctl().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A one-connection backend that accepts an Upgrade (101) and then echoes raw bytes.
fn upgrade_echo_backend() -> (String, std::thread::JoinHandle<()>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
            if s.read(&mut byte).unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&head).to_lowercase();
        assert!(text.contains("upgrade: websocket"), "{text}");
        s.write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if s.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (addr, h)
}

#[test]
fn upgrade_requests_are_tunnelled() {
    let (addr, backend) = upgrade_echo_backend();
    let spec = format!("ws={addr}");
    let p = proxy(&["--backend", &spec]);
    let mut s = TcpStream::connect(&p.addr).unwrap();
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
    for msg in [&b"hello"[..], b"through the tunnel"] {
        s.write_all(msg).unwrap();
        let mut got = vec![0u8; msg.len()];
        s.read_exact(&mut got).unwrap();
        assert_eq!(got, msg);
    }
    drop(s);
    backend.join().unwrap();
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn config_file_routes_by_host_path_and_header() {
    let b = support::serve(3, &[]);
    let text = format!(
        r#"
[[listener]]
listen = "127.0.0.1:0"
default_pool = "web"

[[listener.route]]
host = "api.example.test"
path_prefix = "/v1"
pool = "api"

[[listener.route]]
header = "X-Canary"
header_regex = "^(1|yes)$"
pool = "canary"

[pool.web]
backends = ["{a}"]

[pool.api]
backends = ["{b}"]
algorithm = "round-robin"

[pool.canary]
backends = ["{c}"]
"#,
        a = b.addr(0),
        b = b.addr(1),
        c = b.addr(2)
    );
    let f = config_file(&text);
    let path = f.path().to_str().unwrap();
    let p = proxy(&["--config", path]);
    let client = support::http();
    let who = |host: &str, path: &str, canary: Option<&str>| {
        let mut r = client.get(p.url(path)).header("host", host);
        if let Some(c) = canary {
            r = r.header("x-canary", c);
        }
        r.send().unwrap().headers()["x-backend"]
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(who("api.example.test", "/v1/users", None), b.name(1));
    assert_eq!(who("api.example.test", "/v2/users", None), b.name(0));
    assert_eq!(who("www.example.test", "/", Some("yes")), b.name(2));
    assert_eq!(who("www.example.test", "/", Some("no")), b.name(0));

    // explain shows the same decision without starting.
    let out = support::lbctl()
        .args([
            "proxy",
            "--config",
            path,
            "explain",
            "GET /v1/x Host:api.example.test",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("MATCH -> pool api"), "{text}");
    assert!(text.contains(&format!("choice    {}", b.addr(1))), "{text}");
}

#[test]
fn explain_shows_hash_key_and_point() {
    let out = support::lbctl()
        .args([
            "proxy",
            "--backend",
            "a=127.0.0.1:9001",
            "--backend",
            "b=127.0.0.1:9002",
            "--backend",
            "c=127.0.0.1:9003,weight=0",
            "--algorithm",
            "hash",
            "--hash-key",
            "header:X-User",
            "--output",
            "json",
            "explain",
            "GET / X-User:alice",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["hash"]["key"], "alice");
    assert!(doc["hash"]["point"].as_str().unwrap().starts_with("0x"));
    let choice = doc["choice"].as_str().unwrap();
    assert!(choice == "a" || choice == "b", "{doc}");
    assert_eq!(doc["candidates"][2]["eligible"], false);
}

#[test]
fn bad_config_file_is_exit_2_naming_line_and_field() {
    let f = config_file(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n\n[pool.web]\nbackends = [\"127.0.0.1:1\", \"nope\"]\n",
    );
    let out = support::lbctl()
        .args(["proxy", "--config", f.path().to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 6") && err.contains("pool.web.backends[1]"),
        "{err}"
    );
}

#[test]
fn sighup_reloads_the_config_without_dropping_connections() {
    let b = support::serve(2, &[]);
    let write = |f: &mut tempfile::NamedTempFile, addr: &str| {
        let text = format!(
            "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[pool.web]\nbackends = [\"{addr}\"]\n"
        );
        f.as_file_mut().set_len(0).unwrap();
        use std::io::Seek;
        f.as_file_mut().seek(std::io::SeekFrom::Start(0)).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f.flush().unwrap();
    };
    let mut f = config_file("");
    write(&mut f, &b.addr(0));
    let p = proxy(&["--config", f.path().to_str().unwrap()]);
    let client = support::http();
    assert_eq!(hits(&client, &p.url("/"), 3), vec![b.name(0); 3]);
    write(&mut f, &b.addr(1));
    p.proc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // The same keep-alive client connection keeps working across the reload.
        let now = hits(&client, &p.url("/"), 1);
        if now[0] == b.name(1) {
            break;
        }
        assert!(Instant::now() < deadline, "reload did not take effect");
        std::thread::sleep(Duration::from_millis(50));
    }
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
fn maxconn_queues_and_backend_timeout_is_504() {
    let b = support::serve(1, &["--latency", "300ms"]);
    let spec = format!("{}={},maxconn=1", b.name(0), b.addr(0));
    // Queue long enough: three concurrent requests all succeed, one at a time.
    let p = proxy(&["--backend", &spec, "--queue-timeout", "5s"]);
    let url = p.url("/");
    let start = Instant::now();
    let ts: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || support::http().get(&url).send().unwrap().status())
        })
        .collect();
    for t in ts {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert!(
        start.elapsed() >= Duration::from_millis(850),
        "{:?}",
        start.elapsed()
    );
    // A backend slower than --backend-timeout: 504, quickly.
    let p = proxy(&[
        "--backend",
        &spec,
        "--backend-timeout",
        "100ms",
        "--retries",
        "0",
    ]);
    let r = support::http().get(p.url("/")).send().unwrap();
    assert_eq!(r.status(), 504);
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
fn fail_on_status_is_retried_and_marks_the_backend() {
    let b = support::serve(2, &["--backend-opts", "b1:fail-rate=1.0"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--fail-on",
            "503",
            "--max-fails",
            "3",
            "--algorithm",
            "round-robin",
        ],
    ));
    let got = hits(&support::http(), &p.url("/"), 20);
    assert_eq!(tally(&got).get("b2"), Some(&20), "{got:?}");
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
