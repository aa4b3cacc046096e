//! `lbctl ring` integration tests (real sockets, the built binary).
