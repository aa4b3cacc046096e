//! How one request attempt of a load run ends ([`Outcome`]): an [`Answer`] (status, bytes,
//! the `--group-by` value), an [`ExchangeError`] sorted into one of the report's categories
//! ([`ErrorKind`]), or cut by the end of the run. The clients produce these (conn.rs on
//! hyper, h2conn.rs on h2, h1.rs hand-written), sorting socket and TLS failures with
//! [`classify_io`]; the slots, the tally and the report read them.

use http::StatusCode;
use http::header::HeaderValue;

/// Error categories of the report, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    ConnectRefused,
    ConnectTimeout,
    Connect,
    RequestTimeout,
    Reset,
    Tls,
    Protocol,
    /// A response with status 5xx (the exchange worked; the server failed).
    Http5xx,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::ConnectRefused,
        ErrorKind::ConnectTimeout,
        ErrorKind::Connect,
        ErrorKind::RequestTimeout,
        ErrorKind::Reset,
        ErrorKind::Tls,
        ErrorKind::Protocol,
        ErrorKind::Http5xx,
    ];

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::ConnectRefused => "connect_refused",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::Connect => "connect_other",
            ErrorKind::RequestTimeout => "request_timeout",
            ErrorKind::Reset => "reset",
            ErrorKind::Tls => "tls",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Http5xx => "http_5xx",
        }
    }

    pub fn from_key(s: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A failed exchange: its category and a message for the report.
#[derive(Debug)]
pub struct ExchangeError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ExchangeError {
    pub(super) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ExchangeError {
            kind,
            message: message.into(),
        }
    }
}

/// What a completed exchange returns.
pub struct Answer {
    pub status: StatusCode,
    pub bytes: u64,
    /// The `--group-by` header value, when asked for.
    pub group: Option<HeaderValue>,
    /// The server asked to close the connection.
    pub close: bool,
}

/// How one attempt ended.
pub enum Outcome {
    Answer(Answer),
    Failed(ExchangeError),
    /// Cut by the end of the run: neither a response nor an error.
    Cut,
}

/// load's flags for trusting a server certificate.
pub(super) const TRUST_FLAGS: crate::tls::TrustFlags = crate::tls::TrustFlags {
    cacert: "--cacert FILE",
    insecure: "--insecure",
};

/// Sort a socket error: resets and closes, timeouts, TLS failures (rustls' error inside).
pub(super) fn classify_io(io: &std::io::Error, message: String) -> ExchangeError {
    use std::io::ErrorKind as K;
    let kind = match io.kind() {
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            ErrorKind::Reset
        }
        K::TimedOut => ErrorKind::RequestTimeout,
        _ if io
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            ErrorKind::Tls
        }
        _ => ErrorKind::Reset,
    };
    ExchangeError::new(kind, message)
}

/// The error and its sources in one line; a TLS error in words ([`crate::tls::explain`]), since
/// rustls' own Display shows Debug forms.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cur) = src {
        // rustls' error, bare or inside an io::Error (whose source() skips the inner error).
        let tls = cur.downcast_ref::<rustls::Error>().or_else(|| {
            cur.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(tls) = tls {
            s.push_str(": ");
            s.push_str(&crate::tls::explain(tls).with_advice(&TRUST_FLAGS));
            break;
        }
        let m = cur.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = cur.source();
    }
    s
}
