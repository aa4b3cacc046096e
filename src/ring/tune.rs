//! `lbctl ring tune`: sweep the one size knob an algorithm has (`--vnodes` for ring and
//! bounded, the table size for maglev and envoy-maglev, `--min-ring-size` for envoy-ring) over
//! a doubling ladder or `--values`, measure each setting's balance exactly (the hash-space share
//! each server owns against what its weight deserves: std as % of the deserved share, and
//! peak-to-mean), and recommend the smallest setting meeting `--target-std` (and `--max-peak`).
//! Exact shares, not sampled keys, so the sweep is deterministic and costs no key generation.

use super::metrics::{Balance, human_bytes, share_balance, space_shares};
use super::servers::{load_servers, options, usage};
use crate::balance::hash::{self, HashAlgorithm, HashOptions};
use crate::cli::{GlobalOpts, ReportOutput, TuneArgs};
use crate::exit::{ExitCode, Failure};
use crate::output;
use crate::spec::SpecError;
use std::time::Instant;

/// The knob swept for an algorithm, or None when it has none.
fn knob(alg: HashAlgorithm) -> Option<(&'static str, &'static [u64])> {
    const VNODES: &[u64] = &[10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240];
    // Primes near powers of two (the maglev paper's sizes are primes; 65537 is the default).
    const PRIMES: &[u64] = &[
        251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65537, 131071, 262139, 524287, 1048573,
        2097143, 4194301,
    ];
    const RING: &[u64] = &[
        64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288,
        1048576, 2097152, 4194304, 8388608,
    ];
    match alg {
        HashAlgorithm::Ring | HashAlgorithm::Bounded => Some(("vnodes", VNODES)),
        HashAlgorithm::Maglev | HashAlgorithm::EnvoyMaglev => Some(("table-size", PRIMES)),
        HashAlgorithm::EnvoyRing => Some(("min-ring-size", RING)),
        _ => None,
    }
}

/// Parse `--target-std`: "2%", "2" or "0.5%" -> percent.
pub fn parse_pct(s: &str) -> Result<f64, SpecError> {
    let t = s.trim();
    let num = t.strip_suffix('%').unwrap_or(t).trim();
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(v),
        _ => Err(SpecError::new(
            "--target-std",
            s,
            "it is not a percentage above 0 and at most 100",
            "a percentage such as 2% or 0.5%",
        )),
    }
}

#[derive(serde::Serialize)]
struct Step {
    /// The swept setting.
    value: u64,
    /// Std of share/deserved over servers, in percent.
    std_pct: f64,
    peak_to_mean: f64,
    /// Ring points or table slots.
    entries: u64,
    memory_bytes: usize,
    build_ms: f64,
    meets_target: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    algorithm: &'a str,
    hash: &'a str,
    knob: &'a str,
    servers: usize,
    target_std_pct: f64,
    max_peak: Option<f64>,
    /// The smallest swept value meeting the target (null: none did).
    recommended: Option<u64>,
    sweep: Vec<Step>,
}

fn with_value(base: &HashOptions, knob: &str, v: u64) -> HashOptions {
    let mut o = *base;
    match knob {
        "vnodes" => o.vnodes = v.min(u32::MAX as u64) as u32,
        "table-size" => o.table_size = v,
        _ => {
            o.min_ring_size = v;
            o.max_ring_size = o.max_ring_size.max(v);
        }
    }
    o
}

