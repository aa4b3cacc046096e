//! `lbctl ring` bad input: every malformed server list, spec, flag, key source and change is
//! exit 2 with a one-line message naming what was wrong.

use crate::support::lbctl;

/// Every bad input: exit 2 and a one-line message naming the problem.
#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "# nothing\n").unwrap();
    let bad_file = dir.path().join("bad.txt");
    std::fs::write(&bad_file, "10.0.0.1:11211\nnot a spec\n").unwrap();
    let empty_s = empty.to_str().unwrap();
    let bad_s = bad_file.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["ring", "lookup", "k"], "no servers given"),
        (
            vec!["ring", "lookup", "--servers-file", empty_s, "k"],
            "server list is empty",
        ),
        (
            vec!["ring", "lookup", "--servers-file", bad_s, "k"],
            "line 2",
        ),
        (
            vec!["ring", "lookup", "--servers-file", "/nonexistent/x", "k"],
            "cannot read --servers-file",
        ),
        (
            vec!["ring", "lookup", "-s", "a:1", "-s", "a:1", "k"],
            "appears twice",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-s",
                "a:1,weight=0",
                "-s",
                "b:1,weight=0",
                "k",
            ],
            "weight 0",
        ),
        (
            vec!["ring", "lookup", "-a", "nope", "-s", "a:1", "k"],
            "invalid value 'nope'",
        ),
        (
            vec!["ring", "lookup", "--hash", "sha1", "-s", "a:1", "k"],
            "invalid value 'sha1'",
        ),
        (
            vec![
                "ring", "lookup", "-a", "ketama", "--hash", "crc32", "-s", "a:1", "k",
            ],
            "always uses md5",
        ),
        (
            vec![
                "ring", "lookup", "-a", "ring", "--hash", "none", "-s", "a:1", "k",
            ],
            "only applies to jump",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "maglev",
                "--table-size",
                "65536",
                "-s",
                "a:1",
                "k",
            ],
            "not prime",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "maglev",
                "--table-size",
                "3",
                "--servers",
                "5",
                "k",
            ],
            "smaller than the 5 servers",
        ),
        (
            vec![
                "ring", "lookup", "-a", "ring", "--vnodes", "0", "-s", "a:1", "k",
            ],
            "--vnodes",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "bounded",
                "--balance-factor",
                "0.9",
                "-s",
                "a:1",
                "k",
            ],
            "--balance-factor",
        ),
        (
            vec!["ring", "lookup", "-s", "10.0.0.1", "k"],
            "port is missing",
        ),
        (
            vec!["ring", "lookup", "-s", "h:1,weight=x", "k"],
            "weight must be a whole number",
        ),
        (
            vec![
                "ring",
                "lookup",
                "--keys-file",
                "/nonexistent/keys",
                "-s",
                "a:1",
            ],
            "cannot open --keys-file",
        ),
        (
            vec![
                "ring",
                "stats",
                "-s",
                "a:1",
                "--generate",
                "5",
                "--key-pattern",
                "user",
            ],
            "no {i}",
        ),
        (
            vec![
                "ring",
                "stats",
                "-s",
                "a:1",
                "--generate",
                "5",
                "--distribution",
                "zipf:-1",
            ],
            "exponent",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "-s", "b:1", "k"],
            "no change given",
        ),
        (
            vec![
                "ring", "diff", "-s", "a:1", "-s", "b:1", "--remove", "c:1", "k",
            ],
            "--remove 'c:1': no server",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--remove", "a:1", "k"],
            "server list is empty",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--add", "a:1", "k"],
            "appears twice",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--add", "bad", "k"],
            "invalid backend spec",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--reweight", "a:1", "k"],
            "no '='",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--reweight", "a:1=x", "k"],
            "not a whole number",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--reweight", "b:1=2", "k"],
            "no server named 'b:1'",
        ),
        (
            vec!["ring", "diff", "-s", "a:1", "--reweight", "a:1=0", "k"],
            "weight 0",
        ),
        (
            vec![
                "ring",
                "diff",
                "-s",
                "a:1",
                "--to-servers-file",
                empty_s,
                "k",
            ],
            "--to-servers-file: the server list is empty",
        ),
        (
            vec![
                "ring",
                "compare",
                "--servers",
                "3",
                "--table-size",
                "100",
                "--generate",
                "5",
            ],
            "not prime",
        ),
        (
            vec![
                "ring",
                "compare",
                "--servers",
                "3",
                "--remove",
                "x",
                "--generate",
                "5",
            ],
            "--remove 'x'",
        ),
        (vec!["ring", "show", "-s", "[::1:80"], "closing"),
        (
            vec![
                "ring", "lookup", "-a", "haproxy", "--hash", "md5", "-s", "a:1", "k",
            ],
            "offers sdbm, djb2, wt6, crc32, none",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "envoy-ring",
                "--hash",
                "xxh3",
                "-s",
                "a:1",
                "k",
            ],
            "always uses xxh64",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "envoy-ring",
                "--min-ring-size",
                "20",
                "--max-ring-size",
                "10",
                "-s",
                "a:1",
                "k",
            ],
            "ring size bounds 20..10",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "haproxy",
                "-s",
                "a:1,weight=300",
                "k",
            ],
            "above this algorithm's maximum 256",
        ),
        (
            vec![
                "ring",
                "lookup",
                "-a",
                "envoy-maglev",
                "--table-size",
                "8",
                "-s",
                "a:1",
                "k",
            ],
            "not prime",
        ),
        (
            vec![
                "ring",
                "show",
                "-a",
                "maglev",
                "--replicas",
                "2",
                "-s",
                "a:1",
            ],
            "has no ring",
        ),
        (
            vec!["ring", "stats", "--counts", "--generate", "5", "-s", "a:1"],
            "not --generate",
        ),
        (
            vec![
                "ring",
                "stats",
                "--counts",
                "-s",
                "a:1",
                "x,18446744073709551615",
                "y,1",
            ],
            "add up to more than",
        ),
    ];
    for (args, want) in cases {
        let out = lbctl().args(&args).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(want), "{args:?}: wanted {want:?} in {err:?}");
        if !want.starts_with("invalid value") {
            // Our own messages are one line (clap adds a usage hint of its own).
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err:?}");
        }
    }
}
