//! The response cache on real sockets: a backend (a small std-thread HTTP/1.1 server in this
//! file) that counts its requests and sets Cache-Control, Vary, Set-Cookie, status, size and
//! delay from the query string; reqwest as the client. Hits (no backend request, X-Cache HIT,
//! Age), expiry, the default TTL, what is never cached, Vary, HEAD from a GET entry, collapse
//! of concurrent misses, eviction under a small bound, a too-big object streamed but not
//! stored, purge with and without the token, the metrics, config routes and bad input.

use super::*;
use std::io::BufRead;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A backend answering `GET /PATH?cc=..&vary=..&cookie=1&status=N&size=N&delay=MS` with
/// `n=COUNT lang=ACCEPT-LANGUAGE` and `size` bytes more. Counts every request it receives.
struct Origin {
    addr: String,
    hits: Arc<AtomicU64>,
}

impl Origin {
    fn start() -> Origin {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let hits = Arc::new(AtomicU64::new(0));
        let h = hits.clone();
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let h = h.clone();
                std::thread::spawn(move || serve_one(conn, &h));
            }
        });
        Origin { addr, hits }
    }

    fn count(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

/// One request per connection (Connection: close), bounded head.
fn serve_one(mut conn: TcpStream, hits: &AtomicU64) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut r = std::io::BufReader::new(conn.try_clone().unwrap());
    let mut head = Vec::new();
    for _ in 0..100 {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_string());
    }
    let Some(first) = head.first() else { return };
    let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let lang = head
        .iter()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("accept-language")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let param = |k: &str| {
        query.split('&').find_map(|kv| {
            let (a, b) = kv.split_once('=')?;
            (a == k).then(|| b.replace("%3D", "=").replace("%2C", ",").replace("+", " "))
        })
    };
    if let Some(ms) = param("delay").and_then(|d| d.parse().ok()) {
        std::thread::sleep(Duration::from_millis(ms));
    }
    let size: usize = param("size").and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = format!("n={n} lang={lang}\n").into_bytes();
    body.resize(body.len() + size, b'x');
    let status = param("status").unwrap_or_else(|| "200".into());
    let mut out = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    if let Some(cc) = param("cc") {
        out += &format!("Cache-Control: {cc}\r\n");
    }
    if let Some(v) = param("vary") {
        out += &format!("Vary: {v}\r\n");
    }
    if param("cookie").is_some() {
        out += "Set-Cookie: session=1\r\n";
    }
    out += &format!("Content-Length: {}\r\n\r\n", body.len());
    let mut bytes = out.into_bytes();
    if method != "HEAD" {
        bytes.extend_from_slice(&body);
    }
    let _ = conn.write_all(&bytes);
}

fn cached_proxy(o: &Origin, extra: &[&str]) -> Proxy {
    let mut args = vec!["--backend", o.addr.as_str(), "--admin", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    proxy(&args)
}

struct Got {
    status: u16,
    x_cache: String,
    age: Option<u64>,
    body: String,
}

fn send(r: reqwest::blocking::RequestBuilder) -> Got {
    let resp = r.send().expect("request through the proxy");
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (x_cache, age) = (h("x-cache").unwrap_or_default(), h("age"));
    Got {
        status: resp.status().as_u16(),
        x_cache,
        age: age.and_then(|a| a.parse().ok()),
        body: resp.text().unwrap_or_default(),
    }
}

fn get(p: &Proxy, path: &str) -> Got {
    send(support::http().get(p.url(path)))
}

#[test]
fn second_get_is_a_hit_with_age_and_head_is_answered_from_it() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    let path = "/a?cc=max-age%3D60";
    let first = get(&p, path);
    assert_eq!((first.status, first.x_cache.as_str()), (200, "MISS"));
    std::thread::sleep(Duration::from_millis(1100));
    let second = get(&p, path);
    assert_eq!(second.x_cache, "HIT");
    assert_eq!(second.body, first.body, "the stored body");
    assert!(
        second.age.is_some_and(|a| (1..=5).contains(&a)),
        "Age {:?}",
        second.age
    );
    assert_eq!(o.count(), 1, "a hit never reaches the backend");
    // HEAD from the GET's entry: the head, Content-Length of the body, no body.
    let resp = support::http().head(p.url(path)).send().unwrap();
    assert_eq!(resp.headers()["x-cache"], "HIT");
    assert_eq!(
        resp.headers()["content-length"].to_str().unwrap(),
        first.body.len().to_string()
    );
    assert_eq!(o.count(), 1);
    // Another target, another entry; the query is part of the key.
    assert_eq!(get(&p, "/a?cc=max-age%3D60&x=1").x_cache, "MISS");
    assert_eq!(o.count(), 2);
}

