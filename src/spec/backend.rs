//! The backend spec grammar shared by every subcommand:
//! `[NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto]`, IPv6
//! hosts in brackets (`[::1]:8080`). `https://` or `,tls` means the backend speaks TLS (the
//! proxy is its client); `h2c`, `h2` and `auto` say which HTTP version the proxy speaks to it.

use super::error::SpecError;
use std::fmt;

/// The grammar, as shown in messages and help.
pub const BACKEND_GRAMMAR: &str = "[NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto]";

/// The HTTP version the proxy speaks to a backend (HAProxy `proto h2`, Envoy's
/// `http2_protocol_options`; `auto` is Envoy's `auto_config`: ALPN decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UpstreamProto {
    /// HTTP/1.1 (the default).
    #[default]
    Http1,
    /// HTTP/2 with prior knowledge over plain TCP (`,h2c`).
    H2c,
    /// HTTP/2 over TLS, ALPN `h2` (`,h2`).
    H2,
    /// TLS with ALPN `h2` and `http/1.1`: the backend's choice (`,auto`).
    Auto,
}

impl UpstreamProto {
    /// The spec option (also the name shown by `explain` and the dashboard).
    pub fn name(self) -> &'static str {
        match self {
            UpstreamProto::Http1 => "http/1.1",
            UpstreamProto::H2c => "h2c",
            UpstreamProto::H2 => "h2",
            UpstreamProto::Auto => "auto",
        }
    }

    /// Whether requests to this backend may be HTTP/2 (the HTTP/1.1 fast path then leaves
    /// them to hyper).
    pub fn may_be_h2(self) -> bool {
        self != UpstreamProto::Http1
    }
}

/// Largest accepted weight (HAProxy's limit is 256, nginx has none; ours keeps sums in u64).
pub const MAX_WEIGHT: u32 = 1_000_000;

/// One backend as the user specified it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BackendSpec {
    /// The name used in output and by hash rings (defaults to `HOST:PORT` as typed).
    pub name: String,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// The address, when already known: a DNS-discovered member (proxy) is pinned to the
    /// address it was found at, while `host` keeps the name for TLS SNI and certificate checks.
    /// None from the grammar: the host is resolved.
    pub addr: Option<std::net::SocketAddr>,
    /// Relative weight; 0 means drained (no new traffic).
    pub weight: u32,
    /// Takes traffic only when no primary backend is healthy.
    pub backup: bool,
    /// Maximum concurrent requests/connections (None = unlimited).
    pub maxconn: Option<u32>,
    /// The backend speaks TLS (`https://HOST:PORT` or `,tls`; implied by `,h2` and `,auto`).
    pub tls: bool,
    /// The HTTP version spoken to it (`,h2c`, `,h2`, `,auto`; HTTP/1.1 by default).
    pub proto: UpstreamProto,
    /// `slowstart=D`: after it comes back from a failure, its weight ramps up over D (proxy).
    pub slowstart: Option<std::time::Duration>,
}

impl BackendSpec {
    /// `HOST:PORT` with IPv6 hosts bracketed, suitable for connecting.
    /// The SRV name of a `srv:NAME` backend.
    pub fn srv_name(&self) -> Option<&str> {
        self.host.strip_prefix("srv:")
    }

