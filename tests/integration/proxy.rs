//! `lbctl proxy` integration tests (real sockets, the built binary).
