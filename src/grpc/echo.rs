//! `lbctl.test.v1.Echo`, lbctl's own test service (proto/lbctl/test/v1/echo.proto): a unary
//! call whose reply names the backend that answered, and a server stream, so a test or a demo
//! can see per-call balancing and streaming through a proxy. `serve --grpc` implements it.

/// The service name (also answered SERVING by `serve --grpc`'s health service).
pub const SERVICE: &str = "lbctl.test.v1.Echo";
/// `rpc Say(EchoRequest) returns (EchoReply)`.
pub const SAY_PATH: &str = "/lbctl.test.v1.Echo/Say";
/// `rpc Stream(StreamRequest) returns (stream EchoReply)`.
pub const STREAM_PATH: &str = "/lbctl.test.v1.Echo/Stream";

/// `message EchoRequest { string message = 1; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct EchoRequest {
    #[prost(string, tag = "1")]
    pub message: String,
}

/// `message EchoReply { string message = 1; string backend = 2; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct EchoReply {
    #[prost(string, tag = "1")]
    pub message: String,
    #[prost(string, tag = "2")]
    pub backend: String,
}

/// `message StreamRequest { string message = 1; uint32 count = 2; uint32 interval_ms = 3; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct StreamRequest {
    #[prost(string, tag = "1")]
    pub message: String,
    #[prost(uint32, tag = "2")]
    pub count: u32,
    #[prost(uint32, tag = "3")]
    pub interval_ms: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn bytes_match_the_protobuf_encoding() {
        let reply = EchoReply {
            message: "hi".into(),
            backend: "b1".into(),
        };
        // Field 1 LEN (0x0a) "hi", field 2 LEN (0x12) "b1".
        let want = [0x0a, 2, b'h', b'i', 0x12, 2, b'b', b'1'];
        assert_eq!(reply.encode_to_vec(), want);
        assert_eq!(EchoReply::decode(&want[..]).unwrap(), reply);
        let req = EchoRequest {
            message: "hi".into(),
        };
        assert_eq!(req.encode_to_vec(), [0x0a, 2, b'h', b'i']);
        // Field 2 VARINT (0x10) 3; field 3 VARINT (0x18) 300 = 0xac 0x02 (7 bits a byte, low first).
        let s = StreamRequest {
            message: "a".into(),
            count: 3,
            interval_ms: 300,
        };
        let want = [0x0a, 1, b'a', 0x10, 3, 0x18, 0xac, 0x02];
        assert_eq!(s.encode_to_vec(), want);
        assert_eq!(StreamRequest::decode(&want[..]).unwrap(), s);
    }
}
