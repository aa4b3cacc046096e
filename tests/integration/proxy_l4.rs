//! `lbctl proxy --mode tcp` integration tests (real sockets, the built binary): a 100 MiB echo
//! with matching SHA-256, half-close, a dead backend skipped on connect, PROXY v1/v2 sent and
//! accepted (and a malformed one refused), hash and balancing counts in /stats, drain on
//! SIGTERM and bad input. TLS (SNI passthrough, termination, TLS backends) is in proxy_l4/tls.rs.

mod tls;

use crate::support::{self, Proc};
use lbctl::proxy::proxy_protocol::{self, ProxyHeader};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// `lbctl serve --tcp --count n`: the process and each backend's HOST:PORT.
pub(crate) fn tcp_echo(n: usize) -> (Proc, Vec<String>) {
    let count = n.to_string();
    let mut p = Proc::spawn(&["serve", "--tcp", "--count", &count, "--port", "0"]);
    let addrs = (0..n)
        .map(|_| {
            let line = p.line(Duration::from_secs(20));
            line.split("tcp://")
                .nth(1)
                .unwrap_or_else(|| panic!("unexpected serve line {line:?}"))
                .to_string()
        })
        .collect();
    (p, addrs)
}

/// A running proxy: its listener address, admin address, and any other startup lines.
pub(crate) struct L4Proxy {
    pub(crate) proc: Proc,
    pub(crate) addr: String,
    pub(crate) admin: Option<String>,
    pub(crate) lines: Vec<String>,
}

impl L4Proxy {
    pub(crate) fn stats(&self) -> serde_json::Value {
        let admin = self.admin.as_ref().expect("started with --admin");
        support::http()
            .get(format!("http://{admin}/stats"))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// The `tcp` counters of a backend in /stats.
    pub(crate) fn tcp_stats(&self, name: &str) -> serde_json::Value {
        let s = self.stats();
        s["backends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no backend {name} in {s}"))["tcp"]
            .clone()
    }

    /// Kill and return what it wrote on stderr.
    pub(crate) fn stderr(mut self) -> String {
        let _ = self.proc.child.kill();
        let _ = self.proc.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.proc.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

/// Start `lbctl proxy --listen 127.0.0.1:0 --threads 1 ARGS` and read its startup lines
/// (`proxy SCHEME://ADDR`, then optional fingerprint and admin lines).
pub(crate) fn start(args: &[&str]) -> L4Proxy {
    let mut all = vec!["proxy", "--listen", "127.0.0.1:0", "--threads", "1"];
    all.extend_from_slice(args);
    let mut proc = Proc::spawn(&all);
    let first = proc.line(Duration::from_secs(20));
    let addr = first
        .strip_prefix("proxy ")
        .and_then(|u| u.split("://").nth(1))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    let mut lines = Vec::new();
    let mut admin = None;
    let want_fp = args.contains(&"--tls-self-signed");
    let want_admin = args.contains(&"--admin");
    if want_fp {
        lines.push(proc.line(Duration::from_secs(5)));
    }
    if want_admin {
        let l = proc.line(Duration::from_secs(5));
        admin = Some(
            l.strip_prefix("admin http://")
                .unwrap_or_else(|| panic!("unexpected admin line {l:?}"))
                .to_string(),
        );
    }
    L4Proxy {
        proc,
        addr,
        admin,
        lines,
    }
}

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to the proxy");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Send `msg`, half-close, read everything back.
fn exchange(addr: &str, msg: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    s.write_all(msg).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    back
}

/// Like [`exchange`], for connections the proxy closes: a reset counts as nothing received.
fn exchange_closed(addr: &str, msg: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    let _ = s.write_all(msg);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut back = Vec::new();
    let _ = s.read_to_end(&mut back);
    back
}

/// An address nothing listens on (bound, then released).
pub(crate) fn dead_addr() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[test]
fn echo_100_mib_random_payload_with_matching_sha256() {
    let (_echo, addrs) = tcp_echo(1);
    let backend = format!("e1={}", addrs[0]);
    let p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &backend,
        "--admin",
        "127.0.0.1:0",
    ]);
    const TOTAL: usize = 100 << 20;
    let s = connect(&p.addr);
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        use rand::{RngCore, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut chunk = vec![0u8; 256 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            rng.fill_bytes(&mut chunk);
            w.write_all(&chunk).unwrap();
            ctx.update(&chunk);
            sent += chunk.len();
        }
        // Half-close: the echo of everything still comes back.
        w.shutdown(std::net::Shutdown::Write).unwrap();
        ctx.finish()
    });
    let mut r = s;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0usize;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
        got += n;
    }
    let sent = writer.join().unwrap();
    assert_eq!(got, TOTAL);
    assert_eq!(ctx.finish().as_ref(), sent.as_ref(), "SHA-256 of the echo");
    let t = p.tcp_stats("e1");
    assert_eq!(t["bytes_in"], TOTAL as u64);
    assert_eq!(t["bytes_out"], TOTAL as u64);
    assert_eq!(t["connections"], 1);
    let admin = p.admin.as_ref().unwrap();
    let metrics = support::http()
        .get(format!("http://{admin}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "lbctl_proxy_tcp_bytes_in_total{{pool=\"default\",backend=\"e1\"}} {TOTAL}"
        )),
        "{metrics}"
    );
}

