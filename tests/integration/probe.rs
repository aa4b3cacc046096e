//! `lbctl probe` integration tests (real sockets, the built binary): `lbctl serve` backends
//! for health, faults and rise/fall, and small in-test hyper servers for JSON bodies,
//! redirects, flaky answers and TLS (an rcgen CA and a leaf certificate expiring in 5 days,
//! served by tokio-rustls).

mod alerts;
mod dns;
mod exporter;
mod exporter_reload;
mod icmp;
mod icmp_opts;
mod request;
mod servers;
mod watch;
mod ws;

use crate::support::{self, lbctl};
use servers::{json_server, test_server, tls_server};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

// ---------------------------------------------------------------------------------------
// Helpers

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn probe(args: &[&str]) -> Run {
    let out = lbctl().arg("probe").args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `lbctl probe ARGS --output json`: (exit code, the document); not JSON fails the test.
pub(crate) fn probe_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = args.to_vec();
    a.extend_from_slice(&["--output", "json"]);
    let r = probe(&a);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

fn post(url: &str) {
    let resp = support::http().post(url).send().unwrap();
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
}

fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a.to_string()
}

// ---------------------------------------------------------------------------------------
// One shot: TCP and HTTP

#[test]
fn tcp_open_and_closed() {
    let b = support::serve(1, &[]);
    let open = b.addr(0);
    let closed = closed_port();
    let r = probe(&[&open]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (code, v) = probe_json(&[&open, &format!("tcp://{closed}")]);
    assert_eq!(code, 1);
    assert_eq!(v["targets"][0]["result"], "ok");
    let t = &v["targets"][1];
    assert_eq!(t["result"], "fail");
    assert_eq!(t["fail_kind"], "connect");
    assert_eq!(t["reason"], format!("connect {closed}: connection refused"));
    // --require any: one open port is enough.
    assert_eq!(probe(&[&open, &closed, "--require", "any"]).code, 0);
}

#[test]
fn http_ok_down_and_reasons() {
    let b = support::serve(2, &[]);
    let h0 = format!("{}/health", b.url(0));
    let h1 = format!("{}/health", b.url(1));
    post(&format!("{}/admin/down", b.url(1)));
    let (code, v) = probe_json(&[&h0, &h1]);
    assert_eq!(code, 1);
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    let t = &v["targets"][1];
    assert_eq!(t["status"], 503);
    assert_eq!(t["reason"], "status 503 not in 200-399");
    let tm = &v["targets"][0]["timings_ms"];
    for phase in ["dns", "connect", "ttfb", "total"] {
        assert!(tm[phase].as_f64().is_some(), "{phase} in {tm}");
    }
    assert!(tm["tls"].is_null());
    // A 503 can be what is expected.
    assert_eq!(probe(&[&h1, "--expect-status", "500-599"]).code, 0);
    // HEAD, and h2c by prior knowledge. (Not HEAD over h2c: `lbctl serve` sends a body with
    // it there, which an HTTP/2 client must reject as a protocol error.)
    let (code, v) = probe_json(&[&h0, "-X", "HEAD"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["body_bytes"], 0);
    let (code, v) = probe_json(&[&h0, "--http-version", "2"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["http_version"], "HTTP/2");
    // --host overrides the Host header (the echo shows what the server got).
    let echo = format!("{}/echo", b.url(0));
    assert_eq!(
        probe(&[&echo, "--host", "vhost.test", "--expect-body", "vhost.test"]).code,
        0
    );
    // A plain TCP exchange with --send/--expect.
    let tcp = b.addr(0);
    let send = "GET /health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n";
    assert_eq!(probe(&[&tcp, "--send", send, "--expect", "200 OK"]).code, 0);
    let r = probe(&[&tcp, "--send", send, "--expect", "+PONG", "--timeout", "1s"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // Header conditions on the backend's X-Backend header.
    let name = b.name(0).to_string();
    assert_eq!(
        probe(&[&h0, "--expect-header", &format!("x-backend: {name}")]).code,
        0
    );
    let r = probe(&[&h0, "--expect-header", "x-missing"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("header x-missing missing"),
        "{}",
        r.stdout
    );
}

#[test]
fn slow_and_hanging_servers() {
    let slow = support::serve(1, &["--latency", "300ms"]);
    let url = format!("{}/health", slow.url(0));
    let (code, v) = probe_json(&[&url, "--max-latency", "100ms"]);
    assert_eq!(code, 1);
    let reason = v["targets"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("latency ") && reason.ends_with(" over 100ms"),
        "{reason}"
    );
    assert_eq!(probe(&[&url, "--max-latency", "5s"]).code, 0);

    let hang = support::serve(1, &[]);
    post(&format!("{}/admin/stall?for=20s", hang.url(0)));
    let started = Instant::now();
    let (code, v) = probe_json(&[&format!("{}/", hang.url(0)), "--timeout", "500ms"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "timeout");
    assert_eq!(
        t["reason"],
        "timeout after 500ms (waiting for the first byte)"
    );
}

#[test]
fn json_body_conditions() {
    let s = json_server(r#"{"status":"UP","checks":[{"name":"db","ms":12.5}],"count":3}"#);
    let url = format!("http://{}/health", s.addr);
    for ok in [
        ".status == \"UP\"",
        ".status==UP",
        ".count >= 3",
        ".checks[0].name == db",
        ".checks[0].ms < 20",
        ".status exists",
    ] {
        let r = probe(&[&url, "--expect-json", ok]);
        assert_eq!(r.code, 0, "{ok}: {}", r.stdout);
    }
    for (cond, reason) in [
        (".status == DOWN", "json .status was UP (want == DOWN)"),
        (".count > 3", "json .count was 3 (want > 3)"),
        (".version exists", "json .version missing"),
    ] {
        let (code, v) = probe_json(&[&url, "--expect-json", cond]);
        assert_eq!(code, 1, "{cond}");
        assert_eq!(v["targets"][0]["reason"], reason, "{cond}");
    }
    assert_eq!(probe(&[&url, "--expect-body", "\"db\""]).code, 0);
    assert_eq!(
        probe(&[&url, "--expect-body-regex", r#""ms":\d+\.5"#]).code,
        0
    );
    let r = probe(&[&url, "--expect-body-regex", "^DOWN"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("body does not match /^DOWN/"),
        "{}",
        r.stdout
    );
    // Not JSON at all.
    let b = support::serve(1, &[]);
    let r = probe(&[
        &format!("{}/health", b.url(0)),
        "--expect-json",
        ".status == UP",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("body is not JSON"), "{}", r.stdout);
}

#[test]
fn targets_file_and_stdin_with_per_target_assertions() {
    let s = json_server(r#"{"status":"DOWN"}"#);
    let b = support::serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.txt");
    std::fs::write(
        &file,
        format!(
            "# fleet\n{}/health status=200 max-latency=5s\nhttp://{}/ json=.status==DOWN   # this one reports DOWN on purpose\n{} \n",
            b.url(0),
            s.addr,
            b.addr(0)
        ),
    )
    .unwrap();
    let (code, v) = probe_json(&["--targets-file", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["total"], 3);
    // The same list on stdin, plus a global condition the JSON target fails.
    let out = lbctl()
        .args(["probe", "-", "--expect-json", ".status == UP"])
        .write_stdin(std::fs::read_to_string(&file).unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("json .status was DOWN (want == UP)"),
        "{text}"
    );
    // A bad line names the file and line.
    std::fs::write(&file, "db:1\nhttp://x/ colour=red\n").unwrap();
    let r = probe(&["-f", file.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("targets.txt line 2: invalid target assertion"),
        "{}",
        r.stderr
    );
}

#[test]
fn retries_report_flaky() {
    // 503 for the first two requests, then 200.
    let s = test_server(
        None,
        Arc::new(|_, n| {
            if n < 2 {
                (503, vec![], "warming\n".into())
            } else {
                (200, vec![], "ok\n".into())
            }
        }),
    );
    let url = format!("http://{}/", s.addr);
    let (code, v) = probe_json(&[&url, "--retries", "3", "--retry-delay", "10ms"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["result"], "flaky");
    assert_eq!(v["targets"][0]["attempts"], 3);
    assert_eq!(v["flaky"], 1);
    // Without retries the next answer (200) is a plain pass; with none left it fails.
    let s2 = test_server(None, Arc::new(|_, _| (503, vec![], "no\n".into())));
    let (code, v) = probe_json(&[
        &format!("http://{}/", s2.addr),
        "--retries",
        "1",
        "--retry-delay",
        "1ms",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["targets"][0]["attempts"], 2);
}

#[test]
fn redirects_off_by_default_and_followed() {
    let s = test_server(
        None,
        Arc::new(|path, _| match path {
            "/old" => (301, vec![("location", "/new".into())], String::new()),
            "/loop" => (302, vec![("location", "/loop".into())], String::new()),
            _ => (200, vec![], "new\n".into()),
        }),
    );
    let old = format!("http://{}/old", s.addr);
    let r = probe(&[&old, "--expect-status", "200"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("status 301 not in 200"), "{}", r.stdout);
    let (code, v) = probe_json(&[&old, "--expect-status", "200", "--follow"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["targets"][0]["redirects"], 1);
    let (code, v) = probe_json(&[
        &format!("http://{}/loop", s.addr),
        "--follow",
        "--max-redirects",
        "3",
    ]);
    assert_eq!(code, 1);
    assert!(
        v["targets"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("more than 3 redirects")
    );
}

// ---------------------------------------------------------------------------------------
// TLS

#[test]
fn tls_cacert_expiry_and_cert_only() {
    let (s, ca) = tls_server();
    let url = format!("https://127.0.0.1:{}/health", s.addr.port());
    let ca = ca.path().to_str().unwrap();
    // Not trusted without its CA: a clear reason.
    let (code, v) = probe_json(&[&url]);
    assert_eq!(code, 1);
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "tls");
    let reason = t["reason"].as_str().unwrap();
    assert!(
        reason.contains("tls handshake failed")
            && reason.contains("not signed by a trusted CA")
            && reason.contains("--cacert FILE"),
        "{reason}"
    );
    // Trusted with --cacert; the expiry is reported (about 5 days).
    let (code, v) = probe_json(&[&url, "--cacert", ca, "--expect-json", ".status == UP"]);
    assert_eq!(code, 0, "{v}");
    let t = &v["targets"][0];
    let days = t["cert_days_left"].as_f64().unwrap();
    assert!((4.9..=5.01).contains(&days), "{days}");
    assert!(t["timings_ms"]["tls"].as_f64().is_some());
    assert_eq!(t["http_version"], "HTTP/2", "ALPN picks h2");
    assert!(t["cert_expiry"].as_str().unwrap().ends_with('Z'));
    // --host sets the SNI too: the certificate names localhost, and a name it lacks fails.
    assert_eq!(
        probe(&[&url, "--cacert", ca, "--host", "localhost"]).code,
        0
    );
    let r = probe(&[&url, "--cacert", ca, "--host", "other.test"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("certificate is for localhost, 127.0.0.1, not for 'other.test'"),
        "{}",
        r.stdout
    );
    // --cert-min-days 7 fails, 3 passes.
    let (code, v) = probe_json(&[&url, "--cacert", ca, "--cert-min-days", "7"]);
    assert_eq!(code, 1);
    let reason = v["targets"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("certificate expires in 5.0 days")
            || reason.starts_with("certificate expires in 4.9 days"),
        "{reason}"
    );
    assert_eq!(
        probe(&[&url, "--cacert", ca, "--cert-min-days", "3"]).code,
        0
    );
    // --insecure accepts it; --cert-only sends no request; per-target assertion overrides.
    assert_eq!(
        probe(&[&url, "--insecure", "--http-version", "1.1"]).code,
        0
    );
    let (code, v) = probe_json(&[
        &format!("{url} cert-min-days=2"),
        "--insecure",
        "--cert-only",
        "--cert-min-days",
        "30",
    ]);
    assert_eq!(code, 0, "{v}");
    assert!(v["targets"][0]["status"].is_null());
    // Prometheus and nagios see the certificate.
    let r = probe(&[&url, "--cacert", ca, "--output", "prometheus"]);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("probe_ssl_earliest_cert_expiry{"))
        .unwrap();
    let expiry: i64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((expiry - now - 5 * 86_400).abs() < 120, "{line}");
    let r = probe(&[
        &url,
        "--cacert",
        ca,
        "-o",
        "nagios",
        "--warn-days",
        "10",
        "--crit-days",
        "2",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("LBCTL WARNING - "), "{}", r.stdout);
    // Days left alert when below the threshold: Nagios range `N:` (a bare N alerts above).
    assert!(r.stdout.trim_end().ends_with(";10:;2:"), "{}", r.stdout);
    let r = probe(&[&url, "--cacert", ca, "-o", "nagios", "--crit-days", "7"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.starts_with("LBCTL CRITICAL - "), "{}", r.stdout);
    // --cert-only on a non-https target is bad input.
    assert_eq!(probe(&["127.0.0.1:1", "--cert-only"]).code, 2);
}

// ---------------------------------------------------------------------------------------
// Output formats

#[test]
fn every_output_format_parses() {
    let b = support::serve(1, &[]);
    let ok = format!("{}/health", b.url(0));
    let bad = format!("tcp://{}", closed_port());
    // jsonl: one JSON object per target.
    let r = probe(&[&ok, &bad, "-o", "jsonl"]);
    assert_eq!(r.code, 1);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["result"], "ok");
    assert_eq!(lines[1]["result"], "fail");
    // table: a row per target and the verdict line.
    let r = probe(&[&ok, &bad]);
    assert!(
        r.stdout.contains(&ok) && r.stdout.contains(&bad),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("1/2 passed (0 flaky, 1 failed), require all: FAIL"),
        "{}",
        r.stdout
    );
    // prometheus: every sample line is `name{labels} number`, with blackbox's names.
    let r = probe(&[&ok, &bad, "-o", "prometheus"]);
    let mut names = std::collections::BTreeSet::new();
    for line in r.stdout.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        let (name, labels) = series.split_once('{').unwrap();
        assert!(
            labels.ends_with('}') && labels.contains("target=\""),
            "{line}"
        );
        names.insert(name.to_string());
    }
    for want in [
        "probe_success",
        "probe_duration_seconds",
        "probe_http_status_code",
    ] {
        assert!(names.contains(want), "{want} in {names:?}");
    }
    assert!(
        r.stdout
            .contains(&format!("probe_success{{target=\"{ok}\"}} 1"))
    );
    assert!(r.stdout.contains(&format!(
        "probe_duration_seconds{{target=\"{ok}\",phase=\"connect\"}}"
    )));
    // nagios: the plugin line and codes 0, 1 (failure tolerated by --require), 2, 3.
    let r = probe(&[&ok, "-o", "nagios"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("LBCTL OK - 1/1 targets passed") && r.stdout.contains(" | '"),
        "{}",
        r.stdout
    );
    let r = probe(&[&ok, &bad, "-o", "nagios", "--require", "any"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("LBCTL WARNING - "));
    let r = probe(&[&ok, &bad, "-o", "nagios"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.starts_with("LBCTL CRITICAL - ") && r.stdout.contains("connection refused"));
    let r = probe(&["nohost", "-o", "nagios"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stdout
            .starts_with("LBCTL UNKNOWN - invalid target 'nohost'"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 1);
}

#[test]
fn nagios_latency_thresholds() {
    let slow = support::serve(1, &["--latency", "200ms"]);
    let url = format!("{}/health", slow.url(0));
    let r = probe(&[
        &url,
        "-o",
        "nagios",
        "--warn-latency",
        "50ms",
        "--crit-latency",
        "5s",
    ]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(";0.050000;5.000000;0"),
        "perfdata thresholds: {}",
        r.stdout
    );
    let r = probe(&[
        &url,
        "-o",
        "nagios",
        "--warn-latency",
        "50ms",
        "--crit-latency",
        "100ms",
    ]);
    assert_eq!(r.code, 2, "{}", r.stdout);
}

/// Nagios plugin guidelines: a plugin's own problem (bad flag, bad target, a flag clap
/// rejects before probe runs, a runtime failure) is UNKNOWN: exit 3, exactly one line on
/// stdout, no `|` in it unless perfdata follows.
#[test]
fn nagios_usage_errors_are_unknown_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    for args in [
        // clap: a bad value, an unknown flag, a missing value, a bad enum value.
        &["db:1", "-o", "nagios", "--timeout", "soon"][..],
        &["db:1", "-o", "nagios", "--bogus"],
        &["db:1", "--output=nagios", "--timeout"],
        &["db:1", "-onagios", "--http-version", "3"],
        &["-qo", "nagios", "db:1", "--rise", "-1"],
        // probe's own checks: target, conditions, files, mode combinations.
        &["nohost", "-o", "nagios"],
        &["-o", "nagios"],
        &["db:1", "-o", "nagios", "--expect-status", "2xx"],
        &["db:1", "-o", "nagios", "--expect-body-regex", "("],
        &["db:1", "-o", "nagios", "--warn-days", "x"],
        &["db:1", "-o", "nagios", "--watch"],
        &["db:1", "-o", "nagios", "--require", "3"],
        &["https://a/", "-o", "nagios", "--cacert", missing],
        &["db:1", "-o", "nagios", "--targets-file", missing],
    ] {
        let r = probe(args);
        assert_eq!(r.code, 3, "{args:?}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.stdout.lines().count(), 1, "{args:?}: {}", r.stdout);
        assert!(
            r.stdout.starts_with("LBCTL UNKNOWN - ") && !r.stdout.contains('|'),
            "{args:?}: {}",
            r.stdout
        );
        assert!(!r.stdout.contains("For more information"), "{}", r.stdout);
    }
    // --help is not an error: clap prints it and exits 0, nagios or not.
    let r = probe(&["-o", "nagios", "--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.lines().count() > 10);
    // Without nagios, a clap error stays a usage error (exit 2, stderr).
    let r = probe(&["db:1", "--timeout", "soon"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    // `nagios` as another flag's value is not nagios mode.
    let r = probe(&["db:1", "--host", "nagios", "--timeout", "soon"]);
    assert_eq!(r.code, 2);
}

// ---------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_targets_and_conditions_exit_2() {
    for (args, needle) in [
        (
            &["ftp://x:1"][..],
            "invalid target 'ftp://x:1': unknown scheme",
        ),
        (&["localhost"], "the port is missing"),
        (
            &["db:1", "--expect-status", "2xx"],
            "invalid status list '2xx'",
        ),
        (
            &["db:1", "--expect-json", ".status = UP"],
            "invalid JSON condition",
        ),
        (
            &["db:1", "--expect-body-regex", "(unclosed"],
            "invalid regular expression",
        ),
        (&["db:1", "--max-latency", "fast"], "invalid value 'fast'"),
        (&["db:1", "--require", "5"], "--require 5 cannot hold"),
        (&["db:1", "-H", "novalue"], "invalid header 'novalue'"),
        (&[][..], "no targets"),
    ] {
        let r = probe(args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}
