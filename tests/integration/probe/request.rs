//! The request shape of `lbctl probe` HTTP checks against a server lbctl did not write: a
//! Python http.server handler that prints every request it gets (method, path, headers,
//! body in hex) as one JSON line on stdout, answers 401 on /basic and /bearer without the
//! right Authorization, and redirects from /redirect/CODE?to=URL. The test reads those lines
//! to see what arrived on the wire, and checks that the secrets never show in lbctl's output.

use crate::support::{Proc, lbctl};
use std::time::Duration;

const USER: &str = "probe-user";
const PASSWORD: &str = "pw-Sekr3t-c0rrect-h0rse";
const TOKEN: &str = "tok-Sekr3t.9f8e7d6c5b4a";

const ECHO_SERVER: &str = r#"
import base64, http.server, json, sys, urllib.parse
user, password, token = sys.argv[1:4]
WANT = {
    "/basic": "Basic " + base64.b64encode((user + ":" + password).encode()).decode(),
    "/bearer": "Bearer " + token,
}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        path, _, query = self.path.partition("?")
        q = dict(urllib.parse.parse_qsl(query))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        seen = {
            "method": self.command,
            "path": path,
            "host": self.headers.get("Host"),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_hex": body.hex(),
        }
        print(json.dumps(seen), flush=True)
        status, extra = 200, []
        if path.startswith("/redirect/"):
            status, extra = int(path.split("/")[2]), [("Location", q["to"])]
        elif path in WANT and self.headers.get("Authorization") != WANT[path]:
            status, extra = 401, [("WWW-Authenticate", 'Basic realm="t"')]
        out = json.dumps({"ok": status == 200}).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;

/// The echo server and its base URL (`http://127.0.0.1:PORT`).
struct Echo {
    proc: Proc,
    base: String,
    port: u16,
}

impl Echo {
    fn start() -> Echo {
        let mut proc = Proc::spawn_program("python3", &["-c", ECHO_SERVER, USER, PASSWORD, TOKEN]);
        let port: u16 = proc.line(Duration::from_secs(20)).trim().parse().unwrap();
        Echo {
            proc,
            base: format!("http://127.0.0.1:{port}"),
            port,
        }
    }

    /// The next request the server saw.
    fn seen(&mut self) -> serde_json::Value {
        let line = self.proc.line(Duration::from_secs(10));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }
}

/// Files holding the secrets (with a trailing newline, as `echo` writes them).
struct Secrets {
    dir: tempfile::TempDir,
}

