//! Check targets: `tcp://host:port`, `http://host[:port]/path`, `https://...`, a bare
//! `host:port` meaning TCP, `grpc://host:port[/SERVICE]` / `grpcs://...` (the
//! grpc.health.v1 health check of SERVICE, the whole server when absent),
//! `ws://host[:port]/path` / `wss://...` (a WebSocket upgrade) and `icmp://HOST[?count=N]`
//! (echo requests). Also the target-line form used by `probe` files and stdin, a target
//! followed by its own assertions (`https://a/health status=200 json=.status==UP`), and the
//! escape syntax of `--send`/`--expect` bytes.

use super::target_parts::{dns_parts, icmp_parts, service_char, split_host_port};
use crate::spec::SpecError;
use std::fmt;

const TARGET_EXPECTED: &str = "tcp://HOST:PORT, HOST:PORT, http://HOST[:PORT][/PATH], \
     https://HOST[:PORT][/PATH], grpc://HOST:PORT[/SERVICE], grpcs://HOST[:PORT][/SERVICE], \
     dns://[RESOLVER[:PORT]]/NAME[?type=A], ws://HOST[:PORT][/PATH], wss://HOST[:PORT][/PATH] or \
     icmp://HOST[?count=N&payload_size=N&ttl=N&dont_fragment=true&preferred_ip_protocol=ip4|ip6]";

/// How a target is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Tcp,
    Http,
    Https,
    /// grpc.health.v1 over h2c (HTTP/2 prior knowledge).
    Grpc,
    /// grpc.health.v1 over TLS with ALPN h2.
    Grpcs,
    /// One DNS query to one server (UDP, TCP after truncation).
    Dns,
    /// A WebSocket opening handshake (RFC 6455) over plain TCP.
    Ws,
    /// A WebSocket opening handshake over TLS (ALPN http/1.1).
    Wss,
    /// ICMP echo requests over an unprivileged ping socket (no port).
    Icmp,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Tcp => "tcp",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Grpc => "grpc",
            Scheme::Grpcs => "grpcs",
            Scheme::Dns => "dns",
            Scheme::Ws => "ws",
            Scheme::Wss => "wss",
            Scheme::Icmp => "icmp",
        }
    }

    /// A scheme that makes a TLS handshake (https, grpcs, wss).
    pub fn is_tls(self) -> bool {
        matches!(self, Scheme::Https | Scheme::Grpcs | Scheme::Wss)
    }

    /// A WebSocket check (ws, wss).
    pub fn is_ws(self) -> bool {
        matches!(self, Scheme::Ws | Scheme::Wss)
    }

    /// A gRPC health check (grpc, grpcs).
    pub fn is_grpc(self) -> bool {
        matches!(self, Scheme::Grpc | Scheme::Grpcs)
    }
}

/// A parsed check target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Path and query for HTTP(S), `/` when absent; empty for TCP; for gRPC `/SERVICE`, or
    /// empty for the whole server (see [`Target::grpc_service`]).
    pub path: String,
}

