//! The human report of `lbctl load` (and `load merge`): a summary, latency percentiles (and,
//! in the open model, the uncorrected service time and the send lag beside them), a compact
//! terminal histogram, status codes, error categories, `--group-by` groups and SLO verdicts.

use super::report::Report;
use super::tally::Tally;
use crate::cli::GlobalOpts;
use crate::output::{bar, new_table};
use crate::stats::{LatencyHistogram, Summary};
use std::io::{IsTerminal, Write};

fn ms(v: f64) -> String {
    crate::spec::format_duration(std::time::Duration::from_secs_f64(v.max(0.0) / 1000.0))
}

/// Print the report on stdout.
pub fn print(r: &Report, tally: &Tally, global: &GlobalOpts) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} · {} model · HTTP/{} · {} connections{} · {} thread(s){}",
        r.targets.join(", "),
        r.model,
        r.http,
        connections_label(r.connections, r.max_connections),
        r.h2_streams
            .map(|m| format!(" x {m} streams"))
            .unwrap_or_default(),
        r.threads,
        if r.merged_runs > 1 {
            format!(" · {} runs merged", r.merged_runs)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "{} requests in {:.2}s: {:.1} req/s, {} errors ({:.2}%), {} unfinished, {} received",
        r.requests,
        r.duration_s,
        r.rps,
        r.errors,
        if r.requests == 0 {
            0.0
        } else {
            r.errors as f64 * 100.0 / r.requests as f64
        },
        r.unfinished,
        crate::spec::format_size(r.bytes_received),
    )?;
    if let (Some(target), Some(achieved)) = (r.rate_target, r.rate_achieved) {
        writeln!(
            out,
            "rate: target {target:.1}/s, achieved {achieved:.1}/s; {} requests waited for a busy connection",
            r.queued
        )?;
        if r.queued * 100 > r.requests.max(1) {
            let pool = r
                .max_connections
                .unwrap_or(r.connections)
                .max(r.connections);
            writeln!(
                out,
                "note: {:.1}% of requests were due while their connection was busy: the server \
                 answers slower than {pool} connections allow at this rate (raise -c or \
                 --max-connections to measure the server rather than the connection pool)",
                r.queued as f64 * 100.0 / r.requests.max(1) as f64,
            )?;
        }
    }
    writeln!(
        out,
        "connections: {} opened, at most {} open at once",
        r.connections_opened, r.connections_peak
    )?;
    if let Some(c) = &r.cpu {
        writeln!(
            out,
            "generator CPU: {:.2}s user + {:.2}s system ({:.0}% of {} thread(s), {:.1} µs/request)",
            c.user_s,
            c.system_s,
            c.utilization * 100.0,
            r.threads,
            c.us_per_request
        )?;
        if c.utilization >= 0.9 && r.model != "open" {
            writeln!(
                out,
                "note: the generator used {:.0}% of its CPU: it may be the bottleneck, not the \
                 server (add cores or --threads, or use a second machine and `load merge`)",
                c.utilization * 100.0
            )?;
        }
    }
    writeln!(out)?;

    // Latency summaries side by side.
    let mut header = vec!["", "min", "mean"];
    let keys: Vec<String> = r
        .percentiles_ms
        .iter()
        .map(|p| super::slo::percentile_key(p.percentile))
        .collect();
    header.extend(keys.iter().map(|s| s.as_str()));
    header.push("max");
    let mut t = new_table(&header);
    let row = |name: &str, s: &Summary, h: &LatencyHistogram| -> Vec<String> {
        let mut v = vec![name.to_string(), ms(s.min), ms(s.mean)];
        for p in &r.percentiles_ms {
            v.push(ms(h.percentile_us(p.percentile) as f64 / 1000.0));
        }
        v.push(ms(s.max));
        v
    };
    let label = if r.model == "open" {
        "latency (corrected)"
    } else {
        "latency"
    };
    t.add_row(row(label, &r.latency_ms, &tally.latency));
    if let Some(s) = &r.service_time_ms {
        t.add_row(row("service time", s, &tally.service));
    }
    if let Some(s) = &r.send_lag_ms {
        t.add_row(row("send lag", s, &tally.send_lag));
    }
    if r.connect_ms.count > 0 {
        t.add_row(row(
            &format!("connect ({})", r.connections_opened),
            &r.connect_ms,
            &tally.connect,
        ));
    }
    writeln!(out, "{t}")?;

    // Terminal histogram of the latency.
    let buckets = tally.latency.log_buckets(10);
    let most = buckets.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    if !buckets.is_empty() {
        writeln!(out, "\nlatency histogram")?;
        for (upper, count) in &buckets {
            writeln!(
                out,
                "  <= {:>9} {:>10}  {}",
                ms(*upper as f64 / 1000.0),
                count,
                bar(*count as f64 / most as f64, 40)
            )?;
        }
    }
    // Latency over time, for a person at a terminal (pipes and files get the tables only).
    if std::io::stdout().is_terminal()
        && !global.quiet
        && let Some(p) = &r.per_second
        && let Some(line) = super::sparkline::line(p, 60, crate::output::stdout_color(global))
    {
        writeln!(out, "\n{line}")?;
    }

    if !r.status.is_empty() {
        let mut t = new_table(&["status", "count", "share"]);
        for (code, n) in &r.status {
            t.add_row(vec![
                code.clone(),
                n.to_string(),
                format!("{:.2}%", *n as f64 * 100.0 / r.responses.max(1) as f64),
            ]);
        }
        writeln!(out, "\n{t}")?;
    }
    if !r.error_categories.is_empty() {
        let mut t = new_table(&["error", "count", "first message"]);
        for (k, e) in &r.error_categories {
            t.add_row(vec![
                k.clone(),
                e.count.to_string(),
                e.first.clone().unwrap_or_default(),
            ]);
        }
        writeln!(out, "\n{t}")?;
    }
    if let Some(g) = &r.groups {
        let mut t = new_table(&[g.header.as_str(), "count", "share", "", "p50", "p99", "max"]);
        for v in &g.values {
            t.add_row(vec![
                v.value.clone(),
                v.count.to_string(),
                format!("{:.1}%", v.share * 100.0),
                bar(v.share, 20),
                ms(v.latency_ms.p50),
                ms(v.latency_ms.p99),
                ms(v.latency_ms.max),
            ]);
        }
        writeln!(out, "\n{t}")?;
    }
    if let Some(st) = &r.stages {
        writeln!(out, "\n{}", super::stage_report::table(st))?;
    }
    if let Some(s) = r.shard {
        let print = r
            .plan
            .as_ref()
            .map(|p| p.fingerprint.as_str())
            .unwrap_or("?");
        writeln!(out, "\nshard {}/{} of plan {print}", s.index, s.count)?;
    }
    if let (None, Some(p)) = (r.shard, &r.plan)
        && r.merged_runs > 1
    {
        writeln!(out, "\n{} runs of plan {}", r.merged_runs, p.fingerprint)?;
    }
    if let Some(a) = &r.aborted {
        writeln!(
            out,
            "\nABORTED at {:.1}s by --abort-on-slo: SLO {} is lost: {}",
            a.at_s, a.slo, a.reason
        )?;
    }
    if !r.slo.is_empty() {
        writeln!(out)?;
        for s in &r.slo {
            writeln!(
                out,
                "SLO {:<20} {}  (measured {:.3} {})",
                s.slo,
                if s.pass { "pass" } else { "FAIL" },
                s.measured,
                s.unit
            )?;
        }
    }
    for reason in &r.invalid_reasons {
        writeln!(out, "\nINVALID RUN: {reason}")?;
    }
    out.flush()?;
    Ok(())
}

/// "50", or "10 to 200" for a pool that may grow.
pub(crate) fn connections_label(connections: u64, max: Option<u64>) -> String {
    match max {
        Some(m) if m > connections => format!("{connections} to {m}"),
        _ => connections.to_string(),
    }
}
