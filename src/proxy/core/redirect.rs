//! Redirect to HTTPS (HAProxy `http-request redirect scheme https`, nginx
//! `return 301 https://$host$request_uri`): a plain listener, or one route of it, answers every
//! request with the same URL on https. Built by plan/ from `--redirect-https [PORT]`,
//! `--redirect-code` or a config route's `redirect_https = ...`; held on the route's
//! [`Policy`](super::policy::Policy); answered by http/hyper/redirect.rs after the ACL and
//! before any rate limit or backend.

use crate::spec::SpecError;
use http::StatusCode;

const CODES: &str = "301, 302, 307 or 308";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedirectHttps {
    /// The https port in the Location (443 is left out).
    pub port: u16,
    /// The status for GET and HEAD. Other methods get the method-keeping twin: 308 for 301
    /// and 308, 307 for 302 and 307 (RFC 9110 sections 15.4.2-15.4.9: a 301 or 302 may turn a
    /// POST into a GET).
    pub code: u16,
}

impl Default for RedirectHttps {
    fn default() -> Self {
        // 308: permanent and method-keeping, the safe default for every method.
        RedirectHttps {
            port: 443,
            code: 308,
        }
    }
}

impl RedirectHttps {
    /// Checked parts (`what` names the flag or field in errors).
    pub fn new(port: i64, code: i64, what: &'static str) -> Result<Self, SpecError> {
        let port = u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
            SpecError::new(
                what,
                port.to_string(),
                "not a port",
                "a port from 1 to 65535",
            )
        })?;
        if ![301, 302, 307, 308].contains(&code) {
            return Err(SpecError::new(
                what,
                code.to_string(),
                "not a redirect status",
                CODES,
            ));
        }
        Ok(RedirectHttps {
            port,
            code: code as u16,
        })
    }

    /// The status for a request of this method.
    pub fn status(&self, method: &http::Method) -> StatusCode {
        let keep = matches!(*method, http::Method::GET | http::Method::HEAD);
        let code = match self.code {
            301 | 308 if !keep => 308,
            302 | 307 if !keep => 307,
            c => c,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::PERMANENT_REDIRECT)
    }

    /// The Location for a request to `host` (a valid Host value, its port dropped) and
    /// `target` (the request's path and query, `/` when it has none).
    pub fn location(&self, host: &str, target: &str) -> String {
        let name = strip_port(host);
        let target = if target.starts_with('/') { target } else { "/" };
        if self.port == 443 {
            format!("https://{name}{target}")
        } else {
            format!("https://{name}:{}{target}", self.port)
        }
    }

    /// For `proxy explain`.
    pub fn describe(&self) -> String {
        format!("to https port {} with {}", self.port, self.code)
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` without the port.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn location_keeps_host_path_and_query_and_swaps_the_port() {
        let r = RedirectHttps::default();
        assert_eq!(
            r.location("example.test:8080", "/a/b?x=1&y=2"),
            "https://example.test/a/b?x=1&y=2"
        );
        assert_eq!(r.location("[::1]:80", "/"), "https://[::1]/");
        assert_eq!(r.location("example.test", "*"), "https://example.test/");
        let r = RedirectHttps::new(8443, 301, "--redirect-https").unwrap();
        assert_eq!(r.location("[::1]", "/p"), "https://[::1]:8443/p");
        assert_eq!(r.location("h.test:80", "/p?q"), "https://h.test:8443/p?q");
    }

    #[test]
    fn method_keeping_codes_for_bodies() {
        let r = RedirectHttps::new(443, 301, "x").unwrap();
        assert_eq!(r.status(&Method::GET), 301);
        assert_eq!(r.status(&Method::HEAD), 301);
        assert_eq!(r.status(&Method::POST), 308);
        let r = RedirectHttps::new(443, 302, "x").unwrap();
        assert_eq!(r.status(&Method::PUT), 307);
        assert_eq!(RedirectHttps::default().status(&Method::GET), 308);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(RedirectHttps::new(0, 308, "x").is_err());
        assert!(RedirectHttps::new(70000, 308, "x").is_err());
        assert!(RedirectHttps::new(443, 200, "x").is_err());
    }
}