#[test]
fn a_stale_entry_is_expired_and_fetched_again() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    let path = "/e?cc=max-age%3D1";
    assert_eq!(get(&p, path).x_cache, "MISS");
    assert_eq!(get(&p, path).x_cache, "HIT");
    std::thread::sleep(Duration::from_millis(1600));
    let again = get(&p, path);
    assert_eq!(again.x_cache, "EXPIRED");
    assert!(again.body.starts_with("n=2 "), "{}", again.body);
    assert_eq!(get(&p, path).x_cache, "HIT");
    assert_eq!(o.count(), 2);
}

#[test]
fn default_ttl_applies_only_without_explicit_freshness() {
    let o = Origin::start();
    // Without --cache-ttl a response without freshness is not stored.
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    assert_eq!(get(&p, "/plain").x_cache, "MISS");
    assert_eq!(get(&p, "/plain").x_cache, "MISS");
    assert_eq!(o.count(), 2);
    drop(p);
    let p = cached_proxy(&o, &["--cache", "1MiB", "--cache-ttl", "1h"]);
    assert_eq!(get(&p, "/plain").x_cache, "MISS");
    assert_eq!(get(&p, "/plain").x_cache, "HIT");
    // It never overrides no-store, and an explicit max-age wins over it.
    assert_eq!(get(&p, "/ns?cc=no-store").x_cache, "MISS");
    assert_eq!(get(&p, "/ns?cc=no-store").x_cache, "MISS");
    assert_eq!(get(&p, "/short?cc=max-age%3D1").x_cache, "MISS");
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(get(&p, "/short?cc=max-age%3D1").x_cache, "EXPIRED");
}

#[test]
fn what_a_shared_cache_must_not_store_is_fetched_every_time() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB", "--cache-ttl", "1h"]);
    for path in [
        "/1?cc=no-store",
        "/2?cc=private%2C+max-age%3D60",
        "/3?cc=no-cache%2C+max-age%3D60",
        "/4?cc=max-age%3D60&cookie=1",
        "/5?cc=max-age%3D60&vary=*",
        "/6?cc=max-age%3D60&status=500",
    ] {
        let before = o.count();
        for _ in 0..2 {
            let g = get(&p, path);
            assert_eq!(g.x_cache, "MISS", "{path}");
        }
        assert_eq!(o.count(), before + 2, "{path}");
    }
    // A 404 and a 301 are stored.
    assert_eq!(get(&p, "/7?cc=max-age%3D60&status=404").status, 404);
    assert_eq!(get(&p, "/7?cc=max-age%3D60&status=404").x_cache, "HIT");
    // Authorization (RFC 9111 section 3.5): stored only when the response says public.
    let c = support::http();
    let auth = |path: &str| send(c.get(p.url(path)).header("authorization", "Bearer x"));
    assert_eq!(auth("/8?cc=max-age%3D60").x_cache, "MISS");
    assert_eq!(auth("/8?cc=max-age%3D60").x_cache, "MISS");
    assert_eq!(auth("/9?cc=public%2C+max-age%3D60").x_cache, "MISS");
    assert_eq!(auth("/9?cc=public%2C+max-age%3D60").x_cache, "HIT");
    // A request that cannot use the cache: BYPASS.
    let post = send(c.post(p.url("/9?cc=public%2C+max-age%3D60")));
    assert_eq!(post.x_cache, "BYPASS");
    let ranged = send(
        c.get(p.url("/7?cc=max-age%3D60"))
            .header("range", "bytes=0-1"),
    );
    assert_eq!(ranged.x_cache, "BYPASS");
    // The successful POST invalidated its target (RFC 9111 section 4.4).
    assert_eq!(auth("/9?cc=public%2C+max-age%3D60").x_cache, "MISS");
}

#[test]
fn vary_keeps_one_entry_per_value() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    let c = support::http();
    let path = "/v?cc=max-age%3D60&vary=Accept-Language";
    let lang = |l: &str| send(c.get(p.url(path)).header("accept-language", l));
    assert_eq!(lang("fr").x_cache, "MISS");
    assert_eq!(lang("en").x_cache, "MISS");
    let fr = lang("fr");
    assert_eq!(fr.x_cache, "HIT");
    assert!(fr.body.contains("lang=fr"), "{}", fr.body);
    let en = lang("en");
    assert!(
        en.x_cache == "HIT" && en.body.contains("lang=en"),
        "{}",
        en.body
    );
    assert_eq!(o.count(), 2);
}

