//! DNS-discovered backends (`--resolve-interval`, `srv:`, `--resolver`) against a DNS
//! responder on loopback that each test controls: members following A records while an
//! `lbctl load` run goes through (no client error), SRV ports and weights, the last good set
//! kept when the server stops answering, and bad flags refused. Never a real DNS server.

use super::{Proxy, hits, proxy, tally};
use crate::support::{self, lbctl};
use std::collections::HashMap;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// SRV answer: priority, weight, port, target.
type Srv = (u16, u16, u16, String);

#[derive(Default)]
struct Table {
    a: HashMap<String, Vec<Ipv4Addr>>,
    srv: HashMap<String, Vec<Srv>>,
    /// Drop every query (a server that stopped answering).
    mute: bool,
}

/// A tiny UDP DNS responder (test-only): answers A and SRV from `table`, AAAA with no
/// records, unknown names with NXDOMAIN. TTL 0.
struct Responder {
    addr: SocketAddr,
    table: Arc<Mutex<Table>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Responder {
    fn start() -> Responder {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = sock.local_addr().unwrap();
        let table = Arc::new(Mutex::new(Table::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (t, s) = (table.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !s.load(Ordering::Relaxed) {
                let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                let reply = answer(&buf[..n], &t.lock().unwrap());
                if let Some(r) = reply {
                    let _ = sock.send_to(&r, peer);
                }
            }
        });
        Responder { addr, table, stop }
    }

    fn set_a(&self, name: &str, ips: &[&str]) {
        let ips = ips.iter().map(|s| s.parse().unwrap()).collect();
        self.table.lock().unwrap().a.insert(name.to_string(), ips);
    }

    fn set_srv(&self, name: &str, records: &[(u16, u16, u16, &str)]) {
        let r = records
            .iter()
            .map(|(p, w, port, t)| (*p, *w, *port, t.to_string()))
            .collect();
        self.table.lock().unwrap().srv.insert(name.to_string(), r);
    }

    fn mute(&self, mute: bool) {
        self.table.lock().unwrap().mute = mute;
    }
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// The reply to one query packet (RFC 1035 section 4), or None to stay silent.
fn answer(q: &[u8], table: &Table) -> Option<Vec<u8>> {
    if table.mute || q.len() < 12 {
        return None;
    }
    // The question: labels from offset 12, then QTYPE and QCLASS.
    let mut i = 12;
    let mut labels = Vec::new();
    while *q.get(i)? != 0 {
        let len = q[i] as usize;
        labels.push(String::from_utf8_lossy(q.get(i + 1..i + 1 + len)?).to_lowercase());
        i += 1 + len;
    }
    let qtype = u16::from_be_bytes([*q.get(i + 1)?, *q.get(i + 2)?]);
    let question_end = i + 5;
    let name = labels.join(".");
    let mut rdatas: Vec<(u16, Vec<u8>)> = Vec::new();
    let known = table.a.contains_key(&name) || table.srv.contains_key(&name);
    match qtype {
        1 => {
            for ip in table.a.get(&name).into_iter().flatten() {
                rdatas.push((1, ip.octets().to_vec()));
            }
        }
        33 => {
            for (p, w, port, target) in table.srv.get(&name).into_iter().flatten() {
                let mut d = Vec::new();
                d.extend_from_slice(&p.to_be_bytes());
                d.extend_from_slice(&w.to_be_bytes());
                d.extend_from_slice(&port.to_be_bytes());
                encode_name(&mut d, target);
                rdatas.push((33, d));
            }
        }
        _ => {}
    }
    let mut r = Vec::new();
    r.extend_from_slice(&q[0..2]);
    // QR, AA, RD copied, RA; RCODE 3 (NXDOMAIN) for names not in the table.
    let rd = q[2] & 1;
    r.push(0x84 | rd);
    r.push(if known { 0x80 } else { 0x83 });
    r.extend_from_slice(&1u16.to_be_bytes());
    r.extend_from_slice(&(rdatas.len() as u16).to_be_bytes());
    r.extend_from_slice(&[0, 0, 0, 0]);
    r.extend_from_slice(q.get(12..question_end)?);
    for (ty, d) in rdatas {
        r.extend_from_slice(&[0xc0, 0x0c]);
        r.extend_from_slice(&ty.to_be_bytes());
        r.extend_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(&0u32.to_be_bytes());
        r.extend_from_slice(&(d.len() as u16).to_be_bytes());
        r.extend_from_slice(&d);
    }
    Some(r)
}

/// The proxy's stderr, collected on a thread.
fn stderr_of(p: &mut Proxy) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let mut e = p.proc.child.stderr.take().expect("stderr piped");
    let s = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = e.read(&mut buf) {
            if n == 0 {
                break;
            }
            s.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    seen
}

/// Wait (bounded) until `f` holds.
fn wait_for(what: &str, timeout: Duration, f: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Backend names in /stats.
fn members(p: &Proxy) -> Vec<String> {
    let mut v: Vec<String> = p.stats()["backends"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["name"].as_str().map(str::to_string))
        .collect();
    v.sort();
    v
}

fn requests(p: &Proxy, name: &str) -> u64 {
    p.stats()["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .and_then(|b| b["requests"].as_u64())
        .unwrap_or(0)
}

/// `lbctl serve` on `ip:port` named PREFIX1.
fn serve_on(ip: &str, port: u16, prefix: &str) -> support::Proc {
    let listen = format!("{ip}:{port}");
    let mut p = support::Proc::spawn(&[
        "serve",
        "--listen",
        &listen,
        "--name-prefix",
        prefix,
        "--threads",
        "1",
        "--latency",
        "5ms",
    ]);
    p.line(Duration::from_secs(20));
    p
}

#[test]
fn a_records_become_members_that_follow_dns_during_a_load_run() {
    let dns = Responder::start();
    // One port on three loopback addresses (all of 127/8 is loopback on Linux).
    let first = support::serve(1, &["--name-prefix", "x", "--latency", "5ms"]);
    let port: u16 = first.addr(0).rsplit_once(':').unwrap().1.parse().unwrap();
    let _y = serve_on("127.0.0.2", port, "y");
    let _z = serve_on("127.0.0.3", port, "z");
    dns.set_a("api.test", &["127.0.0.1", "127.0.0.2"]);
    let backend = format!("api=api.test:{port}");
    let resolver = dns.addr.to_string();
    let p = proxy(&[
        "--backend",
        &backend,
        "--resolver",
        &resolver,
        "--resolve-interval",
        "200ms",
        "--algorithm",
        "round-robin",
        "--admin",
        "127.0.0.1:0",
    ]);
    let m1 = format!("api#127.0.0.1:{port}");
    let m2 = format!("api#127.0.0.2:{port}");
    let m3 = format!("api#127.0.0.3:{port}");
    assert_eq!(members(&p), [m1.clone(), m2.clone()]);
    let url = p.url("/");
    let load = std::thread::spawn(move || {
        let out = std::process::Command::new(support::bin())
            .args(["load", "-c", "4", "-d", "3s", "--output", "json", &url])
            .output()
            .expect("run lbctl load");
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    });
    std::thread::sleep(Duration::from_millis(600));
    // Three records: .3 joins; then .1 leaves (it drains).
    dns.set_a("api.test", &["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
    wait_for("a third member", Duration::from_secs(5), || {
        members(&p).len() == 3
    });
    std::thread::sleep(Duration::from_millis(500));
    dns.set_a("api.test", &["127.0.0.2", "127.0.0.3"]);
    wait_for("127.0.0.1 removed", Duration::from_secs(5), || {
        !members(&p).contains(&m1)
    });
    let doc = load.join().unwrap();
    assert!(doc["responses"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["errors"], 0, "{}", doc["error_categories"]);
    assert_eq!(members(&p), [m2.clone(), m3.clone()]);
    assert!(requests(&p, &m3) > 0, "the new member took traffic");
    let seen = tally(&hits(&support::http(), &p.url("/"), 20));
    assert_eq!(seen.get("y1"), Some(&10), "{seen:?}");
    assert_eq!(seen.get("z1"), Some(&10), "{seen:?}");
    assert!(
        !seen.contains_key("x1"),
        "removed member got traffic: {seen:?}"
    );
}

#[test]
fn srv_records_give_ports_weights_and_backups() {
    let dns = Responder::start();
    let b = support::serve(3, &[]);
    let port = |i: usize| -> u16 { b.addr(i).rsplit_once(':').unwrap().1.parse().unwrap() };
    dns.set_a("node.test", &["127.0.0.1"]);
    dns.set_srv(
        "_http._tcp.api.test",
        &[
            (10, 3, port(0), "node.test."),
            (10, 1, port(1), "node.test."),
            (20, 1, port(2), "node.test."),
        ],
    );
    let resolver = dns.addr.to_string();
    let mut p = proxy(&[
        "--backend",
        "svc=srv:_http._tcp.api.test",
        "--resolver",
        &resolver,
        "--resolve-interval",
        "200ms",
        "--algorithm",
        "weighted",
        "--admin",
        "127.0.0.1:0",
    ]);
    let log = stderr_of(&mut p);
    let backends = p.stats()["backends"].as_array().unwrap().clone();
    assert_eq!(backends.len(), 3, "{backends:?}");
    let seen = tally(&hits(&support::http(), &p.url("/"), 40));
    // Weights 3:1 over the priority-10 pair; the priority-20 one is a backup.
    assert_eq!(seen.get(b.name(0)), Some(&30), "{seen:?}");
    assert_eq!(seen.get(b.name(1)), Some(&10), "{seen:?}");
    // A weight change in DNS is applied.
    dns.set_srv(
        "_http._tcp.api.test",
        &[
            (10, 1, port(0), "node.test."),
            (10, 1, port(1), "node.test."),
            (20, 1, port(2), "node.test."),
        ],
    );
    let name0 = format!("svc#127.0.0.1:{}", port(0));
    wait_for("weight 1", Duration::from_secs(5), || {
        log.lock()
            .unwrap()
            .contains(&format!("{name0} (127.0.0.1:{}) weight 1", port(0)))
    });
    let seen = tally(&hits(&support::http(), &p.url("/"), 40));
    assert_eq!(seen.get(b.name(0)), Some(&20), "{seen:?}");
    assert_eq!(seen.get(b.name(1)), Some(&20), "{seen:?}");
}

#[test]
fn a_failed_lookup_keeps_the_last_good_set_and_says_so_once() {
    let dns = Responder::start();
    let b = support::serve(1, &[]);
    let port = b.addr(0).rsplit_once(':').unwrap().1.to_string();
    dns.set_a("api.test", &["127.0.0.1"]);
    let backend = format!("api=api.test:{port}");
    let resolver = dns.addr.to_string();
    let mut p = proxy(&[
        "--backend",
        &backend,
        "--resolver",
        &resolver,
        "--resolve-interval",
        "100ms",
        "--admin",
        "127.0.0.1:0",
    ]);
    let log = stderr_of(&mut p);
    dns.mute(true);
    wait_for("the failure line", Duration::from_secs(10), || {
        log.lock()
            .unwrap()
            .contains("keeping the last good set (1 member(s))")
    });
    // Still served, through the streak, and said once.
    std::thread::sleep(Duration::from_millis(1500));
    let seen = tally(&hits(&support::http(), &p.url("/"), 5));
    assert_eq!(seen.get(b.name(0)), Some(&5), "{seen:?}");
    let text = log.lock().unwrap().clone();
    assert_eq!(
        text.matches("keeping the last good set").count(),
        1,
        "{text}"
    );
    assert!(text.contains("no answer from DNS server"), "{text}");
    // NXDOMAIN is a failure too (HAProxy keeps the servers until `hold nx`): still kept.
    dns.mute(false);
    wait_for("recovery", Duration::from_secs(10), || {
        log.lock().unwrap().contains("resolves again")
    });
    dns.table.lock().unwrap().a.clear();
    wait_for("the NXDOMAIN line", Duration::from_secs(10), || {
        log.lock().unwrap().contains("does not exist")
    });
    let seen = tally(&hits(&support::http(), &p.url("/"), 5));
    assert_eq!(seen.get(b.name(0)), Some(&5), "{seen:?}");
}

#[test]
fn bad_discovery_flags_exit_2_in_one_line() {
    for (args, want) in [
        (
            vec!["--resolve-interval", "0s", "--backend", "127.0.0.1:1"],
            "--resolve-interval must be above 0",
        ),
        (
            vec!["--resolver", "not-an-address", "--backend", "127.0.0.1:1"],
            "--resolver 'not-an-address'",
        ),
    ] {
        let mut all = vec!["proxy", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(&args);
        let out = lbctl().args(&all).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // A bad spec is clap's value error, as for every --backend: exit 2, said on its first line.
    let out = lbctl()
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--backend",
            "srv:api.test",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains("expected srv:_SERVICE._PROTO.NAME"), "{err}");
}

#[test]
fn a_sighup_reload_restarts_discovery_on_the_new_file() {
    use std::io::Write;
    let dns = Responder::start();
    dns.set_a("api.test", &["127.0.0.1"]);
    let b = support::serve(1, &[]);
    let port = b.addr(0).rsplit_once(':').unwrap().1.to_string();
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let write = |f: &mut tempfile::NamedTempFile, name: &str| {
        let text = format!(
            "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[pool.web]\nbackends = [\"{name}=api.test:{port}\"]\n"
        );
        f.as_file_mut().set_len(0).unwrap();
        use std::io::Seek;
        f.as_file_mut().seek(std::io::SeekFrom::Start(0)).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f.flush().unwrap();
    };
    write(&mut f, "api");
    let resolver = dns.addr.to_string();
    let p = proxy(&[
        "--config",
        f.path().to_str().unwrap(),
        "--resolver",
        &resolver,
        "--resolve-interval",
        "100ms",
        "--admin",
        "127.0.0.1:0",
    ]);
    assert_eq!(members(&p), [format!("api#127.0.0.1:{port}")]);
    write(&mut f, "v2");
    p.proc.signal("HUP");
    wait_for("the reload", Duration::from_secs(5), || {
        members(&p) == [format!("v2#127.0.0.1:{port}")]
    });
    // The new loop follows the new spec; the old one is gone (no api# member comes back).
    dns.set_a("api.test", &["127.0.0.1", "127.0.0.2"]);
    wait_for("the new loop", Duration::from_secs(5), || {
        members(&p).len() == 2
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        members(&p),
        [
            format!("v2#127.0.0.1:{port}"),
            format!("v2#127.0.0.2:{port}")
        ]
    );
}
