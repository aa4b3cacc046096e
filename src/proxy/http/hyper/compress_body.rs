//! Response compression on the hyper path, the last thing done to every answer of
//! `L7::handle` (relayed, local, or served from a cache): [`apply`] asks core/compress.rs for a
//! verdict, rewrites the head (Content-Encoding, Vary, a weakened ETag, no Content-Length or
//! Accept-Ranges), and wraps the body in a [`CompressBody`] that encodes each frame as it passes.
//! Nothing is buffered whole: the encoder holds its window (gzip 32 KiB, brotli and zstd 512 KiB)
//! and match tables, and one frame's output (benches/compress_memory.py measures about 0.4 MB
//! per gzip stream, 0.9 MB per zstd one, 2.2 MB per brotli-4 one); when the backend has nothing
//! ready the encoder is flushed, so a slow or streaming response (a long poll, server-sent
//! events) reaches the client as it is made.

use super::relay::{BoxError, RespBody};
use crate::proxy::core::compress::{
    Coding, CompressCounters, CompressSpec, RequestFacts, ResponseFacts, Verdict,
    varies_on_encoding, verdict, weaken_etag,
};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Request, Response, Version};
use hyper::body::{Body, Frame, SizeHint};
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

/// brotli's and zstd's window: 512 KiB (ngx_brotli's default `brotli_window`), which bounds
/// each stream's memory; their defaults (4 MiB, 2 MiB) gain little on web pages.
const WINDOW_LOG: u32 = 19;

/// What the request said that the response's compression depends on, read before the request
/// is consumed.
#[derive(Debug, Default)]
pub struct Asked {
    accept: Option<HeaderValue>,
    facts: RequestFacts,
}

impl Asked {
    pub fn of<B>(req: &Request<B>) -> Asked {
        let h = req.headers();
        let mut values = h.get_all(header::ACCEPT_ENCODING).iter();
        let accept = match (values.next(), values.next()) {
            (None, _) => None,
            (Some(v), None) => Some(v.clone()),
            // Several lines are one comma-separated list (RFC 9110 section 5.3).
            (Some(_), Some(_)) => {
                let all: Vec<&[u8]> = h
                    .get_all(header::ACCEPT_ENCODING)
                    .iter()
                    .map(|v| v.as_bytes())
                    .collect();
                HeaderValue::from_bytes(&all.join(&b","[..])).ok()
            }
        };
        Asked {
            accept,
            facts: RequestFacts {
                head: req.method() == http::Method::HEAD,
                never: req.version() == Version::HTTP_10
                    || req.version() == Version::HTTP_09
                    || crate::grpc::is_grpc(h)
                    || crate::proxy::http::headers::is_upgrade(h),
            },
        }
    }
}

/// Compress `resp` when `spec` (the route's setting) and the exchange allow it.
pub fn apply(
    resp: Response<RespBody>,
    asked: &Asked,
    spec: Option<&CompressSpec>,
    counters: &Arc<CompressCounters>,
) -> Response<RespBody> {
    let Some(spec) = spec else {
        return resp;
    };
    let h = resp.headers();
    let declared = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // A HEAD answer's body is empty; its Content-Length is the GET's length.
    let length = declared.or_else(|| {
        (!asked.facts.head)
            .then(|| resp.body().size_hint().exact())
            .flatten()
    });
    let no_transform = h.get_all(header::CACHE_CONTROL).iter().any(|v| {
        crate::http1::tokens(v.as_bytes()).any(|t| t.eq_ignore_ascii_case(b"no-transform"))
    });
    let facts = ResponseFacts {
        status: resp.status().as_u16(),
        content_type: h.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        content_encoding: h.contains_key(header::CONTENT_ENCODING),
        content_range: h.contains_key(header::CONTENT_RANGE),
        no_transform,
        length,
    };
    let v = verdict(
        spec,
        asked.facts,
        facts,
        asked.accept.as_ref().map(|a| a.as_bytes()),
    );
    let (coding, level) = match v {
        Verdict::Skip => return resp,
        Verdict::VaryOnly => {
            let (mut parts, body) = resp.into_parts();
            add_vary(&mut parts.headers);
            return Response::from_parts(parts, body);
        }
        Verdict::Compress(c, l) => (c, l),
    };
    let (mut parts, body) = resp.into_parts();
    add_vary(&mut parts.headers);
    let body = if asked.facts.head {
        // No body to encode; the head says what a GET would get.
        body
    } else {
        match Encoder::new(coding, level) {
            Ok(enc) => RespBody::transformed(CompressBody::new(body, enc, counters.clone())),
            // The codec could not start (out of memory): send the body as it is.
            Err(_) => return Response::from_parts(parts, body),
        }
    };
    let h = &mut parts.headers;
    h.remove(header::CONTENT_LENGTH);
    // A range of the encoded body would not be a range of the representation.
    h.remove(header::ACCEPT_RANGES);
    h.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(coding.name()),
    );
    if let Some(w) = h.get(header::ETAG).and_then(|e| weaken_etag(e.as_bytes()))
        && let Ok(w) = HeaderValue::from_bytes(&w)
    {
        h.insert(header::ETAG, w);
    }
    if !asked.facts.head {
        counters.responses[coding.index()].fetch_add(1, Ordering::Relaxed);
    }
    Response::from_parts(parts, body)
}

