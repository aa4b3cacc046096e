//! Proxy health tests: passive marking and retries, 503 without backends, backups, active
//! rise/fall checks, hash failover, --fail-on, maxconn queueing and the backend timeout.

use super::*;

#[test]
fn retries_hide_a_killed_backend_and_it_is_marked_failed() {
    let live = support::serve(2, &[]);
    let mut dead = support::serve(1, &["--name-prefix", "d"]);
    let mut specs = backend_args(&live, &[]);
    specs.push(format!("d1={}", dead.addr(0)));
    let p = proxy(&args_with(
        &specs,
        &["--algorithm", "round-robin", "--admin", "127.0.0.1:0"],
    ));
    let client = support::http();
    let before = hits(&client, &p.url("/"), 9);
    assert_eq!(tally(&before).get("d1"), Some(&3));
    let _ = dead.proc.child.kill();
    let _ = dead.proc.child.wait();
    // Every request succeeds: the dead one is retried elsewhere, then ejected.
    let after = hits(&client, &p.url("/"), 60);
    assert!(!after.iter().any(|x| x == "d1"));
    let stats = p.stats();
    let d1 = stats["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "d1")
        .unwrap();
    assert_eq!(d1["state"], "failed", "{d1}");
    assert!(stats["retries"].as_u64().unwrap() >= 1);
}

#[test]
fn no_healthy_backend_is_a_fast_503() {
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = format!("gone=127.0.0.1:{port}");
    let p = proxy(&[
        "--backend",
        &spec,
        "--retries",
        "0",
        "--check",
        "tcp",
        "--check-interval",
        "100ms",
        "--fall",
        "1",
    ]);
    let client = support::http();
    // Until the first check has run the backend is tried (502); then it is down: 503, fast.
    let deadline = Instant::now() + Duration::from_secs(5);
    let r = loop {
        let r = client.get(p.url("/")).send().unwrap();
        if r.status() == 503 || Instant::now() > deadline {
            break r;
        }
        assert_eq!(r.status(), 502);
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(r.status(), 503);
    assert!(r.text().unwrap().contains("no healthy backend"));
    let start = Instant::now();
    assert_eq!(client.get(p.url("/")).send().unwrap().status(), 503);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_pool_whose_backends_all_failed_passively_panics_instead_of_closing() {
    // Both backends answer 503, which --fail-on counts as a passive failure: after one request
    // each, both are marked failed. The proxy keeps sending to them (panic mode) rather than
    // answering "no healthy backend" for --fail-timeout.
    let b = support::serve(2, &["--fail-rate", "1"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--fail-on",
            "503",
            "--retries",
            "0",
            "--max-fails",
            "1",
            "--fail-timeout",
            "30s",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let client = support::http();
    let mut backends = HashMap::new();
    for _ in 0..10 {
        let r = client.get(p.url("/")).send().unwrap();
        assert_eq!(r.status(), 503);
        let from = r
            .headers()
            .get("x-backend")
            .map(|v| v.to_str().unwrap().to_string());
        let body = r.text().unwrap();
        assert!(!body.contains("no healthy backend"), "{body}");
        *backends
            .entry(from.expect("answered by a backend"))
            .or_insert(0) += 1;
    }
    assert_eq!(backends.len(), 2, "{backends:?}");
    let stats = p.stats();
    assert!(stats["panic_picks"].as_u64().unwrap() >= 8, "{stats}");
    assert_eq!(stats["no_backend"], 0, "{stats}");
}

#[test]
fn backup_serves_only_when_primaries_are_out() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &["", ",backup"]);
    let p = proxy(&args_with(&specs, &[]));
    let got = hits(&support::http(), &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(0)), Some(&10));
    let drained = backend_args(&b, &[",weight=0", ",backup"]);
    let p2 = proxy(&args_with(&drained, &[]));
    let got = hits(&support::http(), &p2.url("/"), 5);
    assert_eq!(tally(&got).get(b.name(1)), Some(&5));
}

#[test]
fn active_checks_eject_after_fall_and_restore_after_rise() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--check",
            "http:/health",
            "--check-interval",
            "100ms",
            "--rise",
            "2",
            "--fall",
            "2",
            "--algorithm",
            "round-robin",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let admin = p.admin.clone().unwrap();
    let client = support::http();
    client
        .post(format!("{}/admin/down", b.url(0)))
        .send()
        .unwrap();
    let start = Instant::now();
    wait_state(&client, &admin, b.name(0), "down", Duration::from_secs(5));
    // fall=2 at 100 ms: not before about one interval has passed.
    assert!(start.elapsed() >= Duration::from_millis(100));
    let got = hits(&client, &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(1)), Some(&10), "{got:?}");
    client
        .post(format!("{}/admin/up", b.url(0)))
        .send()
        .unwrap();
    wait_state(&client, &admin, b.name(0), "up", Duration::from_secs(5));
    let got = hits(&client, &p.url("/"), 10);
    assert_eq!(tally(&got).get(b.name(0)), Some(&5), "{got:?}");
}

