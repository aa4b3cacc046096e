//! `lbctl ring` integration tests: the built binary, each subcommand's table and JSON output,
//! stdin/file/argument keys (including non-UTF-8), and every bad-input exit code.

use crate::support::lbctl;
use predicates::prelude::*;
use serde_json::Value;

mod bad_input;
mod compat;
mod haproxy;

const S3: [&str; 6] = [
    "-s",
    "10.0.0.1:11211",
    "-s",
    "10.0.0.2:11211",
    "-s",
    "10.0.0.3:11211",
];

fn stdout_of(args: &[&str]) -> String {
    let out = lbctl().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8 stdout")
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("valid JSON")
}

fn ring(sub: &str, extra: &[&str]) -> Vec<String> {
    let mut v = vec!["ring".to_string(), sub.to_string()];
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn lookup_matches_libketama_vectors() {
    // ring-compat.json ketama_libketama.equal_weights.mapping for key0..key2.
    let mut a = ring("lookup", &["-a", "ketama"]);
    a.extend(S3.iter().map(|s| s.to_string()));
    a.extend(["key0", "key1", "key2"].map(String::from));
    assert_eq!(
        stdout_of(&args(&a)),
        "key0\t10.0.0.3:11211\nkey1\t10.0.0.1:11211\nkey2\t10.0.0.3:11211\n"
    );
}

#[test]
fn lookup_reads_stdin_and_files_as_raw_bytes() {
    let mut a = vec!["ring", "lookup", "-a", "nginx"];
    a.extend(S3);
    let out = lbctl()
        .args(&a)
        .write_stdin(&b"key0\r\n\nkey1\n\xffraw\n"[..])
        .assert()
        .success();
    let text = out.get_output().stdout.clone();
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 3, "{:?}", String::from_utf8_lossy(&text));
    assert_eq!(lines[0], b"key0\t10.0.0.3:11211");
    assert_eq!(lines[1], b"key1\t10.0.0.3:11211");
    assert!(lines[2].starts_with(b"\xffraw\t10.0.0."));
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("keys.txt");
    std::fs::write(&f, "key0\nkey1\n").unwrap();
    a.extend(["--keys-file", f.to_str().unwrap(), "--output", "json"]);
    let v: Value = serde_json::from_str(&stdout_of(&a)).unwrap();
    assert_eq!(v[0]["key"], "key0");
    assert_eq!(v[1]["server"], "10.0.0.3:11211");
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[cfg(unix)]
#[test]
fn lookup_non_utf8_argument_is_hashed_raw() {
    use std::os::unix::ffi::OsStrExt;
    let raw = std::ffi::OsStr::from_bytes(b"k\xff");
    let out = lbctl()
        .args(["ring", "lookup", "-a", "ring", "--servers", "3"])
        .arg(raw)
        .assert()
        .success();
    let text = out.get_output().stdout.clone();
    assert!(text.starts_with(b"k\xff\t10.0.0."), "{text:?}");
    // The same bytes on stdin land on the same server.
    let piped = lbctl()
        .args(["ring", "lookup", "-a", "ring", "--servers", "3"])
        .write_stdin(&b"k\xff\n"[..])
        .assert()
        .success();
    assert_eq!(piped.get_output().stdout, text);
}

#[test]
fn lookup_jsonl_and_non_utf8_json() {
    let mut a = vec!["ring", "lookup", "-a", "maglev", "--output", "jsonl"];
    a.extend(S3);
    let out = lbctl()
        .args(&a)
        .write_stdin(&b"key0\n\xfe\n"[..])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    // go-maglev vector: key0 -> backend index 2.
    assert_eq!(rows[0]["server"], "10.0.0.3:11211");
    assert_eq!(rows[1]["key_hex"], "fe");
    // An empty input is an empty JSON array.
    let mut a = vec!["ring", "lookup", "--output", "json"];
    a.extend(S3);
    let out = lbctl().args(&a).write_stdin("").assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn lookup_jump_decimal_keys() {
    let out = stdout_of(&[
        "ring",
        "lookup",
        "-a",
        "jump",
        "--hash",
        "none",
        "--servers",
        "10",
        "0",
        "1",
        "5",
    ]);
    // jump vectors keys_0_19_buckets_10: 0 -> 0, 1 -> 6, 5 -> 4 (server i+1 is bucket i).
    assert_eq!(
        out,
        "0\t10.0.0.1:11211\n1\t10.0.0.7:11211\n5\t10.0.0.5:11211\n"
    );
    lbctl()
        .args([
            "ring",
            "lookup",
            "-a",
            "jump",
            "--hash",
            "none",
            "--servers",
            "3",
            "abc",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'abc' is not a decimal number"));
}

#[test]
fn stats_table_and_json() {
    let text = stdout_of(&[
        "ring",
        "stats",
        "-a",
        "ketama",
        "--servers",
        "4",
        "--generate",
        "20000",
    ]);
    assert!(
        text.starts_with("ketama (md5), 4 servers, 20000 keys: std "),
        "{text}"
    );
    assert!(
        text.contains("hash space (ring arcs)") && text.contains("10.0.0.4:11211"),
        "{text}"
    );
    let v = json_of(&[
        "ring",
        "stats",
        "-a",
        "ring",
        "--servers",
        "4",
        "--generate",
        "20000",
        "-o",
        "json",
    ]);
    assert_eq!(v["keys"], 20000);
    assert_eq!(v["space_share_basis"], "ring arcs");
    let servers = v["servers"].as_array().unwrap();
    let keys: u64 = servers.iter().map(|s| s["keys"].as_u64().unwrap()).sum();
    assert_eq!(keys, 20000);
    let space: f64 = servers
        .iter()
        .map(|s| s["space_share"].as_f64().unwrap())
        .sum();
    assert!((space - 1.0).abs() < 1e-9, "{space}");
    assert!(v["peak_to_mean"].as_f64().unwrap() >= 1.0);
    // Weighted and drained servers.
    let v = json_of(&[
        "ring",
        "stats",
        "-a",
        "maglev",
        "-s",
        "a=h:1,weight=3",
        "-s",
        "b=h:2",
        "-s",
        "c=h:3,weight=0",
        "--generate",
        "40000",
        "-o",
        "json",
    ]);
    assert_eq!(v["servers"][2]["keys"], 0);
    let a = v["servers"][0]["share"].as_f64().unwrap();
    assert!((a - 0.75).abs() < 0.03, "{a}");
    // Bounded reports spill; zipf keys.
    let v = json_of(&[
        "ring",
        "stats",
        "-a",
        "bounded",
        "--servers",
        "5",
        "--generate",
        "20000",
        "--distribution",
        "zipf:1.1",
        "-o",
        "json",
    ]);
    assert!(v["spilled"].as_u64().is_some());
    // No server above ceil(1.25 * keys/n): the bound holds even for zipf's repeated hot keys.
    assert!(v["peak_to_mean"].as_f64().unwrap() <= 1.26, "{v}");
    assert!(v["spilled"].as_u64().unwrap() > 0);
}

#[test]
fn diff_table_json_and_moved_keys() {
    let text = stdout_of(&[
        "ring",
        "diff",
        "-a",
        "ketama",
        "--servers",
        "5",
        "--generate",
        "20000",
        "--remove",
        "10.0.0.3:11211",
    ]);
    assert!(
        text.contains("moved keys") && text.contains("ideal minimum") && text.contains("(gone)"),
        "{text}"
    );
    let v = json_of(&[
        "ring",
        "diff",
        "-a",
        "ketama",
        "--servers",
        "5",
        "--generate",
        "20000",
        "--remove",
        "10.0.0.3:11211",
        "-o",
        "json",
    ]);
    // Only the removed server's keys move, and the exact arc fraction matches its ring share.
    assert!(
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["from"] == "10.0.0.3:11211")
    );
    assert_eq!(v["moved"], v["servers"][2]["before"]);
    assert!((v["ideal_fraction"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    let space = v["moved_space_fraction"].as_f64().unwrap();
    assert!(
        (space - v["moved_fraction"].as_f64().unwrap()).abs() < 0.02,
        "{v}"
    );
    // ring-compat.json: adding 10.0.0.4 moves key4 and key18 with ketama.
    let mut a = vec![
        "ring",
        "diff",
        "-a",
        "ketama",
        "--add",
        "10.0.0.4:11211",
        "--list-moved",
        "-o",
        "json",
    ];
    a.extend(S3);
    let keys: Vec<String> = (0..20).map(|i| format!("key{i}")).collect();
    a.extend(keys.iter().map(String::as_str));
    let v = json_of(&a);
    let moved: Vec<&str> = v["moved_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["key4", "key18"]);
    // Reweight and a replacement list.
    let v = json_of(&[
        "ring",
        "diff",
        "-a",
        "rendezvous",
        "--servers",
        "4",
        "--generate",
        "10000",
        "--reweight",
        "10.0.0.1:11211=2",
        "-o",
        "json",
    ]);
    assert!(
        v["change"]
            .as_str()
            .unwrap()
            .contains("reweight 10.0.0.1:11211 1->2")
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("to.txt");
    std::fs::write(&f, "# new pool\n10.0.0.1:11211\n10.0.0.2:11211\n").unwrap();
    let v = json_of(&[
        "ring",
        "diff",
        "-a",
        "nginx",
        "--servers",
        "3",
        "--generate",
        "5000",
        "--to-servers-file",
        f.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(
        v["flows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["from"] == "10.0.0.3:11211")
    );
}

#[test]
fn compare_every_algorithm() {
    let text = stdout_of(&[
        "ring",
        "compare",
        "--servers",
        "10",
        "--generate",
        "5000",
        "--remove",
        "10.0.0.10:11211",
    ]);
    for alg in [
        "modulo",
        "ketama",
        "nginx",
        "ring",
        "jump",
        "rendezvous",
        "maglev",
        "bounded",
        "envoy-ring",
        "envoy-maglev",
        "haproxy",
        "haproxy-avalanche",
    ] {
        assert!(text.contains(alg), "{alg} missing:\n{text}");
    }
    let v = json_of(&[
        "ring",
        "compare",
        "--servers",
        "10",
        "--generate",
        "5000",
        "--remove",
        "10.0.0.10:11211",
        "-o",
        "json",
    ]);
    let rows = v["algorithms"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    assert!((v["ideal_fraction"].as_f64().unwrap() - 0.1).abs() < 1e-12);
    for r in rows {
        let moved = r["moved_fraction"].as_f64().unwrap();
        let ns = r["lookup_ns_per_key"].as_f64().unwrap();
        assert!(ns > 0.0 && r["memory_bytes"].as_u64().unwrap() > 0, "{r}");
        match r["algorithm"].as_str().unwrap() {
            // Removing the last bucket: jump is minimal; modulo moves most keys.
            "modulo" => assert!(moved > 0.5, "{r}"),
            "jump" | "ketama" | "nginx" | "ring" | "rendezvous" => {
                assert!((moved - 0.1).abs() < 0.03, "{r}")
            }
            // Envoy resizes every host's share of its ring with the host count.
            "envoy-ring" => assert!(moved < 0.4, "{r}"),
            _ => assert!(moved < 0.25, "{r}"),
        }
    }
    // Without a change there is no moved column.
    let v = json_of(&[
        "ring",
        "compare",
        "--servers",
        "3",
        "--generate",
        "100",
        "-o",
        "json",
    ]);
    assert!(v["algorithms"][0]["moved_fraction"].is_null());
}

#[test]
fn show_ring_and_table() {
    let mut a = vec!["ring", "show", "-a", "ketama", "-o", "json"];
    a.extend(S3);
    let v = json_of(&a);
    assert_eq!(v["entries"].as_array().unwrap().len(), 480);
    // ring-compat.json: the first point is 7234733, owned by 10.0.0.2.
    assert_eq!(v["entries"][0]["position"], 7234733);
    assert_eq!(v["entries"][0]["owner"], "10.0.0.2:11211");
    assert_eq!(v["space_bits"], 32);
    let text = stdout_of(&[
        "ring",
        "show",
        "-a",
        "maglev",
        "--servers",
        "3",
        "--table-size",
        "13",
        "--limit",
        "3",
    ]);
    assert!(
        text.contains("13 slots") && text.contains("(3 of 13 slots"),
        "{text}"
    );
    let text = stdout_of(&["ring", "show", "-a", "rendezvous", "--servers", "2"]);
    assert!(text.contains("no stored structure"), "{text}");
    let v = json_of(&[
        "ring",
        "show",
        "-a",
        "jump",
        "-s",
        "a=h:1,weight=2",
        "-s",
        "b=h:2",
        "-o",
        "json",
    ]);
    assert_eq!(v["structure"], "buckets");
    assert_eq!(v["servers"][0]["entries"], 2);
}

#[test]
fn servers_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pool.txt");
    std::fs::write(&f, "10.0.0.1:11211\n# comment\n10.0.0.2:11211,weight=2\n").unwrap();
    let v = json_of(&[
        "ring",
        "show",
        "-a",
        "nginx",
        "--servers-file",
        f.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(v["servers"][1]["weight"], 2);
    assert_eq!(v["servers"][1]["entries"], 320);
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(crate::support::bin())
        .args(["ring", "lookup", "--servers", "3", "--generate", "2000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
