//! `--targets FILE` as requests: one streaming check of the whole file before any traffic
//! ([`scan`]: every bad line is exit 2 with its line number; the distinct origins are collected
//! and resolved once), then, during the run, a shared [`TargetStream`] the slots pull prepared
//! requests from. It reads the file in blocks of at most [`BLOCK_TARGETS`] targets (or
//! [`BLOCK_BODY_BYTES`] of bodies), sends each target of a block `weight` times interleaved
//! (stride scheduling, the order smooth weighted round robin gives), and goes back to the
//! start at the end of the file. Memory is one block, whatever the file's size.
//!
//! With `--shard I/N` the stream holds this shard's targets only: target k of the file
//! (0-based, in file order, whatever its weight) belongs to shard k mod N, weights kept. The
//! whole file is still checked, and still read lazily: the other shards' targets are parsed
//! and skipped, never prepared (their body files are not read).

use super::shard::Shard;
use super::target::{Target, parse_header, parse_url, wire_request};
use super::targets_file::{BodySource, Format, LineError, RawTarget, TargetReader};
use crate::exit::Failure;
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::Full;
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Targets per block.
pub const BLOCK_TARGETS: usize = 1024;
/// Body bytes per block (a block holds at least one target).
pub const BLOCK_BODY_BYTES: usize = 16 << 20;
/// The largest `@file` body.
pub const MAX_BODY_FILE: u64 = 64 << 20;
/// Distinct origins (scheme, host, port) in one file: each slot keeps a connection per origin.
pub const MAX_ORIGINS: usize = 256;

/// One request of the file, ready to send.
#[derive(Debug)]
pub struct Prepared {
    /// Index of its origin in the job's targets.
    pub origin: usize,
    pub method: Method,
    pub path: Uri,
    pub absolute: Uri,
    /// HTTP/1.1 headers (Host added, `Connection: close` with --no-keepalive).
    pub h1_headers: HeaderMap,
    /// HTTP/2 headers (no Connection, no added Host: HTTP/2 sends :authority).
    pub h2_headers: HeaderMap,
    pub body: Bytes,
    /// The whole HTTP/1.1 request, for the hand-written client.
    pub wire: Bytes,
}

impl Prepared {
    /// The request for hyper (TLS or HTTP/2 connections).
    pub fn request(&self, h2: bool) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        if h2 {
            *req.uri_mut() = self.absolute.clone();
            *req.version_mut() = http::Version::HTTP_2;
            *req.headers_mut() = self.h2_headers.clone();
        } else {
            *req.uri_mut() = self.path.clone();
            *req.headers_mut() = self.h1_headers.clone();
        }
        req
    }
}

/// What turns raw targets into requests: the global `-H` headers, `--no-keepalive`, and the
/// origins found by [`scan`].
#[derive(Clone)]
struct Shaper {
    global: Vec<(HeaderName, HeaderValue)>,
    close: bool,
    /// Origin key (scheme and authority) to its index.
    origins: HashMap<String, usize>,
}

/// The result of the start-up check.
pub struct Scan {
    /// The first target of each origin, resolved (the job's targets).
    pub origins: Vec<Target>,
    /// This shard's targets (all of them without a shard) and their weights.
    pub targets: u64,
    pub total_weight: u64,
    /// Targets in the file.
    pub file_targets: u64,
    pub shard: Option<Shard>,
    pub format: Format,
}

impl Scan {
    /// For the start line: `FILE (N targets, weight W, K origins)`.
    pub fn summary(&self, path: &Path) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let weight = if self.total_weight == self.targets {
            String::new()
        } else {
            format!(", total weight {}", self.total_weight)
        };
        let of = match self.shard {
            Some(s) => format!(
                " of {} for shard {}/{}",
                self.file_targets, s.index, s.count
            ),
            None => String::new(),
        };
        format!(
            "{} ({} target{}{of}{weight}, {} origin{}, {} format)",
            path.display(),
            self.targets,
            plural(self.targets as usize),
            self.origins.len(),
            plural(self.origins.len()),
            match self.format {
                Format::Http => "http",
                Format::Json => "json",
            }
        )
    }
}