#[test]
fn concurrent_misses_collapse_into_one_backend_request() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    let url = p.url("/slow?cc=max-age%3D60&delay=500&size=5000");
    let got: Vec<Got> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| s.spawn(|| send(support::http().get(&url))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(o.count(), 1, "one backend request for 20 concurrent misses");
    let misses = got.iter().filter(|g| g.x_cache == "MISS").count();
    let hits = got.iter().filter(|g| g.x_cache == "HIT").count();
    assert_eq!((misses, hits), (1, 19));
    for g in &got {
        assert_eq!(g.status, 200);
        assert_eq!(g.body, got[0].body, "every client gets the whole body");
    }
    assert!(got[0].body.len() > 5000);
}

#[test]
fn waiters_go_to_the_backend_when_the_first_response_cannot_be_stored() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    let url = p.url("/nostore?cc=no-store&delay=500");
    let got: Vec<Got> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..5)
            .map(|_| s.spawn(|| send(support::http().get(&url))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // Each was answered by the backend (none waited past the first's head, nothing stored).
    assert_eq!(o.count(), 5);
    let mut ns: Vec<&str> = got
        .iter()
        .map(|g| g.body.split(' ').next().unwrap())
        .collect();
    ns.sort();
    ns.dedup();
    assert_eq!(ns.len(), 5, "five distinct backend answers: {ns:?}");
    assert!(got.iter().all(|g| g.x_cache == "MISS"));
}

#[test]
fn a_small_bound_evicts_the_least_recently_used() {
    let o = Origin::start();
    // 64 KiB: objects up to 8 KiB (an eighth); 4 KiB ones, about 14 fit.
    let p = cached_proxy(&o, &["--cache", "64KiB"]);
    let path = |i: usize| format!("/o{i}?cc=max-age%3D60&size=4000");
    for i in 0..30 {
        assert_eq!(get(&p, &path(i)).x_cache, "MISS");
        // Keep the first one recently used: it survives.
        assert_eq!(get(&p, &path(0)).x_cache, "HIT", "after {i}");
    }
    let st = p.stats();
    let cache = &st["cache"];
    assert!(cache["evictions"].as_u64().unwrap() >= 10, "{cache}");
    assert!(cache["bytes"].as_u64().unwrap() <= 64 * 1024, "{cache}");
    assert_eq!(get(&p, &path(1)).x_cache, "MISS", "evicted long ago");
    assert_eq!(get(&p, &path(29)).x_cache, "HIT", "recent");
}

#[test]
fn a_too_big_object_is_streamed_whole_but_not_stored() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "64KiB"]);
    let path = "/big?cc=max-age%3D60&size=100000";
    for _ in 0..2 {
        let g = get(&p, path);
        assert_eq!(g.x_cache, "MISS");
        assert!(g.body.len() > 100_000 && g.body.ends_with('x'));
    }
    assert_eq!(o.count(), 2);
    assert_eq!(p.stats()["cache"]["entries"].as_u64(), Some(0));
    // --cache-max-object raises the limit (within the cache's size).
    drop(p);
    let p = cached_proxy(&o, &["--cache", "1MiB", "--cache-max-object", "200KiB"]);
    assert_eq!(get(&p, path).x_cache, "MISS");
    assert_eq!(get(&p, path).x_cache, "HIT");
}

#[test]
fn purge_needs_the_token_and_says_how_many_went() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB", "--admin-token", "s3cret"]);
    for path in [
        "/static/a?cc=max-age%3D60",
        "/static/b?cc=max-age%3D60",
        "/api?cc=max-age%3D60",
    ] {
        get(&p, path);
        assert_eq!(get(&p, path).x_cache, "HIT");
    }
    let admin = p.admin.clone().unwrap();
    let url = format!("http://{admin}/api/cache/purge");
    let c = support::http();
    let body = r#"{"prefix": "/static/"}"#;
    let r = c.post(&url).body(body).send().unwrap();
    assert_eq!(r.status(), 401);
    let r = c.post(&url).bearer_auth("wrong").body(body).send().unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(get(&p, "/static/a?cc=max-age%3D60").x_cache, "HIT");
    let r = c
        .post(&url)
        .bearer_auth("s3cret")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["purged"], 2);
    assert_eq!(get(&p, "/static/a?cc=max-age%3D60").x_cache, "MISS");
    assert_eq!(get(&p, "/api?cc=max-age%3D60").x_cache, "HIT");
    let r = c
        .post(&url)
        .bearer_auth("s3cret")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // The ctl client: one exact URL.
    let out = support::lbctl()
        .args([
            "proxy", "ctl", "--admin", &admin, "--token", "s3cret", "cache", "purge",
        ])
        .args(["--exact", "/api?cc=max-age%3D60"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.trim(), "purged 1 cache entries");
    assert_eq!(get(&p, "/api?cc=max-age%3D60").x_cache, "MISS");
}

