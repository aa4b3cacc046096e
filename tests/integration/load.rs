//! `lbctl load` integration tests (real sockets, the built binary).
