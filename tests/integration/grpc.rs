//! gRPC end to end on loopback: `serve --grpc` called with lbctl's own client helper (faults,
//! deadlines, streaming, admin down/up), `probe grpc://` against it (SERVING, NOT_SERVING, an
//! unknown service, a server that is not gRPC, --watch), third-party peers on Python grpcio
//! (tests/peers/grpc_peer.py: a grpcio client against `serve --grpc`, `probe` against grpcio's
//! own health servicer), and `proxy --check grpc` taking a NOT_SERVING backend out.
//!
//! The grpcio tests (peers.rs) fail, they do not skip, when grpcio is missing: .ci/run
//! installs it. serve.rs has the `serve --grpc` tests, this file the helpers, probe and proxy.

mod peers;
mod proxy;
mod serve;

use crate::probe::probe_json;
use crate::proxy::{args_with, backend_args, proxy, wait_state};
use crate::support::{self, Proc, lbctl};
use bytes::Bytes;
use http_body_util::Full;
use lbctl::grpc::client::{self, Reply};
use lbctl::grpc::{echo, health};
use prost::Message;
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
            "probe_grpc_healthcheck_response{{target=\"{up}\",serving_status=\"SERVING\"}} 1"
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
