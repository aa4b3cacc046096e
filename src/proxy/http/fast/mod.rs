//! The HTTP/1.1 fast path: one task per client connection reads a request head, lets
//! `http::decide` choose the backend exactly as the hyper path does ([`relay`]: the request
//! side), writes the rewritten head to a raw pooled backend connection and relays the response
//! as it comes (`exchange`: the backend side), both on one [`conn::H1Conn`]. The bytes on the
//! wire are parsed and written by [`wire`], whose properties ([`props`]) are checked by unit
//! tests, a differential test against hyper, and the fuzz targets: the burden of proof a
//! hand-written hot path carries.
//!
//! May import: `http::{decide, headers, local}`, `core/` and the crate's cores. Never
//! `http::hyper` (it hands hyper a connection through `http::serve`, not by calling it).

pub mod conn;
mod exchange;
pub mod props;
pub mod relay;
pub mod wire;
