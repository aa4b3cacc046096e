//! gRPC's length-prefixed messages (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"): one byte
//! Compressed-Flag, a four-byte big-endian Message-Length, then the message. [`encode`] writes
//! one; [`Decoder`] takes DATA frames as they come and hands back whole messages, refusing a
//! compressed message (lbctl negotiates no `grpc-encoding`) and one longer than its bound
//! before buffering it, so a peer cannot make it hold more than the bound plus one DATA frame.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Bytes before each message: the flag and the length.
pub const PREFIX_LEN: usize = 5;
/// The default bound on one message, grpc's own default receive limit (4 MiB).
pub const DEFAULT_MAX: usize = 4 << 20;

/// Why a byte stream is not a sequence of messages this decoder accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the message is compressed (flag 1) but no grpc-encoding was agreed; expected flag 0")]
    Compressed,
    #[error("the compressed flag is {0}; expected 0 (or 1 with a grpc-encoding)")]
    BadFlag(u8),
    #[error("a message of {len} bytes is over the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("the stream ended inside a message ({have} of {want} bytes)")]
    Truncated { have: usize, want: usize },
}

/// One uncompressed message with its prefix.
pub fn encode(msg: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(PREFIX_LEN + msg.len());
    put(&mut b, msg);
    b.freeze()
}

/// Append one uncompressed message with its prefix to `out`.
pub fn put(out: &mut BytesMut, msg: &[u8]) {
    // A message over 4 GiB cannot be framed; lbctl never builds one (its messages are small).
    let len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    out.put_u8(0);
    out.put_u32(len);
    out.put_slice(&msg[..len as usize]);
}

/// A bounded, incremental decoder: `push` DATA frames in, `next` messages out.
#[derive(Debug)]
pub struct Decoder {
    max: usize,
    buf: BytesMut,
}

impl Decoder {
    /// A decoder refusing messages longer than `max` bytes.
    pub fn new(max: usize) -> Decoder {
        Decoder {
            max,
            buf: BytesMut::new(),
        }
    }

    /// Add received bytes (call `next` until it gives None after each push).
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole message, None when more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Bytes>, FrameError> {
        if self.buf.len() < PREFIX_LEN {
            return Ok(None);
        }
        let flag = self.buf[0];
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        match flag {
            0 => {}
            1 => return Err(FrameError::Compressed),
            f => return Err(FrameError::BadFlag(f)),
        }
        if len > self.max {
            return Err(FrameError::TooLarge { len, max: self.max });
        }
        if self.buf.len() < PREFIX_LEN + len {
            return Ok(None);
        }
        self.buf.advance(PREFIX_LEN);
        Ok(Some(self.buf.split_to(len).freeze()))
    }

    /// At the end of the stream: an error when a message was cut short.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let want = if self.buf.len() >= PREFIX_LEN {
            PREFIX_LEN
                + u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize
        } else {
            PREFIX_LEN
        };
        Err(FrameError::Truncated {
            have: self.buf.len(),
            want,
        })
    }
}

/// Every message of a complete byte stream (what the fuzz target drives).
pub fn decode_all(data: &[u8], max: usize) -> Result<Vec<Bytes>, FrameError> {
    let mut d = Decoder::new(max);
    d.push(data);
    let mut out = Vec::new();
    while let Some(m) = d.next_message()? {
        out.push(m);
    }
    d.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_prefix() {
        assert_eq!(&encode(b"")[..], &[0, 0, 0, 0, 0]);
        assert_eq!(&encode(b"\x08\x01")[..], &[0, 0, 0, 0, 2, 8, 1]);
    }

    #[test]
    fn decodes_across_split_frames() {
        let mut wire = BytesMut::new();
        put(&mut wire, b"hello");
        put(&mut wire, b"");
        put(&mut wire, b"world!");
        // Every split point, fed one byte at a time.
        let mut d = Decoder::new(DEFAULT_MAX);
        let mut got = Vec::new();
        for b in wire.iter() {
            d.push(&[*b]);
            while let Some(m) = d.next_message().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, vec![&b"hello"[..], b"", b"world!"]);
        assert!(d.finish().is_ok());
    }

    #[test]
    fn refuses_compressed_oversized_and_truncated() {
        assert_eq!(
            decode_all(&[1, 0, 0, 0, 0], 10),
            Err(FrameError::Compressed)
        );
        assert_eq!(
            decode_all(&[7, 0, 0, 0, 0], 10),
            Err(FrameError::BadFlag(7))
        );
        // The length alone is enough to refuse: nothing after the prefix is needed.
        assert_eq!(
            decode_all(&[0, 0, 0, 0, 11], 10),
            Err(FrameError::TooLarge { len: 11, max: 10 })
        );
        assert_eq!(
            decode_all(&[0, 0xff, 0xff, 0xff, 0xff], DEFAULT_MAX),
            Err(FrameError::TooLarge {
                len: u32::MAX as usize,
                max: DEFAULT_MAX
            })
        );
        assert_eq!(
            decode_all(&[0, 0, 0, 0, 3, 1], 10),
            Err(FrameError::Truncated { have: 6, want: 8 })
        );
        assert_eq!(
            decode_all(&[0, 0], 10),
            Err(FrameError::Truncated { have: 2, want: 5 })
        );
        let e = FrameError::TooLarge { len: 11, max: 10 }.to_string();
        assert!(e.contains("over the limit"), "{e}");
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(14);
        for _ in 0..20_000 {
            let n = rng.random_range(0..24);
            let v: Vec<u8> = (0..n)
                .map(|_| {
                    if rng.random_bool(0.5) {
                        rng.random_range(0..3)
                    } else {
                        rng.random()
                    }
                })
                .collect();
            let _ = decode_all(&v, 8);
        }
    }
}
