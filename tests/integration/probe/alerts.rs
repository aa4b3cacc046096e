//! `probe --watch --on-transition CMD --notify URL`: a TCP target that comes up and goes down
//! again makes two transitions; the command sees them in its environment, and Python's
//! http.server receives them as JSON POSTs. A command that hangs is killed after
//! --alert-timeout without holding the probing up.

use crate::support::{Proc, lbctl};
use serde_json::Value;
use std::time::{Duration, Instant};

const RECEIVER: &str = r#"
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        print(body.decode(), flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

#[test]
fn transitions_run_the_command_and_are_posted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("transitions.txt");
    let mut receiver = Proc::spawn_program("python3", &["-c", RECEIVER]);
    let port = receiver.line(Duration::from_secs(20));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp://{}", listener.local_addr().unwrap());
    let cmd = format!(
        "echo \"$LBCTL_TARGET $LBCTL_OLD_STATE $LBCTL_NEW_STATE\" >> {}",
        log.display()
    );
    let notify = format!("http://127.0.0.1:{}/hook", port.trim());
    let mut watch = Proc::spawn(&[
        "probe",
        &target,
        "--watch",
        "-o",
        "jsonl",
        "--rise",
        "1",
        "--fall",
        "1",
        "--interval",
        "200ms",
        "--timeout",
        "500ms",
        "--on-transition",
        &cmd,
        "--notify",
        &notify,
    ]);
    // The first check passes: down -> up. Then nothing listens: up -> down.
    let first: Value = serde_json::from_str(&watch.line(Duration::from_secs(20))).unwrap();
    assert_eq!(first["transition"], "up", "{first}");
    drop(listener);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let l: Value = serde_json::from_str(&watch.line(Duration::from_secs(20))).unwrap();
        if l["transition"] == "down" {
            break;
        }
        assert!(Instant::now() < deadline, "no down transition");
    }
    // Both delivered (the command and the POSTs run on their own; give them a moment).
    let posts: Vec<Value> = (0..2)
        .map(|_| serde_json::from_str(&receiver.line(Duration::from_secs(20))).unwrap())
        .collect();
    assert_eq!(
        (
            posts[0]["old_state"].as_str(),
            posts[0]["new_state"].as_str()
        ),
        (Some("down"), Some("up")),
        "{posts:?}"
    );
    assert_eq!(posts[1]["new_state"], "down", "{posts:?}");
    assert_eq!(posts[1]["target"], target.as_str());
    assert!(
        posts[1]["reason"].as_str().unwrap().contains("refused"),
        "{posts:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let t = std::fs::read_to_string(&log).unwrap_or_default();
        if t.lines().count() >= 2 || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        vec![
            format!("{target} down up").as_str(),
            format!("{target} up down").as_str()
        ]
    );
}

#[test]
fn a_hanging_command_is_killed_and_does_not_hold_probing_up() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp://{}", listener.local_addr().unwrap());
    let started = Instant::now();
    let out = lbctl()
        .args([
            "probe",
            &target,
            "--watch",
            "--count",
            "5",
            "--rise",
            "1",
            "--interval",
            "100ms",
            "--on-transition",
            "sleep 30",
            "--alert-timeout",
            "300ms",
        ])
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(err.contains("killed after 300ms"), "{err}");
    drop(listener);

    // Bad values: exit 2.
    for (args, want) in [
        (
            vec!["--watch", "--notify", "ftp://x/"],
            "http:// or https://",
        ),
        (vec!["--watch", "--on-transition", " "], "empty"),
        (vec!["--notify", "http://127.0.0.1:1/"], "--watch"),
    ] {
        let out = lbctl()
            .args(["probe", "tcp://127.0.0.1:1"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
