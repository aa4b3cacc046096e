//! `lbctl serve`: real backends on port 0, hit over real sockets with reqwest.

use crate::support::{Proc, http, lbctl, serve};
use predicates::prelude::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[test]
fn backends_name_themselves() {
    let b = serve(3, &[]);
    let client = http();
    for i in 0..3 {
        let resp = client.get(format!("{}/anything", b.url(i))).send().unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-backend"], b.name(i));
        let body = resp.text().unwrap();
        assert!(body.contains(b.name(i)), "{body}");
    }
    assert_eq!(
        b.list.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["b1", "b2", "b3"]
    );
}

#[test]
fn echo_returns_the_request_as_json() {
    let b = serve(1, &[]);
    let v: serde_json::Value = http()
        .post(format!("{}/echo?x=1", b.url(0)))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["backend"], "b1");
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/echo");
    assert_eq!(v["uri"], "/echo?x=1");
    assert!(v["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    let headers = v["headers"].as_array().unwrap();
    assert!(
        headers
            .iter()
            .any(|h| h[0] == "x-forwarded-for" && h[1] == "203.0.113.9")
    );
}

#[test]
fn health_follows_admin_down_and_up() {
    let b = serve(2, &[]);
    let c = http();
    let health = |i: usize| {
        c.get(format!("{}/health", b.url(i)))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(health(0), 200);
    assert_eq!(
        c.get(format!("{}/admin/down", b.url(0)))
            .send()
            .unwrap()
            .status(),
        405
    );
    assert_eq!(
        c.post(format!("{}/admin/down", b.url(0)))
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(health(0), 503);
    assert_eq!(health(1), 200, "only the backend told to go down is down");
    c.post(format!("{}/admin/up", b.url(0))).send().unwrap();
    assert_eq!(health(0), 200);
}

/// Times of `rounds` GETs to each of `urls`, interleaved (so that whatever else the machine
/// is doing weighs on every backend alike), sorted per backend.
fn timed_rounds(urls: &[&str], rounds: usize) -> Vec<Vec<Duration>> {
    let c = http();
    for u in urls {
        c.get(*u).send().unwrap(); // connect outside the measurement
    }
    let mut times = vec![Vec::with_capacity(rounds); urls.len()];
    for _ in 0..rounds {
        for (i, u) in urls.iter().enumerate() {
            let t = Instant::now();
            c.get(*u).send().unwrap().bytes().unwrap();
            times[i].push(t.elapsed());
        }
    }
    for t in &mut times {
        t.sort();
    }
    times
}

/// What holds on a busy 2-core machine: no answer comes before its injected delay, and the
/// delayed backend's median exceeds a plain backend's, measured in the same rounds, by about
/// the delay (at least 20 ms; at most 20 ms plus generous slack for scheduling noise).
#[test]
fn latency_injection_sets_the_median() {
    let b = serve(2, &["--backend-opts", "b1:latency=20ms"]);
    let t = timed_rounds(&[b.url(0), b.url(1)], 40);
    let (slow, plain) = (&t[0], &t[1]);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    assert!(slow[0] >= Duration::from_millis(20), "fastest {slow:?}");
    let (p50, reference) = (ms(slow[slow.len() / 2]), ms(plain[plain.len() / 2]));
    assert!(
        p50 >= 20.0 && p50 - reference <= 20.0 + 40.0,
        "p50 {p50:.2} ms, plain backend {reference:.2} ms"
    );
}

#[test]
fn latency_range_and_per_backend_override() {
    let b = serve(
        2,
        &["--latency", "1ms..3ms", "--backend-opts", "b2:latency=60ms"],
    );
    let t = timed_rounds(&[b.url(0), b.url(1)], 9);
    let (ranged, overridden) = (&t[0], &t[1]);
    // Lower bounds are exact (an injected delay is never shortened); the override is the
    // slower backend by most of the 57 ms between them (medians of interleaved rounds).
    assert!(ranged[0] >= Duration::from_millis(1), "{ranged:?}");
    assert!(overridden[0] >= Duration::from_millis(60), "{overridden:?}");
    assert!(
        ranged[4] + Duration::from_millis(30) < overridden[4],
        "{ranged:?} vs {overridden:?}"
    );
}

#[test]
fn fail_rate_is_binomial() {
    let b = serve(1, &["--fail-rate", "0.2"]);
    let c = http();
    let n = 500;
    let failed = (0..n)
        .filter(|_| c.get(b.url(0)).send().unwrap().status() == 503)
        .count() as f64;
    // mean n*p = 100, sd = sqrt(n p (1-p)) ~ 8.9: five standard deviations either side.
    let sd = (n as f64 * 0.2 * 0.8).sqrt();
    assert!(
        (failed - 100.0).abs() <= 5.0 * sd,
        "{failed} failures of {n}"
    );
    // /health never gets an injected failure.
    for _ in 0..50 {
        assert_eq!(
            c.get(format!("{}/health", b.url(0)))
                .send()
                .unwrap()
                .status(),
            200
        );
    }
}

#[test]
fn reset_rate_resets_connections() {
    let b = serve(1, &["--reset-rate", "1"]);
    let mut s = std::net::TcpStream::connect(b.addr(0)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let err = s.read_to_end(&mut buf).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    assert!(buf.is_empty(), "a reset connection sent {buf:?}");
}

#[test]
fn stall_holds_requests_until_it_ends() {
    let b = serve(1, &[]);
    let c = http();
    // Timed from before the stall began: the answer cannot come before it ends (exact).
    let t = Instant::now();
    let r = c
        .post(format!("{}/admin/stall?for=700ms", b.url(0)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(c.get(b.url(0)).send().unwrap().status(), 200);
    let held = t.elapsed();
    assert!(held >= Duration::from_millis(699), "held only {held:?}");
    // A stall that did not end would hold this one until the client's 10 s timeout.
    let t = Instant::now();
    c.get(b.url(0)).send().unwrap();
    assert!(t.elapsed() < Duration::from_secs(5), "stall did not end");
    let bad = c
        .post(format!("{}/admin/stall?for=soon", b.url(0)))
        .send()
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[test]
fn body_size_is_exact() {
    let b = serve(1, &["--body-size", "10KiB"]);
    let body = http().get(b.url(0)).send().unwrap().bytes().unwrap();
    assert_eq!(body.len(), 10 * 1024);
    assert!(body.starts_with(b"hello from b1"));
}

#[test]
fn speaks_h2c_with_prior_knowledge() {
    let b = serve(1, &[]);
    crate::support::init_tls();
    let c = reqwest::blocking::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let r = c.get(b.url(0)).send().unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.headers()["x-backend"], "b1");
    // HEAD over h2: headers and length, no body (a body would be an h2 protocol error).
    let r = c.head(b.url(0)).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "14");
    assert!(r.bytes().unwrap().is_empty());
}

#[test]
fn tcp_mode_echoes_and_honours_half_close() {
    let mut p = Proc::spawn(&["serve", "--tcp", "--count", "1", "--port", "0"]);
    let line = p.line(Duration::from_secs(20));
    let addr = line.split("tcp://").nth(1).unwrap().to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let writer = {
        let mut w = s.try_clone().unwrap();
        let payload = payload.clone();
        std::thread::spawn(move || {
            w.write_all(&payload).unwrap();
            w.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    writer.join().unwrap();
    assert_eq!(back, payload);
}

#[test]
fn json_output_and_explicit_listen() {
    let mut p = Proc::spawn(&["serve", "--listen", "127.0.0.1:0", "--output", "json"]);
    let v: serde_json::Value = serde_json::from_str(&p.line(Duration::from_secs(20))).unwrap();
    assert_eq!(v["name"], "b1");
    assert!(v["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    let resp = http().get(v["url"].as_str().unwrap()).send().unwrap();
    assert_eq!(resp.status(), 200);
}

#[test]
fn sigterm_stops_cleanly() {
    let mut b = serve(1, &[]);
    b.proc.signal("TERM");
    assert_eq!(b.proc.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn bind_failure_is_a_runtime_error() {
    let b = serve(1, &[]);
    lbctl()
        .args(["serve", "--listen", &b.addr(0)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("could not bind"));
}

#[test]
fn malformed_options_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["--latency", "fast"], "fast"),
        (&["--latency", "50ms..5ms"], "MIN is larger"),
        (&["--fail-rate", "1.5"], "1.5"),
        (&["--reset-rate", "x"], "not a number"),
        (&["--body-size", "1XB"], "unknown unit"),
        (&["--backend-opts", "b9:latency=1s"], "b9"),
        (&["--backend-opts", "b1:colour=red"], "unknown key"),
        (&["--count", "0"], "--count"),
        (&["--threads", "0"], "--threads"),
        (&["--port", "65535", "--count", "2"], "65535"),
    ];
    for (args, want) in cases {
        lbctl()
            .arg("serve")
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*want));
    }
}
