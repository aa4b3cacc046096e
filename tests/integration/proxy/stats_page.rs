//! The HTML stats page (`--admin` `/`) in a real browser: Debian's chromium, headless, loads the
//! page from a running proxy, runs its script (which polls `/stats` as JSON), and its rendered
//! DOM is checked row by row against the traffic sent; the page must log nothing to the
//! console (chromium prints every console message, errors and uncaught exceptions included,
//! as `INFO:CONSOLE` lines with `--enable-logging=stderr --v=0`: checked once by hand with a
//! page that threw, rejected a promise and called console.error) and must record no error in
//! its own `data-page-errors`. A second test serves the page from a stand-in that answers one
//! snapshot and then stops answering, and checks the "not answering" banner; a third clicks
//! the Drain button over the DevTools protocol. Also: the JSON at `/stats` is unchanged for
//! curl-like clients and HTML for browsers, with `Vary: Accept`.

use super::{args_with, backend_args, proxy};
use crate::support::{self, chromium_dump};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The value of `attr="..."` in `tag` (the dumped DOM quotes every attribute).
fn attr(tag: &str, attr: &str) -> Option<String> {
    let needle = format!(" {attr}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_string())
}

/// The `<tr data-backend=NAME ...>...</tr>` row of a backend.
fn row<'a>(dom: &'a str, name: &str) -> &'a str {
    let start = dom
        .find(&format!("<tr data-backend=\"{name}\""))
        .unwrap_or_else(|| panic!("no row for {name} in the page:\n{dom}"));
    let len = dom[start..].find("</tr>").expect("row end");
    &dom[start..start + len]
}

/// The text of the first `<td ... class="CLASS"...>` of a row, tags stripped.
fn cell(row: &str, class: &str) -> String {
    let start = row
        .find(&format!("class=\"{class}"))
        .unwrap_or_else(|| panic!("no {class} cell in {row}"));
    let rest = &row[start..];
    let open = rest.find('>').expect("cell open") + 1;
    let close = rest.find("</td>").expect("cell close");
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[open..close].chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `<body ...>` of the dump.
fn body_tag(dom: &str) -> &str {
    let start = dom.find("<body").expect("body");
    let len = dom[start..].find('>').expect("body end");
    &dom[start..start + len]
}

/// A port nothing listens on (bound, then closed).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind")
}