impl Target {
    /// Parse a target as typed by a user.
    pub fn parse(s: &str) -> Result<Target, SpecError> {
        let t = s.trim();
        let err = |p: &str| SpecError::new("target", s, p, TARGET_EXPECTED);
        if t.is_empty() {
            return Err(err("it is empty"));
        }
        let (scheme, rest) = match t.split_once("://") {
            Some((sch, rest)) => match sch.to_ascii_lowercase().as_str() {
                "tcp" => (Scheme::Tcp, rest),
                "http" => (Scheme::Http, rest),
                "https" => (Scheme::Https, rest),
                "grpc" => (Scheme::Grpc, rest),
                "grpcs" => (Scheme::Grpcs, rest),
                "dns" => (Scheme::Dns, rest),
                "ws" => (Scheme::Ws, rest),
                "wss" => (Scheme::Wss, rest),
                "icmp" => (Scheme::Icmp, rest),
                _ => return Err(err(&format!("unknown scheme '{sch}'"))),
            },
            None => (Scheme::Tcp, t),
        };
        // Their URLs are their own (no port for ICMP, a name to look up for DNS).
        let own = match scheme {
            Scheme::Dns => Some(dns_parts(rest)),
            Scheme::Icmp => Some(icmp_parts(rest)),
            _ => None,
        };
        if let Some(parts) = own {
            let (host, port, path) = parts.map_err(|p| err(&p))?;
            return Ok(Target {
                scheme,
                host,
                port,
                path,
            });
        }
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if scheme == Scheme::Tcp && !path.is_empty() {
            return Err(err("a TCP target has no path"));
        }
        if authority.contains('@') {
            return Err(err("user info (user@host) is not supported"));
        }
        let (host, port) = split_host_port(authority).map_err(|p| err(&p))?;
        let port = match (port, scheme) {
            (Some(p), _) => p,
            (None, Scheme::Http | Scheme::Ws) => 80,
            (None, Scheme::Https | Scheme::Grpcs | Scheme::Wss) => 443,
            (None, Scheme::Dns) => 53,
            // gRPC has no well-known port of its own; ICMP has none at all (parsed above).
            (None, Scheme::Tcp | Scheme::Grpc | Scheme::Icmp) => {
                return Err(err("the port is missing"));
            }
        };
        if port == 0 {
            return Err(err("port 0 cannot be probed"));
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err("the path contains spaces or control characters"));
        }
        if scheme.is_grpc() {
            let service = path.strip_prefix('/').unwrap_or(path);
            if path.starts_with('?') || !service.chars().all(service_char) {
                return Err(err(
                    "a gRPC service name has only letters, digits, '.', '_' and '-' (e.g. /lbctl.test.v1.Echo)",
                ));
            }
            return Ok(Target {
                scheme,
                host,
                port,
                path: if service.is_empty() {
                    String::new()
                } else {
                    format!("/{service}")
                },
            });
        }
        let path = match (scheme, path) {
            (Scheme::Tcp | Scheme::Grpc | Scheme::Grpcs, _) => String::new(),
            (_, "") => "/".to_string(),
            (_, p) if p.starts_with('?') => format!("/{p}"),
            (_, p) => p.to_string(),
        };
        if let Some(i) = path.find('#') {
            return Target::parse(&format!("{}://{authority}{}", scheme.as_str(), &path[..i]));
        }
        Ok(Target {
            scheme,
            host,
            port,
            path,
        })
    }

    /// A TCP target for an address (what `proxy` checks for L4 backends).
    pub fn tcp(addr: std::net::SocketAddr) -> Target {
        Target {
            scheme: Scheme::Tcp,
            host: addr.ip().to_string(),
            port: addr.port(),
            path: String::new(),
        }
    }

    /// An HTTP target for an address and path (what `proxy` checks for L7 backends).
    pub fn http(addr: std::net::SocketAddr, path: &str) -> Target {
        Target {
            scheme: Scheme::Http,
            host: addr.ip().to_string(),
            port: addr.port(),
            path: if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            },
        }
    }

    /// A gRPC health-check target for an address (what `proxy --check grpc` checks);
    /// `service` "" asks about the whole server.
    pub fn grpc(addr: std::net::SocketAddr, service: &str) -> Target {
        Target {
            scheme: Scheme::Grpc,
            host: addr.ip().to_string(),
            port: addr.port(),
            path: if service.is_empty() {
                String::new()
            } else {
                format!("/{service}")
            },
        }
    }

    /// The service a gRPC target asks about ("" for the whole server).
    pub fn grpc_service(&self) -> &str {
        self.path.strip_prefix('/').unwrap_or(&self.path)
    }

    /// `host:port` with IPv6 in brackets (the HTTP/1.1 Host header form, port always shown).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The Host header value: the port is left out when it is the scheme's default.
    pub fn host_header(&self) -> String {
        let default = matches!(
            (self.scheme, self.port),
            (Scheme::Http | Scheme::Ws, 80) | (Scheme::Https | Scheme::Wss, 443)
        );
        if !default {
            self.authority()
        } else if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }

    /// Resolve a redirect `Location` against this target.
    pub fn join(&self, location: &str) -> Result<Target, SpecError> {
        let loc = location.trim();
        if loc.contains("://") {
            return Target::parse(loc);
        }
        if let Some(rest) = loc.strip_prefix("//") {
            return Target::parse(&format!("{}://{rest}", self.scheme.as_str()));
        }
        let path = if loc.starts_with('/') {
            loc.to_string()
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{loc}")
        };
        Target::parse(&format!(
            "{}://{}{}",
            self.scheme.as_str(),
            self.authority(),
            path
        ))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scheme {
            Scheme::Tcp => write!(f, "tcp://{}", self.authority()),
            Scheme::Dns if self.host.is_empty() => write!(f, "dns://{}", self.path),
            Scheme::Dns => write!(f, "dns://{}{}", self.authority(), self.path),
            Scheme::Icmp if self.host.contains(':') => {
                write!(f, "icmp://[{}]{}", self.host, self.path)
            }
            Scheme::Icmp => write!(f, "icmp://{}{}", self.host, self.path),
            s => write!(f, "{}://{}{}", s.as_str(), self.host_header(), self.path),
        }
    }
}

