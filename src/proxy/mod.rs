//! `lbctl proxy`: an L7 HTTP load-balancing reverse proxy. This file wires the pieces: it turns
//! the arguments into typed settings (bad input is exit 2 before anything starts), builds the
//! pool with its algorithm from `balance/`, starts the runtime (`--threads 1` is a
//! current-thread runtime), the listener, the admin endpoints and the shutdown path
//! (SIGINT/SIGTERM: stop accepting, drain, exit 0).
//!
//! Layout: listener.rs (accept, limits, idle, drain; reusable by an L4 path), l7.rs (the HTTP
//! request path), relay.rs (the streamed response body), upstream.rs (keep-alive pools),
//! backend.rs (per-backend state and passive health), pool.rs (candidates and picks),
//! headers.rs, acl.rs, admin.rs (/metrics, /stats), log.rs (stderr).

pub mod acl;
pub mod admin;
pub mod backend;
pub mod hashkey;
pub mod headers;
pub mod health;
pub mod l7;
pub mod listener;
pub mod log;
pub mod pool;
pub mod relay;
pub mod upstream;

use crate::balance::ewma::PeakEwma;
use crate::balance::ip_hash::IpHash;
use crate::balance::least_conn::LeastConn;
use crate::balance::pick::Picker;
use crate::balance::random::{P2c, Random};
use crate::balance::round_robin::RoundRobin;
use crate::balance::smooth_weighted::SmoothWeighted;
use crate::cli::{Algorithm, GlobalOpts, ProxyArgs, ProxyOutput};
use crate::exit::{ExitCode, Failure};
use crate::spec::{BackendSpec, SpecError, check_unique_names, parse_backend_lines};
use anyhow::Context;
use backend::{Backend, PassivePolicy};
use headers::HeaderRule;
use l7::{L7, L7Counters, L7Settings};
use listener::{ConnCounters, ListenerSettings};
use pool::Pool;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use upstream::ConnPool;

/// Run `lbctl proxy`.
pub fn run(args: Box<ProxyArgs>, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let specs = backend_specs(&args)?;
    check_plan(&args)?;
    let l7 = Arc::new(build_l7(&args, specs)?);
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 {
        return Err(Failure::usage("--threads must be at least 1"));
    }
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .context("could not start the async runtime")?;
    runtime.block_on(serve(*args, l7, global.clone(), threads))
}

async fn serve(
    args: ProxyArgs,
    l7: Arc<L7>,
    global: GlobalOpts,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::runtime(format!("could not listen on {}: {e}", args.listen)))?;
    let local = listener.local_addr()?;
    let conns = Arc::new(ConnCounters::default());
    let admin = match args.admin {
        Some(addr) => {
            let l = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                Failure::runtime(format!("could not listen on {addr} (--admin): {e}"))
            })?;
            Some(l)
        }
        None => None,
    };
    print_line(args.output, "proxy", local)?;
    if let Some(a) = &admin {
        print_line(args.output, "admin", a.local_addr()?)?;
    }
    if !global.quiet {
        log::state(format_args!(
            "listening on {local}: {} backend(s), algorithm {}, {threads} thread(s)",
            l7.pool.backends.len(),
            algorithm_name(args.algorithm),
        ));
    }

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    if let Some(l) = admin {
        let state = Arc::new(admin::AdminState {
            l7: l7.clone(),
            conns: conns.clone(),
            algorithm: algorithm_name(args.algorithm).to_string(),
        });
        tokio::spawn(admin::serve(l, state, stopped()));
    }
    if let Some(plan) = check_plan(&args)? {
        tokio::spawn(health::run(l7.pool.backends.clone(), plan, stopped()));
    }
    let settings = ListenerSettings {
        max_conns: args.max_conns,
        header_timeout: args.header_timeout,
        idle_timeout: args.idle_timeout,
        drain_timeout: args.drain_timeout,
        max_header_size: args.max_header_size.min(usize::MAX as u64) as usize,
    };
    let quiet = global.quiet;
    let signal = async move {
        crate::shutdown::signal().await;
        if !quiet {
            log::state(format_args!(
                "signal received: no longer accepting, draining in-flight requests"
            ));
        }
        let _ = stop_tx.send(true);
    };
    let left = listener::serve_http(listener, l7, settings, conns, signal).await;
    if left > 0 {
        log::state(format_args!(
            "drain timeout: closing {left} connection(s) with requests still in flight"
        ));
    } else if !quiet {
        log::state(format_args!("drained; exiting"));
    }
    Ok(ExitCode::Success)
}

fn print_line(output: ProxyOutput, role: &str, addr: SocketAddr) -> anyhow::Result<()> {
    match output {
        ProxyOutput::Text => println!("{role} http://{addr}"),
        ProxyOutput::Json => crate::output::print_json_line(&serde_json::json!({
            "role": role,
            "url": format!("http://{addr}"),
            "address": addr.to_string(),
        }))?,
    }
    Ok(())
}

pub fn algorithm_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RoundRobin => "round-robin",
        Algorithm::Weighted => "weighted",
        Algorithm::LeastConn => "least-conn",
        Algorithm::WeightedLeastConn => "weighted-least-conn",
        Algorithm::Random => "random",
        Algorithm::P2c => "p2c",
        Algorithm::Ewma => "ewma",
        Algorithm::IpHash => "ip-hash",
        Algorithm::Hash => "hash",
    }
}

