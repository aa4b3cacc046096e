//! `--compress` and `--redirect-https` on real sockets: a test origin on a thread (fixed
//! pages, chunked multi-MB bodies, a stream that waits half way, and the answers that must
//! never be compressed), curl as the client (`--compressed`, HTTP/1.1 and HTTP/2), and
//! decoders lbctl did not write (Python's gzip and brotli, Debian's `zstd -d`) checking that
//! what the proxy sent decodes to the origin's bytes exactly.

use super::{config_file, proxy};
use crate::support;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// `n` bytes of text that compresses like a web page (words from a small vocabulary).
pub(super) fn page(n: usize) -> Vec<u8> {
    let words = [
        "lbctl ",
        "proxy ",
        "<p>",
        "</p>\n",
        "compress ",
        "stream ",
        "backend ",
        "route ",
        "listener ",
        "gzip ",
        "brotli ",
        "zstd ",
        "<div class=\"x\">",
        "</div>",
        "42 ",
    ];
    let mut out = Vec::with_capacity(n + 32);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
    }
    out.truncate(n);
    out
}

/// Released by the test to let `/slow` finish.
type Gate = Arc<(Mutex<bool>, Condvar)>;

/// The origin: HTTP/1.1 keep-alive, one thread per connection (at most 200 connections).
/// Paths: /page/N, /chunked/N, /slow, /png/N, /encoded/N, /range, /status/C, /notransform/N,
/// /vary/N, /weak/N, /json/N. Every page is `page(N)`.
pub(super) fn origin() -> (String, Gate) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let gate: Gate = Arc::new((Mutex::new(false), Condvar::new()));
    let g = gate.clone();
    std::thread::spawn(move || {
        for conn in l.incoming().take(200) {
            let Ok(conn) = conn else { return };
            let g = g.clone();
            std::thread::spawn(move || serve_conn(conn, g));
        }
    });
    (addr, gate)
}

fn serve_conn(conn: TcpStream, gate: Gate) {
    conn.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut r = BufReader::new(conn.try_clone().unwrap());
    let mut w = conn;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length.min(1 << 20)];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        if answer(&mut w, &method, &path, &gate).is_err() {
            return;
        }
    }
}

fn answer(w: &mut TcpStream, method: &str, path: &str, gate: &Gate) -> std::io::Result<()> {
    let mut seg = path.trim_start_matches('/').split('/');
    let kind = seg.next().unwrap_or("");
    let n: usize = seg.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let head = method == "HEAD";
    let fixed = |w: &mut TcpStream, status: &str, extra: &str, body: &[u8]| {
        write!(
            w,
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\n\r\n",
            body.len()
        )?;
        if !head {
            w.write_all(body)?;
        }
        w.flush()
    };
    match kind {
        "page" => fixed(
            w,
            "200 OK",
            "Content-Type: text/html; charset=utf-8\r\nETag: \"v1\"\r\nAccept-Ranges: bytes\r\n",
            &page(n),
        ),
        "json" => fixed(w, "200 OK", "Content-Type: application/json\r\n", &page(n)),
        "png" => fixed(w, "200 OK", "Content-Type: image/png\r\n", &page(n)),
        "encoded" => fixed(
            w,
            "200 OK",
            "Content-Type: text/html\r\nContent-Encoding: br\r\n",
            &page(n),
        ),
        "notransform" => fixed(
            w,
            "200 OK",
            "Content-Type: text/html\r\nCache-Control: public, no-transform\r\n",
            &page(n),
        ),
        "vary" => fixed(
            w,
            "200 OK",
            "Content-Type: text/html\r\nVary: Origin\r\n",
            &page(n),
        ),
        "weak" => fixed(
            w,
            "200 OK",
            "Content-Type: text/html\r\nETag: W/\"w1\"\r\n",
            &page(n),
        ),
        "range" => fixed(
            w,
            "206 Partial Content",
            "Content-Type: text/html\r\nContent-Range: bytes 0-4999/20000\r\n",
            &page(5000),
        ),
        "status" => {
            write!(
                w,
                "HTTP/1.1 {n} X\r\nContent-Type: text/html\r\nETag: \"v1\"\r\n\r\n"
            )?;
            w.flush()
        }
        "chunked" | "slow" => {
            write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            )?;
            let body = if kind == "slow" { page(4000) } else { page(n) };
            for (i, c) in body.chunks(16 * 1024).enumerate() {
                if kind == "slow" && i == 0 {
                    write!(w, "{:x}\r\n", 2000)?;
                    w.write_all(&c[..2000])?;
                    w.write_all(b"\r\n")?;
                    w.flush()?;
                    // Wait for the test to see the first part (bounded).
                    let (lock, cv) = &**gate;
                    let open = lock.lock().unwrap();
                    let _ = cv
                        .wait_timeout_while(open, Duration::from_secs(15), |o| !*o)
                        .unwrap();
                    write!(w, "{:x}\r\n", c.len() - 2000)?;
                    w.write_all(&c[2000..])?;
                    w.write_all(b"\r\n")?;
                    continue;
                }
                write!(w, "{:x}\r\n", c.len())?;
                w.write_all(c)?;
                w.write_all(b"\r\n")?;
            }
            w.write_all(b"0\r\n\r\n")?;
            w.flush()
        }
        _ => fixed(w, "404 Not Found", "Content-Type: text/plain\r\n", b"no\n"),
    }
}

