//! blackbox_exporter's icmp options on `icmp://` targets and exporter modules, each case in a
//! network namespace of its own as probe/icmp.rs does (root, `unshare --net`):
//!
//! - lo's MTU lowered to 1280: a 1400-byte payload with `dont_fragment` fails at once naming
//!   the path MTU, without it the reply comes back whole (1408 ICMP bytes);
//! - `ttl` is accepted and the reply's hop limit reported (the namespace's ip_default_ttl set
//!   to 77, so the figure is the reply's, not a default);
//! - `preferred_ip_protocol` / `ip_protocol_fallback` pick among the addresses of names in a
//!   private /etc/hosts (`unshare --mount` and a bind mount: the host's file is untouched);
//! - bad values exit 2 with one line, on the CLI and in a modules file.

use super::icmp::{ALLOW, in_netns, json};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `sh -c SCRIPT` (with `$0` the lbctl binary) in new network and mount namespaces, and
/// /etc/hosts replaced inside them by `hosts`.
fn in_netns_with_hosts(hosts: &str, script: &str) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("hosts");
    std::fs::write(&file, hosts).expect("write hosts");
    let full = format!(
        "mount --bind '{}' /etc/hosts || exit 9; ip link set lo up && {ALLOW} || exit 9; {script}",
        file.display()
    );
    let out = Command::new("unshare")
        .args(["--net", "--mount", "sh", "-c", &full, crate::support::bin()])
        .output()
        .expect("run unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("unshare failed") && !stderr.contains("Operation not permitted"),
        "these tests make network and mount namespaces and need root or CAP_SYS_ADMIN: {stderr}"
    );
    out
}

#[test]
fn icmp_dont_fragment_over_the_mtu_fails_at_once() {
    let setup = format!("ip link set lo mtu 1280 && {ALLOW}");
    let start = Instant::now();
    let out = in_netns(
        &setup,
        &[
            "icmp://127.0.0.1?payload_size=1400&dont_fragment=true",
            "icmp://127.0.0.1?payload_size=1400",
            "icmp://[::1]?payload_size=1400&dont_fragment=true",
            "icmp://127.0.0.1?payload_size=1252&dont_fragment=true",
            "--timeout",
            "10s",
            "-o",
            "json",
        ],
    );
    // Refused by the kernel at the first send, not waited out.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    let t = &v["targets"];
    assert_eq!(t[0]["pass"], false, "{v}");
    assert_eq!(t[0]["fail_kind"], "protocol");
    assert_eq!(
        t[0]["reason"],
        "payload_size 1400 needs a 1428-byte packet, over the path MTU of 1280 to 127.0.0.1, \
         and dont_fragment forbids fragments (payload_size 1252 fits)"
    );
    assert!(
        t[0]["timings_ms"]["total"].as_f64().unwrap() < 5000.0,
        "{v}"
    );
    // Without it the kernel fragments, lo reassembles, and the reply comes back whole.
    assert_eq!(t[1]["pass"], true, "{v}");
    assert_eq!(t[1]["icmp"]["reply_bytes"], 1408, "{v}");
    assert_eq!(
        t[2]["reason"],
        "payload_size 1400 needs a 1448-byte packet, over the path MTU of 1280 to ::1, \
         and dont_fragment forbids fragments (payload_size 1232 fits)"
    );
    // What the message says fits does fit.
    assert_eq!(t[3]["pass"], true, "{v}");
    assert_eq!(t[3]["icmp"]["reply_bytes"], 1260, "{v}");
}

