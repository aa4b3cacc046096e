//! Fuzz the response cache's reading of backend and client headers
//! (`lbctl::proxy::core::cache::rules`): Cache-Control, Vary, Expires/Date and Age values come
//! off the network; none may panic, and a stored response never starts older than its lifetime.
#![no_main]

use http::header::{HeaderMap, HeaderName, HeaderValue};
use lbctl::proxy::core::cache::rules;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

const NAMES: [&str; 7] = [
    "cache-control",
    "vary",
    "expires",
    "date",
    "age",
    "accept-language",
    "range",
];

fuzz_target!(|data: &[u8]| {
    // Field lines separated by \n, each `I:VALUE` with I choosing the name.
    let mut headers = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let Some((&i, value)) = line.split_first() else {
            continue;
        };
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append(
                HeaderName::from_static(NAMES[i as usize % NAMES.len()]),
                v,
            );
        }
    }
    let _ = rules::directives(&headers);
    let _ = rules::request_cacheable(&http::Method::GET, &headers);
    if let Some(names) = rules::vary_names(&headers) {
        let stored: Vec<_> = names
            .iter()
            .map(|n| (n.clone(), rules::vary_value(&headers, n)))
            .collect();
        assert!(rules::vary_matches(&headers, &stored));
    }
    let ttl = data.first().map(|&b| Duration::from_secs(u64::from(b)));
    for authorized in [false, true] {
        if let Ok(f) = rules::storable(200, &headers, authorized, ttl) {
            assert!(f.lifetime > f.initial_age);
            assert!(!authorized || f.shared_with_auth);
        }
    }
});
