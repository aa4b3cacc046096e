//! The HTTP data path. [`serve`] runs an HTTP listener: each connection goes to the HTTP/1.1
//! fast path ([`fast`]: a raw relay and its wire parser) and, when it speaks HTTP/2 or sends a
//! request the fast path leaves alone, to hyper ([`hyper`]: the service, the streamed response
//! body). Both paths make the same per-request decisions through [`decide`] (ACL, route,
//! sticky cookie, hash key, `maxconn` queue, retries, passive health), rewrite headers by the
//! same rules ([`headers`]), and answer with the same local responses ([`local`]).
//!
//! May import: `core/` and the crate's cores. Never `tcp/` (a data path never imports the
//! other), `ops/` or `plan/`. Inside: `fast/` and `hyper/` share decisions, never each
//! other's internals; `decide`, `headers` and `local` import neither.

pub mod decide;
pub mod fast;
pub mod headers;
pub mod hyper;
pub mod local;
pub mod serve;
