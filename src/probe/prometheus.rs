//! `probe -o prometheus`: one text exposition (format 0.0.4) for many targets, under
//! blackbox_exporter's metric names with a `target` label, for a textfile collector or a
//! push. The DNS, TLS, WebSocket and ICMP families come from their own files.

use super::shot::ShotResult;
use super::targets::ProbeTarget;
use crate::check::CheckOutcome;
use std::fmt::Write;
use std::time::{Duration, SystemTime};

/// A Prometheus label value, escaped (text exposition format 0.0.4).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// blackbox_exporter's names with a `target` label (one exposition for many targets).
/// probe_duration_seconds carries a `phase` label (resolve, connect, tls, processing,
/// transfer; blackbox's phase names), so `sum by (target)` is the whole probe.
pub fn prometheus(targets: &[ProbeTarget], results: &[ShotResult], _now: SystemTime) -> String {
    let mut s = String::new();
    let metric = |s: &mut String, name: &str, help: &str| {
        let _ = writeln!(s, "# HELP {name} {help}");
        let _ = writeln!(s, "# TYPE {name} gauge");
    };
    metric(
        &mut s,
        "probe_success",
        "Whether the probe was a success (1) or not (0).",
    );
    for (t, r) in targets.iter().zip(results) {
        let _ = writeln!(
            s,
            "probe_success{{target=\"{}\"}} {}",
            label(&t.label),
            u8::from(r.verdict.passed())
        );
    }
    metric(
        &mut s,
        "probe_duration_seconds",
        "Duration of the probe by phase, in seconds (the phases sum to the whole probe).",
    );
    for (t, r) in targets.iter().zip(results) {
        let tm = &r.outcome.timings;
        let known: Duration = [tm.dns, tm.connect, tm.tls, tm.ttfb].iter().flatten().sum();
        let phases = [
            ("resolve", tm.dns.unwrap_or_default()),
            ("connect", tm.connect.unwrap_or_default()),
            ("tls", tm.tls.unwrap_or_default()),
            ("processing", tm.ttfb.unwrap_or_default()),
            ("transfer", tm.total.saturating_sub(known)),
        ];
        for (phase, d) in phases {
            let _ = writeln!(
                s,
                "probe_duration_seconds{{target=\"{}\",phase=\"{phase}\"}} {:.6}",
                label(&t.label),
                d.as_secs_f64()
            );
        }
    }
    let status: Vec<String> = targets
        .iter()
        .zip(results)
        .filter(|(t, _)| {
            !matches!(
                t.target.scheme,
                crate::check::Scheme::Tcp | crate::check::Scheme::Dns | crate::check::Scheme::Icmp
            )
        })
        .map(|(t, r)| {
            format!(
                "probe_http_status_code{{target=\"{}\"}} {}",
                label(&t.label),
                r.outcome.status.unwrap_or(0)
            )
        })
        .collect();
    // The health status as a state set (one sample per status, 1 for the one seen) under
    // blackbox's name and label, as the exporter writes it; absent when no
    // HealthCheckResponse came back.
    let grpc: Vec<String> = targets
        .iter()
        .zip(results)
        .filter_map(|(t, r)| {
            let seen = r.outcome.grpc_status?;
            Some(
                ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]
                    .iter()
                    .map(|st| {
                        format!(
                            "probe_grpc_healthcheck_response{{target=\"{}\",serving_status=\"{st}\"}} {}",
                            label(&t.label),
                            u8::from(*st == seen)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })
        .collect();
    let expiry: Vec<String> = targets
        .iter()
        .zip(results)
        .filter_map(|(t, r)| {
            let na = r.outcome.cert_not_after?;
            Some(format!(
                "probe_ssl_earliest_cert_expiry{{target=\"{}\"}} {na}",
                label(&t.label)
            ))
        })
        .collect();
    // A family is written only when it has samples (TCP-only runs have no status code).
    let rows: Vec<(&ProbeTarget, &CheckOutcome)> = targets
        .iter()
        .zip(results)
        .map(|(t, r)| (t, &r.outcome))
        .collect();
    let dns = super::dns_metrics::families(&rows, label);
    let tls = super::tls_metrics::families(&rows, label);
    let exchange = super::exchange_metrics::families(&rows, label);
    for (name, help, samples) in dns.into_iter().chain(tls).chain(exchange).chain([
        (
            "probe_http_status_code",
            "Response HTTP status code (0 without a response).",
            status,
        ),
        (
            "probe_grpc_healthcheck_response",
            "Response HealthCheck response (grpc.health.v1; 1 for the status answered).",
            grpc,
        ),
        (
            "probe_ssl_earliest_cert_expiry",
            "Earliest expiring certificate of the peer chain, Unix seconds.",
            expiry,
        ),
    ]) {
        if !samples.is_empty() {
            metric(&mut s, name, help);
            for line in samples {
                let _ = writeln!(s, "{line}");
            }
        }
    }
    s
}
