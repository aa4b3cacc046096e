//! The TLS client side of `probe` and `load` against a server lbctl did not write, Python's
//! `ssl` module, with a CA made here by the openssl binary that signs the server's and the
//! client's certificates: client certificates (mutual TLS, `--cert`/`--key`; the server
//! requires one and answers with the common name it verified), and what `probe` reports of a
//! handshake (version, cipher suite, the chain's names, dates and fingerprints, checked against
//! openssl's own reading of the same certificate) with the `tls.*`/`cert.*` conditions.

use crate::support::{Proc, lbctl};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    other_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A new P-256 private key in `d/file`.
fn p256_key(d: &Path, file: &str) {
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            file,
        ],
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate (CN=lbctl-client), both
/// signed by the CA, and an unrelated key.
fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    p256_key(d, "ca.key");
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-days",
            "2",
            "-subj",
            "/CN=lbctl test CA",
            "-out",
            "ca.pem",
        ],
    );
    for (name, cn, ext) in [
        ("server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\n"),
        ("client", "lbctl-client", "extendedKeyUsage=clientAuth\n"),
    ] {
        p256_key(d, &format!("{name}.key"));
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-subj",
                &format!("/CN={cn}"),
                "-out",
                &format!("{name}.csr"),
            ],
        );
        std::fs::write(d.join(format!("{name}.ext")), ext).unwrap();
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.pem"),
            ],
        );
    }
    p256_key(d, "other.key");
    Pki {
        ca: d.join("ca.pem"),
        server_cert: d.join("server.pem"),
        server_key: d.join("server.key"),
        client_cert: d.join("client.pem"),
        client_key: d.join("client.key"),
        other_key: d.join("other.key"),
        _dir: dir,
    }
}

