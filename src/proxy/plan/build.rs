//! From arguments (or a config file) to running parts: backend specs, pools with their
//! algorithms from `balance/`, per-listener routes, health-check plans and the L7 settings.
//! Everything a user can get wrong is checked here, before any socket is opened (exit 2).
//! One builder for both modes: the TCP mode's parts (which flags make sense in which mode,
//! `--pool` and `--sni`, the [`L4`] of a TCP listener) are at the end. Used by proxy/mod.rs (to
//! start) and ops/explain.rs (to show a decision without starting).

use super::config::{ListenerConfig, PoolConfig, parse_sticky};
use super::flags::{check_flags, configured};
use super::members::Discovery;
use crate::balance::ewma::PeakEwma;
use crate::balance::ip_hash::IpHash;
use crate::balance::least_conn::LeastConn;
use crate::balance::pick::Picker;
use crate::balance::random::{P2c, Random};
use crate::balance::round_robin::RoundRobin;
use crate::balance::smooth_weighted::SmoothWeighted;
use crate::cli::{Algorithm, ProxyArgs};
use crate::exit::Failure;
use crate::proxy::core::backend::{Backend, PassivePolicy};
use crate::proxy::core::frontend::{L7, L7Settings};
use crate::proxy::core::hashkey::{HashKey, HashPick};
use crate::proxy::core::headers::HeaderRule;
use crate::proxy::core::health::{CheckKind, CheckPlan};
use crate::proxy::core::pool::Pool;
use crate::proxy::core::routing::{Routing, SniTable};
use crate::proxy::core::upstream::ConnPool;
use crate::proxy::tcp::l4::{L4, L4Settings};
use crate::spec::{BackendSpec, SpecError};
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
    pub tls: Option<crate::proxy::core::tls::Termination>,
    /// Backends found in DNS: the resolver settings and (pool name, spec) to re-resolve.
    pub discovery: Discovery,
    pub discovered: Vec<(String, BackendSpec)>,
    /// The response cache (`--cache`/`[cache]`), one store for every listener.
    pub cache: Option<super::cache::CachePlan>,
}

