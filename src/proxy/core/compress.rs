//! Response compression's rules, as pure functions (nginx `gzip`/`gzip_types`/`gzip_min_length`,
//! HAProxy `compression algo`, Caddy `encode`): what the user asked for ([`CompressSpec`], from
//! `--compress zstd,br,gzip:6` or a config route's `compress = {...}`), which coding a client
//! gets ([`negotiate`], RFC 9110 section 12.5.3), and whether a response may be compressed at
//! all ([`verdict`]). http/hyper/compress_body.rs applies the verdict and streams the codec;
//! the counters here are shown on /metrics by ops/compress_stats.rs.

use crate::spec::SpecError;
use std::sync::atomic::{AtomicU64, Ordering};

const FORM: &str = "on, or a list of zstd, br, gzip with optional :LEVEL (gzip 1-9, br 0-11, zstd 1-19), e.g. zstd,br,gzip:6";

/// A content coding the proxy can produce (RFC 9110 section 8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Zstd,
    Br,
    Gzip,
}

impl Coding {
    pub const ALL: [Coding; 3] = [Coding::Zstd, Coding::Br, Coding::Gzip];

    /// The token in Accept-Encoding and Content-Encoding.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Zstd => "zstd",
            Coding::Br => "br",
            Coding::Gzip => "gzip",
        }
    }

    /// Index into per-coding counters.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Levels: gzip 2, because zlib-rs's level 1 is zlib-ng's "quick" strategy (about 35%
    /// larger output than zlib's level 1 on a web page) and its level 2 compresses about as
    /// zlib's level 1, nginx's `gzip_comp_level` default, does (benches/compare.sh prints both
    /// sizes); brotli 4, the usual on-the-fly quality (ngx_brotli's default 6 costs about twice
    /// the CPU for a few percent); zstd 3, zstd's own default and Caddy's.
    pub fn default_level(self) -> u32 {
        match self {
            Coding::Zstd => 3,
            Coding::Br => 4,
            Coding::Gzip => 2,
        }
    }

    fn levels(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Coding::Zstd => 1..=19,
            Coding::Br => 0..=11,
            Coding::Gzip => 1..=9,
        }
    }

    fn from_token(t: &[u8]) -> Option<Coding> {
        if t.eq_ignore_ascii_case(b"zstd") {
            Some(Coding::Zstd)
        } else if t.eq_ignore_ascii_case(b"br") {
            Some(Coding::Br)
        } else if t.eq_ignore_ascii_case(b"gzip") || t.eq_ignore_ascii_case(b"x-gzip") {
            // RFC 9110 section 8.4.1.3: x-gzip is gzip.
            Some(Coding::Gzip)
        } else {
            None
        }
    }
}

/// Compressed when listed (nginx's gzip_types, widened to the issue's list).
pub const DEFAULT_TYPES: [&str; 6] = [
    "text/html",
    "text/css",
    "text/plain",
    "application/javascript",
    "application/json",
    "text/xml",
];
/// Bodies shorter than this are sent as they are: their gzip header and trailer (18 bytes)
/// and a flush would eat the gain (nginx's gzip_min_length default is 20; 256 is Caddy's and
/// Cloudflare's threshold, where compression starts to pay).
pub const DEFAULT_MIN_SIZE: u64 = 256;

/// How a route (or listener) compresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressSpec {
    /// In the server's order of preference (ties between equal q-values go to the first).
    pub algorithms: Vec<(Coding, u32)>,
    /// Lower-cased media types; `text/*` and `*` are wildcards.
    pub types: Vec<String>,
    pub min_size: u64,
}

impl Default for CompressSpec {
    fn default() -> Self {
        CompressSpec {
            algorithms: Coding::ALL
                .iter()
                .map(|c| (*c, c.default_level()))
                .collect(),
            types: DEFAULT_TYPES.iter().map(|t| t.to_string()).collect(),
            min_size: DEFAULT_MIN_SIZE,
        }
    }
}

