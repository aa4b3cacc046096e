//! The Prometheus families of WebSocket and ICMP targets. ICMP under blackbox_exporter's
//! `icmp` prober names: `probe_icmp_duration_seconds{phase="resolve|setup|rtt"}` (rtt: the
//! mean round trip) and `probe_icmp_reply_hop_limit`, plus the counts
//! `probe_icmp_requests_sent` and `probe_icmp_replies_received` (blackbox sends one).
//! blackbox has no WebSocket prober, so these names are lbctl's, in the same style:
//! `probe_websocket_duration_seconds{phase="upgrade|message|close"}`,
//! `probe_websocket_message_bytes` (the first message), `probe_websocket_close_code` (the
//! peer's close status, 0 without one) and `probe_websocket_close_clean` (1 when the peer
//! answered our close frame). Written by report.rs beside the other families.

use super::targets::ProbeTarget;
use crate::check::CheckOutcome;

type Family = (&'static str, &'static str, Vec<String>);

pub fn families(rows: &[(&ProbeTarget, &CheckOutcome)], label: fn(&str) -> String) -> Vec<Family> {
    let mut ws_phase = Vec::new();
    let mut ws_bytes = Vec::new();
    let mut ws_code = Vec::new();
    let mut ws_clean = Vec::new();
    let mut icmp_phase = Vec::new();
    let mut icmp_hop = Vec::new();
    let mut icmp_sent = Vec::new();
    let mut icmp_got = Vec::new();
    let secs = |ms: Option<f64>| ms.unwrap_or(0.0) / 1e3;
    for (t, o) in rows {
        let target = label(&t.label);
        if let Some(w) = o.ws.as_deref() {
            for (phase, ms) in [
                ("upgrade", w.upgrade_ms),
                ("message", w.first_message_ms),
                ("close", w.close_ms),
            ] {
                ws_phase.push(format!(
                    "probe_websocket_duration_seconds{{target=\"{target}\",phase=\"{phase}\"}} {:.6}",
                    secs(ms)
                ));
            }
            ws_bytes.push(format!(
                "probe_websocket_message_bytes{{target=\"{target}\"}} {}",
                w.message_bytes
            ));
            ws_code.push(format!(
                "probe_websocket_close_code{{target=\"{target}\"}} {}",
                w.close_code.unwrap_or(0)
            ));
            ws_clean.push(format!(
                "probe_websocket_close_clean{{target=\"{target}\"}} {}",
                u8::from(w.close == "clean")
            ));
        }
        if t.target.scheme == crate::check::Scheme::Icmp {
            let tm = &o.timings;
            for (phase, d) in [("resolve", tm.dns), ("setup", tm.connect), ("rtt", tm.ttfb)] {
                icmp_phase.push(format!(
                    "probe_icmp_duration_seconds{{target=\"{target}\",phase=\"{phase}\"}} {:.6}",
                    d.unwrap_or_default().as_secs_f64()
                ));
            }
            let i = o.icmp.as_deref();
            if let Some(h) = i.and_then(|i| i.hop_limit) {
                icmp_hop.push(format!(
                    "probe_icmp_reply_hop_limit{{target=\"{target}\"}} {h}"
                ));
            }
            icmp_sent.push(format!(
                "probe_icmp_requests_sent{{target=\"{target}\"}} {}",
                i.map_or(0, |i| i.sent)
            ));
            icmp_got.push(format!(
                "probe_icmp_replies_received{{target=\"{target}\"}} {}",
                i.map_or(0, |i| i.received)
            ));
        }
    }
    vec![
        (
            "probe_websocket_duration_seconds",
            "WebSocket phases in seconds: upgrade (request to 101), message (to the first message), close (the close handshake).",
            ws_phase,
        ),
        (
            "probe_websocket_message_bytes",
            "Length of the first WebSocket message received, in bytes (0 without one).",
            ws_bytes,
        ),
        (
            "probe_websocket_close_code",
            "Status code of the peer's WebSocket close frame (0 without one).",
            ws_code,
        ),
        (
            "probe_websocket_close_clean",
            "Whether the peer answered the close frame with its own (1) or not (0).",
            ws_clean,
        ),
        (
            "probe_icmp_duration_seconds",
            "Duration of ICMP request(s) by phase (rtt: the mean round trip).",
            icmp_phase,
        ),
        (
            "probe_icmp_reply_hop_limit",
            "Replied packet hop limit (TTL for IPv4).",
            icmp_hop,
        ),
        (
            "probe_icmp_requests_sent",
            "ICMP echo requests sent.",
            icmp_sent,
        ),
        (
            "probe_icmp_replies_received",
            "ICMP echo replies received.",
            icmp_got,
        ),
    ]
}
