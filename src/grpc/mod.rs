//! gRPC over HTTP/2, the parts lbctl needs and nothing more: status codes and the
//! `grpc-status`/`grpc-message`/`grpc-timeout` headers ([`status`]), shared by the proxy (its
//! own errors for gRPC clients, deadlines, passive health on grpc-status), `check` (the
//! grpc.health.v1 health check) and `serve --grpc`; the length-prefixed message framing
//! ([`frame`]); the messages of grpc.health.v1 ([`health`]) and of lbctl's test service
//! ([`echo`]) as prost derives (their .proto files are in proto/ for users' own clients); and a
//! unary call over hyper's HTTP/2 client connection ([`client`]).
//!
//! May import: nothing of lbctl's (a core below `check`, `serve` and `proxy`).

pub mod client;
pub mod echo;
pub mod frame;
pub mod health;
pub mod status;

pub use status::{Code, grpc_message_decode, grpc_message_encode, is_grpc, parse_timeout};