/// A backend that reads to EOF, then answers with the byte count after a pause: the answer
/// can only arrive if the proxy passed the client's FIN on and kept the other direction open.
#[test]
fn half_close_passes_the_fin_and_keeps_reading() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let baddr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut all = Vec::new();
            let _ = s.read_to_end(&mut all);
            std::thread::sleep(Duration::from_millis(200));
            let _ = s.write_all(format!("got {} bytes", all.len()).as_bytes());
        }
    });
    let backend = format!("h={baddr}");
    let p = start(&["--mode", "tcp", "--backend", &backend]);
    let back = exchange(&p.addr, &[b'x'; 70_000]);
    assert_eq!(String::from_utf8_lossy(&back), "got 70000 bytes");
}

/// Idle connections are closed after --idle-timeout, on the spliced path (plain TCP) and on
/// the buffered one (LBCTL_SPLICE=0).
#[test]
fn idle_connections_are_closed_on_both_copy_paths() {
    let (_echo, addrs) = tcp_echo(1);
    let backend = format!("e={}", addrs[0]);
    for splice in ["1", "0"] {
        let mut all = vec![
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--threads",
            "1",
            "--mode",
            "tcp",
            "--idle-timeout",
            "300ms",
            "--backend",
            &backend,
        ];
        let mut child = std::process::Command::new(support::bin())
            .args(all.drain(..))
            .env("LBCTL_SPLICE", splice)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let addr = line.trim().split("://").nth(1).unwrap().to_string();
        let mut s = connect(&addr);
        s.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        let t = Instant::now();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        let waited = t.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        assert!(rest.is_empty());
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
            "LBCTL_SPLICE={splice}: closed after {waited:?}"
        );
    }
}

#[test]
fn a_dead_backend_is_skipped_on_connect() {
    let (_echo, addrs) = tcp_echo(1);
    let dead = format!("dead={}", dead_addr());
    let live = format!("live={}", addrs[0]);
    // --max-fails 0 keeps the dead one eligible, so every other connection tries it first.
    let p = start(&[
        "--mode",
        "tcp",
        "--algorithm",
        "round-robin",
        "--max-fails",
        "0",
        "--backend",
        &dead,
        "--backend",
        &live,
        "--admin",
        "127.0.0.1:0",
    ]);
    let t = Instant::now();
    for i in 0..10 {
        let msg = format!("m{i}");
        assert_eq!(exchange(&p.addr, msg.as_bytes()), msg.as_bytes());
    }
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert_eq!(p.tcp_stats("live")["connections"], 10);
    let dead = p.tcp_stats("dead");
    assert!(dead["connect_errors"].as_u64().unwrap() >= 5, "{dead}");
    assert_eq!(dead["connections"], 0);
}