#[test]
fn metrics_and_stats_count_results_per_listener() {
    let o = Origin::start();
    let p = cached_proxy(&o, &["--cache", "1MiB"]);
    get(&p, "/m?cc=max-age%3D60");
    get(&p, "/m?cc=max-age%3D60");
    get(&p, "/m?cc=max-age%3D60");
    send(support::http().post(p.url("/m")));
    let admin = p.admin.clone().unwrap();
    let text = support::http()
        .get(format!("http://{admin}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for line in [
        r#"lbctl_proxy_cache_requests_total{listener="listener[0]",result="hit"} 2"#,
        r#"lbctl_proxy_cache_requests_total{listener="listener[0]",result="miss"} 1"#,
        r#"lbctl_proxy_cache_requests_total{listener="listener[0]",result="expired"} 0"#,
        r#"lbctl_proxy_cache_requests_total{listener="listener[0]",result="bypass"} 1"#,
        "lbctl_proxy_cache_entries 1",
        "lbctl_proxy_cache_evictions_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("lbctl_proxy_cache_bytes "))
    );
    let st = p.stats();
    let ratio = st["cache"]["hit_ratio"].as_f64().unwrap();
    assert!((ratio - 2.0 / 3.0).abs() < 1e-9, "{ratio}");
    assert_eq!(st["cache"]["listeners"][0]["listener"], "listener[0]");
}

#[test]
fn config_routes_opt_in_with_their_own_ttl() {
    let o = Origin::start();
    let text = format!(
        r#"
[cache]
size = "1MiB"

[[listener]]
listen = "127.0.0.1:0"
default_pool = "web"

[[listener.route]]
path_prefix = "/static/"
pool = "web"
cache = {{ ttl = "1h" }}

[pool.web]
backends = ["{}"]
"#,
        o.addr
    );
    let f = config_file(&text);
    let path = f.path().to_str().unwrap();
    let p = proxy(&["--config", path]);
    assert_eq!(get(&p, "/static/app.css").x_cache, "MISS");
    assert_eq!(get(&p, "/static/app.css").x_cache, "HIT");
    // Not a caching route: no X-Cache at all, every request to the backend.
    assert_eq!(get(&p, "/api?cc=max-age%3D60").x_cache, "");
    assert_eq!(get(&p, "/api?cc=max-age%3D60").x_cache, "");
    assert_eq!(o.count(), 3);
    let out = support::lbctl()
        .args(["proxy", "--config", path, "explain", "GET /static/x"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cache     GET/HEAD 200, 301, 404 stored in memory"),
        "{text}"
    );
    assert!(text.contains("fresh for 1h"), "{text}");
}

#[test]
fn bad_cache_settings_are_exit_2_naming_them() {
    let no_size = "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"w\"\n[[listener.route]]\npool = \"w\"\ncache = true\n[pool.w]\nbackends = [\"127.0.0.1:1\"]\n";
    let bad_ttl = no_size.replace("cache = true", "cache = { ttl = \"soon\" }");
    let f1 = config_file(no_size);
    let f2 = config_file(&format!("[cache]\nsize = \"1MiB\"\n{bad_ttl}"));
    let (p1, p2) = (f1.path().to_str().unwrap(), f2.path().to_str().unwrap());
    let cases: &[(&[&str], &str)] = &[
        (&["--backend", "h:1", "--cache", "lots"], "lots"),
        (&["--backend", "h:1", "--cache-ttl", "1h"], "--cache-ttl"),
        (
            &["--backend", "h:1", "--cache", "1MiB", "--cache-ttl", "0s"],
            "--cache-ttl",
        ),
        (
            &[
                "--backend",
                "h:1",
                "--cache",
                "1MiB",
                "--cache-max-object",
                "2MiB",
            ],
            "--cache-max-object",
        ),
        (
            &["--backend", "h:1", "--cache", "1MiB", "--mode", "tcp"],
            "HTTP mode",
        ),
        (&["--config", p1], "[cache] size"),
        (&["--config", p2], "soon"),
    ];
    for (args, want) in cases {
        let out = support::lbctl().arg("proxy").args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.lines().next().unwrap_or("").contains(want),
            "{args:?}: {err}"
        );
    }
}
