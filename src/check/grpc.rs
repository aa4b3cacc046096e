//! The gRPC health check: grpc.health.v1 Health/Check (grpc/doc/health-checking.md) on one
//! HTTP/2 connection this module opens and times itself, h2c with prior knowledge for
//! `grpc://`, TLS with ALPN h2 for `grpcs://` (the same trust options as https). SERVING
//! passes; NOT_SERVING, UNKNOWN and SERVICE_UNKNOWN fail naming the status; a non-zero
//! grpc-status fails naming the code; a peer that is not gRPC fails saying so in plain words.

use super::{Fail, FailKind, HttpVersion, Phase, Progress, Target, connect};
use crate::grpc::Code;
use crate::grpc::client::{self, CallError, Reply};
use crate::grpc::health::{self, HealthCheckRequest, HealthCheckResponse, ServingStatus};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};

/// A health answer is a few bytes; anything near this is not one.
const MAX_REPLY: usize = 64 << 10;

pub(super) async fn check(
    spec: &super::CheckSpec,
    t: &Target,
    p: &mut Progress,
) -> Result<(), Fail> {
    let tcp = connect(&t.host, t.port, p).await?;
    if !t.scheme.is_tls() {
        return call(spec, t, "http", tcp, false, p).await;
    }
    let stream = super::http::tls_phase(
        spec,
        t,
        spec.host.as_deref(),
        HttpVersion::Http2,
        NO_H2,
        tcp,
        p,
    )
    .await?;
    let (_, conn) = stream.get_ref();
    if conn.alpn_protocol() != Some(b"h2".as_slice()) {
        return Err(Fail::new(FailKind::Protocol, NO_H2));
    }
    call(spec, t, "https", stream, true, p).await
}

/// gRPC needs HTTP/2 (PROTOCOL-HTTP2.md); over TLS that is ALPN h2 (RFC 9113 3.2).
const NO_H2: &str = "not a gRPC server: it did not agree to HTTP/2 (ALPN h2) in the TLS handshake";

/// A call's transport error in one line (hyper's error and its sources, TLS in words).
fn reason(e: &CallError) -> String {
    match e {
        CallError::Http(h) => super::http::error_chain(h),
        other => other.to_string(),
    }
}

/// The h2c case: the peer answered the HTTP/2 preface with something else.
fn not_h2(e: &CallError) -> Fail {
    Fail::new(
        FailKind::Protocol,
        format!(
            "not a gRPC server: no HTTP/2 answer to an h2c (prior knowledge) request ({})",
            reason(e)
        ),
    )
}

async fn call<IO>(
    spec: &super::CheckSpec,
    t: &Target,
    scheme: &str,
    io: IO,
    tls: bool,
    p: &mut Progress,
) -> Result<(), Fail>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let req = HealthCheckRequest {
        service: t.grpc_service().to_string(),
    }
    .encode_to_vec();
    p.enter(Phase::FirstByte);
    let t0 = Instant::now();
    // Over h2c a connection-level failure means the peer does not speak HTTP/2; a stream
    // error (RST_STREAM) comes from an HTTP/2 peer and is reported as it is.
    let transport = |e: CallError| {
        let r = reason(&e);
        if tls || r.contains("stream error") {
            Fail::new(FailKind::Protocol, format!("http2: {r}"))
        } else {
            not_h2(&e)
        }
    };
    let (mut sender, conn) = hyper::client::conn::http2::handshake::<_, _, Full<Bytes>>(
        TokioExecutor::new(),
        TokioIo::new(io),
    )
    .await
    .map_err(|e| transport(CallError::Http(e)))?;
    let _driver = super::http::AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));
    // --host is the :authority (and SNI above); -H headers go along as metadata.
    let authority = spec.host.clone().unwrap_or_else(|| t.authority());
    let resp = client::send_with(
        &mut sender,
        scheme,
        &authority,
        health::CHECK_PATH,
        &req,
        None,
        &spec.headers,
    )
    .await
    .map_err(transport)?;
    p.out.timings.ttfb = Some(t0.elapsed());
    p.out.http_version = Some("HTTP/2");
    p.out.status = Some(resp.status().as_u16());
    p.enter(Phase::Body);
    let reply = client::read_reply(resp, MAX_REPLY)
        .await
        .map_err(|e| match e {
            CallError::Frame(f) => Fail::new(FailKind::Protocol, format!("bad gRPC answer: {f}")),
            e => Fail::new(FailKind::Protocol, format!("http2: {}", reason(&e))),
        })?;
    judge(t, &reply, p)
}

/// SERVING passes; anything else fails with a reason naming what came back.
fn judge(t: &Target, reply: &Reply, p: &mut Progress) -> Result<(), Fail> {
    if !reply.is_grpc {
        return Err(Fail::new(
            FailKind::Protocol,
            format!(
                "not a gRPC server: HTTP {} without content-type application/grpc",
                reply.http_status
            ),
        ));
    }
    p.out.grpc_code = Some(reply.code);
    if reply.code != Code::Ok {
        let why = if reply.message.is_empty() {
            String::new()
        } else {
            format!(": {}", super::cond::truncate(&reply.message, 120))
        };
        return Err(Fail::new(
            FailKind::Condition,
            format!("grpc-status {}{why}", reply.code),
        ));
    }
    let body = reply.body.as_deref().ok_or_else(|| {
        Fail::new(
            FailKind::Protocol,
            "bad gRPC answer: grpc-status 0 but no HealthCheckResponse message",
        )
    })?;
    let resp = HealthCheckResponse::decode(body).map_err(|_| {
        Fail::new(
            FailKind::Protocol,
            "bad gRPC answer: the message is not a grpc.health.v1.HealthCheckResponse",
        )
    })?;
    let status = resp.serving_status();
    p.out.grpc_status = Some(status.name());
    if status == ServingStatus::Serving {
        return Ok(());
    }
    let service = match t.grpc_service() {
        "" => "the server".to_string(),
        s => format!("service '{s}'"),
    };
    Err(Fail::new(
        FailKind::Condition,
        format!("health status {} for {service}", status.name()),
    ))
}
