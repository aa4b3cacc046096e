//! Operations of `lbctl proxy --mode tcp`: drain on SIGTERM, --max-conns, active checks on a
//! side port, a TCP listener from the config file with SIGHUP reload, JSON startup lines, and
//! bad flags (exit 2).

use super::{L4Proxy, connect, exchange, exchange_closed, n2, start, tcp_echo};
use crate::support::{self, Proc};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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

/// A TCP listener from the config file (`mode = "tcp"`), and SIGHUP swapping its pool.
#[test]
fn config_file_tcp_listener_and_sighup_reload() {
    let (_echo, addrs) = tcp_echo(2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l4.toml");
    // Port 0 in the file: the bound address is printed (and a reload keeps it).
    let listen = "127.0.0.1:0";
    let file = |backend: &str| {
        format!(
            "[[listener]]\nlisten = \"{listen}\"\nmode = \"tcp\"\ndefault_pool = \"db\"\n\n[pool.db]\nbackends = [\"{backend}\"]\n"
        )
    };
    std::fs::write(&path, file(&format!("one={}", addrs[0]))).unwrap();
    let config = path.display().to_string();
    let mut proc = Proc::spawn(&["proxy", "--config", &config, "--admin", "127.0.0.1:0"]);
    let first = proc.line(Duration::from_secs(20));
    let addr = first
        .strip_prefix("proxy tcp://")
        .unwrap_or_else(|| panic!("{first:?}"))
        .to_string();
    let admin = proc.line(Duration::from_secs(5));
    let p = L4Proxy {
        proc,
        addr,
        admin: admin.strip_prefix("admin http://").map(str::to_string),
        lines: Vec::new(),
        err_seen: String::new(),
        err_lines: None,
    };
    assert_eq!(exchange(&p.addr, b"1"), b"1");
    assert_eq!(n2(&p, "one"), 1);
    std::fs::write(&path, file(&format!("two={}", addrs[1]))).unwrap();
    p.proc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !p.stats()["backends"][0]["name"].eq("two") {
        assert!(Instant::now() < deadline, "not reloaded");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(exchange(&p.addr, b"2"), b"2");
    assert_eq!(n2(&p, "two"), 1);
}

#[test]
fn json_startup_lines_name_the_scheme_and_the_fingerprint() {
    let mut proc = Proc::spawn(&[
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--mode",
        "tcp",
        "--tls-self-signed",
        "--backend",
        "127.0.0.1:9",
        "--output",
        "json",
    ]);
    let first: serde_json::Value =
        serde_json::from_str(&proc.line(Duration::from_secs(20))).unwrap();
    assert_eq!(first["role"], "proxy");
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .starts_with("tls://127.0.0.1:")
    );
    let fp: serde_json::Value = serde_json::from_str(&proc.line(Duration::from_secs(5))).unwrap();
    assert_eq!(fp["role"], "tls-fingerprint");
    assert_eq!(fp["sha256"].as_str().unwrap().len(), 95);
}

#[test]
fn bad_tcp_and_tls_flags_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["--send-proxy", "v1"], "TCP mode only"),
        (&["--accept-proxy"], "TCP mode only"),
        (&["--pool", "a=127.0.0.1:1"], "TCP mode only"),
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

