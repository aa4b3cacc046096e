//! The data of a WebSocket check: what the upgrade and the exchange saw ([`WsInfo`], the
//! `websocket` object of probe's JSON). Plain data, below the WebSocket check (ws.rs) and the
//! conditions on it (field_exchange.rs).

/// Bytes of the first message kept for conditions and output (the rest is counted).
pub const MAX_KEPT: usize = 64 << 10;

/// What a `ws://` / `wss://` check saw.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WsInfo {
    /// The subprotocol the server chose (Sec-WebSocket-Protocol), if any.
    pub subprotocol: Option<String>,
    /// From sending the upgrade request to the 101 answer, in milliseconds.
    pub upgrade_ms: Option<f64>,
    /// From the 101 (and `--ws-send`) to the first data message, in milliseconds.
    pub first_message_ms: Option<f64>,
    /// "text" or "binary": the kind of the first data message.
    pub message_kind: Option<String>,
    /// The first data message (binary shown as lossy UTF-8), at most 64 KiB of it.
    pub message: Option<String>,
    /// Its full length in bytes.
    pub message_bytes: u64,
    /// How the connection ended: `clean` (the peer answered our close frame), `peer` (the
    /// peer closed first), `dropped` (TCP closed without a close frame), `no reply` (no close
    /// frame within the bound) or `not sent` (the check ended before closing).
    pub close: String,
    /// The status code of the peer's close frame (1000 normal, 1001 going away...).
    pub close_code: Option<u16>,
    /// The close handshake, in milliseconds.
    pub close_ms: Option<f64>,
}

/// A duration in milliseconds rounded to the microsecond (as probe's JSON timings).
pub fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}