/// curl's head (lower-cased) and body; `args` come before the URL.
pub(super) fn curl(args: &[&str], url: &str) -> (String, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "30", "-D", "/dev/stderr"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl");
    assert!(out.status.success(), "curl {args:?} {url}: {out:?}");
    let head = String::from_utf8_lossy(&out.stderr).to_ascii_lowercase();
    (head, out.stdout)
}

pub(super) fn header<'a>(head: &'a str, name: &str) -> Vec<&'a str> {
    head.lines()
        .filter_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::trim)
        .collect()
}

/// Decode with a tool lbctl did not write.
fn decode(coding: &str, data: &[u8]) -> Vec<u8> {
    let (program, args): (&str, Vec<&str>) = match coding {
        "gzip" => (
            "/usr/bin/python3",
            vec![
                "-c",
                "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
            ],
        ),
        "br" => (
            "/usr/bin/python3",
            vec![
                "-c",
                "import brotli,sys; sys.stdout.buffer.write(brotli.decompress(sys.stdin.buffer.read()))",
            ],
        ),
        "zstd" => ("zstd", vec!["-d", "-c", "-q"]),
        other => panic!("no decoder for {other}"),
    };
    let mut child = Command::new(program)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e} (.ci/run installs python3-brotli and zstd)"));
    let mut stdin = child.stdin.take().unwrap();
    let data = data.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success(), "{coding} decoder: {out:?}");
    out.stdout
}

