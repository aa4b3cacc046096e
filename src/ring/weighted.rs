//! `lbctl ring stats --counts`: a hot-key histogram (`KEY,COUNT` lines, e.g. from access
//! logs) instead of plain keys. Reports each server's keys and requests, the request share
//! against what its weight deserves, std and peak-to-mean over requests, and what bounded-load
//! would do with the same histogram: keys poured in input order into capacities
//! ceil(c * total * w / sum_w) (`--balance-factor` c), each key's requests filling its
//! preference order (`--replicas` rule of the algorithm) until they fit; requests that leave
//! the first choice are "spilled".

use super::keys::{KeySet, KeySource};
use super::metrics::{Balance, balance, pct, weight_shares};
use super::servers::{build, load_servers};
use crate::balance::hash::{HashServer, histogram_capacities, pour};
use crate::cli::{GlobalOpts, ReportOutput, StatsArgs};
use crate::exit::{ExitCode, Failure};
use crate::output;
use std::io::{BufRead, BufReader, Read};

/// Read `KEY,COUNT` lines; a bad line is a usage error naming its 1-based line number.
pub fn read_counts<R: Read>(r: R, what: &str) -> anyhow::Result<(KeySet, Vec<u64>)> {
    let mut reader = BufReader::with_capacity(1 << 16, r);
    let mut line = Vec::with_capacity(256);
    let (mut keys, mut counts) = (KeySet::default(), Vec::new());
    let mut n: u64 = 0;
    loop {
        line.clear();
        let got = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::runtime(format!("reading {what}: {e}")))?;
        if got == 0 {
            return Ok((keys, counts));
        }
        n += 1;
        let mut l = &line[..];
        if let Some(x) = l.strip_suffix(b"\n") {
            l = x;
        }
        if let Some(x) = l.strip_suffix(b"\r") {
            l = x;
        }
        if l.is_empty() || l.starts_with(b"#") {
            continue;
        }
        let bad = |why: &str| {
            Failure::usage(format!(
                "{what} line {n}: '{}' {why}; expected KEY,COUNT with a whole-number count, e.g. user:42,1500",
                String::from_utf8_lossy(&l[..l.len().min(80)])
            ))
        };
        let Some(comma) = l.iter().rposition(|&b| b == b',') else {
            return Err(bad("has no comma"));
        };
        let (key, count) = (&l[..comma], &l[comma + 1..]);
        if key.is_empty() {
            return Err(bad("has an empty key"));
        }
        let count: u64 = std::str::from_utf8(count)
            .ok()
            .and_then(|c| c.trim().parse().ok())
            .ok_or_else(|| bad("has a count that is not a whole number"))?;
        keys.push(key);
        counts.push(count);
    }
}

fn load(source: &KeySource) -> anyhow::Result<(KeySet, Vec<u64>)> {
    match source {
        KeySource::File(path) => {
            let f = std::fs::File::open(path).map_err(|e| {
                Failure::usage(format!("cannot open --keys-file '{}': {e}", path.display()))
            })?;
            read_counts(f, &format!("--keys-file '{}'", path.display()))
        }
        KeySource::Stdin => read_counts(std::io::stdin().lock(), "stdin"),
        KeySource::Args(args) => {
            let mut joined = Vec::new();
            for a in args {
                joined.extend_from_slice(a);
                joined.push(b'\n');
            }
            read_counts(&joined[..], "KEY,COUNT argument")
        }
        KeySource::Generate { .. } => Err(Failure::usage(
            "--counts reads KEY,COUNT lines from --keys-file, stdin or arguments, not --generate",
        )),
    }
}

#[derive(serde::Serialize)]
struct ServerRow<'a> {
    name: &'a str,
    weight: u32,
    keys: u64,
    requests: u64,
    request_share: f64,
    deserved_share: f64,
    /// Requests this server would serve under bounded load.
    bounded_requests: u64,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    algorithm: &'a str,
    hash: &'a str,
    keys: u64,
    requests: u64,
    /// Balance of requests (std of request share / deserved share, peak-to-mean).
    balance: Balance,
    /// The hottest key and its share of all requests.
    hottest_key: Option<String>,
    hottest_share: f64,
    balance_factor: f64,
    /// Requests bounded-load would send past their key's first choice.
    bounded_spilled: u64,
    bounded_spilled_fraction: f64,
    /// Balance of requests under bounded load.
    bounded_balance: Balance,
    servers: Vec<ServerRow<'a>>,
}

