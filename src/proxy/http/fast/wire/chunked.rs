//! Chunked bodies (RFC 9112 section 7.1): where one ends, found by walking its framing byte by
//! byte without decoding it, so its bytes are forwarded as they came and a broken framing is
//! caught before the next message could be read from the wrong place.

/// Where a chunked body ends, found by walking its framing without decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkedEnd {
    state: Chunk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// In a chunk-size line: the size so far and its number of hex digits.
    Size(u64, u8),
    /// After the size: optional whitespace (BWS) before `;` or the CR.
    SizeBws(u64),
    /// In chunk extensions, until CR.
    Ext(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    /// In a trailer field's name.
    TrailerName,
    /// After the colon of a trailer field.
    TrailerValue,
    TrailerLf,
    FinalLf,
    Done,
}

/// Why a chunked body's framing is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadChunk;

impl Default for ChunkedEnd {
    fn default() -> Self {
        ChunkedEnd {
            state: Chunk::Size(0, 0),
        }
    }
}

/// A byte allowed in a field value or a chunk extension: HTAB, SP, VCHAR, obs-text (RFC 9110
/// section 5.5); never CR, LF, NUL or another control.
fn field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

impl ChunkedEnd {
    /// Walk `data` (the next bytes of the body); `Some(n)` when the body ends after `n` of them.
    /// The grammar is RFC 9112 section 7.1, strictly: hex sizes (no sign, no `0x`, at most 16
    /// digits), extensions of field-value bytes only, CRLF line ends (a bare LF is an error),
    /// trailer lines that are field lines (`name: value`).
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<usize>, BadChunk> {
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            self.state = match self.state {
                Chunk::Size(n, digits) => match (b as char).to_digit(16) {
                    Some(d) if digits < 16 => Chunk::Size(n << 4 | d as u64, digits + 1),
                    Some(_) => return Err(BadChunk),
                    None if digits == 0 => return Err(BadChunk),
                    None if b == b'\r' => Chunk::SizeLf(n),
                    None if b == b';' => Chunk::Ext(n),
                    None if b == b' ' || b == b'\t' => Chunk::SizeBws(n),
                    None => return Err(BadChunk),
                },
                Chunk::SizeBws(n) => match b {
                    b' ' | b'\t' => Chunk::SizeBws(n),
                    b';' => Chunk::Ext(n),
                    b'\r' => Chunk::SizeLf(n),
                    _ => return Err(BadChunk),
                },
                Chunk::Ext(n) => match b {
                    b'\r' => Chunk::SizeLf(n),
                    b if field_byte(b) => Chunk::Ext(n),
                    _ => return Err(BadChunk),
                },
                Chunk::SizeLf(n) => match (b, n) {
                    (b'\n', 0) => Chunk::TrailerStart,
                    (b'\n', n) => Chunk::Data(n),
                    _ => return Err(BadChunk),
                },
                Chunk::Data(n) => {
                    // The payload is skipped in one step, never looked at.
                    let take = n.min((data.len() - i) as u64);
                    i += take as usize;
                    self.state = if take == n {
                        Chunk::DataCr
                    } else {
                        Chunk::Data(n - take)
                    };
                    continue;
                }
                Chunk::DataCr if b == b'\r' => Chunk::DataLf,
                Chunk::DataLf if b == b'\n' => Chunk::Size(0, 0),
                Chunk::DataCr | Chunk::DataLf => return Err(BadChunk),
                Chunk::TrailerStart if b == b'\r' => Chunk::FinalLf,
                Chunk::TrailerStart | Chunk::TrailerName if crate::http1::is_tchar(b) => {
                    Chunk::TrailerName
                }
                Chunk::TrailerName if b == b':' => Chunk::TrailerValue,
                Chunk::TrailerValue if b == b'\r' => Chunk::TrailerLf,
                Chunk::TrailerValue if field_byte(b) => Chunk::TrailerValue,
                Chunk::TrailerStart | Chunk::TrailerName | Chunk::TrailerValue => {
                    return Err(BadChunk);
                }
                Chunk::TrailerLf if b == b'\n' => Chunk::TrailerStart,
                Chunk::FinalLf if b == b'\n' => Chunk::Done,
                Chunk::TrailerLf | Chunk::FinalLf => return Err(BadChunk),
                Chunk::Done => return Ok(Some(i)),
            };
            i += 1;
            if self.state == Chunk::Done {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }
}
