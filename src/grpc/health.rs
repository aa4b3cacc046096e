//! The standard gRPC health service, grpc.health.v1 (grpc/doc/health-checking.md and
//! grpc/src/proto/grpc/health/v1/health.proto; a copy is in proto/): the two messages as prost
//! derives, the method paths, and the serving status names `check` reports and `serve` answers.

/// The service name the health service itself is registered under.
pub const SERVICE: &str = "grpc.health.v1.Health";
/// `rpc Check(HealthCheckRequest) returns (HealthCheckResponse)`.
pub const CHECK_PATH: &str = "/grpc.health.v1.Health/Check";
/// `rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse)`.
pub const WATCH_PATH: &str = "/grpc.health.v1.Health/Watch";

/// `message HealthCheckRequest { string service = 1; }` ("" asks about the whole server).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct HealthCheckRequest {
    #[prost(string, tag = "1")]
    pub service: String,
}

/// `message HealthCheckResponse { ServingStatus status = 1; }`
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct HealthCheckResponse {
    #[prost(enumeration = "ServingStatus", tag = "1")]
    pub status: i32,
}

/// `enum ServingStatus` (SERVICE_UNKNOWN is used only by Watch in grpc's own servers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ServingStatus {
    Unknown = 0,
    Serving = 1,
    NotServing = 2,
    ServiceUnknown = 3,
}

impl ServingStatus {
    /// The name as in the .proto (`NOT_SERVING`), what probe shows.
    pub fn name(self) -> &'static str {
        match self {
            ServingStatus::Unknown => "UNKNOWN",
            ServingStatus::Serving => "SERVING",
            ServingStatus::NotServing => "NOT_SERVING",
            ServingStatus::ServiceUnknown => "SERVICE_UNKNOWN",
        }
    }
}

impl HealthCheckResponse {
    /// The status as the enum; a number this version does not know reads as UNKNOWN
    /// (proto3 open enums: an unknown value must not fail the decode).
    pub fn serving_status(&self) -> ServingStatus {
        ServingStatus::try_from(self.status).unwrap_or(ServingStatus::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn bytes_match_the_protobuf_encoding() {
        // Field 1, wire type 2 (LEN): tag byte (1 << 3) | 2 = 0x0a, then length and UTF-8.
        let req = HealthCheckRequest {
            service: "lbctl.test.v1.Echo".into(),
        };
        let mut want = vec![0x0a, 18];
        want.extend_from_slice(b"lbctl.test.v1.Echo");
        assert_eq!(req.encode_to_vec(), want);
        // proto3 leaves a default value out: the empty service is zero bytes.
        assert!(HealthCheckRequest::default().encode_to_vec().is_empty());
        // Field 1, wire type 0 (VARINT): tag 0x08, then the value.
        let resp = HealthCheckResponse {
            status: ServingStatus::NotServing as i32,
        };
        assert_eq!(resp.encode_to_vec(), vec![0x08, 0x02]);
        assert_eq!(
            HealthCheckResponse::decode(&[0x08, 0x01][..])
                .unwrap()
                .serving_status(),
            ServingStatus::Serving
        );
        // Empty bytes are UNKNOWN (0); an unknown number reads as UNKNOWN too.
        let r = HealthCheckResponse::decode(&[][..]).unwrap();
        assert_eq!(r.serving_status(), ServingStatus::Unknown);
        let r = HealthCheckResponse::decode(&[0x08, 0x09][..]).unwrap();
        assert_eq!(r.serving_status(), ServingStatus::Unknown);
        assert_eq!(ServingStatus::ServiceUnknown.name(), "SERVICE_UNKNOWN");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(HealthCheckResponse::decode(&[0x08][..]).is_err());
        assert!(HealthCheckRequest::decode(&[0x0a, 0x05, b'a'][..]).is_err());
        assert!(HealthCheckRequest::decode(&[0x0a, 0x01, 0xff][..]).is_err());
    }
}
