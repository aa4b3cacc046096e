//! Interop with third-party tools and clients (issue 12): certificates made by `openssl req
//! -x509` (CA:TRUE, as curl accepts them pinned with `--cacert`), TLS servers that do not offer
//! HTTP/2, and messages that must never show a Rust Debug form. Real sockets on loopback,
//! the built binary; in-test TLS servers on tokio-rustls.

use crate::support::lbctl;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// Helpers

/// A certificate and key in PEM files.
struct Pem {
    cert: PathBuf,
    key: PathBuf,
}

/// A self-signed certificate for localhost and 127.0.0.1 as `openssl req -x509` makes it
/// (CA:TRUE): with the openssl binary when there is one (the case the issue reports), else
/// the same shape from rcgen, so the test never silently skips.
fn openssl_self_signed(dir: &Path) -> Pem {
    let pem = Pem {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&pem.key)
        .arg("-out")
        .arg(&pem.cert)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(&pem.cert, cert.pem()).unwrap();
        std::fs::write(&pem.key, key.serialize_pem()).unwrap();
    }
    pem
}

/// An HTTPS server answering 200 "ok" on 127.0.0.1:0, offering `alpn` (empty: no ALPN at
/// all, like a server that ignores it); stops when dropped.
struct TlsServer {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

impl TlsServer {
    fn url(&self) -> String {
        format!("https://{}/", self.addr)
    }
}

fn tls_server(pem: &Pem, alpn: &[&[u8]]) -> TlsServer {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    lbctl::tls::install_provider();
    let certs = lbctl::tls::load_certs(&pem.cert).unwrap();
    let key = lbctl::tls::load_key(&pem.key).unwrap();
    let cfg = lbctl::tls::server_config(certs, key, alpn).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                        http_body_util::Full::new(bytes::Bytes::from_static(b"ok\n")),
                    ))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    TlsServer { addr, _rt: rt }
}

/// A Rust Debug form in a user-facing message: `Other(OtherError(..))`, `DnsName("x")`,
/// `NoApplicationProtocol` right after a colon is not caught here, but its `Word(` or
/// `Error(` forms and struct braces are.
fn assert_plain(msg: &str) {
    let b = msg.as_bytes();
    let debugish = msg.contains("Error(")
        || msg.contains('{')
        || b.windows(2)
            .any(|w| w[0].is_ascii_alphanumeric() && w[1] == b'(');
    assert!(!debugish, "a Debug form in a user-facing message: {msg}");
}

fn run(sub: &str, args: &[&str]) -> (i32, String, String) {
    let out = lbctl().arg(sub).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(sub: &str, args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend_from_slice(&["--output", "json"]);
    let (code, out, err) = run(sub, &a);
    let v = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}), exit {code}: {out}\nstderr: {err}"));
    (code, v)
}

fn probe_reason(args: &[&str]) -> (i32, String) {
    let (code, v) = json("probe", args);
    let reason = v["targets"][0]["reason"].as_str().unwrap_or("").to_string();
    assert_plain(&reason);
    (code, reason)
}

/// The first TLS error message of a load run, checked for Debug forms.
fn load_tls_error(args: &[&str]) -> String {
    let (_, d) = json("load", args);
    let first = d["error_categories"]["tls"]["first"]
        .as_str()
        .unwrap_or_else(|| panic!("no TLS error: {d}"))
        .to_string();
    assert_plain(&first);
    first
}

// ---------------------------------------------------------------------------------------
// A pinned CA:TRUE certificate (openssl req -x509)

