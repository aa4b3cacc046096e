//! `lbctl load --h2-streams N` (h2load's -m) against `lbctl serve` over h2c: with a backend
//! that answers after 100 ms, one connection with 8 streams must finish several times the
//! requests of one stream (the streams really are concurrent), on one connection, and the
//! counts must add up in both models. Bounds are loose: a busy 2-core CI machine, debug build.

use crate::load::{f, load_json, u};
use crate::support::{lbctl, serve};

#[test]
fn eight_streams_on_one_connection_are_eight_requests_in_flight() {
    let b = serve(1, &["--latency", "100ms"]);
    let run = |streams: &str| {
        let (code, d) = load_json(&[
            b.url(0),
            "--http2",
            "-c",
            "1",
            "--h2-streams",
            streams,
            "-d",
            "2s",
        ]);
        assert_eq!(code, 0, "{d}");
        d
    };
    let one = run("1");
    let eight = run("8");
    for d in [&one, &eight] {
        assert_eq!(d["http"], "2");
        assert_eq!(u(&d["connections_opened"]), 1, "{d}");
        assert_eq!(u(&d["connections_peak"]), 1, "{d}");
        assert_eq!(u(&d["errors"]), 0, "{d}");
        assert_eq!(u(&d["requests"]), u(&d["responses"]), "{d}");
        assert_eq!(u(&d["status"]["200"]), u(&d["responses"]), "{d}");
        // Nothing answers before the injected 100 ms.
        assert!(f(&d["latency_ms"]["min"]) >= 99.0, "{d}");
    }
    assert_eq!(eight["h2_streams"], 8);
    // One stream: at most 20 requests in 2 s; eight: up to 160. Ideally 8x; at least 5x.
    let (r1, r8) = (u(&one["requests"]), u(&eight["requests"]));
    assert!((8..=20).contains(&r1), "one stream: {r1}");
    assert!(r8 >= 5 * r1 && r8 <= 160, "8 streams: {r8}, 1 stream: {r1}");
    // At most 8 in flight when the run ended (cut, not failed).
    assert!(u(&eight["unfinished"]) <= 8, "{eight}");
}