/// `Vary: Accept-Encoding`, unless a Vary already covers it.
fn add_vary(h: &mut HeaderMap) {
    if !h
        .get_all(header::VARY)
        .iter()
        .any(|v| varies_on_encoding(v.as_bytes()))
    {
        h.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

/// One stream's encoder, writing into a Vec that is drained after every write.
enum Encoder {
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Br(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Encoder {
    fn new(c: Coding, level: u32) -> std::io::Result<Encoder> {
        Ok(match c {
            Coding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::new(level),
            )),
            Coding::Br => Encoder::Br(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                level,
                WINDOW_LOG,
            ))),
            Coding::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(Vec::new(), level as i32)?;
                z.window_log(WINDOW_LOG)?;
                Encoder::Zstd(z)
            }
        })
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.write_all(data),
            Encoder::Br(e) => e.write_all(data),
            Encoder::Zstd(e) => e.write_all(data),
        }
    }

    /// Push out everything written so far (a sync flush: the stream goes on afterwards).
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.flush(),
            Encoder::Br(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }

    /// The output so far, leaving the buffer empty.
    fn take(&mut self) -> Vec<u8> {
        let out = match self {
            Encoder::Gzip(e) => e.get_mut(),
            Encoder::Br(e) => e.get_mut(),
            Encoder::Zstd(e) => e.get_mut(),
        };
        std::mem::take(out)
    }

    /// End the stream (gzip's trailer, brotli's last block, zstd's epilogue).
    fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Br(e) => Ok(e.into_inner()),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

/// The compressed body: the inner body's data frames through the encoder, its trailers after
/// the end of the compressed stream.
pub struct CompressBody {
    inner: RespBody,
    /// None once finished.
    enc: Option<Encoder>,
    /// Input written since the last flush.
    unflushed: bool,
    trailers: Option<HeaderMap>,
    in_bytes: u64,
    out_bytes: u64,
    counters: Arc<CompressCounters>,
}

impl CompressBody {
    fn new(inner: RespBody, enc: Encoder, counters: Arc<CompressCounters>) -> Self {
        CompressBody {
            inner,
            enc: Some(enc),
            unflushed: false,
            trailers: None,
            in_bytes: 0,
            out_bytes: 0,
            counters,
        }
    }

    fn out(&mut self, v: Vec<u8>) -> Option<Frame<Bytes>> {
        if v.is_empty() {
            return None;
        }
        self.out_bytes += v.len() as u64;
        Some(Frame::data(Bytes::from(v)))
    }

    /// The inner body ended (with or without trailers): close the compressed stream.
    fn finish(&mut self) -> Result<Option<Frame<Bytes>>, BoxError> {
        match self.enc.take() {
            Some(e) => {
                let v = e.finish()?;
                Ok(self.out(v))
            }
            None => Ok(None),
        }
    }
}

