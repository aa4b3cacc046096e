//! `lbctl proxy explain 'GET /api/x Host:a Cookie:sid=1'`: the routing decision for one
//! request, computed by the same code the data path uses (routes, sticky ids, hash keys,
//! candidates, the algorithm's first pick), without opening a socket. Backends are assumed
//! healthy (no checks have run); drained and backup ones are listed with why they are skipped.

use crate::balance::pick::PickContext;
use crate::cli::{ExplainArgs, ProxyArgs, ProxyOutput};
use crate::exit::{ExitCode, Failure};
use crate::proxy::core::pool::Tried;
use crate::proxy::plan::build::Plan;
use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use serde::Serialize;

#[derive(Debug, Serialize)]
struct RuleResult {
    index: usize,
    pool: String,
    matched: bool,
    why: String,
}

#[derive(Debug, Serialize)]
struct Candidate {
    name: String,
    address: String,
    weight: u32,
    /// The HTTP version spoken to it (http/1.1, h2c, h2, auto).
    protocol: String,
    /// `slowstart=D`: its weight ramps over D after it comes back from a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    slowstart: Option<String>,
    backup: bool,
    eligible: bool,
    skipped_because: Option<String>,
}

#[derive(Debug, Serialize)]
struct HashInfo {
    source: String,
    key: Option<String>,
    hash_function: &'static str,
    point: Option<String>,
    backend: Option<String>,
}

#[derive(Debug, Serialize)]
struct Explanation {
    listener: String,
    method: String,
    path: String,
    host: String,
    client: String,
    acl_allows: bool,
    rules: Vec<RuleResult>,
    matched_rule: Option<usize>,
    pool: Option<String>,
    algorithm: Option<&'static str>,
    sticky: Option<String>,
    hash: Option<HashInfo>,
    candidates: Vec<Candidate>,
    choice: Option<String>,
    /// Rate limits, canary split and mirror that apply (absent when none does).
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyInfo>,
    /// The pool's outlier detection, as `consecutive=N,interval=D,...` (absent when off).
    #[serde(skip_serializing_if = "Option::is_none")]
    outlier: Option<String>,
}

#[derive(Debug, Serialize)]
struct PolicyInfo {
    /// `scope: spec`, the listener's first, then the route's.
    rate_limits: Vec<String>,
    canary: Option<CanaryInfo>,
    mirror: Option<String>,
    /// The response cache, when the route caches.
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<String>,
    /// How answers are compressed, `ALG:LEVEL,... for TYPES from N bytes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    compress: Option<String>,
    /// The redirect to https that answers instead of a backend.
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
}

#[derive(Debug, Serialize)]
struct CanaryInfo {
    main_pool: String,
    canary_pool: String,
    weight: u32,
    to_canary: bool,
    why: String,
}

impl Explanation {
    /// The routing part (listener, request, rules); [`finish`] adds the pool's part.
    #[allow(clippy::too_many_arguments)]
    fn routed(
        plan: &Plan,
        lc: &crate::proxy::plan::config::ListenerConfig,
        e: &ExplainArgs,
        method: String,
        path: String,
        host: String,
        rules: Vec<RuleResult>,
        matched_rule: Option<usize>,
    ) -> Self {
        Explanation {
            listener: lc.listen.to_string(),
            method,
            path,
            host,
            client: e.client.to_string(),
            acl_allows: plan.settings.acl.permits(e.client),
            rules,
            matched_rule,
            pool: None,
            algorithm: None,
            sticky: None,
            hash: None,
            candidates: Vec::new(),
            choice: None,
            policy: None,
            outlier: None,
        }
    }
}

/// Parse 'METHOD PATH [Name:value ...]'.
fn parse_request(s: &str) -> anyhow::Result<(String, String, HeaderMap)> {
    let form = "'METHOD PATH [Header:value ...]', e.g. 'GET /api/x Host:a Cookie:sid=1'";
    let mut words = s.split_whitespace();
    let (Some(method), Some(path)) = (words.next(), words.next()) else {
        return Err(Failure::usage(format!(
            "invalid request '{s}': expected {form}"
        )));
    };
    if !path.starts_with('/') {
        return Err(Failure::usage(format!(
            "invalid request '{s}': the path must start with '/'; expected {form}"
        )));
    }
    let mut headers = HeaderMap::new();
    for w in words {
        let (k, v) = w.split_once(':').ok_or_else(|| {
            Failure::usage(format!(
                "invalid header '{w}' in the request: expected Name:value"
            ))
        })?;
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| Failure::usage(format!("invalid header name '{k}' in the request")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| Failure::usage(format!("invalid header value '{v}' in the request")))?;
        headers.append(name, value);
    }
    Ok((method.to_uppercase(), path.to_string(), headers))
}