/// --backend plus --backends-file, names unique, at least one.
fn backend_specs(args: &ProxyArgs) -> anyhow::Result<Vec<BackendSpec>> {
    let mut specs = args.backend.clone();
    if let Some(path) = &args.backends_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read --backends-file {}: {e}",
                path.display()
            ))
        })?;
        specs.extend(parse_backend_lines(&text, &path.display().to_string())?);
    }
    if specs.is_empty() {
        return Err(Failure::usage(
            "no backends: give at least one --backend HOST:PORT (or --backends-file FILE)",
        ));
    }
    check_unique_names(&specs)?;
    Ok(specs)
}

fn picker(alg: Algorithm, n: usize) -> anyhow::Result<Box<dyn Picker>> {
    Ok(match alg {
        Algorithm::RoundRobin => Box::new(RoundRobin::new()),
        Algorithm::Weighted => Box::new(SmoothWeighted::new()),
        Algorithm::LeastConn => Box::new(LeastConn::new()),
        Algorithm::WeightedLeastConn => Box::new(LeastConn::weighted()),
        Algorithm::Random => Box::new(Random::new()),
        Algorithm::P2c => Box::new(P2c::new()),
        Algorithm::Ewma => Box::new(PeakEwma::new(n)),
        Algorithm::IpHash => Box::new(IpHash::new()),
        // Requests without the key fall back to round robin (HAProxy does the same).
        Algorithm::Hash => Box::new(RoundRobin::new()),
    })
}

/// `--check` and its timings, validated.
fn check_plan(args: &ProxyArgs) -> anyhow::Result<Option<health::CheckPlan>> {
    let Some(c) = &args.check else {
        return Ok(None);
    };
    if args.check_interval.is_zero() {
        return Err(Failure::usage("--check-interval must be above 0"));
    }
    Ok(Some(health::CheckPlan {
        kind: health::CheckKind::parse(c)?,
        interval: args.check_interval,
        timeout: args.check_timeout.unwrap_or(args.check_interval),
        rise: args.rise.max(1),
        fall: args.fall.max(1),
    }))
}

fn resolve(spec: &BackendSpec) -> anyhow::Result<SocketAddr> {
    let addr = spec.address();
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            Failure::usage(format!(
                "backend '{}': cannot resolve '{}' to an address",
                spec.name, spec.host
            ))
        })
}

/// Typed settings and the pool, from the arguments.
pub fn build_l7(args: &ProxyArgs, specs: Vec<BackendSpec>) -> anyhow::Result<L7> {
    let policy = PassivePolicy {
        max_fails: args.max_fails,
        fail_timeout: args.fail_timeout,
    };
    let rules = |v: &[String]| -> Result<Vec<HeaderRule>, SpecError> {
        v.iter().map(|s| HeaderRule::parse(s)).collect()
    };
    let sticky_cookie = match &args.sticky {
        None => None,
        Some(s) => match s.trim().strip_prefix("cookie:") {
            Some(name)
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)) =>
            {
                Some(name.to_string())
            }
            _ => {
                return Err(SpecError::new(
                    "sticky mode",
                    s,
                    "unknown form or bad cookie name",
                    "cookie:NAME (letters, digits, - _ .)",
                )
                .into());
            }
        },
    };
    for code in &args.fail_on {
        if !(100..=599).contains(code) {
            return Err(Failure::usage(format!(
                "--fail-on {code}: expected HTTP status codes 100-599, e.g. 502,503,504"
            )));
        }
    }
    if args.max_header_size < 8192 {
        return Err(Failure::usage(
            "--max-header-size must be at least 8KiB (hyper's smallest read buffer)",
        ));
    }
    let settings = L7Settings {
        retries: args.retries,
        backend_timeout: args.backend_timeout,
        queue_timeout: args.queue_timeout,
        header_up: rules(&args.header_up)?,
        header_down: rules(&args.header_down)?,
        change_host: args.change_host,
        fail_on: args.fail_on.clone(),
        sticky_cookie,
        access_log: args.access_log,
        acl: acl::Acl::new(&args.allow, &args.deny)?,
        hash_key: match args.algorithm {
            Algorithm::Hash => Some(hashkey::HashKey::parse(&args.hash_key)?),
            _ => None,
        },
        proto: "http",
    };
    // Resolve last, so that every other mistake is reported without a DNS lookup.
    let mut backends = Vec::with_capacity(specs.len());
    for (i, spec) in specs.into_iter().enumerate() {
        let addr = resolve(&spec)?;
        let pool = ConnPool::new(
            addr,
            args.pool_size,
            args.connect_timeout,
            args.idle_timeout,
        );
        backends.push(Arc::new(Backend::new(spec, i, addr, policy, pool)));
    }
    let n = backends.len();
    let mut pool = Pool::new("default".into(), backends, picker(args.algorithm, n)?);
    if args.algorithm == Algorithm::Hash {
        let servers: Vec<(String, u32)> = pool
            .backends
            .iter()
            .map(|b| (b.spec.name.clone(), b.spec.weight))
            .collect();
        let hp = hashkey::HashPick::build(args.hash_algorithm, &servers)
            .map_err(|e| Failure::usage(format!("--algorithm hash: {e}")))?;
        pool.hash = Some(hp);
    }
    Ok(L7 {
        pool,
        settings,
        counters: L7Counters::default(),
    })
}