#[test]
fn an_openssl_self_signed_certificate_pinned_with_cacert_is_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let pem = openssl_self_signed(dir.path());
    let s = tls_server(&pem, &[b"h2", b"http/1.1"]);
    let url = s.url();
    let ca = pem.cert.to_str().unwrap();

    // The reference: curl accepts it pinned (when curl is installed).
    if let Ok(out) = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert", ca, &url])
        .output()
    {
        assert!(
            out.status.success(),
            "curl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // probe: not pinned, the message says what it is and what to do.
    let (code, reason) = probe_reason(&[&url]);
    assert_eq!(code, 1);
    assert!(
        reason.contains("CA certificate (CA:TRUE)") && reason.contains("--cacert FILE"),
        "{reason}"
    );
    // Pinned: trusted, over both names it carries.
    let (code, reason) = probe_reason(&[&url, "--cacert", ca]);
    assert_eq!((code, reason.as_str()), (0, "ok"));
    let local = url.replace("127.0.0.1", "localhost");
    let (code, reason) = probe_reason(&[&local, "--cacert", ca]);
    assert_eq!((code, reason.as_str()), (0, "ok"));
    // Pinned, but another name: still refused, naming both.
    let (code, reason) = probe_reason(&[&url, "--cacert", ca, "--host", "other.test"]);
    assert_eq!(code, 1);
    assert!(
        reason.contains("is for localhost, 127.0.0.1, not for 'other.test'"),
        "{reason}"
    );

    // load: the same, counted per request.
    let first = load_tls_error(&[&url, "-n", "3", "-c", "1"]);
    assert!(
        first.contains("CA:TRUE") && first.contains("--cacert FILE"),
        "{first}"
    );
    let (code, d) = json("load", &[&url, "-n", "20", "-c", "2", "--cacert", ca]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(d["status"]["200"], 20, "{d}");
    assert_eq!(d["errors"], 0, "{d}");
}

/// Every certificate problem a client meets, in words: unknown issuer, expired, wrong name.
#[test]
fn certificate_errors_are_plain_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, cert: &rcgen::Certificate, key: &rcgen::KeyPair| {
        let pem = Pem {
            cert: dir.path().join(format!("{name}.pem")),
            key: dir.path().join(format!("{name}.key")),
        };
        std::fs::write(&pem.cert, cert.pem()).unwrap();
        std::fs::write(&pem.key, key.serialize_pem()).unwrap();
        pem
    };
    // An expired self-signed leaf for 127.0.0.1, pinned.
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".into()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 2);
    let key = rcgen::KeyPair::generate().unwrap();
    let expired = write("expired", &params.self_signed(&key).unwrap(), &key);
    let s = tls_server(&expired, &[b"http/1.1"]);
    let ca = expired.cert.to_str().unwrap();
    let (code, reason) = probe_reason(&[&s.url(), "--cacert", ca]);
    assert_eq!(code, 1);
    assert!(
        reason.contains("the server's certificate expired on 2021-01-02T00:00:00Z"),
        "{reason}"
    );
    let first = load_tls_error(&[&s.url(), "-n", "2", "-c", "1", "--cacert", ca]);
    assert!(first.contains("expired on 2021-01-02"), "{first}");

    // Unknown issuer: a leaf for a name the client does not trust at all (system roots).
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".into()]).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = write("leaf", &params.self_signed(&key).unwrap(), &key);
    let s = tls_server(&leaf, &[b"http/1.1"]);
    let (_, reason) = probe_reason(&[&s.url()]);
    assert!(
        reason.contains("not signed by a trusted CA") && reason.contains("--insecure"),
        "{reason}"
    );
    let first = load_tls_error(&[&s.url(), "-n", "2", "-c", "1"]);
    assert!(first.contains("not signed by a trusted CA"), "{first}");
    // Its name does not cover localhost.
    let local = s.url().replace("127.0.0.1", "localhost");
    let (_, reason) = probe_reason(&[&local, "--cacert", leaf.cert.to_str().unwrap()]);
    assert!(
        reason.contains("is for 127.0.0.1, not for 'localhost'"),
        "{reason}"
    );
    // A plain-text server on an https:// URL.
    let plain = crate::support::serve(1, &[]);
    let url = plain.url(0).replace("http://", "https://");
    let (_, reason) = probe_reason(&[&url, "--insecure"]);
    assert!(reason.contains("did not answer in TLS"), "{reason}");
    let first = load_tls_error(&[&url, "-n", "2", "-c", "1", "--insecure"]);
    assert!(first.contains("did not answer in TLS"), "{first}");
    // A bad --cacert file: one line, no Debug form.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\nAAAA\n").unwrap();
    for sub in ["probe", "load"] {
        let (code, _, err) = run(sub, &[&s.url(), "--cacert", bad.to_str().unwrap()]);
        assert_eq!(code, 2, "{sub}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{sub}: {err}");
        assert_plain(&err);
    }
}

// ---------------------------------------------------------------------------------------
// /metrics and probe --output prometheus, read by promtool (Debian's prometheus package)

/// promtool, which `.ci/run` installs (`apt-get install prometheus`).
fn promtool() -> &'static str {
    let found = std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "promtool not found: install Debian's prometheus package (.ci/run does)"
    );
    "promtool"
}

/// `promtool check metrics` on `text`: (exit code, what it printed).
fn promtool_check(text: &str) -> (i32, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Parse an OpenMetrics exposition with Prometheus' own OpenMetrics parser (promtool's
/// backfill: `tsdb create-blocks-from openmetrics`, which needs a timestamp on every sample,
/// so each sample is stamped first) and return the series names it stored.
fn promtool_openmetrics_series(om: &str, dir: &Path) -> std::collections::BTreeSet<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let stamped: String = om
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("{l}\n")
            } else {
                format!("{l} {now}\n")
            }
        })
        .collect();
    let input = dir.join("om.txt");
    std::fs::write(&input, stamped).unwrap();
    let db = dir.join("tsdb");
    let out = std::process::Command::new(promtool())
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool's OpenMetrics parser refused the answer: {}{}\n{om}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(db.join("wal")).unwrap();
    let dump = std::process::Command::new(promtool())
        .args(["tsdb", "dump"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(dump.status.success(), "promtool tsdb dump failed");
    String::from_utf8_lossy(&dump.stdout)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("{__name__=\"")
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        })
        .collect()
}

