//! The runtime API (`--admin` `/api/`) and `lbctl proxy ctl` against a running proxy: drain
//! and remove with requests in flight during an `lbctl load` run (no client error), the
//! drained or removed backend then getting nothing new, sticky clients moving, maint/ready,
//! weight changes visible in the shares, add taking traffic, the write token, and a
//! non-loopback admin address refused before anything binds.

use super::{Proxy, args_with, backend_args, hits, proxy, tally};
use crate::support::{self, lbctl};
use std::io::Read;
use std::time::Duration;

fn admin(p: &Proxy) -> String {
    p.admin.clone().expect("started with --admin")
}

/// `lbctl proxy ctl --admin ADMIN ARGS...`: (exit code, stdout, stderr).
fn ctl(p: &Proxy, args: &[&str]) -> (i32, String, String) {
    let a = admin(p);
    let mut all = vec!["proxy", "ctl", "--admin", a.as_str()];
    all.extend_from_slice(args);
    let out = lbctl().args(&all).output().expect("run lbctl proxy ctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ctl_ok(p: &Proxy, args: &[&str]) -> String {
    let (code, out, err) = ctl(p, args);
    assert_eq!(code, 0, "ctl {args:?}: {err}");
    out
}

/// One backend's entry in /stats.
fn stat(p: &Proxy, name: &str) -> serde_json::Value {
    p.stats()["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// `lbctl load` for `secs` against `url` on a thread; its JSON report.
fn load_run(url: String, secs: &str) -> std::thread::JoinHandle<serde_json::Value> {
    let secs = secs.to_string();
    std::thread::spawn(move || {
        let out = std::process::Command::new(support::bin())
            .args(["load", "-c", "4", "-d", &secs, "--output", "json", &url])
            .output()
            .expect("run lbctl load");
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    })
}

fn assert_clean(doc: &serde_json::Value) {
    assert!(doc["responses"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["errors"], 0, "{}", doc["error_categories"]);
    let statuses = doc["status"].as_object().unwrap();
    assert_eq!(statuses.keys().collect::<Vec<_>>(), ["200"], "{statuses:?}");
}

#[test]
fn drain_during_a_load_run_costs_no_errors_and_the_backend_gets_nothing_new() {
    // 30 ms per request, so the drain lands with requests in flight on b1.
    let b = support::serve(3, &["--latency", "30ms"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "round-robin", "--admin", "127.0.0.1:0"],
    ));
    let load = load_run(p.url("/"), "2s");
    std::thread::sleep(Duration::from_millis(700));
    let out = ctl_ok(&p, &["drain", "b1"]);
    assert!(
        out.contains("default/b1") && out.contains("drain (was ready)"),
        "{out}"
    );
    let doc = load.join().unwrap();
    assert_clean(&doc);
    let s = stat(&p, "b1");
    assert_eq!(s["admin_state"], "drain", "{s}");
    assert_eq!(s["state"], "drain", "{s}");
    assert_eq!(s["in_flight"], 0, "{s}");
    let before = s["requests"].as_u64().unwrap();
    assert!(before > 0, "b1 served before the drain: {s}");
    let seen = tally(&hits(&support::http(), &p.url("/"), 30));
    assert!(!seen.contains_key("b1"), "{seen:?}");
    assert_eq!(stat(&p, "b1")["requests"].as_u64().unwrap(), before);
    // ready brings it back.
    ctl_ok(&p, &["ready", "default/b1"]);
    let seen = tally(&hits(&support::http(), &p.url("/"), 30));
    assert_eq!(seen.get("b1"), Some(&10), "{seen:?}");
}

#[test]
fn a_drained_backend_loses_its_sticky_clients() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--sticky", "cookie:lb", "--admin", "127.0.0.1:0"],
    ));
    let client = support::http();
    let first = client.get(p.url("/")).send().unwrap();
    let pair = first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let owner = first.headers()["x-backend"].to_str().unwrap().to_string();
    ctl_ok(&p, &["drain", &owner]);
    for _ in 0..10 {
        let r = client
            .get(p.url("/"))
            .header("cookie", &pair)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let now = r.headers()["x-backend"].to_str().unwrap();
        assert_ne!(now, owner, "a sticky client stayed on a drained backend");
    }
}

