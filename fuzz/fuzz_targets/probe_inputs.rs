//! Fuzz what `lbctl probe` reads from users and, in exporter mode, from the network: a target
//! URL (`check::Target::parse`: http, tcp, tls, grpc, dns, ws, icmp with their queries), a
//! field condition (`--expect`, also a module's `expect = [...]`), and a whole `/probe`
//! scrape (query string, `X-Prometheus-Scrape-Timeout-Seconds`, the target as each built-in
//! module reads it). None may panic; a scrape's budget never exceeds its module's timeout,
//! and a target that parses prints as a URL that parses again to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(t) = lbctl::check::Target::parse(&s) {
        let shown = t.to_string();
        let again = lbctl::check::Target::parse(&shown)
            .unwrap_or_else(|e| panic!("{s:?} printed as {shown:?}, which does not parse: {e}"));
        assert_eq!(again.to_string(), shown, "{s:?}");
    }
    let _ = lbctl::check::field::FieldCond::parse(&s);
    let (query, header) = match s.split_once('\n') {
        Some((q, h)) => (q, Some(h)),
        None => (&*s, None),
    };
    if let Ok((_, budget)) = lbctl::probe::exporter::read_scrape(query, header) {
        assert!(budget <= std::time::Duration::from_secs(5), "{query:?} {header:?}");
    }
});