pub fn run(args: TuneArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let alg = args.algo.algorithm;
    let Some((knob, ladder)) = knob(alg) else {
        return Err(Failure::usage(format!(
            "{alg} has no size setting to tune (its points per server are fixed); tune one of ring, bounded, maglev, envoy-maglev, envoy-ring"
        )));
    };
    let target = parse_pct(&args.target_std)?;
    if let Some(p) = args.max_peak
        && !(p.is_finite() && p >= 1.0)
    {
        return Err(SpecError::new(
            "--max-peak",
            p.to_string(),
            "the busiest server's share over its deserved share is at least 1",
            "a ratio of at least 1.0, e.g. 1.05",
        )
        .into());
    }
    let servers = load_servers(&args.servers)?;
    let base = options(args.algo.hash, &args.algo.tuning);
    let mut values: Vec<u64> = if args.values.is_empty() {
        ladder.to_vec()
    } else {
        args.values.clone()
    };
    values.sort_unstable();
    values.dedup();
    if knob == "table-size" && args.values.is_empty() {
        // The ladder starts wherever the table can hold every server.
        values.retain(|&m| m >= servers.len() as u64);
    }
    let pb = output::progress(
        global,
        Some(values.len() as u64),
        "{bar:30} {pos}/{len} {msg}",
    );
    let mut sweep = Vec::with_capacity(values.len());
    let mut hash_name = alg.default_hash().name();
    for &v in &values {
        pb.set_message(format!("{knob} {v}"));
        let opts = with_value(&base, knob, v);
        let t0 = Instant::now();
        let l = hash::build(alg, &servers, &opts)
            .map_err(|e| Failure::usage(format!("{knob} {v}: {}", usage(e))))?;
        let build_ms = t0.elapsed().as_secs_f64() * 1000.0;
        hash_name = l.hash_fn().name();
        let Some((_, shares)) = space_shares(l.as_ref(), servers.len()) else {
            return Err(Failure::usage(format!(
                "{alg} keeps no structure to measure"
            )));
        };
        let b: Balance = share_balance(&shares, &servers);
        let entries = match l.structure() {
            hash::Structure::Ring(r) => r.points.len() as u64,
            hash::Structure::Table(t) | hash::Structure::Buckets(t) => t.len() as u64,
            hash::Structure::Scores => 0,
        };
        let meets = b.std_pct <= target && args.max_peak.is_none_or(|p| b.peak_to_mean <= p);
        sweep.push(Step {
            value: v,
            std_pct: b.std_pct,
            peak_to_mean: b.peak_to_mean,
            entries,
            memory_bytes: l.memory_bytes(),
            build_ms,
            meets_target: meets,
        });
        pb.inc(1);
    }
    pb.finish_and_clear();
    let recommended = sweep.iter().find(|s| s.meets_target).map(|s| s.value);
    let report = Report {
        algorithm: alg.name(),
        hash: hash_name,
        knob,
        servers: servers.len(),
        target_std_pct: target,
        max_peak: args.max_peak,
        recommended,
        sweep,
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report)?,
    }
    Ok(if recommended.is_some() {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    })
}

fn print_table(r: &Report) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let peak = r
        .max_peak
        .map(|p| format!(" and peak-to-mean <= {p}"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} ({}), {} servers: sweeping --{} for std <= {}%{peak} (exact hash-space shares)",
        r.algorithm, r.hash, r.servers, r.knob, r.target_std_pct
    )?;
    let mut t = output::new_table(&[
        r.knob,
        "std",
        "peak-to-mean",
        "entries",
        "memory",
        "build",
        "",
    ]);
    for s in &r.sweep {
        let mark = if Some(s.value) == r.recommended {
            "<- recommended"
        } else if s.meets_target {
            "ok"
        } else {
            ""
        };
        t.add_row(vec![
            s.value.to_string(),
            format!("{:.2}%", s.std_pct),
            format!("{:.3}", s.peak_to_mean),
            s.entries.to_string(),
            human_bytes(s.memory_bytes),
            format!("{:.1} ms", s.build_ms),
            mark.to_string(),
        ]);
    }
    writeln!(out, "{t}")?;
    match r.recommended {
        Some(v) => writeln!(out, "recommended: --{} {v}", r.knob)?,
        None => {
            let best = r
                .sweep
                .iter()
                .min_by(|a, b| a.std_pct.total_cmp(&b.std_pct))
                .map(|s| {
                    format!(
                        "; the best was --{} {} at {:.2}%",
                        r.knob, s.value, s.std_pct
                    )
                })
                .unwrap_or_default();
            writeln!(out, "no swept value meets the target{best} (exit 1)")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_pct("2%").unwrap(), 2.0);
        assert_eq!(parse_pct(" 0.5 % ").unwrap(), 0.5);
        assert_eq!(parse_pct("3").unwrap(), 3.0);
        for bad in ["", "x%", "0", "-1%", "101%", "nan"] {
            assert!(parse_pct(bad).is_err(), "{bad}");
        }
    }
}