#[test]
fn every_codec_round_trips_through_real_decoders_h1_and_h2() {
    let (o, _gate) = origin();
    let p = proxy(&["--backend", &o, "--compress", "--admin", "127.0.0.1:0"]);
    for (path, want) in [
        ("/page/60000", page(60000)),
        ("/chunked/3500000", page(3_500_000)),
    ] {
        for coding in ["gzip", "br", "zstd"] {
            for h2 in [false, true] {
                let ae = format!("Accept-Encoding: {coding}");
                let mut args = vec!["-H", ae.as_str()];
                if h2 {
                    args.push("--http2-prior-knowledge");
                }
                let (head, body) = curl(&args, &p.url(path));
                assert_eq!(header(&head, "content-encoding"), [coding], "{head}");
                assert!(header(&head, "content-length").is_empty(), "{head}");
                assert!(
                    body.len() < want.len() / 3,
                    "{coding} {path}: {}",
                    body.len()
                );
                assert!(decode(coding, &body) == want, "{coding} {path} h2={h2}");
            }
        }
        // curl's own decoders, choosing from everything curl offers.
        let (head, body) = curl(&["--compressed"], &p.url(path));
        assert_eq!(header(&head, "content-encoding"), ["zstd"], "{head}");
        assert!(body == want);
    }
    // A body's bytes are counted when hyper drops it, just after its last frame went out.
    let want_in = 7 * (60000 + 3_500_000);
    let deadline = Instant::now() + Duration::from_secs(5);
    let m = loop {
        let m = support::http()
            .get(format!("http://{}/metrics", p.admin.as_ref().unwrap()))
            .send()
            .unwrap()
            .text()
            .unwrap();
        if m.contains(&format!(
            "in_bytes_total{{listener=\"listener[0]\"}} {want_in}"
        )) || Instant::now() > deadline
        {
            break m;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    for line in [
        "lbctl_proxy_compressed_responses_total{listener=\"listener[0]\",encoding=\"gzip\"} 4",
        "lbctl_proxy_compressed_responses_total{listener=\"listener[0]\",encoding=\"zstd\"} 6",
    ] {
        assert!(m.contains(line), "{line} in\n{m}");
    }
    let count = |name: &str| -> u64 {
        m.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}{{listener=\"listener[0]\"}} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let (i, o) = (
        count("lbctl_proxy_compression_in_bytes_total"),
        count("lbctl_proxy_compression_out_bytes_total"),
    );
    assert_eq!(i, want_in, "{m}");
    assert!(o > 0 && o < i / 3, "{i} {o}");
}

#[test]
fn a_streamed_answer_is_decodable_before_the_backend_finishes() {
    let (o, gate) = origin();
    let p = proxy(&["--backend", &o, "--compress"]);
    let first = String::from_utf8(page(4000)[..2000].to_vec()).unwrap();
    for coding in ["gzip", "br", "zstd"] {
        *gate.0.lock().unwrap() = false;
        let mut child = Command::new("curl")
            .args(["-s", "-N", "--max-time", "30", "--compressed"])
            .args(["-H", &format!("Accept-Encoding: {coding}")])
            .arg(p.url("/slow"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match out.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.len() < 2000 && Instant::now() < deadline {
            if let Ok(b) = rx.recv_timeout(Duration::from_millis(100)) {
                got.extend(b);
            }
        }
        // The backend is still holding its second part.
        assert_eq!(
            String::from_utf8_lossy(&got),
            first,
            "{coding}: the first part did not arrive decoded while the backend waited"
        );
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        while let Ok(b) = rx.recv_timeout(Duration::from_secs(10)) {
            got.extend(b);
        }
        assert!(child.wait().unwrap().success());
        assert!(got == page(4000), "{coding}: the whole body");
    }
}

#[test]
fn q_values_choose_the_coding() {
    let (o, _gate) = origin();
    let p = proxy(&["--backend", &o, "--compress", "zstd,br,gzip:6"]);
    let c = support::http();
    for (ae, want) in [
        ("gzip, br, zstd", Some("zstd")),
        ("gzip, br", Some("br")),
        ("gzip;q=1.0, br;q=0.5", Some("gzip")),
        ("br;q=0, gzip;q=0.2", Some("gzip")),
        ("*;q=0.3, zstd;q=0", Some("br")),
        ("GZIP;Q=0.9", Some("gzip")),
        ("gzip;q=0", None),
        ("gzip;q=2, br;q=nope", None),
        ("identity", None),
        ("gzip;q=0.5, identity", None),
        ("deflate", None),
    ] {
        let r = c
            .get(p.url("/page/5000"))
            .header("accept-encoding", ae)
            .send()
            .unwrap();
        let got = r
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(got.as_deref(), want, "{ae}");
        // Compressed or not, a cache in front must know the answer varies.
        assert_eq!(r.headers()["vary"], "Accept-Encoding", "{ae}");
        let body = r.bytes().unwrap();
        if let Some(w) = want {
            assert!(decode(w, &body) == page(5000), "{ae}");
        } else {
            assert!(body == page(5000), "{ae}");
        }
    }
}

#[test]
fn never_compressed_answers_pass_untouched() {
    let (o, _gate) = origin();
    let p = proxy(&["--backend", &o, "--compress"]);
    let c = support::http();
    let get = |path: &str, extra: &[(&str, &str)]| {
        let mut rq = c
            .get(p.url(path))
            .header("accept-encoding", "gzip, br, zstd");
        for (k, v) in extra {
            rq = rq.header(*k, *v);
        }
        rq.send().unwrap()
    };
    for (path, why) in [
        ("/png/5000", "image/png is not listed"),
        ("/encoded/5000", "already encoded"),
        ("/range", "206 with Content-Range"),
        ("/status/204", "204"),
        ("/status/304", "304"),
        ("/notransform/5000", "Cache-Control: no-transform"),
        ("/page/255", "under the 256-byte minimum"),
    ] {
        let r = get(path, &[]);
        let h = r.headers().clone();
        let ce: Vec<_> = h.get_all("content-encoding").iter().collect();
        match path {
            "/encoded/5000" => assert_eq!(ce, ["br"], "{why}"),
            _ => assert!(ce.is_empty(), "{why}: {h:?}"),
        }
        assert!(h.get("vary").is_none(), "{why}: {h:?}");
        let body = r.bytes().unwrap();
        let want = match path {
            "/status/204" | "/status/304" => vec![],
            "/range" => page(5000),
            p => page(p.rsplit('/').next().unwrap().parse().unwrap()),
        };
        assert!(body == want, "{why}: body changed");
    }
    // An Upgrade request and an HTTP/1.0 client get the body as it is.
    let r = get(
        "/page/5000",
        &[("connection", "upgrade"), ("upgrade", "websocket")],
    );
    assert!(r.headers().get("content-encoding").is_none());
    let (head, body) = curl(
        &["--http1.0", "-H", "Accept-Encoding: gzip"],
        &p.url("/page/5000"),
    );
    assert!(header(&head, "content-encoding").is_empty(), "{head}");
    assert!(body == page(5000));
    // HEAD carries the head a GET would: encoded, no length, varied.
    let (head, body) = curl(&["-I", "-H", "Accept-Encoding: gzip"], &p.url("/page/5000"));
    assert_eq!(header(&head, "content-encoding"), ["gzip"], "{head}");
    assert!(header(&head, "content-length").is_empty(), "{head}");
    assert_eq!(header(&head, "vary"), ["accept-encoding"], "{head}");
    assert_eq!(header(&head, "etag"), ["w/\"v1\""], "{head}");
    // (curl -I prints the head as its output.)
    assert!(!String::from_utf8_lossy(&body).contains("lbctl proxy"));
}

#[test]
fn vary_etag_and_ranges_follow_the_rules() {
    let (o, _gate) = origin();
    let p = proxy(&["--backend", &o, "--compress"]);
    let (head, _) = curl(&["-H", "Accept-Encoding: gzip"], &p.url("/page/5000"));
    assert_eq!(
        header(&head, "etag"),
        ["w/\"v1\""],
        "strong ETag weakened: {head}"
    );
    assert!(header(&head, "accept-ranges").is_empty(), "{head}");
    assert_eq!(header(&head, "vary"), ["accept-encoding"]);
    let (head, _) = curl(&["-H", "Accept-Encoding: gzip"], &p.url("/weak/5000"));
    assert_eq!(header(&head, "etag"), ["w/\"w1\""], "{head}");
    let (head, _) = curl(&["-H", "Accept-Encoding: gzip"], &p.url("/vary/5000"));
    assert_eq!(
        header(&head, "vary"),
        ["origin", "accept-encoding"],
        "{head}"
    );
    // Not compressed for this client: the ETag stays strong, the ranges stay.
    let (head, _) = curl(&["-H", "Accept-Encoding: identity"], &p.url("/page/5000"));
    assert_eq!(header(&head, "etag"), ["\"v1\""], "{head}");
    assert_eq!(header(&head, "accept-ranges"), ["bytes"], "{head}");
    assert_eq!(header(&head, "content-length"), ["5000"], "{head}");
}

#[test]
fn per_route_settings_from_the_config_file() {
    let (o, _gate) = origin();
    let f = config_file(&format!(
        r#"
[[listener]]
listen = "127.0.0.1:0"
default_pool = "web"
compress = true

[[listener.route]]
path_prefix = "/json"
pool = "web"
compress = {{ algorithms = ["gzip:9"], types = ["application/json"], min_size = "1KiB" }}

[[listener.route]]
path_prefix = "/png"
pool = "web"
compress = {{ types = ["image/*"] }}

[[listener.route]]
path_prefix = "/chunked"
pool = "web"
compress = false

[pool.web]
backends = ["{o}"]
"#
    ));
    let path = f.path().to_str().unwrap();
    let p = proxy(&["--config", path]);
    let enc = |path: &str, ae: &str| {
        let (head, body) = curl(&["-H", &format!("Accept-Encoding: {ae}")], &p.url(path));
        (header(&head, "content-encoding").join(","), body)
    };
    // The route lists gzip only, at level 9.
    let (ce, body) = enc("/json/5000", "zstd, br, gzip");
    assert_eq!(ce, "gzip");
    assert!(decode("gzip", &body) == page(5000));
    assert_eq!(enc("/json/1000", "gzip").0, "", "under the route's 1KiB");
    assert_eq!(enc("/png/5000", "br").0, "br");
    assert_eq!(enc("/chunked/5000", "br").0, "", "compress = false");
    // Other paths: the listener's defaults.
    assert_eq!(enc("/page/5000", "gzip, zstd").0, "zstd");
    let out = support::lbctl()
        .args(["proxy", "--config", path, "explain", "GET /json/x"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("compress  gzip:9 for application/json from 1024 bytes"),
        "{text}"
    );
}

#[test]
fn bad_values_exit_2_with_one_line() {
    for args in [
        vec!["--compress", "gzip:10"],
        vec!["--compress", "lz4"],
        vec!["--compress", "gzip,gzip"],
        vec!["--compress", "--compress-types", "html"],
        vec!["--compress", "--compress-min-size", "lots"],
        vec!["--compress-types", "text/html"],
        vec!["--redirect-code", "301"],
        vec!["--redirect-https", "--redirect-code", "200"],
        vec!["--redirect-https", "0"],
        vec!["--redirect-https", "--tls-self-signed"],
        vec!["--compress", "--mode", "tcp"],
    ] {
        let out = support::lbctl()
            .args(["proxy", "--backend", "127.0.0.1:1"])
            .args(&args)
            .args(["explain", "GET /"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panick") && !err.contains("Some("), "{err}");
    }
    for route in [
        "compress = 1",
        "compress = { algorithms = [\"lz4\"] }",
        "compress = { level = 3 }",
        "compress = { min_size = -4 }",
        "redirect_https = { code = 200 }",
        "redirect_https = \"yes\"",
    ] {
        let f = config_file(&format!(
            "[[listener]]\nlisten = \"127.0.0.1:0\"\n[[listener.route]]\npool = \"web\"\n{route}\n[pool.web]\nbackends = [\"127.0.0.1:1\"]\n"
        ));
        let out = support::lbctl()
            .args([
                "proxy",
                "--config",
                f.path().to_str().unwrap(),
                "explain",
                "GET /",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{route}: {err}");
        assert!(
            err.contains("route[0]") && err.contains("line 5"),
            "{route}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    let f = config_file(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[pool.web]\nbackends = [\"127.0.0.1:1\"]\n",
    );
    let out = support::lbctl()
        .args([
            "proxy",
            "--config",
            f.path().to_str().unwrap(),
            "--compress",
            "on",
            "explain",
            "GET /",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("compress = ..."));
}