impl CompressSpec {
    /// `--compress`'s value: `on` (or `true`, or nothing) for the defaults, else the
    /// algorithms in order, each `NAME[:LEVEL]`. `what` names the flag or field in errors.
    pub fn parse_algorithms(s: &str, what: &'static str) -> Result<Vec<(Coding, u32)>, SpecError> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("on") || t.eq_ignore_ascii_case("true") {
            return Ok(CompressSpec::default().algorithms);
        }
        let items: Vec<&str> = t.split(',').map(str::trim).collect();
        Self::algorithms_from(&items, what)
    }

    /// The algorithms from a list of `NAME[:LEVEL]` (the config file's `algorithms = [...]`).
    pub fn algorithms_from(
        items: &[&str],
        what: &'static str,
    ) -> Result<Vec<(Coding, u32)>, SpecError> {
        let bad = |part: &str, why: String| SpecError::new(what, part, why, FORM);
        let mut out: Vec<(Coding, u32)> = Vec::new();
        for item in items {
            let (name, level) = match item.split_once(':') {
                Some((n, l)) => (n.trim(), Some(l.trim())),
                None => (item.trim(), None),
            };
            let coding = Coding::from_token(name.as_bytes())
                .filter(|_| !name.eq_ignore_ascii_case("x-gzip"))
                .ok_or_else(|| bad(item, format!("unknown algorithm '{name}'")))?;
            let level = match level {
                None => coding.default_level(),
                Some(l) => l
                    .parse::<u32>()
                    .ok()
                    .filter(|n| coding.levels().contains(n))
                    .ok_or_else(|| {
                        let r = coding.levels();
                        bad(
                            item,
                            format!(
                                "level '{l}' is not a number from {} to {} for {name}",
                                r.start(),
                                r.end()
                            ),
                        )
                    })?,
            };
            if out.iter().any(|(c, _)| *c == coding) {
                return Err(bad(item, format!("{name} is listed twice")));
            }
            out.push((coding, level));
        }
        if out.is_empty() {
            return Err(bad("", "no algorithm given".into()));
        }
        Ok(out)
    }

    /// `--compress-types`'s list, or the config's `types`: media types without parameters.
    pub fn parse_types(items: &[&str], what: &'static str) -> Result<Vec<String>, SpecError> {
        const TYPES: &str = "media types such as text/html,application/json (text/* and * allowed)";
        let mut out = Vec::new();
        for t in items {
            let t = t.trim().to_ascii_lowercase();
            let ok = t == "*"
                || t.split_once('/').is_some_and(|(a, b)| {
                    let tok = |s: &str| {
                        !s.is_empty()
                            && s.bytes()
                                .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
                    };
                    tok(a) && (b == "*" || tok(b))
                });
            if !ok {
                return Err(SpecError::new(what, t, "not a media type", TYPES));
            }
            out.push(t);
        }
        if out.is_empty() {
            return Err(SpecError::new(what, "", "the list is empty", TYPES));
        }
        Ok(out)
    }

    /// One line for `proxy explain`: `zstd:3,br:4,gzip:2 for text/html,... from 256 bytes`.
    pub fn describe(&self) -> String {
        let algs: Vec<String> = self
            .algorithms
            .iter()
            .map(|(c, l)| format!("{}:{l}", c.name()))
            .collect();
        format!(
            "{} for {} from {} bytes",
            algs.join(","),
            self.types.join(","),
            self.min_size
        )
    }

    /// Whether a Content-Type is listed (the media type, parameters ignored, case-insensitive).
    pub fn type_listed(&self, content_type: &[u8]) -> bool {
        let media = content_type
            .split(|&c| c == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        if media.is_empty() {
            return false;
        }
        self.types.iter().any(|t| {
            let t = t.as_bytes();
            if t == b"*" {
                return true;
            }
            match t.strip_suffix(b"/*") {
                Some(top) => {
                    media.len() > top.len()
                        && media[top.len()] == b'/'
                        && media[..top.len()].eq_ignore_ascii_case(top)
                }
                None => media.eq_ignore_ascii_case(t),
            }
        })
    }
}

/// One Accept-Encoding entry's weight in thousandths (RFC 9110 section 12.4.2: `q` is 0 to 1
/// with up to three decimals). A malformed weight counts as 0: refusing a coding the client
/// may not have meant to accept is the safe reading.
fn weight(params: &[u8]) -> u16 {
    let mut q = 1000;
    for p in params.split(|&c| c == b';') {
        let p = p.trim_ascii();
        let Some(eq) = p.iter().position(|&c| c == b'=') else {
            continue;
        };
        let (name, value) = (p[..eq].trim_ascii(), p[eq + 1..].trim_ascii());
        if !name.eq_ignore_ascii_case(b"q") {
            continue;
        }
        q = parse_q(value).unwrap_or(0);
    }
    q
}

fn parse_q(v: &[u8]) -> Option<u16> {
    let (int, frac) = match v.iter().position(|&c| c == b'.') {
        Some(dot) => (&v[..dot], &v[dot + 1..]),
        None => (v, &b""[..]),
    };
    if int.len() != 1 || frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u16 = match int[0] {
        b'0' => 0,
        b'1' => 1000,
        _ => return None,
    };
    let mut scale = 100;
    for d in frac {
        n += u16::from(d - b'0') * scale;
        scale /= 10;
    }
    (n <= 1000).then_some(n)
}