/// A ClientHello for `name`, as rustls sends it.
fn client_hello(name: &str) -> Vec<u8> {
    support::init_tls();
    let config = lbctl::tls::client_config(&lbctl::tls::ClientTls {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    let mut conn =
        rustls::ClientConnection::new(config, lbctl::tls::server_name(name).unwrap()).unwrap();
    let mut hello = Vec::new();
    conn.write_tls(&mut hello).unwrap();
    hello
}

/// SIGHUP reloads a TCP listener's `sni` table with its pools.
#[test]
fn sighup_reloads_the_sni_table() {
    let (_echo, addrs) = tcp_echo(2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sni.toml");
    let file = |api_pool: &str| {
        format!(
            "[[listener]]\nlisten = \"127.0.0.1:0\"\nmode = \"tcp\"\nsni = {{ \"api.example.test\" = \"{api_pool}\", \"*\" = \"one\" }}\n\n[pool.one]\nbackends = [\"one={}\"]\n\n[pool.two]\nbackends = [\"two={}\"]\n",
            addrs[0], addrs[1]
        )
    };
    std::fs::write(&path, file("one")).unwrap();
    let config = path.display().to_string();
    let mut proc = Proc::spawn(&["proxy", "--config", &config, "--admin", "127.0.0.1:0"]);
    let first = proc.line(Duration::from_secs(20));
    let addr = first.strip_prefix("proxy tcp://").unwrap().to_string();
    let admin = proc.line(Duration::from_secs(5));
    let p = L4Proxy {
        proc,
        addr,
        admin: admin.strip_prefix("admin http://").map(str::to_string),
        lines: Vec::new(),
        err_seen: String::new(),
        err_lines: None,
    };
    let hello = client_hello("api.example.test");
    // The echo backends send the ClientHello back: enough to see where it went.
    assert_eq!(exchange(&p.addr, &hello), hello);
    assert_eq!((n2(&p, "one"), n2(&p, "two")), (1, 0));
    std::fs::write(&path, file("two")).unwrap();
    p.proc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert_eq!(exchange(&p.addr, &hello), hello);
        if n2(&p, "two") == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the sni table was not reloaded");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The ACL applies to the client address, the one from the PROXY header with --accept-proxy.
#[test]
fn acl_uses_the_proxy_header_address() {
    let (_echo, addrs) = tcp_echo(1);
    let backend = format!("e={}", addrs[0]);
    let p = start(&[
        "--mode",
        "tcp",
        "--accept-proxy",
        "--deny",
        "203.0.113.0/24",
        "--backend",
        &backend,
        "--admin",
        "127.0.0.1:0",
    ]);
    let denied = exchange_closed(&p.addr, b"PROXY TCP4 203.0.113.7 127.0.0.1 1 2\r\nx");
    assert!(denied.is_empty());
    let ok = exchange(&p.addr, b"PROXY TCP4 198.51.100.1 127.0.0.1 1 2\r\nx");
    assert_eq!(ok, b"x");
    assert_eq!(n2(&p, "e"), 1);
}

#[test]
fn access_log_has_one_line_per_tcp_connection() {
    let (_echo, addrs) = tcp_echo(1);
    let spec = format!("e={}", addrs[0]);
    let mut p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &spec,
        "--access-log",
        "json",
        "--allow",
        "127.0.0.1/32",
    ]);
    let msg = vec![b'x'; 70_000];
    assert_eq!(exchange(&p.addr, &msg), msg);
    assert_eq!(exchange(&p.addr, b"hello"), b"hello");
    // Wait for the second line before stopping the proxy.
    let tcp_lines = |err: &str| {
        err.lines()
            .filter(|l| l.contains("\"mode\":\"tcp\""))
            .count()
    };
    p.wait_stderr(|err| tcp_lines(err) >= 2, Duration::from_secs(10));
    let err = p.stderr();
    let lines: Vec<serde_json::Value> = err
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["mode"] == "tcp")
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    for (line, n) in lines.iter().zip([70_000u64, 5]) {
        assert_eq!(line["backend"], "e", "{line}");
        assert_eq!(line["bytes_in"], n, "{line}");
        assert_eq!(line["bytes_out"], n, "{line}");
        assert_eq!(line["end"], "closed", "{line}");
        assert!(line["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    }
}

#[test]
fn explain_shows_sni_routing_on_a_tcp_listener() {
    let file = crate::proxy::config_file(
        r#"
[[listener]]
listen = "127.0.0.1:6443"
mode = "tcp"
sni = { "api.example.test" = "api", "*.example.test" = "web", "*" = "web" }

[pool.api]
backends = ["a1=127.0.0.1:9101"]

[pool.web]
backends = ["w1=127.0.0.1:9201"]
"#,
    );
    let path = file.path().to_str().unwrap();
    let explain = |conn: &str| -> serde_json::Value {
        let out = support::lbctl()
            .args([
                "proxy", "--config", path, "--output", "json", "explain", conn,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let x = explain("TLS api.example.test");
    assert_eq!(
        (x["pool"].as_str(), x["choice"].as_str()),
        (Some("api"), Some("a1")),
        "{x}"
    );
    let x = explain("TLS www.EXAMPLE.test");
    assert_eq!(x["pool"], "web", "{x}");
    let won = &x["rules"][x["matched_rule"].as_u64().unwrap() as usize];
    assert!(
        won["why"].as_str().unwrap().contains("longest *.suffix"),
        "{x}"
    );
    let x = explain("TCP");
    assert_eq!(x["pool"], "web", "{x}");
    assert!(
        x["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["why"].as_str().unwrap().contains("needs a server name"))
    );
    // An HTTP request line on a TCP listener is a usage error naming the expected forms.
    let out = support::lbctl()
        .args(["proxy", "--config", path, "explain", "GET /x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'TLS NAME'"));
}
