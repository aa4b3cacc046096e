//! The response cache's rules, pure and synchronous (RFC 9111 as a shared cache applies them):
//! which responses may be stored and for how long, which requests may be answered from the
//! store, and how `Vary` splits one key into variants. The store (store.rs) and the hyper
//! path's fill (http/hyper/cache_fill.rs) ask here; nothing here touches a socket or a clock
//! other than the durations it is given.

use http::header::{self, HeaderMap, HeaderName};
use std::time::Duration;

/// The Cache-Control directives a shared cache acts on (RFC 9111 section 5.2.2).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directives {
    pub no_store: bool,
    pub no_cache: bool,
    pub private: bool,
    pub public: bool,
    pub must_revalidate: bool,
    /// Seconds; an unparsable value reads as 0 (RFC 9111 section 4.2.1: invalid freshness
    /// information makes a response stale).
    pub max_age: Option<u64>,
    pub s_maxage: Option<u64>,
}

/// Parse every Cache-Control field line. Directive names are case-insensitive; a quoted
/// argument may hold commas (`private="a, b"`); for a repeated directive the first wins
/// (RFC 9111 section 4.2.1).
pub fn directives(headers: &HeaderMap) -> Directives {
    let mut d = Directives::default();
    for line in headers.get_all(header::CACHE_CONTROL) {
        for item in split_list(line.as_bytes()) {
            let (name, arg) = match item.iter().position(|&b| b == b'=') {
                Some(i) => (&item[..i], Some(&item[i + 1..])),
                None => (item, None),
            };
            let name = String::from_utf8_lossy(name.trim_ascii()).to_ascii_lowercase();
            let seconds = || {
                let a = arg.unwrap_or(b"").trim_ascii();
                let a = a
                    .strip_prefix(b"\"")
                    .and_then(|a| a.strip_suffix(b"\""))
                    .unwrap_or(a);
                // Delta-seconds (RFC 9111 section 1.2.2): digits only; too large is "a very
                // long time", capped rather than refused.
                if a.is_empty() || !a.iter().all(u8::is_ascii_digit) {
                    return 0;
                }
                std::str::from_utf8(a)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(u64::from(u32::MAX))
                    .min(u64::from(u32::MAX))
            };
            match name.as_str() {
                "no-store" => d.no_store = true,
                // The qualified forms (`no-cache="Set-Cookie"`) are read as the whole
                // directive: never wrong, at worst a response not stored.
                "no-cache" => d.no_cache = true,
                "private" => d.private = true,
                "public" => d.public = true,
                "must-revalidate" | "proxy-revalidate" => d.must_revalidate = true,
                "max-age" if d.max_age.is_none() => d.max_age = Some(seconds()),
                "s-maxage" if d.s_maxage.is_none() => d.s_maxage = Some(seconds()),
                _ => {}
            }
        }
    }
    d
}

/// The comma-separated members of a field value, commas inside quoted strings kept.
fn split_list(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut quoted = false;
    let mut start = 0;
    let mut out = Vec::new();
    for (i, &b) in v.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(&v[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&v[start..]);
    out.into_iter()
        .map(<[u8]>::trim_ascii)
        .filter(|s| !s.is_empty())
}

/// Why a response is not stored (shown in tests and `-v` logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotStored {
    Status,
    NoStore,
    Private,
    NoCache,
    SetCookie,
    VaryStar,
    /// The request carried Authorization and the response did not say it may be shared.
    Authorization,
    /// No max-age, s-maxage or Expires, and the route has no default TTL.
    NoFreshness,
    /// Already stale when it arrived (max-age=0, an Expires in the past, Age beyond it).
    Stale,
}

/// What a stored response carries: how long it is fresh, how old it already was, and whether
/// a request with Authorization may be answered with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    pub lifetime: Duration,
    /// The backend's `Age` (RFC 9111 section 4.2.3 age_value; the Date-based apparent age is
    /// not used: it would read clock skew between hosts as age, as nginx does not either).
    pub initial_age: Duration,
    pub shared_with_auth: bool,
}

