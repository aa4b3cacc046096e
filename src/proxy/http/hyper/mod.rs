//! The hyper path: HTTP/2 (h2c and ALPN h2), Upgrade tunnels (WebSocket), and the HTTP/1
//! requests the fast path leaves alone, served by hyper's server with [`service`] (a listener's
//! `L7::handle`) and answered with backend bodies streamed frame by frame ([`relay`]) over
//! keep-alive connections from `core::upstream`.
//!
//! May import: `http::{decide, headers, local}`, `core/` and the crate's cores. Never
//! `http::fast`.

pub mod relay;
pub mod service;
