//! From flags and `lbctl.toml` to a [`build::Plan`]: the config file ([`config`]), what the
//! command line describes ([`flags`]: pools and the listener from flags, `--pool`/`--sni`, each
//! listener's mode and the mode-only flag checks), route policies ([`policy`]), the response
//! cache's size and which routes use it ([`cache`]), what is done to a route's answers
//! ([`content`]: compression, the redirect to https) and the one
//! builder for both modes ([`build`]: backends, pools with their algorithms, routes, checks,
//! TLS, a listener's `L7` and, in TCP mode, its `L4`); a running pool rebuilt with another
//! backend list ([`rebuild`], the runtime API's add, remove and weight change); backends found
//! in DNS ([`members`]: which specs, and the members one lookup gives). Everything a user can
//! get wrong is found here, before a socket is opened (exit 2).
//!
//! May import: `core/`, `tcp/` (to build a TCP listener's `L4`) and the crate's cores.
//! Never `http/` or `ops/`.

pub mod build;
pub mod cache;
pub mod config;
pub mod content;
pub mod flags;
pub mod members;
pub mod policy;
pub mod rebuild;
