//! PROXY protocol through `lbctl proxy --mode tcp`: v1 and v2 headers sent to a test backend
//! carry the real client address; headers accepted from a front proxy (whole or in pieces)
//! become the client address; malformed ones close the connection with a logged reason.

use super::{connect, exchange_closed, start};
use lbctl::proxy::tcp::proxy_protocol::{self, ProxyHeader};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// A backend that parses the PROXY header it receives and, at the client's EOF, answers with
/// the source address and the payload after the header.
fn proxy_header_backend() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 512];
                loop {
                    match proxy_protocol::parse(&buf) {
                        Ok(Some((ProxyHeader::Proxy { source, .. }, n))) => {
                            let _ = s.read_to_end(&mut buf);
                            let rest = String::from_utf8_lossy(&buf[n..]).to_string();
                            let _ = s.write_all(format!("{source} {rest}").as_bytes());
                            return;
                        }
                        Ok(Some((ProxyHeader::Local, _))) => {
                            let _ = s.write_all(b"local");
                            return;
                        }
                        Ok(None) => match s.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        },
                        Err(e) => {
                            let _ = s.write_all(format!("bad: {e}").as_bytes());
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn send_proxy_v1_and_v2_carry_the_client_address() {
    let backend = proxy_header_backend();
    for v in ["v1", "v2"] {
        let spec = format!("pp={backend}");
        let p = start(&["--mode", "tcp", "--send-proxy", v, "--backend", &spec]);
        let mut s = connect(&p.addr);
        let me: SocketAddr = s.local_addr().unwrap();
        s.write_all(b"payload").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut back = String::new();
        s.read_to_string(&mut back).unwrap();
        assert_eq!(back, format!("{me} payload"), "{v}");
    }
}

#[test]
fn accept_proxy_takes_the_address_from_the_header_and_refuses_garbage() {
    let backend = proxy_header_backend();
    let spec = format!("pp={backend}");
    let p = start(&[
        "--mode",
        "tcp",
        "--accept-proxy",
        "--send-proxy",
        "v2",
        "--backend",
        &spec,
    ]);
    // v1 in, v2 out: the backend sees the address the front proxy reported.
    let mut s = connect(&p.addr);
    s.write_all(b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r\nafter")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "203.0.113.7:5555 after");
    // v2 in.
    let src: SocketAddr = "[2001:db8::5]:4242".parse().unwrap();
    let dst: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
    let mut s = connect(&p.addr);
    let mut hello = proxy_protocol::encode_v2(src, dst);
    hello.extend_from_slice(b"v2");
    s.write_all(&hello).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "[2001:db8::5]:4242 v2");
    // A header split over several segments is reassembled.
    let mut s = connect(&p.addr);
    s.write_all(b"PROXY TCP4 198.51.").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"100.9 127.0.0.1 4000 80\r").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"\nsplit").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    s.read_to_string(&mut back).unwrap();
    assert_eq!(back, "198.51.100.9:4000 split");
    // Malformed: closed without a byte, reason logged.
    let back = exchange_closed(&p.addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(back.is_empty(), "{back:?}");
    let back = exchange_closed(&p.addr, b"PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n");
    assert!(back.is_empty(), "{back:?}");
    let err = p.stderr();
    assert!(
        err.contains("does not start with a PROXY v1 or v2 signature"),
        "{err}"
    );
    assert!(err.contains("999.0.0.1"), "{err}");
}
