//! Fuzz the TCP path's two parsers of network input: the PROXY protocol header
//! (`--accept-proxy`, v1 text and v2 binary) and the TLS ClientHello read for SNI routing.
//! Nothing may panic; a parsed PROXY header says how many bytes it took (never more than it
//! was given) and encodes back to bytes that parse to the same header; a ClientHello that
//! parses whole is, on any prefix, either still incomplete or the same answer.
#![no_main]

use lbctl::proxy::tcp::proxy_protocol::{ProxyHeader, encode_v1, encode_v2, parse};
use lbctl::proxy::tcp::sni::parse_client_hello;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((header, used))) = parse(data) {
        assert!(used <= data.len(), "took {used} of {} bytes", data.len());
        if let ProxyHeader::Proxy {
            source,
            destination,
        } = header
        {
            for bytes in [encode_v1(source, destination), encode_v2(source, destination)] {
                match parse(&bytes) {
                    Ok(Some((again, n))) => {
                        assert_eq!(again, header);
                        assert_eq!(n, bytes.len());
                    }
                    other => panic!("{header:?} encoded as {bytes:?} parses as {other:?}"),
                }
            }
        }
    }
    if let Ok(Some(whole)) = parse_client_hello(data) {
        let cut = data.len() / 2;
        match parse_client_hello(&data[..cut]) {
            Ok(None) => {}
            Ok(Some(part)) => assert_eq!(part, whole, "a prefix of {cut} bytes"),
            Err(e) => panic!("the whole hello parses, its first {cut} bytes fail: {e}"),
        }
    }
});
