//! `probe`'s result formats for one-shot (and `--until`) results: table, json, jsonl,
//! prometheus text exposition (blackbox_exporter's metric names) and the nagios plugin line.
//! Each renderer returns text so that tests parse exactly what users see.

use super::prometheus::prometheus;
pub use super::shot::{ShotResult, Verdict};
use super::targets::ProbeTarget;
use super::{ProbeOutput, Require};
use crate::check::Timings;
use crate::exit::ExitCode;
use crate::spec::format_duration;
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::time::{Duration, SystemTime};

/// The nagios thresholds (`--warn-latency` ...).
#[derive(Debug, Clone, Copy, Default)]
pub struct NagiosLimits {
    pub warn_latency: Option<Duration>,
    pub crit_latency: Option<Duration>,
    pub warn_days: Option<f64>,
    pub crit_days: Option<f64>,
}

/// Phase timings in milliseconds (None: the phase did not happen or did not finish).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimingsJson {
    pub dns: Option<f64>,
    pub connect: Option<f64>,
    pub tls: Option<f64>,
    pub ttfb: Option<f64>,
    pub total: f64,
}

impl From<&Timings> for TimingsJson {
    fn from(t: &Timings) -> Self {
        let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
        TimingsJson {
            dns: t.dns.map(ms),
            connect: t.connect.map(ms),
            tls: t.tls.map(ms),
            ttfb: t.ttfb.map(ms),
            total: ms(t.total),
        }
    }
}

/// One target in `--output json`/`jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetJson {
    pub target: String,
    /// ok, flaky or fail.
    pub result: String,
    pub pass: bool,
    pub reason: String,
    /// dns, connect, tls, timeout, protocol or condition (null when passed).
    pub fail_kind: Option<String>,
    pub status: Option<u16>,
    pub http_version: Option<String>,
    /// gRPC targets: the health service's answer (SERVING, NOT_SERVING, UNKNOWN,
    /// SERVICE_UNKNOWN); absent for other schemes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    /// gRPC targets: the call's grpc-status number (0 OK, 12 UNIMPLEMENTED, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_code: Option<u32>,
    /// TLS targets: version, cipher suite, ALPN and the peer's chain (subject, issuer, SANs,
    /// serial, validity, SHA-256 per certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::check::tls_info::TlsInfo>,
    /// DNS targets: rcode, the AA flag, whether TCP was used, and each section's records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<crate::check::dns_data::DnsAnswer>,
    /// WebSocket targets: subprotocol, phase times, the first message, how the close went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<crate::check::ws_data::WsInfo>,
    /// ICMP targets: requests sent, replies, each round trip, the reply's hop limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp: Option<crate::check::icmp_data::IcmpInfo>,
    pub addr: Option<String>,
    pub attempts: u32,
    pub redirects: u32,
    pub body_bytes: u64,
    pub timings_ms: TimingsJson,
    /// Earliest notAfter of the peer's certificates, RFC 3339 UTC.
    pub cert_expiry: Option<String>,
    pub cert_days_left: Option<f64>,
}

/// `--output json`: the whole run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportJson {
    pub ok: bool,
    pub require: String,
    pub total: usize,
    pub passed: usize,
    pub flaky: usize,
    pub failed: usize,
    pub targets: Vec<TargetJson>,
}

pub fn target_json(t: &ProbeTarget, r: &ShotResult, now: SystemTime) -> TargetJson {
    let o = &r.outcome;
    TargetJson {
        target: t.label.clone(),
        result: r.verdict.as_str().into(),
        pass: r.verdict.passed(),
        reason: o.reason.clone(),
        fail_kind: o.fail.map(|k| k.as_str().to_string()),
        status: o.status,
        http_version: o.http_version.map(str::to_string),
        grpc_status: o.grpc_status.map(str::to_string),
        grpc_code: o.grpc_code.map(|c| c.number()),
        dns: o.dns.as_deref().cloned(),
        tls: o.tls.as_deref().cloned(),
        websocket: o.ws.as_deref().cloned(),
        icmp: o.icmp.as_deref().cloned(),
        addr: o.addr.map(|a| a.to_string()),
        attempts: r.attempts,
        redirects: o.redirects,
        body_bytes: o.body_bytes,
        timings_ms: (&o.timings).into(),
        cert_expiry: o.cert_not_after.map(rfc3339),
        cert_days_left: o.cert_days_left(now).map(|d| (d * 100.0).round() / 100.0),
    }
}