/// The sample names of an exposition (what a scraper stores).
fn sample_names(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect()
}

#[test]
fn metrics_negotiate_the_format_and_promtool_accepts_both() {
    use crate::proxy::{args_with, backend_args, proxy};
    let dir = tempfile::tempdir().unwrap();
    let b = crate::support::serve(1, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--admin", "127.0.0.1:0"]));
    let client = crate::support::http();
    for _ in 0..3 {
        assert_eq!(client.get(p.url("/")).send().unwrap().status(), 200);
    }
    let admin = p.admin.as_ref().unwrap();
    let get = |accept: Option<&str>| {
        let mut req = client.get(format!("http://{admin}/metrics"));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let r = req.send().unwrap();
        assert_eq!(r.status(), 200);
        let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
        (ctype, r.text().unwrap())
    };

    // Prometheus text 0.0.4: what curl (*/*), a 0.0.4 scraper and no Accept at all get.
    let mut text_answer = String::new();
    for accept in [
        Some("text/plain;version=0.0.4"),
        Some("*/*"),
        Some("application/json"),
    ] {
        let (ctype, text) = get(accept);
        assert_eq!(
            ctype, "text/plain; version=0.0.4; charset=utf-8",
            "{accept:?}"
        );
        assert!(!text.contains("# EOF"), "{text}");
        assert!(
            text.contains("# TYPE lbctl_proxy_requests_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "lbctl_proxy_requests_total{pool=\"default\",backend=\"b1\",code=\"200\"} 3"
            ),
            "{text}"
        );
        let (code, lint) = promtool_check(&text);
        assert_eq!(
            (code, lint.as_str()),
            (0, ""),
            "promtool check metrics:\n{text}"
        );
        text_answer = text;
    }

    // OpenMetrics, with the Accept header Prometheus itself sends when it scrapes.
    let (ctype, om) = get(Some(
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ));
    assert_eq!(
        ctype,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(om.contains("# TYPE lbctl_proxy_requests counter\n"), "{om}");
    // Prometheus' OpenMetrics parser reads it, and stores the very series of the text answer.
    let stored = promtool_openmetrics_series(&om, dir.path());
    assert_eq!(stored, sample_names(&text_answer));
    assert!(stored.contains("lbctl_proxy_requests_total"), "{stored:?}");
}

#[test]
fn probe_prometheus_output_passes_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let pem = openssl_self_signed(dir.path());
    let s = tls_server(&pem, &[b"http/1.1"]);
    let b = crate::support::serve(1, &[]);
    let health = format!("{}/health", b.url(0));
    let (code, out, err) = run(
        "probe",
        &[
            &s.url(),
            &health,
            &b.addr(0),
            "--cacert",
            pem.cert.to_str().unwrap(),
            "--output",
            "prometheus",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("probe_ssl_earliest_cert_expiry{"), "{out}");
    assert!(out.contains("probe_http_status_code{"), "{out}");
    let (code, lint) = promtool_check(&out);
    assert_eq!(
        (code, lint.as_str()),
        (0, ""),
        "promtool check metrics:\n{out}"
    );
}

// ---------------------------------------------------------------------------------------
// HTTP/2 over TLS needs the server's agreement (ALPN h2)

/// A TLS server that offers only http/1.1 (rustls ends the handshake with an alert when the
/// client offers only h2) and one that offers no ALPN at all (picks nothing, as servers that
/// ignore ALPN do): `load --http2` says the server did not agree to HTTP/2 and exits 3 before
/// measuring; probe --http-version 2 words it the same; without --http2 both work.
#[test]
fn http2_to_a_server_without_h2_is_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let pem = openssl_self_signed(dir.path());
    let http1_only = tls_server(&pem, &[b"http/1.1"]);
    let no_alpn = tls_server(&pem, &[]);
    let ca = pem.cert.to_str().unwrap();
    for s in [&http1_only, &no_alpn] {
        let url = s.url();
        let (code, out, err) = run("load", &[&url, "--http2", "-n", "5", "--cacert", ca]);
        assert_eq!(code, 3, "{url}: {out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(
            err.contains("the server did not agree to HTTP/2 (ALPN h2")
                && err.contains("drop --http2"),
            "{err}"
        );
        assert!(!err.contains("frame with invalid size"), "{err}");
        assert_plain(&err);
        // Over HTTP/1.1 the same server is fine.
        let (code, d) = json("load", &[&url, "-n", "5", "--cacert", ca]);
        assert_eq!(code, 0, "{d}");
        assert_eq!(d["status"]["200"], 5, "{d}");
        assert_eq!(d["http"], "1.1", "{d}");
        // probe says the same thing.
        let (code, v) = json("probe", &[&url, "--http-version", "2", "--cacert", ca]);
        assert_eq!(code, 1, "{v}");
        assert_eq!(
            v["targets"][0]["reason"], "the server did not agree to HTTP/2 (ALPN h2)",
            "{v}"
        );
    }
}