/// The coding to answer with, given the Accept-Encoding value(s) and the server's algorithms in
/// preference order (RFC 9110 section 12.5.3): the highest q wins, ties go to the server's
/// order; q=0 refuses; `*` covers codings not named; an `identity` weighted above every offered
/// coding means the client prefers the body as it is. None: send it uncompressed.
pub fn negotiate(accept: &[u8], offered: &[(Coding, u32)]) -> Option<Coding> {
    // Weights by coding index, and for `*` and identity; None: not mentioned.
    let mut named: [Option<u16>; 3] = [None; 3];
    let mut star = None;
    let mut identity = None;
    for entry in accept.split(|&c| c == b',') {
        let entry = entry.trim_ascii();
        let (token, params) = match entry.iter().position(|&c| c == b';') {
            Some(i) => (entry[..i].trim_ascii(), &entry[i + 1..]),
            None => (entry, &b""[..]),
        };
        if token.is_empty() {
            continue;
        }
        let q = weight(params);
        // A coding named twice keeps its lowest weight (the cautious reading).
        let keep = |slot: &mut Option<u16>| *slot = Some(slot.map_or(q, |old| old.min(q)));
        if token == b"*" {
            keep(&mut star);
        } else if token.eq_ignore_ascii_case(b"identity") {
            keep(&mut identity);
        } else if let Some(c) = Coding::from_token(token) {
            keep(&mut named[c.index()]);
        }
    }
    let mut best: Option<(Coding, u16)> = None;
    for (c, _) in offered {
        let q = named[c.index()].or(star).unwrap_or(0);
        if q > 0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((*c, q));
        }
    }
    let (coding, q) = best?;
    match identity {
        Some(i) if i > q => None,
        _ => Some(coding),
    }
}

/// What the proxy does with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not a compressible response: untouched.
    Skip,
    /// Compressible, but this client gets it as it is: only `Vary: Accept-Encoding`, so a
    /// cache in front keeps the variants apart.
    VaryOnly,
    /// Compress with this coding at this level.
    Compress(Coding, u32),
}

/// The request's side of the decision, read before the request is consumed.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts {
    pub head: bool,
    /// gRPC, an Upgrade, or HTTP/1.0 (nginx gzip_http_version 1.1: a 1.0 client would lose
    /// its keep-alive to a body of unknown length): never compressed, not even varied.
    pub never: bool,
}

/// The response's side: status, headers of interest, and the body's length when known.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseFacts<'a> {
    pub status: u16,
    pub content_type: Option<&'a [u8]>,
    pub content_encoding: bool,
    pub content_range: bool,
    /// `Cache-Control: no-transform` (RFC 9110 section 7.7: an intermediary must not change
    /// the content).
    pub no_transform: bool,
    /// The length when known (Content-Length, or an exact body size); None: unknown (chunked),
    /// which is compressed, as nginx does.
    pub length: Option<u64>,
}

/// Whether and how to compress one response for one request under `spec`.
pub fn verdict(
    spec: &CompressSpec,
    req: RequestFacts,
    resp: ResponseFacts<'_>,
    accept: Option<&[u8]>,
) -> Verdict {
    // 1xx, 204 and 304 have no content; 206 and Content-Range are byte ranges of the
    // unencoded representation (RFC 9110 sections 15.3.5, 15.4.5, 14.4).
    let no_content = resp.status < 200 || resp.status == 204 || resp.status == 304;
    if req.never
        || no_content
        || resp.status == 206
        || resp.content_range
        || resp.content_encoding
        || resp.no_transform
        || !resp.content_type.is_some_and(|t| spec.type_listed(t))
        || resp.length.is_some_and(|n| n < spec.min_size)
    {
        return Verdict::Skip;
    }
    match accept.and_then(|a| negotiate(a, &spec.algorithms)) {
        Some(c) => {
            let level = spec
                .algorithms
                .iter()
                .find(|(x, _)| *x == c)
                .map_or(c.default_level(), |(_, l)| *l);
            Verdict::Compress(c, level)
        }
        None => Verdict::VaryOnly,
    }
}

/// A strong ETag made weak (`"x"` -> `W/"x"`): the compressed bytes differ from the
/// identity ones, so they may not share a strong validator (RFC 9110 section 8.8.1). None
/// when it is already weak or not an entity-tag.
pub fn weaken_etag(etag: &[u8]) -> Option<Vec<u8>> {
    let t = etag.trim_ascii();
    if t.len() < 2 || t[0] != b'"' || t[t.len() - 1] != b'"' {
        return None;
    }
    let mut w = Vec::with_capacity(t.len() + 2);
    w.extend_from_slice(b"W/");
    w.extend_from_slice(t);
    Some(w)
}

/// Whether a Vary value already covers Accept-Encoding (or everything).
pub fn varies_on_encoding(vary: &[u8]) -> bool {
    vary.split(|&c| c == b',').any(|t| {
        let t = t.trim_ascii();
        t == b"*" || t.eq_ignore_ascii_case(b"accept-encoding")
    })
}

/// A listener's compression counters (ops/compress_stats.rs shows them).
#[derive(Debug, Default)]
pub struct CompressCounters {
    /// Responses compressed, by [`Coding::index`].
    pub responses: [AtomicU64; 3],
    /// Body bytes before and after the codec.
    pub in_bytes: AtomicU64,
    pub out_bytes: AtomicU64,
}

impl CompressCounters {
    pub fn add_bytes(&self, into: u64, out: u64) {
        self.in_bytes.fetch_add(into, Ordering::Relaxed);
        self.out_bytes.fetch_add(out, Ordering::Relaxed);
    }
}

#[cfg(test)]
#[path = "compress_tests.rs"]
mod tests;
