//! What both data paths share: a backend's live state and counters of every kind
//! ([`backend`], its status codes in [`status_counts`], its history for the stats page in
//! [`observed`]) and the operator's say on it ([`admin_state`]), pools and their picks
//! ([`pool`], [`hashkey`]), health checks ([`health`]),
//! the ACL ([`acl`]), a listener's front end and routing ([`frontend`], [`routing`]), the
//! header vocabulary decisions read ([`headers`]), the accept loop with its limits, idle
//! timeout and drain ([`listener`]), TLS on both sides ([`tls`]), the keep-alive connections
//! to backends ([`upstream`]), the stderr logs ([`log`]), and a route's traffic policy
//! ([`policy`]: [`ratelimit`], [`canary`], [`mirror`], and for its answers [`compress`] and
//! [`redirect`]), and the response cache ([`cache`]).
//!
//! May import: the crate's cores (`balance`, `check`, `spec`, `stats`, `tls`, `shutdown`,
//! `cli` for flag types, `exit` for usage errors) and other files of this room. Never `http/`, `tcp/`, `ops/` or
//! `plan/`: everything here sits below them.

pub mod acl;
pub mod admin_state;
pub mod backend;
pub mod cache;
pub mod canary;
pub mod compress;
pub mod frontend;
pub mod h2;
pub mod hashkey;
pub mod headers;
pub mod health;
pub mod listener;
pub mod log;
pub mod mirror;
pub mod observed;
pub mod outlier;
pub mod policy;
pub mod pool;
pub mod ratelimit;
pub mod redirect;
pub mod routing;
pub mod status_counts;
pub mod tls;
pub mod upstream;