/// Parse a TCP listener's connection: `TLS NAME` (a ClientHello naming NAME) or `TCP`.
fn parse_connection(s: &str) -> anyhow::Result<Option<String>> {
    let form =
        "'TLS NAME' (a TLS client asking for NAME) or 'TCP' (no server name) on a TCP listener";
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        [w] if w.eq_ignore_ascii_case("tcp") => Ok(None),
        [w, name] if w.eq_ignore_ascii_case("tls") => Ok(Some(name.to_ascii_lowercase())),
        _ => Err(Failure::usage(format!(
            "invalid connection '{s}': expected {form}"
        ))),
    }
}

/// SNI routing of a TCP listener: the explanation up to the pool, and the pool's index.
fn explain_sni(
    plan: &Plan,
    lc: &crate::proxy::plan::config::ListenerConfig,
    e: &ExplainArgs,
) -> anyhow::Result<(Explanation, Option<usize>)> {
    let request = &e.request;
    let name = parse_connection(request)?;
    let table =
        crate::proxy::core::routing::SniTable::new(lc.sni.clone()).map_err(Failure::usage)?;
    let winner = table.winner(name.as_deref());
    let rules = table
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| RuleResult {
            index: i,
            pool: r.pool.clone(),
            matched: winner == Some(i),
            why: match (winner == Some(i), table.matches(i, name.as_deref())) {
                (true, _) if r.pattern == "*" => "catch-all: nothing more specific matches".into(),
                (true, _) if r.pattern.starts_with("*.") => {
                    format!(
                        "the longest *.suffix matching '{}'",
                        name.as_deref().unwrap_or("")
                    )
                }
                (true, _) => "the exact server name".into(),
                (false, true) => {
                    format!("'{}' matches too, but a more specific rule wins", r.pattern)
                }
                (false, false) => match &name {
                    None => format!("'{}' needs a server name (SNI)", r.pattern),
                    Some(n) => format!("'{}' does not match '{n}'", r.pattern),
                },
            },
        })
        .collect();
    let pool = match winner {
        Some(i) => plan
            .pools
            .iter()
            .position(|p| p.name == table.rules()[i].pool),
        None => lc.default_pool,
    };
    let method = if name.is_some() { "TLS" } else { "TCP" };
    let host = name.unwrap_or_default();
    let out = Explanation::routed(
        plan,
        lc,
        e,
        method.into(),
        String::new(),
        host,
        rules,
        winner,
    );
    Ok((out, pool))
}

pub fn run(args: &ProxyArgs, plan: &Plan, e: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let lc = plan.listeners.get(e.listener).ok_or_else(|| {
        Failure::usage(format!(
            "--listener {}: there are only {} listener(s)",
            e.listener,
            plan.listeners.len()
        ))
    })?;
    if crate::proxy::plan::flags::mode_of(args, lc) == crate::cli::ProxyMode::Tcp {
        let (out, pool_idx) = explain_sni(plan, lc, e)?;
        return finish(args, plan, e, out, pool_idx, &HeaderMap::new());
    }
    let (method, path, headers) = parse_request(&e.request)?;
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut rules = Vec::new();
    let mut matched_rule = None;
    for (i, r) in lc.routes.iter().enumerate() {
        let res = r.check(&host, &path, &headers);
        let matched = res.is_ok() && matched_rule.is_none();
        if matched {
            matched_rule = Some(i);
        }
        rules.push(RuleResult {
            index: i,
            pool: plan.pools[r.pool].name.clone(),
            matched,
            why: match res {
                Ok(()) if matched => "all conditions hold".into(),
                Ok(()) => "also matches, but an earlier rule won".into(),
                Err(w) => w,
            },
        });
    }
    let pool_idx = matched_rule.map(|i| lc.routes[i].pool).or(lc.default_pool);
    let mut out = Explanation::routed(plan, lc, e, method, path, host, rules, matched_rule);
    let policy = match matched_rule {
        Some(i) => lc.routes[i].policy.as_deref(),
        None => lc.default_policy.as_deref(),
    };
    let (info, pool_idx) = policy_info(plan, policy, pool_idx, &headers, e.client);
    out.policy = info;
    finish(args, plan, e, out, pool_idx, &headers)
}

