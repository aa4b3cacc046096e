//! `lbctl ring` arguments.

/// Arguments of `lbctl ring` (not yet available).
pub type RingArgs = super::NotYetArgs;
