//! `probe icmp://` on the kernel's own echo replies, each test in a network namespace of its
//! own (`unshare --net`, as root: CI runs as root), so that the result does not depend on how
//! this machine's net.ipv4.ping_group_range is set and no test changes the host:
//!
//! - a fresh namespace has the kernel default `1 0` (no group may open ping sockets): the
//!   probe must exit 2 naming the sysctl;
//! - with `0 2147483647` set inside the namespace: real replies from 127.0.0.1 and ::1 (RTT,
//!   hop limit 64), and no reply from an address routed into loopback that nobody owns (the
//!   timeout path).
//!
//! Why namespaces rather than skipping or an environment switch: both the forbidden and the
//! allowed path run live on every machine, and the host's sysctl is never touched.

use serde_json::Value;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub(super) const ALLOW: &str = "echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range";

/// `lbctl probe ARGS` in a new network namespace after `setup` (sh commands).
pub(super) fn in_netns(setup: &str, args: &[&str]) -> Output {
    let script = format!("ip link set lo up && {setup} && exec \"$0\" \"$@\"");
    let out = Command::new("unshare")
        .args(["--net", "sh", "-c", &script, crate::support::bin(), "probe"])
        .args(args)
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("unshare failed") && !stderr.contains("Operation not permitted"),
        "these tests make a network namespace (unshare --net) and need root or CAP_SYS_ADMIN: {stderr}"
    );
    out
}

pub(super) fn json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn icmp_forbidden_exits_2_naming_the_sysctl() {
    // The namespace keeps the kernel's default range, which admits no group.
    let out = in_netns("true", &["icmp://127.0.0.1", "db:5432"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is probed");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("net.ipv4.ping_group_range (now '1 0') does not include group 0")
            && stderr.contains("sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""),
        "{stderr}"
    );
}

#[test]
fn icmp_echo_replies_on_loopback() {
    let out = in_netns(
        ALLOW,
        &[
            "icmp://127.0.0.1?count=3",
            "icmp://[::1]",
            "--expect",
            "icmp.loss == 0",
            "--output",
            "json",
        ],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["icmp"]["sent"], 3, "{t}");
    assert_eq!(t["icmp"]["received"], 3, "{t}");
    assert_eq!(t["icmp"]["rtt_ms"].as_array().map(Vec::len), Some(3), "{t}");
    assert_eq!(t["icmp"]["hop_limit"], 64, "{t}");
    // Three requests 100 ms apart.
    assert!(t["timings_ms"]["total"].as_f64().unwrap() >= 190.0, "{t}");
    let t6 = &v["targets"][1];
    assert_eq!(t6["icmp"]["received"], 1, "{t6}");
    assert_eq!(t6["icmp"]["hop_limit"], 64, "{t6}");
    // blackbox_exporter's names for the phases and the hop limit.
    let out = in_netns(ALLOW, &["icmp://127.0.0.1", "--output", "prometheus"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for want in [
        "probe_success{target=\"icmp://127.0.0.1\"} 1",
        "probe_icmp_duration_seconds{target=\"icmp://127.0.0.1\",phase=\"resolve\"} ",
        "probe_icmp_duration_seconds{target=\"icmp://127.0.0.1\",phase=\"setup\"} ",
        "probe_icmp_duration_seconds{target=\"icmp://127.0.0.1\",phase=\"rtt\"} ",
        "probe_icmp_reply_hop_limit{target=\"icmp://127.0.0.1\"} 64",
        "probe_icmp_replies_received{target=\"icmp://127.0.0.1\"} 1",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains("probe_http_status_code"), "{text}");
    // A condition that does not hold names the value seen.
    let out = in_netns(
        ALLOW,
        &[
            "icmp://127.0.0.1",
            "--expect",
            "icmp.hop_limit > 64",
            "-o",
            "json",
        ],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(
        v["targets"][0]["reason"],
        "'icmp.hop_limit > 64' does not hold (saw hop limit 64)"
    );
}

#[test]
fn icmp_without_a_reply_fails_within_the_timeout() {
    // 10.9.9.0/24 routed into loopback, where no address owns it: requests vanish.
    let setup = format!("ip route add 10.9.9.0/24 dev lo && {ALLOW}");
    let start = Instant::now();
    let out = in_netns(
        &setup,
        &["icmp://10.9.9.9?count=2", "--timeout", "1s", "-o", "json"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    let t = &v["targets"][0];
    assert_eq!(t["fail_kind"], "timeout", "{t}");
    assert_eq!(t["reason"], "no echo reply from 10.9.9.9 (2 sent)");
    assert_eq!(t["icmp"]["sent"], 2);
    assert_eq!(t["icmp"]["received"], 0);
    let total = t["timings_ms"]["total"].as_f64().unwrap();
    assert!((900.0..3000.0).contains(&total), "{t}");
}

/// The exporter's built-in `icmp` module, scraped as blackbox's is (`target=HOST`), from
/// inside a namespace that allows ping sockets.
#[test]
fn exporter_icmp_module_answers_in_blackbox_names() {
    let script = format!(
        "ip link set lo up && {ALLOW} || exit 9; out=$(mktemp) || exit 9; \
         \"$0\" probe --exporter 127.0.0.1:0 > \"$out\" & pid=$!; \
         for i in $(seq 1 100); do grep -q http \"$out\" 2>/dev/null && break; sleep 0.1; done; \
         addr=$(head -n1 \"$out\"); \
         curl -s \"$addr/probe?module=icmp&target=127.0.0.1\"; echo; \
         curl -s -o /dev/null -w 'status=%{{http_code}}\\n' \"$addr/probe?module=icmp&target=http://127.0.0.1/\"; \
         kill $pid; wait $pid; rm -f \"$out\""
    );
    let out = Command::new("unshare")
        .args(["--net", "sh", "-c", &script, crate::support::bin()])
        .output()
        .expect("run unshare");
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("unshare failed") && !stderr.contains("Operation not permitted"),
        "this test makes a network namespace (unshare --net) and needs root or CAP_SYS_ADMIN: {stderr}"
    );
    for want in [
        "probe_success 1\n",
        "probe_icmp_duration_seconds{phase=\"rtt\"} ",
        "probe_icmp_reply_hop_limit 64\n",
        "probe_icmp_replies_received 1\n",
        "probe_ip_protocol 4\n",
        "status=400\n",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}\n{stderr}");
    }
}