/// Check the whole file, streaming: every target must parse and its body file exist. Costs one
/// read of the file, a URL parse per target, a `stat` per body file and one DNS lookup per
/// distinct origin; memory stays one target.
pub fn scan(
    path: &Path,
    format: Option<Format>,
    headers: &[String],
    close: bool,
    shard: Option<Shard>,
) -> anyhow::Result<(Scan, TargetStream)> {
    let name = path.display().to_string();
    let mut global = Vec::new();
    for h in headers {
        let (k, v) = parse_header(h)?;
        if k == http::header::CONTENT_LENGTH || k == http::header::TRANSFER_ENCODING {
            return Err(Failure::usage(format!(
                "-H {k} with --targets: lbctl frames each target's body itself; expected no \
                 Content-Length or Transfer-Encoding header"
            )));
        }
        global.push((k, v));
    }
    let mut reader = TargetReader::open(path, format)
        .map_err(|e| Failure::usage(format!("cannot read --targets {name}: {e}")))?;
    let format = reader.format();
    let mut shaper = Shaper {
        global,
        close,
        origins: HashMap::new(),
    };
    let mut origins: Vec<Target> = Vec::new();
    let (mut targets, mut total_weight, mut file_targets) = (0u64, 0u64, 0u64);
    let at = |e: LineError| Failure::usage(format!("{name} line {}: {}", e.line, e.message));
    while let Some(raw) = reader.next_target().map_err(at)? {
        let line = raw.line;
        let bad = |message: String| at(LineError { line, message });
        let (target, key) = url_of(&raw).map_err(bad)?;
        if let std::collections::hash_map::Entry::Vacant(slot) = shaper.origins.entry(key) {
            if origins.len() == MAX_ORIGINS {
                return Err(bad(format!(
                    "a {}th origin ({}); expected at most {MAX_ORIGINS} distinct \
                     scheme://host:port in one targets file",
                    MAX_ORIGINS + 1,
                    slot.key()
                )));
            }
            let resolved = super::target::parse_target(&target.url)
                .map_err(|e| Failure::usage(format!("{name} line {line}: {e:#}")))?;
            slot.insert(origins.len());
            origins.push(resolved);
        }
        let mine = mine(file_targets, shard);
        file_targets += 1;
        let weight = raw.weight;
        shaper.prepare(raw, false).map_err(bad)?;
        if mine {
            total_weight += weight;
            targets += 1;
        }
    }
    if file_targets == 0 {
        return Err(Failure::usage(format!(
            "--targets {name} has no targets; expected 'METHOD URL' blocks or JSON lines"
        )));
    }
    if let Some(s) = shard
        && targets == 0
    {
        return Err(Failure::usage(format!(
            "--targets {name} has {file_targets} target(s), none for shard {}/{} (target k \
             goes to shard k mod {}); expected at least {} targets",
            s.index, s.count, s.count, s.count
        )));
    }
    let reader = TargetReader::open(path, Some(format))
        .map_err(|e| Failure::usage(format!("cannot read --targets {name}: {e}")))?;
    let stream = TargetStream {
        name,
        inner: Mutex::new(Cursor {
            reader,
            shaper,
            block: Vec::new(),
            order: BinaryHeap::new(),
            shard,
            number: 0,
        }),
    };
    Ok((
        Scan {
            origins,
            targets,
            total_weight,
            file_targets,
            shard,
            format,
        },
        stream,
    ))
}

/// Whether target `k` of the file (0-based) belongs to `shard`: k mod N == I.
fn mine(k: u64, shard: Option<Shard>) -> bool {
    shard.is_none_or(|s| k % s.count == s.index)
}

