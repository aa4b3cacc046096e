//! Third-party peers on Python grpcio (tests/peers/grpc_peer.py): a grpcio client against
//! `serve --grpc`, and `probe`/`proxy --check grpc` against grpcio's own health servicer, in
//! plain text and over TLS.

use super::probe_json;
use crate::proxy::{args_with, proxy, wait_state};
use crate::support;
use std::io::BufRead;
use std::time::Duration;

fn peer_script() -> String {
    format!("{}/tests/peers/grpc_peer.py", env!("CARGO_MANIFEST_DIR"))
}

/// Fail loudly, with the fix, when grpcio is missing (CI installs it; no silent skip).
fn require_grpcio() {
    let out = std::process::Command::new("python3")
        .args(["-c", "import grpc, grpc_health"])
        .output()
        .expect("python3 must be installed for the grpcio peer tests");
    assert!(
        out.status.success(),
        "grpcio is missing: python3 -m pip install grpcio grpcio-health-checking (see .ci/run)\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_grpcio_client_calls_serve_grpc() {
    require_grpcio();
    let b = support::serve(2, &["--grpc", "--backend-opts", "b2:not-serving=true"]);
    let run = |addr: &str| -> serde_json::Value {
        let out = std::process::Command::new("timeout")
            .args(["60", "python3", &peer_script(), "client", addr])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "grpc_peer.py client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = run(&b.addr(0));
    assert_eq!(v["all"], "SERVING", "{v}");
    assert_eq!(v["echo"], "SERVING", "{v}");
    assert_eq!(v["unknown"], "NOT_FOUND", "{v}");
    assert_eq!(v["say"]["backend"], "b1", "{v}");
    assert_eq!(v["say"]["message"], "hello from grpcio", "{v}");
    assert_eq!(v["nope"], "UNIMPLEMENTED", "{v}");
    let v = run(&b.addr(1));
    assert_eq!(v["all"], "NOT_SERVING", "{v}");
    assert_eq!(v["say"]["backend"], "b2", "{v}");
}

/// A grpcio server with grpcio's own health servicer; killed when dropped.
struct PeerServer {
    child: std::process::Child,
    port: String,
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn grpcio_server(status: &str) -> PeerServer {
    grpcio_server_with(status, &[])
}

/// `tls`: [cert.pem, key.pem] for a TLS server, or empty.
fn grpcio_server_with(status: &str, tls: &[&str]) -> PeerServer {
    let mut child = std::process::Command::new("python3")
        .args([&peer_script(), "server", status, "60"])
        .args(tls)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().to_string();
    assert!(
        port.parse::<u16>().is_ok(),
        "grpc_peer.py server said {line:?}"
    );
    PeerServer { child, port }
}

#[test]
fn probe_checks_a_grpcio_health_server() {
    require_grpcio();
    let serving = grpcio_server("SERVING");
    let not = grpcio_server("NOT_SERVING");
    let up = format!("grpc://127.0.0.1:{}", serving.port);
    let echo_svc = format!("{up}/lbctl.test.v1.Echo");
    let (code, v) = probe_json(&[&up, &echo_svc]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["grpc_status"], "SERVING");
    let down = format!("grpc://127.0.0.1:{}", not.port);
    let unknown = format!("{up}/no.such.Service");
    let (code, v) = probe_json(&[&down, &unknown]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["targets"][0]["grpc_status"], "NOT_SERVING", "{v}");
    // grpcio's servicer answers Check of an unknown service with NOT_FOUND.
    assert_eq!(v["targets"][1]["grpc_code"], 5, "{v}");
}

/// A certificate for 127.0.0.1 in PEM files (kept while the TempDir lives).
fn cert_files() -> (tempfile::TempDir, String, String) {
    let made = lbctl::tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, &made.cert_pem).unwrap();
    std::fs::write(&key, &made.key_pem).unwrap();
    (dir, cert.display().to_string(), key.display().to_string())
}

#[test]
fn grpcs_probe_and_proxy_check_of_grpcio_tls_servers() {
    require_grpcio();
    let (_dir, cert, key) = cert_files();
    let serving = grpcio_server_with("SERVING", &[&cert, &key]);
    let not = grpcio_server_with("NOT_SERVING", &[&cert, &key]);
    let up = format!("grpcs://127.0.0.1:{}", serving.port);
    let (code, v) = probe_json(&[&up, "--cacert", &cert]);
    assert_eq!(code, 0, "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["grpc_status"], "SERVING", "{t}");
    assert!(t["timings_ms"]["tls"].as_f64().is_some(), "{t}");
    assert!(t["cert_expiry"].is_string(), "{t}");
    // Without the CA the handshake fails as a TLS failure, in words.
    let (code, v) = probe_json(&[&up]);
    assert_eq!(
        (code, v["targets"][0]["fail_kind"].as_str()),
        (1, Some("tls")),
        "{v}"
    );
    // The plain-text scheme against a TLS port: not gRPC over h2c.
    let plain = format!("grpc://127.0.0.1:{}", serving.port);
    let (code, v) = probe_json(&[&plain]);
    assert_eq!(code, 1, "{v}");
    // The proxy checks TLS backends over grpcs with the upstream trust.
    let specs = [
        format!("up=https://127.0.0.1:{}", serving.port),
        format!("down=https://127.0.0.1:{}", not.port),
    ];
    let p = proxy(&args_with(
        &specs,
        &[
            "--upstream-cacert",
            &cert,
            "--check",
            "grpc",
            "--check-interval",
            "100ms",
            "--rise",
            "1",
            "--fall",
            "1",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let admin_addr = p.admin.clone().unwrap();
    let client = support::http();
    wait_state(&client, &admin_addr, "down", "down", Duration::from_secs(5));
    // "up" stays up over several intervals (a failing grpcs check would take it out).
    std::thread::sleep(Duration::from_millis(500));
    wait_state(&client, &admin_addr, "up", "up", Duration::from_secs(1));
}