#[test]
fn hash_on_a_header_is_sticky_and_moves_only_the_removed_backends_keys() {
    let b = support::serve(3, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "hash",
            "--hash-key",
            "header:X-User",
            "--hash-algorithm",
            "maglev",
            "--check",
            "http:/health",
            "--check-interval",
            "100ms",
            "--fall",
            "1",
            "--admin",
            "127.0.0.1:0",
        ],
    ));
    let client = support::http();
    let owner = |user: &str| -> String {
        let r = client
            .get(p.url("/"))
            .header("x-user", user)
            .send()
            .unwrap();
        r.headers()["x-backend"].to_str().unwrap().to_string()
    };
    let users: Vec<String> = (0..40).map(|i| format!("user{i}")).collect();
    let before: Vec<String> = users.iter().map(|u| owner(u)).collect();
    for (u, o) in users.iter().zip(&before).take(10) {
        assert_eq!(&owner(u), o, "{u} is not sticky");
    }
    let victim = before[0].clone();
    let victim_url = (0..3)
        .find(|&i| b.name(i) == victim)
        .map(|i| b.url(i).to_string())
        .unwrap();
    client
        .post(format!("{victim_url}/admin/down"))
        .send()
        .unwrap();
    wait_state(
        &client,
        p.admin.as_ref().unwrap(),
        &victim,
        "down",
        Duration::from_secs(5),
    );
    for (u, o) in users.iter().zip(&before) {
        let now = owner(u);
        if *o == victim {
            assert_ne!(now, victim);
        } else {
            assert_eq!(&now, o, "{u} moved although its backend stayed up");
        }
    }
}

#[test]
fn maxconn_queues_and_backend_timeout_is_504() {
    let b = support::serve(1, &["--latency", "300ms"]);
    let spec = format!("{}={},maxconn=1", b.name(0), b.addr(0));
    // Queue long enough: three concurrent requests all succeed, one at a time.
    let p = proxy(&["--backend", &spec, "--queue-timeout", "5s"]);
    let url = p.url("/");
    let start = Instant::now();
    let ts: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || support::http().get(&url).send().unwrap().status())
        })
        .collect();
    for t in ts {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert!(
        start.elapsed() >= Duration::from_millis(850),
        "{:?}",
        start.elapsed()
    );
    // A backend slower than --backend-timeout: 504, quickly.
    let p = proxy(&[
        "--backend",
        &spec,
        "--backend-timeout",
        "100ms",
        "--retries",
        "0",
    ]);
    let r = support::http().get(p.url("/")).send().unwrap();
    assert_eq!(r.status(), 504);
}

#[test]
fn fail_on_status_is_retried_and_marks_the_backend() {
    let b = support::serve(2, &["--backend-opts", "b1:fail-rate=1.0"]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &[
            "--fail-on",
            "503",
            "--max-fails",
            "3",
            "--algorithm",
            "round-robin",
        ],
    ));
    let got = hits(&support::http(), &p.url("/"), 20);
    assert_eq!(tally(&got).get("b2"), Some(&20), "{got:?}");
}

#[test]
fn a_backend_killed_during_a_load_run_costs_no_client_errors() {
    let live = support::serve(2, &[]);
    let mut doomed = support::serve(1, &["--name-prefix", "d"]);
    let mut specs = backend_args(&live, &[]);
    specs.push(format!("d1={}", doomed.addr(0)));
    let p = proxy(&args_with(&specs, &["--algorithm", "round-robin"]));
    let url = p.url("/");
    let load = std::thread::spawn(move || {
        std::process::Command::new(support::bin())
            .args(["load", "-c", "4", "-d", "2s", "--output", "json", &url])
            .output()
            .expect("run lbctl load")
    });
    std::thread::sleep(Duration::from_millis(600));
    let _ = doomed.proc.child.kill();
    let _ = doomed.proc.child.wait();
    let out = load.join().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    // That the run happened; how much it did depends on the machine.
    assert!(doc["responses"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(doc["errors"], 0, "{}", doc["error_categories"]);
    let statuses = doc["status"].as_object().unwrap();
    assert_eq!(statuses.keys().collect::<Vec<_>>(), ["200"], "{statuses:?}");
}
