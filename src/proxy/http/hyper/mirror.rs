//! Sending a route's mirror copies (core/mirror.rs decides which requests are copied): a copy
//! of the request head and its body (none, or up to [`MAX_BODY`] read whole by service.rs) to a
//! backend of the mirror pool, on a task of its own
//! holding one of the route's `max_in_flight` slots. The response is read and discarded; a
//! failure is counted and never reaches the client (nginx `mirror`: the main request does not
//! wait for the mirror subrequest; Envoy: "the shadow response is discarded").

use super::relay::absolute;
use crate::balance::pick::PickContext;
use crate::proxy::core::backend::Flight;
use crate::proxy::core::frontend::L7;
use crate::proxy::core::policy::Policy;
use crate::proxy::core::pool::{Pool, Tried, ip_bytes};
use http::header::{self, HeaderMap};
use http::{Method, Request, Uri, Version};
use http_body_util::{BodyExt, Either, Full};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The largest request body copied (a sampled request with a larger body, or one of unknown
/// length, is counted as skipped).
pub const MAX_BODY: u64 = 64 * 1024;
/// A response body larger than this is not read to its end (the connection is not reused).
const DRAIN_LIMIT: usize = 1 << 20;

/// The request head a copy is made of (after the proxy's header rewriting).
pub struct CopyHead {
    pub method: Method,
    /// Origin-form.
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The whole request body (empty for none).
    pub body: bytes::Bytes,
    pub ip: IpAddr,
}

/// A sampled request that cannot be copied (a body over [`MAX_BODY`] or of unknown length, or
/// an Upgrade).
pub fn skipped(policy: &Policy) {
    if let Some(m) = &policy.mirror {
        m.counters.skipped_body.fetch_add(1, Ordering::Relaxed);
    }
}

/// Send a copy in the background, unless `max_in_flight` copies are out (then it is dropped).
pub fn spawn(l7: &L7, policy: Arc<Policy>, pool: Arc<Pool>, copy: CopyHead) {
    let Some(m) = &policy.mirror else {
        return;
    };
    let Some(slot) = m.slot() else {
        return;
    };
    let timeout = l7.settings.backend_timeout;
    tokio::spawn(async move {
        let ok = send(&pool, copy, timeout).await;
        if let Some(m) = &policy.mirror {
            let c = if ok {
                &m.counters.sent
            } else {
                &m.counters.failed
            };
            c.fetch_add(1, Ordering::Relaxed);
        }
        drop(slot);
    });
}

/// One copy to one backend of `pool` (no retry: a copy is best effort). True when a response
/// head came back.
async fn send(pool: &Pool, copy: CopyHead, timeout: std::time::Duration) -> bool {
    let mut ip_buf = [0u8; 16];
    let ctx = PickContext {
        client_ip: Some(ip_bytes(copy.ip, &mut ip_buf)),
    };
    let Some(i) = pool.choose(&ctx, Tried::default()) else {
        return false;
    };
    let b = pool.backends[i].clone();
    let _flight = Flight::enter(&b);
    let Ok(Ok(mut conn)) = tokio::time::timeout(timeout, b.pool.checkout()).await else {
        b.count(None);
        return false;
    };
    let mut h = copy.headers;
    if !h.contains_key(header::HOST) {
        h.insert(header::HOST, b.host_value.clone());
    }
    let mut out = Request::new(Either::Right(Full::new(copy.body)));
    *out.method_mut() = copy.method;
    if conn.sender.is_h2() {
        *out.uri_mut() = absolute(&b, h.remove(header::HOST), copy.uri);
        *out.version_mut() = Version::HTTP_2;
    } else {
        *out.uri_mut() = copy.uri;
        *out.version_mut() = Version::HTTP_11;
    }
    *out.headers_mut() = h;
    let sent_at = std::time::Instant::now();
    let resp = match tokio::time::timeout(timeout, conn.sender.send(out)).await {
        Ok(Ok(r)) => r,
        _ => {
            b.count(None);
            return false;
        }
    };
    b.count(Some(resp.status().as_u16()));
    b.record_latency(sent_at.elapsed());
    // Read the body away so the connection can serve the next request.
    let mut body = resp.into_body();
    let mut read = 0usize;
    let complete = loop {
        match tokio::time::timeout(timeout, body.frame()).await {
            Ok(Some(Ok(f))) => {
                read += f.data_ref().map_or(0, |d| d.len());
                if read > DRAIN_LIMIT {
                    break false;
                }
            }
            Ok(None) => break true,
            _ => break false,
        }
    };
    if complete {
        b.pool.checkin(conn.sender);
    }
    true
}
