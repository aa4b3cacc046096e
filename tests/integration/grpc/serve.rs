//! `serve --grpc` through lbctl's own client helper: health, echo, faults, deadlines, Watch
//! and server streaming.

use super::{admin, call, connect, health_of, rt, say};
use crate::support;
use bytes::Bytes;
use http_body_util::BodyExt;
use lbctl::grpc::client::{self, Reply};
use lbctl::grpc::{Code, echo, frame, health};
use prost::Message;
use std::time::{Duration, Instant};

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

/// A server-streaming call: the messages (raw) and the final grpc-status, read to the end.
async fn stream_call(
    addr: &str,
    path: &str,
    msg: &[u8],
    timeout: Option<Duration>,
    mut on_message: impl FnMut(usize, Bytes),
) -> (usize, Option<u32>) {
    let mut s = connect(addr).await;
    let resp = client::send(&mut s, "http", addr, path, msg, timeout)
        .await
        .unwrap();
    let mut head_status = lbctl::grpc::status::status_of(resp.headers());
    let mut body = resp.into_body();
    let mut d = frame::Decoder::new(frame::DEFAULT_MAX);
    let mut n = 0;
    while let Some(f) = body.frame().await {
        let f = f.unwrap();
        if let Some(data) = f.data_ref() {
            d.push(data);
            while let Some(m) = d.next_message().unwrap() {
                on_message(n, m);
                n += 1;
            }
        } else if let Some(t) = f.trailers_ref() {
            head_status = lbctl::grpc::status::status_of(t);
        }
    }
    (n, head_status)
}

#[test]
fn serve_grpc_watch_sends_each_change() {
    let b = support::serve(1, &["--grpc"]);
    let a = b.addr(0);
    let req = health::HealthCheckRequest::default().encode_to_vec();
    let flipper = a.clone();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let got = seen.clone();
    // The watch ends at its deadline (DEADLINE_EXCEEDED) after the changes made meanwhile.
    let (n, code) = rt().block_on(stream_call(
        &a,
        health::WATCH_PATH,
        &req,
        Some(Duration::from_millis(1500)),
        move |i, m| {
            let s = health::HealthCheckResponse::decode(m)
                .unwrap()
                .serving_status();
            got.lock().unwrap().push(s);
            // Flip the status from another thread after each message (blocking client).
            let f = flipper.clone();
            if i < 2 {
                std::thread::spawn(move || admin(&f, if i == 0 { "down" } else { "up" }));
            }
        },
    ));
    use health::ServingStatus::*;
    assert_eq!(*seen.lock().unwrap(), vec![Serving, NotServing, Serving]);
    assert_eq!((n, code), (3, Some(Code::DeadlineExceeded.number())));
    // An unknown service is watched as SERVICE_UNKNOWN.
    let req = health::HealthCheckRequest {
        service: "no.such.Service".into(),
    }
    .encode_to_vec();
    let mut first = None;
    rt().block_on(stream_call(
        &a,
        health::WATCH_PATH,
        &req,
        Some(Duration::from_millis(200)),
        |_, m| {
            first.get_or_insert(
                health::HealthCheckResponse::decode(m)
                    .unwrap()
                    .serving_status(),
            );
        },
    ));
    assert_eq!(first, Some(ServiceUnknown));
}

#[test]
fn serve_grpc_stream_stops_at_the_deadline() {
    let b = support::serve(1, &["--grpc"]);
    let req = echo::StreamRequest {
        message: "tick".into(),
        count: 10,
        interval_ms: 100,
    };
    let (n, code) = rt().block_on(stream_call(
        &b.addr(0),
        echo::STREAM_PATH,
        &req.encode_to_vec(),
        Some(Duration::from_millis(250)),
        |_, _| {},
    ));
    assert!((1..10).contains(&n), "{n} replies");
    assert_eq!(code, Some(Code::DeadlineExceeded.number()));
    // Out-of-range requests are INVALID_ARGUMENT, not a long loop.
    let too_many = echo::StreamRequest {
        count: 1_000_000,
        ..req
    };
    let (n, code) = rt().block_on(stream_call(
        &b.addr(0),
        echo::STREAM_PATH,
        &too_many.encode_to_vec(),
        None,
        |_, _| {},
    ));
    assert_eq!((n, code), (0, Some(Code::InvalidArgument.number())));
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
