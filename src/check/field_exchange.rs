//! Field conditions on a WebSocket exchange or ICMP echoes (`--expect 'ws.message ~ pong'`),
//! parsed and judged here for field.rs, which owns the `FIELD OP VALUE` syntax:
//!
//! - `ws.message` (the first data message; text, binary as lossy UTF-8) and `ws.subprotocol`
//!   with `==`/`!=` (exact) or `~`/`!~` (a regular expression).
//! - `ws.close_code` (the peer's close frame status: 1000 normal...) with `== != >= <= > <`.
//! - `icmp.replies`, `icmp.loss` (percent), `icmp.rtt_ms` (the slowest reply) and
//!   `icmp.hop_limit` (TTL of the last reply) with `== != >= <= > <`.

use super::icmp_data::IcmpInfo;
use super::words::{Op, compare, truncate};
use super::ws_data::WsInfo;

/// What an exchange condition looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    WsMessage,
    WsSubprotocol,
    WsCloseCode,
    IcmpReplies,
    IcmpLoss,
    IcmpRtt,
    IcmpHopLimit,
}

impl Field {
    /// The field a name denotes, if it is one of ours.
    pub fn named(parts: &[&str]) -> Option<Field> {
        Some(match parts {
            ["ws", "message"] => Field::WsMessage,
            ["ws", "subprotocol"] => Field::WsSubprotocol,
            ["ws", "close_code"] => Field::WsCloseCode,
            ["icmp", "replies"] => Field::IcmpReplies,
            ["icmp", "loss"] => Field::IcmpLoss,
            ["icmp", "rtt_ms"] => Field::IcmpRtt,
            ["icmp", "hop_limit"] => Field::IcmpHopLimit,
            _ => return None,
        })
    }

    /// Whether the field is text (compared exactly or by a regex) rather than a number.
    pub fn is_text(self) -> bool {
        matches!(self, Field::WsMessage | Field::WsSubprotocol)
    }

    /// Whether the field belongs to a WebSocket check (else to an ICMP one).
    pub fn is_ws(self) -> bool {
        matches!(
            self,
            Field::WsMessage | Field::WsSubprotocol | Field::WsCloseCode
        )
    }
}

/// The value a condition compares against.
#[derive(Debug, Clone)]
pub enum Want {
    Number(f64),
    Exact(String),
    Re(regex::Regex),
}

/// Judge `field op want` on what the check saw; Err names the value seen.
pub fn eval(
    field: Field,
    op: Op,
    want: &Want,
    text: &str,
    ws: Option<&WsInfo>,
    icmp: Option<&IcmpInfo>,
) -> Result<(), String> {
    let holds = |ok: bool, seen: String| {
        if ok {
            Ok(())
        } else {
            Err(format!("'{text}' does not hold (saw {seen})"))
        }
    };
    if field.is_ws() {
        let Some(ws) = ws else {
            return Err(format!("'{text}' needs a ws:// or wss:// target"));
        };
        let value = match field {
            Field::WsMessage => ws.message.as_deref(),
            Field::WsSubprotocol => ws.subprotocol.as_deref(),
            _ => None,
        };
        if field.is_text() {
            let Some(v) = value else {
                let what = if field == Field::WsMessage {
                    "no message"
                } else {
                    "no subprotocol"
                };
                // Nothing matches nothing: `!=` and `!~` hold, `==` and `~` do not.
                return holds(matches!(op, Op::Ne | Op::NoMatch), what.into());
            };
            let hit = match want {
                Want::Exact(w) => v == w,
                Want::Re(re) => re.is_match(v),
                Want::Number(_) => false,
            };
            let ok = matches!(op, Op::Eq | Op::Match) == hit;
            return holds(ok, format!("'{}'", truncate(v, 80)));
        }
        let Want::Number(n) = want else {
            return holds(false, "a number".into());
        };
        return match ws.close_code {
            Some(c) => holds(compare(f64::from(c), op, *n), format!("close code {c}")),
            None => holds(false, format!("no close code (close: {})", ws.close)),
        };
    }
    let Some(icmp) = icmp else {
        return Err(format!("'{text}' needs an icmp:// target"));
    };
    let Want::Number(n) = want else {
        return holds(false, "a number".into());
    };
    let (value, seen) = match field {
        Field::IcmpReplies => (
            Some(f64::from(icmp.received)),
            format!("{} of {} replies", icmp.received, icmp.sent),
        ),
        Field::IcmpLoss => (
            Some(icmp.loss_percent()),
            format!("{}% loss", icmp.loss_percent()),
        ),
        Field::IcmpRtt => (
            icmp.rtt_max_ms(),
            icmp.rtt_max_ms()
                .map_or("no reply".into(), |r| format!("slowest reply {r} ms")),
        ),
        _ => (
            icmp.hop_limit.map(f64::from),
            icmp.hop_limit
                .map_or("no hop limit reported".into(), |h| format!("hop limit {h}")),
        ),
    };
    match value {
        Some(v) => holds(compare(v, op, *n), seen),
        None => holds(false, seen),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen() -> (WsInfo, IcmpInfo) {
        let ws = WsInfo {
            message: Some("pong 42".into()),
            close: "clean".into(),
            close_code: Some(1000),
            ..WsInfo::default()
        };
        let icmp = IcmpInfo {
            sent: 2,
            received: 1,
            rtt_ms: vec![0.5],
            hop_limit: Some(64),
            ..IcmpInfo::default()
        };
        (ws, icmp)
    }

    #[test]
    fn ws_and_icmp_fields() {
        let (ws, icmp) = seen();
        let re = |s: &str| Want::Re(regex::Regex::new(s).unwrap());
        let ok = |f, op, w: Want| eval(f, op, &w, "c", Some(&ws), Some(&icmp));
        assert!(ok(Field::WsMessage, Op::Match, re("^pong")).is_ok());
        assert!(ok(Field::WsMessage, Op::Eq, Want::Exact("pong 42".into())).is_ok());
        let e = ok(Field::WsMessage, Op::Eq, Want::Exact("pong".into())).unwrap_err();
        assert!(e.contains("saw 'pong 42'"), "{e}");
        assert!(ok(Field::WsSubprotocol, Op::Ne, Want::Exact("chat".into())).is_ok());
        assert!(ok(Field::WsCloseCode, Op::Eq, Want::Number(1000.0)).is_ok());
        assert!(ok(Field::IcmpReplies, Op::Ge, Want::Number(1.0)).is_ok());
        let e = ok(Field::IcmpLoss, Op::Eq, Want::Number(0.0)).unwrap_err();
        assert!(e.contains("50% loss"), "{e}");
        assert!(ok(Field::IcmpRtt, Op::Lt, Want::Number(1.0)).is_ok());
        assert!(ok(Field::IcmpHopLimit, Op::Eq, Want::Number(64.0)).is_ok());
        let e = eval(Field::IcmpLoss, Op::Eq, &Want::Number(0.0), "c", None, None).unwrap_err();
        assert!(e.contains("needs an icmp:// target"), "{e}");
        let e = eval(Field::WsMessage, Op::Match, &re("x"), "c", None, None).unwrap_err();
        assert!(e.contains("needs a ws:// or wss:// target"), "{e}");
    }
}
