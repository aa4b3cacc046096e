//! `lbctl proxy --mode tcp` integration tests (real sockets, the built binary): a 100 MiB echo
//! with matching SHA-256, half-close, idle timeout on both copy paths, a dead backend skipped
//! on connect, every algorithm's picks in /stats. PROXY protocol in proxy_l4/protocol.rs;
//! drain, limits, checks, config file and bad input in proxy_l4/ops.rs; TLS (SNI passthrough,
//! termination, TLS backends) in proxy_l4/tls.rs.

mod ops;
mod protocol;
mod tls;

use crate::support::{self, Proc};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
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
    /// stderr read so far by [`L4Proxy::wait_stderr`], and the reader thread's lines.
    pub(crate) err_seen: String,
    pub(crate) err_lines: Option<std::sync::mpsc::Receiver<String>>,
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
        let mut err = std::mem::take(&mut self.err_seen);
        if let Some(lines) = self.err_lines.take() {
            // The reader thread ends at EOF, now that the process is gone.
            for line in lines.iter() {
                err.push_str(&line);
            }
        } else if let Some(mut e) = self.proc.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }

    /// Wait (bounded by `timeout`) until what the still-running proxy wrote on stderr
    /// satisfies `done`; returns it either way. For log lines written after the client's
    /// exchange ended: an ordering to wait on, not a sleep to hope with.
    pub(crate) fn wait_stderr(&mut self, done: impl Fn(&str) -> bool, timeout: Duration) -> String {
        if self.err_lines.is_none()
            && let Some(e) = self.proc.child.stderr.take()
        {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut r = std::io::BufReader::new(e);
                loop {
                    let mut line = String::new();
                    match std::io::BufRead::read_line(&mut r, &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            if tx.send(line).is_err() {
                                return;
                            }
                        }
                    }
                }
            });
            self.err_lines = Some(rx);
        }
        let deadline = std::time::Instant::now() + timeout;
        while !done(&self.err_seen) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.err_lines.as_ref().map(|l| l.recv_timeout(left)) {
                Some(Ok(line)) => self.err_seen.push_str(&line),
                _ => break,
            }
        }
        self.err_seen.clone()
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
        err_seen: String::new(),
        err_lines: None,
    }
}

pub(crate) fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect to the proxy");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Send `msg`, half-close, read everything back.
pub(crate) fn exchange(addr: &str, msg: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    s.write_all(msg).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    back
}

/// Like [`exchange`], for connections the proxy closes: a reset counts as nothing received.
pub(crate) fn exchange_closed(addr: &str, msg: &[u8]) -> Vec<u8> {
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
        // Timed from before the last activity (the echo), so the idle timeout is a lower
        // bound whatever the scheduler does (a few µs for the microsecond bookkeeping).
        let t = Instant::now();
        s.write_all(b"x").unwrap();
        let mut b = [0u8; 1];
        s.read_exact(&mut b).unwrap();
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        let waited = t.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        assert!(rest.is_empty());
        assert!(
            waited >= Duration::from_millis(299) && waited < Duration::from_secs(5),
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

pub(crate) fn n2(p: &L4Proxy, name: &str) -> u64 {
    p.tcp_stats(name)["connections"].as_u64().unwrap()
}
