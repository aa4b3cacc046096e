//! The hyper path: HTTP/2 (h2c and ALPN h2), Upgrade tunnels (WebSocket), and the HTTP/1
//! requests the fast path leaves alone, served by hyper's server with [`service`] (a listener's
//! `L7::handle`) and answered with backend bodies streamed frame by frame ([`relay`]) over
//! keep-alive connections from `core::upstream`. A route's mirror copies are sent from here
//! too ([`mirror`]), which is why the fast path leaves mirrored routes to this path, and so are
//! the answers it transforms: compressed ([`compress_body`]) or redirected to https ([`redirect`]).
//!
//! May import: `http::{decide, headers, local}`, `core/` and the crate's cores. Never
//! `http::fast`.

pub mod compress_body;
pub mod mirror;
pub mod redirect;
pub mod relay;
pub mod service;
