//! The operations side: the admin listener ([`admin`]: `/metrics` and `/stats`, with the TCP
//! mode's counters from [`l4_stats`] and the traffic policy's from [`policy_stats`]), the terminal dashboard ([`dashboard`]), and
//! `lbctl proxy explain` ([`explain`]: a routing decision shown without starting).
//!
//! May import: `plan/`, `core/` (and, when it needs to, `http/` and `tcp/`) and the crate's
//! cores, including `output` for tables and JSON. Nothing below imports this room.

pub mod admin;
pub mod dashboard;
pub mod explain;
pub mod l4_stats;
pub mod policy_stats;
