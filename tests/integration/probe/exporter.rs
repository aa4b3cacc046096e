//! `lbctl probe --exporter`: scraped the way blackbox_exporter is. A real Prometheus (Debian's)
//! with a scrape config in blackbox's documented relabelling style probes an `lbctl serve`
//! backend and a closed port; /probe's answer is checked by `promtool check metrics`; the
//! HTTP, TCP, gRPC (`serve --grpc`) and DNS (dnsmasq) probers answer under blackbox's metric
//! names; bad requests get a 400 with one line; a target that never answers is cut at the
//! scrape's budget; --concurrency turns scrapes away with a 503 instead of queueing forever;
//! SIGTERM stops it. Also the `--expect` HTTP conditions (`body !~ RE`, `header.NAME ~ RE`).

use crate::support::{self, Proc, lbctl};
use std::io::Write;
use std::time::{Duration, Instant};

struct Exporter {
    proc: Proc,
    url: String,
    _dir: tempfile::TempDir,
}

/// `lbctl -q probe --exporter 127.0.0.1:0 EXTRA...` with `modules` (if not empty) as its
/// modules file; its address is its first stdout line.
fn exporter(modules: &str, extra: &[&str]) -> Exporter {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modules.toml");
    std::fs::write(&file, modules).unwrap();
    let file = file.display().to_string();
    let mut args = vec!["-q", "probe", "--exporter", "127.0.0.1:0"];
    if !modules.is_empty() {
        args.extend_from_slice(&["--modules", &file]);
    }
    args.extend_from_slice(extra);
    let mut proc = Proc::spawn(&args);
    let url = proc.line(Duration::from_secs(20));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Exporter {
        proc,
        url,
        _dir: dir,
    }
}

/// GET a /probe query with an optional scrape timeout header: (status, body).
fn scrape(e: &Exporter, query: &str, timeout_header: Option<&str>) -> (u16, String) {
    scrape_at(&e.url, query, timeout_header)
}

fn scrape_at(url: &str, query: &str, timeout_header: Option<&str>) -> (u16, String) {
    let mut req = support::http().get(format!("{url}/probe?{query}"));
    if let Some(t) = timeout_header {
        req = req.header("X-Prometheus-Scrape-Timeout-Seconds", t);
    }
    let r = req.send().expect("scrape");
    (r.status().as_u16(), r.text().unwrap_or_default())
}

/// The value of the sample written exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (name, v) = l.rsplit_once(' ')?;
        (name == series).then(|| v.parse().ok())?
    })
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

const MODULES: &str = r#"
[modules.http_ok_body]
prober = "http"
timeout = "3s"
valid_status_codes = [200]
expect = ["body !~ error", "header.X-Backend ~ ^b"]

[modules.http_no_hello]
prober = "http"
fail_if_body_matches_regexp = ["hello"]
"#;

