//! What `lbctl load` sends and where: target URLs (resolved once, before the clock starts),
//! the prebuilt request parts every request is cloned from (method, URI, headers, body: all
//! cheap reference-counted clones on the hot path), and the rustls client configuration.

use crate::exit::Failure;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::Full;
use rustls::pki_types::ServerName;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;

/// One target URL, resolved.
#[derive(Debug, Clone)]
pub struct Target {
    /// As the user wrote it.
    pub url: String,
    pub addr: SocketAddr,
    pub tls: bool,
    /// `h2c://` asks for cleartext HTTP/2 with prior knowledge.
    pub h2c: bool,
    pub server_name: ServerName<'static>,
    /// Path and query (the HTTP/1.1 request target).
    pub path: Uri,
    /// Absolute URI (HTTP/2 needs :scheme and :authority).
    pub absolute: Uri,
    /// `Host` header for HTTP/1.1.
    pub host: HeaderValue,
}

/// Parse and resolve a target URL. Errors are bad input (exit 2).
pub fn parse_target(url: &str) -> anyhow::Result<Target> {
    let (mut target, host, port) = parse_url(url)?;
    target.addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| Failure::runtime(format!("cannot resolve '{host}': {e}")))?
        .next()
        .ok_or_else(|| Failure::runtime(format!("'{host}' has no address")))?;
    Ok(target)
}

/// Parse a target URL without resolving it: the target (its address unspecified), its bare
/// host and its port. Targets files resolve each origin once, not each line.
pub fn parse_url(url: &str) -> anyhow::Result<(Target, String, u16)> {
    let bad = |why: &str| {
        Failure::usage(format!(
            "invalid URL '{url}': {why}; expected http://HOST[:PORT]/PATH, https://... or h2c://..."
        ))
    };
    let uri: Uri = url.trim().parse().map_err(|_| bad("it does not parse"))?;
    let (tls, h2c, default_port) = match uri.scheme_str() {
        Some("http") => (false, false, 80),
        Some("https") => (true, false, 443),
        Some("h2c") => (false, true, 80),
        Some(other) => return Err(bad(&format!("unsupported scheme '{other}'"))),
        None => return Err(bad("the scheme is missing")),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| bad("the host is missing"))?
        .clone();
    if authority.as_str().contains('@') {
        return Err(bad(
            "credentials in the URL are not supported (use -H Authorization)",
        ));
    }
    let host = authority.host();
    // The text after the host, not `authority.port()`, which hides an out-of-range port.
    let port_text = authority.as_str()[host.len()..].strip_prefix(':');
    let port = match port_text {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is not in 1..65535"))?,
        None => default_port,
    };
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let addr = SocketAddr::from(([0, 0, 0, 0], 0));
    let server_name = ServerName::try_from(bare_host.to_string())
        .map_err(|_| bad("the host is not a valid TLS server name"))?;
    let pq = uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| !p.is_empty())
        .unwrap_or("/");
    let path: Uri = pq.parse().map_err(|_| bad("the path does not parse"))?;
    let scheme = if tls { "https" } else { "http" };
    let absolute: Uri = format!("{scheme}://{authority}{pq}")
        .parse()
        .map_err(|_| bad("it does not parse"))?;
    let host = HeaderValue::from_str(authority.as_str()).map_err(|_| bad("bad host"))?;
    let target = Target {
        url: url.trim().to_string(),
        addr,
        tls,
        h2c,
        server_name,
        path,
        absolute,
        host,
    };
    Ok((target, bare_host.to_string(), port))
}

/// Targets from `--urls-file`: one URL per line, `#` comments.
pub fn parse_urls_file(path: &Path) -> anyhow::Result<Vec<Target>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read --urls-file {}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (line, url) in crate::spec::content_lines(&text) {
        let t = parse_target(url)
            .map_err(|e| Failure::usage(format!("{} line {line}: {e:#}", path.display())))?;
        out.push(t);
    }
    if out.is_empty() {
        return Err(Failure::usage(format!(
            "--urls-file {} has no URLs; expected one URL per line",
            path.display()
        )));
    }
    Ok(out)
}

