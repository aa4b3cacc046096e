//! The TCP mode's per-backend counters as the admin endpoints show them: the `tcp` object of
//! each backend in /stats and four counter families in /metrics (admin.rs calls in here when a
//! listener runs in TCP mode; the counters themselves live in [`crate::proxy::core::backend::L4Counters`]).

use crate::proxy::core::backend::Backend;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A backend's TCP counters in /stats.
#[derive(Debug, serde::Serialize)]
pub struct TcpStats {
    pub connections: u64,
    pub open: u64,
    pub connect_errors: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl TcpStats {
    pub fn of(b: &Backend) -> TcpStats {
        let l = &b.l4;
        TcpStats {
            connections: l.connections.load(Ordering::Relaxed),
            open: b.in_flight.load(Ordering::Relaxed),
            connect_errors: l.connect_errors.load(Ordering::Relaxed),
            bytes_in: l.bytes_in.load(Ordering::Relaxed),
            bytes_out: l.bytes_out.load(Ordering::Relaxed),
        }
    }
}

/// The per-backend TCP families of /metrics (admin.rs calls this when a listener is TCP).
pub fn encode_metrics(
    enc: &mut prometheus_client::encoding::DescriptorEncoder,
    all: &[(&str, &Arc<Backend>)],
) -> Result<(), std::fmt::Error> {
    use prometheus_client::encoding::NoLabelSet;
    use prometheus_client::metrics::MetricType;
    type Family = (&'static str, &'static str, fn(&Backend) -> u64);
    let families: [Family; 4] = [
        (
            "lbctl_proxy_tcp_connections",
            "TCP connections established to the backend",
            |b| b.l4.connections.load(Ordering::Relaxed),
        ),
        (
            "lbctl_proxy_tcp_connect_errors",
            "Failed connects (or TLS handshakes) to the backend",
            |b| b.l4.connect_errors.load(Ordering::Relaxed),
        ),
        (
            "lbctl_proxy_tcp_bytes_in",
            "Bytes copied from clients to the backend",
            |b| b.l4.bytes_in.load(Ordering::Relaxed),
        ),
        (
            "lbctl_proxy_tcp_bytes_out",
            "Bytes copied from the backend to clients",
            |b| b.l4.bytes_out.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, get) in families {
        let mut m = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
        for (pool, b) in all {
            let labels: [(&str, &str); 2] = [("pool", pool), ("backend", b.name())];
            m.encode_family(&labels)?
                .encode_counter::<NoLabelSet, u64, u64>(&get(b), None)?;
        }
    }
    Ok(())
}
