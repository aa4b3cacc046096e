//! `lbctl load --shard I/N --targets F`: the shards of one plan split the targets file (target
//! k of the file goes to shard k mod N, weights kept) and add up to the whole plan exactly. A
//! Python recorder (load_targets.rs) counts what really arrived, per path, for the unsharded
//! plan and for each shard.

use crate::load_targets::{received, recorder};
use crate::support::lbctl;
use std::collections::BTreeMap;

/// Run `lbctl load ARGS`; it must succeed. Returns the JSON document.
fn run(args: &[&str]) -> serde_json::Value {
    let (code, doc) = crate::load::load_json(args);
    assert_eq!(code, 0, "{doc}");
    doc
}

#[test]
fn shards_of_a_targets_file_add_up_to_the_whole_plan() {
    let dir = tempfile::tempdir().unwrap();
    let rec = recorder(dir.path(), false);
    // Six targets; shard k of 3 gets targets k and k+3, whose weights sum to 3 on every shard
    // (1+2, 2+1, 1+2): -n 54 is six passes of the whole file (weight 9) and six passes of
    // each shard's part (weight 3, -n 18 each).
    let weights = [1, 2, 1, 2, 1, 2];
    let mut text = String::new();
    for (k, w) in weights.iter().enumerate() {
        text.push_str(&format!(
            "POST http://127.0.0.1:{}/t{k}\nX-Target: {k}\n# lbctl-weight: {w}\n\n",
            rec.port
        ));
    }
    let file = dir.path().join("targets.txt");
    std::fs::write(&file, text).unwrap();
    let f = file.to_str().unwrap();
    let counts = |from: usize| {
        let mut c: BTreeMap<String, u64> = BTreeMap::new();
        for (method, path, _, _) in &received(&rec)[from..] {
            assert_eq!(method, "POST");
            *c.entry(path.clone()).or_default() += 1;
        }
        c
    };

    let whole = run(&["--targets", f, "-n", "54", "-c", "2"]);
    assert_eq!(whole["requests"], 54, "{whole}");
    let plan = counts(0);
    let expected: BTreeMap<String, u64> = weights
        .iter()
        .enumerate()
        .map(|(k, w)| (format!("/t{k}"), 6 * w))
        .collect();
    assert_eq!(plan, expected);

    let mut sum: BTreeMap<String, u64> = BTreeMap::new();
    let mut fingerprints = Vec::new();
    for i in 0..3 {
        let before = received(&rec).len();
        let shard = format!("{i}/3");
        let d = run(&["--targets", f, "-n", "54", "-c", "2", "--shard", &shard]);
        assert_eq!(d["requests"], 18, "{d}");
        fingerprints.push(d["plan"]["fingerprint"].clone());
        for (path, n) in counts(before) {
            let k: usize = path.trim_start_matches("/t").parse().unwrap();
            assert_eq!(k % 3, i, "shard {i} sent {path}");
            assert!(sum.insert(path, n).is_none(), "a target sent by two shards");
        }
    }
    // Every target by exactly one shard, as often as in the whole plan.
    assert_eq!(sum, plan);
    assert!(fingerprints.iter().all(|p| *p == fingerprints[0]));

    // More shards than targets: the shard with none is a usage error naming the split.
    let out = lbctl()
        .args(["load", "--targets", f, "-n", "8", "--shard", "6/8"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("none for shard 6/8"), "{err}");
}
