//! `lbctl probe` integration tests (real sockets, the built binary).
