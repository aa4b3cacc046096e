//! Results to look at: the per-second entries of `lbctl load --output json` (they add up to
//! the run, and `load merge` adds shards' seconds up on the wall clock), `lbctl load report`
//! rendered by a real headless chromium (charts with one series per file and metric and one
//! point per second, SLO lines, group bars, no console message: a CSP violation by the page's
//! own stylesheet would be one), its bad-input exits, and the terminal sparkline under a
//! pseudo-terminal (`script`, util-linux). A run kept to a few buckets by `--per-second-max`
//! (coarsened) still adds up, renders, and merges with a shard that was not. Real sockets
//! against `lbctl serve`.

use crate::load::{load_json, u};
use crate::support::{chromium_dump, lbctl, serve};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `lbctl load ARGS --output json` (load.rs's `load_json`), its document written to `file`.
fn run_to(file: &Path, args: &[&str]) -> Value {
    let (_, doc) = load_json(args);
    std::fs::write(file, doc.to_string()).unwrap();
    doc
}

/// The per-second entries add up to the run: requests, errors, latencies, window.
fn check_seconds(d: &Value) -> &Vec<Value> {
    let s = d["per_second"]["seconds"]
        .as_array()
        .expect("per_second.seconds");
    let sum = |k: &str| s.iter().map(|x| u(&x[k])).sum::<u64>();
    assert_eq!(sum("requests"), u(&d["requests"]), "{}", d["per_second"]);
    assert_eq!(sum("errors"), u(&d["errors"]));
    let length: f64 = s.iter().map(|x| x["length_s"].as_f64().unwrap()).sum();
    let window = d["duration_s"].as_f64().unwrap();
    assert!(
        (length - window).abs() < 0.01,
        "{length} s of seconds, window {window}"
    );
    // A tiling of uniform buckets (1 s unless the run outgrew --per-second-max).
    let b = d["per_second"]["bucket_s"].as_u64().unwrap_or(1);
    for (i, x) in s.iter().enumerate() {
        assert_eq!(u(&x["t"]), i as u64 * b);
        let len = x["length_s"].as_f64().unwrap();
        assert!(
            len == b as f64 || (i + 1 == s.len() && len <= b as f64),
            "bucket {i}: {len} s of {b}"
        );
        let (p50, p99, max) = (
            x["p50_ms"].as_f64().unwrap(),
            x["p99_ms"].as_f64().unwrap(),
            x["max_ms"].as_f64().unwrap(),
        );
        assert!(p50 <= p99 && p99 <= max, "{x}");
        assert!(x["histogram"].as_str().is_some_and(|h| !h.is_empty()));
    }
    let start = d["per_second"]["start_unix"].as_f64().unwrap();
    let t0 = d["started_at"].as_f64().unwrap() + d["warmup_s"].as_f64().unwrap();
    assert!((start - t0).abs() < 0.001, "{start} vs {t0}");
    s
}

/// The `data-points` of the series named `name` in the dumped DOM.
fn points(dom: &str, name: &str) -> usize {
    let needle = format!("data-series=\"{name}\" data-points=\"");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("no series {name} in the page"))
        + needle.len();
    let len = dom[at..].find('"').unwrap();
    dom[at..at + len].parse().unwrap()
}

/// The `<svg ... id="ID">...</svg>` element.
fn chart<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let len = dom[start..].find("</svg>").unwrap();
    &dom[start..start + len]
}