/// May this response to a GET be stored, and for how long? `authorized`: the request carried
/// Authorization. `default_ttl`: the route's TTL for responses that give no freshness of their
/// own (nginx `proxy_cache_valid`; it never overrides no-store or private).
pub fn storable(
    status: u16,
    headers: &HeaderMap,
    authorized: bool,
    default_ttl: Option<Duration>,
) -> Result<Freshness, NotStored> {
    // nginx proxy_cache_valid's default set (200 301 302) narrowed to the 200 301 404.
    if !matches!(status, 200 | 301 | 404) {
        return Err(NotStored::Status);
    }
    let d = directives(headers);
    if d.no_store {
        return Err(NotStored::NoStore);
    }
    // A shared cache must not store a private response (RFC 9111 section 5.2.2.7).
    if d.private {
        return Err(NotStored::Private);
    }
    // no-cache may be stored but never served unvalidated (section 5.2.2.4); without
    // revalidation, not storing it is the same and costs no memory.
    if d.no_cache {
        return Err(NotStored::NoCache);
    }
    // nginx does not cache responses with Set-Cookie (proxy_ignore_headers), nor Varnish.
    if headers.contains_key(header::SET_COOKIE) {
        return Err(NotStored::SetCookie);
    }
    if vary_names(headers).is_none() {
        return Err(NotStored::VaryStar);
    }
    // RFC 9111 section 3.5: public, s-maxage or must-revalidate allow sharing such a response.
    let shared_with_auth = d.public || d.s_maxage.is_some() || d.must_revalidate;
    if authorized && !shared_with_auth {
        return Err(NotStored::Authorization);
    }
    let lifetime = match lifetime(&d, headers) {
        Some(l) => l,
        None => default_ttl.ok_or(NotStored::NoFreshness)?,
    };
    let initial_age = Duration::from_secs(age(headers));
    if lifetime <= initial_age {
        return Err(NotStored::Stale);
    }
    Ok(Freshness {
        lifetime,
        initial_age,
        shared_with_auth,
    })
}

/// The explicit freshness lifetime (RFC 9111 section 4.2.1): s-maxage for a shared cache,
/// then max-age, then Expires minus Date. An Expires that is not a valid date is in the past.
fn lifetime(d: &Directives, headers: &HeaderMap) -> Option<Duration> {
    if let Some(s) = d.s_maxage.or(d.max_age) {
        return Some(Duration::from_secs(s));
    }
    let expires = headers.get(header::EXPIRES)?;
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let at = expires
        .to_str()
        .ok()
        .and_then(|v| httpdate::parse_http_date(v).ok());
    Some(match (at, date) {
        (Some(at), Some(date)) => at.duration_since(date).unwrap_or_default(),
        // Without a Date the lifetime would need the local clock: too uncertain, stale.
        _ => Duration::ZERO,
    })
}

/// The backend's Age in seconds (RFC 9111 section 5.1; an invalid one reads as 0).
pub fn age(headers: &HeaderMap) -> u64 {
    headers
        .get(header::AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0)
        .min(u64::from(u32::MAX))
}

/// The request header names a response varies on, lowercased and deduplicated; None for
/// `Vary: *` (never stored: no later request can be known to match, RFC 9111 section 4.1).
pub fn vary_names(headers: &HeaderMap) -> Option<Vec<HeaderName>> {
    let mut names: Vec<HeaderName> = Vec::new();
    for line in headers.get_all(header::VARY) {
        for item in split_list(line.as_bytes()) {
            if item == b"*" {
                return None;
            }
            if let Ok(n) = HeaderName::from_bytes(item)
                && !names.contains(&n)
            {
                names.push(n);
            }
        }
    }
    Some(names)
}

/// A request's value of one Vary'd header, its field lines joined with ", " and the spaces
/// around them trimmed (RFC 9111 section 4.1 allows such normalising); None when absent.
pub fn vary_value(req: &HeaderMap, name: &HeaderName) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for v in req.get_all(name) {
        let o = out.get_or_insert_with(Vec::new);
        if !o.is_empty() {
            o.extend_from_slice(b", ");
        }
        o.extend_from_slice(v.as_bytes().trim_ascii());
    }
    out
}