#[test]
fn probe_answers_in_blackbox_names_and_passes_promtool() {
    let b = support::serve(1, &[]);
    let e = exporter(MODULES, &[]);
    let up = b.addr(0);

    let (code, text) = scrape(&e, &format!("target={up}&module=http_2xx"), Some("3"));
    assert_eq!(code, 200, "{text}");
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "probe_http_status_code"), Some(200.0));
    assert_eq!(sample(&text, "probe_http_version"), Some(1.1));
    assert_eq!(sample(&text, "probe_ip_protocol"), Some(4.0));
    assert_eq!(sample(&text, "probe_http_content_length"), Some(14.0));
    // The scrape's 3 s less blackbox's 0.5 s offset is below the module's 5 s.
    assert_eq!(sample(&text, "probe_timeout_seconds"), Some(2.5));
    for phase in ["resolve", "connect", "tls", "processing", "transfer"] {
        let s = format!("probe_http_duration_seconds{{phase=\"{phase}\"}}");
        assert!(sample(&text, &s).is_some(), "{s} missing:\n{text}");
    }

    // promtool parses and lints what a scrape gets.
    let mut promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = promtool.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Module conditions: a body that must not match, a header that must.
    let (_, text) = scrape(
        &e,
        &format!("target=http://{up}/&module=http_ok_body"),
        None,
    );
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    let (_, text) = scrape(
        &e,
        &format!("target={up}&module=http_no_hello&debug=true"),
        None,
    );
    assert!(text.starts_with("Logs for the probe:"), "{text}");
    assert!(text.contains("Probe failed"), "{text}");
    assert!(text.contains("body has 'hello'"), "{text}");
    assert!(text.contains("\nprobe_success 0\n"), "{text}");
    assert!(text.contains("Module configuration:"), "{text}");

    // A closed port: probe_success 0 with a 200 (the scrape worked, the target did not).
    let down = format!("127.0.0.1:{}", closed_port());
    let (code, text) = scrape(&e, &format!("target={down}&module=tcp_connect"), None);
    assert_eq!((code, sample(&text, "probe_success")), (200, Some(0.0)));

    // Bad requests: one line and a 400, as blackbox answers them.
    let (code, text) = scrape(&e, &format!("target={up}&module=nope"), None);
    assert_eq!((code, text.as_str()), (400, "Unknown module \"nope\"\n"));
    let (code, text) = scrape(&e, "module=http_2xx", None);
    assert_eq!(
        (code, text.as_str()),
        (400, "Target parameter is missing\n")
    );
    let (code, text) = scrape(&e, "target=http://a b/&module=http_2xx", None);
    assert_eq!(code, 400, "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    let (code, _) = scrape(&e, &format!("target={up}"), Some("soon"));
    assert_eq!(code, 400);

    // The exporter's own metrics count what happened.
    let own = support::http()
        .get(format!("{}/metrics", e.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for line in [
        "lbctl_exporter_probes_total{module=\"http_2xx\",result=\"success\"} 1",
        "lbctl_exporter_probes_total{module=\"http_no_hello\",result=\"failure\"} 1",
        "lbctl_exporter_probes_total{module=\"tcp_connect\",result=\"failure\"} 1",
        "blackbox_module_unknown_total 1",
    ] {
        assert!(own.lines().any(|l| l == line), "{line} not in\n{own}");
    }
    let index = support::http().get(&e.url).send().unwrap().text().unwrap();
    assert!(index.contains("http_no_hello"), "{index}");
}

#[test]
fn a_real_prometheus_scrapes_it_with_blackbox_relabelling() {
    let b = support::serve(1, &[]);
    let e = exporter("", &[]);
    let up = format!("{}/health", b.url(0));
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let exporter_addr = e.url.trim_start_matches("http://");
    // blackbox_exporter's README, "Prometheus Configuration", with our addresses.
    let config = format!(
        r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [http_2xx]
    static_configs:
      - targets:
        - {up}
        - {down}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {exporter_addr}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let port = closed_port();
    let _prom = Proc::spawn_program(
        "prometheus",
        &[
            &format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ),
            &format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
            "--log.level=warn",
        ],
    );
    let http = support::http();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "probe_success not seen for both targets in 60 s: {last}"
        );
        std::thread::sleep(Duration::from_millis(500));
        let Ok(r) = http
            .get(format!(
                "http://127.0.0.1:{port}/api/v1/query?query=probe_success"
            ))
            .send()
        else {
            continue;
        };
        let Ok(doc) = r.json::<serde_json::Value>() else {
            continue;
        };
        last = doc.to_string();
        let Some(series) = doc["data"]["result"].as_array() else {
            continue;
        };
        let value = |instance: &str| {
            series
                .iter()
                .find(|s| s["metric"]["instance"] == instance)
                .and_then(|s| s["value"][1].as_str().map(str::to_string))
        };
        if let (Some(u), Some(d)) = (value(&up), value(&down)) {
            assert_eq!((u.as_str(), d.as_str()), ("1", "0"), "{last}");
            break;
        }
    }
}

#[test]
fn grpc_and_dns_probers() {
    let g = support::serve(1, &["--grpc"]);
    let e = exporter(
        r#"
[modules.web_a]
prober = "dns"
query_name = "web.test"
query_type = "A"
expect = ["dns.answer ~ 10\\.0\\.0\\.7"]
"#,
        &[],
    );
    let (_, text) = scrape(&e, &format!("target={}&module=grpc", g.addr(0)), None);
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(
        sample(
            &text,
            "probe_grpc_healthcheck_response{serving_status=\"SERVING\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "probe_grpc_status_code"), Some(0.0));

    let d = super::dns::dnsmasq();
    let (_, text) = scrape(
        &e,
        &format!("target=127.0.0.1:{}&module=web_a", d.port),
        None,
    );
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "probe_dns_answer_rrs"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "probe_dns_query_succeeded"), Some(1.0));
    // The built-in dns module takes a whole dns:// target.
    let (_, text) = scrape(
        &e,
        &format!(
            "target=dns://127.0.0.1:{}/gone.test%3Ftype%3DA&module=dns",
            d.port
        ),
        None,
    );
    assert_eq!(sample(&text, "probe_success"), Some(0.0), "{text}");
    assert_eq!(sample(&text, "probe_dns_query_succeeded"), Some(1.0));
}