    pub fn address(&self) -> String {
        if self.srv_name().is_some() {
            return self.host.clone();
        }
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Parse one spec.
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        let err = |part: &str, problem: String| {
            SpecError::new("backend spec", part, problem, BACKEND_GRAMMAR)
        };
        let t = s.trim();
        if t.is_empty() {
            return Err(err(s, "it is empty".into()));
        }
        let mut parts = t.split(',');
        let head = parts.next().unwrap_or_default().trim();
        // A name is only taken before '=' when the '=' comes before any ':' or '[',
        // so that `host:port` never reads as a name.
        let (name, addr) = match head.find('=') {
            Some(eq) if !head[..eq].contains([':', '[']) => (Some(&head[..eq]), &head[eq + 1..]),
            _ => (None, head),
        };
        if let Some(n) = name {
            if n.is_empty() {
                return Err(err(t, "the name before '=' is empty".into()));
            }
            if n.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(err(n, "a name may not contain spaces".into()));
            }
        }
        // `https://` marks a TLS backend; the name (when not given) is HOST:PORT without it.
        let (addr, tls) = match addr.strip_prefix("https://") {
            Some(rest) => (rest, true),
            None if addr.contains("://") => {
                return Err(err(
                    addr,
                    "unknown scheme (only https:// is accepted; plain HOST:PORT is TCP or HTTP)"
                        .into(),
                ));
            }
            None => (addr, false),
        };
        // `srv:_http._tcp.NAME`: members, ports and weights come from SRV records (RFC 2782),
        // looked up by the proxy; the host keeps the `srv:` prefix and the port is 0.
        let (host, port) = match addr.strip_prefix("srv:") {
            Some(name) if valid_srv_name(name) => (addr.to_string(), 0),
            Some(_) => {
                return Err(err(
                    addr,
                    "expected srv:_SERVICE._PROTO.NAME, e.g. srv:_http._tcp.api.internal".into(),
                ));
            }
            None => split_host_port(addr).map_err(|p| err(addr, p))?,
        };
        let mut spec = BackendSpec {
            name: name.map(str::to_string).unwrap_or_else(|| addr.to_string()),
            host,
            port,
            addr: None,
            weight: 1,
            backup: false,
            maxconn: None,
            tls,
            proto: UpstreamProto::Http1,
            slowstart: None,
        };
        for opt in parts {
            let opt = opt.trim();
            let (key, value) = match opt.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (opt, None),
            };
            match (key, value) {
                ("weight", Some(v)) => {
                    spec.weight = match v.parse::<i64>() {
                        Ok(w) if w < 0 => {
                            return Err(err(opt, "weight may not be negative".into()));
                        }
                        Ok(w) if w > MAX_WEIGHT as i64 => {
                            return Err(err(opt, format!("weight is above {MAX_WEIGHT}")));
                        }
                        Ok(w) => w as u32,
                        Err(_) => {
                            return Err(err(opt, "weight must be a whole number".into()));
                        }
                    }
                }
                ("maxconn", Some(v)) => match v.parse::<u32>() {
                    Ok(n) if n > 0 => spec.maxconn = Some(n),
                    _ => return Err(err(opt, "maxconn must be a whole number above 0".into())),
                },
                ("backup", None) => spec.backup = true,
                ("slowstart", Some(v)) => match super::duration::parse_duration(v) {
                    Ok(d) if !d.is_zero() => spec.slowstart = Some(d),
                    _ => {
                        return Err(err(
                            opt,
                            "slowstart must be a duration above 0, e.g. 30s".into(),
                        ));
                    }
                },
                ("tls", None) => spec.tls = true,
                ("h2c", None) => spec.proto = UpstreamProto::H2c,
                ("h2", None) => spec.proto = UpstreamProto::H2,
                ("auto", None) => spec.proto = UpstreamProto::Auto,
                ("", _) => {
                    return Err(err(
                        t,
                        "there is an empty option (',,' or a trailing ',')".into(),
                    ));
                }
                _ => {
                    return Err(err(
                        opt,
                        "unknown option (known: weight=N, backup, maxconn=N, slowstart=D, tls, h2c, h2, auto)"
                            .into(),
                    ));
                }
            }
        }
        match spec.proto {
            UpstreamProto::H2c if spec.tls => {
                return Err(err(
                    t,
                    "h2c is HTTP/2 without TLS; for HTTP/2 over TLS write ,h2 instead".into(),
                ));
            }
            // ALPN happens inside TLS: both imply it.
            UpstreamProto::H2 | UpstreamProto::Auto => spec.tls = true,
            _ => {}
        }
        Ok(spec)
    }
}

impl fmt::Display for BackendSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.address())?;
        if self.weight != 1 {
            write!(f, ",weight={}", self.weight)?;
        }
        if self.backup {
            f.write_str(",backup")?;
        }
        if let Some(m) = self.maxconn {
            write!(f, ",maxconn={m}")?;
        }
        if let Some(d) = self.slowstart {
            write!(f, ",slowstart={}ms", d.as_millis())?;
        }
        match self.proto {
            UpstreamProto::Http1 if self.tls => f.write_str(",tls")?,
            UpstreamProto::Http1 => {}
            p => write!(f, ",{}", p.name())?,
        }
        Ok(())
    }
}

