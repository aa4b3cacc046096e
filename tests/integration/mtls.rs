//! Client certificates (mutual TLS) for `probe` and `load` (`--cert`/`--key`), against a server
//! lbctl did not write: Python's `ssl` module with `CERT_REQUIRED`, trusting a CA made here by
//! the openssl binary, which signs the server's and the client's certificates. The server
//! answers with the common name of the client certificate it verified.

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

/// A CA, a server certificate for 127.0.0.1 and a client certificate (CN=lbctl-client), both
/// signed by the CA, and an unrelated key.
fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ca.key",
        ],
    );
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
        openssl(
            d,
            &[
                "ecparam",
                "-name",
                "prime256v1",
                "-genkey",
                "-noout",
                "-out",
                &format!("{name}.key"),
            ],
        );
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
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "other.key",
        ],
    );
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

/// Python's HTTPS server requiring a client certificate signed by the CA; prints its port.
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
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

fn mtls_server(p: &Pki) -> (Proc, String) {
    let mut proc = Proc::spawn_program(
        "python3",
        &[
            "-c",
            MTLS_SERVER,
            p.server_cert.to_str().unwrap(),
            p.server_key.to_str().unwrap(),
            p.ca.to_str().unwrap(),
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
