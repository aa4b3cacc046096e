//! `lbctl proxy --config lbctl.toml`: several listeners, named pools and routing rules (host,
//! path prefix, header regex) in one file. Parsed and validated completely before anything
//! starts: a bad file is exit 2 with the line and the field named. The command-line tuning
//! flags (timeouts, retries, limits) apply to every listener; the file says what goes where.
//! Also used by `proxy explain` to show a routing decision without starting.

use crate::balance::hash::HashAlgorithm;
use crate::cli::Algorithm;
use crate::proxy::core::routing::{Route, SniRule};
pub use crate::spec::parse_sticky;
use crate::spec::{BackendSpec, SpecError};
use clap::ValueEnum;
use http::header::HeaderName;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    listener: Vec<ListenerFile>,
    #[serde(default)]
    pool: BTreeMap<String, PoolFile>,
    cache: Option<super::cache::CacheFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListenerFile {
    listen: String,
    default_pool: Option<String>,
    #[serde(default)]
    route: Vec<RouteFile>,
    /// `http` or `tcp` (default: `--mode`).
    mode: Option<String>,
    /// TCP mode: server name (exact, `*.suffix`, `*`) -> pool, for SNI passthrough routing.
    #[serde(default)]
    sni: BTreeMap<String, String>,
    /// The answers' compression and redirect for every route that does not set its own.
    compress: Option<toml::Value>,
    redirect_https: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteFile {
    host: Option<String>,
    path_prefix: Option<String>,
    header: Option<String>,
    header_regex: Option<String>,
    pool: String,
    /// nginx `limit_req` for this route: the `--rate-limit` form.
    rate_limit: Option<String>,
    canary: Option<super::policy::CanaryFile>,
    mirror: Option<super::policy::MirrorFile>,
    cache: Option<super::cache::RouteCacheFile>,
    compress: Option<toml::Value>,
    redirect_https: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolFile {
    backends: Vec<String>,
    algorithm: Option<String>,
    hash_key: Option<String>,
    hash_algorithm: Option<String>,
    sticky: Option<String>,
    check: Option<String>,
    check_interval: Option<String>,
    check_timeout: Option<String>,
    rise: Option<u32>,
    fall: Option<u32>,
    max_fails: Option<u32>,
    fail_timeout: Option<String>,
    outlier: Option<String>,
}

/// Per-pool overrides of the command line's health settings.
#[derive(Debug, Clone, Default)]
pub struct HealthOverrides {
    pub check_interval: Option<Duration>,
    pub check_timeout: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    pub max_fails: Option<u32>,
    pub fail_timeout: Option<Duration>,
    /// `outlier = "..."` (Envoy outlier detection; see core/outlier.rs).
    pub outlier: Option<crate::proxy::core::outlier::OutlierPolicy>,
}

/// One pool, validated.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub name: String,
    pub backends: Vec<BackendSpec>,
    pub algorithm: Algorithm,
    pub hash_key: Option<String>,
    pub hash_algorithm: HashAlgorithm,
    pub sticky: Option<String>,
    pub check: Option<String>,
    pub health: HealthOverrides,
}

#[derive(Debug, Clone)]
pub struct ListenerConfig {
    pub listen: SocketAddr,
    pub routes: Vec<Route>,
    pub default_pool: Option<usize>,
    /// `mode = "tcp"|"http"` (None: `--mode`).
    pub mode: Option<crate::cli::ProxyMode>,
    /// `sni = { "NAME" = "POOL" }` (TCP mode).
    pub sni: Vec<SniRule>,
    /// The default pool's policy (`--canary`/`--mirror`; config routes carry their own).
    pub default_policy: Option<std::sync::Arc<crate::proxy::core::policy::Policy>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub pools: Vec<PoolConfig>,
    pub listeners: Vec<ListenerConfig>,
    /// `[cache]` (the response cache's size, default TTL, largest object).
    pub cache: Option<super::cache::CacheConfig>,
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The 1-based line of byte offset `at`.
fn line_at(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The line where `needle` first appears (after `from`), for errors found after parsing.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |at| line_at(text, at))
}

fn bad(source: &str, line: usize, field: &str, problem: impl std::fmt::Display) -> SpecError {
    SpecError::new(
        "config",
        field.to_string(),
        problem.to_string(),
        "the format in `lbctl proxy --help` and the README (listener, pool, route)",
    )
    .at(format!("{source} line {line}"))
}

impl Config {
    /// Parse and validate a config file's text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Config, SpecError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_at(text, s.start));
            bad(source, line, "toml", e.message().trim())
        })?;
        if file.pool.is_empty() {
            return Err(bad(
                source,
                1,
                "pool",
                "no [pool.NAME] table; define at least one",
            ));
        }
        if file.listener.is_empty() {
            return Err(bad(
                source,
                1,
                "listener",
                "no [[listener]]; define at least one",
            ));
        }
        let names: Vec<&String> = file.pool.keys().collect();
        let mut pools = Vec::new();
        for (name, p) in &file.pool {
            let at = |needle: &str| line_of(text, needle);
            let field = |f: &str| format!("pool.{name}.{f}");
            if p.backends.is_empty() {
                return Err(bad(
                    source,
                    at(&format!("[pool.{name}]")),
                    &field("backends"),
                    "the list is empty",
                ));
            }
            let mut backends = Vec::new();
            for (i, b) in p.backends.iter().enumerate() {
                let spec = BackendSpec::parse(b)
                    .map_err(|e| bad(source, at(b), &format!("pool.{name}.backends[{i}]"), e))?;
                backends.push(spec);
            }
            crate::spec::check_unique_names(&backends)
                .map_err(|e| bad(source, at(&format!("[pool.{name}]")), &field("backends"), e))?;
            let algorithm = match &p.algorithm {
                None => Algorithm::Weighted,
                Some(a) => Algorithm::from_str(a, true).map_err(|_| {
                    bad(
                        source,
                        at(a),
                        &field("algorithm"),
                        format!("unknown algorithm '{a}'"),
                    )
                })?,
            };
            let hash_algorithm = match &p.hash_algorithm {
                None => HashAlgorithm::Ketama,
                Some(a) => HashAlgorithm::from_str(a, true).map_err(|_| {
                    bad(
                        source,
                        at(a),
                        &field("hash_algorithm"),
                        format!("unknown hash algorithm '{a}'"),
                    )
                })?,
            };
            if let Some(k) = &p.hash_key {
                crate::proxy::core::hashkey::HashKey::parse(k)
                    .map_err(|e| bad(source, at(k), &field("hash_key"), e))?;
            }
            if let Some(c) = &p.check {
                crate::proxy::core::health::CheckKind::parse(c)
                    .map_err(|e| bad(source, at(c), &field("check"), e))?;
            }
            if let Some(s) = &p.sticky {
                parse_sticky(s).map_err(|e| bad(source, at(s), &field("sticky"), e))?;
            }
            let dur = |v: &Option<String>, f: &str| -> Result<Option<Duration>, SpecError> {
                match v {
                    None => Ok(None),
                    Some(t) => crate::spec::parse_duration(t)
                        .map(Some)
                        .map_err(|e| bad(source, at(t), &field(f), e)),
                }
            };
            let health = HealthOverrides {
                check_interval: dur(&p.check_interval, "check_interval")?,
                check_timeout: dur(&p.check_timeout, "check_timeout")?,
                rise: p.rise,
                fall: p.fall,
                max_fails: p.max_fails,
                fail_timeout: dur(&p.fail_timeout, "fail_timeout")?,
                outlier: match &p.outlier {
                    None => None,
                    Some(o) => Some(
                        crate::proxy::core::outlier::OutlierPolicy::parse(o)
                            .map_err(|e| bad(source, at(o), &field("outlier"), e))?,
                    ),
                },
            };
            if health.check_interval.is_some_and(|d| d.is_zero()) {
                return Err(bad(
                    source,
                    at("check_interval"),
                    &field("check_interval"),
                    "must be above 0",
                ));
            }
            pools.push(PoolConfig {
                name: name.clone(),
                health,
                backends,
                algorithm,
                hash_key: p.hash_key.clone(),
                hash_algorithm,
                sticky: p.sticky.clone(),
                check: p.check.clone(),
            });
        }
        let pool_index = |n: &str, line: usize, field: &str| {
            names.iter().position(|x| x.as_str() == n).ok_or_else(|| {
                bad(
                    source,
                    line,
                    field,
                    format!("no pool named '{n}' (pools: {})", join(&names)),
                )
            })
        };
        let mut listeners = Vec::new();
        for (li, l) in file.listener.iter().enumerate() {
            let field = |f: &str| format!("listener[{li}].{f}");
            let listen: SocketAddr = l.listen.parse().map_err(|_| {
                bad(
                    source,
                    line_of(text, &l.listen),
                    &field("listen"),
                    format!("'{}' is not IP:PORT", l.listen),
                )
            })?;
            let default_pool = match &l.default_pool {
                Some(n) => Some(pool_index(
                    n,
                    line_of(text, &format!("\"{n}\"")),
                    &field("default_pool"),
                )?),
                None => None,
            };
            let mut routes = Vec::new();
            for (ri, r) in l.route.iter().enumerate() {
                let rf = |f: &str| format!("listener[{li}].route[{ri}].{f}");
                let pool = pool_index(
                    &r.pool,
                    line_of(text, &format!("\"{}\"", r.pool)),
                    &rf("pool"),
                )?;
                let header = match (&r.header, &r.header_regex) {
                    (None, None) => None,
                    (Some(h), re) => {
                        let name = HeaderName::from_bytes(h.as_bytes()).map_err(|_| {
                            bad(
                                source,
                                line_of(text, h),
                                &rf("header"),
                                "not a valid header name",
                            )
                        })?;
                        let re = re.as_deref().unwrap_or(".*");
                        let re = regex::Regex::new(re).map_err(|e| {
                            bad(
                                source,
                                line_of(text, re),
                                &rf("header_regex"),
                                e.to_string().lines().last().unwrap_or("bad regex"),
                            )
                        })?;
                        Some((name, re))
                    }
                    (None, Some(re)) => {
                        return Err(bad(
                            source,
                            line_of(text, re),
                            &rf("header_regex"),
                            "needs a header = \"NAME\" too",
                        ));
                    }
                };
                if let Some(p) = &r.path_prefix
                    && !p.starts_with('/')
                {
                    return Err(bad(
                        source,
                        line_of(text, p),
                        &rf("path_prefix"),
                        "must start with '/'",
                    ));
                }
                let policy = super::policy::route_policy(
                    format!("listener[{li}].route[{ri}]"),
                    pool,
                    r.rate_limit.as_deref(),
                    r.canary.as_ref(),
                    r.mirror.as_ref(),
                    r.cache.as_ref(),
                    &|n: &str| {
                        pool_index(n, 1, "pool")
                            .map_err(|_| format!("no pool named '{n}' (pools: {})", join(&names)))
                    },
                )
                .map_err(|m| bad(source, line_of(text, &m.needle), &rf(m.field), m.why))?;
                let (c, rd) = (r.compress.as_ref(), r.redirect_https.as_ref());
                let (lc, lr) = (l.compress.as_ref(), l.redirect_https.as_ref());
                let name = format!("listener[{li}].route[{ri}]");
                let policy = super::content::with_file_content(policy, name, [c, lc], [rd, lr])
                    .map_err(|(f, why)| bad(source, line_of(text, f), &rf(f), why))?;
                routes.push(Route {
                    host: r.host.clone(),
                    path_prefix: r.path_prefix.clone(),
                    header,
                    pool,
                    policy,
                });
            }
            let mode = match &l.mode {
                None => None,
                Some(m) => Some(crate::cli::ProxyMode::from_str(m, true).map_err(|_| {
                    bad(
                        source,
                        line_of(text, &format!("\"{m}\"")),
                        &field("mode"),
                        format!("unknown mode '{m}' (expected http or tcp)"),
                    )
                })?),
            };
            let mut sni = Vec::new();
            for (name, pool) in &l.sni {
                let line = line_of(text, &format!("\"{name}\""));
                pool_index(pool, line, &field("sni"))?;
                sni.push(
                    SniRule::new(name, pool)
                        .map_err(|why| bad(source, line, &field("sni"), why))?,
                );
            }
            let default_pool = default_pool.or_else(|| {
                // A `*` SNI route names the listener's default pool when none is set.
                l.sni
                    .get("*")
                    .and_then(|p| names.iter().position(|x| *x == p))
            });
            if routes.is_empty() && default_pool.is_none() {
                return Err(bad(
                    source,
                    line_of(text, &l.listen),
                    &field("default_pool"),
                    "a listener needs a default_pool or at least one [[listener.route]]",
                ));
            }
            listeners.push(ListenerConfig {
                listen,
                routes,
                default_pool,
                mode,
                sni,
                default_policy: super::content::with_file_content(
                    None,
                    format!("listener[{li}].default"),
                    [l.compress.as_ref(), None],
                    [l.redirect_https.as_ref(), None],
                )
                .map_err(|(f, why)| bad(source, line_of(text, f), &field(f), why))?,
            });
        }
        let cache = file.cache.as_ref().map(super::cache::file_settings);
        let cache = cache.transpose().map_err(|m| {
            let f = format!("cache.{}", m.field);
            bad(source, line_of(text, &m.needle), &f, m.why)
        })?;
        Ok(Config {
            pools,
            listeners,
            cache,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    const GOOD: &str = r#"
[[listener]]
listen = "127.0.0.1:8080"
default_pool = "web"

[[listener.route]]
host = "api.example.test"
path_prefix = "/v1"
pool = "api"

[[listener.route]]
header = "X-Canary"
header_regex = "^(1|yes)$"
pool = "canary"

[pool.web]
backends = ["a=127.0.0.1:9001,weight=3", "127.0.0.1:9002"]

[pool.api]
backends = ["127.0.0.1:9101"]
algorithm = "hash"
hash_key = "header:X-User"
hash_algorithm = "maglev"

[pool.canary]
backends = ["127.0.0.1:9201"]
algorithm = "p2c"
check = "http:/health"
check_interval = "500ms"
rise = 1
fall = 2
max_fails = 3
fail_timeout = "30s"
"#;

    #[test]
    fn good_file() {
        let c = Config::parse(GOOD, "lbctl.toml").unwrap();
        assert_eq!(c.pools.len(), 3);
        assert_eq!(c.listeners[0].routes.len(), 2);
        let canary = &c.pools[c.listeners[0].routes[1].pool];
        assert_eq!(
            canary.health.check_interval,
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            (
                canary.health.rise,
                canary.health.fall,
                canary.health.max_fails
            ),
            (Some(1), Some(2), Some(3))
        );
        let api = &c.pools[c.listeners[0].routes[0].pool];
        assert_eq!(api.name, "api");
        assert_eq!(api.hash_algorithm, HashAlgorithm::Maglev);
        let r = &c.listeners[0].routes[0];
        let h = HeaderMap::new();
        assert!(r.check("API.example.test:8080", "/v1/x", &h).is_ok());
        assert!(
            r.check("api.example.test", "/v2", &h)
                .unwrap_err()
                .contains("path")
        );
        let mut h = HeaderMap::new();
        h.insert("x-canary", "yes".parse().unwrap());
        assert!(c.listeners[0].routes[1].check("x", "/", &h).is_ok());
        let wild = Route {
            host: Some("*.example.test".into()),
            path_prefix: None,
            header: None,
            pool: 0,
            policy: None,
        };
        assert!(wild.check("a.example.test", "/", &h).is_ok());
        assert!(wild.check("example.test", "/", &h).is_err());
        assert!(wild.check("aexample.test", "/", &h).is_err());
    }

    #[test]
    fn bad_files_name_line_and_field() {
        let cases = [
            ("[[listener]]\nlisten = 5\n", "line 2", "toml"),
            (
                "[pool.a]\nbackends = [\"127.0.0.1:1\"]\nbogus = 1\n",
                "line 3",
                "toml",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\ndefault_pool = \"a\"\n[pool.a]\nbackends = [\"nope\"]\n",
                "line 5",
                "pool.a.backends[0]",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\ndefault_pool = \"zz\"\n[pool.a]\nbackends = [\"h:1\"]\n",
                "line 3",
                "default_pool",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\ndefault_pool = \"a\"\n[pool.a]\nbackends = [\"h:1\"]\nalgorithm = \"fastest\"\n",
                "line 6",
                "pool.a.algorithm",
            ),
            (
                "[[listener]]\nlisten = \"x\"\ndefault_pool = \"a\"\n[pool.a]\nbackends = [\"h:1\"]\n",
                "line 2",
                "listen",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\n[[listener.route]]\nheader = \"X\"\nheader_regex = \"(\"\npool = \"a\"\n[pool.a]\nbackends = [\"h:1\"]\n",
                "line 5",
                "header_regex",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\n[pool.a]\nbackends = [\"h:1\"]\n",
                "line 2",
                "default_pool",
            ),
            ("[pool.a]\nbackends = [\"h:1\"]\n", "line 1", "listener"),
            ("", "line 1", "pool"),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\ndefault_pool = \"a\"\n[pool.a]\nbackends = [\"h:1\"]\nfail_timeout = \"soon\"\n",
                "line 6",
                "pool.a.fail_timeout",
            ),
            (
                "[[listener]]\nlisten = \"127.0.0.1:1\"\ndefault_pool = \"a\"\n[pool.a]\nbackends = [\"h:1\"]\nrise = -1\n",
                "line 6",
                "toml",
            ),
        ];
        for (text, line, field) in cases {
            let e = Config::parse(text, "f.toml").unwrap_err().to_string();
            assert!(e.starts_with(&format!("f.toml {line}: ")), "{text:?}: {e}");
            assert!(e.contains(field), "{text:?}: {e}");
        }
    }

    /// Seeded random mutations of a good file and random short strings never panic any
    /// parser of this module's inputs (a stand-in for a fuzz target).
    #[test]
    fn random_input_never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"[]=\"#:,./*-_ \nabcxyz019{}\\\x7f";
        for _ in 0..3000 {
            let mut bytes = GOOD.as_bytes().to_vec();
            for _ in 0..(next() % 6 + 1) {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                match next() % 3 {
                    0 => bytes[at] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at.max(1)),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = Config::parse(&text, "fuzz.toml");
            let short: String = (0..(next() % 12))
                .map(|_| alphabet[(next() as usize) % alphabet.len()] as char)
                .collect();
            let _ = crate::proxy::core::headers::HeaderRule::parse(&short);
            let _ = crate::proxy::core::hashkey::HashKey::parse(&short);
            let _ = crate::proxy::core::health::CheckKind::parse(&short);
            let _ = crate::proxy::core::acl::Acl::new(std::slice::from_ref(&short), &[]);
            let _ = super::parse_sticky(&short);
            let _ = crate::proxy::core::ratelimit::RateLimitSpec::parse(&short, "rate_limit");
            let _ = crate::proxy::core::canary::CanarySpec::parse(&short);
            let _ = crate::proxy::core::mirror::MirrorSpec::parse(&short);
            let r = Route {
                host: Some(short.clone()),
                path_prefix: None,
                header: None,
                pool: 0,
                policy: None,
            };
            let _ = r.check(&short, "/", &HeaderMap::new());
        }
    }
}