/// The per-listener L7 settings (identical for every listener today).
pub struct L7SettingsTemplate {
    pub header_up: Vec<HeaderRule>,
    pub header_down: Vec<HeaderRule>,
    pub fail_on: Vec<u16>,
    pub fail_on_grpc: Arc<[u32]>,
    pub acl: crate::proxy::core::acl::Acl,
    /// `--rate-limit`, checked; each listener makes its own limiter.
    pub rate_limit: Option<crate::proxy::core::ratelimit::RateLimitSpec>,
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

pub(super) fn picker(alg: Algorithm, n: usize) -> Box<dyn Picker> {
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

fn resolve(args: &ProxyArgs, spec: &BackendSpec) -> anyhow::Result<SocketAddr> {
    if let Some(a) = spec.addr {
        return Ok(a);
    }
    // With --resolver, names go to that server (as re-resolution does), not the system's.
    if args.resolver.is_some() && spec.host.parse::<std::net::IpAddr>().is_err() {
        return Discovery::from_args(args)?.resolve_one(spec);
    }
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

fn build_pool(
    args: &ProxyArgs,
    pc: &PoolConfig,
    old: &[Arc<Pool>],
    upstream_tls: Option<&Arc<rustls::ClientConfig>>,
) -> anyhow::Result<Pool> {
    // On reload, a backend whose pool, name and spec are unchanged keeps its state (counters,
    // health, keep-alive pool, runtime weight and admin state), wherever it now sits.
    let old_pool = old.iter().find(|p| p.name == pc.name);
    let policy = PassivePolicy {
        max_fails: pc.health.max_fails.unwrap_or(args.max_fails),
        fail_timeout: pc.health.fail_timeout.unwrap_or(args.fail_timeout),
    };
    let discovery = Discovery::from_args(args)?;
    let mut specs = Vec::with_capacity(pc.backends.len());
    for spec in &pc.backends {
        if discovery.discovers(spec) {
            specs.extend(discovery.expand_now(spec)?);
        } else {
            specs.push(spec.clone());
        }
    }
    let mut backends = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        if let Some(b) = old_pool.and_then(|p| p.backends.iter().find(|b| b.spec == *spec)) {
            backends.push(b.clone());
            continue;
        }
        backends.push(Arc::new(backend_for(args, spec, i, policy, upstream_tls)?));
    }
    let n = backends.len();
    let mut pool = Pool::new(pc.name.clone(), backends, picker(pc.algorithm, n));
    pool.outlier = pc.health.outlier.clone().or_else(|| args.outlier.clone());
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

/// One backend, resolved, with its keep-alive pool (at start, on reload, and when the runtime
/// API adds one).
pub fn backend_for(
    args: &ProxyArgs,
    spec: &BackendSpec,
    index: usize,
    policy: PassivePolicy,
    upstream_tls: Option<&Arc<rustls::ClientConfig>>,
) -> anyhow::Result<Backend> {
    let addr = resolve(args, spec)?;
    let tls = match (spec.tls, upstream_tls) {
        (true, Some(c)) => Some(crate::proxy::core::tls::upstream_for(
            c, &spec.host, spec.proto,
        )?),
        _ => None,
    };
    let conns = ConnPool::new(
        addr,
        args.pool_size,
        args.connect_timeout,
        args.idle_timeout,
    )
    .with_tls(tls)
    .with_proto(spec.proto);
    Ok(Backend::new(spec.clone(), index, addr, policy, conns))
}

/// `--fail-on-grpc`: codes by number (0-16) or name.
fn grpc_codes(list: &[String]) -> anyhow::Result<Arc<[u32]>> {
    list.iter()
        .map(|s| {
            crate::grpc::Code::parse(s).map(|c| c.number()).ok_or_else(|| {
                Failure::usage(format!(
                    "--fail-on-grpc {s}: expected gRPC status codes by number (0-16) or name, e.g. 14,4 or UNAVAILABLE,DEADLINE_EXCEEDED"
                ))
            })
        })
        .collect()
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
        fail_on_grpc: grpc_codes(&args.fail_on_grpc)?,
        acl: crate::proxy::core::acl::Acl::new(&args.allow, &args.deny)?,
        rate_limit: super::policy::listener_limit(args)?,
    });
    let config = configured(args)?;
    if let Some(s) = &args.sticky {
        parse_sticky(s)?;
    }
    if args.algorithm == Algorithm::Hash {
        HashKey::parse(&args.hash_key)?;
    }
    check_flags(args, &config.listeners, &config.pools)?;
    let any_tls = config
        .pools
        .iter()
        .any(|p| p.backends.iter().any(|b| b.tls));
    let upstream_tls = crate::proxy::core::tls::upstream(args, any_tls)?;
    let listens: Vec<SocketAddr> = config.listeners.iter().map(|l| l.listen).collect();
    let tls = crate::proxy::core::tls::termination(args, &listens)?;
    let mut checks = Vec::new();
    for (i, pc) in config.pools.iter().enumerate() {
        if let Some(p) = check_plan(args, pc)? {
            checks.push((i, p));
        }
    }
    let discovery = Discovery::from_args(args)?;
    let discovered = config
        .pools
        .iter()
        .flat_map(|pc| {
            pc.backends
                .iter()
                .map(move |b| (pc.name.clone(), b.clone()))
        })
        .filter(|(_, b)| discovery.interval.is_some() && discovery.discovers(b))
        .collect();
    let caches = |p: &Option<Arc<crate::proxy::core::policy::Policy>>| {
        p.as_ref().is_some_and(|p| p.cache.is_some())
    };
    let wanted = config
        .listeners
        .iter()
        .any(|l| caches(&l.default_policy) || l.routes.iter().any(|r| caches(&r.policy)));
    let any_http = (config.listeners.iter())
        .any(|l| super::flags::mode_of(args, l) == crate::cli::ProxyMode::Http);
    let cache = super::cache::plan(args, config.cache.as_ref(), wanted, any_http)?;
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
        discovery,
        discovered,
        cache,
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
            fail_on_grpc: t.fail_on_grpc.clone(),
            access_log: args.access_log,
            acl: t.acl.clone(),
            proto: if plan.tls.is_some() { "https" } else { "http" },
            verbose,
            idle_timeout: args.idle_timeout,
            rate_limit: t
                .rate_limit
                .clone()
                .map(|spec| Arc::new(crate::proxy::core::ratelimit::Limiter::new(spec))),
            cache: plan.cache.as_ref().map(|c| {
                crate::proxy::core::cache::ListenerCache::new(c.store.clone(), c.default_ttl)
            }),
        },
    )
}