/// Python's HTTPS server requiring a client certificate signed by the CA (argv 4 "mtls"), or
/// not ("plain"), or not and at most TLS 1.2 ("tls12"); prints its port.
const MTLS_SERVER: &str = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        cert = self.connection.getpeercert() or {}
        cn = [v for rdn in cert.get("subject", ()) for (k, v) in rdn if k == "commonName"]
        body = ("client=" + (cn[0] if cn else "none") + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ctx.load_verify_locations(sys.argv[3])
if sys.argv[4] == "mtls":
    ctx.verify_mode = ssl.CERT_REQUIRED
if sys.argv[4] == "tls12":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

fn mtls_server(p: &Pki) -> (Proc, String) {
    python_server(p, "mtls")
}

fn python_server(p: &Pki, mode: &str) -> (Proc, String) {
    let mut proc = Proc::spawn_program(
        "python3",
        &[
            "-c",
            MTLS_SERVER,
            p.server_cert.to_str().unwrap(),
            p.server_key.to_str().unwrap(),
            p.ca.to_str().unwrap(),
            mode,
        ],
    );
    let port = proc.line(Duration::from_secs(20));
    (proc, format!("https://127.0.0.1:{}/", port.trim()))
}

#[test]
fn probe_and_load_show_a_client_certificate_to_a_server_that_requires_one() {
    let p = pki();
    let (_server, url) = mtls_server(&p);
    let (ca, cert, key) = (
        p.ca.to_str().unwrap(),
        p.client_cert.to_str().unwrap(),
        p.client_key.to_str().unwrap(),
    );

    // Without a certificate the server ends the handshake: the probe fails (exit 1).
    let out = lbctl()
        .args(["probe", &url, "--cacert", ca, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // With one the server sees it: the body names the client certificate's CN.
    let out = lbctl()
        .args(["probe", &url, "--cacert", ca, "--cert", cert, "--key", key])
        .args(["--expect-body", "client=lbctl-client", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A load run over mutual TLS: every request answered.
    let out = lbctl()
        .args([
            "load", &url, "-n", "40", "-c", "2", "--cacert", ca, "--cert", cert,
        ])
        .args(["--key", key, "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"]["200"], 40, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
}

#[test]
fn bad_client_certificates_are_usage_errors() {
    let p = pki();
    let (cert, key, other) = (
        p.client_cert.to_str().unwrap(),
        p.client_key.to_str().unwrap(),
        p.other_key.to_str().unwrap(),
    );
    for cmd in ["probe", "load"] {
        let target = "https://127.0.0.1:1/";
        // One without the other: clap's usage error.
        let out = lbctl()
            .args([cmd, target, "--cert", cert])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}: {out:?}");
        // A key that is not the certificate's, a missing file, a file with no certificate.
        for (c, k, want) in [
            (cert, other, "client certificate"),
            ("/nonexistent/c.pem", key, "/nonexistent/c.pem"),
            (key, key, "no certificate"),
        ] {
            let mut args = vec![cmd, target, "--cert", c, "--key", k];
            if cmd == "load" {
                args.extend(["-n", "1"]);
            }
            let out = lbctl().args(&args).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd} {c} {k}: {err}");
            assert!(err.contains(want), "{cmd} {c} {k}: {err}");
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
            assert!(!err.contains("Error {") && !err.contains("Some("), "{err}");
        }
    }
}

/// `openssl x509 -noout OPTION -in FILE`'s output after the '='.
fn openssl_reads(cert: &Path, option: &str) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", option, "-in"])
        .arg(cert)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

#[test]
fn probe_reports_the_handshake_and_judges_tls_and_cert_conditions() {
    let p = pki();
    let ca = p.ca.to_str().unwrap();
    let (_tls13, url13) = python_server(&p, "plain");
    let (_tls12, url12) = python_server(&p, "tls12");

    let out = lbctl()
        .args(["probe", &url13, &url12, "--cacert", ca, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t13 = &doc["targets"][0]["tls"];
    assert_eq!(t13["version"], "TLS 1.3", "{t13}");
    assert_eq!(doc["targets"][1]["tls"]["version"], "TLS 1.2");
    assert!(
        t13["cipher"].as_str().unwrap().starts_with("TLS13_"),
        "{t13}"
    );
    let leaf = &t13["chain"][0];
    assert_eq!(leaf["subject"], "CN=127.0.0.1", "{leaf}");
    assert_eq!(leaf["issuer"], "CN=lbctl test CA", "{leaf}");
    assert_eq!(leaf["sans"], serde_json::json!(["127.0.0.1"]), "{leaf}");
    // The fingerprint and serial as openssl reads the same file.
    assert_eq!(
        leaf["sha256"].as_str().unwrap(),
        openssl_sha256(&p.server_cert),
        "{leaf}"
    );
    let serial = openssl_reads(&p.server_cert, "-serial").to_ascii_lowercase();
    assert_eq!(leaf["serial"].as_str().unwrap().replace(':', ""), serial);
    let days =
        (leaf["not_after"].as_i64().unwrap() - leaf["not_before"].as_i64().unwrap()) / 86_400;
    assert_eq!(days, 2, "openssl x509 -days 2: {leaf}");

    // Conditions: each holds or fails naming what it saw.
    for (url, cond, pass) in [
        (&url13, "tls.version >= 1.3", true),
        (&url12, "tls.version >= 1.3", false),
        (&url12, "tls.version == 1.2", true),
        (&url13, "cert.issuer ~ lbctl test", true),
        (&url13, "cert.issuer ~ Let's Encrypt", false),
        (&url13, "cert.san == 127.0.0.1", true),
        (&url13, "cert.days_left >= 1", true),
        (&url13, "cert.days_left >= 30", false),
        (&url13, "tls.cipher ~ ^TLS13_", true),
    ] {
        let out = lbctl()
            .args(["probe", url, "--cacert", ca, "--expect", cond, "-o", "json"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let reason = doc["targets"][0]["reason"].as_str().unwrap().to_string();
        assert_eq!(out.status.success(), pass, "{cond}: {reason}");
        if !pass {
            assert!(reason.contains(cond) && reason.contains("saw"), "{reason}");
        }
    }

    // blackbox_exporter's families.
    let out = lbctl()
        .args(["probe", &url12, "--cacert", ca, "-o", "prometheus"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let label = format!("target=\"{url12}\"");
    assert!(
        text.contains(&format!(
            "probe_tls_version_info{{{label},version=\"TLS 1.2\"}} 1"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "probe_ssl_last_chain_info{{{label},fingerprint_sha256=\"{}\"",
            openssl_sha256(&p.server_cert)
        )),
        "{text}"
    );

    // A TLS condition without a TLS target is a usage error.
    let out = lbctl()
        .args([
            "probe",
            "http://127.0.0.1:1/",
            "--expect",
            "tls.version >= 1.2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://, grpcs:// and wss://"));
}

/// The certificate's SHA-256 fingerprint as `openssl x509 -fingerprint -sha256` prints it,
/// in lowercase hex without colons.
fn openssl_sha256(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .split_once('=')
        .map(|(_, v)| v.replace(':', "").to_ascii_lowercase())
        .unwrap_or_default()
}

/// The exporter's TLS module keys (`ca_file`, `cert_file`, `key_file`) against the Python
/// server that requires a client certificate: with them the scrape passes and reports the
/// handshake under blackbox's names (the serial as blackbox prints it, which is openssl's
/// `-serial` in lower case); without the client certificate the scrape fails. The
/// `expect` conditions of a module judge the certificate too.
#[test]
fn exporter_modules_carry_tls_files_and_report_the_chain() {
    let p = pki();
    let (_server, url) = mtls_server(&p);
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join("modules.toml");
    let (ca, cert, key) = (
        p.ca.display().to_string(),
        p.client_cert.display().to_string(),
        p.client_key.display().to_string(),
    );
    std::fs::write(
        &modules,
        format!(
            "[modules.mtls]\nprober = \"http\"\nca_file = '{ca}'\ncert_file = '{cert}'\nkey_file = '{key}'\n\
             expect = [\"body ~ client=lbctl-client\", \"cert.issuer ~ lbctl test CA\", \"tls.version >= 1.2\"]\n\n\
             [modules.no_client_cert]\nprober = \"http\"\nca_file = '{ca}'\n"
        ),
    )
    .unwrap();
    let mut proc = Proc::spawn(&[
        "-q",
        "probe",
        "--exporter",
        "127.0.0.1:0",
        "--modules",
        modules.to_str().unwrap(),
    ]);
    let base = proc.line(Duration::from_secs(20));
    let scrape = |module: &str| -> String {
        let q = format!("{base}/probe?module={module}&target={url}");
        crate::support::http()
            .get(q)
            .send()
            .and_then(|r| r.text())
            .expect("scrape")
    };
    let ok = scrape("mtls");
    let serial = openssl_reads(&p.server_cert, "-serial").to_ascii_lowercase();
    for want in [
        "probe_success 1\n".to_string(),
        "probe_http_ssl 1\n".to_string(),
        "probe_tls_version_info{version=\"TLS 1.3\"} 1\n".to_string(),
        format!("serialnumber=\"{serial}\""),
        "issuer=\"CN=lbctl test CA\"".to_string(),
    ] {
        assert!(ok.contains(&want), "{want:?} not in\n{ok}");
    }
    let refused = scrape("no_client_cert");
    assert!(refused.contains("probe_success 0\n"), "{refused}");
}
