//! Proxy operations tests: /metrics, bad input, the config file and its routes, explain and
//! SIGHUP reload.

use super::*;

/// `name{k="v",...} value` -> (name, labels, value); None for comments and blank lines.
fn sample(line: &str) -> Option<(String, HashMap<String, String>, f64)> {
    if line.starts_with('#') || line.is_empty() {
        return None;
    }
    let (series, value) = line.rsplit_once(' ').expect("sample line");
    let v: f64 = value
        .parse()
        .unwrap_or_else(|_| panic!("bad value in {line}"));
    let (name, labels) = match series.split_once('{') {
        Some((n, rest)) => (n, rest.strip_suffix('}').expect("closing brace")),
        None => (series, ""),
    };
    let labels = labels
        .split(',')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("label k=v");
            let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
            (k.to_string(), v.expect("quoted label value").to_string())
        })
        .collect();
    Some((name.to_string(), labels, v))
}

#[test]
fn metrics_parse_and_match_the_requests_sent() {
    // b2 answers every request 503, except /admin/* which both answer 405 to a GET.
    let b = support::serve(2, &["--backend-opts", "b2:fail-rate=1"]);
    assert_eq!((b.name(0), b.name(1)), ("b1", "b2"));
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--admin", "127.0.0.1:0", "--algorithm", "round-robin"],
    ));
    let client = support::http();
    let mut sent: HashMap<u16, usize> = HashMap::new();
    // Round-robin alternates: 10 "/" each (b1: 200, b2: 503), then 2 "/admin/x" each (405).
    for path in std::iter::repeat_n("/", 20).chain(std::iter::repeat_n("/admin/x", 4)) {
        let r = client
            .get(p.url(path))
            .send()
            .expect("request through proxy");
        *sent.entry(r.status().as_u16()).or_default() += 1;
    }
    assert_eq!(sent, HashMap::from([(200, 10), (503, 10), (405, 4)]));
    let admin = p.admin.as_ref().unwrap();
    let text = client
        .get(format!("http://{admin}/metrics"))
        .header("Accept", "application/openmetrics-text")
        .send()
        .unwrap()
        .text()
        .unwrap();
    // prometheus-client appends `_total` to the counter family's samples.
    assert!(
        text.contains("# TYPE lbctl_proxy_requests counter"),
        "{text}"
    );
    let mut by_code: HashMap<(String, String), f64> = HashMap::new();
    let mut hist_count = 0.0;
    for (name, labels, v) in text.lines().filter_map(sample) {
        if name == "lbctl_proxy_requests_total" {
            assert_eq!(labels["pool"], "default", "{text}");
            let key = (labels["backend"].clone(), labels["code"].clone());
            assert!(by_code.insert(key, v).is_none(), "duplicate series: {text}");
        }
        if name == "lbctl_proxy_backend_latency_seconds_count" {
            hist_count += v;
        }
    }
    let want: HashMap<(String, String), f64> = [
        ("b1", "200", 10.0),
        ("b1", "405", 2.0),
        ("b1", "error", 0.0),
        ("b2", "503", 10.0),
        ("b2", "405", 2.0),
        ("b2", "error", 0.0),
    ]
    .into_iter()
    .map(|(b, c, v)| ((b.to_string(), c.to_string()), v))
    .collect();
    // Exactly these series: only codes seen, plus `error`.
    assert_eq!(by_code, want, "{text}");
    assert_eq!(hist_count, 24.0);
    assert!(text.trim_end().ends_with("# EOF"));

    // /stats: exact codes next to the class breakdown.
    let stats: serde_json::Value = client
        .get(format!("http://{admin}/stats"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let be = |name: &str| {
        stats["backends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {stats}"))
            .clone()
    };
    let (s1, s2) = (be("b1"), be("b2"));
    assert_eq!(
        s1["codes"],
        serde_json::json!({"200": 10, "405": 2}),
        "{stats}"
    );
    assert_eq!(
        s2["codes"],
        serde_json::json!({"405": 2, "503": 10}),
        "{stats}"
    );
    assert_eq!(s1["responses"]["2xx"], 10);
    assert_eq!(s1["responses"]["4xx"], 2);
    assert_eq!(s2["responses"]["5xx"], 10);
    assert_eq!(s2["responses"]["error"], 0);
    assert_eq!(s2["requests"], 12);
}