#[test]
fn passive_marking_then_retries_zero_leaves_no_backend() {
    let dead = format!("dead={}", dead_addr());
    let p = start(&["--mode", "tcp", "--backend", &dead, "--retries", "0"]);
    // Refused at the backend: the client sees a closed connection, not a hang.
    let back = exchange_closed(&p.addr, b"hi");
    assert!(back.is_empty());
    let err = p.stderr();
    assert!(err.contains("marked failed"), "{err}");
}

#[test]
fn round_robin_weights_backups_and_hash_in_stats() {
    let (_echo, addrs) = tcp_echo(3);
    let a = format!("a={},weight=2", addrs[0]);
    let b = format!("b={}", addrs[1]);
    let c = format!("c={},backup", addrs[2]);
    let p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &a,
        "--backend",
        &b,
        "--backend",
        &c,
        "--admin",
        "127.0.0.1:0",
    ]);
    for _ in 0..9 {
        assert_eq!(exchange(&p.addr, b"w"), b"w");
    }
    let n = |name: &str| p.tcp_stats(name)["connections"].as_u64().unwrap();
    assert_eq!((n("a"), n("b"), n("c")), (6, 3, 0));

    // Hashes of the client address: every connection from 127.0.0.1 lands together; the
    // other algorithms serve every connection.
    let a = format!("a={}", addrs[0]);
    for alg in [
        "hash",
        "ip-hash",
        "round-robin",
        "weighted-least-conn",
        "random",
        "p2c",
    ] {
        let p = start(&[
            "--mode",
            "tcp",
            "--algorithm",
            alg,
            "--backend",
            &a,
            "--backend",
            &b,
            "--admin",
            "127.0.0.1:0",
        ]);
        for _ in 0..6 {
            assert_eq!(exchange(&p.addr, b"k"), b"k", "{alg}");
        }
        let mut counts = [n2(&p, "a"), n2(&p, "b")];
        counts.sort();
        match alg {
            "hash" | "ip-hash" => assert_eq!(counts, [0, 6], "{alg}"),
            "round-robin" => assert_eq!(counts, [3, 3], "{alg}"),
            _ => assert_eq!(counts[0] + counts[1], 6, "{alg}"),
        }
    }
}

#[test]
fn least_conn_counts_open_connections_and_weight_zero_drains() {
    let (_echo, addrs) = tcp_echo(3);
    let a = format!("a={}", addrs[0]);
    let b = format!("b={}", addrs[1]);
    let z = format!("z={},weight=0", addrs[2]);
    let p = start(&[
        "--mode",
        "tcp",
        "--algorithm",
        "least-conn",
        "--backend",
        &a,
        "--backend",
        &b,
        "--backend",
        &z,
        "--admin",
        "127.0.0.1:0",
    ]);
    // One long connection stays open on one backend...
    let mut held = connect(&p.addr);
    held.write_all(b"h").unwrap();
    let mut one = [0u8; 1];
    held.read_exact(&mut one).unwrap();
    let (busy, idle) = if n2(&p, "a") == 1 {
        ("a", "b")
    } else {
        ("b", "a")
    };
    assert_eq!(p.tcp_stats(busy)["open"], 1);
    // ...so every short one goes to the other; the drained one gets none.
    for _ in 0..5 {
        assert_eq!(exchange(&p.addr, b"s"), b"s");
    }
    assert_eq!(n2(&p, busy), 1);
    assert_eq!(n2(&p, idle), 5);
    assert_eq!(n2(&p, "z"), 0);
}

