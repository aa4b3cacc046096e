//! What the command line describes: the pools and listener from the flags (or the file
//! `--config` names), `--pool` and `--sni` for TCP mode, each listener's mode, and the checks
//! of flags that only one mode takes. build.rs turns the result into live pools.

use super::config::{Config, ListenerConfig, PoolConfig};
use crate::cli::{Algorithm, ProxyArgs, ProxyMode};
use crate::exit::Failure;
use crate::proxy::core::routing::{Route, SniRule, SniTable};
use crate::spec::{BackendSpec, SpecError, check_unique_names, parse_backend_lines};

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

/// The pools and listeners the arguments describe: from --config, or one pool and one
/// listener from the flags.
pub fn configured(args: &ProxyArgs) -> anyhow::Result<Config> {
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
    let extra = cli_pools(args)?;
    let mut pools = Vec::new();
    if extra.is_empty() || !args.backend.is_empty() || args.backends_file.is_some() {
        pools.push(default_pool(args)?);
    }
    pools.extend(extra);
    let sni = cli_sni(args, &pools)?;
    let default = if pools[0].name == "default" {
        Some(0)
    } else {
        sni.iter()
            .find(|r| r.pattern == "*")
            .and_then(|r| pools.iter().position(|p| p.name == r.pool))
    };
    let names: Vec<String> = pools.iter().map(|p| p.name.clone()).collect();
    Ok(Config {
        pools,
        listeners: vec![ListenerConfig {
            listen: args.listen,
            routes: Vec::<Route>::new(),
            default_pool: default,
            mode: None,
            sni,
            default_policy: super::content::with_flags(
                super::policy::flag_policy(args, &names)?,
                args,
            )?,
        }],
        cache: None,
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
fn pool_from_flags(args: &ProxyArgs, name: String, backends: Vec<BackendSpec>) -> PoolConfig {
    PoolConfig {
        name,
        backends,
        algorithm: args.algorithm,
        hash_key: (args.algorithm == Algorithm::Hash).then(|| args.hash_key.clone()),
        hash_algorithm: args.hash_algorithm,
        sticky: args.sticky.clone(),
        check: args.check.clone(),
        health: crate::proxy::plan::config::HealthOverrides {
            outlier: args.outlier.clone(),
            ..Default::default()
        },
    }
}

/// The mode of a listener: its config file `mode`, else `--mode`.
pub fn mode_of(args: &ProxyArgs, lc: &ListenerConfig) -> ProxyMode {
    lc.mode.unwrap_or(args.mode)
}

/// Reject flags that do nothing in the chosen mode(s), so a typo never passes silently.
pub fn check_flags(
    args: &ProxyArgs,
    listeners: &[ListenerConfig],
    pools: &[PoolConfig],
) -> anyhow::Result<()> {
    let any_tcp = listeners.iter().any(|l| mode_of(args, l) == ProxyMode::Tcp);
    let any_http = listeners
        .iter()
        .any(|l| mode_of(args, l) == ProxyMode::Http);
    super::policy::check_policy_flags(args, any_http)?;
    let tls = args.tls_cert.is_some() || args.tls_self_signed;
    super::content::check_content_flags(args, any_http, tls)?;
    // In HTTP mode `--pool` names the --canary and --mirror pools.
    let pool_used = args.canary.is_some() || args.mirror.is_some();
    let any_sni = !args.sni.is_empty() || listeners.iter().any(|l| !l.sni.is_empty());
    if !any_tcp {
        let tcp_only = [
            (args.send_proxy.is_some(), "--send-proxy"),
            (args.accept_proxy, "--accept-proxy"),
            (any_sni, "--sni"),
            (!args.pool.is_empty() && !pool_used, "--pool"),
        ];
        if let Some((_, flag)) = tcp_only.iter().find(|(set, _)| *set) {
            let or = if *flag == "--pool" {
                " (in HTTP mode --pool names the --canary or --mirror pool)"
            } else {
                ""
            };
            return Err(Failure::usage(format!(
                "{flag} works in TCP mode only: add --mode tcp (or mode = \"tcp\" on the listener){or}"
            )));
        }
        return Ok(());
    }
    // Pools may be shared by listeners of both modes: only an all-TCP setup is checked here.
    if args.mode != ProxyMode::Tcp {
        return Ok(());
    }
    for p in pools {
        if let Some(b) = p.backends.iter().find(|b| b.proto.may_be_h2()) {
            return Err(Failure::usage(format!(
                "backend {}: ,{} chooses the HTTP version spoken to it, which TCP mode does not speak (it relays bytes); remove it, or use --mode http",
                b.name,
                b.proto.name()
            )));
        }
        if p.sticky.is_some() {
            return Err(Failure::usage(format!(
                "pool {}: sticky cookies need HTTP; in TCP mode use --algorithm hash or ip-hash (the client address)",
                p.name
            )));
        }
        if p.algorithm == Algorithm::Ewma {
            return Err(Failure::usage(format!(
                "pool {}: ewma balances on response latency, which TCP mode does not see; use p2c or least-conn",
                p.name
            )));
        }
        if p.algorithm == Algorithm::Hash && p.hash_key.as_deref().is_some_and(|k| k.trim() != "ip")
        {
            return Err(Failure::usage(format!(
                "pool {}: in TCP mode the hash key is the client address (--hash-key ip)",
                p.name
            )));
        }
    }
    Ok(())
}

/// `--pool` entries as pool configs with the flags' algorithm and check.
pub fn cli_pools(args: &ProxyArgs) -> anyhow::Result<Vec<PoolConfig>> {
    let mut pools = Vec::new();
    for p in &args.pool {
        let (name, backends) = parse_pool_arg(p)?;
        if name == "default" || pools.iter().any(|x: &PoolConfig| x.name == name) {
            return Err(Failure::usage(format!(
                "--pool {name}: the name is taken (`default` is --backend's pool)"
            )));
        }
        pools.push(pool_from_flags(args, name, backends));
    }
    Ok(pools)
}

/// `--sni` entries, each naming an existing pool.
pub fn cli_sni(args: &ProxyArgs, pools: &[PoolConfig]) -> anyhow::Result<Vec<SniRule>> {
    let mut rules = Vec::new();
    for s in &args.sni {
        let r = SniRule::parse(s)?;
        if !pools.iter().any(|p| p.name == r.pool) {
            return Err(Failure::usage(format!(
                "--sni {s}: no pool named '{}' (pools: {}; add one with --pool 'NAME=SPEC ...')",
                r.pool,
                pools
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        rules.push(r);
    }
    SniTable::new(rules.clone()).map_err(Failure::usage)?;
    Ok(rules)
}

const POOL_FORM: &str = "NAME=SPEC [SPEC ...] (backend specs separated by spaces)";

/// Parse `--pool 'NAME=SPEC [SPEC ...]'` into a pool name and its backends.
pub fn parse_pool_arg(s: &str) -> Result<(String, Vec<BackendSpec>), SpecError> {
    let bad = |part: &str, why: &str| SpecError::new("--pool", part, why, POOL_FORM);
    let (name, specs) = s
        .trim()
        .split_once('=')
        .ok_or_else(|| bad(s, "there is no '='"))?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
    {
        return Err(bad(name, "the pool name must be letters, digits, - _ ."));
    }
    let backends = specs
        .split_whitespace()
        .map(BackendSpec::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if backends.is_empty() {
        return Err(bad(s, "the pool has no backends"));
    }
    crate::spec::check_unique_names(&backends)?;
    Ok((name.to_string(), backends))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_args() {
        let (name, specs) = parse_pool_arg("api=127.0.0.1:1 b=127.0.0.1:2,weight=2").unwrap();
        assert_eq!(name, "api");
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[1].weight, 2);
        for (bad, want) in [
            ("api", "no '='"),
            ("=127.0.0.1:1", "pool name"),
            ("a b=127.0.0.1:1", "pool name"),
            ("api=", "no backends"),
            ("api=nope", "port is missing"),
            ("api=127.0.0.1:1 127.0.0.1:1", "twice"),
        ] {
            let e = parse_pool_arg(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
    }
}
