//! The HTML stats page on the admin listener (HAProxy's `stats uri` + `stats refresh`): served
//! at `/`, and at `/stats` when the request's Accept prefers HTML over JSON (browsers), so
//! curl, scripts and `lbctl proxy ctl` keep getting the JSON they always got. The page
//! (stats_page.html, compiled in) is self-contained, inline CSS and JS, nothing fetched but
//! `/stats` itself: operators' boxes often have no network. It polls `/stats` as JSON every
//! `?refresh=N` seconds (default 5, HAProxy `stats refresh 5s`) and draws one table per pool.
//! admin.rs asks [`wanted`] and answers with [`response`].

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// The page, with its CSS and JS inline.
pub const PAGE: &str = include_str!("stats_page.html");

/// The page's policy: its own inline script and style, requests only to this origin, nothing
/// else (no frames, no forms elsewhere, no plugins).
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// Whether a request for `path` gets the page rather than JSON or metrics.
pub fn wanted(path: &str, accept: Option<&str>) -> bool {
    match path {
        "/" => true,
        "/stats" => prefers_html(accept),
        _ => false,
    }
}

/// Accept prefers `text/html` to `application/json` (RFC 9110 12.5.1: the most specific range
/// that matches a type gives its q; q=0 is "not acceptable"). A tie is JSON, so `*/*` (curl)
/// and no Accept at all keep today's answer; browsers send `text/html,...,*/*;q=0.8`.
fn prefers_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    // (specificity, q) of the best-matching range for each type: 2 exact, 1 type/*, 0 */*.
    let mut html: Option<(u8, f32)> = None;
    let mut json: Option<(u8, f32)> = None;
    for range in accept.split(',').take(64) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let (html_spec, json_spec) = match media.as_str() {
            "text/html" => (Some(2), None),
            "application/json" => (None, Some(2)),
            "text/*" => (Some(1), None),
            "application/*" => (None, Some(1)),
            "*/*" => (Some(0), Some(0)),
            _ => (None, None),
        };
        for (spec, best) in [(html_spec, &mut html), (json_spec, &mut json)] {
            if let Some(s) = spec
                && best.is_none_or(|(b, _)| s > b)
            {
                *best = Some((s, q));
            }
        }
    }
    let q = |b: Option<(u8, f32)>| b.map_or(0.0, |(_, q)| q);
    q(html) > 0.0 && q(html) > q(json)
}

/// The page as a response.
pub fn response() -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(PAGE.as_bytes())));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // `/stats` answers HTML or JSON by Accept (RFC 9110 12.5.5).
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_the_page_and_everything_else_json() {
        for (accept, html) in [
            (None, false),
            (Some("*/*"), false),
            (Some("application/json"), false),
            (Some("application/json, text/plain, */*"), false),
            (Some("text/html, */*"), false),
            (Some("text/html;q=0.5, application/json"), false),
            (Some("text/html;q=0, */*"), false),
            (Some("garbage;;q=x,,"), false),
            // Firefox, Chromium.
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                true,
            ),
            (
                Some(
                    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
                ),
                true,
            ),
            (Some("text/html"), true),
            (Some("TEXT/HTML; q=0.9, application/json; q=0.5"), true),
            (Some("text/*, application/json;q=0.1"), true),
        ] {
            assert_eq!(prefers_html(accept), html, "{accept:?}");
        }
        assert!(wanted("/", Some("*/*")));
        assert!(!wanted("/stats", Some("*/*")));
        assert!(!wanted("/metrics", Some("text/html")));
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        for needle in ["http://", "https://", "<link", "src=", "@import", "url("] {
            assert!(!PAGE.contains(needle), "stats_page.html has {needle}");
        }
    }
}