/// The parts every request is built from.
#[derive(Debug, Clone)]
pub struct Template {
    pub method: Method,
    /// User headers (HTTP/2 form: no Connection header).
    pub headers: HeaderMap,
    pub body: Bytes,
    pub close: bool,
    /// HTTP/1.1 headers per target, from [`Template::prepare`].
    pub per_target: Vec<HeaderMap>,
    /// The whole HTTP/1.1 request per target, serialised once by [`Template::prepare`] for
    /// the cleartext hot path ([`super::h1`]).
    pub wire: Vec<Bytes>,
}

/// Parse `-H 'Name: value'`.
pub fn parse_header(s: &str) -> anyhow::Result<(HeaderName, HeaderValue)> {
    let bad = |why: &str| {
        Failure::usage(format!(
            "invalid header '{s}': {why}; expected 'Name: value'"
        ))
    };
    let (name, value) = s.split_once(':').ok_or_else(|| bad("there is no ':'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| bad("the name is not a valid header name"))?;
    let value =
        HeaderValue::from_str(value.trim()).map_err(|_| bad("the value has invalid characters"))?;
    Ok((name, value))
}

impl Template {
    pub fn new(
        method: &str,
        headers: &[String],
        body: Bytes,
        close: bool,
    ) -> anyhow::Result<Template> {
        let method = Method::from_bytes(method.as_bytes()).map_err(|_| {
            Failure::usage(format!(
                "invalid method '{method}'; expected a token such as GET, POST or PUT"
            ))
        })?;
        let mut map = HeaderMap::new();
        for h in headers {
            let (k, v) = parse_header(h)?;
            map.append(k, v);
        }
        if close {
            map.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        Ok(Template {
            method,
            headers: map,
            body,
            close,
            per_target: Vec::new(),
            wire: Vec::new(),
        })
    }

    /// Prebuild the headers for each target (`Host` included for HTTP/1.1), so that a
    /// request costs one header-map clone and nothing else.
    pub fn prepare(&mut self, targets: &[Target]) {
        self.per_target = targets
            .iter()
            .map(|t| {
                let mut h1 = self.headers.clone();
                if !h1.contains_key(http::header::HOST) {
                    h1.insert(http::header::HOST, t.host.clone());
                }
                h1
            })
            .collect();
        // User-given framing headers are left to hyper, which reconciles them with the body.
        let own_framing = self.headers.contains_key(http::header::TRANSFER_ENCODING)
            || self.headers.contains_key(http::header::CONTENT_LENGTH);
        self.wire = if own_framing {
            Vec::new()
        } else {
            targets
                .iter()
                .zip(&self.per_target)
                .map(|(t, h)| self.serialise(t, h))
                .collect()
        };
        self.headers.remove(http::header::CONNECTION);
    }

    /// This template's request to `target` as bytes ([`wire_request`]).
    fn serialise(&self, target: &Target, headers: &HeaderMap) -> Bytes {
        wire_request(&self.method, &target.path, headers, &self.body)
    }

    /// Build one request for target number `t` (HTTP/1.1 origin form with Host, or HTTP/2
    /// absolute form). [`Template::prepare`] must have seen the targets.
    #[inline]
    pub fn request(&self, t: usize, target: &Target, h2: bool) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        if h2 {
            *req.uri_mut() = target.absolute.clone();
            *req.version_mut() = http::Version::HTTP_2;
            *req.headers_mut() = self.headers.clone();
        } else {
            *req.uri_mut() = target.path.clone();
            match self.per_target.get(t) {
                Some(h) => *req.headers_mut() = h.clone(),
                None => {
                    let mut h = self.headers.clone();
                    h.insert(http::header::HOST, target.host.clone());
                    *req.headers_mut() = h;
                }
            }
        }
        req
    }
}

/// One HTTP/1.1 request as bytes, as hyper would write it: request line, the headers in map
/// order with lowercase names, `content-length` for a non-empty body.
pub fn wire_request(method: &Method, path: &Uri, headers: &HeaderMap, body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.to_string().as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Bytes::from(out)
}

/// The rustls client configuration for https targets, from the shared [`crate::tls`] core.
/// A bad `--cacert` is bad input (exit 2).
pub fn tls_config(
    insecure: bool,
    cacert: Option<&Path>,
    identity: Option<crate::tls::ClientIdentity>,
    http2: bool,
) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let alpn = if http2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    };
    let opts = crate::tls::ClientTls {
        cacert: cacert.map(Path::to_path_buf),
        insecure,
        alpn: vec![alpn],
        identity,
    };
    crate::tls::client_config(&opts).map_err(|e| match (&e, cacert) {
        (crate::tls::TlsError::Identity(_), _) => Failure::usage(format!("--cert/--key: {e}")),
        (_, Some(p)) => Failure::usage(format!("--cacert {}: {e}", p.display())),
        (_, None) => Failure::runtime(format!("TLS setup: {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("http://127.0.0.1:8080/a?b=1").unwrap();
        assert_eq!(t.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(t.path, "/a?b=1");
        assert_eq!(t.host, "127.0.0.1:8080");
        assert!(!t.tls);
        let t = parse_target("https://127.0.0.1").unwrap();
        assert_eq!(t.addr.port(), 443);
        assert_eq!(t.path, "/");
        assert!(t.tls);
        let t = parse_target("h2c://[::1]:81/x").unwrap();
        assert!(t.h2c && !t.tls);
        assert_eq!(t.absolute, "http://[::1]:81/x");
        for bad in [
            "",
            "127.0.0.1:80",
            "ftp://127.0.0.1/",
            "http://",
            "http://u:p@127.0.0.1/",
            "http://127.0.0.1:99999/",
        ] {
            let e = parse_target(bad).unwrap_err();
            assert_eq!(
                crate::exit::code_of(&e),
                crate::exit::ExitCode::Usage,
                "{bad}: {e}"
            );
            assert!(e.to_string().contains("invalid URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn headers_and_template() {
        let (k, v) = parse_header("X-Test:  a b ").unwrap();
        assert_eq!((k.as_str(), v.to_str().unwrap()), ("x-test", "a b"));
        for bad in ["nocolon", "bad name: x", ": x", "X: a\u{7f}"] {
            let e = parse_header(bad).unwrap_err();
            assert!(
                e.to_string().contains("expected 'Name: value'"),
                "{bad}: {e}"
            );
        }
        assert!(Template::new("GE T", &[], Bytes::new(), false).is_err());
        let mut t =
            Template::new("POST", &["A: 1".into()], Bytes::from_static(b"x"), true).unwrap();
        let target = parse_target("http://127.0.0.1:1/p").unwrap();
        t.prepare(std::slice::from_ref(&target));
        let r = t.request(0, &target, false);
        assert_eq!(r.method(), Method::POST);
        assert_eq!(r.uri(), "/p");
        assert_eq!(r.headers()["host"], "127.0.0.1:1");
        assert_eq!(r.headers()["connection"], "close");
        assert_eq!(
            &t.wire[0][..],
            b"POST /p HTTP/1.1\r\na: 1\r\nconnection: close\r\nhost: 127.0.0.1:1\r\ncontent-length: 1\r\n\r\nx"
        );
        let r = t.request(0, &target, true);
        let mut chunked = Template::new(
            "POST",
            &["Transfer-Encoding: chunked".into()],
            Bytes::from_static(b"x"),
            false,
        )
        .unwrap();
        chunked.prepare(std::slice::from_ref(&target));
        assert!(chunked.wire.is_empty(), "hyper frames user-given encodings");
        assert_eq!(r.uri(), "http://127.0.0.1:1/p");
        assert!(r.headers().get("connection").is_none());
    }

    #[test]
    fn cacert_errors_are_usage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ca.pem");
        std::fs::write(&p, "not a pem").unwrap();
        let e = tls_config(false, Some(&p), None, false).unwrap_err();
        assert_eq!(
            crate::exit::code_of(&e),
            crate::exit::ExitCode::Usage,
            "{e}"
        );
        let e = tls_config(false, Some(&dir.path().join("missing.pem")), None, false).unwrap_err();
        assert_eq!(
            crate::exit::code_of(&e),
            crate::exit::ExitCode::Usage,
            "{e}"
        );
        assert!(tls_config(true, None, None, true).is_ok());
    }
}
