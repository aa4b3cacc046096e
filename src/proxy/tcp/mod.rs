//! The TCP data path (`--mode tcp`): per connection, an optional PROXY header in
//! ([`proxy_protocol`]), the ACL, SNI routing on a peeked ClientHello ([`sni`]) or TLS
//! termination, a backend picked and dialled with retries, an optional PROXY header out, then
//! bytes copied both ways ([`pipe`], or [`splice`] in the kernel on Linux). [`l4`] runs it all
//! on `core::listener`'s accept loop.
//!
//! May import: `core/` and the crate's cores. Never `http/` (a data path never imports the
//! other), `ops/` or `plan/`.

pub mod l4;
pub mod pipe;
pub mod proxy_protocol;
pub mod sni;
#[cfg(target_os = "linux")]
pub mod splice;