/// A body file must be a readable file of at most [`MAX_BODY_FILE`] bytes; its length.
fn check_body_file(p: &Path) -> Result<u64, String> {
    let meta =
        std::fs::metadata(p).map_err(|e| format!("cannot read body file {}: {e}", p.display()))?;
    if !meta.is_file() {
        return Err(format!("body file {} is not a file", p.display()));
    }
    if meta.len() > MAX_BODY_FILE {
        return Err(format!(
            "body file {} is over {} MiB; expected a smaller body",
            p.display(),
            MAX_BODY_FILE >> 20
        ));
    }
    Ok(meta.len())
}

/// The target's URL, parsed, and its origin key.
fn url_of(raw: &RawTarget) -> Result<(Target, String), String> {
    let (t, host, port) = parse_url(&raw.url).map_err(|e| format!("{e:#}"))?;
    let scheme = if t.h2c {
        "h2c"
    } else if t.tls {
        "https"
    } else {
        "http"
    };
    let key = format!("{scheme}://{}:{port}", host.to_ascii_lowercase());
    Ok((t, key))
}

impl Shaper {
    /// Turn a raw target into a request; `read_body` false only checks (the start-up scan).
    fn prepare(&self, raw: RawTarget, read_body: bool) -> Result<Prepared, String> {
        let method = Method::from_bytes(raw.method.as_bytes()).map_err(|_| {
            format!(
                "invalid method '{}'; expected a token such as GET, POST or PUT",
                raw.method
            )
        })?;
        let (target, key) = url_of(&raw)?;
        let origin = *self.origins.get(&key).ok_or_else(|| {
            format!("origin {key} was not in the file at start-up (the file changed)")
        })?;
        let (body, body_len) = match raw.body {
            BodySource::None => (Bytes::new(), 0),
            BodySource::Inline(b) => (Bytes::from(b), 0),
            BodySource::File(p) if read_body => {
                check_body_file(&p)?;
                let b = std::fs::read(&p)
                    .map_err(|e| format!("cannot read body file {}: {e}", p.display()))?;
                (Bytes::from(b), 0)
            }
            // The start-up scan: the length only (the scan checked the file).
            BodySource::File(p) => (Bytes::new(), check_body_file(&p)?),
        };
        let body_len = body_len.max(body.len() as u64);
        let mut h2 = HeaderMap::new();
        for (k, v) in &self.global {
            h2.append(k.clone(), v.clone());
        }
        for (name, value) in &raw.headers {
            let k = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                format!("'{name}' is not a valid header name; expected e.g. Content-Type")
            })?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header {name} has invalid characters"))?;
            if k == http::header::TRANSFER_ENCODING {
                return Err(
                    "Transfer-Encoding is not supported; lbctl sends the body with a \
                            Content-Length"
                        .into(),
                );
            }
            if k == http::header::CONTENT_LENGTH {
                // Framing is ours; a length that is the body's is simply redundant.
                if v.as_bytes() != body_len.to_string().as_bytes() {
                    return Err(format!(
                        "Content-Length {value} is not the body's {body_len} bytes"
                    ));
                }
                continue;
            }
            h2.append(k, v);
        }
        let mut h1 = h2.clone();
        if !h1.contains_key(http::header::HOST) {
            h1.insert(http::header::HOST, target.host.clone());
        }
        if self.close {
            h1.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        h2.remove(http::header::CONNECTION);
        let wire = if read_body {
            wire_request(&method, &target.path, &h1, &body)
        } else {
            Bytes::new()
        };
        Ok(Prepared {
            origin,
            method,
            path: target.path,
            absolute: target.absolute,
            h1_headers: h1,
            h2_headers: h2,
            body,
            wire,
        })
    }
}

/// The file as an endless sequence of requests, shared by every worker thread.
pub struct TargetStream {
    name: String,
    inner: Mutex<Cursor>,
}

