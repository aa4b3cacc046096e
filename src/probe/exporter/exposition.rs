//! The answer to one `/probe` scrape: the probe's facts as Prometheus text (format 0.0.4)
//! under blackbox_exporter's metric names, one target per answer and so no `target` label
//! (Prometheus adds `instance` from the scrape config). The names and phases follow
//! blackbox's prober/{handler,utils,http,tcp,dns,grpc}.go:
//!
//! - every prober: probe_success, probe_duration_seconds, probe_timeout_seconds,
//!   probe_dns_lookup_time_seconds, probe_ip_protocol, probe_ip_addr_hash;
//! - http: probe_http_duration_seconds{phase=resolve|connect|tls|processing|transfer},
//!   probe_http_status_code, probe_http_version, probe_http_content_length (-1 unknown),
//!   probe_http_uncompressed_body_length, probe_http_redirects, probe_http_ssl,
//!   probe_failed_due_to_regex, probe_http_last_modified_timestamp_seconds (with Last-Modified);
//! - dns: probe_dns_duration_seconds{phase=resolve|connect|request}, probe_dns_answer_rrs,
//!   probe_dns_authority_rrs, probe_dns_additional_rrs, probe_dns_query_succeeded,
//!   probe_dns_serial (an SOA answer);
//! - grpc: probe_grpc_duration_seconds{phase=resolve|check}, probe_grpc_ssl,
//!   probe_grpc_status_code, probe_grpc_healthcheck_response{serving_status};
//! - a TLS handshake: probe_ssl_earliest_cert_expiry, probe_ssl_last_chain_expiry_timestamp_seconds,
//!   probe_ssl_last_chain_info, probe_tls_version_info, probe_tls_cipher_info.

use super::module::Prober;
use crate::check::CheckOutcome;
use std::fmt::Write;
use std::time::Duration;

/// Families written in order: name, help, samples (`{labels} value` after the name).
struct Text(String);

impl Text {
    fn family(&mut self, name: &str, help: &str, samples: &[(String, f64)]) {
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} gauge");
        for (labels, v) in samples {
            let _ = writeln!(self.0, "{name}{labels} {}", number(*v));
        }
    }

    fn gauge(&mut self, name: &str, help: &str, v: f64) {
        self.family(name, help, &[(String::new(), v)]);
    }

    fn phases(&mut self, name: &str, help: &str, phases: &[(&str, Option<Duration>)]) {
        let samples: Vec<(String, f64)> = phases
            .iter()
            .map(|(p, d)| {
                (
                    format!("{{phase=\"{p}\"}}"),
                    d.unwrap_or_default().as_secs_f64(),
                )
            })
            .collect();
        self.family(name, help, &samples);
    }
}

/// A sample value as Prometheus writes it (integers without a fraction).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A label value, escaped (text exposition format 0.0.4).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// FNV-1a 32 of the address bytes (IPv4 as 4 bytes), blackbox's ipHash.
fn ip_hash(ip: std::net::IpAddr) -> f64 {
    let bytes: Vec<u8> = match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        },
    };
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    f64::from(h)
}

/// The metrics of one probe.
pub fn render(prober: Prober, o: &CheckOutcome, success: bool, timeout: Duration) -> String {
    let mut t = Text(String::new());
    let tm = &o.timings;
    t.gauge(
        "probe_success",
        "Displays whether or not the probe was a success",
        f64::from(u8::from(success)),
    );
    t.gauge(
        "probe_duration_seconds",
        "Returns how long the probe took to complete in seconds",
        tm.total.as_secs_f64(),
    );
    t.gauge(
        "probe_timeout_seconds",
        "Returns how long the probe timeout is in seconds",
        timeout.as_secs_f64(),
    );
    t.gauge(
        "probe_dns_lookup_time_seconds",
        "Returns the time taken for probe dns lookup in seconds",
        tm.dns.unwrap_or_default().as_secs_f64(),
    );
    let ip = o.addr.map(|a| a.ip());
    t.gauge(
        "probe_ip_protocol",
        "Specifies whether probe ip protocol is IP4 or IP6",
        match ip {
            Some(std::net::IpAddr::V4(_)) => 4.0,
            Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_some() => 4.0,
            Some(std::net::IpAddr::V6(_)) => 6.0,
            None => 0.0,
        },
    );
    t.gauge(
        "probe_ip_addr_hash",
        "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
        ip.map_or(0.0, ip_hash),
    );
    match prober {
        Prober::Http => http(&mut t, o),
        Prober::Dns => dns(&mut t, o),
        Prober::Grpc => grpc(&mut t, o),
        Prober::Icmp => icmp(&mut t, o),
        Prober::Tcp => {}
    }
    tls(&mut t, o);
    t.0
}

