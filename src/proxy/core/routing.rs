//! Where a request or a connection goes: a listener's [`Routing`] (its pools, HTTP routes and
//! default pool, and the TCP mode's SNI table), replaced as a whole on a SIGHUP reload. HTTP
//! routes match on host, path prefix and a header regex ([`Route`]); SNI passthrough routes
//! (`--sni 'NAME=POOL'`, or `sni = {...}` on a `[[listener]]`) match a ClientHello's server
//! name, order-independent like nginx's `server_name`: an exact name wins, then the longest
//! `*.suffix`, then `*`. Built by plan/ (which rejects mistakes with exit 2), read per request
//! by http/ and per connection by tcp/, shown by `proxy explain`.

use super::headers::HeaderSource;
use super::policy::Policy;
use super::pool::Pool;
use crate::spec::SpecError;
use http::header::HeaderName;
use std::sync::Arc;

const SNI_FORM: &str =
    "NAME=POOL, NAME being a host name, *.suffix or * (e.g. api.example.test=api)";

/// A listener's routes onto the pools: replaced as a whole on a SIGHUP reload (cloned with
/// one pool replaced by the runtime API).
#[derive(Clone)]
pub struct Routing {
    pub pools: Vec<Arc<Pool>>,
    pub routes: Vec<Route>,
    /// Pool for requests no route matches (None: they get 404).
    pub default_pool: Option<usize>,
    /// TCP mode: SNI passthrough routes (see tcp/l4.rs), reloaded with the rest.
    pub sni: SniTable,
    /// The policy of requests no route matches (`--canary`/`--mirror` on the default pool).
    pub default_policy: Option<Arc<Policy>>,
}

impl Routing {
    /// The pool for a request: the first matching route's, else the default.
    pub fn route<H: HeaderSource + ?Sized>(
        &self,
        host: &str,
        path: &str,
        headers: &H,
    ) -> Option<&Arc<Pool>> {
        if self.routes.is_empty() {
            return self.default_pool.and_then(|i| self.pools.get(i));
        }
        self.routes
            .iter()
            .find(|r| r.check(host, path, headers).is_ok())
            .map(|r| r.pool)
            .or(self.default_pool)
            .and_then(|i| self.pools.get(i))
    }

    /// The pool index and policy for a request: the first matching route's, else the
    /// default pool's.
    pub fn select<H: HeaderSource + ?Sized>(
        &self,
        host: &str,
        path: &str,
        headers: &H,
    ) -> Option<(usize, Option<&Arc<Policy>>)> {
        match self
            .routes
            .iter()
            .find(|r| r.check(host, path, headers).is_ok())
        {
            Some(r) => Some((r.pool, r.policy.as_ref())),
            None => self.default_pool.map(|i| (i, self.default_policy.as_ref())),
        }
    }
}

/// How a route matches a request (all given conditions must hold).
#[derive(Debug, Clone)]
pub struct Route {
    /// Exact host (port ignored, case-insensitive), or `*.suffix`.
    pub host: Option<String>,
    pub path_prefix: Option<String>,
    pub header: Option<(HeaderName, regex::Regex)>,
    /// Index into the plan's pools (`Config::pools`).
    pub pool: usize,
    /// Rate limit, canary split, mirror (None: none of them).
    pub policy: Option<Arc<Policy>>,
}

impl Route {
    /// Whether the request matches; on a miss, the first condition that failed.
    pub fn check<H: HeaderSource + ?Sized>(
        &self,
        host: &str,
        path: &str,
        headers: &H,
    ) -> Result<(), String> {
        if let Some(h) = &self.host {
            let host = host.rsplit_once(':').map_or(host, |(h, p)| {
                if p.bytes().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            });
            let ok = match h.strip_prefix("*.") {
                Some(suffix) => host.len().checked_sub(suffix.len() + 1).is_some_and(|cut| {
                    host.as_bytes()[cut] == b'.' && host[cut + 1..].eq_ignore_ascii_case(suffix)
                }),
                None => host.eq_ignore_ascii_case(h),
            };
            if !ok {
                return Err(format!("host '{host}' is not '{h}'"));
            }
        }
        if let Some(p) = &self.path_prefix
            && !path.starts_with(p.as_str())
        {
            return Err(format!("path '{path}' does not start with '{p}'"));
        }
        if let Some((name, re)) = &self.header {
            match headers
                .first_value(name.as_str())
                .and_then(|v| std::str::from_utf8(v).ok())
            {
                Some(v) if re.is_match(v) => {}
                Some(v) => return Err(format!("header {name}: '{v}' does not match /{re}/")),
                None => return Err(format!("header {name} is absent")),
            }
        }
        Ok(())
    }
}

/// One `--sni` entry: a pattern and the pool it routes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SniRule {
    /// Lower-cased: `api.example.test`, `*.example.test` or `*`.
    pub pattern: String,
    pub pool: String,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

impl SniRule {
    /// Parse `NAME=POOL`.
    pub fn parse(s: &str) -> Result<SniRule, SpecError> {
        let bad = |part: &str, why: &str| SpecError::new("--sni route", part, why, SNI_FORM);
        let (name, pool) = s
            .trim()
            .split_once('=')
            .ok_or_else(|| bad(s, "there is no '='"))?;
        let (name, pool) = (name.trim().to_ascii_lowercase(), pool.trim());
        if pool.is_empty() {
            return Err(bad(s, "the pool name after '=' is empty"));
        }
        Self::new(&name, pool).map_err(|why| bad(s, why))
    }

