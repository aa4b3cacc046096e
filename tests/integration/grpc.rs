//! gRPC end to end on loopback: `serve --grpc` called with lbctl's own client helper (faults,
//! deadlines, streaming, admin down/up), `probe grpc://` against it (SERVING, NOT_SERVING, an
//! unknown service, a server that is not gRPC, --watch), third-party peers on Python grpcio
//! (tests/peers/grpc_peer.py: a grpcio client against `serve --grpc`, `probe` against grpcio's
//! own health servicer), and `proxy --check grpc` taking a NOT_SERVING backend out.
//!
//! The grpcio tests fail (they do not skip) when grpcio is missing: .ci/run installs it.

use crate::proxy::{args_with, backend_args, proxy, wait_state};
use crate::support::{self, Proc, lbctl};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use lbctl::grpc::client::{self, Reply};
use lbctl::grpc::{Code, echo, frame, health};
use prost::Message;
use std::io::BufRead;
use std::time::{Duration, Instant};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// An h2c connection to `addr` (driven on the current runtime).
async fn connect(addr: &str) -> hyper::client::conn::http2::SendRequest<Full<Bytes>> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    sender
}

/// One unary call on a fresh connection.
fn call(addr: &str, path: &str, msg: &[u8], timeout: Option<Duration>) -> Reply {
    rt().block_on(async {
        let mut s = connect(addr).await;
        client::unary(&mut s, addr, path, msg, timeout)
            .await
            .unwrap()
    })
}

fn say(addr: &str, timeout: Option<Duration>) -> Reply {
    let req = echo::EchoRequest {
        message: "hi".into(),
    };
    call(addr, echo::SAY_PATH, &req.encode_to_vec(), timeout)
}

fn health_of(addr: &str, service: &str) -> Reply {
    let req = health::HealthCheckRequest {
        service: service.into(),
    };
    call(addr, health::CHECK_PATH, &req.encode_to_vec(), None)
}