/// blackbox's icmp prober: the phases (rtt is the mean round trip of the replies) and the
/// reply's hop limit, when the kernel reported one; plus lbctl's sent/received counts.
fn icmp(t: &mut Text, o: &CheckOutcome) {
    let tm = &o.timings;
    t.phases(
        "probe_icmp_duration_seconds",
        "Duration of icmp request by phase",
        &[("resolve", tm.dns), ("setup", tm.connect), ("rtt", tm.ttfb)],
    );
    let i = o.icmp.as_deref();
    if let Some(h) = i.and_then(|i| i.hop_limit) {
        t.gauge(
            "probe_icmp_reply_hop_limit",
            "Replied packet hop limit (TTL for ipv4)",
            f64::from(h),
        );
    }
    t.gauge(
        "probe_icmp_requests_sent",
        "Echo requests sent",
        f64::from(i.map_or(0, |i| i.sent)),
    );
    t.gauge(
        "probe_icmp_replies_received",
        "Echo replies received that match the requests",
        f64::from(i.map_or(0, |i| i.received)),
    );
}

fn http(t: &mut Text, o: &CheckOutcome) {
    let tm = &o.timings;
    // What the known phases leave of the whole is the body transfer (blackbox's "transfer":
    // from the first byte to the end of the body).
    let known: Duration = [tm.dns, tm.connect, tm.tls, tm.ttfb].iter().flatten().sum();
    let transfer = o.status.map(|_| tm.total.saturating_sub(known));
    t.phases(
        "probe_http_duration_seconds",
        "Duration of http request by phase, summed over all redirects",
        &[
            ("resolve", tm.dns),
            ("connect", tm.connect),
            ("tls", tm.tls),
            ("processing", tm.ttfb),
            ("transfer", transfer),
        ],
    );
    t.gauge(
        "probe_http_content_length",
        "Length of http content response",
        o.content_length.map_or(-1.0, |n| n as f64),
    );
    t.gauge(
        "probe_http_uncompressed_body_length",
        "Length of uncompressed response body",
        o.body_bytes as f64,
    );
    t.gauge(
        "probe_http_redirects",
        "The number of redirects",
        f64::from(o.redirects),
    );
    t.gauge(
        "probe_http_ssl",
        "Indicates if SSL was used for the final redirect",
        f64::from(u8::from(o.tls.is_some())),
    );
    t.gauge(
        "probe_http_status_code",
        "Response HTTP status code",
        f64::from(o.status.unwrap_or(0)),
    );
    t.gauge(
        "probe_http_version",
        "Returns the version of HTTP of the probe response",
        match o.http_version {
            Some("HTTP/2") => 2.0,
            Some(_) => 1.1,
            None => 0.0,
        },
    );
    // Always written by blackbox's http prober: 1 only when a header or body regexp failed.
    t.gauge(
        "probe_failed_due_to_regex",
        "Indicates if probe failed due to regex",
        f64::from(u8::from(o.regex_failed)),
    );
    // Written only when the answer had a valid Last-Modified, as blackbox does.
    if let Some(lm) = o.last_modified {
        t.gauge(
            "probe_http_last_modified_timestamp_seconds",
            "Returns the Last-Modified HTTP response header in unixtime",
            lm as f64,
        );
    }
}

fn dns(t: &mut Text, o: &CheckOutcome) {
    let tm = &o.timings;
    t.phases(
        "probe_dns_duration_seconds",
        "Duration of DNS request by phase",
        &[
            ("resolve", tm.dns),
            ("connect", tm.connect),
            ("request", tm.ttfb),
        ],
    );
    let a = o.dns.as_deref();
    let count = |f: fn(&crate::check::dns_data::DnsAnswer) -> usize| a.map_or(0.0, |a| f(a) as f64);
    t.gauge(
        "probe_dns_answer_rrs",
        "Returns number of entries in the answer resource record list",
        count(|a| a.answer.len()),
    );
    t.gauge(
        "probe_dns_authority_rrs",
        "Returns number of entries in the authority resource record list",
        count(|a| a.authority.len()),
    );
    t.gauge(
        "probe_dns_additional_rrs",
        "Returns number of entries in the additional resource record list",
        count(|a| a.additional.len()),
    );
    t.gauge(
        "probe_dns_query_succeeded",
        "Displays whether or not the query was executed successfully",
        f64::from(u8::from(a.is_some())),
    );
    // An SOA in the answer: its serial, the third field of the RDATA (RFC 1035 3.3.13).
    let serial = a.and_then(|a| {
        a.answer.iter().find_map(|r| {
            let f: Vec<&str> = r.split('\t').collect();
            if f.get(3) != Some(&"SOA") {
                return None;
            }
            f.get(4)?.split_whitespace().nth(2)?.parse::<u32>().ok()
        })
    });
    if let Some(s) = serial {
        t.gauge(
            "probe_dns_serial",
            "Returns the serial number of the zone",
            f64::from(s),
        );
    }
}

