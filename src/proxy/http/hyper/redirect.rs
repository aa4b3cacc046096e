//! The redirect-to-HTTPS answer (core/redirect.rs decides where to): a 30x with `Location` and
//! a one-line body, written by `L7::handle` when the route (or listener) redirects. The request
//! never reaches a backend.

use super::relay::RespBody;
use crate::proxy::core::redirect::RedirectHttps;
use crate::proxy::http::local::BAD_HOST;
use http::header::{self, HeaderValue};
use http::{Method, Response};

/// The redirect for a request to `host` and `target`; a host that cannot form a Location
/// gets the Host error instead.
pub fn answer(r: &RedirectHttps, method: &Method, host: &str, target: &str) -> Response<RespBody> {
    let location = r.location(host, target);
    let Ok(value) = HeaderValue::from_str(&location) else {
        return super::relay::local(BAD_HOST);
    };
    let status = r.status(method);
    let mut resp = Response::new(RespBody::full(format!(
        "{} {}: this site is served over https: {location}\n",
        status.as_u16(),
        status
            .canonical_reason()
            .unwrap_or("redirect")
            .to_ascii_lowercase()
    )));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::LOCATION, value);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