/// POST an admin action to a `serve --grpc` backend (HTTP/2 prior knowledge).
fn admin(addr: &str, action: &str) {
    support::init_tls();
    let c = reqwest::blocking::Client::builder()
        .http2_prior_knowledge()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let r = c
        .post(format!("http://{addr}/admin/{action}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn serve_grpc_answers_health_echo_and_faults() {
    let b = support::serve(1, &["--grpc"]);
    assert!(b.url(0).starts_with("grpc://"), "{}", b.url(0));
    let a = b.addr(0);
    let r = say(&a, None);
    assert_eq!(r.code, Code::Ok, "{r:?}");
    assert_eq!(r.trailers["grpc-status"], "0");
    let reply = echo::EchoReply::decode(r.body.unwrap()).unwrap();
    assert_eq!(
        (reply.message.as_str(), reply.backend.as_str()),
        ("hi", "b1")
    );
    let status = |r: Reply| {
        health::HealthCheckResponse::decode(r.body.unwrap())
            .unwrap()
            .serving_status()
    };
    assert_eq!(status(health_of(&a, "")), health::ServingStatus::Serving);
    assert_eq!(
        status(health_of(&a, echo::SERVICE)),
        health::ServingStatus::Serving
    );
    let r = health_of(&a, "no.such.Service");
    assert_eq!(r.code, Code::NotFound, "{r:?}");
    admin(&a, "down");
    assert_eq!(status(health_of(&a, "")), health::ServingStatus::NotServing);
    admin(&a, "up");
    assert_eq!(status(health_of(&a, "")), health::ServingStatus::Serving);
    let r = call(&a, "/lbctl.test.v1.Echo/Nope", b"", None);
    assert_eq!(r.code, Code::Unimplemented, "{r:?}");
    assert!(r.message.contains("/lbctl.test.v1.Echo/Nope"), "{r:?}");
    // Trailers-only: the status is in the head, with no message.
    let r = call(&a, echo::SAY_PATH, b"\xff", None);
    assert_eq!((r.code, r.body.is_none()), (Code::Internal, true), "{r:?}");

    let failing = support::serve(1, &["--grpc", "--fail-rate", "1"]);
    let r = say(&failing.addr(0), None);
    assert_eq!(r.code, Code::Unavailable, "{r:?}");
    assert_eq!(r.message, "injected failure");
    // The health service is not subject to --fail-rate (as HTTP's /health).
    assert_eq!(health_of(&failing.addr(0), "").code, Code::Ok);

    let slow = support::serve(1, &["--grpc", "--latency", "2s"]);
    let start = Instant::now();
    let r = say(&slow.addr(0), Some(Duration::from_millis(100)));
    assert_eq!(r.code, Code::DeadlineExceeded, "{r:?}");
    assert!(start.elapsed() < Duration::from_millis(1500));

    let resets = support::serve(1, &["--grpc", "--reset-rate", "1"]);
    let err = rt().block_on(async {
        let a = resets.addr(0);
        let mut s = connect(&a).await;
        let m = echo::EchoRequest::default().encode_to_vec();
        client::unary(&mut s, &a, echo::SAY_PATH, &m, None).await
    });
    let err = err.expect_err("a reset stream");
    // hyper answers the handler's error with RST_STREAM; the client sees a stream error.
    assert!(err.to_string().contains("stream error"), "{err}");
}

#[test]
fn serve_grpc_streams_count_replies_apart() {
    let b = support::serve(1, &["--grpc"]);
    let a = b.addr(0);
    let req = echo::StreamRequest {
        message: "tick".into(),
        count: 3,
        interval_ms: 50,
    };
    let (n, code, took) = rt().block_on(async {
        let mut s = connect(&a).await;
        let start = Instant::now();
        let resp = client::send(
            &mut s,
            "http",
            &a,
            echo::STREAM_PATH,
            &req.encode_to_vec(),
            None,
        )
        .await
        .unwrap();
        let mut body = resp.into_body();
        let mut d = frame::Decoder::new(frame::DEFAULT_MAX);
        let mut n = 0;
        let mut code = None;
        while let Some(f) = body.frame().await {
            let f = f.unwrap();
            if let Some(data) = f.data_ref() {
                d.push(data);
                while let Some(m) = d.next_message().unwrap() {
                    assert_eq!(echo::EchoReply::decode(m).unwrap().backend, "b1");
                    n += 1;
                }
            } else if let Some(t) = f.trailers_ref() {
                code = lbctl::grpc::status::status_of(t);
            }
        }
        (n, code, start.elapsed())
    });
    assert_eq!((n, code), (3, Some(0)));
    assert!(took >= Duration::from_millis(100), "{took:?}");
}

fn probe_json(args: &[&str]) -> (i32, serde_json::Value) {
    let out = lbctl()
        .arg("probe")
        .args(args)
        .args(["--output", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), v)
}

/// A server that answers anything with an HTTP/1.1 400 (it speaks no HTTP/2), for at most
/// `n` connections.
fn http1_only(n: usize) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for s in l.incoming().take(n) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    addr
}

#[test]
fn probe_grpc_serving_not_serving_unknown_and_not_grpc() {
    let b = support::serve(2, &["--grpc", "--backend-opts", "b2:not-serving=true"]);
    let (up, down) = (b.url(0).to_string(), b.url(1).to_string());
    let (code, v) = probe_json(&[&up, &format!("{up}/lbctl.test.v1.Echo")]);
    assert_eq!(code, 0, "{v}");
    for t in v["targets"].as_array().unwrap() {
        assert_eq!(t["grpc_status"], "SERVING", "{t}");
        assert_eq!(
            (t["grpc_code"].as_u64(), t["http_version"].as_str()),
            (Some(0), Some("HTTP/2"))
        );
        assert!(t["timings_ms"]["ttfb"].as_f64().is_some(), "{t}");
    }
    let h1 = format!("grpc://{}", http1_only(1));
    let unknown = format!("{up}/no.such.Service");
    let (code, v) = probe_json(&[&down, &unknown, &h1]);
    assert_eq!(code, 1, "{v}");
    let t = &v["targets"];
    assert_eq!(t[0]["grpc_status"], "NOT_SERVING");
    assert_eq!(t[0]["reason"], "health status NOT_SERVING for the server");
    assert_eq!(t[0]["fail_kind"], "condition");
    assert_eq!(t[1]["grpc_code"], 5);
    let r = t[1]["reason"].as_str().unwrap();
    assert!(r.starts_with("grpc-status NOT_FOUND (5): "), "{r}");
    let r = t[2]["reason"].as_str().unwrap();
    assert!(r.starts_with("not a gRPC server: "), "{r}");
    assert!(
        !r.contains("Error {") && !r.contains("Kind("),
        "no Debug forms: {r}"
    );
    assert_eq!(t[2]["fail_kind"], "protocol");
    // The table shows the health status in STATUS; prometheus a state set.
    let out = lbctl().args(["probe", &down]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT_SERVING"));
    let out = lbctl()
        .args(["probe", &up, "-o", "prometheus"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "probe_grpc_serving_status{{target=\"{up}\",status=\"SERVING\"}} 1"
        )),
        "{text}"
    );
    // A malformed target is bad input (exit 2), said in words.
    let out = lbctl().args(["probe", "grpc://h"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the port is missing"));
}

#[test]
fn probe_watch_follows_a_grpc_backend_down_and_up() {
    let b = support::serve(1, &["--grpc"]);
    let a = b.addr(0);
    let mut p = Proc::spawn(&[
        "probe",
        b.url(0),
        "--watch",
        "--interval",
        "100ms",
        "--rise",
        "1",
        "--fall",
        "1",
        "--count",
        "300",
        "-o",
        "jsonl",
    ]);
    let mut next = |want: &dyn Fn(&serde_json::Value) -> bool| -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "no matching line");
            let v: serde_json::Value =
                serde_json::from_str(&p.line(Duration::from_secs(10))).unwrap();
            if want(&v) {
                return v;
            }
        }
    };
    let up = next(&|v| v["transition"] == "up");
    assert_eq!(up["grpc_status"], "SERVING");
    admin(&a, "down");
    let down = next(&|v| v["transition"] == "down");
    assert_eq!(down["grpc_status"], "NOT_SERVING", "{down}");
    admin(&a, "up");
    next(&|v| v["transition"] == "up");
}

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

#[test]
fn proxy_check_grpc_takes_a_not_serving_backend_out_and_back() {
    let b = support::serve(2, &["--grpc", "--backend-opts", "b2:not-serving=true"]);
    let specs = backend_args(&b, &[]);
    for check in ["grpc", "grpc:lbctl.test.v1.Echo"] {
        let p = proxy(&args_with(
            &specs,
            &[
                "--check",
                check,
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
        wait_state(&client, &admin_addr, "b2", "down", Duration::from_secs(5));
        wait_state(&client, &admin_addr, "b1", "up", Duration::from_secs(5));
        admin(&b.addr(1), "up");
        wait_state(&client, &admin_addr, "b2", "up", Duration::from_secs(5));
        admin(&b.addr(1), "down");
        wait_state(&client, &admin_addr, "b2", "down", Duration::from_secs(5));
    }
    // A bad check form is bad input, said in words.
    let out = lbctl()
        .args(["proxy", "--backend", "a=127.0.0.1:1", "--check", "grpc:a/b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gRPC service name"));
}