/// Does the request match a stored variant (each Vary'd header's value as stored)?
pub fn vary_matches(req: &HeaderMap, stored: &[(HeaderName, Option<Vec<u8>>)]) -> bool {
    stored
        .iter()
        .all(|(n, v)| vary_value(req, n).as_deref() == v.as_deref())
}

/// Whether a request may be answered from the cache or fill it, before its key is looked
/// up: GET or HEAD (a HEAD is answered from the GET entry, RFC 9111 section 4), no Range (a
/// partial answer is not what is stored), no Upgrade (a WebSocket handshake is a tunnel), and
/// no `Cache-Control: no-store` (section 5.2.1.5).
/// Other request directives (no-cache, max-age=0) are not honoured, as nginx and Varnish do
/// not by default: a client could otherwise empty the cache's benefit for everyone.
pub fn request_cacheable(method: &http::Method, headers: &HeaderMap) -> bool {
    (method == http::Method::GET || method == http::Method::HEAD)
        && !headers.contains_key(header::RANGE)
        && !headers.contains_key(header::UPGRADE)
        && !directives(headers).no_store
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn directives_parse_case_quotes_and_first_wins() {
        let d = directives(&h(&[
            (
                "cache-control",
                "Public, MAX-AGE=60, private=\"a, no-store\"",
            ),
            ("cache-control", "max-age=5, s-maxage=\"30\""),
        ]));
        assert!(d.public && d.private && !d.no_store);
        assert_eq!((d.max_age, d.s_maxage), (Some(60), Some(30)));
        assert_eq!(
            directives(&h(&[("cache-control", "max-age=x")])).max_age,
            Some(0)
        );
        assert_eq!(
            directives(&h(&[("cache-control", "max-age=-1")])).max_age,
            Some(0)
        );
        assert_eq!(
            directives(&h(&[("cache-control", "max-age=99999999999999999999")])).max_age,
            Some(u64::from(u32::MAX))
        );
    }

    #[test]
    fn freshness_prefers_s_maxage_then_max_age_then_expires() {
        let f = |p: &[(&str, &str)]| storable(200, &h(p), false, None);
        let l = |p| f(p).map(|x| x.lifetime.as_secs());
        assert_eq!(l(&[("cache-control", "max-age=60, s-maxage=600")]), Ok(600));
        assert_eq!(l(&[("cache-control", "max-age=60")]), Ok(60));
        assert_eq!(
            l(&[
                ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("expires", "Sun, 06 Nov 1994 08:59:37 GMT")
            ]),
            Ok(600)
        );
        assert_eq!(
            l(&[("date", "Sun, 06 Nov 1994 08:49:37 GMT"), ("expires", "0")]),
            Err(NotStored::Stale)
        );
        assert_eq!(l(&[]), Err(NotStored::NoFreshness));
        assert_eq!(l(&[("cache-control", "max-age=0")]), Err(NotStored::Stale));
        // Age already beyond the lifetime: stale on arrival; below it: carried on.
        assert_eq!(
            l(&[("cache-control", "max-age=60"), ("age", "60")]),
            Err(NotStored::Stale)
        );
        let x = f(&[("cache-control", "max-age=60"), ("age", "10")]).unwrap();
        assert_eq!(x.initial_age, Duration::from_secs(10));
    }

    #[test]
    fn default_ttl_fills_in_but_never_overrides() {
        let s = |p: &[(&str, &str)]| storable(200, &h(p), false, Some(HOUR));
        assert_eq!(s(&[]).map(|f| f.lifetime), Ok(HOUR));
        assert_eq!(
            s(&[("cache-control", "max-age=5")]).map(|f| f.lifetime),
            Ok(Duration::from_secs(5))
        );
        assert_eq!(s(&[("cache-control", "no-store")]), Err(NotStored::NoStore));
        assert_eq!(s(&[("cache-control", "private")]), Err(NotStored::Private));
        assert_eq!(s(&[("cache-control", "no-cache")]), Err(NotStored::NoCache));
        assert_eq!(s(&[("set-cookie", "a=b")]), Err(NotStored::SetCookie));
        assert_eq!(s(&[("vary", "Accept, *")]), Err(NotStored::VaryStar));
        assert_eq!(
            storable(500, &h(&[]), false, Some(HOUR)),
            Err(NotStored::Status)
        );
        for code in [200, 301, 404] {
            assert!(storable(code, &h(&[]), false, Some(HOUR)).is_ok());
        }
    }

    #[test]
    fn authorization_needs_a_response_that_says_it_is_shared() {
        let s = |cc: &str| storable(200, &h(&[("cache-control", cc)]), true, None);
        assert_eq!(s("max-age=60"), Err(NotStored::Authorization));
        assert!(s("public, max-age=60").unwrap().shared_with_auth);
        assert!(s("s-maxage=60").is_ok());
        assert!(
            !storable(200, &h(&[("cache-control", "max-age=9")]), false, None)
                .unwrap()
                .shared_with_auth
        );
    }

    #[test]
    fn vary_names_values_and_matching() {
        let resp = h(&[
            ("vary", "Accept-Language, accept-language"),
            ("vary", "X-A"),
        ]);
        let names = vary_names(&resp).unwrap();
        assert_eq!(names.len(), 2);
        let req = h(&[("accept-language", " fr "), ("accept-language", "en")]);
        assert_eq!(vary_value(&req, &names[0]).as_deref(), Some(&b"fr, en"[..]));
        let stored: Vec<_> = names
            .iter()
            .map(|n| (n.clone(), vary_value(&req, n)))
            .collect();
        assert!(vary_matches(&req, &stored));
        assert!(!vary_matches(&h(&[("accept-language", "fr")]), &stored));
        // An absent header matches only an absent one.
        assert!(vary_matches(&req, &[(names[1].clone(), None)]));
        assert!(!vary_matches(
            &h(&[("x-a", "1")]),
            &[(names[1].clone(), None)]
        ));
    }

    /// Backend headers are hostile input: mutated Cache-Control, Vary, Expires and Age values
    /// never panic, and a lifetime is never shorter than the age it starts with.
    #[test]
    fn hostile_header_values_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(9111);
        let seeds: &[&[u8]] = &[
            b"max-age=60, s-maxage=\"1\", private=\"a,b\", no-cache",
            b"Accept-Encoding, *, X-A",
            b"Sun, 06 Nov 1994 08:49:37 GMT",
            b"99999999999999999999999",
        ];
        for _ in 0..20_000 {
            let mut v = seeds[rng.random_range(0..seeds.len())].to_vec();
            for _ in 0..rng.random_range(0..6) {
                let i = rng.random_range(0..=v.len());
                match rng.random_range(0..3) {
                    0 if i < v.len() => {
                        v.remove(i);
                    }
                    1 => v.insert(i, b"=,\" *09a"[rng.random_range(0..8)]),
                    _ => v.insert(i, rng.random_range(0x20..0x7f)),
                }
            }
            let Ok(value) = http::HeaderValue::from_bytes(&v) else {
                continue;
            };
            let mut m = HeaderMap::new();
            for name in ["cache-control", "vary", "expires", "age", "date"] {
                m.insert(HeaderName::from_static(name), value.clone());
            }
            let _ = directives(&m);
            let _ = vary_names(&m);
            if let Ok(f) = storable(200, &m, rng.random(), Some(HOUR)) {
                assert!(f.lifetime > f.initial_age);
            }
        }
    }

    #[test]
    fn requests_that_bypass() {
        let get = http::Method::GET;
        assert!(request_cacheable(&get, &h(&[])));
        assert!(request_cacheable(
            &http::Method::HEAD,
            &h(&[("cache-control", "no-cache")])
        ));
        assert!(!request_cacheable(&http::Method::POST, &h(&[])));
        assert!(!request_cacheable(&get, &h(&[("range", "bytes=0-1")])));
        assert!(!request_cacheable(&get, &h(&[("upgrade", "websocket")])));
        assert!(!request_cacheable(
            &get,
            &h(&[("cache-control", "no-store")])
        ));
    }
}