impl std::str::FromStr for BackendSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendSpec::parse(s)
    }
}

fn valid_srv_name(name: &str) -> bool {
    name.starts_with('_')
        && name.contains('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn split_host_port(addr: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("the IPv6 address has no closing ']'")?;
        let port = after
            .strip_prefix(':')
            .ok_or("the port is missing after ']'")?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("'{host}' is not an IPv6 address"));
        }
        (host, port)
    } else {
        let (host, port) = addr.rsplit_once(':').ok_or("the port is missing")?;
        if host.contains(':') {
            return Err("IPv6 addresses need brackets, as in [::1]:8080".into());
        }
        if host.is_empty() {
            return Err("the host is missing".into());
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(format!("'{host}' is not a valid host name"));
        }
        (host, port)
    };
    let port = match port.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => p as u16,
        Ok(_) => return Err(format!("port {port} is out of range 1-65535")),
        Err(_) => return Err(format!("port '{port}' is not a number")),
    };
    Ok((host.to_string(), port))
}

/// Parse a list file (one spec per line, `#` comments); errors name the file and line.
pub fn parse_backend_lines(text: &str, source: &str) -> Result<Vec<BackendSpec>, SpecError> {
    content_lines(text)
        .map(|(n, line)| BackendSpec::parse(line).map_err(|e| e.at(format!("{source} line {n}"))))
        .collect()
}

/// Reject two backends with the same name.
pub fn check_unique_names(specs: &[BackendSpec]) -> Result<(), SpecError> {
    let mut seen = std::collections::HashSet::new();
    for s in specs {
        if !seen.insert(s.name.as_str()) {
            return Err(SpecError::new(
                "backend list",
                s.name.clone(),
                "this name appears twice",
                "unique backend names (set one with NAME=HOST:PORT)",
            ));
        }
    }
    Ok(())
}

