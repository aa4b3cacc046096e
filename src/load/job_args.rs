//! A run's [`Job`] from `lbctl load`'s arguments: the bounds every flag must keep, the
//! targets (URLs or a `--targets` file), the request template, the connection options and the
//! plan (model, rate, stages, shard). Every input problem is a usage error (exit 2).

use super::job::{Job, Plan};
use super::{conn, shape, streams, target, target_stream, targets_file};
use crate::cli::RunArgs;
use crate::exit::Failure;
use std::time::Duration;

/// Turn the arguments into a job. Every input problem is a usage error (exit 2).
pub(super) fn job_of(args: &RunArgs) -> anyhow::Result<(Job, shape::Shape)> {
    // Bounds that keep every Instant computation far from overflow and every run sane.
    const MAX_SPAN: Duration = Duration::from_secs(30 * 24 * 3600);
    for (flag, d) in [
        ("--duration", args.duration),
        ("--warmup", Some(args.warmup)),
        ("--timeout", Some(args.timeout)),
        ("--connect-timeout", Some(args.connect_timeout)),
    ] {
        if d.is_some_and(|d| d > MAX_SPAN) {
            return Err(Failure::usage(format!(
                "{flag} is longer than 30 days; expected a shorter duration"
            )));
        }
    }
    if let Some(r) = args.rate
        && !(0.001..=10_000_000.0).contains(&r.per_second())
    {
        return Err(Failure::usage(format!(
            "--rate {:.6}/s is out of range; expected between 0.001/s and 10000000/s",
            r.per_second()
        )));
    }
    if let Some(r) = args.rate
        && args
            .requests
            .is_some_and(|n| n as f64 / r.per_second() > MAX_SPAN.as_secs_f64())
    {
        return Err(Failure::usage(
            "-n / --rate would take longer than 30 days; expected fewer requests or a higher rate",
        ));
    }
    if args.connections > 100_000 {
        return Err(Failure::usage(
            "--connections above 100000; expected at most 100000",
        ));
    }
    if args.threads.is_some_and(|t| t > 1024) {
        return Err(Failure::usage(
            "--threads above 1024; expected at most 1024",
        ));
    }
    if args.connections == 0 {
        return Err(Failure::usage(
            "--connections 0: expected at least one connection",
        ));
    }
    if args.timeout.is_zero() || args.connect_timeout.is_zero() {
        return Err(Failure::usage(
            "--timeout and --connect-timeout must be above zero",
        ));
    }
    if let Some(m) = args.max_connections {
        if args.rate.is_none() && !shape::open_stages(args) {
            return Err(Failure::usage(format!(
                "--max-connections {m} needs --rate: the pool only grows in the open model \
                 (the closed model keeps -c connections)"
            )));
        }
        if m < args.connections {
            return Err(Failure::usage(format!(
                "--max-connections {m} is below -c {}; expected at least the initial connections",
                args.connections
            )));
        }
        if m > 100_000 {
            return Err(Failure::usage(
                "--max-connections above 100000; expected at most 100000",
            ));
        }
    }
    if args.requests == Some(0) {
        return Err(Failure::usage("-n 0: expected at least one request"));
    }
    if args.duration.is_some_and(|d| d.is_zero()) {
        return Err(Failure::usage("-d 0: expected a duration above zero"));
    }
    // --targets: the file is checked whole now; its origins are the job's targets.
    let mut stream = None;
    let targets = match (&args.url, &args.urls_file, &args.targets) {
        (Some(u), None, None) => vec![target::parse_target(u)?],
        (None, Some(f), None) => target::parse_urls_file(f)?,
        (None, None, Some(f)) => {
            let format = args.targets_format.map(|f| match f {
                crate::cli::TargetsFormat::Http => targets_file::Format::Http,
                crate::cli::TargetsFormat::Json => targets_file::Format::Json,
            });
            let shard = shape::shard_of(args)?;
            let (scan, s) =
                target_stream::scan(f, format, &args.headers, args.no_keepalive, shard)?;
            stream = Some((scan.summary(f), s));
            scan.origins
        }
        _ => {
            return Err(Failure::usage(
                "give one of a URL, --urls-file or --targets",
            ));
        }
    };
    let pool = args.max_connections.unwrap_or(0).max(args.connections);
    let streams =
        streams::check(args.h2_streams, args.http2, &targets, pool).map_err(Failure::usage)?;
    let body = match (&args.body, &args.body_file) {
        (Some(b), _) => bytes::Bytes::from(b.clone()),
        (None, Some(f)) => bytes::Bytes::from(std::fs::read(f).map_err(|e| {
            Failure::usage(format!("cannot read --body-file {}: {e}", f.display()))
        })?),
        (None, None) => bytes::Bytes::new(),
    };
    let template = target::Template::new(&args.method, &args.headers, body, args.no_keepalive)?;
    let identity =
        crate::tls::ClientIdentity::from_flags(args.cert.as_deref(), args.key.as_deref())
            .map_err(Failure::usage)?;
    let tls = if targets.iter().any(|t| t.tls) {
        Some(target::tls_config(
            args.insecure,
            args.cacert.as_deref(),
            identity,
            args.http2,
        )?)
    } else {
        if identity.is_some() {
            // Still read the files, so a typo is reported even without https targets.
            target::tls_config(true, None, identity, false)?;
        }
        None
    };
    let group_by = match &args.group_by {
        Some(h) => Some(
            http::header::HeaderName::from_bytes(h.trim().as_bytes()).map_err(|_| {
                Failure::usage(format!(
                    "--group-by '{h}' is not a valid header name; expected e.g. X-Backend"
                ))
            })?,
        ),
        None => None,
    };
    // No more threads than connections: with a growing pool, than its cap (a worker may start
    // with no connection and open its first when its first request is due).
    let threads = args
        .threads
        .unwrap_or_else(available_cpus)
        .clamp(1, args.max_connections.unwrap_or(args.connections));
    if args.threads == Some(0) {
        return Err(Failure::usage("--threads 0: expected at least one thread"));
    }
    let rate = args.rate.map(|r| r.per_second());
    let duration = match (args.duration, args.requests) {
        (None, None) => Some(Duration::from_secs(10)),
        (d, _) => d,
    };
    let mut plan = Plan {
        connections: args.connections,
        streams,
        max_connections: args.max_connections.unwrap_or(args.connections),
        threads,
        duration,
        requests: args.requests,
        warmup: args.warmup,
        rate,
        timeout: args.timeout,
        drain: args.timeout.min(Duration::from_secs(2)),
        group_by,
        interval: Duration::from_secs(1),
        stages: Vec::new(),
        schedule: None,
        ramp: None,
        shard: None,
        start_at: None,
    };
    let shape = shape::apply(args, &mut plan)?;
    let conn = conn::ConnConfig {
        tls,
        http2: args.http2,
        connect_timeout: args.connect_timeout,
    };
    let mut job = Job::new(targets, template, conn, plan);
    if let Some((summary, s)) = stream {
        job.stream = Some(s);
        job.label = summary;
    }
    Ok((job, shape))
}

/// CPUs this process may run on (its affinity mask, e.g. under `taskset`).
pub(super) fn available_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