    /// A rule from a pattern and a pool name (also used for the config file's `sni` table).
    pub fn new(pattern: &str, pool: &str) -> Result<SniRule, &'static str> {
        let pattern = pattern.trim().to_ascii_lowercase();
        let ok = pattern == "*"
            || pattern.strip_prefix("*.").is_some_and(valid_name)
            || valid_name(&pattern);
        if !ok {
            return Err("the name is not a host name, *.suffix or *");
        }
        Ok(SniRule {
            pattern,
            pool: pool.to_string(),
        })
    }
}

/// The routing table, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct SniTable {
    rules: Vec<SniRule>,
}

impl SniTable {
    pub fn new(rules: Vec<SniRule>) -> Result<SniTable, String> {
        for (i, r) in rules.iter().enumerate() {
            if rules[..i].iter().any(|o| o.pattern == r.pattern) {
                return Err(format!("--sni name '{}' is given twice", r.pattern));
            }
        }
        Ok(SniTable { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> &[SniRule] {
        &self.rules
    }

    /// The pool of the `*` rule, if any.
    pub fn catch_all(&self) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.pattern == "*")
            .map(|r| r.pool.as_str())
    }

    /// The pool for a server name (already lower-cased by the ClientHello reader): exact,
    /// else the longest matching `*.suffix`, else `*`. None when nothing matches.
    pub fn lookup(&self, name: Option<&str>) -> Option<&str> {
        self.winner(name).map(|i| self.rules[i].pool.as_str())
    }

    /// The index of the rule [`SniTable::lookup`] follows (also for `proxy explain`).
    pub fn winner(&self, name: Option<&str>) -> Option<usize> {
        let catch_all = || self.rules.iter().position(|r| r.pattern == "*");
        let Some(name) = name else {
            return catch_all();
        };
        let name = name.trim_end_matches('.');
        if let Some(i) = self.rules.iter().position(|r| r.pattern == name) {
            return Some(i);
        }
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| Self::suffix_matches(&r.pattern, name))
            .max_by_key(|(_, r)| r.pattern.len())
            .map(|(i, _)| i)
            .or_else(catch_all)
    }

    /// Whether `*.suffix` pattern covers `name` (one label or more before the suffix).
    fn suffix_matches(pattern: &str, name: &str) -> bool {
        pattern.strip_prefix('*').is_some_and(|suffix| {
            suffix.len() > 1 && name.len() > suffix.len() && name.ends_with(suffix)
        })
    }

    /// Whether rule `i` would match `name` at all (winning or not).
    pub fn matches(&self, i: usize, name: Option<&str>) -> bool {
        let r = &self.rules[i];
        match name.map(|n| n.trim_end_matches('.')) {
            _ if r.pattern == "*" => true,
            None => false,
            Some(n) => r.pattern == n || Self::suffix_matches(&r.pattern, n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rules: &[&str]) -> SniTable {
        SniTable::new(rules.iter().map(|r| SniRule::parse(r).unwrap()).collect()).unwrap()
    }

    #[test]
    fn exact_then_longest_suffix_then_star() {
        let t = table(&[
            "*=web",
            "*.example.test=wild",
            "*.api.example.test=deep",
            "API.example.test=api",
        ]);
        assert_eq!(t.lookup(Some("api.example.test")), Some("api"));
        assert_eq!(t.lookup(Some("api.example.test.")), Some("api"));
        assert_eq!(t.lookup(Some("v1.api.example.test")), Some("deep"));
        assert_eq!(t.lookup(Some("www.example.test")), Some("wild"));
        assert_eq!(t.lookup(Some("example.test")), Some("web"));
        assert_eq!(t.lookup(Some("other.test")), Some("web"));
        assert_eq!(t.lookup(None), Some("web"));
        let t = table(&["a.test=a"]);
        assert_eq!(t.lookup(Some("b.test")), None);
        assert_eq!(t.lookup(None), None);
    }

    #[test]
    fn malformed_rules_and_pools() {
        for (bad, want) in [
            ("", "no '='"),
            ("api.test", "no '='"),
            ("api.test=", "pool name"),
            ("=pool", "not a host name"),
            ("a b=pool", "not a host name"),
            ("*a.test=pool", "not a host name"),
            ("*.=pool", "not a host name"),
            ("a..b=pool", "not a host name"),
        ] {
            let e = SniRule::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
        let dup = vec![
            SniRule::parse("a.test=x").unwrap(),
            SniRule::parse("A.test=y").unwrap(),
        ];
        assert!(SniTable::new(dup).unwrap_err().contains("twice"));
    }

    #[test]
    fn winner_and_matches_explain_the_lookup() {
        let t = SniTable::new(vec![
            SniRule::new("*", "c").unwrap(),
            SniRule::new("*.example.test", "b").unwrap(),
            SniRule::new("*.api.example.test", "d").unwrap(),
            SniRule::new("api.example.test", "a").unwrap(),
        ])
        .unwrap();
        assert_eq!(t.winner(Some("api.example.test")), Some(3));
        assert_eq!(t.winner(Some("v1.api.example.test")), Some(2));
        assert_eq!(t.winner(Some("www.example.test")), Some(1));
        assert_eq!(t.winner(Some("other.test")), Some(0));
        assert_eq!(t.winner(None), Some(0));
        let name = Some("v1.api.example.test");
        let matching: Vec<bool> = (0..4).map(|i| t.matches(i, name)).collect();
        assert_eq!(matching, [true, true, true, false]);
        assert!(!t.matches(1, None) && t.matches(0, None));
        for (n, pool) in [
            ("api.example.test", "a"),
            ("x.example.test", "b"),
            ("z", "c"),
        ] {
            assert_eq!(t.lookup(Some(n)), Some(pool));
        }
    }
}
