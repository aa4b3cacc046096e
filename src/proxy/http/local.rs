//! The answers the proxy gives itself instead of a backend's (403, 404, 400, 429, 502, 503,
//! 504): a status, a one-line plain-text body, and for a 429 a `Retry-After`. Both HTTP paths write them (the hyper path through
//! hyper/relay.rs `local`, the fast path through its wire code `write_local`), and the
//! decisions (decide.rs) choose them, so the type sits below all three.

use http::StatusCode;

/// A response the proxy makes itself: a status and a one-line plain-text body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub status: StatusCode,
    pub text: &'static str,
    /// Seconds for a `Retry-After` header (0: none); set on [`TOO_MANY_REQUESTS`] per request.
    pub retry_after: u32,
}

pub const FORBIDDEN: Local = Local {
    status: StatusCode::FORBIDDEN,
    text: "403 forbidden: your address is not allowed by this proxy's ACL\n",
    retry_after: 0,
};
pub const NO_ROUTE: Local = Local {
    status: StatusCode::NOT_FOUND,
    text: "404 not found: no route of this proxy matches the request\n",
    retry_after: 0,
};
pub const QUEUE_TIMEOUT: Local = Local {
    status: StatusCode::SERVICE_UNAVAILABLE,
    text: "503 service unavailable: the backend's queue (maxconn) did not move in time\n",
    retry_after: 0,
};
pub const NO_BACKEND: Local = Local {
    status: StatusCode::SERVICE_UNAVAILABLE,
    text: "503 service unavailable: no healthy backend in the pool\n",
    retry_after: 0,
};
pub const GATEWAY_TIMEOUT: Local = Local {
    status: StatusCode::GATEWAY_TIMEOUT,
    text: "504 gateway timeout: the backend did not answer in time\n",
    retry_after: 0,
};
pub const CONNECT_FAILED: Local = Local {
    status: StatusCode::BAD_GATEWAY,
    text: "502 bad gateway: could not connect to a backend\n",
    retry_after: 0,
};
pub const BAD_REQUEST_BODY: Local = Local {
    status: StatusCode::BAD_REQUEST,
    text: "400 bad request: the request body was malformed or cut short\n",
    retry_after: 0,
};
pub const BACKEND_FAILED: Local = Local {
    status: StatusCode::BAD_GATEWAY,
    text: "502 bad gateway: the backend failed before answering\n",
    retry_after: 0,
};
/// A rate limit refused the request (nginx `limit_req_status 429`); `retry_after` is set per
/// request from the limiter's wait.
pub const TOO_MANY_REQUESTS: Local = Local {
    status: StatusCode::TOO_MANY_REQUESTS,
    text: "429 too many requests: this client is over the proxy's rate limit; retry after the Retry-After seconds\n",
    retry_after: 0,
};
/// A missing, repeated or invalid Host (RFC 9112 section 3.2).
pub const BAD_HOST: Local = Local {
    status: StatusCode::BAD_REQUEST,
    text: "400 bad request: the request needs exactly one Host header of the form host[:port]\n",
    retry_after: 0,
};
/// An Upgrade (WebSocket) request whose backend speaks HTTP/2: RFC 8441's extended CONNECT is
/// not relayed.
pub const UPGRADE_OVER_H2: Local = Local {
    status: StatusCode::NOT_IMPLEMENTED,
    text: "501 not implemented: an Upgrade (WebSocket) request cannot be forwarded to an HTTP/2 backend\n",
    retry_after: 0,
};
/// A fragment in the request-target (RFC 9112 section 3.2; HAProxy refuses it too).
pub const BAD_FRAGMENT: Local = Local {
    status: StatusCode::BAD_REQUEST,
    text: "400 bad request: the request target has a fragment ('#')\n",
    retry_after: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_start_with_their_status_and_end_a_line() {
        for l in [
            FORBIDDEN,
            NO_ROUTE,
            QUEUE_TIMEOUT,
            NO_BACKEND,
            GATEWAY_TIMEOUT,
            CONNECT_FAILED,
            BACKEND_FAILED,
            BAD_REQUEST_BODY,
            BAD_HOST,
            BAD_FRAGMENT,
            UPGRADE_OVER_H2,
            TOO_MANY_REQUESTS,
        ] {
            assert!(l.text.starts_with(l.status.as_str()), "{l:?}");
            assert!(l.text.ends_with('\n'));
        }
    }
}