struct Cursor {
    reader: TargetReader,
    shaper: Shaper,
    block: Vec<Arc<Prepared>>,
    /// The block's remaining sends, earliest first.
    order: BinaryHeap<Turn>,
    /// `--shard`: only its targets are sent.
    shard: Option<Shard>,
    /// The number in the file of the next target read (back to 0 at each rewind).
    number: u64,
}

impl TargetStream {
    /// The next request. An error (the file changed since the start-up scan) is reported as
    /// the request's failure.
    pub fn next(&self) -> Result<Arc<Prepared>, String> {
        let mut c = self
            .inner
            .lock()
            .map_err(|_| "the targets reader failed".to_string())?;
        if c.order.is_empty() {
            c.fill()
                .map_err(|e| format!("--targets {}: {e}", self.name))?;
        }
        let Some(turn) = c.order.pop() else {
            return Err(format!("--targets {}: no targets", self.name));
        };
        let p = c.block[turn.index as usize].clone();
        if turn.sent + 1 < turn.weight {
            c.order.push(Turn {
                sent: turn.sent + 1,
                ..turn
            });
        }
        Ok(p)
    }
}

impl Cursor {
    /// Read the next block, going back to the start of the file at its end.
    fn fill(&mut self) -> Result<(), String> {
        self.block.clear();
        let mut bytes = 0usize;
        let mut rewound = false;
        while self.block.len() < BLOCK_TARGETS && bytes < BLOCK_BODY_BYTES {
            let raw = match self.reader.next_target() {
                Ok(Some(r)) => r,
                Ok(None) if self.block.is_empty() && !rewound => {
                    self.reader.rewind().map_err(|e| e.to_string())?;
                    self.number = 0;
                    rewound = true;
                    continue;
                }
                Ok(None) => break,
                Err(e) => return Err(format!("line {}: {}", e.line, e.message)),
            };
            let k = self.number;
            self.number += 1;
            if !mine(k, self.shard) {
                continue;
            }
            let (line, weight) = (raw.line, raw.weight);
            let p = self
                .shaper
                .prepare(raw, true)
                .map_err(|e| format!("line {line}: {e}"))?;
            bytes += p.body.len();
            self.order.push(Turn {
                sent: 0,
                weight,
                index: self.block.len() as u32,
            });
            self.block.push(Arc::new(p));
        }
        Ok(())
    }
}

/// A target's next send in stride scheduling: its k-th of w sends in a block is due at
/// (k + 1/2) / w of the block, so targets interleave in proportion to their weights and each
/// is sent exactly w times (every due time below 1 comes before any at or above it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Turn {
    sent: u64,
    weight: u64,
    index: u32,
}

impl Ord for Turn {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        // (2k+1)/(2w) compared without division; ties go to the earlier target. Reversed:
        // BinaryHeap pops the greatest.
        let a = (2 * self.sent + 1) as u128 * other.weight as u128;
        let b = (2 * other.sent + 1) as u128 * self.weight as u128;
        b.cmp(&a).then(other.index.cmp(&self.index))
    }
}

impl PartialOrd for Turn {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("targets.txt");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn weighted_order_is_interleaved_and_exact() {
        let (_d, p) = write(
            "GET http://127.0.0.1:1/a\n# lbctl-weight: 3\n\nGET http://127.0.0.1:1/b\n\n\
             GET http://127.0.0.1:2/c\n# lbctl-weight: 2\n",
        );
        let (scan, stream) = scan(&p, None, &["X-G: 1".into()], false, None).unwrap();
        assert_eq!((scan.targets, scan.total_weight), (3, 6));
        assert_eq!(scan.origins.len(), 2);
        let paths: Vec<String> = (0..12)
            .map(|_| stream.next().unwrap().path.to_string())
            .collect();
        assert_eq!(paths[..6], paths[6..], "the same order every pass");
        assert_eq!(paths[..6], ["/a", "/c", "/a", "/b", "/c", "/a"]);
        let p = stream.next().unwrap();
        assert_eq!(p.h1_headers["x-g"], "1");
        assert_eq!(p.h1_headers["host"], "127.0.0.1:1");
        assert!(p.wire.starts_with(b"GET /a HTTP/1.1\r\n"));
    }