/// The routing of one listener over the plan's pools.
pub fn routing_for(plan: &Plan, listener: &ListenerConfig) -> Routing {
    Routing {
        pools: plan.pools.clone(),
        routes: listener.routes.clone(),
        default_pool: listener.default_pool,
        sni: SniTable::new(listener.sni.clone()).unwrap_or_default(),
        default_policy: listener.default_policy.clone(),
    }
}

/// The L4 path of one listener, on the listener's L7 (for its routing and counters).
pub fn l4_for(args: &ProxyArgs, plan: &Plan, l7: Arc<L7>) -> L4 {
    // TCP listeners offer no ALPN when terminating: the backend speaks the protocol inside.
    let tls = plan.tls.as_ref().map(|t| {
        let mut c = (*t.config).clone();
        c.alpn_protocols.clear();
        Arc::new(c)
    });
    L4 {
        l7,
        settings: L4Settings {
            retries: args.retries,
            connect_timeout: args.connect_timeout,
            idle_timeout: args.idle_timeout,
            hello_timeout: args.header_timeout,
            queue_timeout: args.queue_timeout,
            send_proxy: args.send_proxy,
            accept_proxy: args.accept_proxy,
            sni_fallback: args.sni_fallback,
            tls,
            acl: plan.settings.acl.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ProxyMode;
    use crate::proxy::plan::config::Config;

    const TCP_FILE: &str = r#"
[[listener]]
listen = "127.0.0.1:6443"
mode = "tcp"
sni = { "api.example.test" = "api", "*" = "web" }

[pool.api]
backends = ["127.0.0.1:8443"]

[pool.web]
backends = ["127.0.0.1:9443", "127.0.0.1:9444"]
algorithm = "least-conn"
"#;

    #[test]
    fn config_file_mode_and_sni() {
        let c = Config::parse(TCP_FILE, "l4.toml").unwrap();
        let l = &c.listeners[0];
        assert_eq!(l.mode, Some(ProxyMode::Tcp));
        assert_eq!(l.sni.len(), 2);
        // `*` names the default pool when there is no default_pool.
        assert_eq!(c.pools[l.default_pool.unwrap()].name, "web");
        let t = SniTable::new(l.sni.clone()).unwrap();
        assert_eq!(t.lookup(Some("api.example.test")), Some("api"));
        assert_eq!(t.lookup(Some("x.test")), Some("web"));
    }

    #[test]
    fn config_file_mistakes_name_line_and_field() {
        let cases = [
            (TCP_FILE.replace("\"tcp\"", "\"udp\""), "line 4", "mode"),
            (
                TCP_FILE.replace("= \"api\",", "= \"nope\","),
                "line 5",
                "listener[0].sni",
            ),
            (
                TCP_FILE.replace("\"api.example.test\" =", "\"a b\" ="),
                "line 5",
                "listener[0].sni",
            ),
        ];
        for (text, line, field) in cases {
            let e = Config::parse(&text, "l4.toml").unwrap_err().to_string();
            assert!(e.starts_with(&format!("l4.toml {line}: ")), "{e}");
            assert!(e.contains(field), "{e}");
        }
    }
}
