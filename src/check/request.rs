//! What one hop of an HTTP check sends, and how that changes along redirects: the method and
//! body (kept on 307/308, turned into a GET without content on 303, and on 301/302 after a
//! POST), and the credentials (Authorization, Cookie), which go only to the target's own
//! origin. http.rs asks [`Hop`] before every request and [`apply`] fills the headers.

use super::{CheckSpec, Target};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};

/// What one hop sends besides the spec's fixed headers.
#[derive(Debug, Clone)]
pub(super) struct Hop {
    pub method: Method,
    pub body: Option<Bytes>,
    /// Same scheme, host and port as the checked target: credentials go along.
    pub same_origin: bool,
    /// A redirect turned the request into a GET without content.
    pub to_get: bool,
}

impl Hop {
    /// The first request: the spec's method and body, to the target itself.
    pub fn first(spec: &CheckSpec) -> Hop {
        Hop {
            method: spec.method.clone(),
            body: spec.body.clone(),
            same_origin: true,
            to_get: false,
        }
    }

    /// The request that follows a redirect answered with `status`, from `origin` (the
    /// checked target) to `next`.
    pub fn redirected(self, status: u16, origin: &Target, next: &Target) -> Hop {
        let to_get = match status {
            // RFC 9110 15.4.4: after a 303 the user agent retrieves with GET (HEAD stays HEAD).
            303 => self.method != Method::HEAD,
            // RFC 9110 15.4.2/15.4.3: a user agent MAY turn POST into GET after a 301 or 302;
            // browsers and curl do, for POST only.
            301 | 302 => self.method == Method::POST,
            // 307/308 (RFC 9110 15.4.8/15.4.9): same method, same content.
            _ => false,
        };
        let (method, body) = if to_get {
            (Method::GET, None)
        } else {
            (self.method, self.body)
        };
        Hop {
            method,
            body,
            same_origin: same_origin(origin, next),
            to_get: self.to_get || to_get,
        }
    }
}

/// Same scheme, host and port (RFC 6454's origin, which is also where curl stops sending
/// credentials on a redirect: CVE-2018-1000007, CVE-2022-27776).
pub(super) fn same_origin(a: &Target, b: &Target) -> bool {
    a.scheme == b.scheme && a.port == b.port && a.host.eq_ignore_ascii_case(&b.host)
}

/// Headers that carry credentials, sent only to the checked target's origin.
fn is_credential(name: &header::HeaderName) -> bool {
    name == header::AUTHORIZATION || name == header::COOKIE
}

/// RFC 9110 15.4: when a redirect changes the method to GET, the content-specific header
/// fields go with the content.
fn is_content_specific(name: &header::HeaderName) -> bool {
    [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::CONTENT_LANGUAGE,
        header::CONTENT_LOCATION,
        header::LAST_MODIFIED,
    ]
    .contains(name)
}

/// The spec's headers (`-H`, then the ones its body implies), Authorization, and the body's
/// Content-Length, on top of the defaults already in `headers`.
pub(super) fn apply(spec: &CheckSpec, hop: &Hop, h2: bool, headers: &mut HeaderMap) {
    let dropped = hop.to_get;
    for (k, v) in &spec.headers {
        if (h2 && k == header::HOST)
            || (!hop.same_origin && is_credential(k))
            || (dropped && is_content_specific(k))
        {
            continue;
        }
        headers.insert(k.clone(), v.clone());
    }
    if hop.same_origin
        && let Some(auth) = &spec.authorization
    {
        headers.insert(header::AUTHORIZATION, auth.clone());
    }
    if let Some(body) = &hop.body {
        // RFC 9110 8.6: a request with content says how long it is (even when it is empty).
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    fn post_with_body() -> CheckSpec {
        CheckSpec {
            method: Method::POST,
            body: Some(Bytes::from_static(b"{\"a\":1}")),
            headers: vec![
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::COOKIE, HeaderValue::from_static("s=1")),
            ],
            authorization: Some(HeaderValue::from_static("Bearer t")),
            ..CheckSpec::default()
        }
    }

    #[test]
    fn redirects_keep_or_drop_the_body() {
        let spec = post_with_body();
        let (a, b) = (t("http://h:1/a"), t("http://h:1/b"));
        for (status, method, body) in [
            (307, "POST", true),
            (308, "POST", true),
            (303, "GET", false),
            (302, "GET", false),
            (301, "GET", false),
        ] {
            let hop = Hop::first(&spec).redirected(status, &a, &b);
            assert_eq!(hop.method.as_str(), method, "{status}");
            assert_eq!(hop.body.is_some(), body, "{status}");
            let mut h = HeaderMap::new();
            apply(&spec, &hop, false, &mut h);
            assert_eq!(h.contains_key(header::CONTENT_TYPE), body, "{status}");
            assert_eq!(h.contains_key(header::CONTENT_LENGTH), body, "{status}");
            assert!(h.contains_key(header::AUTHORIZATION), "{status}");
        }
        // PUT survives a 301 (only POST is rewritten); HEAD survives a 303.
        let put = CheckSpec {
            method: Method::PUT,
            ..post_with_body()
        };
        assert_eq!(Hop::first(&put).redirected(301, &a, &b).method, Method::PUT);
        let head = CheckSpec {
            method: Method::HEAD,
            ..CheckSpec::default()
        };
        assert_eq!(
            Hop::first(&head).redirected(303, &a, &b).method,
            Method::HEAD
        );
    }

    #[test]
    fn credentials_stay_with_the_origin() {
        let spec = post_with_body();
        let a = t("http://h:1/a");
        for other in ["http://g:1/", "http://h:2/", "https://h:1/"] {
            let hop = Hop::first(&spec).redirected(307, &a, &t(other));
            let mut h = HeaderMap::new();
            apply(&spec, &hop, false, &mut h);
            assert!(!h.contains_key(header::AUTHORIZATION), "{other}");
            assert!(!h.contains_key(header::COOKIE), "{other}");
            assert_eq!(h[header::CONTENT_LENGTH], "7", "{other}");
        }
        assert!(same_origin(&a, &t("http://H:1/x")));
    }

    #[test]
    fn an_empty_body_still_says_its_length() {
        let spec = CheckSpec {
            method: Method::POST,
            body: Some(Bytes::new()),
            ..CheckSpec::default()
        };
        let mut h = HeaderMap::new();
        apply(&spec, &Hop::first(&spec), false, &mut h);
        assert_eq!(h[header::CONTENT_LENGTH], "0");
        // No body, no Content-Length (the proxy's health checks send exactly what they did).
        let mut h = HeaderMap::new();
        let plain = CheckSpec::default();
        apply(&plain, &Hop::first(&plain), false, &mut h);
        assert!(h.is_empty());
    }
}
