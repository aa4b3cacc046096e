//! From arguments (or a config file) to running parts: backend specs, pools with their
//! algorithms from `balance/`, per-listener routes, health-check plans and the L7 settings.
//! Everything a user can get wrong is checked here, before any socket is opened (exit 2).
//! Used by mod.rs (to start) and explain.rs (to show a decision without starting).

use super::backend::{Backend, PassivePolicy};
use super::config::{Config, ListenerConfig, PoolConfig, Route};
use super::hashkey::{HashKey, HashPick};
use super::headers::HeaderRule;
use super::health::{CheckKind, CheckPlan};
use super::l7::{L7, L7Settings, Routing};
use super::pool::Pool;
use super::upstream::ConnPool;
use crate::balance::ewma::PeakEwma;
use crate::balance::ip_hash::IpHash;
use crate::balance::least_conn::LeastConn;
use crate::balance::pick::Picker;
use crate::balance::random::{P2c, Random};
use crate::balance::round_robin::RoundRobin;
use crate::balance::smooth_weighted::SmoothWeighted;
use crate::cli::{Algorithm, ProxyArgs};
use crate::exit::Failure;
use crate::spec::{BackendSpec, SpecError, check_unique_names, parse_backend_lines};
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

/// Everything needed to start.
pub struct Plan {
    pub pools: Vec<Arc<Pool>>,
    pub listeners: Vec<ListenerConfig>,
    /// Active checks per pool (pool index, plan).
    pub checks: Vec<(usize, CheckPlan)>,
    pub settings: Arc<L7SettingsTemplate>,
    /// TLS termination on the listeners (`--tls-cert`/`--tls-self-signed`).
    pub tls: Option<super::tls_listen::Termination>,
}

/// The per-listener L7 settings (identical for every listener today).
pub struct L7SettingsTemplate {
    pub header_up: Vec<HeaderRule>,
    pub header_down: Vec<HeaderRule>,
    pub fail_on: Vec<u16>,
    pub acl: super::acl::Acl,
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

fn picker(alg: Algorithm, n: usize) -> Box<dyn Picker> {
    match alg {
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
    }
}

/// `cookie:NAME` of --sticky.
pub fn parse_sticky(s: &str) -> Result<String, SpecError> {
    match s.trim().strip_prefix("cookie:") {
        Some(name)
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)) =>
        {
            Ok(name.to_string())
        }
        _ => Err(SpecError::new(
            "sticky mode",
            s,
            "unknown form or bad cookie name",
            "cookie:NAME (letters, digits, - _ .)",
        )),
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
            "no backends: give at least one --backend HOST:PORT (or --backends-file FILE, or --config FILE)",
        ));
    }
    check_unique_names(&specs)?;
    Ok(specs)
}

fn resolve(spec: &BackendSpec) -> anyhow::Result<SocketAddr> {
    spec.address()
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            Failure::usage(format!(
                "backend '{}': cannot resolve '{}' to an address",
                spec.name, spec.host
            ))
        })
}

fn check_plan(args: &ProxyArgs, pc: &PoolConfig) -> anyhow::Result<Option<CheckPlan>> {
    let Some(c) = &pc.check else {
        return Ok(None);
    };
    let h = &pc.health;
    let interval = h.check_interval.unwrap_or(args.check_interval);
    if interval.is_zero() {
        return Err(Failure::usage("--check-interval must be above 0"));
    }
    Ok(Some(CheckPlan {
        kind: CheckKind::parse(c)?,
        interval,
        timeout: h.check_timeout.or(args.check_timeout).unwrap_or(interval),
        rise: h.rise.unwrap_or(args.rise).max(1),
        fall: h.fall.unwrap_or(args.fall).max(1),
        port: args.check_port,
    }))
}

