//! The check core against real sockets on loopback: an in-process `serve` backend, a
//! listener that never answers, and a closed port.

use super::*;
use crate::serve::faults::Faults;
use tokio::net::TcpListener;

async fn backend() -> (SocketAddr, Arc<crate::serve::http::Backend>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let b = crate::serve::http::Backend::new("t1", Faults::default()).unwrap();
    let served = b.clone();
    tokio::spawn(async move {
        crate::serve::http::serve(
            listener,
            served,
            std::future::pending::<()>(),
            Duration::ZERO,
        )
        .await
    });
    (addr, b)
}

fn spec_with(f: impl FnOnce(&mut CheckSpec)) -> CheckSpec {
    let mut s = CheckSpec::default();
    f(&mut s);
    s
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn http_pass_and_conditions() {
    let (addr, _b) = backend().await;
    let out = run(&CheckSpec::default(), &Target::http(addr, "/health"), T).await;
    assert!(out.pass, "{out:?}");
    assert_eq!(
        (out.status, out.http_version),
        (Some(200), Some("HTTP/1.1"))
    );
    let t = out.timings;
    assert!(t.dns.is_some() && t.connect.is_some() && t.ttfb.is_some() && t.tls.is_none());
    assert!(t.total >= t.ttfb.unwrap());

    let echo = Target::http(addr, "/echo");
    let spec = spec_with(|s| {
        s.conditions
            .json
            .push(JsonCond::parse(".method == GET").unwrap());
        s.conditions
            .headers
            .push(HeaderCond::parse("content-type: json").unwrap());
        s.headers.push((
            ::http::HeaderName::from_static("x-probe"),
            ::http::HeaderValue::from_static("1"),
        ));
        s.conditions
            .json
            .push(JsonCond::parse(".path == /echo").unwrap());
        // The extra request header reached the server (echoed back in the body).
        s.conditions.body_contains.push("x-probe".into());
    });
    let out = run(&spec, &echo, T).await;
    assert!(out.pass, "{out:?}");
    let spec = spec_with(|s| {
        s.conditions
            .json
            .push(JsonCond::parse(".method == POST").unwrap())
    });
    let out = run(&spec, &echo, T).await;
    assert_eq!(out.reason, "json .method was GET (want == POST)");
    assert_eq!(out.fail, Some(FailKind::Condition));
    let spec = spec_with(|s| s.conditions.body_contains.push("nope".into()));
    let out = run(&spec, &echo, T).await;
    assert!(
        out.reason.starts_with("body does not contain 'nope'"),
        "{}",
        out.reason
    );
}

#[tokio::test]
async fn http2_prior_knowledge_and_head() {
    let (addr, _b) = backend().await;
    let spec = spec_with(|s| s.version = HttpVersion::Http2);
    let out = run(&spec, &Target::http(addr, "/"), T).await;
    assert!(out.pass, "{out:?}");
    assert_eq!(out.http_version, Some("HTTP/2"));
    let spec = spec_with(|s| s.method = ::http::Method::HEAD);
    let out = run(&spec, &Target::http(addr, "/"), T).await;
    assert!(out.pass && out.body_bytes == 0, "{out:?}");
}

#[tokio::test]
async fn down_backend_reason() {
    let (addr, _b) = backend().await;
    let client = Target::http(addr, "/admin/down");
    let post = spec_with(|s| s.method = ::http::Method::POST);
    assert!(run(&post, &client, T).await.pass);
    let out = run(&CheckSpec::default(), &Target::http(addr, "/health"), T).await;
    assert_eq!(out.reason, "status 503 not in 200-399");
    assert_eq!(out.status, Some(503));
}

#[tokio::test]
async fn tcp_open_closed_and_send_expect() {
    let (addr, _b) = backend().await;
    assert!(run(&CheckSpec::default(), &Target::tcp(addr), T).await.pass);
    let spec = spec_with(|s| {
        s.send = Some(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n".to_vec());
        s.expect = Some(b"200 OK".to_vec());
    });
    let out = run(&spec, &Target::tcp(addr), T).await;
    assert!(out.pass && out.timings.ttfb.is_some(), "{out:?}");
    let spec = spec_with(|s| {
        s.send = Some(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec());
        s.expect = Some(b"PONG".to_vec());
    });
    let out = run(&spec, &Target::tcp(addr), T).await;
    assert!(out.reason.contains("does not contain 'PONG'"), "{out:?}");

    // A port that was just free: nothing listens there.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = l.local_addr().unwrap();
    drop(l);
    let out = run(&CheckSpec::default(), &Target::tcp(closed), T).await;
    assert_eq!(out.fail, Some(FailKind::Connect));
    assert_eq!(out.reason, format!("connect {closed}: connection refused"));
}

#[tokio::test]
async fn hanging_server_is_a_timeout() {
    // Accepts connections (the kernel backlog does) but never reads or answers.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let started = Instant::now();
    let out = run(
        &CheckSpec::default(),
        &Target::http(addr, "/"),
        Duration::from_millis(300),
    )
    .await;
    // Bounded (generously: the point is that it does not hang).
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.fail, Some(FailKind::Timeout));
    assert_eq!(
        out.reason,
        "timeout after 300ms (waiting for the first byte)"
    );
    // A timer never fires early (exact); the phase the timeout cut short (the first byte)
    // holds the time spent in it, and the phases add up to no more than the total.
    let t = out.timings;
    let ttfb = t.ttfb.unwrap();
    assert!(t.total >= Duration::from_millis(300), "{t:?}");
    let phases = t.dns.unwrap_or_default() + t.connect.unwrap() + ttfb;
    assert!(ttfb > Duration::ZERO && phases <= t.total, "{t:?}");
    drop(l);
}

#[tokio::test]
async fn latency_and_cert_conditions() {
    let (addr, _b) = backend().await;
    let spec = spec_with(|s| s.conditions.max_latency = Some(Duration::ZERO));
    let out = run(&spec, &Target::http(addr, "/"), T).await;
    assert!(out.reason.starts_with("latency "), "{}", out.reason);
    let spec = spec_with(|s| s.conditions.cert_min_days = Some(1.0));
    let out = run(&spec, &Target::http(addr, "/"), T).await;
    assert_eq!(
        out.reason,
        "cert-min-days needs an https://, grpcs:// or wss:// target"
    );
    // TLS to a plain-HTTP port fails in the handshake, with a reason.
    let https = Target::parse(&format!("https://{addr}/")).unwrap();
    let out = run(&CheckSpec::default(), &https, T).await;
    assert_eq!(out.fail, Some(FailKind::Tls), "{out:?}");
}