    #[test]
    fn counts_are_exact_per_pass_across_blocks() {
        // 2,500 targets: three blocks (1024, 1024, 452), weights 1..=3.
        let mut text = String::new();
        for i in 0..2500 {
            text.push_str(&format!(
                "{{\"method\":\"GET\",\"url\":\"http://127.0.0.1:1/{i}\",\"weight\":{}}}\n",
                i % 3 + 1
            ));
        }
        let (_d, p) = write(&text);
        let (scan, stream) = scan(&p, None, &[], false, None).unwrap();
        assert_eq!(scan.format, Format::Json);
        let total = scan.total_weight;
        assert_eq!(total, (0..2500u64).map(|i| i % 3 + 1).sum::<u64>());
        let mut counts = vec![0u64; 2500];
        for _ in 0..2 * total {
            let path = stream.next().unwrap().path.to_string();
            let i: usize = path.trim_start_matches('/').parse().unwrap();
            counts[i] += 1;
        }
        for (i, c) in counts.iter().enumerate() {
            assert_eq!(*c, 2 * (i as u64 % 3 + 1), "target {i}");
        }
    }

    #[test]
    fn shards_partition_the_targets_with_their_weights() {
        // 7 targets: shard k of 3 gets targets k, k+3, ... with their weights.
        let mut text = String::new();
        for i in 0..7 {
            text.push_str(&format!(
                "GET http://127.0.0.1:1/{i}\n# lbctl-weight: {}\n\n",
                i % 2 + 1
            ));
        }
        let (_d, p) = write(&text);
        let mut seen = [0u64; 7];
        for index in 0..3 {
            let shard = Some(Shard { index, count: 3 });
            let (scan, stream) = scan(&p, None, &[], false, shard).unwrap();
            assert_eq!(scan.file_targets, 7);
            let mine: Vec<u64> = (0..7).filter(|k| k % 3 == index).collect();
            assert_eq!(scan.targets, mine.len() as u64);
            assert_eq!(
                scan.total_weight,
                mine.iter().map(|k| k % 2 + 1).sum::<u64>()
            );
            for _ in 0..2 * scan.total_weight {
                let path = stream.next().unwrap().path.to_string();
                let k: u64 = path.trim_start_matches('/').parse().unwrap();
                assert_eq!(k % 3, index, "shard {index} sent target {k}");
                seen[k as usize] += 1;
            }
        }
        // Two passes of every shard: each target twice its weight, by exactly one shard.
        for (k, n) in seen.iter().enumerate() {
            assert_eq!(*n, 2 * (k as u64 % 2 + 1), "target {k}");
        }
        let e = scan(&p, None, &[], false, Some(Shard { index: 7, count: 8 }))
            .err()
            .unwrap();
        assert!(e.to_string().contains("none for shard 7/8"), "{e}");
    }

    #[test]
    fn scan_errors_name_the_line() {
        let cases = [
            (
                "GET http://127.0.0.1:1/\n\nGET ftp://x/\n",
                "line 3",
                "scheme",
            ),
            (
                "GET http://127.0.0.1:1/\n@missing.bin\n",
                "line 1",
                "body file",
            ),
            ("G\u{1}T http://127.0.0.1:1/\n", "line 1", "method"),
            (
                "GET http://127.0.0.1:1/\nBad Name: 1\n",
                "line 1",
                "header name",
            ),
            ("", "", "no targets"),
        ];
        for (text, line, what) in cases {
            let (_d, p) = write(text);
            let e = scan(&p, None, &[], false, None).err().unwrap();
            let msg = e.to_string();
            assert_eq!(crate::exit::code_of(&e), crate::exit::ExitCode::Usage);
            assert!(msg.contains(line) && msg.contains(what), "{text}: {msg}");
        }
    }
}
