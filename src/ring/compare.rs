//! `lbctl ring compare`: every algorithm on the same servers, keys and change, one row each:
//! balance (std, peak-to-mean), moved % against the ideal, lookup time per key and the size
//! of the structure. Keys are loaded once into memory so that the timing measures lookups only.

use super::keys::{KeySet, KeySource};
use super::metrics::{Balance, balance, human_bytes, ideal_moved, index_map, pct};
use super::servers::{Assigner, apply_change, load_servers, options};
use crate::balance::hash::{self, HashAlgorithm, HashServer, Locator};
use crate::cli::{CompareArgs, GlobalOpts, ReportOutput};
use crate::exit::ExitCode;
use crate::output;
use std::time::Instant;

#[derive(serde::Serialize)]
struct Row {
    algorithm: &'static str,
    hash: Option<&'static str>,
    /// Why the algorithm could not be built for these servers (then the numbers are null).
    error: Option<String>,
    #[serde(flatten)]
    balance: Option<Balance>,
    /// Fraction of keys that moved with the change (null without a change).
    moved_fraction: Option<f64>,
    /// Mean lookup time per key, nanoseconds (bounded: key-order placement).
    lookup_ns_per_key: Option<f64>,
    /// Time to build the structure, milliseconds.
    build_ms: Option<f64>,
    /// Size of the structure in bytes.
    memory_bytes: Option<usize>,
}

#[derive(serde::Serialize)]
struct Report {
    servers: usize,
    keys: usize,
    change: Option<String>,
    /// The least fraction any algorithm must move for the change.
    ideal_fraction: Option<f64>,
    /// A removed server was not the last one (jump's churn is then large by design).
    jump_middle_removed: bool,
    algorithms: Vec<Row>,
}

/// Assign every key, returning the server per key and the elapsed lookup time.
fn assign_all(l: &dyn Locator, keys: &KeySet) -> (Vec<u32>, f64) {
    let mut out = Vec::with_capacity(keys.len());
    let mut a = Assigner::new(l);
    let start = Instant::now();
    for k in keys.iter() {
        out.push(a.assign(k) as u32);
    }
    (out, start.elapsed().as_secs_f64())
}

fn one(
    alg: HashAlgorithm,
    from: &[HashServer],
    to: Option<&[HashServer]>,
    keys: &KeySet,
    opts: &hash::HashOptions,
) -> Row {
    let t0 = Instant::now();
    let built = hash::build(alg, from, opts);
    let build_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let a = match built {
        Ok(a) => a,
        Err(e) => return error_row(alg, e),
    };
    let (assigned, secs) = assign_all(a.as_ref(), keys);
    let mut counts = vec![0u64; from.len()];
    assigned.iter().for_each(|&s| counts[s as usize] += 1);
    let mut moved_fraction = None;
    if let Some(to) = to {
        let b = match hash::build(alg, to, opts) {
            Ok(b) => b,
            Err(e) => return error_row(alg, e),
        };
        let (after, _) = assign_all(b.as_ref(), keys);
        let map = index_map(from, to);
        let moved = assigned
            .iter()
            .zip(&after)
            .filter(|(x, y)| map[**x as usize] != Some(**y as usize))
            .count();
        moved_fraction = Some(moved as f64 / keys.len().max(1) as f64);
    }
    Row {
        algorithm: alg.name(),
        hash: Some(a.hash_fn().name()),
        error: None,
        balance: Some(balance(&counts, from)),
        moved_fraction,
        lookup_ns_per_key: Some(secs * 1e9 / keys.len().max(1) as f64),
        build_ms: Some(build_ms),
        memory_bytes: Some(a.memory_bytes()),
    }
}

fn error_row(alg: HashAlgorithm, e: hash::HashError) -> Row {
    Row {
        algorithm: alg.name(),
        hash: None,
        error: Some(e.to_string()),
        balance: None,
        moved_fraction: None,
        lookup_ns_per_key: None,
        build_ms: None,
        memory_bytes: None,
    }
}