impl Body for CompressBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            let Some(enc) = this.enc.as_mut() else {
                return Poll::Ready(this.trailers.take().map(|t| Ok(Frame::trailers(t))));
            };
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => {
                    // The backend has nothing more yet: send what is compressed so far rather
                    // than hold it until more comes.
                    if !this.unflushed {
                        return Poll::Pending;
                    }
                    this.unflushed = false;
                    if let Err(e) = enc.flush() {
                        return Poll::Ready(Some(Err(e.into())));
                    }
                    let v = enc.take();
                    match this.out(v) {
                        Some(f) => return Poll::Ready(Some(Ok(f))),
                        None => return Poll::Pending,
                    }
                }
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        this.in_bytes += data.len() as u64;
                        if data.is_empty() {
                            continue;
                        }
                        if let Err(e) = enc.write(&data) {
                            return Poll::Ready(Some(Err(e.into())));
                        }
                        this.unflushed = true;
                        let v = enc.take();
                        if let Some(f) = this.out(v) {
                            return Poll::Ready(Some(Ok(f)));
                        }
                    }
                    Err(frame) => {
                        if let Ok(t) = frame.into_trailers() {
                            this.trailers = Some(t);
                        }
                        match this.finish() {
                            Ok(Some(f)) => return Poll::Ready(Some(Ok(f))),
                            Ok(None) => continue,
                            Err(e) => return Poll::Ready(Some(Err(e))),
                        }
                    }
                },
                Poll::Ready(Some(Err(e))) => {
                    // The relayed body broke: the compressed stream stays unfinished, so the
                    // client's decoder sees a truncated stream, not a complete wrong one.
                    this.enc = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => match this.finish() {
                    Ok(Some(f)) => return Poll::Ready(Some(Ok(f))),
                    Ok(None) => continue,
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.enc.is_none() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

impl Drop for CompressBody {
    fn drop(&mut self) {
        self.counters.add_bytes(self.in_bytes, self.out_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Read;

    fn run(c: Coding, chunks: &[&[u8]]) -> Vec<u8> {
        let counters = Arc::new(CompressCounters::default());
        let whole: Vec<u8> = chunks.concat();
        let body = RespBody::full(whole.clone());
        let enc = Encoder::new(c, c.default_level()).unwrap();
        let b = CompressBody::new(body, enc, counters.clone());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let out = rt.block_on(b.collect()).unwrap().to_bytes();
        assert_eq!(
            counters.in_bytes.load(Ordering::Relaxed),
            whole.len() as u64
        );
        assert_eq!(counters.out_bytes.load(Ordering::Relaxed), out.len() as u64);
        out.to_vec()
    }

    #[test]
    fn every_codec_round_trips() {
        let text = "<p>lbctl compresses this line.</p>\n".repeat(2000);
        let gz = run(Coding::Gzip, &[text.as_bytes()]);
        let mut d = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut d)
            .unwrap();
        assert_eq!(d, text);
        assert!(gz.len() < text.len() / 10);
        let br = run(Coding::Br, &[text.as_bytes()]);
        let mut d = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut d)
            .unwrap();
        assert_eq!(d, text.as_bytes());
        let z = run(Coding::Zstd, &[text.as_bytes()]);
        assert_eq!(zstd::decode_all(&z[..]).unwrap(), text.as_bytes());
        // An empty body is still a complete stream.
        let gz = run(Coding::Gzip, &[]);
        let mut d = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut d)
            .unwrap();
        assert_eq!(d, "");
    }

    /// A body played from a script: a frame, or None for one Pending (woken at once).
    struct Script(std::collections::VecDeque<Option<Frame<Bytes>>>);

    impl Body for Script {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
            match self.0.pop_front() {
                Some(Some(f)) => Poll::Ready(Some(Ok(f))),
                Some(None) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                None => Poll::Ready(None),
            }
        }
    }

    #[test]
    fn a_pause_flushes_and_trailers_come_after_the_stream() {
        let part = "<p>first part, sent before the backend pauses</p>\n".repeat(40);
        let mut t = HeaderMap::new();
        t.insert("grpc-status", HeaderValue::from_static("0"));
        let script = Script(
            [
                Some(Frame::data(Bytes::from(part.clone()))),
                None,
                Some(Frame::data(Bytes::from(part.clone()))),
                Some(Frame::trailers(t)),
            ]
            .into(),
        );
        let counters = Arc::new(CompressCounters::default());
        let enc = Encoder::new(Coding::Gzip, 2).unwrap();
        let mut b = CompressBody::new(RespBody::transformed(script), enc, counters);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut frames = Vec::new();
        while let Some(f) = rt.block_on(b.frame()) {
            frames.push(f.unwrap());
        }
        // The first part was flushed at the pause: some frames before the last data frame
        // decode to exactly it.
        let datas: Vec<&Bytes> = frames.iter().filter_map(|f| f.data_ref()).collect();
        let mut d = flate2::write::GzDecoder::new(Vec::new());
        let mut flushed_at = None;
        for (i, f) in datas.iter().enumerate() {
            d.write_all(f).unwrap();
            d.flush().unwrap();
            if d.get_ref().as_slice() == part.as_bytes() {
                flushed_at = Some(i);
                break;
            }
        }
        assert!(
            flushed_at.is_some_and(|i| i + 1 < datas.len()),
            "{flushed_at:?}"
        );
        let data: Vec<u8> = frames
            .iter()
            .filter_map(|f| f.data_ref())
            .flat_map(|d| d.iter().copied())
            .collect();
        let mut whole = String::new();
        flate2::read::GzDecoder::new(&data[..])
            .read_to_string(&mut whole)
            .unwrap();
        assert_eq!(whole, part.repeat(2));
        let last = frames.last().unwrap();
        assert_eq!(last.trailers_ref().unwrap()["grpc-status"], "0");
        assert!(b.is_end_stream());
    }

    #[test]
    fn vary_is_added_once() {
        let mut h = HeaderMap::new();
        add_vary(&mut h);
        add_vary(&mut h);
        assert_eq!(h.get_all(header::VARY).iter().count(), 1);
        let mut h = HeaderMap::new();
        h.insert(
            header::VARY,
            HeaderValue::from_static("Origin, accept-encoding"),
        );
        add_vary(&mut h);
        assert_eq!(h.get_all(header::VARY).iter().count(), 1);
    }
}
