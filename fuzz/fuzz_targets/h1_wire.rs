//! Fuzz the proxy's HTTP/1.1 fast-path wire code (`lbctl::proxy::http::fast::wire`) with the
//! properties of `lbctl::proxy::http::fast::props`: nothing panics on request or response heads
//! or chunked bodies from the network; a rewritten request head is taken again with the same method, target, Host
//! and framing (Content-Length exactly when the client sent one, same value), with and without
//! header rules and --change-host; a rewritten response head keeps its status and framing; the
//! end of a chunked body is found at the same byte whatever the read boundaries.
#![no_main]

use lbctl::proxy::core::headers::HeaderRule;
use lbctl::proxy::http::fast::props::{
    chunked_end_is_split_proof, request_reframes, response_reframes,
};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static [HeaderRule] {
    static RULES: OnceLock<Vec<HeaderRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        ["X-Env: fuzz", "-X-Drop", "-Via"]
            .iter()
            .filter_map(|r| HeaderRule::parse(r).ok())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the variant; the rest is the wire.
    let Some((&knobs, wire)) = data.split_first() else {
        return;
    };
    let rules = if knobs & 1 != 0 { rules() } else { &[] };
    let checks = [
        request_reframes(wire, rules, knobs & 2 != 0),
        response_reframes(wire, knobs & 4 != 0, rules, knobs & 8 != 0),
        chunked_end_is_split_proof(wire, usize::from(knobs >> 4) * wire.len() / 16),
    ];
    for c in checks {
        if let Err(e) = c {
            panic!("{e}");
        }
    }
});
