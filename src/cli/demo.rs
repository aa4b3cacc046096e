//! `lbctl demo` arguments.

/// Arguments of `lbctl demo` (not yet available).
pub type DemoArgs = super::NotYetArgs;
