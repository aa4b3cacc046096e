//! Response compression on /metrics: per listener (`listener="listener[0]"`, the names the
//! policy families use), responses compressed by coding and the body bytes before and after
//! the codec, from core/compress.rs's counters. Listed only when a listener compresses, so a
//! plain proxy's output does not change.

use crate::proxy::core::compress::Coding;
use crate::proxy::core::frontend::L7;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Whether any route or default of this listener compresses.
fn compresses(l7: &L7) -> bool {
    let r = l7.routing();
    r.default_policy.iter().any(|p| p.compress.is_some())
        || r.routes
            .iter()
            .any(|rt| rt.policy.as_ref().is_some_and(|p| p.compress.is_some()))
}

pub fn encode_metrics(enc: &mut DescriptorEncoder, l7s: &[Arc<L7>]) -> Result<(), std::fmt::Error> {
    let on: Vec<(String, &Arc<L7>)> = l7s
        .iter()
        .enumerate()
        .filter(|(_, l)| compresses(l))
        .map(|(i, l)| (format!("listener[{i}]"), l))
        .collect();
    if on.is_empty() {
        return Ok(());
    }
    let mut m = enc.encode_descriptor(
        "lbctl_proxy_compressed_responses",
        "Responses compressed (--compress), by listener and content coding",
        None,
        MetricType::Counter,
    )?;
    for (name, l) in &on {
        for c in Coding::ALL {
            let labels: [(&str, &str); 2] = [("listener", name), ("encoding", c.name())];
            let n = l.counters.compress.responses[c.index()].load(Ordering::Relaxed);
            m.encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&n, None)?;
        }
    }
    for (metric, help, pick) in [
        (
            "lbctl_proxy_compression_in_bytes",
            "Body bytes given to the compressor (of finished or abandoned responses)",
            true,
        ),
        (
            "lbctl_proxy_compression_out_bytes",
            "Body bytes the compressor sent (of finished or abandoned responses)",
            false,
        ),
    ] {
        let mut m = enc.encode_descriptor(metric, help, None, MetricType::Counter)?;
        for (name, l) in &on {
            let c = &l.counters.compress;
            let n = if pick { &c.in_bytes } else { &c.out_bytes }.load(Ordering::Relaxed);
            let labels: [(&str, &str); 1] = [("listener", name)];
            m.encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&n, None)?;
        }
    }
    Ok(())
}
