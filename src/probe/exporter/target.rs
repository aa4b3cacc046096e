//! A scrape's `target=` read the way blackbox_exporter reads it for the module's prober:
//! http takes a URL (`http://` added when the scheme is missing), tcp and grpc take
//! `HOST:PORT` (grpc: an `http://`/`https://` prefix is dropped, the port defaults to 80 or
//! 443 as blackbox does), dns takes the server to ask (`HOST[:PORT]`) and asks the module's
//! question, icmp takes a host. lbctl's own target URLs (`tcp://`, `grpc://`, `dns://RESOLVER/NAME?type=A`) are
//! accepted too. The result is the check core's [`Target`].

use super::module::{Module, Prober, question_path};
use crate::check::{CheckSpec, Scheme, Target};
use std::sync::Arc;

/// The check target and spec for one scrape; Err is a one-line reason for an HTTP 400.
pub fn resolve(
    module: &Module,
    raw: &str,
    hostname: Option<&str>,
) -> Result<(Target, Arc<CheckSpec>), String> {
    let raw = raw.trim();
    let parse = |s: &str| Target::parse(s).map_err(|e| e.to_string());
    let want = |t: Target, schemes: &[Scheme]| -> Result<Target, String> {
        if schemes.contains(&t.scheme) {
            Ok(t)
        } else {
            Err(format!(
                "target '{raw}' is a {} target; module {} uses prober {}",
                t.scheme.as_str(),
                module.name,
                module.prober.as_str()
            ))
        }
    };
    let target = match module.prober {
        Prober::Http => {
            let url = if raw.contains("://") {
                raw.to_string()
            } else {
                format!("http://{raw}")
            };
            want(parse(&url)?, &[Scheme::Http, Scheme::Https])?
        }
        Prober::Tcp => want(parse(raw)?, &[Scheme::Tcp])?,
        Prober::Grpc => {
            if raw.starts_with("grpc://") || raw.starts_with("grpcs://") {
                want(parse(raw)?, &[Scheme::Grpc, Scheme::Grpcs])?
            } else {
                let bare = raw
                    .strip_prefix("http://")
                    .or_else(|| raw.strip_prefix("https://"))
                    .unwrap_or(raw)
                    .trim_end_matches('/');
                let scheme = if module.tls { "grpcs" } else { "grpc" };
                let with_port = if has_port(bare) {
                    bare.to_string()
                } else {
                    format!("{bare}:{}", if module.tls { 443 } else { 80 })
                };
                let service = if module.service.is_empty() {
                    String::new()
                } else {
                    format!("/{}", module.service)
                };
                parse(&format!("{scheme}://{with_port}{service}"))?
            }
        }
        Prober::Dns => {
            if raw.starts_with("dns://") {
                parse(raw)?
            } else {
                let Some(q) = &module.dns else {
                    return Err(format!(
                        "module {} has no query_name: give target=dns://SERVER/NAME?type=A, or a module with query_name",
                        module.name
                    ));
                };
                parse(&format!("dns://{raw}{}", question_path(q)))?
            }
        }
        // blackbox's icmp target is a bare host; lbctl's own `icmp://HOST?count=N` works too.
        // The module's options come first, the target's own after (a key given by both
        // keeps the target's: the later one wins).
        Prober::Icmp => {
            let url = if raw.contains("://") {
                raw.to_string()
            } else {
                format!("icmp://{raw}")
            };
            let t = want(parse(&url)?, &[Scheme::Icmp])?;
            if module.icmp.is_empty() {
                t
            } else {
                let host = if t.host.contains(':') {
                    format!("[{}]", t.host)
                } else {
                    t.host.clone()
                };
                let own = t.path.strip_prefix('?').unwrap_or(&t.path);
                let joint = if own.is_empty() { "" } else { "&" };
                parse(&format!("icmp://{host}{}{joint}{own}", module.icmp))?
            }
        }
    };
    let spec = match hostname {
        Some(h) if module.prober == Prober::Http => {
            if h.is_empty() || h.contains(char::is_whitespace) {
                return Err(format!("hostname '{h}' is not a host name"));
            }
            Arc::new(CheckSpec {
                host: Some(h.to_string()),
                ..CheckSpec::clone(&module.spec)
            })
        }
        _ => module.spec.clone(),
    };
    Ok((target, spec))
}

/// Whether `HOST:PORT` / `[V6]:PORT` ends in a port.
fn has_port(s: &str) -> bool {
    let tail = match s.rfind(']') {
        Some(i) => &s[i + 1..],
        None if s.matches(':').count() > 1 => return false,
        None => s,
    };
    tail.rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn m(name: &str) -> Module {
        super::super::modules::builtin(Duration::from_secs(5))
            .remove(name)
            .unwrap()
    }

    #[test]
    fn targets_read_as_blackbox_reads_them() {
        let cases = [
            (
                "http_2xx",
                "127.0.0.1:8080/health",
                "http://127.0.0.1:8080/health",
            ),
            ("http_2xx", "https://example.com", "https://example.com/"),
            ("tcp_connect", "127.0.0.1:5432", "tcp://127.0.0.1:5432"),
            ("grpc", "127.0.0.1:50051", "grpc://127.0.0.1:50051"),
            ("grpc", "http://127.0.0.1:50051/", "grpc://127.0.0.1:50051"),
            ("grpc", "localhost", "grpc://localhost:80"),
            ("grpc_tls", "[::1]", "grpcs://[::1]:443"),
            ("icmp", "127.0.0.1", "icmp://127.0.0.1"),
            ("icmp", "icmp://[::1]?count=3", "icmp://[::1]?count=3"),
            (
                "dns",
                "dns://127.0.0.1:53/a.test?type=A",
                "dns://127.0.0.1:53/a.test?type=A",
            ),
        ];
        for (module, raw, want) in cases {
            let (t, _) = resolve(&m(module), raw, None).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(t.to_string(), want, "{module} {raw}");
        }
        for (module, raw, want) in [
            ("tcp_connect", "http://a/", "is a http target"),
            ("tcp_connect", "nohost", "port is missing"),
            ("dns", "127.0.0.1", "has no query_name"),
            ("icmp", "http://127.0.0.1/", "is a http target"),
        ] {
            let e = resolve(&m(module), raw, None).unwrap_err();
            assert!(e.contains(want), "{module} {raw}: {e}");
        }
        // An icmp module's options go before the target's own (which win on a clash).
        let ping = Module {
            icmp: "?payload_size=1400&ttl=3".into(),
            ..m("icmp")
        };
        for (raw, want) in [
            ("127.0.0.1", "icmp://127.0.0.1?payload_size=1400&ttl=3"),
            (
                "icmp://[::1]?ttl=9",
                "icmp://[::1]?payload_size=1400&ttl=3&ttl=9",
            ),
        ] {
            assert_eq!(resolve(&ping, raw, None).unwrap().0.to_string(), want);
        }
        let e = resolve(&ping, "icmp://h?ttl=0", None).unwrap_err();
        assert!(e.contains("ttl '0'"), "{e}");
        let (_, spec) = resolve(&m("http_2xx"), "127.0.0.1:1", Some("api.test")).unwrap();
        assert_eq!(spec.host.as_deref(), Some("api.test"));
        assert!(has_port("[::1]:80") && !has_port("::1") && !has_port("a"));
    }
}