#[test]
fn a_report_of_two_runs_renders_in_chromium_with_every_series() {
    let b = serve(2, &["--latency", "1ms..4ms"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, c) = (dir.path().join("open.json"), dir.path().join("closed.json"));
    let open = run_to(
        &a,
        &[
            b.url(0),
            "--rate",
            "150/s",
            "-d",
            "3s",
            "--max-send-lag",
            "500ms",
            "--slo",
            "p99<2s",
            "--slo",
            "rps>=10",
        ],
    );
    let closed = run_to(
        &c,
        &[b.url(1), "-c", "2", "-d", "2s", "--group-by", "X-Backend"],
    );
    let open_s = check_seconds(&open);
    let closed_s = check_seconds(&closed);
    assert_eq!(open_s.len(), 3, "{}", open["per_second"]);
    assert_eq!(closed_s.len(), 2, "{}", closed["per_second"]);

    let html = dir.path().join("report.html");
    let out = lbctl()
        .args(["load", "report"])
        .arg(&a)
        .arg(&c)
        .arg("-o")
        .arg(&html)
        .args(["--title", "two runs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        !text.contains("src=") && !text.contains("href="),
        "nothing to load"
    );
    assert!(!text.contains("<script"), "no script");

    let d = chromium_dump(&format!("file://{}", html.display()), 500);
    assert!(
        d.console().is_empty(),
        "the page logged: {:#?}",
        d.console()
    );
    let dom = &d.dom;
    assert!(dom.contains("<h1>two runs</h1>"), "{dom}");
    assert!(dom.contains("data-runs=\"2\""));
    // Latency over time: four series per file, one point per second with responses.
    let lat = chart(dom, "latency-over-time");
    assert_eq!(lat.matches("<path class=\"line").count(), 8, "{lat}");
    let busy = |s: &Vec<Value>| s.iter().filter(|x| u(&x["requests"]) > 0).count();
    for m in ["p50", "p90", "p99", "max"] {
        assert_eq!(points(lat, &format!("open.json {m}")), busy(open_s), "{m}");
        assert_eq!(
            points(lat, &format!("closed.json {m}")),
            busy(closed_s),
            "{m}"
        );
    }
    // A hover readout per second of the longest run, naming both runs where both ran.
    assert_eq!(lat.matches("<rect class=\"hover\"").count(), 3, "{lat}");
    assert!(lat.contains("<title>second 1\nopen.json: p50 "), "{lat}");
    assert!(lat.contains("\nclosed.json: p50 "), "{lat}");
    // Rate and errors: one point per second, on the same time axis (3 s: the longest run).
    for id in ["rate-over-time", "errors-over-time"] {
        let ch = chart(dom, id);
        assert_eq!(ch.matches("<path class=\"line").count(), 2, "{id}");
        assert!(ch.contains(">3s</text>"), "{id}: {ch}");
    }
    assert_eq!(points(dom, "open.json req/s"), 3);
    assert_eq!(points(dom, "closed.json errors/s"), 2);
    // The percentile plot: one curve per file, on the nines axis to 99.999%.
    let pp = chart(dom, "percentiles");
    assert_eq!(pp.matches("<path class=\"line").count(), 2);
    assert!(points(pp, "open.json latency by percentile") > 10);
    assert!(pp.contains(">99.999%</text>"));
    // SLO lines where the run had SLOs: latency on both latency charts, rps on the rate one.
    assert!(lat.contains("data-rule=\"p99&lt;2s\""), "{lat}");
    assert!(pp.contains("data-rule=\"p99&lt;2s\""));
    assert!(chart(dom, "rate-over-time").contains("data-rule=\"rps&gt;=10\""));
    // Group bars from the closed run's --group-by: its one backend, 100% of responses.
    let share = chart(dom, "group-share");
    assert_eq!(share.matches("<g class=\"bar c1\"").count(), 1, "{share}");
    assert!(
        share.contains(&format!("data-row=\"{}\"", b.name(1))),
        "{share}"
    );
    assert!(dom.contains("<tr data-slo=\"p99&lt;2s\""));
}

#[test]
fn bad_report_inputs_exit_2_naming_the_file() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    // A document as lbctl wrote it before per-second data existed.
    let mut old = run_to(
        &dir.path().join("new.json"),
        &[b.url(0), "-n", "5", "-c", "1"],
    );
    old.as_object_mut().unwrap().remove("per_second");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let not_json = write("notes.txt", "hello");
    let other = write("other.json", r#"{"schema":"k6/summary"}"#);
    let old = write("old.json", &old.to_string());
    let missing = dir.path().join("missing.json");
    let out_html = dir.path().join("r.html");
    for (file, says) in [
        (&not_json, "not JSON"),
        (&other, "schema is 'k6/summary'"),
        (&old, "no per-second data"),
        (&missing, "cannot read"),
    ] {
        let out = lbctl()
            .args(["load", "report"])
            .arg(file)
            .arg("-o")
            .arg(&out_html)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains(&file.display().to_string()) && err.contains(says),
            "{err}"
        );
        assert!(!out_html.exists());
    }
    let nine: Vec<_> = (0..9).map(|_| old.clone()).collect();
    let out = lbctl()
        .args(["load", "report"])
        .args(&nine)
        .args(["-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 8"));
}

#[test]
fn merge_adds_the_shards_seconds_on_the_wall_clock() {
    let b = serve(1, &["--latency", "1ms"]);
    let dir = tempfile::tempdir().unwrap();
    let at = SystemTime::now() + Duration::from_secs(2);
    let at = format!(
        "{:.3}",
        at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    );
    let url = b.url(0).to_string();
    let files: Vec<_> = (0..2)
        .map(|i| dir.path().join(format!("s{i}.json")))
        .collect();
    let docs: Vec<Value> = std::thread::scope(|s| {
        let hs: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (url, at) = (&url, &at);
                let shard = format!("{i}/2");
                s.spawn(move || {
                    run_to(
                        f,
                        &[
                            url.as_str(),
                            "--rate",
                            "200/s",
                            "-d",
                            "2s",
                            "--shard",
                            &shard,
                            "--start-at",
                            at,
                            "--max-send-lag",
                            "500ms",
                        ],
                    )
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for d in &docs {
        assert_eq!(check_seconds(d).len(), 2);
    }
    let out = lbctl()
        .args(["load", "merge"])
        .args(&files)
        .args(["--output", "json"])
        .output()
        .unwrap();
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    let merged = m["per_second"]["seconds"].as_array().unwrap();
    assert_eq!(merged.len(), 2, "{}", m["per_second"]);
    for (t, sec) in merged.iter().enumerate() {
        let want: u64 = docs
            .iter()
            .map(|d| u(&d["per_second"]["seconds"][t]["requests"]))
            .sum();
        assert_eq!(u(&sec["requests"]), want, "second {t}");
    }
    assert_eq!(
        merged.iter().map(|s| u(&s["requests"])).sum::<u64>(),
        u(&m["requests"])
    );
}

/// `lbctl load ...` under a pseudo-terminal (`script -qc`), with extra environment.
fn on_a_tty(cmd: &str, env: &[(&str, &str)]) -> String {
    let mut c = Command::new("timeout");
    c.args(["60", "script", "-qec", cmd, "/dev/null"]);
    c.env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("script (util-linux) must be installed");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sparkline line of a terminal's output (progress-bar escapes before it dropped).
fn sparkline(out: &str) -> Option<&str> {
    out.lines()
        .find_map(|l| l.find("p99 per second").map(|at| l[at..].trim_end()))
}

#[test]
fn the_terminal_report_has_a_sparkline_on_a_tty_only() {
    let b = serve(1, &["--latency", "1ms..3ms"]);
    let cmd = format!("{} load {} -c 2 -d 3s", crate::support::bin(), b.url(0));
    let tty = on_a_tty(&cmd, &[]);
    let line = sparkline(&tty).unwrap_or_else(|| panic!("no sparkline: {tty}"));
    assert!(line.contains("(3 s)"), "{line}");
    assert!(line.contains("\x1b[36m"), "colour on a terminal: {line:?}");
    let plain = on_a_tty(&cmd, &[("NO_COLOR", "1")]);
    let line = sparkline(&plain).unwrap_or_else(|| panic!("no sparkline: {plain}"));
    assert!(!line.contains('\x1b'), "NO_COLOR: {line:?}");
    let blocks = line.chars().filter(|c| ('▁'..='█').contains(c)).count();
    assert_eq!(blocks, 3, "{line}");
    // --quiet asks for the results only: no sparkline, even on a terminal.
    let quiet = on_a_tty(&format!("{cmd} --quiet"), &[]);
    assert!(quiet.contains("requests in"), "{quiet}");
    assert!(sparkline(&quiet).is_none(), "{quiet}");
    // Not a terminal: no sparkline.
    let out = lbctl()
        .args(["load", b.url(0), "-c", "2", "-d", "2s", "--quiet"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("p99 per second"));
}

/// Run `lbctl load` shards `0/2` and `1/2` of one plan side by side (`--start-at` in 2 s),
/// shard `i` with `extra[i]` added; returns their documents (written to `files`).
fn two_shards(
    url: &str,
    plan: &[&str],
    extra: [&[&str]; 2],
    files: &[std::path::PathBuf],
) -> Vec<Value> {
    let at = SystemTime::now() + Duration::from_secs(2);
    let at = format!(
        "{:.3}",
        at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    );
    std::thread::scope(|s| {
        let hs: Vec<_> = files
            .iter()
            .zip(extra)
            .enumerate()
            .map(|(i, (f, extra))| {
                let shard = format!("{i}/2");
                let at = &at;
                s.spawn(move || {
                    let mut args = vec![url, "--shard", &shard, "--start-at", at];
                    args.extend_from_slice(plan);
                    args.extend_from_slice(extra);
                    run_to(f, &args)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn a_coarsened_run_adds_up_renders_and_merges_with_a_fine_one() {
    let b = serve(1, &["--latency", "1ms..4ms"]);
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<_> = ["coarse.json", "fine.json"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    // 6 s kept to 4 buckets: halved once, three buckets of 2 s.
    let plan = ["--rate", "100/s", "-d", "6s", "--max-send-lag", "500ms"];
    let docs = two_shards(b.url(0), &plan, [&["--per-second-max", "4"], &[]], &files);
    let (coarse, fine) = (&docs[0], &docs[1]);
    assert_eq!(
        coarse["per_second"]["bucket_s"], 2,
        "{}",
        coarse["per_second"]
    );
    assert_eq!(fine["per_second"]["bucket_s"], 1);
    let coarse_s = check_seconds(coarse);
    assert_eq!(coarse_s.len(), 3, "{}", coarse["per_second"]);
    assert_eq!(check_seconds(fine).len(), 6);
    // A bucket's percentiles are ordered and its rate is per second of its own length.
    for x in coarse_s {
        let rate = u(&x["requests"]) as f64 / x["length_s"].as_f64().unwrap();
        assert!((20.0..=80.0).contains(&rate), "shard 0/2 of 100/s: {x}");
    }

    // The merge re-buckets the fine shard to 2 s on the wall clock; sums stay exact.
    let out = lbctl()
        .args(["load", "merge"])
        .args(&files)
        .args(["--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 4),
        "{out:?}"
    );
    let merged_file = dir.path().join("merged.json");
    std::fs::write(&merged_file, &out.stdout).unwrap();
    let m: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["per_second"]["bucket_s"], 2, "{}", m["per_second"]);
    let ms = m["per_second"]["seconds"].as_array().unwrap();
    assert_eq!(ms.len(), 3, "{}", m["per_second"]);
    let total = |k: &str| ms.iter().map(|x| u(&x[k])).sum::<u64>();
    assert_eq!(total("requests"), u(&m["requests"]));
    assert_eq!(total("errors"), u(&m["errors"]));
    assert_eq!(
        u(&m["requests"]),
        u(&coarse["requests"]) + u(&fine["requests"])
    );
    for (i, x) in ms.iter().enumerate() {
        assert_eq!(u(&x["t"]), 2 * i as u64);
        // Shards started together: the fine shard's seconds 2i and 2i+1 land in bucket i.
        let fs = fine["per_second"]["seconds"].as_array().unwrap();
        let want = u(&coarse_s[i]["requests"])
            + fs.iter()
                .filter(|f| u(&f["t"]) / 2 == i as u64)
                .map(|f| u(&f["requests"]))
                .sum::<u64>();
        assert_eq!(u(&x["requests"]), want, "bucket {i}");
    }

    // The report draws buckets of any length on one time axis.
    let html = dir.path().join("report.html");
    let out = lbctl()
        .args(["load", "report"])
        .args(&files)
        .arg(&merged_file)
        .arg("-o")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let d = chromium_dump(&format!("file://{}", html.display()), 500);
    assert!(
        d.console().is_empty(),
        "the page logged: {:#?}",
        d.console()
    );
    let dom = &d.dom;
    assert!(dom.contains("data-runs=\"3\""));
    assert_eq!(points(dom, "coarse.json req/s"), 3);
    assert_eq!(points(dom, "fine.json req/s"), 6);
    assert_eq!(points(dom, "merged.json req/s"), 3);
    let lat = chart(dom, "latency-over-time");
    // One hover column per 2-s bucket, each naming every run.
    assert_eq!(lat.matches("<rect class=\"hover\"").count(), 3, "{lat}");
    assert!(
        lat.contains("<title>seconds 2-3\ncoarse.json: p50 "),
        "{lat}"
    );
    assert!(lat.contains("latency per 2 s"), "{lat}");
    for id in ["rate-over-time", "errors-over-time"] {
        assert!(chart(dom, id).contains(">6s</text>"), "{id}");
    }

    // A cap below 2 is a usage error naming the value.
    let out = lbctl()
        .args(["load", b.url(0), "-n", "1", "--per-second-max", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--per-second-max"));
}
