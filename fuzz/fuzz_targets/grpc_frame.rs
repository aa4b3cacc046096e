//! Fuzz the gRPC length-prefixed message decoder (`lbctl::grpc::frame`) and the protobuf
//! messages lbctl reads off the network: no input may panic, whatever the split of the bytes
//! into DATA frames, and the incremental and one-shot decodes must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lbctl::grpc::{echo, frame, health};
use prost::Message;

fuzz_target!(|data: &[u8]| {
    // First byte: where to split the rest into two pushes (as two DATA frames would).
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let whole = frame::decode_all(rest, 64);
    let at = (split as usize).min(rest.len());
    let mut d = frame::Decoder::new(64);
    let mut msgs = Vec::new();
    let mut err = None;
    for part in [&rest[..at], &rest[at..]] {
        d.push(part);
        loop {
            match d.next_message() {
                Ok(Some(m)) => msgs.push(m),
                Ok(None) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        if err.is_some() {
            break;
        }
    }
    let split_result = match err {
        Some(e) => Err(e),
        None => d.finish().map(|()| msgs),
    };
    assert_eq!(whole, split_result);
    for m in whole.iter().flatten() {
        let _ = health::HealthCheckRequest::decode(&m[..]);
        let _ = health::HealthCheckResponse::decode(&m[..]).map(|r| r.serving_status());
        let _ = echo::EchoRequest::decode(&m[..]);
        let _ = echo::EchoReply::decode(&m[..]);
        let _ = echo::StreamRequest::decode(&m[..]);
    }
});
