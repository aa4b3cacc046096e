//! The hyper path: HTTP/2 (h2c and ALPN h2), Upgrade tunnels (WebSocket), and the HTTP/1
//! requests the fast path leaves alone, served by hyper's server with [`service`] (a listener's
//! `L7::handle`) and answered with backend bodies streamed frame by frame ([`relay`]) over
//! keep-alive connections from `core::upstream`. A route's mirror copies are sent from here
//! too ([`mirror`]), which is why the fast path leaves mirrored routes to this path; so are the
//! response cache's hits and fills ([`cache_fill`]), and caching routes with them, and the
//! answers it transforms: compressed ([`compress_body`]) or redirected to https ([`redirect`]).
//!
//! May import: `http::{decide, headers, local}`, `core/` and the crate's cores. Never
//! `http::fast`.

pub mod cache_fill;
pub mod compress_body;
pub mod mirror;
pub mod redirect;
pub mod relay;
pub mod service;