pub fn run(args: CompareArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let from = load_servers(&args.servers)?;
    let change = apply_change(&from, &args.change)?;
    let opts = options(None, &args.tuning);
    // Tuning errors (e.g. a non-prime table size) are the user's, not one algorithm's: check first.
    if args.tuning.vnodes == 0 {
        return Err(super::servers::usage(hash::HashError::ZeroVnodes));
    }
    if !(args.tuning.balance_factor.is_finite() && args.tuning.balance_factor > 1.0) {
        return Err(super::servers::usage(hash::HashError::BadBalanceFactor(
            args.tuning.balance_factor,
        )));
    }
    if !hash::is_prime(args.tuning.table_size) {
        return Err(super::servers::usage(hash::HashError::TableNotPrime(
            args.tuning.table_size,
        )));
    }
    let source = KeySource::from_args(&args.keys)?;
    source.hint_if_interactive(global);
    let keys = KeySet::load(&source)?;
    let pb = output::progress(
        global,
        Some(HashAlgorithm::ALL.len() as u64),
        "{bar:30} {pos}/{len} {msg}",
    );
    let mut rows = Vec::new();
    for alg in HashAlgorithm::ALL {
        pb.set_message(alg.name());
        rows.push(one(
            alg,
            &from,
            change.as_ref().map(|c| c.0.as_slice()),
            &keys,
            &opts,
        ));
        pb.inc(1);
    }
    pb.finish_and_clear();
    let last = from.last().map(|s| s.name.as_str());
    let jump_middle_removed = args.change.remove.iter().any(|r| Some(r.as_str()) != last);
    let report = Report {
        jump_middle_removed,
        servers: from.len(),
        keys: keys.len(),
        ideal_fraction: change.as_ref().map(|(to, _)| ideal_moved(&from, to)),
        change: change.map(|c| c.1),
        algorithms: rows,
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report)?,
    }
    Ok(ExitCode::Success)
}

fn print_table(r: &Report) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let change = r.change.as_deref().unwrap_or("no change");
    let ideal = r
        .ideal_fraction
        .map(|f| format!(" (ideal: {} moved)", pct(f)))
        .unwrap_or_default();
    writeln!(
        out,
        "{} servers, {} keys, {change}{ideal}",
        r.servers, r.keys
    )?;
    let mut t = output::new_table(&[
        "algorithm",
        "hash",
        "std",
        "peak/mean",
        "moved",
        "vs ideal",
        "ns/key",
        "build",
        "memory",
        "",
    ]);
    let worst = r
        .algorithms
        .iter()
        .filter_map(|a| a.balance.map(|b| b.peak_to_mean))
        .fold(1.0, f64::max);
    for a in &r.algorithms {
        if let Some(e) = &a.error {
            t.add_row(vec![
                a.algorithm.to_string(),
                "-".into(),
                format!("error: {e}"),
            ]);
            continue;
        }
        let b = a.balance.unwrap_or(Balance {
            std_pct: 0.0,
            peak_to_mean: 0.0,
        });
        t.add_row(vec![
            a.algorithm.to_string(),
            a.hash.unwrap_or("-").to_string(),
            format!("{:.2}%", b.std_pct),
            format!("{:.3}", b.peak_to_mean),
            a.moved_fraction.map(pct).unwrap_or_else(|| "-".into()),
            match (a.moved_fraction, r.ideal_fraction) {
                (Some(m), Some(i)) => format!("{:+.2} pp", (m - i) * 100.0),
                _ => "-".into(),
            },
            a.lookup_ns_per_key
                .map(|n| format!("{n:.0}"))
                .unwrap_or_default(),
            a.build_ms.map(|n| format!("{n:.1} ms")).unwrap_or_default(),
            a.memory_bytes.map(human_bytes).unwrap_or_default(),
            // Bar: how far from perfect balance (peak-to-mean - 1), relative to the worst.
            output::bar((b.peak_to_mean - 1.0) / (worst - 1.0).max(1e-9), 10),
        ]);
    }
    writeln!(out, "{t}")?;
    if r.jump_middle_removed {
        writeln!(
            out,
            "note: jump can only drop its last server cleanly; removing another renumbers the buckets after it"
        )?;
    }
    Ok(())
}