#[test]
fn closed_model_with_n_sends_exactly_n_over_the_streams() {
    let b = serve(1, &["--latency", "20ms"]);
    let h2c = b.url(0).replace("http://", "h2c://");
    let (code, d) = load_json(&[&h2c, "-c", "2", "--h2-streams", "4", "-n", "120"]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(u(&d["requests"]), 120, "{d}");
    assert_eq!(u(&d["status"]["200"]), 120, "{d}");
    assert_eq!(u(&d["connections_opened"]), 2, "{d}");
    assert_eq!(u(&d["unfinished"]), 0, "{d}");
}

#[test]
fn open_model_streams_carry_the_rate_and_latency_counts_from_the_plan() {
    let b = serve(1, &["--latency", "100ms"]);
    // 60/s of 100 ms requests is 6 in flight: one connection of 16 streams carries it
    // without queueing; one stream cannot (10/s at most), and the corrected latency shows
    // the queue.
    let run = |streams: &str| {
        let (code, d) = load_json(&[
            b.url(0),
            "--http2",
            "-c",
            "1",
            "--h2-streams",
            streams,
            "--rate",
            "60/s",
            "-d",
            "2s",
            "--timeout",
            "3s",
        ]);
        // The one-stream run may be flagged invalid (exit 4) only for its send lag.
        assert!(code == 0 || code == 4, "{d}");
        d
    };
    let d = run("16");
    // The plan: 120 requests, each sent or counted unfinished.
    assert_eq!(u(&d["requests"]) + u(&d["unfinished"]), 120, "{d}");
    assert!(u(&d["requests"]) >= 110, "{d}");
    assert_eq!(u(&d["errors"]), 0, "{d}");
    assert_eq!(u(&d["connections_opened"]), 1, "{d}");
    assert!(u(&d["queued"]) <= 6, "{d}");
    let p50 = f(&d["latency_ms"]["p50"]);
    assert!((99.0..400.0).contains(&p50), "{d}");
    let one = run("1");
    assert_eq!(u(&one["requests"]) + u(&one["unfinished"]), 120, "{one}");
    // 10/s at most over the 2 s window and the 2 s drain; the rest is left unfinished.
    assert!(u(&one["requests"]) <= 45, "{one}");
    assert!(u(&one["queued"]) + 2 >= u(&one["requests"]), "{one}");
    // Measured from the intended send time, the queue behind one stream is seconds long.
    assert!(f(&one["latency_ms"]["max"]) > 3.0 * p50, "{one}");
}

#[test]
fn a_growing_pool_opens_connections_of_streams() {
    let b = serve(1, &["--latency", "100ms"]);
    // 50/s of 100 ms is 5 in flight: two streams per connection need three connections.
    let (code, d) = load_json(&[
        b.url(0),
        "--http2",
        "-c",
        "1",
        "--max-connections",
        "4",
        "--h2-streams",
        "2",
        "--rate",
        "50/s",
        "-d",
        "2s",
    ]);
    assert!(code == 0 || code == 4, "{d}");
    assert_eq!(u(&d["requests"]) + u(&d["unfinished"]), 100, "{d}");
    let peak = u(&d["connections_peak"]);
    assert!((2..=4).contains(&peak), "{d}");
}

#[test]
fn bad_stream_counts_are_usage_errors() {
    for (args, what) in [
        (&["--h2-streams", "0", "--http2"][..], "from 1 to 1000"),
        (&["--h2-streams", "1001", "--http2"][..], "from 1 to 1000"),
        (&["--h2-streams", "x", "--http2"][..], "invalid value 'x'"),
        (&["--h2-streams", "4"][..], "expected --http2"),
        (
            &["--h2-streams", "1000", "--http2", "-c", "1000"][..],
            "above 100000",
        ),
    ] {
        let out = lbctl()
            .args(["load", "http://127.0.0.1:9/", "-n", "1"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_failed_stream_leaves_its_connection_to_the_others() {
    // serve's --reset-rate resets streams over HTTP/2 (RST_STREAM): each one is a `reset`
    // error of its own request, and the connections stay open.
    let b = serve(1, &["--reset-rate", "0.2"]);
    let (code, d) = load_json(&[
        b.url(0),
        "--http2",
        "-c",
        "2",
        "--h2-streams",
        "4",
        "-n",
        "400",
    ]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(u(&d["requests"]), 400, "{d}");
    let resets = u(&d["error_categories"]["reset"]["count"]);
    assert!((20..=160).contains(&resets), "{d}");
    assert_eq!(u(&d["responses"]) + resets, 400, "{d}");
    assert_eq!(u(&d["connections_opened"]), 2, "{d}");

    // Streams that time out are reset alone: one connection for all eight timeouts.
    let slow = serve(1, &["--latency", "400ms"]);
    let (code, d) = load_json(&[
        slow.url(0),
        "--http2",
        "-c",
        "1",
        "--h2-streams",
        "4",
        "-n",
        "8",
        "--timeout",
        "100ms",
    ]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(
        u(&d["error_categories"]["request_timeout"]["count"]),
        8,
        "{d}"
    );
    assert_eq!(u(&d["connections_opened"]), 1, "{d}");
}

#[test]
fn shards_with_streams_merge_into_one_plan() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let (code, d) = load_json(&[
            b.url(0),
            "--http2",
            "-c",
            "2",
            "--h2-streams",
            "4",
            "-n",
            "41",
            "--shard",
            &shard,
        ]);
        assert_eq!(code, 0, "{d}");
        assert_eq!(u(&d["requests"]), [21, 20][i], "{d}");
        assert_eq!(u(&d["connections_opened"]), 1, "{d}");
        assert_eq!(d["plan"]["fields"]["h2_streams"], "4", "{d}");
        let f = dir.path().join(format!("shard-{i}.json"));
        std::fs::write(&f, d.to_string()).unwrap();
        files.push(f.display().to_string());
    }
    let out = lbctl()
        .args(["load", "merge"])
        .args(&files)
        .args(["--expect", "2", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(u(&m["requests"]), 41, "{m}");
    assert_eq!(m["h2_streams"], 4, "{m}");
}

#[test]
fn streams_over_tls_share_the_alpn_h2_connection() {
    let dir = tempfile::tempdir().unwrap();
    let (url, ca) = crate::load::tls_backend(dir.path());
    let ca = ca.to_str().unwrap();
    let (code, d) = load_json(&[
        &url,
        "--http2",
        "--cacert",
        ca,
        "-c",
        "1",
        "--h2-streams",
        "4",
        "-n",
        "40",
    ]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(d["http"], "2");
    assert_eq!(u(&d["status"]["200"]), 40, "{d}");
    assert_eq!(u(&d["connections_opened"]), 1, "{d}");
}