/// The pools and listeners the arguments describe: from --config, or one pool and one
/// listener from the flags.
fn configured(args: &ProxyArgs) -> anyhow::Result<Config> {
    if let Some(path) = &args.config {
        if !args.backend.is_empty()
            || args.backends_file.is_some()
            || args.sticky.is_some()
            || args.check.is_some()
            || !args.pool.is_empty()
            || !args.sni.is_empty()
        {
            return Err(Failure::usage(
                "--config defines the pools: drop --backend/--backends-file/--sticky/--check/--pool/--sni (set them per pool or listener in the file)",
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read --config {}: {e}", path.display())))?;
        return Ok(Config::parse(&text, &path.display().to_string())?);
    }
    // `--pool` (TCP mode's SNI routes) may stand without --backend.
    let extra = super::l4_build::cli_pools(args)?;
    let mut pools = Vec::new();
    if extra.is_empty() || !args.backend.is_empty() || args.backends_file.is_some() {
        pools.push(default_pool(args)?);
    }
    pools.extend(extra);
    let sni = super::l4_build::cli_sni(args, &pools)?;
    let default = if pools[0].name == "default" {
        Some(0)
    } else {
        sni.iter()
            .find(|r| r.pattern == "*")
            .and_then(|r| pools.iter().position(|p| p.name == r.pool))
    };
    Ok(Config {
        pools,
        listeners: vec![ListenerConfig {
            listen: args.listen,
            routes: Vec::<Route>::new(),
            default_pool: default,
            mode: None,
            sni,
        }],
    })
}

fn default_pool(args: &ProxyArgs) -> anyhow::Result<PoolConfig> {
    Ok(pool_from_flags(
        args,
        "default".into(),
        backend_specs(args)?,
    ))
}

/// A pool made on the command line (`--backend`'s, or a `--pool`): the balancing and health
/// flags apply to it as given.
pub(super) fn pool_from_flags(
    args: &ProxyArgs,
    name: String,
    backends: Vec<BackendSpec>,
) -> PoolConfig {
    PoolConfig {
        name,
        backends,
        algorithm: args.algorithm,
        hash_key: (args.algorithm == Algorithm::Hash).then(|| args.hash_key.clone()),
        hash_algorithm: args.hash_algorithm,
        sticky: args.sticky.clone(),
        check: args.check.clone(),
        health: Default::default(),
    }
}

fn build_pool(
    args: &ProxyArgs,
    pc: &PoolConfig,
    old: &[Arc<Pool>],
    upstream_tls: Option<&Arc<rustls::ClientConfig>>,
) -> anyhow::Result<Pool> {
    // On reload, a backend whose pool, name, position and spec are unchanged keeps its
    // state (counters, health, keep-alive pool).
    let old_pool = old.iter().find(|p| p.name == pc.name);
    let policy = PassivePolicy {
        max_fails: pc.health.max_fails.unwrap_or(args.max_fails),
        fail_timeout: pc.health.fail_timeout.unwrap_or(args.fail_timeout),
    };
    let mut backends = Vec::with_capacity(pc.backends.len());
    for (i, spec) in pc.backends.iter().enumerate() {
        if let Some(b) = old_pool
            .and_then(|p| p.backends.get(i))
            .filter(|b| b.spec == *spec)
        {
            backends.push(b.clone());
            continue;
        }
        let addr = resolve(spec)?;
        let tls = match (spec.tls, upstream_tls) {
            (true, Some(c)) => Some(super::tls_listen::upstream_for(c, &spec.host)?),
            _ => None,
        };
        let conns = ConnPool::new(
            addr,
            args.pool_size,
            args.connect_timeout,
            args.idle_timeout,
        )
        .with_tls(tls);
        backends.push(Arc::new(Backend::new(spec.clone(), i, addr, policy, conns)));
    }
    let n = backends.len();
    let mut pool = Pool::new(pc.name.clone(), backends, picker(pc.algorithm, n));
    pool.algorithm = algorithm_name(pc.algorithm);
    if let Some(s) = &pc.sticky {
        pool.sticky_cookie = Some(parse_sticky(s)?);
    }
    if pc.algorithm == Algorithm::Hash {
        let servers: Vec<(String, u32)> = pool
            .backends
            .iter()
            .map(|b| (b.spec.name.clone(), b.spec.weight))
            .collect();
        let hp = HashPick::build(pc.hash_algorithm, &servers)
            .map_err(|e| Failure::usage(format!("pool {}: --algorithm hash: {e}", pc.name)))?;
        pool.hash = Some(hp);
        pool.hash_key = Some(HashKey::parse(pc.hash_key.as_deref().unwrap_or("ip"))?);
    }
    Ok(pool)
}

/// Validate everything and build the pools (no sockets yet).
pub fn plan(args: &ProxyArgs) -> anyhow::Result<Plan> {
    plan_with(args, &[])
}

/// [`plan`], reusing unchanged backends of the running pools (SIGHUP reload).
pub fn plan_with(args: &ProxyArgs, old: &[Arc<Pool>]) -> anyhow::Result<Plan> {
    let rules = |v: &[String]| -> Result<Vec<HeaderRule>, SpecError> {
        v.iter().map(|s| HeaderRule::parse(s)).collect()
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
    if args.threads == Some(0) {
        return Err(Failure::usage("--threads must be at least 1"));
    }
    let settings = Arc::new(L7SettingsTemplate {
        header_up: rules(&args.header_up)?,
        header_down: rules(&args.header_down)?,
        fail_on: args.fail_on.clone(),
        acl: super::acl::Acl::new(&args.allow, &args.deny)?,
    });
    let config = configured(args)?;
    if let Some(s) = &args.sticky {
        parse_sticky(s)?;
    }
    if args.algorithm == Algorithm::Hash {
        HashKey::parse(&args.hash_key)?;
    }
    super::l4_build::check_flags(args, &config.listeners, &config.pools)?;
    let any_tls = config
        .pools
        .iter()
        .any(|p| p.backends.iter().any(|b| b.tls));
    let upstream_tls = super::tls_listen::upstream(args, any_tls)?;
    let listens: Vec<SocketAddr> = config.listeners.iter().map(|l| l.listen).collect();
    let tls = super::tls_listen::termination(args, &listens)?;
    let mut checks = Vec::new();
    for (i, pc) in config.pools.iter().enumerate() {
        if let Some(p) = check_plan(args, pc)? {
            checks.push((i, p));
        }
    }
    // Resolve last, so that every other mistake is reported without a DNS lookup.
    let pools = config
        .pools
        .iter()
        .map(|pc| build_pool(args, pc, old, upstream_tls.as_ref()).map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Plan {
        pools,
        listeners: config.listeners,
        checks,
        settings,
        tls,
    })
}

/// The L7 path of one listener.
pub fn l7_for(args: &ProxyArgs, plan: &Plan, listener: &ListenerConfig, verbose: bool) -> L7 {
    let t = &plan.settings;
    L7::new(
        routing_for(plan, listener),
        L7Settings {
            retries: args.retries,
            backend_timeout: args.backend_timeout,
            queue_timeout: args.queue_timeout,
            header_up: t.header_up.clone(),
            header_down: t.header_down.clone(),
            change_host: args.change_host,
            fail_on: t.fail_on.clone(),
            access_log: args.access_log,
            acl: t.acl.clone(),
            proto: if plan.tls.is_some() { "https" } else { "http" },
            verbose,
            idle_timeout: args.idle_timeout,
        },
    )
}

/// The routing of one listener over the plan's pools.
pub fn routing_for(plan: &Plan, listener: &ListenerConfig) -> Routing {
    Routing {
        pools: plan.pools.clone(),
        routes: listener.routes.clone(),
        default_pool: listener.default_pool,
        sni: super::sni_route::SniTable::new(listener.sni.clone()).unwrap_or_default(),
    }
}
