//! The traffic policy's part of the plan: `--rate-limit` (a listener's limiter), `--canary` and
//! `--mirror` (the default pool's policy, their pools given by `--pool`), and the config file's
//! per-route `rate_limit`, `canary = {...}` and `mirror = {...}` (and `cache = ...`, read by
//! cache.rs). Every mistake is exit 2 with
//! the value and what was expected, before anything starts.

use crate::cli::ProxyArgs;
use crate::exit::Failure;
use crate::proxy::core::canary::{Canary, CanarySpec};
use crate::proxy::core::mirror::{Mirror, MirrorSpec};
use crate::proxy::core::policy::Policy;
use crate::proxy::core::ratelimit::{Limiter, RateLimitSpec};
use serde::Deserialize;
use std::sync::Arc;

/// `canary = { pool = "v2", weight = 10, header = "X-Canary", header_value = "..",
/// cookie = "canary", key = "header:X-User" }` on a config route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanaryFile {
    pool: String,
    weight: i64,
    header: Option<String>,
    header_value: Option<String>,
    cookie: Option<String>,
    key: Option<String>,
}

/// `mirror = { pool = "shadow", fraction = 0.1, max_in_flight = 64 }` on a config route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MirrorFile {
    pool: String,
    fraction: f64,
    max_in_flight: Option<i64>,
}

/// A policy mistake in the config file: the field (after `...route[i].`), the text to find
/// its line by, and what is wrong.
pub struct Mistake {
    pub field: &'static str,
    pub needle: String,
    pub why: String,
}

/// The policy of one config route. `pool_index` resolves a pool name (Err: the message).
pub fn route_policy(
    name: String,
    own_pool: usize,
    rate_limit: Option<&str>,
    canary: Option<&CanaryFile>,
    mirror: Option<&MirrorFile>,
    cache: Option<&super::cache::RouteCacheFile>,
    pool_index: &dyn Fn(&str) -> Result<usize, String>,
) -> Result<Option<Arc<Policy>>, Mistake> {
    let limit = match rate_limit {
        None => None,
        Some(r) => Some(Limiter::new(
            RateLimitSpec::parse(r, "rate_limit").map_err(|e| Mistake {
                field: "rate_limit",
                needle: r.to_string(),
                why: e.to_string(),
            })?,
        )),
    };
    let canary = match canary {
        None => None,
        Some(c) => {
            let bad = |why: String| Mistake {
                field: "canary",
                needle: "canary".into(),
                why,
            };
            let spec = CanarySpec::new(
                &c.pool,
                c.weight,
                c.header.as_deref(),
                c.header_value.as_deref(),
                c.cookie.as_deref(),
                c.key.as_deref(),
            )
            .map_err(bad)?;
            let i = pool_index(&c.pool).map_err(bad)?;
            if i == own_pool {
                return Err(bad(format!(
                    "the canary pool '{}' is the route's own pool; name a second pool",
                    c.pool
                )));
            }
            Some(Canary::new(spec, i))
        }
    };
    let mirror = match mirror {
        None => None,
        Some(m) => {
            let bad = |why: String| Mistake {
                field: "mirror",
                needle: "mirror".into(),
                why,
            };
            let spec = MirrorSpec::new(&m.pool, m.fraction, m.max_in_flight).map_err(bad)?;
            Some(Mirror::new(spec, pool_index(&m.pool).map_err(bad)?))
        }
    };
    let cache = super::cache::route_cache(cache).map_err(|m| Mistake {
        field: m.field,
        needle: m.needle,
        why: m.why,
    })?;
    let policy = Policy::new(name.clone(), limit, canary, mirror);
    Ok(Policy::with_cache(policy, name, cache).map(Arc::new))
}

/// `--rate-limit`, checked (each listener makes its own limiter from it).
pub fn listener_limit(args: &ProxyArgs) -> anyhow::Result<Option<RateLimitSpec>> {
    Ok(match &args.rate_limit {
        None => None,
        Some(r) => Some(RateLimitSpec::parse(r, "--rate-limit")?),
    })
}

/// `--canary` and `--mirror`: the default pool's policy, over the command line's pools
/// (`default` first, then the `--pool`s).
pub fn flag_policy(args: &ProxyArgs, pools: &[String]) -> anyhow::Result<Option<Arc<Policy>>> {
    let find = |flag: &str, name: &str| {
        if pools.first().is_none_or(|p| p != "default") {
            return Err(Failure::usage(format!(
                "{flag} splits the default pool: give its backends with --backend HOST:PORT"
            )));
        }
        pools
            .iter()
            .position(|p| p == name)
            .filter(|&i| i > 0)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{flag}: no pool named '{name}' besides the default one (add it with --pool '{name}=HOST:PORT ...')"
                ))
            })
    };
    let canary = match &args.canary {
        None => None,
        Some(c) => {
            let spec = CanarySpec::parse(c)?;
            let i = find("--canary", &spec.pool)?;
            Some(Canary::new(spec, i))
        }
    };
    let mirror = match &args.mirror {
        None => None,
        Some(m) => {
            let spec = MirrorSpec::parse(m)?;
            let i = find("--mirror", &spec.pool)?;
            Some(Mirror::new(spec, i))
        }
    };
    let name = "listener[0].default".to_string();
    let policy = Policy::new(name.clone(), None, canary, mirror);
    Ok(Policy::with_cache(policy, name, super::cache::flag_route(args)).map(Arc::new))
}

/// The policy flags in the wrong setting: `--canary`/`--mirror` with a config file (they go on
/// its routes), any of them on a TCP-only setup.
pub fn check_policy_flags(args: &ProxyArgs, any_http: bool) -> anyhow::Result<()> {
    let set = [
        (args.rate_limit.is_some(), "--rate-limit"),
        (args.canary.is_some(), "--canary"),
        (args.mirror.is_some(), "--mirror"),
    ];
    if let Some((_, flag)) = set.iter().find(|(s, _)| *s) {
        if !any_http {
            return Err(Failure::usage(format!(
                "{flag} works in HTTP mode only (a TCP listener sees no requests)"
            )));
        }
        if args.config.is_some() && *flag != "--rate-limit" {
            return Err(Failure::usage(format!(
                "{flag} with --config: set it per route in the file ({} = {{ pool = \"...\", ... }})",
                flag.trim_start_matches("--")
            )));
        }
    }
    Ok(())
}