#[test]
fn bad_input_is_exit_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["proxy"], "no backends"),
        (&["proxy", "--backend", "127.0.0.1"], "port is missing"),
        (
            &["proxy", "--backend", "h:1", "--header-up", "NoColon"],
            "header rule",
        ),
        (
            &["proxy", "--backend", "h:1", "--allow", "10.0.0.0/33"],
            "CIDR",
        ),
        (&["proxy", "--backend", "h:1", "--sticky", "ip"], "sticky"),
        (
            &["proxy", "--backend", "h:1", "--fail-on", "700"],
            "fail-on",
        ),
        (
            &["proxy", "--backend", "a=h:1", "--backend", "a=h:2"],
            "twice",
        ),
        (&["proxy", "--backend", "h:1", "--listen", "nope"], "listen"),
        (
            &["proxy", "--backends-file", "/nonexistent/x"],
            "backends-file",
        ),
    ];
    for (args, want) in cases {
        let out = support::lbctl().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn check_and_hash_flags_are_validated() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["proxy", "--backend", "h:1", "--check", "http:health"],
            "health check",
        ),
        (
            &["proxy", "--backend", "h:1", "--check", "udp"],
            "health check",
        ),
        (
            &[
                "proxy",
                "--backend",
                "h:1",
                "--algorithm",
                "hash",
                "--hash-key",
                "body",
            ],
            "hash key",
        ),
        (
            &["proxy", "--backend", "h:1", "--hash-algorithm", "nope"],
            "invalid value",
        ),
    ];
    for (args, want) in cases {
        let out = support::lbctl().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn config_file_routes_by_host_path_and_header() {
    let b = support::serve(3, &[]);
    let text = format!(
        r#"
[[listener]]
listen = "127.0.0.1:0"
default_pool = "web"

[[listener.route]]
host = "api.example.test"
path_prefix = "/v1"
pool = "api"

[[listener.route]]
header = "X-Canary"
header_regex = "^(1|yes)$"
pool = "canary"

[pool.web]
backends = ["{a}"]

[pool.api]
backends = ["{b}"]
algorithm = "round-robin"

[pool.canary]
backends = ["{c}"]
"#,
        a = b.addr(0),
        b = b.addr(1),
        c = b.addr(2)
    );
    let f = config_file(&text);
    let path = f.path().to_str().unwrap();
    let p = proxy(&["--config", path]);
    let client = support::http();
    let who = |host: &str, path: &str, canary: Option<&str>| {
        let mut r = client.get(p.url(path)).header("host", host);
        if let Some(c) = canary {
            r = r.header("x-canary", c);
        }
        r.send().unwrap().headers()["x-backend"]
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(who("api.example.test", "/v1/users", None), b.name(1));
    assert_eq!(who("api.example.test", "/v2/users", None), b.name(0));
    assert_eq!(who("www.example.test", "/", Some("yes")), b.name(2));
    assert_eq!(who("www.example.test", "/", Some("no")), b.name(0));

    // explain shows the same decision without starting.
    let out = support::lbctl()
        .args([
            "proxy",
            "--config",
            path,
            "explain",
            "GET /v1/x Host:api.example.test",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("MATCH -> pool api"), "{text}");
    assert!(text.contains(&format!("choice    {}", b.addr(1))), "{text}");
}

#[test]
fn explain_shows_hash_key_and_point() {
    let out = support::lbctl()
        .args([
            "proxy",
            "--backend",
            "a=127.0.0.1:9001",
            "--backend",
            "b=127.0.0.1:9002",
            "--backend",
            "c=127.0.0.1:9003,weight=0",
            "--algorithm",
            "hash",
            "--hash-key",
            "header:X-User",
            "--output",
            "json",
            "explain",
            "GET / X-User:alice",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["hash"]["key"], "alice");
    assert!(doc["hash"]["point"].as_str().unwrap().starts_with("0x"));
    let choice = doc["choice"].as_str().unwrap();
    assert!(choice == "a" || choice == "b", "{doc}");
    assert_eq!(doc["candidates"][2]["eligible"], false);
}

#[test]
fn bad_config_file_is_exit_2_naming_line_and_field() {
    let f = config_file(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n\n[pool.web]\nbackends = [\"127.0.0.1:1\", \"nope\"]\n",
    );
    let out = support::lbctl()
        .args(["proxy", "--config", f.path().to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 6") && err.contains("pool.web.backends[1]"),
        "{err}"
    );
}

#[test]
fn sighup_reloads_the_config_without_dropping_connections() {
    let b = support::serve(2, &[]);
    let write = |f: &mut tempfile::NamedTempFile, addr: &str| {
        let text = format!(
            "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[pool.web]\nbackends = [\"{addr}\"]\n"
        );
        f.as_file_mut().set_len(0).unwrap();
        use std::io::Seek;
        f.as_file_mut().seek(std::io::SeekFrom::Start(0)).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f.flush().unwrap();
    };
    let mut f = config_file("");
    write(&mut f, &b.addr(0));
    let p = proxy(&["--config", f.path().to_str().unwrap()]);
    let client = support::http();
    assert_eq!(hits(&client, &p.url("/"), 3), vec![b.name(0); 3]);
    write(&mut f, &b.addr(1));
    p.proc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        // The same keep-alive client connection keeps working across the reload.
        let now = hits(&client, &p.url("/"), 1);
        if now[0] == b.name(1) {
            break;
        }
        assert!(Instant::now() < deadline, "reload did not take effect");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sighup_keeps_unchanged_backends_state() {
    let b = support::serve(2, &[]);
    let v1 = format!(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[pool.web]\nbackends = [\"web={}\"]\n",
        b.addr(0)
    );
    // The route table must follow its listener in TOML, so v2 is written out in order.
    let v2 = format!(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[[listener.route]]\nheader = \"X-Api\"\npool = \"api\"\n[pool.web]\nbackends = [\"web={}\"]\n[pool.api]\nbackends = [\"api={}\"]\n",
        b.addr(0),
        b.addr(1)
    );
    let mut f = config_file(&v1);
    let p = proxy(&[
        "--config",
        f.path().to_str().unwrap(),
        "--admin",
        "127.0.0.1:0",
    ]);
    let client = support::http();
    hits(&client, &p.url("/"), 4);
    f.as_file_mut().set_len(0).unwrap();
    use std::io::Seek;
    f.as_file_mut().seek(std::io::SeekFrom::Start(0)).unwrap();
    f.write_all(v2.as_bytes()).unwrap();
    p.proc.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = client.get(p.url("/")).header("x-api", "1").send().unwrap();
        if r.headers()["x-backend"] == b.name(1) {
            break;
        }
        assert!(Instant::now() < deadline, "reload did not take effect");
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats = p.stats();
    let web = stats["backends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "web")
        .unwrap();
    assert!(web["requests"].as_u64().unwrap() >= 4, "{web}");
}
