//! The TCP-mode and TLS parts of the plan (build.rs calls in here): which flags make sense in
//! which mode (exit 2 otherwise), the command-line pools for `--sni` (`--pool`), and the
//! [`L4`] path of one listener.

use super::build::Plan;
use super::config::{ListenerConfig, PoolConfig};
use super::l4::{L4, L4Settings};
use super::l7::L7;
use super::sni_route::{SniRule, SniTable, parse_pool_arg};
use crate::cli::{Algorithm, ProxyArgs, ProxyMode};
use crate::exit::Failure;
use std::sync::Arc;

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
    let any_sni = !args.sni.is_empty() || listeners.iter().any(|l| !l.sni.is_empty());
    if !any_tcp {
        let tcp_only = [
            (args.send_proxy.is_some(), "--send-proxy"),
            (args.accept_proxy, "--accept-proxy"),
            (any_sni, "--sni"),
            (!args.pool.is_empty(), "--pool"),
        ];
        if let Some((_, flag)) = tcp_only.iter().find(|(set, _)| *set) {
            return Err(Failure::usage(format!(
                "{flag} works in TCP mode only: add --mode tcp (or mode = \"tcp\" on the listener)"
            )));
        }
        return Ok(());
    }
    // Pools may be shared by listeners of both modes: only an all-TCP setup is checked here.
    if args.mode != ProxyMode::Tcp {
        return Ok(());
    }
    for p in pools {
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
        pools.push(super::build::pool_from_flags(args, name, backends));
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
    use super::super::config::Config;
    use crate::cli::ProxyMode;

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
        let t = super::SniTable::new(l.sni.clone()).unwrap();
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
