//! `lbctl load` arguments.

/// Arguments of `lbctl load` (not yet available).
pub type LoadArgs = super::NotYetArgs;
