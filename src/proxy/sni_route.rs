//! SNI passthrough routing for the TCP mode: the `--sni 'NAME=POOL'` table (also `sni = {...}`
//! on a `[[listener]]` in the config file), and `--pool 'NAME=SPEC ...'`, the command-line way
//! to name pools for it. Matching is order-independent, like nginx's `server_name`: an exact
//! name wins, then the longest `*.suffix`, then `*`. Used by build.rs (parse, exit 2 on
//! mistakes) and l4.rs (the lookup per connection).

use crate::spec::{BackendSpec, SpecError};

const SNI_FORM: &str =
    "NAME=POOL, NAME being a host name, *.suffix or * (e.g. api.example.test=api)";
const POOL_FORM: &str = "NAME=SPEC [SPEC ...] (backend specs separated by spaces)";

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
