//! `probe dns://` against a DNS server lbctl did not write: Debian's dnsmasq on a loopback port
//! (no upstream, no /etc/hosts), answering A, MX and TXT records from its command line and
//! NXDOMAIN for one name. The TXT answer is larger than the 1232 bytes the probe offers over
//! UDP, so the server truncates it and the probe must ask again over TCP.

use super::probe_json;
use crate::support::{Proc, lbctl};
use std::time::Duration;

pub(super) struct Dnsmasq {
    _proc: Proc,
    pub(super) port: u16,
}

/// dnsmasq on a free loopback port (its UDP and TCP listeners), retried if the port was taken
/// between choosing and binding it.
pub(super) fn dnsmasq() -> Dnsmasq {
    let big = "x".repeat(250);
    let txt = format!("--txt-record=big.test,{big},{big},{big}");
    for _ in 0..5 {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .map(|a| a.port())
            .unwrap();
        let port_arg = format!("--port={port}");
        let mut p = Proc::spawn_program(
            "dnsmasq",
            &[
                "--no-daemon",
                "--conf-file=/dev/null",
                &port_arg,
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--address=/web.test/10.0.0.7",
                "--address=/gone.test/",
                "--mx-host=mail.test,mx1.mail.test,10",
                "--mx-host=mail.test,mx2.mail.test,20",
                &txt,
                &txt,
                &txt,
            ],
        );
        // Ready when it answers over TCP (it binds UDP and TCP together).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = p.child.try_wait() {
                break;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Dnsmasq { _proc: p, port };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("dnsmasq did not start (is Debian's dnsmasq-base installed?)");
}

#[test]
fn dns_answers_conditions_and_truncation() {
    let d = dnsmasq();
    let at = |path: &str| format!("dns://127.0.0.1:{}/{path}", d.port);

    // An A record: NOERROR passes by default; the answer is in blackbox's record form.
    let (code, doc) = probe_json(&[&at("web.test")]);
    assert_eq!(code, 0, "{doc}");
    let t = &doc["targets"][0];
    assert_eq!(t["dns"]["rcode"], "NOERROR", "{t}");
    assert_eq!(
        t["dns"]["answer"][0], "web.test.\t0\tIN\tA\t10.0.0.7",
        "{t}"
    );
    assert_eq!(t["dns"]["tcp"], false);

    // NXDOMAIN fails unless a condition says it is what is wanted.
    let (code, doc) = probe_json(&[&at("gone.test")]);
    assert_eq!(code, 1);
    assert_eq!(
        doc["targets"][0]["reason"], "rcode NXDOMAIN (want NOERROR)",
        "{doc}"
    );
    let (code, doc) = probe_json(&[&at("gone.test"), "--expect", "dns.rcode == NXDOMAIN"]);
    assert_eq!(code, 0, "{doc}");

    // MX: counts and the any / all / none forms of a record regex.
    let mx = at("mail.test?type=MX");
    for (cond, pass) in [
        ("dns.answer.count == 2", true),
        ("dns.answer ~ mx2\\.mail\\.test", true),
        ("dns.answer.all ~ \\tMX\\t", true),
        ("dns.answer.all ~ mx1", false),
        ("dns.answer !~ mx3", true),
        ("dns.answer !~ mx1", false),
        ("dns.authority.count == 0", true),
    ] {
        let (code, doc) = probe_json(&[&mx, "--expect", cond]);
        assert_eq!(code == 0, pass, "{cond}: {doc}");
        if !pass {
            let reason = doc["targets"][0]["reason"].as_str().unwrap();
            assert!(
                reason.contains(cond) && reason.contains("2 answer record(s)"),
                "{reason}"
            );
        }
    }

    // Too big for UDP: truncated, asked again over TCP, all three records back.
    let (code, doc) = probe_json(&[
        &at("big.test?type=TXT"),
        "--expect",
        "dns.answer.count == 3",
    ]);
    assert_eq!(code, 0, "{doc}");
    let dns = &doc["targets"][0]["dns"];
    assert_eq!(
        (dns["truncated"].clone(), dns["tcp"].clone()),
        (true.into(), true.into()),
        "{dns}"
    );
    // TCP from the start when asked.
    let (code, doc) = probe_json(&[&at("web.test?transport=tcp")]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["targets"][0]["dns"]["tcp"], true);
    assert_eq!(doc["targets"][0]["dns"]["truncated"], false);

    // blackbox_exporter's DNS families in the Prometheus output.
    let out = lbctl()
        .args([
            "probe",
            &at("mail.test?type=MX"),
            &at("gone.test"),
            "-o",
            "prometheus",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mx_label = format!("target=\"{}\"", at("mail.test?type=MX"));
    let gone_label = format!("target=\"{}\"", at("gone.test"));
    for line in [
        format!("probe_dns_answer_rrs{{{mx_label}}} 2"),
        format!("probe_dns_query_succeeded{{{gone_label}}} 1"),
        format!("probe_success{{{gone_label}}} 0"),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(!text.contains("probe_http_status_code"), "{text}");
}

#[test]
fn a_silent_server_times_out_and_bad_targets_are_usage_errors() {
    // A UDP socket that never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = format!("dns://{}/web.test", silent.local_addr().unwrap());
    let (code, doc) = probe_json(&[&target, "--timeout", "300ms"]);
    assert_eq!(code, 1);
    let reason = doc["targets"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("timeout after 300ms"), "{reason}");

    for (args, want) in [
        (vec!["dns://127.0.0.1/"], "name to look up is missing"),
        (vec!["dns://127.0.0.1/a.test?type=BOGUS"], "expected one of"),
        (
            vec!["dns://resolver.example/a.test"],
            "must be an IP address",
        ),
        (
            vec!["dns://127.0.0.1/a.test", "--expect", "dns.rcode == NOPE"],
            "not an rcode",
        ),
        (
            vec!["http://127.0.0.1:1/", "--expect", "dns.answer.count > 0"],
            "dns:// targets",
        ),
    ] {
        let out = lbctl().arg("probe").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