#[test]
fn weight_maint_and_ready_show_in_the_shares() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "weighted", "--admin", "127.0.0.1:0"],
    ));
    let client = support::http();
    ctl_ok(&p, &["weight", "b1", "3"]);
    let s = stat(&p, "b1");
    assert_eq!(
        (s["weight"].as_u64(), s["configured_weight"].as_u64()),
        (Some(3), Some(1)),
        "{s}"
    );
    let seen = tally(&hits(&client, &p.url("/"), 400));
    let share = seen.get("b1").copied().unwrap_or(0) as f64 / 400.0;
    assert!((share - 0.75).abs() < 0.05, "b1 share {share}: {seen:?}");
    let metrics = client
        .get(format!("http://{}/metrics", admin(&p)))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("lbctl_proxy_weight{pool=\"default\",backend=\"b1\"} 3"),
        "{metrics}"
    );
    // maint: nothing reaches b2, whatever its health; ready: back in.
    ctl_ok(&p, &["maint", "b2"]);
    assert_eq!(stat(&p, "b2")["state"], "maint");
    assert!(metrics.contains("lbctl_proxy_admin_state"), "{metrics}");
    let seen = tally(&hits(&client, &p.url("/"), 20));
    assert_eq!(seen.get("b1"), Some(&20), "{seen:?}");
    ctl_ok(&p, &["ready", "b2"]);
    ctl_ok(&p, &["weight", "b1", "1"]);
    let seen = tally(&hits(&client, &p.url("/"), 20));
    assert_eq!(seen.get("b2"), Some(&10), "{seen:?}");
}

#[test]
fn add_and_remove_during_a_load_run_cost_no_errors() {
    let b = support::serve(2, &["--latency", "10ms"]);
    let spare = support::serve(1, &["--name-prefix", "n", "--latency", "10ms"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "round-robin", "--admin", "127.0.0.1:0"],
    ));
    let load = load_run(p.url("/"), "2500ms");
    std::thread::sleep(Duration::from_millis(600));
    let spec = format!("n1={}", spare.addr(0));
    let out = ctl_ok(&p, &["add", "default", &spec]);
    assert!(out.contains("default/n1") && out.contains("added"), "{out}");
    std::thread::sleep(Duration::from_millis(600));
    let out = ctl_ok(&p, &["remove", "default", "b1"]);
    assert!(out.contains("removed"), "{out}");
    let doc = load.join().unwrap();
    assert_clean(&doc);
    // The added backend took part of the run; the removed one is gone from /stats.
    assert!(stat(&p, "n1")["requests"].as_u64().unwrap() > 0);
    assert!(stat(&p, "b1").is_null());
    let seen = tally(&hits(&support::http(), &p.url("/"), 20));
    assert_eq!(seen.get("n1"), Some(&10), "{seen:?}");
    assert!(!seen.contains_key("b1"), "{seen:?}");
    // Mistakes: one line, exit 2.
    for (args, want) in [
        (vec!["remove", "default", "b1"], "no backend named b1"),
        (
            vec!["add", "default", "n1=127.0.0.1:1"],
            "already has a backend named n1",
        ),
        (vec!["add", "nope", "127.0.0.1:1"], "no pool named nope"),
        (vec!["add", "default", "127.0.0.1"], "port"),
        (vec!["drain", "zz"], "no backend zz"),
    ] {
        let (code, _, err) = ctl(&p, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}

#[test]
fn tcp_mode_follows_runtime_changes() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let mut all = vec![
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--threads",
        "1",
        "--mode",
        "tcp",
    ];
    for s in &specs {
        all.extend(["--backend", s.as_str()]);
    }
    all.extend(["--admin", "127.0.0.1:0"]);
    let mut proc = support::Proc::spawn(&all);
    let addr = proc.line(Duration::from_secs(20));
    let addr = addr
        .strip_prefix("proxy tcp://")
        .expect("tcp line")
        .to_string();
    let a = proc.line(Duration::from_secs(5));
    let a = a
        .strip_prefix("admin http://")
        .expect("admin line")
        .to_string();
    let p = Proxy {
        proc,
        addr,
        admin: Some(a),
    };
    ctl_ok(&p, &["maint", "b1"]);
    // A new connection per request: TCP mode picks per connection.
    for _ in 0..6 {
        let r = support::http()
            .get(p.url("/"))
            .header("connection", "close")
            .send()
            .unwrap();
        assert_eq!(r.headers()["x-backend"].to_str().unwrap(), "b2");
    }
}

