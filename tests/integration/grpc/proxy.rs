//! `serve --grpc` backends behind `lbctl proxy` (`,h2c`), called over ONE client connection
//! (one gRPC channel): calls spread per call, trailers and server streaming pass, a deadline
//! ends a slow call, and a backend killed mid-run takes no calls after it is gone.

use super::{connect, rt};
use crate::proxy::{args_with, proxy};
use crate::support;
use http_body_util::BodyExt;
use lbctl::grpc::client;
use lbctl::grpc::{Code, echo, frame};
use prost::Message;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn say_msg() -> Vec<u8> {
    echo::EchoRequest {
        message: "hi".into(),
    }
    .encode_to_vec()
}

#[test]
fn serve_grpc_calls_spread_per_call_over_one_connection_through_the_proxy() {
    let b = support::serve(3, &["--grpc"]);
    let specs: Vec<String> = (0..3)
        .map(|i| format!("{}={},h2c", b.name(i), b.addr(i)))
        .collect();
    let p = proxy(&args_with(&specs, &["--algorithm", "round-robin"]));
    let addr = p.addr.clone();
    let (seen, streamed, code) = rt().block_on(async {
        let mut s = connect(&addr).await;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for _ in 0..30 {
            let r = client::unary(&mut s, &addr, echo::SAY_PATH, &say_msg(), None)
                .await
                .unwrap();
            assert_eq!(r.code, Code::Ok, "{r:?}");
            // The status came in trailers, relayed by the proxy.
            assert_eq!(r.trailers["grpc-status"], "0", "{r:?}");
            let reply = echo::EchoReply::decode(r.body.unwrap()).unwrap();
            assert_eq!(reply.message, "hi");
            *seen.entry(reply.backend).or_default() += 1;
        }
        // Server streaming on the same connection: 3 messages, then OK in the trailers.
        let req = echo::StreamRequest {
            message: "tick".into(),
            count: 3,
            interval_ms: 20,
        };
        let resp = client::send(
            &mut s,
            "http",
            &addr,
            echo::STREAM_PATH,
            &req.encode_to_vec(),
            None,
        )
        .await
        .unwrap();
        let mut body = resp.into_body();
        let mut d = frame::Decoder::new(frame::DEFAULT_MAX);
        let (mut n, mut code) = (0, None);
        while let Some(f) = body.frame().await {
            let f = f.unwrap();
            if let Some(data) = f.data_ref() {
                d.push(data);
                while let Some(m) = d.next_message().unwrap() {
                    assert_eq!(echo::EchoReply::decode(m).unwrap().message, "tick");
                    n += 1;
                }
            } else if let Some(t) = f.trailers_ref() {
                code = lbctl::grpc::status::status_of(t);
            }
        }
        (seen, n, code)
    });
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.values().all(|&n| n == 10), "{seen:?}");
    assert_eq!((streamed, code), (3, Some(0)));
}

#[test]
fn a_deadline_ends_a_slow_call_through_the_proxy() {
    let b = support::serve(1, &["--grpc", "--latency", "3s"]);
    let spec = format!("{},h2c", b.addr(0));
    let p = proxy(&["--backend", &spec]);
    let addr = p.addr.clone();
    let start = Instant::now();
    let r = rt().block_on(async {
        let mut s = connect(&addr).await;
        client::unary(
            &mut s,
            &addr,
            echo::SAY_PATH,
            &say_msg(),
            Some(Duration::from_millis(200)),
        )
        .await
        .unwrap()
    });
    assert_eq!(r.code, Code::DeadlineExceeded, "{r:?}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_backend_killed_mid_run_takes_no_more_calls() {
    // Three processes, so that one can be killed alone.
    let mut procs: Vec<_> = ["x", "y", "z"]
        .iter()
        .map(|n| support::serve(1, &["--grpc", "--name-prefix", n]))
        .collect();
    let specs: Vec<String> = procs
        .iter()
        .enumerate()
        .map(|(i, b)| format!("k{i}={},h2c", b.addr(0)))
        .collect();
    let p = proxy(&args_with(&specs, &["--algorithm", "round-robin"]));
    let addr = p.addr.clone();
    let victim = procs.remove(2);
    let (before, after, errors) = rt().block_on(async move {
        let mut victim = Some(victim);
        let mut s = connect(&addr).await;
        let (mut before, mut after) = (HashMap::new(), HashMap::new());
        let mut errors = Vec::new();
        for i in 0..60 {
            if i == 30 {
                drop(victim.take());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            match client::unary(&mut s, &addr, echo::SAY_PATH, &say_msg(), None).await {
                Ok(r) if r.code == Code::Ok => {
                    let who = echo::EchoReply::decode(r.body.unwrap()).unwrap().backend;
                    let m: &mut HashMap<String, usize> =
                        if i < 30 { &mut before } else { &mut after };
                    *m.entry(who).or_default() += 1;
                }
                other => errors.push(format!("{other:?}")),
            }
        }
        (before, after, errors)
    });
    assert_eq!(before.len(), 3, "{before:?}");
    // Every call after the kill succeeded: a connect failure is retried on another backend
    // (the call was never sent), and the dead one is marked failed.
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(after.values().sum::<usize>(), 30, "{after:?}");
    assert_eq!(after.len(), 2, "{after:?}");
}