/// What the listener's and the route's policy do to this request; the pool after the canary
/// split (decided by the same code as the data path, without counting).
fn policy_info(
    plan: &Plan,
    policy: Option<&crate::proxy::core::policy::Policy>,
    pool_idx: Option<usize>,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
) -> (Option<PolicyInfo>, Option<usize>) {
    let name = |i: usize| {
        plan.pools
            .get(i)
            .map_or("?", |p| p.name.as_str())
            .to_string()
    };
    let mut info = PolicyInfo {
        rate_limits: Vec::new(),
        canary: None,
        mirror: None,
        cache: None,
        compress: None,
        redirect: None,
    };
    let describe = |spec: &crate::proxy::core::ratelimit::RateLimitSpec| {
        format!(
            "{} (key {}, {})",
            spec.text,
            spec.key,
            if spec.nodelay {
                "excess beyond the burst refused with 429"
            } else {
                "excess within the burst delayed, beyond it 429"
            }
        )
    };
    if let Some(spec) = &plan.settings.rate_limit {
        info.rate_limits
            .push(format!("listener: {}", describe(spec)));
    }
    let mut pool_idx = pool_idx;
    if let Some(p) = policy {
        if let Some(l) = &p.limit {
            info.rate_limits
                .push(format!("{}: {}", p.name, describe(&l.spec)));
        }
        if let (Some(c), Some(main)) = (&p.canary, pool_idx) {
            let (to, why) = c.decide(headers, ip);
            info.canary = Some(CanaryInfo {
                main_pool: name(main),
                canary_pool: name(c.pool),
                weight: c.spec.weight,
                to_canary: to,
                why: why.to_string(),
            });
            if to {
                pool_idx = Some(c.pool);
            }
        }
        if let Some(m) = &p.mirror {
            info.mirror = Some(format!(
                "{} of requests (bodies up to 64 KiB) copied to pool {} (at most {} in flight), responses discarded",
                m.spec.fraction,
                name(m.pool),
                m.spec.max_in_flight
            ));
        }
        if let (Some(rc), Some(c)) = (p.cache, &plan.cache) {
            info.cache = Some(super::cache_stats::describe(rc, c));
        }
    }
    if let Some(p) = policy {
        info.compress = p.compress.as_ref().map(|c| c.describe());
        info.redirect = p.redirect.map(|r| r.describe());
    }
    let empty = info.rate_limits.is_empty()
        && info.canary.is_none()
        && info.mirror.is_none()
        && info.cache.is_none()
        && info.compress.is_none()
        && info.redirect.is_none();
    ((!empty).then_some(info), pool_idx)
}

/// The pool's part of an explanation (candidates, sticky, hash, choice), then the output.
fn finish(
    args: &ProxyArgs,
    plan: &Plan,
    e: &ExplainArgs,
    mut out: Explanation,
    pool_idx: Option<usize>,
    headers: &HeaderMap,
) -> anyhow::Result<ExitCode> {
    let path = out.path.clone();
    let pool = pool_idx.and_then(|i| plan.pools.get(i));
    out.pool = pool.map(|p| p.name.clone());
    out.algorithm = pool.map(|p| p.algorithm);
    out.outlier = pool.and_then(|p| p.outlier.as_ref()).map(|o| {
        format!(
            "consecutive={},interval={:?},base-ejection={:?},max-ejection-percent={},success-rate-stdev={},min-hosts={},min-requests={}",
            o.consecutive,
            o.interval,
            o.base_ejection,
            o.max_ejection_percent,
            o.success_rate_stdev,
            o.min_hosts,
            o.min_requests
        )
    });
    let mut ip_buf = [0u8; 16];
    let ip_bytes = crate::proxy::core::pool::ip_bytes(e.client, &mut ip_buf);
    if let Some(p) = pool {
        let primaries_up = p
            .backends
            .iter()
            .any(|b| !b.spec.backup && b.spec.weight > 0);
        for b in &p.backends {
            let skipped = if b.spec.weight == 0 {
                Some("weight 0 (drained)".to_string())
            } else if b.spec.backup && primaries_up {
                Some("backup, and a primary is healthy".to_string())
            } else {
                None
            };
            out.candidates.push(Candidate {
                name: b.name().to_string(),
                address: b.addr.to_string(),
                weight: b.spec.weight,
                protocol: b.pool.protocol(),
                slowstart: b.spec.slowstart.map(|d| format!("{d:?}")),
                backup: b.spec.backup,
                eligible: skipped.is_none(),
                skipped_because: skipped,
            });
        }
        let mut choice = None;
        if let Some(name) = &p.sticky_cookie {
            let id = crate::proxy::core::headers::cookie(headers, name);
            let hit = id.and_then(|id| p.by_sticky_id(id));
            out.sticky = Some(match (id, hit) {
                (None, _) => format!("no {name} cookie: balanced, then stamped"),
                (Some(id), None) => {
                    format!("cookie {name}={id} names no backend: re-balanced and re-stamped")
                }
                (Some(id), Some(i)) => format!("cookie {name}={id} names {}", p.backends[i].name()),
            });
            choice = hit;
        }
        if choice.is_none()
            && let (Some(hp), Some(hk)) = (&p.hash, &p.hash_key)
        {
            let key = hk.extract(headers, &path, e.client);
            let backend = key
                .as_ref()
                .and_then(|k| p.choose_hashed(k, Tried::default()));
            let hf = hp.locator.hash_fn();
            out.hash = Some(HashInfo {
                source: hk.to_string(),
                key: key
                    .as_ref()
                    .map(|k| String::from_utf8_lossy(k).into_owned()),
                hash_function: hf.name(),
                point: key.as_ref().map(|k| format!("{:#x}", hf.hash(k))),
                backend: backend.map(|i| p.backends[i].name().to_string()),
            });
            choice = backend;
        }
        if choice.is_none() {
            choice = p.choose(
                &PickContext {
                    client_ip: Some(ip_bytes),
                },
                Tried::default(),
            );
        }
        out.choice = choice.map(|i| p.backends[i].name().to_string());
    }
    match args.output {
        ProxyOutput::Json => crate::output::print_json(&out)?,
        ProxyOutput::Text => print_text(&out),
    }
    Ok(ExitCode::Success)
}

