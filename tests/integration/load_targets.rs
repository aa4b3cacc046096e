//! `lbctl load --targets`: vegeta's http and JSON-lines formats. A Python http.server backend
//! records every request it receives (method, path, headers, body), so the tests check what
//! really arrived, per target and per count: over the hand-written HTTP/1.1 client (http://)
//! and over hyper (https://). Plus a file of tens of MB read with small memory, and bad lines.

use crate::support::{Proc, lbctl, serve};
use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Records each request as a JSON line in argv[1]; TLS when argv[2] (cert) and argv[3] (key)
/// are given. Prints its port.
const RECORDER: &str = r#"
import base64, http.server, json, ssl, sys, threading
out = open(sys.argv[1], "a")
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        rec = {"method": self.command, "path": self.path,
               "headers": [[k.lower(), v] for k, v in self.headers.items()],
               "body": base64.b64encode(body).decode()}
        with lock:
            out.write(json.dumps(rec) + "\n"); out.flush()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = any
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

pub(crate) struct Recorder {
    proc: Proc,
    log: std::path::PathBuf,
    pub(crate) port: u16,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.proc.child.kill();
        let _ = self.proc.child.wait();
    }
}

pub(crate) fn recorder(dir: &Path, tls: bool) -> Recorder {
    let log = dir.join("received.jsonl");
    let mut args = vec![
        "-c".to_string(),
        RECORDER.to_string(),
        log.display().to_string(),
    ];
    if tls {
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
        args.push(dir.join("cert.pem").display().to_string());
        args.push(dir.join("key.pem").display().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut proc = Proc::spawn_program("python3", &refs);
    let port = proc.line(Duration::from_secs(20)).trim().parse().unwrap();
    Recorder { proc, log, port }
}

/// One request as the recorder received it: method, path, headers (lowercase names), body.
pub(crate) type Received = (String, String, Vec<(String, String)>, Vec<u8>);

/// What the recorder received, in order.
pub(crate) fn received(r: &Recorder) -> Vec<Received> {
    std::fs::read_to_string(&r.log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let headers = v["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
                .collect();
            let body = base64::engine::general_purpose::STANDARD
                .decode(v["body"].as_str().unwrap())
                .unwrap();
            (
                v["method"].as_str().unwrap().into(),
                v["path"].as_str().unwrap().into(),
                headers,
                body,
            )
        })
        .collect()
}

fn run_json(args: &[&str]) -> Value {
    let out = lbctl()
        .arg("load")
        .args(args)
        .args(["--output", "json", "--quiet"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    h.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn vegeta_http_format_sends_each_targets_method_headers_and_body() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path(), false);
    let base = format!("http://127.0.0.1:{}", rec.port);
    std::fs::create_dir(dir.path().join("bodies")).unwrap();
    let post_body = b"{\"name\":\"lbctl\",\"n\":1}\n";
    std::fs::write(dir.path().join("bodies/new.json"), post_body).unwrap();
    let targets = dir.path().join("targets.http");
    std::fs::write(
        &targets,
        format!(
            "# vegeta http format\n\
             GET {base}/get?x=1\n\
             X-Trace: abc\n\
             Accept: text/plain\n\
             \n\
             POST {base}/post\n\
             Content-Type: application/json\n\
             # lbctl-weight: 2\n\
             @bodies/new.json\n\
             \n\n\
             PUT {base}/put\n\
             X-Put: 1\n\
             X-Put: 2\n"
        ),
    )
    .unwrap();
    // Total weight 4: -n 40 is ten passes, exactly.
    let doc = run_json(&[
        "--targets",
        targets.to_str().unwrap(),
        "-H",
        "X-Global: g",
        "-n",
        "40",
        "-c",
        "4",
    ]);
    assert_eq!(doc["responses"], 40, "{doc}");
    let got = received(&rec);
    assert_eq!(got.len(), 40);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (method, path, headers, body) in &got {
        *counts.entry(path.as_str()).or_default() += 1;
        assert_eq!(header(headers, "x-global"), ["g"], "{path}");
        assert_eq!(header(headers, "host"), [format!("127.0.0.1:{}", rec.port)]);
        match path.as_str() {
            "/get?x=1" => {
                assert_eq!(method, "GET");
                assert_eq!(header(headers, "x-trace"), ["abc"]);
                assert_eq!(header(headers, "accept"), ["text/plain"]);
                assert!(body.is_empty());
            }
            "/post" => {
                assert_eq!(method, "POST");
                assert_eq!(header(headers, "content-type"), ["application/json"]);
                assert_eq!(body, post_body);
            }
            "/put" => {
                assert_eq!(method, "PUT");
                assert_eq!(header(headers, "x-put"), ["1", "2"]);
                assert!(body.is_empty());
            }
            other => panic!("unexpected path {other}"),
        }
    }
    assert_eq!(
        counts,
        BTreeMap::from([("/get?x=1", 10), ("/post", 20), ("/put", 10)])
    );
}

#[test]
fn json_lines_with_base64_bodies_over_tls_go_through_hyper() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path(), true);
    let base = format!("https://127.0.0.1:{}", rec.port);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let binary: Vec<u8> = vec![0, 1, 2, 0xff, 0xfe, b'\n', b'x'];
    let lines = [
        serde_json::json!({"method": "POST", "url": format!("{base}/bin"),
            "header": {"Content-Type": ["application/octet-stream"]},
            "body": b64(&binary), "weight": 3}),
        serde_json::json!({"method": "PATCH", "url": format!("{base}/text"),
            "header": {"X-Multi": ["a", "b"]}, "body": b64(b"hello targets")}),
        serde_json::json!({"method": "GET", "url": format!("{base}/plain")}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let targets = dir.path().join("targets.jsonl");
    std::fs::write(&targets, text).unwrap();
    // Total weight 5: -n 50 is ten passes.
    let doc = run_json(&[
        "--targets",
        targets.to_str().unwrap(),
        "--insecure",
        "-n",
        "50",
        "-c",
        "3",
    ]);
    assert_eq!(doc["responses"], 50, "{doc}");
    let got = received(&rec);
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (method, path, headers, body) in &got {
        *counts.entry(path.as_str()).or_default() += 1;
        match path.as_str() {
            "/bin" => {
                assert_eq!(method, "POST");
                assert_eq!(
                    header(headers, "content-type"),
                    ["application/octet-stream"]
                );
                assert_eq!(body, &binary);
            }
            "/text" => {
                assert_eq!(method, "PATCH");
                assert_eq!(header(headers, "x-multi"), ["a", "b"]);
                assert_eq!(body, b"hello targets");
            }
            "/plain" => {
                assert_eq!(method, "GET");
                assert!(body.is_empty());
            }
            other => panic!("unexpected path {other}"),
        }
    }
    assert_eq!(
        counts,
        BTreeMap::from([("/bin", 30), ("/plain", 10), ("/text", 10)])
    );
}

#[test]
fn a_large_targets_file_is_streamed_in_small_memory() {
    let b = serve(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("big.http");
    // 12,000 targets of ~2 KiB each: a 24 MiB file.
    let pad = "p".repeat(2000);
    let mut text = String::with_capacity(25 << 20);
    for i in 0..12_000 {
        text.push_str(&format!("GET {}/t/{i}\nX-Pad: {pad}\n\n", b.url(0)));
    }
    std::fs::write(&targets, &text).unwrap();
    let size = text.len() as u64;
    assert!(size > 24_000_000);
    drop(text);
    // Peak memory with the file against a run of one URL: the file must not add its size.
    let (with_file, doc) = peak_rss(&["--targets", targets.to_str().unwrap()]);
    assert_eq!(doc["responses"], 3000);
    let (one_url, _) = peak_rss(&[b.url(0)]);
    // A block is 1024 targets (~2 MiB of headers here, held as a few copies).
    assert!(
        with_file < one_url + (16 << 20),
        "peak RSS {with_file} B with a {size}-byte file, {one_url} B with one URL"
    );
}

/// Run `lbctl load ARGS -n 3000 -c 4`; its peak RSS in bytes (the kernel's accounting, read by
/// Python's RUSAGE_CHILDREN) and its report.
fn peak_rss(args: &[&str]) -> (u64, Value) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, timeout=120)\n\
             print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
             print(r.stdout.decode())",
            crate::support::bin(),
            "load",
        ])
        .args(args)
        .args(["-n", "3000", "-c", "4", "--output", "json", "--quiet"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (first, doc) = stdout.split_once('\n').unwrap();
    let mut it = first.split_whitespace();
    let (rc, maxrss_kib): (i32, u64) = (
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
    );
    assert_eq!(rc, 0, "{}", String::from_utf8_lossy(&out.stderr));
    (maxrss_kib * 1024, serde_json::from_str(doc).unwrap())
}

#[test]
fn bad_lines_are_exit_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:9/x";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "t1.http",
            format!("GET {url}\n\nGET {url}\nno colon here\n"),
            "line 4",
        ),
        ("t2.http", format!("GET {url}\n\nFETCH\n"), "line 3"),
        ("t3.http", format!("GET {url}\n@missing.bin\n"), "line 1"),
        (
            "t4.http",
            format!("GET {url}\n# lbctl-weight: zero\n"),
            "line 2",
        ),
        (
            "t5.jsonl",
            format!("{{\"method\":\"GET\",\"url\":\"{url}\"}}\n{{\"method\":\"GET\"}}\n"),
            "line 2",
        ),
        (
            "t6.jsonl",
            format!("{{\"method\":\"GET\",\"url\":\"{url}\",\"body\":\"%%%\"}}\n"),
            "line 1",
        ),
        ("t7.http", "GET ftp://127.0.0.1/\n".to_string(), "line 1"),
    ];
    for (name, text, line) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = lbctl()
            .args(["load", "--targets", p.to_str().unwrap(), "-n", "1"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(line), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // --targets with a URL or -m is a usage error too.
    let p = dir.path().join("t1.http");
    for extra in [vec!["http://127.0.0.1:9/"], vec!["-m", "POST"]] {
        let out = lbctl()
            .args(["load", "--targets", p.to_str().unwrap()])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
    }
}