#[test]
fn the_page_renders_every_backend_with_its_state_and_the_traffic_sent() {
    let b = support::serve(3, &[]);
    let mut specs = backend_args(&b, &[]);
    specs.push(format!("b4=127.0.0.1:{}", closed_port()));
    let p = proxy(&args_with(
        &specs,
        &[
            "--algorithm",
            "round-robin",
            "--admin",
            "127.0.0.1:0",
            "--check",
            "http:/",
            "--check-interval",
            "200ms",
            "--fall",
            "1",
        ],
    ));
    let admin = p.admin.clone().expect("admin");
    let http = support::http();
    // b3 drained through the runtime API, b4 down by its failing check.
    let r = http
        .post(format!("http://{admin}/api/backends/default/b3/state"))
        .body("drain")
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(20);
    while p.stats()["backends"][3]["state"] != "down" {
        assert!(Instant::now() < deadline, "b4 never went down");
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..60 {
        assert!(http.get(p.url("/")).send().unwrap().status().is_success());
    }

    // The JSON is unchanged for curl and `lbctl proxy ctl`; a browser's Accept gets the page.
    for accept in [None, Some("*/*"), Some("application/json")] {
        let mut req = http.get(format!("http://{admin}/stats"));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let r = req.send().unwrap();
        assert_eq!(
            r.headers()["content-type"],
            "application/json",
            "{accept:?}"
        );
        assert_eq!(r.headers()["vary"], "Accept");
        let doc: serde_json::Value = r.json().unwrap();
        assert_eq!(doc["requests"], 60);
    }
    let r = http
        .get(format!("http://{admin}/stats"))
        .header(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["vary"], "Accept");
    assert!(r.text().unwrap().contains("lbctl proxy"));

    // refresh=1 with 6 s of virtual time: several polls, so rates come from two snapshots.
    let d = chromium_dump(&format!("http://{admin}/?refresh=1"), 6000);
    assert!(
        d.console().is_empty(),
        "the page logged: {:#?}",
        d.console()
    );
    let body = body_tag(&d.dom);
    assert_eq!(attr(body, "data-page-errors"), None, "{}", d.dom);
    assert_eq!(attr(body, "data-stale").as_deref(), Some("false"), "{body}");
    let renders: u32 = attr(body, "data-renders")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(renders >= 2, "rendered {renders} time(s): {body}");

    // One pool table, four rows, states and counts as sent: round robin over b1 and b2.
    assert_eq!(d.dom.matches("<section class=\"pool\"").count(), 1);
    assert_eq!(d.dom.matches("<tr data-backend=").count(), 4);
    for (name, state, requests, share) in [
        ("b1", "up", "30", "50% / 50%"),
        ("b2", "up", "30", "50% / 50%"),
        ("b3", "drain", "0", "0% / 0%"),
        ("b4", "down", "0", "0% / 0%"),
    ] {
        let r = row(&d.dom, name);
        assert_eq!(attr(r, "data-state").as_deref(), Some(state), "{r}");
        assert_eq!(attr(r, "data-requests").as_deref(), Some(requests), "{r}");
        assert_eq!(cell(r, "share"), share, "{name}: {r}");
        assert!(cell(r, "l").starts_with(state), "{name}: {r}");
        assert!(cell(r, "l").contains("for "), "{name}: {r}");
        // No traffic while the page polled: a rate of 0, not a dash.
        assert_eq!(cell(r, "rps"), "0", "{name}: {r}");
        assert_eq!(cell(r, "errors"), "0", "{name}: {r}");
    }
    for name in ["b1", "b2"] {
        let r = row(&d.dom, name);
        assert!(cell(r, "p50").ends_with(" ms"), "{r}");
        assert!(cell(r, "check").starts_with("✓ 200"), "{r}");
    }
    let down = cell(row(&d.dom, "b4"), "check");
    assert!(
        down.starts_with('✗') && down.contains("connect"),
        "b4's last check: {down}"
    );
    assert!(
        d.dom.contains("requests <b>60</b>"),
        "pool totals: {}",
        d.dom
    );
}

/// Answer HTTP/1.1 requests on `l` until `stop` (60 s at most): `/` with `page`, the first
/// `/stats` with `snapshot`, then nothing (connections closed unanswered), as a proxy that
/// died would.
fn stand_in(l: TcpListener, page: String, snapshot: String, stop: Arc<AtomicBool>) {
    l.set_nonblocking(true).expect("nonblocking");
    let until = Instant::now() + Duration::from_secs(60);
    let mut snapshots = 0;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        let Ok((mut s, _)) = l.accept() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap_or(0);
        let head = String::from_utf8_lossy(&buf[..n]);
        let path = head.split(' ').nth(1).unwrap_or("");
        let (status, ctype, body) = if path == "/" || path.starts_with("/?") {
            ("200 OK", "text/html; charset=utf-8", page.as_str())
        } else if path == "/stats" && snapshots == 0 {
            snapshots += 1;
            ("200 OK", "application/json", snapshot.as_str())
        } else if path == "/stats" {
            continue; // dropped unanswered
        } else {
            ("404 Not Found", "text/plain", "not found")
        };
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

#[test]
fn the_page_says_so_when_the_proxy_stops_answering() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(&specs, &["--admin", "127.0.0.1:0"]));
    let admin = p.admin.clone().expect("admin");
    let http = support::http();
    let page = http
        .get(format!("http://{admin}/"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let snapshot = http
        .get(format!("http://{admin}/stats"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    let server = std::thread::spawn(move || stand_in(l, page, snapshot, stopper));
    let d = chromium_dump(&format!("http://{addr}/?refresh=1"), 5000);
    let body = body_tag(&d.dom);
    assert_eq!(attr(body, "data-stale").as_deref(), Some("true"), "{body}");
    assert_eq!(attr(body, "data-page-errors"), None, "{}", d.dom);
    assert!(
        d.dom.contains("The proxy is not answering") && d.dom.contains("showing data from"),
        "{}",
        d.dom
    );
    // The last good snapshot stays on screen, dimmed.
    assert_eq!(d.dom.matches("<tr data-backend=").count(), 2);
    stop.store(true, Ordering::Relaxed);
    let _ = server.join();
}

/// HAProxy's `stats admin`: the page's Drain button calls the runtime API with the token typed
/// into the page, driven in headless chromium over the DevTools protocol
/// (tests/peers/cdp_page.py): refused without the token, the backend drained with it.
#[test]
fn the_drain_button_needs_the_token_and_then_drains() {
    let b = support::serve(2, &[]);
    let specs = backend_args(&b, &[]);
    let p = proxy(&args_with(
        &specs,
        &["--admin", "127.0.0.1:0", "--admin-token", "s3cret"],
    ));
    let admin = p.admin.clone().expect("admin");
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("clicks");
    let button = r#"document.querySelector('tr[data-backend="b2"] td.adm button')"#;
    let row = r#"document.querySelector('tr[data-backend="b2"]')"#;
    std::fs::write(
        &script,
        [
            format!("{button}.click()"),
            "wait 1500".to_string(),
            "document.getElementById('banner').textContent".to_string(),
            format!("{row}.dataset.state"),
            "document.getElementById('token').value = 's3cret'".to_string(),
            format!("{button}.click()"),
            "wait 1500".to_string(),
            format!("{row}.dataset.state"),
            format!("{button}.textContent"),
        ]
        .join("\n"),
    )
    .expect("write script");
    let peer = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/cdp_page.py");
    let mut child = Command::new("python3")
        .arg(peer)
        .arg(format!("http://{admin}/?refresh=1"))
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    // The peer bounds itself to 60 s; this bounds the test if it does not.
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cdp_page.py did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line")["value"].clone())
        .collect();
    assert_eq!(values.len(), 7, "{stdout}");
    let banner = values[1].as_str().unwrap_or("");
    assert!(
        banner.contains("refused") && banner.contains("token"),
        "{banner}"
    );
    assert_eq!(values[2], "up", "without the token nothing changed");
    assert_eq!(values[5], "drain", "{stdout}");
    assert_eq!(values[6], "Enable", "{stdout}");
    let stats = p.stats();
    assert_eq!(stats["backends"][1]["admin_state"], "drain", "{stats}");
    assert_eq!(stats["backends"][0]["admin_state"], "ready", "{stats}");
}