/// Active HTTP checks against a side port (`--check-port`): the HTTP backend's /health there
/// decides whether the TCP backends take connections.
#[test]
fn http_checks_on_a_side_port_eject_and_restore() {
    let (_echo, addrs) = tcp_echo(1);
    let health = support::serve(1, &[]);
    let side_port = health.addr(0).rsplit(':').next().unwrap().to_string();
    let backend = format!("e={}", addrs[0]);
    let p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &backend,
        "--check",
        "http:/health",
        "--check-port",
        &side_port,
        "--check-interval",
        "100ms",
        "--rise",
        "1",
        "--fall",
        "1",
        "--admin",
        "127.0.0.1:0",
    ]);
    assert_eq!(exchange(&p.addr, b"up"), b"up");
    let state = |p: &L4Proxy| {
        p.stats()["backends"][0]["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let wait_for = |want: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while state(&p) != want {
            assert!(Instant::now() < deadline, "backend never became {want}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let client = support::http();
    client
        .post(format!("{}/admin/down", health.url(0)))
        .send()
        .unwrap();
    wait_for("down");
    assert!(
        exchange_closed(&p.addr, b"x").is_empty(),
        "served while down"
    );
    client
        .post(format!("{}/admin/up", health.url(0)))
        .send()
        .unwrap();
    wait_for("up");
    assert_eq!(exchange(&p.addr, b"again"), b"again");
}

fn n2(p: &L4Proxy, name: &str) -> u64 {
    p.tcp_stats(name)["connections"].as_u64().unwrap()
}

/// A backend that parses the PROXY header it receives and, at the client's EOF, answers with
/// the source address and the payload after the header.
fn proxy_header_backend() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 512];
                loop {
                    match proxy_protocol::parse(&buf) {
                        Ok(Some((ProxyHeader::Proxy { source, .. }, n))) => {
                            let _ = s.read_to_end(&mut buf);
                            let rest = String::from_utf8_lossy(&buf[n..]).to_string();
                            let _ = s.write_all(format!("{source} {rest}").as_bytes());
                            return;
                        }
                        Ok(Some((ProxyHeader::Local, _))) => {
                            let _ = s.write_all(b"local");
                            return;
                        }
                        Ok(None) => match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        },
                        Err(e) => {
                            let _ = s.write_all(format!("bad: {e}").as_bytes());
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn send_proxy_v1_and_v2_carry_the_client_address() {
    let backend = proxy_header_backend();
    for v in ["v1", "v2"] {
        let spec = format!("pp={backend}");
        let p = start(&["--mode", "tcp", "--send-proxy", v, "--backend", &spec]);
        let mut s = connect(&p.addr);
        let me: SocketAddr = s.local_addr().unwrap();
        s.write_all(b"payload").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = String::new();
        s.read_to_string(&mut back).unwrap();
        assert_eq!(back, format!("{me} payload"), "{v}");
    }
}

#[test]
fn accept_proxy_takes_the_address_from_the_header_and_refuses_garbage() {
    let backend = proxy_header_backend();
    let spec = format!("pp={backend}");
    let p = start(&[
        "--mode",
        "tcp",
        "--accept-proxy",
        "--send-proxy",
        "v2",
        "--backend",
        &spec,
    ]);
    // v1 in, v2 out: the backend sees the address the front proxy reported.
    let mut s = connect(&p.addr);
    s.write_all(b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nafter")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "203.0.113.7:5555 after");
    // v2 in.
    let src: SocketAddr = "[2001:db8::5]:4242".parse().unwrap();
    let dst: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
    let mut s = connect(&p.addr);
    let mut hello = proxy_protocol::encode_v2(src, dst);
    hello.extend_from_slice(b"v2");
    s.write_all(&hello).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "[2001:db8::5]:4242 v2");
    // A header split over several segments is reassembled.
    let mut s = connect(&p.addr);
    s.write_all(b"PROXY TCP4 198.51.").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"100.9 127.0.0.1 4000 80\r").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"\nsplit").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "198.51.100.9:4000 split");
    // Malformed: closed without a byte, reason logged.
    let back = exchange_closed(&p.addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(back.is_empty(), "{back:?}");
    let back = exchange_closed(&p.addr, b"PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n");
    assert!(back.is_empty(), "{back:?}");
    let err = p.stderr();
    assert!(
        err.contains("does not start with a PROXY v1 or v2 signature"),
        "{err}"
    );
    assert!(err.contains("999.0.0.1"), "{err}");
}

#[test]
fn sigterm_drains_open_connections_and_refuses_new_ones() {
    let (_echo, addrs) = tcp_echo(1);
    let backend = format!("e={}", addrs[0]);
    let mut p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &backend,
        "--drain-timeout",
        "20s",
    ]);
    let mut s = connect(&p.addr);
    s.write_all(b"one").unwrap();
    let mut buf = [0u8; 3];
    s.read_exact(&mut buf).unwrap();
    p.proc.signal("TERM");
    // The listener closes...
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(&p.addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    // ...the open connection keeps working...
    s.write_all(b"two").unwrap();
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"two");
    assert!(p.proc.child.try_wait().unwrap().is_none(), "exited early");
    // ...and when it closes the proxy exits 0, long before the drain timeout.
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    let t = Instant::now();
    assert_eq!(p.proc.wait_exit(Duration::from_secs(10)), Some(0));
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn max_conns_per_listener_queues_the_next_client() {
    let (_echo, addrs) = tcp_echo(1);
    let backend = format!("e={}", addrs[0]);
    let p = start(&["--mode", "tcp", "--backend", &backend, "--max-conns", "1"]);
    let mut first = connect(&p.addr);
    first.write_all(b"1").unwrap();
    let mut b = [0u8; 1];
    first.read_exact(&mut b).unwrap();
    // The second client is in the kernel's queue: no echo while the first is open.
    let mut second = connect(&p.addr);
    second.write_all(b"2").unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(
        second.read_exact(&mut b).is_err(),
        "served beyond --max-conns"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    second.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"2");
}

