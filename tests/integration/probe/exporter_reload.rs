//! `lbctl probe --exporter` reloading its modules file as blackbox_exporter does: the file is
//! rewritten, then `POST /-/reload` (and later SIGHUP) puts the new modules in use; a bad file
//! is answered 500 with the reason and the old modules stay; GET is refused with blackbox's
//! 405; each reload logs one stderr line and lands in blackbox's
//! `blackbox_exporter_config_last_reload_*` gauges. A probe in flight during a reload finishes
//! with the module it started with. The target is Python's SimpleHTTPRequestHandler serving a
//! file (it sends Last-Modified), for probe_failed_due_to_regex,
//! probe_http_last_modified_timestamp_seconds and body_size_limit.

use crate::support::{self, Proc};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

const FILE_SERVER: &str = r#"
import functools, http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=sys.argv[1]))
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

struct Exporter {
    proc: Proc,
    url: String,
    file: PathBuf,
    stderr: mpsc::Receiver<String>,
}

/// `lbctl probe --exporter 127.0.0.1:0 --modules FILE` (not quiet: reloads are logged), with
/// its stderr read line by line.
fn exporter(dir: &Path, modules: &str) -> Exporter {
    let file = dir.join("modules.toml");
    std::fs::write(&file, modules).unwrap();
    let f = file.display().to_string();
    let mut proc = Proc::spawn(&["probe", "--exporter", "127.0.0.1:0", "--modules", &f]);
    let url = proc.line(Duration::from_secs(20));
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let err = proc.child.stderr.take().expect("stderr");
    let (tx, stderr) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Exporter {
        proc,
        url,
        file,
        stderr,
    }
}

impl Exporter {
    fn scrape(&self, query: &str) -> String {
        support::http()
            .get(format!("{}/probe?{query}", self.url))
            .send()
            .and_then(|r| r.text())
            .expect("scrape")
    }

    fn post_reload(&self) -> (u16, String) {
        let r = support::http()
            .post(format!("{}/-/reload", self.url))
            .send()
            .expect("POST /-/reload");
        (r.status().as_u16(), r.text().unwrap_or_default())
    }

    fn own_metrics(&self) -> String {
        support::http()
            .get(format!("{}/metrics", self.url))
            .send()
            .and_then(|r| r.text())
            .expect("/metrics")
    }

    /// The next stderr line containing `want` (other lines are skipped), within 10 s.
    fn logged(&self, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(l) if l.contains(want) => return l,
                Ok(l) => seen.push(l),
                Err(_) => break,
            }
        }
        panic!("no stderr line with {want:?} in 10 s; saw {seen:?}");
    }
}

/// The value of the sample written exactly `series`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (name, v) = l.rsplit_once(' ')?;
        (name == series).then(|| v.parse().ok())?
    })
}

/// Python's file server on `dir`: its base URL.
fn file_server(dir: &Path) -> (Proc, String) {
    let mut p = Proc::spawn_program("python3", &["-c", FILE_SERVER, &dir.display().to_string()]);
    let port = p.line(Duration::from_secs(20));
    (p, format!("http://127.0.0.1:{}", port.trim()))
}

const V1: &str = r#"
[modules.page]
prober = "http"
fail_if_body_not_matches_regexp = ["hello"]
"#;

const V2: &str = r#"
[modules.page]
prober = "http"
fail_if_body_matches_regexp = ["hello"]

[modules.tiny]
prober = "http"
body_size_limit = 4

[modules.roomy]
prober = "http"
body_size_limit = "1KiB"
"#;

const V3: &str = r#"
[modules.page]
prober = "http"
expect = ["header.Content-Type ~ ^text/plain", "body ~ world"]
"#;