#[test]
fn writes_need_the_token_and_reads_do_not() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let mut p = proxy(&args_with(
        &specs,
        &["--admin", "127.0.0.1:0", "--admin-token", "s3cret-t0ken"],
    ));
    let client = support::http();
    let url = format!("http://{}/api/backends/default/b1/state", admin(&p));
    let r = client.post(&url).body("drain").send().unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = r.json().unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("missing bearer token"),
        "{body}"
    );
    let r = client
        .post(&url)
        .bearer_auth("guess-w0rd")
        .body("drain")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(stat(&p, "b1")["admin_state"], "ready");
    let r = client
        .get(format!("http://{}/api/backends", admin(&p)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .post(&url)
        .bearer_auth("s3cret-t0ken")
        .body("drain")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(stat(&p, "b1")["admin_state"], "drain");
    // ctl: without the token refused (exit 2), with it accepted.
    let (code, _, err) = ctl(&p, &["ready", "b1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("401"), "{err}");
    ctl_ok(&p, &["--token", "s3cret-t0ken", "ready", "b1"]);
    assert_eq!(stat(&p, "b1")["admin_state"], "ready");
    // Refusals are logged, without the token that was tried.
    p.proc.signal("TERM");
    let _ = p.proc.wait_exit(Duration::from_secs(10));
    let mut log = String::new();
    if let Some(mut e) = p.proc.child.stderr.take() {
        let _ = e.read_to_string(&mut log);
    }
    assert!(
        log.contains("refused POST /api/backends/default/b1/state"),
        "{log}"
    );
    assert!(!log.contains("guess-w0rd"), "{log}");
}

#[test]
fn a_non_loopback_admin_needs_a_token_and_nothing_binds() {
    // Refused before any bind: the listener address is loopback, the admin one is not.
    let out = lbctl()
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--admin",
            "0.0.0.0:0",
            "--backend",
            "127.0.0.1:1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing was announced");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a loopback address") && err.contains("--admin-token"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = lbctl()
        .args(["proxy", "--admin-token", "", "--backend", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ctl_show_and_changes_in_text_and_json() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--admin", "127.0.0.1:0"]));
    let out = ctl_ok(&p, &["show"]);
    assert!(
        out.contains("POOL") && out.contains("ADMIN") && out.contains("b2"),
        "{out}"
    );
    let out = ctl_ok(&p, &["--output", "json", "drain", "b2"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["backend"]["admin_state"], "drain", "{doc}");
    assert!(
        doc["changed"].as_str().unwrap().contains("default/b2"),
        "{doc}"
    );
    let out = ctl_ok(&p, &["-o", "json", "weight", "b1", "4"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["backend"]["weight"], 4, "{doc}");
    let out = ctl_ok(&p, &["-o", "json", "show"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let list = doc["backends"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["admin_state"], "drain");
    let out = ctl_ok(&p, &["show"]);
    assert!(out.contains("4 (was 1)"), "{out}");
    // An admin address where nothing listens: exit 3.
    let (code, _, err) = {
        let out = lbctl()
            .args(["proxy", "ctl", "--admin", "127.0.0.1:1", "show"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot reach the admin listener"), "{err}");
}

#[test]
fn a_removed_backend_finishes_what_it_serves() {
    // b1 answers after 800 ms: the request is still on it when it is removed.
    let b = support::serve(2, &["--backend-opts", "b1:latency=800ms"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "round-robin", "--admin", "127.0.0.1:0"],
    ));
    let url = p.url("/");
    let slow = std::thread::spawn(move || {
        // Round robin: of two requests at once, one is on b1.
        let c = support::http();
        let a = std::thread::spawn({
            let url = url.clone();
            move || hits(&support::http(), &url, 1)
        });
        let mine = hits(&c, &url, 1);
        let mut all = a.join().unwrap();
        all.extend(mine);
        all
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while stat(&p, "b1")["in_flight"] != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "b1 never had a request in flight"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = ctl_ok(&p, &["remove", "default", "b1"]);
    assert!(out.contains("1 in flight finish on it"), "{out}");
    let mut answered = slow.join().unwrap();
    answered.sort();
    assert_eq!(answered, ["b1", "b2"]);
    let seen = tally(&hits(&support::http(), &p.url("/"), 6));
    assert_eq!(seen.get("b2"), Some(&6), "{seen:?}");
}

#[test]
fn a_hash_ring_follows_weight_and_drain() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "hash",
            "--hash-key",
            "header:X-User",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let client = support::http();
    let owner = |user: &str| {
        let r = client
            .get(p.url("/"))
            .header("x-user", user)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.headers()["x-backend"].to_str().unwrap().to_string()
    };
    let before: Vec<String> = (0..40).map(|i| owner(&format!("u{i}"))).collect();
    let victim = before[0].clone();
    // Weight 0 rebuilds the ring without it; its keys move, the others mostly stay.
    let out = ctl_ok(&p, &["weight", &victim, "0"]);
    assert!(out.contains("weight 0"), "{out}");
    let after: Vec<String> = (0..40).map(|i| owner(&format!("u{i}"))).collect();
    assert!(!after.contains(&victim), "{after:?}");
    ctl_ok(&p, &["weight", &victim, "1"]);
    let back: Vec<String> = (0..40).map(|i| owner(&format!("u{i}"))).collect();
    assert_eq!(back, before, "the same ring as before");
    // Drain: its keys go elsewhere without a rebuild.
    ctl_ok(&p, &["drain", &victim]);
    assert!(!(0..40).any(|i| owner(&format!("u{i}")) == victim));
}
