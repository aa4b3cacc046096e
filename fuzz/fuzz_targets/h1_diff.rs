//! Differential fuzzing of request framing: the same bytes (one or more pipelined requests) go
//! to the proxy's fast-path parser (`lbctl::proxy::http::fast::wire`) and to hyper's HTTP/1
//! server, an independent parser. Every request the fast path takes whole must be read by hyper too, in
//! the same order, with the same method, target and body length; where the fast path declines,
//! hyper serves the connection itself, so it cannot disagree.
#![no_main]

use lbctl::proxy::http::fast::props::fast_path_agrees_with_hyper;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Err(e) = fast_path_agrees_with_hyper(runtime(), data) {
        panic!("{e}");
    }
});