pub fn run(args: &StatsArgs, _global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let servers = load_servers(&args.servers)?;
    let locator = build(&args.algo, &servers)?;
    let source = KeySource::from_args(&args.keys)?;
    let (keys, counts) = load(&source)?;
    let n = servers.len();
    let total: u64 = counts
        .iter()
        .try_fold(0u64, |a, &c| a.checked_add(c))
        .ok_or_else(|| {
            Failure::usage(
                "the counts add up to more than 18446744073709551615 requests; scale them down",
            )
        })?;
    let (mut per_keys, mut requests) = (vec![0u64; n], vec![0u64; n]);
    let weights: Vec<u32> = servers.iter().map(|s| s.weight).collect();
    let c = args.algo.tuning.balance_factor;
    if !(c.is_finite() && c > 1.0) {
        return Err(Failure::usage(format!(
            "--balance-factor must be a number above 1.0 (got {c}); 1.25 is typical"
        )));
    }
    let caps = histogram_capacities(&weights, total, c);
    let mut loads = vec![0u64; n];
    let mut spilled: u64 = 0;
    let mut prefs = Vec::new();
    let (mut hottest, mut hottest_count) = (None, 0u64);
    for (key, &count) in keys.iter().zip(&counts) {
        let first = locator.locate(key);
        per_keys[first] += 1;
        requests[first] += count;
        if count > hottest_count {
            hottest_count = count;
            hottest = Some(String::from_utf8_lossy(key).into_owned());
        }
        // Preference lists grow 1, 4, 16, ... only for keys that do not fit.
        let before = loads[first];
        let (mut want, mut left, mut poured) = (1usize, count, 0usize);
        loop {
            locator.replicas(key, want, &mut prefs);
            left = pour(&prefs[poured.min(prefs.len())..], left, &mut loads, &caps);
            poured = prefs.len();
            if left == 0 || want >= n {
                break;
            }
            want = (want * 4).min(n);
        }
        // Capacities sum to more than the total, so only an incomplete list leaves a rest.
        loads[first] += left;
        spilled += count - (loads[first] - before);
    }
    let deserved = weight_shares(&servers);
    let report = Report {
        algorithm: locator.algorithm().name(),
        hash: locator.hash_fn().name(),
        keys: keys.len() as u64,
        requests: total,
        balance: balance(&requests, &servers),
        hottest_key: hottest,
        hottest_share: hottest_count as f64 / total.max(1) as f64,
        balance_factor: c,
        bounded_spilled: spilled,
        bounded_spilled_fraction: spilled as f64 / total.max(1) as f64,
        bounded_balance: balance(&loads, &servers),
        servers: rows(&servers, &per_keys, &requests, &loads, &deserved, total),
    };
    match args.output {
        ReportOutput::Json => super::metrics::print_json(&report)?,
        ReportOutput::Table => print_table(&report)?,
    }
    Ok(ExitCode::Success)
}

fn rows<'a>(
    servers: &'a [HashServer],
    keys: &[u64],
    requests: &[u64],
    bounded: &[u64],
    deserved: &[f64],
    total: u64,
) -> Vec<ServerRow<'a>> {
    servers
        .iter()
        .enumerate()
        .map(|(i, s)| ServerRow {
            name: &s.name,
            weight: s.weight,
            keys: keys[i],
            requests: requests[i],
            request_share: requests[i] as f64 / total.max(1) as f64,
            deserved_share: deserved[i],
            bounded_requests: bounded[i],
        })
        .collect()
}

fn print_table(r: &Report) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} ({}), {} servers, {} keys, {} requests: std {:.2}%, peak-to-mean {:.3}",
        r.algorithm,
        r.hash,
        r.servers.len(),
        r.keys,
        r.requests,
        r.balance.std_pct,
        r.balance.peak_to_mean
    )?;
    if let Some(k) = &r.hottest_key {
        writeln!(
            out,
            "hottest key: {k} ({} of requests)",
            pct(r.hottest_share)
        )?;
    }
    writeln!(
        out,
        "bounded load (c = {}): {} requests spilled off their first choice ({}); peak-to-mean {:.3}",
        r.balance_factor,
        r.bounded_spilled,
        pct(r.bounded_spilled_fraction),
        r.bounded_balance.peak_to_mean
    )?;
    let mut t = output::new_table(&[
        "server", "weight", "keys", "requests", "share", "deserved", "bounded", "",
    ]);
    let peak = r
        .servers
        .iter()
        .map(|s| s.request_share)
        .fold(0.0, f64::max)
        .max(1e-12);
    for s in &r.servers {
        t.add_row(vec![
            s.name.to_string(),
            s.weight.to_string(),
            s.keys.to_string(),
            s.requests.to_string(),
            pct(s.request_share),
            pct(s.deserved_share),
            s.bounded_requests.to_string(),
            output::bar(s.request_share / peak, 12),
        ]);
    }
    writeln!(out, "{t}")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines() {
        let (k, c) = read_counts(&b"a,1\n\n# note\nb:c,d,20\r\n"[..], "t").unwrap();
        assert_eq!(k.len(), 2);
        assert_eq!(k.get(1), b"b:c,d");
        assert_eq!(c, vec![1, 20]);
        for (bad, line) in [
            ("a,1\nb\n", 2),
            ("x,1\n\ny,z\n", 3),
            (",5\n", 1),
            ("a,-1\n", 1),
        ] {
            let e = read_counts(bad.as_bytes(), "t").unwrap_err().to_string();
            assert!(e.contains(&format!("line {line}")), "{bad:?}: {e}");
        }
    }
}
