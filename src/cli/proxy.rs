//! `lbctl proxy` arguments.

/// Arguments of `lbctl proxy` (not yet available).
pub type ProxyArgs = super::NotYetArgs;