/// Unix seconds as RFC 3339 UTC.
pub fn rfc3339(unix: i64) -> String {
    let t = if unix >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix as u64)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(unix.unsigned_abs())
    };
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Counts of (passed incl. flaky, flaky, failed).
pub fn counts(results: &[ShotResult]) -> (usize, usize, usize) {
    let flaky = results
        .iter()
        .filter(|r| r.verdict == Verdict::Flaky)
        .count();
    let passed = results.iter().filter(|r| r.verdict.passed()).count();
    (passed, flaky, results.len() - passed)
}

/// Render in `format`; returns the text and the exit code (nagios has its own codes).
pub fn render(
    format: ProbeOutput,
    targets: &[ProbeTarget],
    results: &[ShotResult],
    require: Require,
    limits: &NagiosLimits,
    color: bool,
) -> (String, ExitCode) {
    let (passed, _, _) = counts(results);
    let ok = require.holds(passed, results.len());
    let code = if ok {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    };
    let now = SystemTime::now();
    let text = match format {
        ProbeOutput::Table => table(targets, results, require, color, now),
        ProbeOutput::Json => {
            let doc = report_json(targets, results, require, now);
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        ProbeOutput::Jsonl => {
            let mut s = String::new();
            for (t, r) in targets.iter().zip(results) {
                s.push_str(&serde_json::to_string(&target_json(t, r, now)).unwrap_or_default());
                s.push('\n');
            }
            s
        }
        ProbeOutput::Prometheus => prometheus(targets, results, now),
        ProbeOutput::Nagios => return nagios(targets, results, require, limits, now),
    };
    (text, code)
}

pub fn report_json(
    targets: &[ProbeTarget],
    results: &[ShotResult],
    require: Require,
    now: SystemTime,
) -> ReportJson {
    let (passed, flaky, failed) = counts(results);
    ReportJson {
        ok: require.holds(passed, results.len()),
        require: require.label(),
        total: results.len(),
        passed,
        flaky,
        failed,
        targets: targets
            .iter()
            .zip(results)
            .map(|(t, r)| target_json(t, r, now))
            .collect(),
    }
}

/// A table in lbctl's style; a terminal too narrow (or of unknown width, as under `script`)
/// gets natural column widths instead of columns squeezed to nothing.
pub fn new_table(header: &[&str]) -> comfy_table::Table {
    let mut t = crate::output::new_table(header);
    if t.width().is_none_or(|w| w < 60) {
        t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    }
    t
}

fn opt_ms(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_string(), format_duration)
}

fn table(
    targets: &[ProbeTarget],
    results: &[ShotResult],
    require: Require,
    color: bool,
    now: SystemTime,
) -> String {
    use comfy_table::{Cell, Color};
    let certs = results.iter().any(|r| r.outcome.cert_not_after.is_some());
    let mut header = vec![
        "TARGET", "RESULT", "REASON", "STATUS", "DNS", "CONNECT", "TLS", "TTFB", "TOTAL",
    ];
    if certs {
        header.push("CERT DAYS");
    }
    let mut t = new_table(&header);
    for (pt, r) in targets.iter().zip(results) {
        let o = &r.outcome;
        let mut result = Cell::new(match (r.verdict, r.attempts) {
            (Verdict::Flaky, n) => format!("flaky ({n} tries)"),
            (v, _) => v.as_str().to_string(),
        });
        if color {
            result = result.fg(match r.verdict {
                Verdict::Pass => Color::Green,
                Verdict::Flaky => Color::Yellow,
                Verdict::Fail => Color::Red,
            });
        }
        let mut row = vec![
            Cell::new(&pt.label),
            result,
            Cell::new(&o.reason),
            Cell::new(status_cell(o)),
            Cell::new(opt_ms(o.timings.dns)),
            Cell::new(opt_ms(o.timings.connect)),
            Cell::new(opt_ms(o.timings.tls)),
            Cell::new(opt_ms(o.timings.ttfb)),
            Cell::new(format_duration(o.timings.total)),
        ];
        if certs {
            row.push(Cell::new(
                o.cert_days_left(now)
                    .map_or("-".to_string(), |d| format!("{d:.1}")),
            ));
        }
        t.add_row(row);
    }
    let (passed, flaky, failed) = counts(results);
    let ok = require.holds(passed, results.len());
    format!(
        "{t}\n{passed}/{} passed ({flaky} flaky, {failed} failed), require {}: {}\n",
        results.len(),
        require.label(),
        if ok { "OK" } else { "FAIL" }
    )
}