#[test]
fn icmp_ttl_and_payload_size_shape_the_request() {
    let setup = format!("echo 77 > /proc/sys/net/ipv4/ip_default_ttl && {ALLOW}");
    let out = in_netns(
        &setup,
        &[
            "icmp://127.0.0.1?ttl=1&count=2&payload_size=100",
            "icmp://[::1]?ttl=255&payload_size=0",
            "--expect",
            "icmp.loss == 0",
            "-o",
            "json",
        ],
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let t = &v["targets"][0];
    assert_eq!(
        (t["icmp"]["sent"].as_u64(), t["icmp"]["received"].as_u64()),
        (Some(2), Some(2)),
        "{t}"
    );
    // The reply's TTL, set by the namespace's kernel (not lbctl's ttl, which loopback
    // never decrements).
    assert_eq!(t["icmp"]["hop_limit"], 77, "{t}");
    assert_eq!(t["icmp"]["reply_bytes"], 108, "{t}");
    let t6 = &v["targets"][1];
    assert_eq!(t6["icmp"]["reply_bytes"], 8, "{t6}");
    assert_eq!(t6["icmp"]["hop_limit"], 64, "{t6}");
    let out = in_netns(&setup, &["icmp://127.0.0.1?ttl=5", "-o", "prometheus"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("probe_icmp_reply_hop_limit{target=\"icmp://127.0.0.1?ttl=5\"} 77\n"),
        "{text}"
    );
}

const HOSTS: &str = "127.0.0.1 dual.test v4only.test\n::1 dual.test\n";

#[test]
fn icmp_address_family_is_chosen_as_blackbox_chooses_it() {
    let out = in_netns_with_hosts(
        HOSTS,
        "exec \"$0\" probe 'icmp://dual.test?preferred_ip_protocol=ip6' \
         'icmp://dual.test?preferred_ip_protocol=ip4' \
         'icmp://v4only.test?preferred_ip_protocol=ip6' \
         'icmp://v4only.test?preferred_ip_protocol=ip6&ip_protocol_fallback=false' \
         'icmp://dual.test?preferred_ip_protocol=ip4&source_ip_address=127.0.0.1' \
         'icmp://127.0.0.1?source_ip_address=::1' -o json",
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    let t = &v["targets"];
    let addr = |i: usize| t[i]["addr"].as_str().unwrap_or("-").to_string();
    assert_eq!(addr(0), "[::1]:0", "{v}");
    assert_eq!(addr(1), "127.0.0.1:0", "{v}");
    // blackbox's default fallback: no IPv6 address, so the IPv4 one.
    assert_eq!(
        (addr(2), &t[2]["pass"]),
        ("127.0.0.1:0".into(), &true.into()),
        "{v}"
    );
    assert_eq!(t[3]["fail_kind"], "dns", "{v}");
    assert_eq!(
        t[3]["reason"],
        "v4only.test has no IPv6 address (preferred_ip_protocol=ip6 with ip_protocol_fallback=false)"
    );
    assert_eq!(t[4]["pass"], true, "{v}");
    assert_eq!(
        t[5]["reason"],
        "source_ip_address ::1 is IPv6 but 127.0.0.1 is IPv4"
    );
}

/// The same keys in a modules file, scraped as blackbox's are.
#[test]
fn exporter_icmp_module_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let modules = dir.path().join("modules.toml");
    std::fs::write(
        &modules,
        "[modules.ping6]\nprober = \"icmp\"\npreferred_ip_protocol = \"ip6\"\n\
         ip_protocol_fallback = false\nttl = 9\n\n\
         [modules.ping_big_df]\nprober = \"icmp\"\npayload_size = 1400\ndont_fragment = true\n",
    )
    .unwrap();
    let script = format!(
        "ip link set lo mtu 1280 || exit 9; out=$(mktemp) || exit 9; \
         \"$0\" probe --exporter 127.0.0.1:0 --modules '{}' > \"$out\" & pid=$!; \
         for i in $(seq 1 100); do grep -q http \"$out\" 2>/dev/null && break; sleep 0.1; done; \
         addr=$(head -n1 \"$out\"); \
         for q in 'module=ping6&target=dual.test' 'module=ping6&target=v4only.test' \
                  'module=ping_big_df&target=127.0.0.1' 'module=icmp&target=127.0.0.1'; do \
           echo \"== $q\"; curl -s \"$addr/probe?$q&debug=true\"; done; \
         kill $pid; wait $pid; rm -f \"$out\"",
        modules.display()
    );
    let out = in_netns_with_hosts(HOSTS, &script);
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let part = |q: &str| -> String {
        let start = text
            .find(&format!("== {q}\n"))
            .unwrap_or_else(|| panic!("{q}: {text}\n{stderr}"));
        let rest = &text[start + 3..];
        rest[..rest.find("\n== ").unwrap_or(rest.len())].to_string()
    };
    let p = part("module=ping6&target=dual.test");
    assert!(
        p.contains("probe_success 1\n") && p.contains("probe_ip_protocol 6\n"),
        "{p}"
    );
    let p = part("module=ping6&target=v4only.test");
    assert!(p.contains("probe_success 0\n"), "{p}");
    assert!(p.contains("v4only.test has no IPv6 address"), "{p}");
    let p = part("module=ping_big_df&target=127.0.0.1");
    assert!(p.contains("probe_success 0\n"), "{p}");
    assert!(p.contains("over the path MTU of 1280"), "{p}");
    let p = part("module=icmp&target=127.0.0.1");
    assert!(
        p.contains("probe_success 1\n") && p.contains("probe_ip_protocol 4\n"),
        "{p}"
    );
}

#[test]
fn icmp_bad_options_exit_2_with_one_line() {
    for (target, want) in [
        (
            "icmp://127.0.0.1?payload_size=70000",
            "payload_size '70000' is not a number from 0 to 65507",
        ),
        (
            "icmp://127.0.0.1?ttl=0",
            "ttl '0' is not a number from 1 to 255",
        ),
        (
            "icmp://127.0.0.1?ttl=300",
            "ttl '300' is not a number from 1 to 255",
        ),
        (
            "icmp://127.0.0.1?dont_fragment=maybe",
            "dont_fragment 'maybe' is not true or false",
        ),
        (
            "icmp://127.0.0.1?preferred_ip_protocol=v6",
            "preferred_ip_protocol 'v6' is not ip4 or ip6",
        ),
        (
            "icmp://127.0.0.1?ip_protocol_fallback=false",
            "needs preferred_ip_protocol=ip4 or ip6",
        ),
        (
            "icmp://127.0.0.1?source_ip_address=gw",
            "source_ip_address 'gw' is not an IP address",
        ),
    ] {
        let out = Command::new(crate::support::bin())
            .args(["probe", target])
            .output()
            .expect("run lbctl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{target}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(want), "{target}: {stderr}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let modules = dir.path().join("m.toml");
    std::fs::write(&modules, "[modules.p]\nprober = \"icmp\"\nttl = 256\n").unwrap();
    let out = Command::new(crate::support::bin())
        .args(["probe", "--exporter", "127.0.0.1:0", "--modules"])
        .arg(&modules)
        .output()
        .expect("run lbctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("line 3: module p: ttl '256' is not a number from 1 to 255"),
        "{stderr}"
    );
}
