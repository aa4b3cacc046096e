//! A running pool rebuilt with another backend list, for the runtime API (ops/control.rs):
//! add a backend, remove one, or rebuild a hash ring after a weight change. The new pool keeps
//! the old one's settings (algorithm, hash ring kind and key, sticky cookie, outlier policy)
//! and the `Arc`s of the backends it keeps, so their counters, health and keep-alive
//! connections survive; only the picker's own state (round-robin position, EWMA estimates)
//! starts afresh, as on a SIGHUP reload.

use super::build::{algorithm_name, backend_for, picker};
use crate::balance::hash_pick::HashPick;
use crate::cli::{Algorithm, ProxyArgs};
use crate::exit::Failure;
use crate::proxy::core::backend::Backend;
use crate::proxy::core::pool::Pool;
use crate::spec::BackendSpec;
use clap::ValueEnum;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// `old`'s settings over `backends` (their live weights build the hash ring, if any).
pub fn rebuild(old: &Pool, backends: Vec<Arc<Backend>>) -> anyhow::Result<Pool> {
    let algorithm = Algorithm::value_variants()
        .iter()
        .copied()
        .find(|a| algorithm_name(*a) == old.algorithm)
        .unwrap_or(Algorithm::RoundRobin);
    let n = backends.len();
    let mut pool = Pool::new(old.name.clone(), backends, picker(algorithm, n));
    pool.algorithm = old.algorithm;
    pool.outlier = old.outlier.clone();
    pool.sticky_cookie = old.sticky_cookie.clone();
    pool.hash_key = old.hash_key.clone();
    pool.panic_picks
        .store(old.panic_picks.load(Ordering::Relaxed), Ordering::Relaxed);
    if let Some(h) = &old.hash {
        let servers: Vec<(String, u32)> = pool
            .backends
            .iter()
            .map(|b| (b.spec.name.clone(), b.weight()))
            .collect();
        let hp = HashPick::build(h.algorithm, &servers)
            .map_err(|e| Failure::usage(format!("pool {}: hash ring: {e}", old.name)))?;
        pool.hash = Some(hp);
    }
    Ok(pool)
}

/// A new backend for `pool` (appended: the others keep their positions), with the pool's
/// passive-health policy; its address is resolved now.
pub fn new_backend(args: &ProxyArgs, pool: &Pool, spec: &BackendSpec) -> anyhow::Result<Backend> {
    if pool.backends.iter().any(|b| b.spec.name == spec.name) {
        return Err(Failure::usage(format!(
            "pool {} already has a backend named {}: remove it first, or name the new one NAME=HOST:PORT",
            pool.name, spec.name
        )));
    }
    let policy = pool.backends.first().map_or(
        crate::proxy::core::backend::PassivePolicy {
            max_fails: args.max_fails,
            fail_timeout: args.fail_timeout,
        },
        |b| b.policy(),
    );
    let tls = crate::proxy::core::tls::upstream(args, spec.tls)?;
    backend_for(args, spec, pool.backends.len(), policy, tls.as_ref())
}
