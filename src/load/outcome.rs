//! How one request attempt of a load run ends ([`Outcome`]): an [`Answer`] (status, bytes,
//! the `--group-by` value), an [`ExchangeError`] sorted into one of the report's categories
//! ([`ErrorKind`]), or cut by the end of the run. Both clients produce these (conn.rs on
//! hyper, h1.rs hand-written); the slots, the tally and the report read them.

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