/// The STATUS column: the HTTP status, a DNS answer's rcode, or for gRPC the health status (SERVING) or, when the
/// call failed, its grpc-status name (UNIMPLEMENTED).
fn status_cell(o: &crate::check::CheckOutcome) -> String {
    if let Some(d) = o.dns.as_deref() {
        return d.rcode.clone();
    }
    if let Some(i) = o.icmp.as_deref() {
        return format!("{}/{} replies", i.received, i.sent);
    }
    if let Some(s) = o.grpc_status {
        return s.to_string();
    }
    if let Some(c) = o.grpc_code {
        return c.name().to_string();
    }
    o.status.map_or("-".to_string(), |s| s.to_string())
}

/// Nagios plugin output (Nagios plugin development guidelines): one line
/// `LBCTL STATE - text | perfdata`, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
pub fn nagios(
    targets: &[ProbeTarget],
    results: &[ShotResult],
    require: Require,
    lim: &NagiosLimits,
    now: SystemTime,
) -> (String, ExitCode) {
    let (passed, _, failed) = counts(results);
    let holds = require.holds(passed, results.len());
    let mut level = if holds { 0 } else { 2 };
    let mut problems = Vec::new();
    let mut perf = Vec::new();
    for (t, r) in targets.iter().zip(results) {
        let o = &r.outcome;
        let total = o.timings.total;
        let days = o.cert_days_left(now);
        let mut mine = 0;
        let mut why = String::new();
        if r.verdict == Verdict::Fail {
            // A failed target is WARNING while the requirement still holds.
            mine = if holds { 1 } else { 2 };
            why = o.reason.clone();
        } else if lim.crit_latency.is_some_and(|c| total > c) {
            mine = 2;
            why = format!("latency {}", format_duration(total));
        } else if let (Some(c), Some(d)) = (lim.crit_days, days)
            && d < c
        {
            mine = 2;
            why = format!("certificate expires in {d:.1} days");
        } else if lim.warn_latency.is_some_and(|w| total > w) {
            mine = 1;
            why = format!("latency {}", format_duration(total));
        } else if let (Some(w), Some(d)) = (lim.warn_days, days)
            && d < w
        {
            mine = 1;
            why = format!("certificate expires in {d:.1} days");
        } else if r.verdict == Verdict::Flaky {
            mine = 1;
            why = format!("flaky, passed after {} tries", r.attempts);
        }
        if mine > 0 {
            problems.push(format!("{} {why}", t.label));
        }
        level = level.max(mine);
        let name = t.label.replace(['\'', '='], "_");
        let secs =
            |d: Option<Duration>| d.map_or(String::new(), |d| format!("{:.6}", d.as_secs_f64()));
        perf.push(format!(
            "'{name}'={:.6}s;{};{};0",
            total.as_secs_f64(),
            secs(lim.warn_latency),
            secs(lim.crit_latency)
        ));
        if let Some(d) = days {
            // Nagios range syntax: `N:` alerts below N (days left), a bare `N` above it.
            let below = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}:"));
            perf.push(format!(
                "'{name} cert_days'={d:.2};{};{}",
                below(lim.warn_days),
                below(lim.crit_days)
            ));
        }
    }
    let state = ["OK", "WARNING", "CRITICAL"][level];
    let mut text = format!(
        "LBCTL {state} - {passed}/{} targets passed, {failed} failed (require {})",
        results.len(),
        require.label()
    );
    if !problems.is_empty() {
        let shown: Vec<_> = problems.iter().take(3).cloned().collect();
        let _ = write!(text, ": {}", shown.join("; "));
        if problems.len() > 3 {
            let _ = write!(text, "; and {} more", problems.len() - 3);
        }
    }
    let line = format!("{} | {}\n", text.replace('|', "/"), perf.join(" "));
    let code = match level {
        0 => ExitCode::Success,
        1 => ExitCode::CheckFailed,
        // Nagios CRITICAL is 2, the number ExitCode calls Usage.
        _ => ExitCode::Usage,
    };
    (line, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckOutcome, CheckSpec, FailKind};
    use std::sync::Arc;

    fn target(s: &str) -> ProbeTarget {
        super::super::parse_line(s, &Arc::new(CheckSpec::default())).unwrap()
    }

    fn result(verdict: Verdict, total_ms: u64, cert_days: Option<i64>) -> ShotResult {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        ShotResult {
            outcome: CheckOutcome {
                pass: verdict.passed(),
                fail: (!verdict.passed()).then_some(FailKind::Condition),
                reason: if verdict.passed() {
                    "ok"
                } else {
                    "status 503 not in 200-399"
                }
                .into(),
                status: Some(if verdict.passed() { 200 } else { 503 }),
                timings: Timings {
                    dns: Some(Duration::from_millis(1)),
                    connect: Some(Duration::from_millis(2)),
                    tls: None,
                    ttfb: Some(Duration::from_millis(3)),
                    total: Duration::from_millis(total_ms),
                },
                cert_not_after: cert_days.map(|d| now + d * 86_400 + 60),
                ..Default::default()
            },
            attempts: if verdict == Verdict::Flaky { 2 } else { 1 },
            verdict,
        }
    }

    #[test]
    fn prometheus_phases_sum_to_total_and_labels_are_escaped() {
        let mut t = vec![target("http://a:1/x")];
        t[0].label = "a\"b\\c\nd".into();
        let r = vec![result(Verdict::Pass, 10, None)];
        let text = prometheus(&t, &r, SystemTime::now());
        assert!(
            text.contains(r#"probe_success{target="a\"b\\c\nd"} 1"#),
            "{text}"
        );
        let sum: f64 = text
            .lines()
            .filter(|l| l.starts_with("probe_duration_seconds{"))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((sum - 0.010).abs() < 1e-9, "{sum}");
        assert!(text.contains("phase=\"transfer\"} 0.004000"), "{text}");
        assert!(!text.contains("probe_ssl_earliest_cert_expiry{"));
    }

    #[test]
    fn nagios_levels() {
        let lim = NagiosLimits {
            warn_latency: Some(Duration::from_millis(100)),
            crit_latency: Some(Duration::from_millis(500)),
            warn_days: Some(14.0),
            crit_days: Some(3.0),
        };
        let t = vec![target("https://a/"), target("https://b/")];
        let now = SystemTime::now();
        let run = |r: Vec<ShotResult>, req: Require| nagios(&t, &r, req, &lim, now);
        let ok = || result(Verdict::Pass, 10, Some(30));
        let (line, code) = run(vec![ok(), ok()], Require::All);
        assert_eq!(code, ExitCode::Success, "{line}");
        assert!(line.starts_with("LBCTL OK - 2/2 targets passed, 0 failed (require all) | "));
        assert!(
            line.contains("'https://a/'=0.010000s;0.100000;0.500000;0"),
            "{line}"
        );
        assert!(
            line.contains("'https://a/ cert_days'=30.00;14:;3:"),
            "{line}"
        );
        let (line, code) = run(
            vec![ok(), result(Verdict::Pass, 200, Some(30))],
            Require::All,
        );
        assert_eq!(code, ExitCode::CheckFailed, "{line}");
        assert!(line.contains("https://b/ latency 200.0ms"), "{line}");
        let (_, code) = run(vec![ok(), result(Verdict::Pass, 10, Some(2))], Require::All);
        assert_eq!(code.code(), 2);
        let (_, code) = run(
            vec![ok(), result(Verdict::Pass, 10, Some(10))],
            Require::All,
        );
        assert_eq!(code.code(), 1);
        let (line, code) = run(
            vec![ok(), result(Verdict::Flaky, 10, Some(30))],
            Require::All,
        );
        assert_eq!(code.code(), 1);
        assert!(line.contains("flaky, passed after 2 tries"), "{line}");
        let (_, code) = run(vec![ok(), result(Verdict::Fail, 10, None)], Require::Any);
        assert_eq!(code.code(), 1);
        let (line, code) = run(vec![ok(), result(Verdict::Fail, 10, None)], Require::All);
        assert_eq!(code.code(), 2);
        assert!(
            line.contains("https://b/ status 503 not in 200-399"),
            "{line}"
        );
        assert_eq!(line.matches(" | ").count(), 1);
    }

    #[test]
    fn json_roundtrips() {
        let t = vec![target("db:5432")];
        let r = vec![result(Verdict::Flaky, 10, None)];
        let doc = report_json(&t, &r, Require::All, SystemTime::now());
        let text = serde_json::to_string(&doc).unwrap();
        let back: ReportJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        assert_eq!((back.passed, back.flaky, back.ok), (1, 1, true));
        assert_eq!(back.targets[0].timings_ms.connect, Some(2.0));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