#[test]
fn hung_targets_are_cut_and_concurrency_is_bounded() {
    let b = support::serve(1, &[]);
    // Accepts connections (the kernel's backlog) and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_addr = hung.local_addr().unwrap().to_string();
    let mut e = exporter("", &["--concurrency", "1"]);

    let t0 = Instant::now();
    let (code, text) = scrape(&e, &format!("target={hung_addr}"), Some("2"));
    let took = t0.elapsed();
    assert_eq!((code, sample(&text, "probe_success")), (200, Some(0.0)));
    assert_eq!(sample(&text, "probe_timeout_seconds"), Some(1.5), "{text}");
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(8),
        "{took:?}"
    );

    // One slot, held by a hung probe: a scrape with a short budget is turned away.
    let (url, a) = (e.url.clone(), hung_addr.clone());
    let holder = std::thread::spawn(move || scrape_at(&url, &format!("target={a}"), Some("6")));
    std::thread::sleep(Duration::from_millis(1000));
    let (code, text) = scrape(&e, &format!("target={}", b.addr(0)), Some("1"));
    assert_eq!(code, 503, "{text}");
    assert!(text.contains("in flight"), "{text}");
    let (code, text) = holder.join().unwrap();
    assert_eq!((code, sample(&text, "probe_success")), (200, Some(0.0)));
    // The slot is free again.
    let (_, text) = scrape(&e, &format!("target={}", b.addr(0)), Some("3"));
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    drop(hung);

    e.proc.signal("TERM");
    assert_eq!(e.proc.wait_exit(Duration::from_secs(15)), Some(0));
}

#[test]
fn bad_modules_files_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mods.toml");
    for (text, want) in [
        (
            "[modules.a]\nprober = \"http\"\ntimeout = \"soon\"\n",
            "line 3: module a: timeout 'soon'",
        ),
        (
            "[modules.a]\nprober = \"tcp\"\nexpect = [\"body ~ x\"]\n",
            "line 3: module a:",
        ),
        (
            "[modules.a]\nprober = \"smtp\"\n",
            "line 2: module a: prober 'smtp'",
        ),
        ("[modules.a\n", "line 1:"),
    ] {
        std::fs::write(&file, text).unwrap();
        let out = lbctl()
            .args(["probe", "--exporter", "127.0.0.1:0", "--modules"])
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains("mods.toml line"), "{text}: {err}");
        assert!(err.contains(want), "{text}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let out = lbctl()
        .args(["probe", "--exporter", "127.0.0.1:0", "http://a/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn expect_body_and_header_regex_conditions() {
    let b = support::serve(1, &[]);
    let url = b.url(0);
    let run = |conds: &[&str]| {
        let mut c = lbctl();
        c.args(["probe", url, "-o", "json"]);
        for x in conds {
            c.args(["--expect", x]);
        }
        let out = c.output().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (
            out.status.code().unwrap_or(-1),
            doc["targets"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    assert_eq!(
        run(&[
            "body !~ error",
            "header.X-Backend ~ ^b1$",
            "status != 500-599"
        ]),
        (0, "ok".to_string())
    );
    let (code, reason) = run(&["body!~hello"]);
    assert_eq!(code, 1);
    assert_eq!(
        reason,
        "'body!~hello' does not hold (body has 'hello' at byte 0)"
    );
    let (code, reason) = run(&["header.x-backend !~ b1"]);
    assert_eq!(code, 1);
    assert!(reason.contains("x-backend: b1"), "{reason}");
    let (code, reason) = run(&["tls == true"]);
    assert_eq!(code, 1);
    assert!(reason.contains("without TLS"), "{reason}");
}