fn grpc(t: &mut Text, o: &CheckOutcome) {
    let tm = &o.timings;
    let known: Duration = [tm.dns].iter().flatten().sum();
    t.phases(
        "probe_grpc_duration_seconds",
        "Duration of gRPC request by phase",
        &[
            ("resolve", tm.dns),
            ("check", Some(tm.total.saturating_sub(known))),
        ],
    );
    t.gauge(
        "probe_grpc_ssl",
        "Indicates if SSL was used for the connection",
        f64::from(u8::from(o.tls.is_some())),
    );
    // blackbox reports codes.Unknown (2) when the call never got an answer.
    t.gauge(
        "probe_grpc_status_code",
        "Response gRPC status code",
        f64::from(o.grpc_code.map_or(2, |c| c.number())),
    );
    let seen = o.grpc_status;
    let samples: Vec<(String, f64)> = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]
        .iter()
        .map(|s| {
            (
                format!("{{serving_status=\"{s}\"}}"),
                f64::from(u8::from(seen == Some(*s))),
            )
        })
        .collect();
    t.family(
        "probe_grpc_healthcheck_response",
        "Response HealthCheck response",
        &samples,
    );
}

fn tls(t: &mut Text, o: &CheckOutcome) {
    let Some(info) = o.tls.as_deref() else {
        return;
    };
    if let Some(na) = o.cert_not_after {
        t.gauge(
            "probe_ssl_earliest_cert_expiry",
            "Returns last SSL chain expiry in unixtime",
            na as f64,
        );
    }
    if let Some(leaf) = info.chain.first() {
        t.gauge(
            "probe_ssl_last_chain_expiry_timestamp_seconds",
            "Returns last SSL chain expiry in timestamp",
            leaf.not_after as f64,
        );
        let labels = format!(
            "{{fingerprint_sha256=\"{}\",issuer=\"{}\",serialnumber=\"{}\",subject=\"{}\",subjectalternative=\"{}\"}}",
            label(&leaf.sha256),
            label(&leaf.issuer),
            label(&leaf.serial.replace(':', "").to_ascii_lowercase()),
            label(&leaf.subject),
            label(&leaf.sans.join(",")),
        );
        t.family(
            "probe_ssl_last_chain_info",
            "Contains SSL leaf certificate information",
            &[(labels, 1.0)],
        );
    }
    t.family(
        "probe_tls_version_info",
        "Returns the TLS version used or NaN when unknown",
        &[(format!("{{version=\"{}\"}}", label(&info.version)), 1.0)],
    );
    t.family(
        "probe_tls_cipher_info",
        "Returns the TLS cipher negotiated during handshake",
        &[(format!("{{cipher=\"{}\"}}", label(&info.cipher)), 1.0)],
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Timings;

    #[test]
    fn an_http_probe_in_blackbox_names() {
        let o = CheckOutcome {
            pass: true,
            status: Some(200),
            http_version: Some("HTTP/1.1"),
            addr: Some("127.0.0.1:80".parse().unwrap()),
            content_length: Some(12),
            body_bytes: 12,
            last_modified: Some(784_111_777),
            timings: Timings {
                dns: Some(Duration::from_millis(1)),
                connect: Some(Duration::from_millis(2)),
                tls: None,
                ttfb: Some(Duration::from_millis(3)),
                total: Duration::from_millis(10),
            },
            ..CheckOutcome::default()
        };
        let text = render(Prober::Http, &o, true, Duration::from_millis(4500));
        for line in [
            "probe_success 1",
            "probe_duration_seconds 0.01",
            "probe_timeout_seconds 4.5",
            "probe_ip_protocol 4",
            "probe_http_status_code 200",
            "probe_http_version 1.1",
            "probe_http_content_length 12",
            "probe_http_duration_seconds{phase=\"transfer\"} 0.004",
            "probe_http_duration_seconds{phase=\"tls\"} 0",
            "# TYPE probe_http_ssl gauge",
            "probe_failed_due_to_regex 0",
            "probe_http_last_modified_timestamp_seconds 784111777",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        // blackbox's ipHash of 127.0.0.1 (FNV-1a 32 over 4 bytes).
        assert_eq!(ip_hash("127.0.0.1".parse().unwrap()), 3_668_918_509.0);
        let down = render(
            Prober::Grpc,
            &CheckOutcome::default(),
            false,
            Duration::from_secs(1),
        );
        assert!(down.contains("probe_grpc_status_code 2\n"), "{down}");
        assert!(down.contains("probe_grpc_healthcheck_response{serving_status=\"SERVING\"} 0\n"));
        let icmp = render(Prober::Icmp, &o, false, Duration::from_secs(1));
        assert!(
            icmp.contains("probe_icmp_duration_seconds{phase=\"rtt\"} "),
            "{icmp}"
        );
        assert!(icmp.contains("probe_icmp_requests_sent 0\n"), "{icmp}");
    }
}
