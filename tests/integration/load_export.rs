//! `lbctl load --export`: the per-request file agrees with the report it came with. Its
//! percentiles, computed here from the raw latencies, match the report's HdrHistogram ones;
//! the open model's intended times are the schedule itself; refused connections appear as
//! error rows. Real sockets against `lbctl serve`.

use crate::load::load_json;
use crate::support::{lbctl, serve};
use serde_json::Value;

/// The value at percentile p of sorted values, nearest rank (what HdrHistogram reports, up to
/// its bucket precision).
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[test]
fn the_open_models_export_is_its_schedule_and_agrees_with_the_report() {
    let b = serve(1, &["--latency", "2ms"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.jsonl");
    let (_, doc) = load_json(&[
        b.url(0),
        "--rate",
        "200/s",
        "--duration",
        "2s",
        "--export",
        file.to_str().unwrap(),
    ]);
    let rows: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = doc["responses"].as_u64().unwrap() + doc["errors"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, n, "one row per measured request");
    assert!(n >= 380, "{n} of 400 planned");
    let field = |r: &Value, k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k}: {r}"));

    // Intended times are the schedule: 200/s is one every 5,000 us, to the microsecond
    // (each is the run's start plus i/rate, rounded once).
    let mut intended: Vec<u64> = rows.iter().map(|r| field(r, "intended_unix_us")).collect();
    intended.sort_unstable();
    for w in intended.windows(2) {
        let gap = w[1] - w[0];
        assert!((4999..=5001).contains(&gap), "gap {gap} us");
    }
    // Latency counts from the intended time, so a send never precedes it.
    for r in &rows {
        let (i, s, l) = (
            field(r, "intended_unix_us"),
            field(r, "sent_unix_us"),
            field(r, "latency_us"),
        );
        assert!(s >= i && l >= s - i, "{r}");
        assert_eq!(r["status"], 200, "{r}");
        assert!(r["error"].is_null(), "{r}");
    }
    let bytes: u64 = rows.iter().map(|r| field(r, "bytes")).sum();
    assert_eq!(bytes, doc["bytes_received"].as_u64().unwrap());

    // The report's percentiles (HdrHistogram, 3 significant digits) from the raw latencies.
    let mut lat: Vec<u64> = rows.iter().map(|r| field(r, "latency_us")).collect();
    lat.sort_unstable();
    for (p, key) in [(50.0, "p50"), (90.0, "p90"), (99.0, "p99")] {
        let ours = nearest_rank(&lat, p) as f64 / 1000.0;
        let theirs = doc["latency_ms"][key].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= theirs * 0.002 + 0.002,
            "{key}: export {ours} ms, report {theirs} ms"
        );
    }
}

#[test]
fn the_closed_models_csv_has_a_row_per_request_and_error_rows() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.csv");
    let (_, doc) = load_json(&[
        b.url(0),
        "-n",
        "300",
        "-c",
        "3",
        "--export",
        file.to_str().unwrap(),
    ]);
    assert_eq!(doc["responses"], 300);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("intended_unix_us,sent_unix_us,latency_us,status,bytes,error,group")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 300);
    for r in &rows {
        assert_eq!(r.len(), 7, "{r:?}");
        assert_eq!(r[0], r[1], "closed model: sent when intended");
        assert_eq!(r[3], "200");
    }

    // Nothing listens on the port of a stopped backend: every row is a refused connection.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let refused = dir.path().join("refused.csv");
    let (_, doc) = load_json(&[
        &url,
        "-n",
        "5",
        "-c",
        "1",
        "--export",
        refused.to_str().unwrap(),
    ]);
    assert_eq!(doc["errors"], 5, "{doc}");
    let text = std::fs::read_to_string(&refused).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 5);
    for r in rows {
        let f: Vec<&str> = r.split(',').collect();
        assert_eq!((f[3], f[5]), ("0", "connect_refused"), "{r}");
    }
}

#[test]
fn a_bad_export_path_is_a_usage_error_before_any_traffic() {
    for (path, want) in [
        ("/tmp/lbctl-export.txt", ".csv or .jsonl"),
        ("/nonexistent/dir/x.csv", "cannot create"),
    ] {
        let out = lbctl()
            .args(["load", "http://127.0.0.1:1/", "-n", "1", "--export", path])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    }
}