fn print_text(x: &Explanation) {
    // A TCP listener's explanation has no path: a connection, routed on its server name.
    let tcp = x.path.is_empty();
    if tcp {
        match x.host.as_str() {
            "" => println!(
                "connection {} without a server name (client {})",
                x.method, x.client
            ),
            name => println!(
                "connection {} server name '{name}' (client {})",
                x.method, x.client
            ),
        }
    } else {
        println!(
            "request   {} {} (host '{}', client {})",
            x.method, x.path, x.host, x.client
        );
    }
    println!("listener  {}", x.listener);
    if !x.acl_allows {
        println!("acl       DENIED: the client would get 403");
    }
    for r in &x.rules {
        println!(
            "rule {:<4} {} -> pool {}: {}",
            r.index,
            if r.matched { "MATCH" } else { "skip " },
            r.pool,
            r.why
        );
    }
    match (&x.pool, x.matched_rule) {
        (Some(p), Some(i)) => println!(
            "pool      {p} (rule {i}), algorithm {}",
            x.algorithm.unwrap_or("")
        ),
        (Some(p), None) => println!(
            "pool      {p} (default), algorithm {}",
            x.algorithm.unwrap_or("")
        ),
        (None, _) if tcp => {
            println!("pool      none: no sni rule matches and there is no default pool (closed)")
        }
        (None, _) => println!("pool      none: no rule matches and there is no default pool (404)"),
    }
    if let Some(p) = &x.policy {
        for r in &p.rate_limits {
            println!("limit     {r}");
        }
        if let Some(c) = &p.canary {
            println!(
                "canary    weight {}% to {}: this request goes to {} ({})",
                c.weight,
                c.canary_pool,
                if c.to_canary {
                    &c.canary_pool
                } else {
                    &c.main_pool
                },
                c.why
            );
        }
        if let Some(m) = &p.mirror {
            println!("mirror    {m}");
        }
        if let Some(c) = &p.cache {
            println!("cache     {c}");
        }
        if let Some(c) = &p.compress {
            println!("compress  {c}");
        }
        if let Some(r) = &p.redirect {
            println!("redirect  {r} (no backend is asked)");
        }
    }
    if let Some(s) = &x.sticky {
        println!("sticky    {s}");
    }
    if let Some(h) = &x.hash {
        match &h.key {
            Some(k) => println!(
                "hash      key {} = '{k}', {} point {}, backend {}",
                h.source,
                h.hash_function,
                h.point.as_deref().unwrap_or("-"),
                h.backend.as_deref().unwrap_or("none")
            ),
            None => println!(
                "hash      key {} absent: the fallback (round robin) picks",
                h.source
            ),
        }
    }
    if let Some(o) = &x.outlier {
        println!("outlier   {o}");
    }
    for c in &x.candidates {
        println!(
            "backend   {:<16} {:<22} weight {:<4} {:<9} {}{}",
            c.name,
            c.address,
            c.weight,
            c.protocol,
            match &c.skipped_because {
                None => "candidate".to_string(),
                Some(w) => format!("skipped: {w}"),
            },
            c.slowstart
                .as_ref()
                .map(|d| format!(" (slowstart {d})"))
                .unwrap_or_default()
        );
    }
    let none = if tcp { "none (closed)" } else { "none (503)" };
    println!("choice    {}", x.choice.as_deref().unwrap_or(none));
}