#[test]
fn bad_tcp_and_tls_flags_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["--send-proxy", "v1"], "TCP mode only"),
        (&["--accept-proxy"], "TCP mode only"),
        (&["--send-proxy", "v3", "--mode", "tcp"], "v3"),
        (&["--mode", "udp"], "udp"),
        (&["--mode", "tcp", "--algorithm", "ewma"], "ewma"),
        (&["--mode", "tcp", "--sticky", "cookie:x"], "sticky"),
        (
            &["--mode", "tcp", "--algorithm", "hash", "--hash-key", "path"],
            "client address",
        ),
        (&["--mode", "tcp", "--sni", "a.test=nopool"], "nopool"),
        (
            &["--mode", "tcp", "--sni", "a b=default"],
            "not a host name",
        ),
        (&["--mode", "tcp", "--pool", "api"], "--pool"),
        (&["--mode", "tcp", "--pool", "default=127.0.0.1:1"], "taken"),
        (
            &["--tls-cert", "/nonexistent.pem", "--tls-key", "/x.pem"],
            "could not read",
        ),
        (&["--tls-cert", "/nonexistent.pem"], "--tls-key"),
        (
            &["--upstream-cacert", "/x.pem", "--insecure-upstream"],
            "cannot be used",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["proxy", "--backend", "127.0.0.1:9"];
        all.extend_from_slice(args);
        support::lbctl()
            .args(&all)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(*want));
    }
    support::lbctl()
        .args(["proxy", "--backend", "http://127.0.0.1:1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown scheme"));
    support::lbctl()
        .args([
            "proxy",
            "--backend",
            "https://127.0.0.1:1",
            "--upstream-cacert",
            "/nonexistent/ca.pem",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("ca.pem"));
}
