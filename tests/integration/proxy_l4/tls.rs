//! TLS through `lbctl proxy`: SNI passthrough routing to two pools with a real rustls client,
//! the non-TLS fallback, termination in HTTP mode verified by a client that trusts only the
//! proxy's certificate (h2 via ALPN, X-Forwarded-Proto: https), the self-signed fingerprint,
//! and TLS backends with --upstream-cacert / --insecure-upstream.

use super::{L4Proxy, start, tcp_echo};
use crate::support::{self, serve};
use lbctl::tls::{self, ClientTls};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// A certificate for localhost and 127.0.0.1 written to PEM files.
struct CertFiles {
    _dir: tempfile::TempDir,
    cert: String,
    key: String,
    pem: String,
}

fn cert_files() -> CertFiles {
    let made = tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, &made.cert_pem).unwrap();
    std::fs::write(&key, &made.key_pem).unwrap();
    CertFiles {
        cert: cert.display().to_string(),
        key: key.display().to_string(),
        pem: made.cert_pem,
        _dir: dir,
    }
}

/// A TLS backend (rustls, in this process) that answers every connection with `name`.
fn tls_backend(name: &'static str) -> String {
    support::init_tls();
    let made = tls::self_signed(&[format!("{name}.example.test")]).unwrap();
    let config = tls::server_config(vec![made.cert], made.key, &[]).unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming().take(16) {
            let Ok(s) = s else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, s);
                while tls.conn.is_handshaking() {
                    if tls.conn.complete_io(&mut tls.sock).is_err() {
                        return;
                    }
                }
                let sni = tls.conn.server_name().unwrap_or("-").to_string();
                let _ = tls.write_all(format!("{name} saw {sni}").as_bytes());
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

/// Connect with rustls (no verification: the backends' certificates are throwaway) and
/// read the whole answer.
fn tls_get(addr: &str, server_name: &str) -> std::io::Result<String> {
    support::init_tls();
    let config = tls::client_config(&ClientTls {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    let name = tls::server_name(server_name).unwrap();
    let conn = rustls::ClientConnection::new(config, name).unwrap();
    let sock = TcpStream::connect(addr)?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let mut out = String::new();
    tls.read_to_string(&mut out)?;
    Ok(out)
}

/// A TCP-mode proxy with two TLS backend pools routed by SNI: api.example.test to pool-a,
/// every other name to pool-b (each backend answers "POOL saw NAME").
fn sni_proxy() -> crate::proxy_l4::L4Proxy {
    let a = tls_backend("pool-a");
    let b = tls_backend("pool-b");
    let pool_a = format!("pool-a=a1={a}");
    let pool_b = format!("pool-b=b1={b}");
    start(&[
        "--mode",
        "tcp",
        "--pool",
        &pool_a,
        "--pool",
        &pool_b,
        "--sni",
        "api.example.test=pool-a",
        "--sni",
        "*=pool-b",
    ])
}

#[test]
fn sni_passthrough_routes_two_names_to_two_pools() {
    let p = sni_proxy();
    // The backend terminates TLS and sees the client's own server name: the bytes were replayed.
    assert_eq!(
        tls_get(&p.addr, "api.example.test").unwrap(),
        "pool-a saw api.example.test"
    );
    assert_eq!(
        tls_get(&p.addr, "www.example.test").unwrap(),
        "pool-b saw www.example.test"
    );
    // Names match case-insensitively.
    assert!(
        tls_get(&p.addr, "API.example.test")
            .unwrap()
            .starts_with("pool-a saw")
    );
}

/// A ClientHello that arrives in pieces (here: three writes 100 ms apart) is reassembled
/// before routing, and replayed whole.
#[test]
fn a_client_hello_in_pieces_is_reassembled() {
    support::init_tls();
    let p = sni_proxy();
    let config = tls::client_config(&ClientTls {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    let mut conn =
        rustls::ClientConnection::new(config, tls::server_name("api.example.test").unwrap())
            .unwrap();
    let mut hello = Vec::new();
    conn.write_tls(&mut hello).unwrap();
    let mut sock = TcpStream::connect(&p.addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let third = hello.len() / 3;
    for piece in [&hello[..3], &hello[3..third], &hello[third..]] {
        sock.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut t = rustls::StreamOwned::new(conn, sock);
    let mut out = String::new();
    t.read_to_string(&mut out).unwrap();
    assert_eq!(out, "pool-a saw api.example.test");
}

#[test]
fn non_tls_first_bytes_go_to_the_default_pool_or_are_closed() {
    let (_echo, addrs) = tcp_echo(1);
    let a = tls_backend("pool-a");
    let pool_a = format!("api=a1={a}");
    let default = format!("echo={}", addrs[0]);
    for (fallback, want) in [("default", &b"plain bytes"[..]), ("close", &b""[..])] {
        let p: L4Proxy = start(&[
            "--mode",
            "tcp",
            "--backend",
            &default,
            "--pool",
            &pool_a,
            "--sni",
            "api.example.test=api",
            "--sni-fallback",
            fallback,
            "--header-timeout",
            "2s",
        ]);
        let mut s = TcpStream::connect(&p.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"plain bytes").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = Vec::new();
        let _ = s.read_to_end(&mut back);
        assert_eq!(back, want, "--sni-fallback {fallback}");
        // A TLS name with no route follows the same rule.
        let r = tls_get(&p.addr, "other.example.test");
        assert!(
            r.as_ref().map_or(true, |s| s.is_empty()),
            "{fallback}: {r:?}"
        );
        assert_eq!(
            tls_get(&p.addr, "api.example.test").unwrap(),
            "pool-a saw api.example.test"
        );
    }
}

#[test]
fn tcp_mode_terminates_tls_and_routes_on_the_negotiated_name() {
    let (_echo, addrs) = tcp_echo(2);
    let api = format!("api=a1={}", addrs[0]);
    let default = format!("d1={}", addrs[1]);
    let p = start(&[
        "--mode",
        "tcp",
        "--tls-self-signed",
        "--backend",
        &default,
        "--pool",
        &api,
        "--sni",
        "api.example.test=api",
        "--admin",
        "127.0.0.1:0",
    ]);
    assert!(p.lines[0].starts_with("tls-fingerprint sha256 "));
    for (name, backend) in [("api.example.test", "a1"), ("other.test", "d1")] {
        support::init_tls();
        let config = tls::client_config(&ClientTls {
            insecure: true,
            ..Default::default()
        })
        .unwrap();
        let conn = rustls::ClientConnection::new(config, tls::server_name(name).unwrap()).unwrap();
        let sock = TcpStream::connect(&p.addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut t = rustls::StreamOwned::new(conn, sock);
        t.write_all(b"ping").unwrap();
        let mut back = [0u8; 4];
        t.read_exact(&mut back).unwrap();
        assert_eq!(&back, b"ping", "{name}");
        assert_eq!(p.tcp_stats(backend)["connections"], 1, "{name}");
        // The backend saw plaintext: exactly the 4 bytes.
        assert_eq!(p.tcp_stats(backend)["bytes_in"], 4, "{name}");
    }
}

#[test]
fn termination_with_a_trusted_cert_negotiates_h2_and_sets_forwarded_proto() {
    let backends = serve(1, &[]);
    let certs = cert_files();
    let spec = format!("{}={}", backends.name(0), backends.addr(0));
    let p = start(&[
        "--tls-cert",
        &certs.cert,
        "--tls-key",
        &certs.key,
        "--backend",
        &spec,
    ]);
    support::init_tls();
    let client = reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(certs.pem.as_bytes()).unwrap()])
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .unwrap();
    let resp = client
        .get(format!("https://{}/echo", p.addr))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), reqwest::Version::HTTP_2, "ALPN h2");
    let v: serde_json::Value = resp.json().unwrap();
    let headers = v["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h[0] == "x-forwarded-proto" && h[1] == "https"),
        "{v}"
    );
    // A client that trusts only other roots refuses the proxy.
    let strict = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .unwrap();
    assert!(strict.get(format!("https://{}/", p.addr)).send().is_err());
}

#[test]
fn self_signed_prints_the_fingerprint_the_listener_presents() {
    let backends = serve(1, &[]);
    let spec = backends.addr(0);
    let p = start(&["--tls-self-signed", "--backend", &spec]);
    let fp = p.lines[0]
        .strip_prefix("tls-fingerprint sha256 ")
        .unwrap_or_else(|| panic!("{:?}", p.lines))
        .to_string();
    assert_eq!(fp.len(), 32 * 3 - 1);
    support::init_tls();
    let config = tls::client_config(&ClientTls {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    let conn =
        rustls::ClientConnection::new(config, tls::server_name("localhost").unwrap()).unwrap();
    let sock = TcpStream::connect(&p.addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut t = rustls::StreamOwned::new(conn, sock);
    t.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    let _ = t.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let presented = t.conn.peer_certificates().unwrap()[0].clone();
    assert_eq!(tls::fingerprint_sha256(&presented), fp);
}

#[test]
fn tls_backends_verified_by_cacert_or_insecure() {
    let backends = serve(1, &[]);
    let certs = cert_files();
    // The TLS backend: an lbctl proxy terminating TLS in front of `serve`.
    let spec = format!("{}={}", backends.name(0), backends.addr(0));
    let front = start(&[
        "--tls-cert",
        &certs.cert,
        "--tls-key",
        &certs.key,
        "--backend",
        &spec,
    ]);
    let https = format!("tb=https://{}", front.addr);
    let tls_opt = format!("tb={},tls", front.addr);
    let client = support::http();
    let cases: [(&[&str], u16); 3] = [
        (
            &["--backend", &https, "--upstream-cacert", &certs.cert],
            200,
        ),
        (&["--backend", &tls_opt, "--insecure-upstream"], 200),
        // System roots do not know the throwaway CA: the handshake fails, 502.
        (&["--backend", &https, "--retries", "0"], 502),
    ];
    // HTTP checks of a TLS backend speak TLS: a plain check would fail and (fall 1) take it
    // out within a few intervals.
    let checked = start(&[
        "--backend",
        &https,
        "--upstream-cacert",
        &certs.cert,
        "--check",
        "http:/health",
        "--check-interval",
        "100ms",
        "--fall",
        "1",
        "--admin",
        "127.0.0.1:0",
    ]);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(checked.stats()["backends"][0]["state"], "up");
    let resp = client
        .get(format!("http://{}/", checked.addr))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    for (args, want) in cases {
        let p = start(args);
        let resp = client
            .get(format!("http://{}/echo", p.addr))
            .send()
            .unwrap();
        assert_eq!(resp.status(), want, "{args:?}");
        if want == 200 {
            assert_eq!(resp.headers()["x-backend"], backends.name(0));
        }
    }
    // The failed handshake is logged in plain words with the proxy's own flags as the fix.
    let mut p = start(&["--backend", &https, "--retries", "0"]);
    let _ = client.get(format!("http://{}/", p.addr)).send();
    let log = p.wait_stderr(
        |l| l.contains("TLS handshake with the backend failed"),
        Duration::from_secs(10),
    );
    let line = log
        .lines()
        .find(|l| l.contains("TLS handshake with the backend failed"))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains("--upstream-cacert FILE"), "{log}");
    assert!(
        !line.contains("Error(") && !line.contains("UnknownIssuer"),
        "{line}"
    );
    // TCP mode dials TLS backends too (TLS origination): plain in, TLS out.
    let p = start(&[
        "--mode",
        "tcp",
        "--backend",
        &https,
        "--upstream-cacert",
        &certs.cert,
    ]);
    let mut s = TcpStream::connect(&p.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

/// The SHA-256 fingerprint of the certificate a TLS listener presents.
fn presented_fingerprint(addr: &str) -> String {
    support::init_tls();
    let config = tls::client_config(&ClientTls {
        insecure: true,
        ..Default::default()
    })
    .unwrap();
    let conn =
        rustls::ClientConnection::new(config, tls::server_name("localhost").unwrap()).unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut t = rustls::StreamOwned::new(conn, sock);
    t.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    let _ = t.read_to_string(&mut resp);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    tls::fingerprint_sha256(&t.conn.peer_certificates().unwrap()[0])
}

#[test]
fn sighup_reloads_the_tls_certificate_and_keeps_it_on_a_bad_file() {
    let backends = serve(1, &[]);
    let spec = backends.addr(0);
    let files = cert_files();
    let mut p = start(&[
        "--tls-cert",
        &files.cert,
        "--tls-key",
        &files.key,
        "--backend",
        &spec,
    ]);
    let first = presented_fingerprint(&p.addr);
    // Renewed files in place (as certbot does), then SIGHUP: new handshakes get the new one.
    let renewed = tls::self_signed(&["localhost".into()]).unwrap();
    std::fs::write(&files.cert, &renewed.cert_pem).unwrap();
    std::fs::write(&files.key, &renewed.key_pem).unwrap();
    p.proc.signal("HUP");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut now = presented_fingerprint(&p.addr);
    while now == first && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        now = presented_fingerprint(&p.addr);
    }
    assert_eq!(now, renewed.fingerprint);
    // A broken file: the reload fails loudly and the running certificate stays.
    std::fs::write(&files.cert, "not a certificate").unwrap();
    p.proc.signal("HUP");
    p.wait_stderr(
        |err| err.contains("TLS certificate reload failed"),
        Duration::from_secs(10),
    );
    assert_eq!(presented_fingerprint(&p.addr), renewed.fingerprint);
    let err = p.stderr();
    assert!(
        err.contains("SIGHUP: reloaded the TLS certificate"),
        "{err}"
    );
    assert!(
        err.contains("TLS certificate reload failed, keeping the running one"),
        "{err}"
    );
}
