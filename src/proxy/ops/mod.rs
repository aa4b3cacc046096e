//! The operations side: the admin listener ([`admin`]: `/metrics` in [`exposition`]'s two
//! formats, `/stats` with [`stats_extras`], the HTML [`stats_page`] at `/`, with the TCP
//! mode's counters from [`l4_stats`], the traffic policy's from [`policy_stats`], the response
//! cache's from [`cache_stats`], compression's from [`compress_stats`]; the runtime
//! API under `/api/` in [`runtime`], its changes made by [`control`], which also runs each
//! pool's checks), the terminal dashboard ([`dashboard`]), `lbctl proxy explain` ([`explain`]:
//! a routing decision shown without starting), `lbctl proxy ctl` ([`ctl`]: the runtime API's
//! client) and `lbctl proxy grafana` ([`grafana`]: the dashboard over `/metrics`).
//!
//! May import: `plan/`, `core/` (and, when it needs to, `http/` and `tcp/`) and the crate's
//! cores, including `output` for tables and JSON. Nothing below imports this room.

pub mod admin;
pub mod cache_stats;
pub mod compress_stats;
pub mod control;
pub mod ctl;
pub mod dashboard;
pub mod discovery;
pub mod explain;
pub mod exposition;
pub mod grafana;
pub mod l4_stats;
pub mod policy_stats;
pub mod runtime;
pub mod stats_extras;
pub mod stats_page;
