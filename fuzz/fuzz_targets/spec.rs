//! Fuzz every user-input parser in `lbctl::spec`: none may panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = lbctl::spec::BackendSpec::parse(&s);
    let _ = lbctl::spec::parse_duration(&s);
    let _ = lbctl::spec::parse_duration_range(&s);
    let _ = lbctl::spec::parse_rate(&s);
    let _ = lbctl::spec::parse_size(&s);
    let _ = lbctl::spec::parse_backend_lines(&s, "fuzz");
});
