//! Health checks (tcp, http, tls) and the rise/fall state machine: run once by `probe`, continuously by `proxy`.
