//! The response cache's part of the plan: `--cache SIZE`, `--cache-ttl D`,
//! `--cache-max-object SIZE` and the config file's `[cache]` table (`size`, `ttl`,
//! `max_object`; a flag wins over the file), and which routes cache: with flags only, the
//! default pool's; in a config file, routes that say `cache = true` or `cache = { ttl = "1h" }`.
//! One store for the whole process, shared by every listener and route that caches. Every
//! mistake is exit 2 naming the value, before anything starts.

use crate::cli::ProxyArgs;
use crate::exit::Failure;
use crate::proxy::core::cache::RouteCache;
use crate::proxy::core::cache::store::{Limits, Store};
use crate::spec::{format_size, parse_duration, parse_size};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The largest body stored by default: 1 MiB (nginx has no such limit; HAProxy's
/// `max-object-size` defaults to a 256th of the cache), never more than an eighth of it.
pub const DEFAULT_MAX_OBJECT: u64 = 1024 * 1024;

/// `[cache]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheFile {
    size: Option<String>,
    ttl: Option<String>,
    max_object: Option<String>,
}

/// `cache = true` or `cache = { ttl = "1h" }` on a route.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RouteCacheFile {
    On(bool),
    With(RouteCacheTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteCacheTable {
    ttl: String,
}

/// A mistake in `[cache]` or a route's `cache`: the field, the text to find its line by, and
/// what is wrong (config.rs and policy.rs put the file's name and line on it).
pub struct Mistake {
    pub field: &'static str,
    pub needle: String,
    pub why: String,
}

/// `[cache]`, checked.
#[derive(Debug, Clone, Default)]
pub struct CacheConfig {
    pub size: Option<u64>,
    pub ttl: Option<Duration>,
    pub max_object: Option<u64>,
}

/// What the proxy starts with: the store and the default TTL.
pub struct CachePlan {
    pub store: Arc<Store>,
    pub default_ttl: Option<Duration>,
}

fn mistake(field: &'static str, needle: &str, why: impl std::fmt::Display) -> Mistake {
    Mistake {
        field,
        needle: needle.to_string(),
        why: why.to_string(),
    }
}

fn ttl(t: &str, field: &'static str) -> Result<Duration, Mistake> {
    let d = parse_duration(t).map_err(|e| mistake(field, t, e))?;
    if d.is_zero() {
        return Err(mistake(field, t, format!("'{t}' must be above 0")));
    }
    Ok(d)
}

/// Check the `[cache]` table (field names are relative to `cache.`).
pub fn file_settings(c: &CacheFile) -> Result<CacheConfig, Mistake> {
    let size = |v: &Option<String>, field| {
        v.as_deref()
            .map(|s| parse_size(s).map_err(|e| mistake(field, s, e)))
            .transpose()
    };
    Ok(CacheConfig {
        size: size(&c.size, "size")?,
        ttl: c.ttl.as_deref().map(|t| ttl(t, "ttl")).transpose()?,
        max_object: size(&c.max_object, "max_object")?,
    })
}

/// A route's `cache = ...` (None when absent or `false`).
pub fn route_cache(c: Option<&RouteCacheFile>) -> Result<Option<RouteCache>, Mistake> {
    Ok(match c {
        None | Some(RouteCacheFile::On(false)) => None,
        Some(RouteCacheFile::On(true)) => Some(RouteCache { ttl: None }),
        Some(RouteCacheFile::With(t)) => Some(RouteCache {
            ttl: Some(ttl(&t.ttl, "cache")?),
        }),
    })
}

/// The default pool's cache setting on the command line: `--cache SIZE` without `--config`.
pub fn flag_route(args: &ProxyArgs) -> Option<RouteCache> {
    (args.config.is_none() && args.cache.is_some_and(|n| n > 0)).then_some(RouteCache { ttl: None })
}

/// The process's store, from the flags and the file's `[cache]` (None: caching is off).
/// `wanted`: some route caches; `any_http`: some listener is in HTTP mode.
pub fn plan(
    args: &ProxyArgs,
    file: Option<&CacheConfig>,
    wanted: bool,
    any_http: bool,
) -> anyhow::Result<Option<CachePlan>> {
    let file = file.cloned().unwrap_or_default();
    let size = args.cache.or(file.size).unwrap_or(0);
    if size == 0 {
        if wanted {
            return Err(Failure::usage(
                "a route has cache = ... but the cache has no size: add [cache] size = \"64MiB\" to the file (or --cache 64MiB)",
            ));
        }
        for (set, flag) in [
            (args.cache_ttl.is_some(), "--cache-ttl"),
            (args.cache_max_object.is_some(), "--cache-max-object"),
        ] {
            if set {
                return Err(Failure::usage(format!(
                    "{flag} tunes the response cache: add --cache SIZE (e.g. --cache 64MiB)"
                )));
            }
        }
        return Ok(None);
    }
    if !any_http {
        return Err(Failure::usage(
            "--cache works in HTTP mode only (a TCP listener sees no responses)",
        ));
    }
    if args.cache_ttl.is_some_and(|d| d.is_zero()) {
        return Err(Failure::usage(
            "--cache-ttl 0: expected a duration above 0, e.g. 10m or 1h (leave it out for no default TTL)",
        ));
    }
    let max_object = args
        .cache_max_object
        .or(file.max_object)
        .unwrap_or(DEFAULT_MAX_OBJECT.min(size / 8));
    if max_object == 0 || max_object > size {
        return Err(Failure::usage(format!(
            "--cache-max-object {}: expected a size above 0 and at most the cache's size ({})",
            format_size(max_object),
            format_size(size)
        )));
    }
    Ok(Some(CachePlan {
        store: Arc::new(Store::new(Limits { size, max_object })),
        default_ttl: args.cache_ttl.or(file.ttl),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_forms() {
        let parse = |t: &str| -> Result<Option<RouteCache>, String> {
            #[derive(Deserialize)]
            struct R {
                cache: RouteCacheFile,
            }
            let r: R = toml::from_str(t).map_err(|e| e.to_string())?;
            route_cache(Some(&r.cache)).map_err(|m| format!("{}: {}", m.field, m.why))
        };
        assert_eq!(parse("cache = true"), Ok(Some(RouteCache { ttl: None })));
        assert_eq!(parse("cache = false"), Ok(None));
        assert_eq!(
            parse("cache = { ttl = \"1h\" }"),
            Ok(Some(RouteCache {
                ttl: Some(Duration::from_secs(3600))
            }))
        );
        assert!(
            parse("cache = { ttl = \"soon\" }")
                .unwrap_err()
                .starts_with("cache: ")
        );
        assert!(parse("cache = { ttl = \"0s\" }").is_err());
        assert!(parse("cache = { size = \"1h\" }").is_err());
    }

    #[test]
    fn file_table() {
        let c = CacheFile {
            size: Some("64MiB".into()),
            ttl: Some("10m".into()),
            max_object: None,
        };
        let Ok(s) = file_settings(&c) else {
            panic!("valid [cache]")
        };
        assert_eq!(s.size, Some(64 << 20));
        assert_eq!(s.ttl, Some(Duration::from_secs(600)));
        let bad = CacheFile {
            size: Some("lots".into()),
            ttl: None,
            max_object: None,
        };
        let Err(m) = file_settings(&bad) else {
            panic!("bad size")
        };
        assert_eq!((m.field, m.needle.as_str()), ("size", "lots"));
    }
}
