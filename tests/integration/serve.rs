//! `lbctl serve`: real backends on port 0, hit over real sockets.
