//! `lbctl probe` arguments.

/// Arguments of `lbctl probe` (not yet available).
pub type ProbeArgs = super::NotYetArgs;
