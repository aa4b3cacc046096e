//! The TCP check: connect, and optionally send a payload and wait for the reply to contain the
//! expected bytes (enough for simple line protocols: `PING\r\n` → `+PONG`).

use super::{CheckSpec, Fail, FailKind, Phase, Progress, Target, connect, io_reason};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most reply bytes read while looking for `expect`.
const MAX_REPLY: usize = 64 * 1024;

pub(super) async fn check(spec: &CheckSpec, target: &Target, p: &mut Progress) -> Result<(), Fail> {
    let mut stream = connect(&target.host, target.port, p).await?;
    let t0 = Instant::now();
    if let Some(send) = &spec.send {
        stream
            .write_all(send)
            .await
            .map_err(|e| Fail::new(FailKind::Connect, format!("send: {}", io_reason(&e))))?;
    }
    let Some(expect) = &spec.expect else {
        return Ok(());
    };
    p.enter(Phase::FirstByte);
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Fail::new(FailKind::Protocol, format!("read: {}", io_reason(&e))))?;
        if p.out.timings.ttfb.is_none() && n > 0 {
            p.out.timings.ttfb = Some(t0.elapsed());
            p.enter(Phase::Body);
        }
        buf.extend_from_slice(&chunk[..n]);
        if contains(&buf, expect) {
            return Ok(());
        }
        if n == 0 || buf.len() >= MAX_REPLY {
            let seen = super::cond::truncate(String::from_utf8_lossy(&buf).trim(), 40);
            let want = String::from_utf8_lossy(expect);
            return Err(Fail::new(
                FailKind::Condition,
                if buf.is_empty() {
                    format!("connection closed without a reply (want '{want}')")
                } else {
                    format!("reply '{seen}' does not contain '{want}'")
                },
            ));
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}
