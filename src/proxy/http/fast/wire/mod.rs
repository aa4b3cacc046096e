//! HTTP/1.1 heads on the wire, for the proxy's fast path (fast/relay.rs): parse a request or a
//! response head in place (httparse), decide whether the fast path may carry the request, write
//! the rewritten head for the other side byte by byte (hop-by-hop headers out, `X-Forwarded-*`
//! and `Via` in, `--header-up/--header-down`), and find where a chunked body ends without
//! decoding it, so its bytes are forwarded as they came. Framing follows RFC 9112 section 6;
//! hop-by-hop headers RFC 9110 section 7.6.1. Everything here is synchronous and allocation-free
//! on the common path, and unit-tested against hand-written wire bytes.
//!
//! By concept: [`request`] heads, [`response`] heads, [`chunked`] bodies, and the header-field
//! facts both head writers share (`fields`). Everything is re-exported here, so users name
//! `wire::parse_request` and the like.

pub mod chunked;
mod fields;
pub mod request;
pub mod response;

pub use crate::http1::Framing;
pub use chunked::{BadChunk, ChunkedEnd};
pub use request::{
    MAX_HEADERS, ParsedRequest, RequestHead, UpstreamHead, finish_request, parse_request,
    write_request,
};
pub use response::{
    BadResponse, DownstreamHead, MAX_RESPONSE_HEADERS, ResponseHead, parse_response, write_local,
    write_response,
};

#[cfg(test)]
mod tests;
