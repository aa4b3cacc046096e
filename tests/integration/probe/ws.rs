//! `probe ws://` and `wss://` against a WebSocket server lbctl did not write: Python's
//! `websockets` (tests/peers/ws_peer.py) echoing, greeting, refusing the upgrade (403) or
//! closing with 1008; wss with an rcgen CA and leaf; and a TCP listener that never answers
//! the upgrade (the timeout names the phase).

use super::probe_json;
use crate::support::{Proc, lbctl};
use serde_json::Value;
use std::time::{Duration, Instant};

fn require_websockets() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import websockets"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "these tests need Python's websockets: python3 -m pip install websockets (see .ci/run)"
    );
}

/// ws_peer.py in MODE (with `tls` = (cert, key) files for wss); returns it and its port.
fn peer(mode: &str, tls: Option<(&str, &str)>) -> (Proc, u16) {
    require_websockets();
    let script = format!("{}/tests/peers/ws_peer.py", env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![script.as_str(), mode, "60"];
    if let Some((cert, key)) = tls {
        args.extend([cert, key]);
    }
    let mut p = Proc::spawn_program("python3", &args);
    let line = p.line(Duration::from_secs(20));
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ws_peer.py said {line:?}"));
    (p, port)
}

#[test]
fn ws_echo_send_and_expect() {
    let (_p, port) = peer("echo", None);
    let url = format!("ws://127.0.0.1:{port}/chat");
    let (code, v) = probe_json(&[
        &url,
        "--ws-send",
        "ping 7",
        "--expect",
        "ws.message ~ ^ping [0-9]$",
    ]);
    assert_eq!(code, 0, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["status"], 101, "{t}");
    let ws = &t["websocket"];
    assert_eq!(ws["message"], "ping 7", "{ws}");
    assert_eq!(ws["message_kind"], "text");
    assert_eq!(ws["message_bytes"], 6);
    // The close handshake: websockets answers our 1000 with its own.
    assert_eq!(ws["close"], "clean", "{ws}");
    assert_eq!(ws["close_code"], 1000);
    for phase in ["upgrade_ms", "first_message_ms", "close_ms"] {
        assert!(
            ws[phase].as_f64().is_some_and(|ms| ms >= 0.0),
            "{phase}: {ws}"
        );
    }
    assert!(t["timings_ms"]["connect"].as_f64().is_some(), "{t}");
    // Exact match, and a mismatch that names the value seen.
    let (code, _) = probe_json(&[&url, "--ws-send", "hi", "--expect", "ws.message == hi"]);
    assert_eq!(code, 0);
    let (code, v) = probe_json(&[&url, "--ws-send", "hi", "--expect", "ws.message ~ pong"]);
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "condition");
    assert_eq!(
        t["reason"], "'ws.message ~ pong' does not hold (saw 'hi')",
        "{t}"
    );
}

#[test]
fn ws_first_message_without_sending_and_prometheus() {
    let (_p, port) = peer("greet", None);
    let url = format!("ws://127.0.0.1:{port}/");
    let line = format!("{url} expect='ws.message ~ hello'");
    let (code, v) = probe_json(&[&line]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["targets"][0]["websocket"]["message"],
        "hello from websockets"
    );
    let out = lbctl()
        .args(["probe", &line, "--output", "prometheus"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for want in [
        format!("probe_success{{target=\"{url}\"}} 1"),
        format!("probe_http_status_code{{target=\"{url}\"}} 101"),
        format!("probe_websocket_message_bytes{{target=\"{url}\"}} 21"),
        format!("probe_websocket_close_code{{target=\"{url}\"}} 1000"),
        format!("probe_websocket_close_clean{{target=\"{url}\"}} 1"),
        format!("probe_websocket_duration_seconds{{target=\"{url}\",phase=\"message\"}} "),
    ] {
        assert!(text.contains(&want), "{want} missing:\n{text}");
    }
}

#[test]
fn ws_refused_upgrade_and_peer_close() {
    let (_r, refuse) = peer("refuse", None);
    let (_c, close) = peer("close", None);
    let refused = format!("ws://127.0.0.1:{refuse}/");
    let closing = format!("ws://127.0.0.1:{close}/");
    let (code, v) = probe_json(&[&refused, &closing, "--ws-send", "x"]);
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["status"], 403, "{t}");
    assert_eq!(t["fail_kind"], "protocol");
    assert_eq!(
        t["reason"],
        "the server refused the WebSocket upgrade: status 403 (want 101 Switching Protocols): 'no websockets here'"
    );
    let t = &v["targets"][1];
    assert_eq!(t["status"], 101, "{t}");
    assert!(
        t["reason"]
            .as_str()
            .unwrap()
            .contains("closed the WebSocket (code 1008 'go away') before sending a message"),
        "{t}"
    );
    assert_eq!(t["websocket"]["close_code"], 1008);
    // Without a message to wait for, the upgrade passes; a close-code condition judges the close.
    let (code, v) = probe_json(&[&closing, "--expect", "ws.close_code == 1000"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["targets"][0]["reason"],
        "'ws.close_code == 1000' does not hold (saw close code 1008)"
    );
}

#[test]
fn ws_subprotocol_asked_with_a_header() {
    let (_p, port) = peer("chat", None);
    let url = format!("ws://127.0.0.1:{port}/");
    let (code, v) = probe_json(&[
        &url,
        "-H",
        "Sec-WebSocket-Protocol: chat",
        "--expect",
        "ws.subprotocol == chat",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["websocket"]["subprotocol"], "chat");
    // websockets refuses a client that asks for no subprotocol, and its body says why.
    let (code, v) = probe_json(&[&url]);
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["status"], 400, "{t}");
    assert!(
        t["reason"]
            .as_str()
            .unwrap()
            .contains("missing subprotocol"),
        "{t}"
    );
}

#[test]
fn ws_timeouts_name_the_phase() {
    // A TCP listener that accepts and never answers the upgrade request.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", silent.local_addr().unwrap());
    let (_m, mute) = peer("mute", None);
    let muted = format!("ws://127.0.0.1:{mute}/");
    let start = Instant::now();
    let (code, v) = probe_json(&[&url, &muted, "--ws-send", "x", "--timeout", "1s"]);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "timeout", "{t}");
    assert_eq!(
        t["reason"],
        "timeout after 1s (waiting for the answer to the WebSocket upgrade)"
    );
    let t = &v["targets"][1];
    assert_eq!(t["fail_kind"], "timeout", "{t}");
    assert_eq!(
        t["reason"],
        "timeout after 1s (waiting for the first message)"
    );
    assert_eq!(t["status"], 101);
    drop(silent);
}

#[test]
fn wss_with_a_test_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = write_pki(dir.path());
    let (_p, port) = peer("echo", Some((&cert, &key)));
    let url = format!("wss://localhost:{port}/");
    let (code, v) = probe_json(&[
        &url,
        "--cacert",
        &ca,
        "--ws-send",
        "over tls",
        "--expect",
        "ws.message == over tls",
        "--expect",
        "tls.version >= 1.2",
    ]);
    assert_eq!(code, 0, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["websocket"]["message"], "over tls");
    assert!(t["timings_ms"]["tls"].as_f64().is_some(), "{t}");
    assert_eq!(t["tls"]["alpn"], Value::Null, "{t}");
    assert!(
        t["cert_days_left"].as_f64().is_some_and(|d| d > 20.0),
        "{t}"
    );
    // Without the CA the certificate is not trusted, and the reason says which flag helps.
    let (code, v) = probe_json(&[&url, "--ws-send", "x"]);
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "tls", "{t}");
    assert!(t["reason"].as_str().unwrap().contains("--cacert"), "{t}");
}

