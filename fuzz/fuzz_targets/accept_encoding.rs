//! Fuzz the proxy's reading of a client's Accept-Encoding and a backend's Content-Type
//! (`lbctl::proxy::core::compress`): both come off the network. None may panic; the coding
//! chosen is always one the proxy offered; a header naming no offered coding and no `*`
//! never gets one; and the whole decision (`verdict`) agrees with the negotiation alone.
#![no_main]

use lbctl::proxy::core::compress::{
    Coding, CompressSpec, RequestFacts, ResponseFacts, Verdict, negotiate, verdict,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte: which codings are offered (bits 0-2) and in which order (bit 3 reverses);
    // then `ACCEPT\nCONTENT-TYPE`.
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mut offered: Vec<(Coding, u32)> = Coding::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| sel & (1 << i) != 0)
        .map(|(_, c)| (*c, c.default_level()))
        .collect();
    if sel & 8 != 0 {
        offered.reverse();
    }
    let (accept, ctype) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b"text/html"[..]),
    };
    let chosen = negotiate(accept, &offered);
    if let Some(c) = chosen {
        assert!(offered.iter().any(|(o, _)| *o == c), "chose {c:?}, not offered");
        let text = String::from_utf8_lossy(accept).to_ascii_lowercase();
        // gzip also answers x-gzip (RFC 9110 section 8.4.1.3), which contains "gzip".
        assert!(
            text.contains('*') || text.contains(c.name()),
            "chose {} from {text:?}",
            c.name()
        );
    }
    let spec = CompressSpec {
        algorithms: offered.clone(),
        ..CompressSpec::default()
    };
    let listed = spec.type_listed(ctype);
    let v = verdict(
        &spec,
        RequestFacts::default(),
        ResponseFacts {
            status: 200,
            content_type: Some(ctype),
            length: None,
            ..ResponseFacts::default()
        },
        Some(accept),
    );
    match v {
        Verdict::Skip => assert!(!listed),
        Verdict::VaryOnly => assert!(listed && chosen.is_none()),
        Verdict::Compress(c, _) => assert!(listed && chosen == Some(c)),
    }
});