/// Split a target line into words, honouring single and double quotes (no escapes), so an
/// assertion may contain spaces: `json='.status == "UP"'`.
pub fn split_words(line: &str) -> Result<Vec<String>, SpecError> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(SpecError::new(
            "target line",
            line,
            "a quote is not closed",
            "TARGET [KEY=VALUE ...] with values quoted when they contain spaces",
        ));
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Turn `\r \n \t \\ \0 \xNN` escapes into bytes (for `--send` and `--expect`).
pub fn unescape(s: &str) -> Result<Vec<u8>, SpecError> {
    let err = |p: &str| {
        SpecError::new(
            "byte string",
            s,
            p,
            "text with escapes \\r \\n \\t \\\\ \\0 \\xNN",
        )
    };
    let mut out = Vec::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let Some(&c) = b.get(i + 1) else {
            return Err(err("it ends with a lone '\\'"));
        };
        i += 2;
        match c {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'0' => out.push(0),
            b'\\' => out.push(b'\\'),
            b'x' => {
                let hex = s
                    .get(i..i + 2)
                    .ok_or_else(|| err("\\x needs two hex digits"))?;
                let v = u8::from_str_radix(hex, 16).map_err(|_| err("\\x needs two hex digits"))?;
                out.push(v);
                i += 2;
            }
            _ => return Err(err(&format!("unknown escape '\\{}'", c as char))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        let t = Target::parse("http://127.0.0.1:8080/health?x=1").unwrap();
        assert_eq!(
            (t.scheme, t.host.as_str(), t.port),
            (Scheme::Http, "127.0.0.1", 8080)
        );
        assert_eq!(t.path, "/health?x=1");
        let t = Target::parse("https://example.com").unwrap();
        assert_eq!((t.port, t.path.as_str()), (443, "/"));
        assert_eq!(t.to_string(), "https://example.com/");
        let t = Target::parse("db:5432").unwrap();
        assert_eq!((t.scheme, t.port), (Scheme::Tcp, 5432));
        assert_eq!(t.to_string(), "tcp://db:5432");
        let t = Target::parse("tcp://[::1]:22").unwrap();
        assert_eq!(
            (t.host.as_str(), t.authority()),
            ("::1", "[::1]:22".to_string())
        );
        let t = Target::parse("HTTP://[::1]/x#frag").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/x"));
        let t = Target::parse("http://h:81?q").unwrap();
        assert_eq!(t.path, "/?q");
        let t = Target::parse("grpc://127.0.0.1:50051/lbctl.test.v1.Echo").unwrap();
        assert_eq!((t.scheme, t.port), (Scheme::Grpc, 50051));
        assert_eq!(t.grpc_service(), "lbctl.test.v1.Echo");
        assert_eq!(t.to_string(), "grpc://127.0.0.1:50051/lbctl.test.v1.Echo");
        let t = Target::parse("GRPCS://example.com").unwrap();
        assert_eq!(
            (t.scheme, t.port, t.grpc_service()),
            (Scheme::Grpcs, 443, "")
        );
        assert_eq!(t.to_string(), "grpcs://example.com:443");
        let t = Target::parse("grpc://h:1/").unwrap();
        assert_eq!(t.to_string(), "grpc://h:1");
        let t = Target::parse("WS://h/chat?room=1").unwrap();
        assert_eq!(
            (t.scheme, t.port, t.path.as_str()),
            (Scheme::Ws, 80, "/chat?room=1")
        );
        assert_eq!(t.to_string(), "ws://h/chat?room=1");
        let t = Target::parse("wss://[::1]:8443").unwrap();
        assert_eq!(
            (t.scheme, t.port, t.path.as_str()),
            (Scheme::Wss, 8443, "/")
        );
        assert!(t.scheme.is_tls() && t.scheme.is_ws());
        assert_eq!(Target::parse("wss://h").unwrap().to_string(), "wss://h/");
        let t = Target::parse("icmp://10.0.0.1?count=3").unwrap();
        assert_eq!(
            (t.scheme, t.host.as_str(), t.port),
            (Scheme::Icmp, "10.0.0.1", 0)
        );
        assert_eq!(t.to_string(), "icmp://10.0.0.1?count=3");
        assert_eq!(
            Target::parse("icmp://[::1]/").unwrap().to_string(),
            "icmp://[::1]"
        );
        assert_eq!(Target::parse("icmp://gw.lan").unwrap().path, "");
        let t = Target::parse("icmp://[::1]/?ttl=3&preferred_ip_protocol=ip6").unwrap();
        assert_eq!(
            t.to_string(),
            "icmp://[::1]?ttl=3&preferred_ip_protocol=ip6"
        );
        let addr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(Target::grpc(addr, "").to_string(), "grpc://127.0.0.1:9");
        assert_eq!(Target::grpc(addr, "a.B").grpc_service(), "a.B");
    }

    #[test]
    fn rejects_bad_targets() {
        for bad in [
            "",
            "localhost",
            "tcp://host",
            "ftp://x:1",
            "http://:80/",
            "http://h:99999/",
            "http://h:0/",
            "h:abc",
            "::1:80",
            "tcp://h:1/path",
            "http://u@h/",
            "http://[::1/",
            "http://[zz]:1/",
            "http://h h/",
            "http://h/a b",
            "http://hé:80/",
            "tcp://[é]:1",
            "é:1",
            "http://h:８０/",
            "grpc://h/",
            "grpc://h:1/a/b",
            "grpc://h:1/a?b",
            "grpc://h:1?x",
            "grpc://h:1/a b",
            "grpcs://h/é",
            "ws://h:0/",
            "wss://h h/",
            "icmp://",
            "icmp://h:7",
            "icmp://h/path",
            "icmp://h?count=0",
            "icmp://h?ttl=0",
            "icmp://h?size=3",
            "icmp://h?payload_size=99999",
            "icmp://::1",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn joins_redirects() {
        let t = Target::parse("http://h:8080/a/b?q=1").unwrap();
        assert_eq!(t.join("/x").unwrap().to_string(), "http://h:8080/x");
        assert_eq!(t.join("c").unwrap().to_string(), "http://h:8080/a/c");
        assert_eq!(t.join("https://o/").unwrap().to_string(), "https://o/");
        assert_eq!(t.join("//o:9/p").unwrap().to_string(), "http://o:9/p");
    }

    #[test]
    fn words_and_escapes() {
        let w = split_words(r#"https://a/h status=200 json='.s == "UP"' "x y""#).unwrap();
        assert_eq!(
            w,
            vec!["https://a/h", "status=200", r#"json=.s == "UP""#, "x y"]
        );
        assert!(split_words("a 'b").is_err());
        assert_eq!(unescape(r"PING\r\n\x00\\").unwrap(), b"PING\r\n\0\\");
        for bad in [r"a\", r"\q", r"\x1", r"\xzz", "\\é", "\\xé", "\\x1é"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod no_panic {
    //! Random input for every check parser: an error is fine, a panic is not (a cheap stand-in
    //! for cargo-fuzz on this box).
    use super::*;
    use crate::check::{Conditions, HeaderCond, JsonCond, StatusRanges};
    use rand::{Rng, SeedableRng};

    #[test]
    fn parsers_never_panic() {
        const ALPHABET: &[&str] = &[
            ".", "[", "]", "\"", "'", "=", "!", "<", ">", ":", "/", "\\", "x", "0", "9", "-", ",",
            " ", "é", "８", "\u{0}", "\n", "exists", "http://", "tcp://", "[::1]", "a", "?", "#",
            "@", "%", "UP",
        ];
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let n = rng.random_range(0..12);
            let s: String = (0..n)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
                .collect();
            let _ = Target::parse(&s);
            let _ = Target::parse(&format!("icmp://h?{s}"));
            let _ = crate::check::icmp_data::IcmpQuery::parse(&s);
            let _ = split_words(&s);
            let _ = unescape(&s);
            let _ = JsonCond::parse(&s).map(|c| c.eval(&serde_json::json!({"a": [1, "x"]})));
            let _ = StatusRanges::parse(&s);
            let _ = HeaderCond::parse(&s);
            let _ = Conditions::default().apply(&s);
            if let Ok(t) = Target::parse("http://h/a/b") {
                let _ = t.join(&s);
            }
        }
    }
}