/// An rcgen CA and a leaf for localhost/127.0.0.1 (30 days), written as PEM files: the CA,
/// the server's chain and its key. Returns their paths.
fn write_pki(dir: &std::path::Path) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "lbctl ws test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    leaf.not_before = rcgen::date_time_ymd(1970, 1, 1) + (now - Duration::from_secs(86_400));
    leaf.not_after = rcgen::date_time_ymd(1970, 1, 1) + (now + Duration::from_secs(30 * 86_400));
    let key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    (
        write("ca.pem", &ca.pem()),
        write("chain.pem", &format!("{}{}", cert.pem(), ca.pem())),
        write("key.pem", &key.serialize_pem()),
    )
}

/// A hand-made WebSocket server for what no well-behaved library sends: it answers the
/// upgrade (with the right Sec-WebSocket-Accept, or a wrong one), then writes `frames` as
/// raw bytes and holds the connection for a while.
fn raw_server(right_accept: bool, frames: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 16 << 10 {
            match s.read(&mut b) {
                Ok(0) | Err(_) => return,
                Ok(n) => req.extend_from_slice(&b[..n]),
            }
        }
        let text = String::from_utf8_lossy(&req).to_string();
        let key = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| v.trim().to_string())
            })
            .unwrap_or_default();
        // RFC 6455 4.2.2: base64(SHA-1(key + the protocol's GUID)).
        let mut input = key.clone();
        input.push_str(if right_accept {
            "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
        } else {
            "not the GUID"
        });
        let digest =
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
        use base64::Engine;
        let accept = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        );
        let _ = s.write_all(resp.as_bytes());
        let _ = s.write_all(&frames);
        let _ = s.flush();
        // Read (and drop) what the client sends until it closes or 3 s pass.
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        while matches!(s.read(&mut b), Ok(n) if n > 0) {}
    });
    (url, h)
}

#[test]
fn ws_hostile_servers_fail_cleanly() {
    // A wrong Sec-WebSocket-Accept: the upgrade is not accepted.
    let (url, h) = raw_server(false, Vec::new());
    let (code, v) = probe_json(&[&url, "--ws-send", "x", "--timeout", "3s"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["targets"][0]["reason"],
        "websocket upgrade failed: Sec-WebSocket-Accept does not match the key sent (RFC 6455 4.1)"
    );
    h.join().unwrap();
    // A frame with a reserved bit set (no extension was negotiated: RFC 6455 5.2).
    let (url, h) = raw_server(true, vec![0x81 | 0x40, 2, b'h', b'i']);
    let (code, v) = probe_json(&[&url, "--ws-send", "x", "--timeout", "3s"]);
    assert_eq!(code, 1, "{v}");
    let reason = v["targets"][0]["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("Reserved bits are non-zero"), "{reason}");
    h.join().unwrap();
    // A frame header announcing 1 GiB: refused from the header, nothing that size is read.
    let mut big = vec![0x82, 127];
    big.extend_from_slice(&(1u64 << 30).to_be_bytes());
    let (url, h) = raw_server(true, big);
    let (code, v) = probe_json(&[&url, "--ws-send", "x", "--timeout", "3s"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["targets"][0]["reason"],
        "while waiting for the first message: a frame or message is larger than 1024 KiB"
    );
    h.join().unwrap();
    // A text message in two fragments with a ping between them (RFC 6455 5.4, 5.5): the
    // message is whole, the ping is not it.
    let frames = vec![
        0x01, 3, b'h', b'e', b'l', // text, not final
        0x89, 1, b'p', // ping
        0x80, 2, b'l', b'o', // continuation, final
    ];
    let (url, h) = raw_server(true, frames);
    let (code, v) = probe_json(&[&url, "--expect", "ws.message == hello", "--timeout", "3s"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["websocket"]["message_bytes"], 5);
    h.join().unwrap();
}
