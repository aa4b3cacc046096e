//! Load-balancing algorithms, pure and synchronous: used by `ring` (to inspect) and `proxy` (to
//! pick). Each picker implements [`pick::Picker`]; the hash-based ones are in [`hash`],
//! and [`hash_pick`] adds the proxy's failover to them (for `proxy` and `sim`).
//!
//! May import: nothing of the crate (std and a few crates only). Everything else builds on it.

pub mod ewma;
pub mod hash;
pub mod hash_pick;
pub mod health;
pub mod ip_hash;
pub mod least_conn;
pub mod pick;
pub mod random;
pub mod round_robin;
pub mod smooth_weighted;
