//! Load-balancing algorithms, pure and synchronous: used by `ring` (to inspect) and `proxy` (to pick).
pub mod hash;
