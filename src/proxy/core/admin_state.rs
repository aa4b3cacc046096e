//! A backend's admin state, set by the operator through the runtime API (ops/runtime.rs)
//! and kept apart from its health: checks and passive failures never change it. Read by
//! every pick through `Backend::takes_new` (backend.rs).

/// The operator's say on a backend (HAProxy runtime API `set server ... state`), apart from
/// its health: checks never override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminState {
    /// Takes traffic when healthy.
    Ready,
    /// No new requests; in-flight ones finish. Sticky and hashed clients move too (HAProxy's
    /// drain still takes persistent ones; the issue asks that they move).
    Drain,
    /// Maintenance: no traffic; checks may run but do not bring it back.
    Maint,
}

impl AdminState {
    pub fn name(self) -> &'static str {
        match self {
            AdminState::Ready => "ready",
            AdminState::Drain => "drain",
            AdminState::Maint => "maint",
        }
    }

    /// `ready`, `drain` or `maint` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ready" => Some(AdminState::Ready),
            "drain" => Some(AdminState::Drain),
            "maint" => Some(AdminState::Maint),
            _ => None,
        }
    }

    pub(super) fn from_u8(v: u8) -> Self {
        match v {
            1 => AdminState::Drain,
            2 => AdminState::Maint,
            _ => AdminState::Ready,
        }
    }
}