#[test]
fn post_reload_and_sighup_swap_modules_and_a_bad_file_keeps_the_old_ones() {
    let site = tempfile::tempdir().unwrap();
    let page = site.path().join("page.txt");
    std::fs::write(&page, "hello world\n").unwrap();
    let mtime = std::fs::metadata(&page)
        .and_then(|m| m.modified())
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as f64;
    let (_py, base) = file_server(site.path());
    let dir = tempfile::tempdir().unwrap();
    let mut e = exporter(dir.path(), V1);
    let q = |module: &str| format!("target={base}/page.txt&module={module}");

    // V1: the body must match "hello"; it does. Last-Modified is the file's mtime.
    let text = e.scrape(&q("page"));
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "probe_failed_due_to_regex"), Some(0.0));
    assert_eq!(
        sample(&text, "probe_http_last_modified_timestamp_seconds"),
        Some(mtime),
        "{text}"
    );
    let own = e.own_metrics();
    assert_eq!(
        sample(&own, "blackbox_exporter_config_last_reload_successful"),
        Some(1.0),
        "{own}"
    );
    let started = sample(
        &own,
        "blackbox_exporter_config_last_reload_success_timestamp_seconds",
    )
    .unwrap_or_default();
    assert!(started > 1.6e9, "{own}");

    // GET is refused as blackbox refuses it.
    let r = support::http()
        .get(format!("{}/-/reload", e.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(
        r.text().unwrap(),
        "This endpoint requires a POST request.\n"
    );

    // V2 by POST: now "hello" must not be in the body; a failed regexp sets the gauge.
    std::fs::write(&e.file, V2).unwrap();
    let (code, body) = e.post_reload();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("10 modules in use"), "{body}");
    let line = e.logged("Reloaded modules");
    assert!(line.contains("from=POST"), "{line}");
    let text = e.scrape(&q("page"));
    assert_eq!(sample(&text, "probe_success"), Some(0.0), "{text}");
    assert_eq!(
        sample(&text, "probe_failed_due_to_regex"),
        Some(1.0),
        "{text}"
    );
    // body_size_limit: 12 bytes are over 4 (a failure, not a regexp one), under 1 KiB.
    let text = e.scrape(&(q("tiny") + "&debug=true"));
    assert!(text.contains("\nprobe_success 0\n"), "{text}");
    assert!(text.contains("\nprobe_failed_due_to_regex 0\n"), "{text}");
    assert!(text.contains("body is over the limit of 4 bytes"), "{text}");
    let text = e.scrape(&q("roomy"));
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "probe_http_uncompressed_body_length"),
        Some(12.0)
    );

    // A bad file: 500 with the reason (file and line), the V2 modules stay in use.
    std::fs::write(
        &e.file,
        "[modules.page]\nprober = \"http\"\ntimeout = \"soon\"\n",
    )
    .unwrap();
    let (code, body) = e.post_reload();
    assert_eq!(code, 500, "{body}");
    assert!(body.starts_with("failed to reload config: "), "{body}");
    assert!(
        body.contains("modules.toml line 3: module page: timeout 'soon'"),
        "{body}"
    );
    assert_eq!(body.trim().lines().count(), 1, "{body}");
    let line = e.logged("Error reloading modules");
    assert!(
        line.contains("from=POST") && line.contains("timeout 'soon'"),
        "{line}"
    );
    let text = e.scrape(&q("page"));
    assert_eq!(
        sample(&text, "probe_failed_due_to_regex"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(sample(&e.scrape(&q("tiny")), "probe_success"), Some(0.0));
    let own = e.own_metrics();
    assert_eq!(
        sample(&own, "blackbox_exporter_config_last_reload_successful"),
        Some(0.0),
        "{own}"
    );
    let after_good = sample(
        &own,
        "blackbox_exporter_config_last_reload_success_timestamp_seconds",
    )
    .unwrap_or_default();
    assert!(after_good >= started, "{own}");

    // V3 by SIGHUP: a header and a body regexp that hold; tiny is gone.
    std::fs::write(&e.file, V3).unwrap();
    e.proc.signal("HUP");
    let line = e.logged("Reloaded modules");
    assert!(line.contains("from=SIGHUP"), "{line}");
    let text = e.scrape(&q("page"));
    assert_eq!(sample(&text, "probe_success"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "probe_failed_due_to_regex"), Some(0.0));
    let r = support::http()
        .get(format!("{}/probe?{}", e.url, q("tiny")))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let own = e.own_metrics();
    assert_eq!(
        sample(&own, "blackbox_exporter_config_last_reload_successful"),
        Some(1.0),
        "{own}"
    );
    // SIGHUP reloads; it does not stop the exporter. SIGTERM does.
    e.proc.signal("TERM");
    assert_eq!(e.proc.wait_exit(Duration::from_secs(15)), Some(0));
}

#[test]
fn a_probe_in_flight_keeps_the_module_it_started_with() {
    // Accepts connections (the kernel's backlog) and never answers: a probe runs to its timeout.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("target={}&module=slow", hung.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let e = exporter(
        dir.path(),
        "[modules.slow]\nprober = \"http\"\ntimeout = \"3s\"\n",
    );
    let (url, q) = (e.url.clone(), target.clone());
    let t0 = Instant::now();
    let first = std::thread::spawn(move || {
        support::http()
            .get(format!("{url}/probe?{q}"))
            .send()
            .and_then(|r| r.text())
            .expect("scrape")
    });
    std::thread::sleep(Duration::from_millis(800));
    std::fs::write(
        &e.file,
        "[modules.slow]\nprober = \"http\"\ntimeout = \"1s\"\n",
    )
    .unwrap();
    let (code, body) = e.post_reload();
    assert_eq!(code, 200, "{body}");
    // The reload did not wait for the probe in flight.
    assert!(
        t0.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t0.elapsed()
    );
    let old = first.join().unwrap();
    assert_eq!(sample(&old, "probe_timeout_seconds"), Some(3.0), "{old}");
    assert_eq!(sample(&old, "probe_success"), Some(0.0), "{old}");
    let new = e.scrape(&target);
    assert_eq!(sample(&new, "probe_timeout_seconds"), Some(1.0), "{new}");
    drop(hung);
}