/// Iterate over the meaningful lines of a list file: trimmed, without blank lines and `#`
/// comments (whole-line or trailing), with their 1-based line numbers.
pub fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = match line.find('#') {
            Some(pos) => &line[..pos],
            None => line,
        }
        .trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_named() {
        let b = BackendSpec::parse("127.0.0.1:9001").unwrap();
        assert_eq!(
            (b.name.as_str(), b.host.as_str(), b.port),
            ("127.0.0.1:9001", "127.0.0.1", 9001)
        );
        assert_eq!((b.weight, b.backup, b.maxconn), (1, false, None));
        let b = BackendSpec::parse("a=localhost:80,weight=3,backup,maxconn=10").unwrap();
        assert_eq!(b.name, "a");
        assert_eq!(b.address(), "localhost:80");
        assert_eq!((b.weight, b.backup, b.maxconn), (3, true, Some(10)));
        assert_eq!(b.to_string(), "a=localhost:80,weight=3,backup,maxconn=10");
    }

    #[test]
    fn tls_backends() {
        let b = BackendSpec::parse("https://api.example.test:8443").unwrap();
        assert!(b.tls);
        assert_eq!(b.name, "api.example.test:8443");
        assert_eq!(b.address(), "api.example.test:8443");
        let b = BackendSpec::parse("a=127.0.0.1:443,weight=2,tls").unwrap();
        assert!(b.tls && b.weight == 2);
        assert_eq!(b.to_string(), "a=127.0.0.1:443,weight=2,tls");
        let b = BackendSpec::parse("a=https://[::1]:443").unwrap();
        assert!(b.tls && b.host == "::1");
        assert!(!BackendSpec::parse("127.0.0.1:80").unwrap().tls);
        for (bad, want) in [
            ("http://h:1", "unknown scheme"),
            ("https://", "port is missing"),
            ("https://h", "port is missing"),
            ("h:1,tls=yes", "unknown option"),
        ] {
            let e = BackendSpec::parse(bad).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn protocols() {
        let b = BackendSpec::parse("127.0.0.1:50051,h2c").unwrap();
        assert_eq!((b.proto, b.tls), (UpstreamProto::H2c, false));
        let b = BackendSpec::parse("g=127.0.0.1:443,h2,weight=2").unwrap();
        assert_eq!((b.proto, b.tls, b.weight), (UpstreamProto::H2, true, 2));
        let b = BackendSpec::parse("https://localhost:443,auto").unwrap();
        assert_eq!((b.proto, b.tls), (UpstreamProto::Auto, true));
        assert_eq!(
            BackendSpec::parse("127.0.0.1:80").unwrap().proto,
            UpstreamProto::Http1
        );
        for s in [
            "g=127.0.0.1:50051,h2c",
            "a=127.0.0.1:1,h2",
            "b=127.0.0.1:1,auto",
        ] {
            let b = BackendSpec::parse(s).unwrap();
            assert_eq!(BackendSpec::parse(&b.to_string()).unwrap(), b, "{s}");
        }
        let b = BackendSpec::parse("s=127.0.0.1:1,slowstart=30s").unwrap();
        assert_eq!(b.slowstart, Some(std::time::Duration::from_secs(30)));
        assert_eq!(BackendSpec::parse(&b.to_string()).unwrap(), b);
        for bad in ["127.0.0.1:1,slowstart=0s", "127.0.0.1:1,slowstart=soon"] {
            let e = BackendSpec::parse(bad).unwrap_err().to_string();
            assert!(e.contains("slowstart must be a duration"), "{e}");
        }
        let e = BackendSpec::parse("https://127.0.0.1:1,h2c")
            .unwrap_err()
            .to_string();
        assert!(e.contains("h2c is HTTP/2 without TLS"), "{e}");
        let e = BackendSpec::parse("127.0.0.1:1,http2")
            .unwrap_err()
            .to_string();
        assert!(e.contains("h2c, h2, auto"), "{e}");
    }

    #[test]
    fn ipv6() {
        let b = BackendSpec::parse("[::1]:8080,weight=0").unwrap();
        assert_eq!((b.host.as_str(), b.port, b.weight), ("::1", 8080, 0));
        assert_eq!(b.address(), "[::1]:8080");
        assert_eq!(b.name, "[::1]:8080");
        let b = BackendSpec::parse("v6=[2001:db8::1]:443").unwrap();
        assert_eq!(b.name, "v6");
    }

    #[test]
    fn malformed() {
        let cases = [
            ("", "empty"),
            ("127.0.0.1", "port is missing"),
            ("127.0.0.1:", "not a number"),
            ("127.0.0.1:0", "out of range"),
            ("127.0.0.1:70000", "out of range"),
            ("::1:80", "brackets"),
            ("[::1:80", "closing"),
            ("[::1]80", "port is missing"),
            ("[zz]:80", "not an IPv6"),
            (":80", "host is missing"),
            ("=a:1", "name before"),
            ("a b=h:1", "spaces"),
            ("h:1,weight=-1", "negative"),
            ("h:1,weight=x", "whole number"),
            ("h:1,weight=99999999", "above"),
            ("h:1,maxconn=0", "maxconn"),
            ("h:1,bogus", "unknown option"),
            ("h:1,", "empty option"),
            ("h/x:1", "valid host"),
        ];
        for (input, want) in cases {
            let e = BackendSpec::parse(input).unwrap_err().to_string();
            assert!(e.contains(want), "{input:?}: {e}");
            assert!(e.contains(BACKEND_GRAMMAR), "{input:?}: {e}");
        }
    }

    #[test]
    fn files_and_names() {
        let specs = parse_backend_lines("# pool\na=h:1\n\nb=h:2,weight=2 # heavy\n", "f").unwrap();
        assert_eq!(specs.len(), 2);
        let e = parse_backend_lines("a=h:1\nbad\n", "pool.txt").unwrap_err();
        assert!(e.to_string().starts_with("pool.txt line 2: "), "{e}");
        assert!(check_unique_names(&specs).is_ok());
        let dup = parse_backend_lines("a=h:1\na=h:2", "f").unwrap();
        assert!(
            check_unique_names(&dup)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn content_lines_skip_comments() {
        let got: Vec<_> = content_lines("# head\n\n a:1 # x\n\tb:2\n#\n").collect();
        assert_eq!(got, vec![(3, "a:1"), (4, "b:2")]);
    }
}