impl Secrets {
    fn new() -> Secrets {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("password"), format!("{PASSWORD}\n")).unwrap();
        std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
        std::fs::write(dir.path().join("wrong"), "wrong-token\n").unwrap();
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        Secrets { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

/// Arguments and environment variables of one probe run.
type Args<'a> = Vec<&'a str>;
type Env<'a> = Vec<(&'a str, &'a str)>;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn probe(args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = lbctl();
    cmd.arg("probe").args(args).timeout(Duration::from_secs(60));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn bodies_arrive_byte_for_byte() {
    let mut echo = Echo::start();
    let url = format!("{}/health", echo.base);

    // --body with -X POST: the text as given, its Content-Length, no Content-Type.
    let r = probe(&[&url, "-X", "POST", "--body", "ping ünïcode"], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = echo.seen();
    assert_eq!(s["method"], "POST");
    assert_eq!(s["body_hex"], hex("ping ünïcode".as_bytes()));
    assert_eq!(
        s["headers"]["content-length"],
        "ping ünïcode".len().to_string()
    );
    assert!(s["headers"].get("content-type").is_none(), "{s}");

    // --body-file: every byte (NUL, CR LF, invalid UTF-8, a trailing newline kept).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.bin");
    let raw: Vec<u8> = b"\x00\x01line\r\n\xff\xfe{}\n".to_vec();
    std::fs::write(&file, &raw).unwrap();
    let r = probe(
        &[&url, "-X", "PUT", "--body-file", file.to_str().unwrap()],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = echo.seen();
    assert_eq!(s["method"], "PUT");
    assert_eq!(s["body_hex"], hex(&raw));
    assert_eq!(s["headers"]["content-length"], raw.len().to_string());

    // --json: Content-Type and Accept are JSON's; a body on a GET is allowed.
    let json = r#"{"deep": true, "n": [1, 2]}"#;
    let r = probe(&[&url, "--json", json], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = echo.seen();
    assert_eq!(s["method"], "GET");
    assert_eq!(s["body_hex"], hex(json.as_bytes()));
    assert_eq!(s["headers"]["content-type"], "application/json");
    assert_eq!(s["headers"]["accept"], "application/json");
    assert_eq!(s["headers"]["content-length"], json.len().to_string());

    // -H wins over --json's Content-Type.
    let r = probe(
        &[
            &url,
            "-X",
            "POST",
            "--json",
            "[]",
            "-H",
            "Content-Type: application/vnd.x+json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = echo.seen();
    assert_eq!(s["headers"]["content-type"], "application/vnd.x+json");
    assert_eq!(s["headers"]["accept"], "application/json");

    // An empty body still says its length; no body flag, no Content-Length (as before).
    let r = probe(&[&url, "-X", "POST", "--body", ""], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(echo.seen()["headers"]["content-length"], "0");
    let r = probe(&[&url], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let s = echo.seen();
    assert!(s["headers"].get("content-length").is_none(), "{s}");
    assert_eq!(s["body_hex"], "");

    // Retries send the body again: a 401 path fails, and both attempts carry it.
    let r = probe(
        &[
            &format!("{}/bearer", echo.base),
            "-X",
            "POST",
            "--body",
            "again",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(echo.seen()["body_hex"], hex(b"again"));
    let r = probe(
        &[
            &format!("{}/bearer", echo.base),
            "-X",
            "POST",
            "--body",
            "again",
            "--retries",
            "1",
            "--retry-delay",
            "10ms",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(echo.seen()["body_hex"], hex(b"again"));
    assert_eq!(echo.seen()["body_hex"], hex(b"again"));
}

#[test]
fn redirects_keep_the_body_on_307_and_drop_it_on_303() {
    let mut echo = Echo::start();
    let to = format!("{}/landed", echo.base);
    for (code, method, body) in [
        (307, "POST", true),
        (308, "POST", true),
        (303, "GET", false),
        (302, "GET", false),
    ] {
        let url = format!("{}/redirect/{code}?to={to}", echo.base);
        let r = probe(
            &[&url, "--follow", "-X", "POST", "--json", r#"{"x":1}"#],
            &[],
        );
        assert_eq!(r.code, 0, "{code}: {}{}", r.stdout, r.stderr);
        let first = echo.seen();
        assert_eq!(first["path"], format!("/redirect/{code}"));
        assert_eq!(first["body_hex"], hex(br#"{"x":1}"#));
        let second = echo.seen();
        assert_eq!(second["path"], "/landed", "{code}");
        assert_eq!(second["method"], method, "{code}");
        let h = &second["headers"];
        if body {
            assert_eq!(second["body_hex"], hex(br#"{"x":1}"#), "{code}");
            assert_eq!(h["content-length"], "7", "{code}");
            assert_eq!(h["content-type"], "application/json", "{code}");
        } else {
            assert_eq!(second["body_hex"], "", "{code}");
            // RFC 9110 15.4: the content-specific headers go with the content.
            assert!(h.get("content-length").is_none(), "{code}: {h}");
            assert!(h.get("content-type").is_none(), "{code}: {h}");
        }
    }
}

#[test]
fn basic_and_bearer_pass_and_fail() {
    let mut echo = Echo::start();
    let sec = Secrets::new();
    let (basic, bearer) = (
        format!("{}/basic", echo.base),
        format!("{}/bearer", echo.base),
    );
    let pw = sec.path("password");
    let tok = sec.path("token");
    let wrong = sec.path("wrong");

    let cases: Vec<(Args, Env, i32)> = vec![
        (
            vec![
                &basic,
                "--basic-auth-user",
                USER,
                "--basic-auth-password-file",
                &pw,
            ],
            vec![],
            0,
        ),
        (
            vec![
                &basic,
                "--basic-auth-user",
                USER,
                "--basic-auth-password-env",
                "LB_PW",
            ],
            vec![("LB_PW", PASSWORD)],
            0,
        ),
        (vec![&bearer, "--bearer-token-file", &tok], vec![], 0),
        (
            vec![&bearer, "--bearer-token-env", "LB_TOK"],
            vec![("LB_TOK", TOKEN)],
            0,
        ),
        // Wrong or missing credentials: the 401 is a status failure.
        (vec![&bearer, "--bearer-token-file", &wrong], vec![], 1),
        (vec![&bearer], vec![], 1),
        (
            vec![
                &basic,
                "--basic-auth-user",
                "other",
                "--basic-auth-password-file",
                &pw,
            ],
            vec![],
            1,
        ),
    ];
    for (args, env, want) in cases {
        let mut a = args.clone();
        a.extend_from_slice(&["-o", "json"]);
        let r = probe(&a, &env);
        assert_eq!(r.code, want, "{args:?}: {}{}", r.stdout, r.stderr);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let t = &doc["targets"][0];
        if want == 0 {
            assert_eq!(t["status"], 200, "{args:?}: {doc}");
        } else {
            assert_eq!(t["status"], 401, "{args:?}: {doc}");
            assert!(
                t["reason"].as_str().unwrap().contains("status 401"),
                "{args:?}: {doc}"
            );
        }
        echo.seen();
    }
}

/// Every output format, passing and failing (a 401, a refused connection), --watch -v
/// lines and the exit-2 messages: neither the secret nor its Basic encoding shows anywhere.
#[test]
fn secrets_never_appear_in_any_output() {
    let echo = Echo::start();
    let sec = Secrets::new();
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        format!("http://{a}/basic")
    };
    let basic_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    };
    let wrong_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("nobody:{PASSWORD}"))
    };
    let forbidden = [PASSWORD, TOKEN, basic_b64.as_str(), wrong_b64.as_str()];
    let check = |what: &str, r: &Out| {
        for f in forbidden {
            assert!(
                !r.stdout.contains(f) && !r.stderr.contains(f),
                "{what}: a secret leaked:\n{}\n{}",
                r.stdout,
                r.stderr
            );
        }
    };
    let (pw, tok) = (sec.path("password"), sec.path("token"));
    let basic_ok = format!("{}/basic", echo.base);
    let bearer_ok = format!("{}/bearer", echo.base);
    let auth_sets: Vec<(Args, Env)> = vec![
        (
            vec!["--basic-auth-user", USER, "--basic-auth-password-file", &pw],
            vec![],
        ),
        (
            vec![
                "--basic-auth-user",
                "nobody",
                "--basic-auth-password-env",
                "LB_PW",
            ],
            vec![("LB_PW", PASSWORD)],
        ),
        (vec!["--bearer-token-file", &tok], vec![]),
        (
            vec!["--bearer-token-env", "LB_TOK"],
            vec![("LB_TOK", TOKEN)],
        ),
    ];
    let mut runs = 0;
    for (auth, env) in &auth_sets {
        for format in ["table", "json", "jsonl", "prometheus", "nagios"] {
            // One passing or 401-failing target, and one refused connection.
            let mut a: Vec<&str> = vec![&basic_ok, &bearer_ok, &refused, "-o", format, "-v"];
            a.extend_from_slice(auth);
            let r = probe(&a, env);
            assert!(
                matches!(r.code, 1 | 2),
                "{format}: {}{}",
                r.stdout,
                r.stderr
            );
            check(format, &r);
            runs += 1;
        }
        let mut a: Vec<&str> = vec![&basic_ok, &bearer_ok, &refused, "--watch", "--count", "2"];
        a.extend_from_slice(&["--interval", "50ms", "-v", "-o", "jsonl"]);
        a.extend_from_slice(auth);
        let r = probe(&a, env);
        assert!(r.stdout.lines().count() >= 6, "{}{}", r.stdout, r.stderr);
        check("watch", &r);
        let mut a: Vec<&str> = vec![
            &basic_ok,
            "--watch",
            "--count",
            "1",
            "--interval",
            "50ms",
            "-v",
        ];
        a.extend_from_slice(auth);
        check("watch table", &probe(&a, env));
    }
    assert_eq!(runs, 20);

    // Exit 2: the messages name the file or variable, never the content.
    std::fs::write(sec.path("two-words"), format!("{TOKEN} {PASSWORD}\n")).unwrap();
    let two = sec.path("two-words");
    for (args, env) in [
        (vec!["--bearer-token-file", two.as_str()], vec![]),
        (
            vec!["--bearer-token-env", "LB_TOK"],
            vec![("LB_TOK", format!("{TOKEN}\n{PASSWORD}"))],
        ),
        (
            vec![
                "--basic-auth-user",
                "a:b",
                "--basic-auth-password-file",
                pw.as_str(),
            ],
            vec![],
        ),
    ] {
        let mut a = vec![basic_ok.as_str()];
        a.extend_from_slice(&args);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for format in ["table", "nagios"] {
            let mut a = a.clone();
            a.extend_from_slice(&["-o", format]);
            let r = probe(&a, &env);
            let want = if format == "nagios" { 3 } else { 2 };
            assert_eq!(r.code, want, "{args:?}: {}{}", r.stdout, r.stderr);
            check("usage error", &r);
        }
    }
}

#[test]
fn bad_request_flags_exit_2_naming_the_file() {
    let sec = Secrets::new();
    let url = "http://127.0.0.1:1/";
    let missing = sec.path("missing");
    let empty = sec.path("empty");
    let pw = sec.path("password");
    for (args, env, want) in [
        (
            vec!["--json", "{not json"],
            vec![],
            "--json '{not json': not valid JSON",
        ),
        (
            vec!["--body", "a", "--json", "{}"],
            vec![],
            "cannot be used with",
        ),
        (
            vec!["--body", "a", "--body-file", &pw],
            vec![],
            "cannot be used with",
        ),
        (vec!["--body-file", &missing], vec![], missing.as_str()),
        (
            vec!["--bearer-token-file", &missing],
            vec![],
            missing.as_str(),
        ),
        (vec!["--bearer-token-file", &empty], vec![], empty.as_str()),
        (
            vec!["--bearer-token-env", "LB_UNSET_VAR_XYZ"],
            vec![],
            "LB_UNSET_VAR_XYZ",
        ),
        (
            vec!["--bearer-token-env", "LB_EMPTY"],
            vec![("LB_EMPTY", "")],
            "LB_EMPTY: the environment variable is empty",
        ),
        (
            vec!["--basic-auth-user", "u"],
            vec![],
            "--basic-auth-password-file FILE or --basic-auth-password-env VAR",
        ),
        (
            vec![
                "--basic-auth-user",
                "u",
                "--basic-auth-password-file",
                &empty,
            ],
            vec![],
            empty.as_str(),
        ),
        (
            vec!["--basic-auth-password-file", &pw],
            vec![],
            "--basic-auth-user",
        ),
        (
            vec![
                "--basic-auth-user",
                "u",
                "--basic-auth-password-file",
                &pw,
                "--bearer-token-file",
                &pw,
            ],
            vec![],
            "cannot be used with",
        ),
        (
            vec![
                "--bearer-token-file",
                &pw,
                "-H",
                "Authorization: Basic eA==",
            ],
            vec![],
            "give one",
        ),
    ] {
        let mut a = vec![url];
        a.extend_from_slice(&args);
        let r = probe(&a, &env);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(want),
            "{args:?}: want '{want}' in: {}",
            r.stderr
        );
        assert!(!r.stderr.contains(PASSWORD), "{args:?}: {}", r.stderr);
        // Ours are one line; clap's own (conflicts, missing flags) add its usage lines.
        if !r.stderr.contains("Usage:") {
            assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        }
    }
    // A body for targets that carry none.
    let r = probe(&["tcp://127.0.0.1:1", "--body", "x"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("http:// and https:// targets"),
        "{}",
        r.stderr
    );
}

/// Authorization goes to the target's own origin only: a redirect to another host name (the
/// same server as `localhost`) or another port arrives without it, as curl does; a redirect on
/// the same origin keeps it.
#[test]
fn authorization_is_not_forwarded_to_another_host() {
    let mut echo = Echo::start();
    let mut other = Echo::start();
    let sec = Secrets::new();
    let tok = sec.path("token");
    let same = format!("{}/redirect/307?to=/bearer", echo.base);
    let other_host = format!(
        "{}/redirect/302?to=http://localhost:{}/bearer",
        echo.base, echo.port
    );
    let other_port = format!("{}/redirect/307?to={}/bearer", echo.base, other.base);

    let r = probe(&[&same, "--follow", "--bearer-token-file", &tok], &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let first = echo.seen();
    assert_eq!(first["headers"]["authorization"], format!("Bearer {TOKEN}"));
    let second = echo.seen();
    assert_eq!(
        second["headers"]["authorization"],
        format!("Bearer {TOKEN}")
    );

    // -H Authorization and Cookie are credentials too.
    let r = probe(
        &[
            &other_host,
            "--follow",
            "-H",
            "Authorization: Bearer x",
            "-H",
            "Cookie: s=1",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(echo.seen()["headers"]["cookie"], "s=1");
    let landed = echo.seen();
    assert_eq!(landed["host"], format!("localhost:{}", echo.port));
    assert!(landed["headers"].get("authorization").is_none(), "{landed}");
    assert!(landed["headers"].get("cookie").is_none(), "{landed}");

    for (url, server) in [(&other_host, 0), (&other_port, 1)] {
        let r = probe(
            &[url, "--follow", "--bearer-token-file", &tok, "-o", "json"],
            &[],
        );
        // The other host asks for the token and does not get it: a 401.
        assert_eq!(r.code, 1, "{url}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("status 401"), "{}", r.stdout);
        assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
        let first = echo.seen();
        assert_eq!(first["headers"]["authorization"], format!("Bearer {TOKEN}"));
        let landed = if server == 0 {
            echo.seen()
        } else {
            other.seen()
        };
        assert_eq!(landed["path"], "/bearer");
        assert!(
            landed["headers"].get("authorization").is_none(),
            "{url}: {landed}"
        );
    }
}

/// Over HTTP/2 (h2c prior knowledge) the body's length and the credentials arrive too: `lbctl
/// serve`'s /echo answers with the request headers it got.
#[test]
fn body_and_token_over_http2() {
    let b = crate::support::serve(1, &[]);
    let url = format!("{}/echo", b.url(0));
    let r = probe(
        &[
            &url,
            "--http-version",
            "2",
            "-X",
            "POST",
            "--json",
            r#"{"a":1}"#,
            "--bearer-token-env",
            "LB_TOK",
            "--expect-json",
            ".method == POST",
            "--expect-body",
            r#"["content-length","7"]"#,
            "--expect-body",
            r#"["content-type","application/json"]"#,
            "--expect-body",
            &format!(r#"["authorization","Bearer {TOKEN}"]"#),
            "-o",
            "jsonl",
        ],
        &[("LB_TOK", TOKEN)],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(r#""http_version":"HTTP/2""#),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN));
}
