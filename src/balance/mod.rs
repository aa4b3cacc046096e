//! Load-balancing algorithms, pure and synchronous: used by `ring` (to inspect) and `proxy` (to pick).

pub mod ewma;
pub mod hash;
pub mod ip_hash;
pub mod least_conn;
pub mod pick;
pub mod random;
pub mod round_robin;
pub mod smooth_weighted;
