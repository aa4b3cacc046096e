//! The wire corpus (wire_corpus.json): ambiguous and malformed HTTP/1.1 requests and responses,
//! each sent on the wire through a running `lbctl proxy` to a raw recording backend. The test
//! asserts what the backend received (parsed by a strict RFC 9112 parser written here,
//! independent of the proxy's) and what the client got. The same file drives
//! benches/wire_corpus.py, which runs every case against HAProxy too; a case's `haproxy` field
//! records where HAProxy 2.6 does otherwise and its `note` why lbctl differs.

use super::proxy;
use serde::Deserialize;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Deserialize)]
struct Case {
    name: String,
    dir: String,
    client: String,
    backend: Option<String>,
    #[serde(default)]
    backend_close: bool,
    #[serde(default)]
    head: bool,
    #[serde(default)]
    args: Vec<String>,
    expect: Expect,
}

#[derive(Deserialize, Debug)]
struct Expect {
    upstream: Vec<String>,
    client: Vec<u16>,
    #[serde(default)]
    client_has: Vec<String>,
    #[serde(default)]
    client_lacks: Vec<String>,
    client_body: Option<String>,
}

/// A JSON string whose chars are bytes (U+0000..U+00FF).
fn bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(c as u32).expect("corpus chars are bytes"))
        .collect()
}

const DEFAULT_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// The strict reference parser (RFC 9112), for the backend's side and the client's.
mod strict {
    pub fn tchar(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
    }

    fn field_byte(b: u8) -> bool {
        b == b'\t' || (b >= 0x20 && b != 0x7f)
    }

    /// A head's lines (without CRLF) and its length.
    pub type Head<'a> = (Vec<&'a [u8]>, usize);

    /// A head's lines up to the empty line; Err on a bare CR or LF, Ok(None) while incomplete.
    pub fn head_lines(buf: &[u8]) -> Result<Option<Head<'_>>, ()> {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            if buf.iter().enumerate().any(|(i, &b)| {
                (b == b'\n' && (i == 0 || buf[i - 1] != b'\r'))
                    || (b == b'\r' && i + 1 < buf.len() && buf[i + 1] != b'\n')
            }) {
                return Err(());
            }
            return Ok(None);
        };
        let lines: Vec<&[u8]> = buf[..end].split(|&b| b == b'\n').collect();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let l = if i + 1 < lines.len() {
                l.strip_suffix(b"\r").ok_or(())?
            } else {
                l
            };
            if l.contains(&b'\r') {
                return Err(());
            }
            out.push(l);
        }
        Ok(Some((out, end + 4)))
    }

    /// `name: value` with a token name, no obs-fold, field-value bytes only.
    pub fn field(line: &[u8]) -> Result<(String, &[u8]), ()> {
        let colon = line.iter().position(|&b| b == b':').ok_or(())?;
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || !name.iter().all(|&b| tchar(b)) {
            return Err(());
        }
        let value = value.trim_ascii();
        if !value.iter().all(|&b| field_byte(b)) {
            return Err(());
        }
        Ok((String::from_utf8_lossy(name).to_ascii_lowercase(), value))
    }

    pub enum Body {
        Length(usize),
        Chunked,
        None,
    }

    /// The framing of a message from its fields; Err("!ambiguous") or Err("!malformed").
    /// A request must be chunked alone; a response may carry other codings before chunked.
    pub fn framing(
        fields: &[(String, &[u8])],
        response: bool,
    ) -> Result<Option<Body>, &'static str> {
        let mut length: Option<usize> = None;
        let mut codings = Vec::new();
        for (n, v) in fields {
            if n == "content-length" {
                let s = std::str::from_utf8(v).map_err(|_| "!malformed")?;
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err("!malformed");
                }
                let len: usize = s.parse().map_err(|_| "!malformed")?;
                if length.is_some_and(|l| l != len) {
                    return Err("!ambiguous");
                }
                length = Some(len);
            } else if n == "transfer-encoding" {
                for c in v.split(|&b| b == b',') {
                    codings.push(c.trim_ascii().to_ascii_lowercase());
                }
            }
        }
        match (codings.is_empty(), length) {
            (false, Some(_)) => Err("!ambiguous"),
            (false, None) if codings == [b"chunked".to_vec()] => Ok(Some(Body::Chunked)),
            (false, None)
                if response
                    && codings.last().is_some_and(|c| c == b"chunked")
                    && codings.iter().filter(|c| *c == b"chunked").count() == 1 =>
            {
                Ok(Some(Body::Chunked))
            }
            (false, None) => Ok(None),
            (true, Some(n)) => Ok(Some(Body::Length(n))),
            (true, None) => Ok(Some(Body::None)),
        }
    }

    /// Decode a chunked body at the start of `buf`: Ok(Some((body, consumed))), Ok(None) while
    /// incomplete, Err when the framing is broken.
    pub fn chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, ()> {
        let mut at = 0;
        let mut body = Vec::new();
        loop {
            let Some(nl) = buf[at..].windows(2).position(|w| w == b"\r\n") else {
                return if buf[at..].contains(&b'\n') {
                    Err(())
                } else {
                    Ok(None)
                };
            };
            let line = &buf[at..at + nl];
            let size = line
                .split(|&b| b == b';')
                .next()
                .unwrap_or(b"")
                .trim_ascii_end();
            if size.is_empty()
                || size.len() > 15
                || !size.iter().all(u8::is_ascii_hexdigit)
                || line.iter().any(|&b| b < 0x20 && b != b'\t')
            {
                return Err(());
            }
            let n = usize::from_str_radix(std::str::from_utf8(size).map_err(|_| ())?, 16)
                .map_err(|_| ())?;
            at += nl + 2;
            if n == 0 {
                // Trailer fields, then the empty line.
                loop {
                    let Some(nl) = buf[at..].windows(2).position(|w| w == b"\r\n") else {
                        return Ok(None);
                    };
                    let line = &buf[at..at + nl];
                    at += nl + 2;
                    if line.is_empty() {
                        return Ok(Some((body, at)));
                    }
                    field(line)?;
                }
            }
            if buf.len() < at + n + 2 {
                return Ok(None);
            }
            body.extend_from_slice(&buf[at..at + n]);
            if &buf[at + n..at + n + 2] != b"\r\n" {
                return Err(());
            }
            at += n + 2;
        }
    }

    /// A request as the backend read it: its record, length on the wire, whether it is HEAD,
    /// and whether the connection ends after it (Connection: close, or HTTP/1.0).
    pub struct Request {
        pub record: String,
        pub used: usize,
        pub head: bool,
        pub last: bool,
    }

    /// Whether a Host value is host[:port] or empty (RFC 9110 section 7.2), checked
    /// independently of the proxy's own check.
    fn host_ok(v: &[u8]) -> bool {
        let s = String::from_utf8_lossy(v);
        let (host, port) = match s.rsplit_once(':') {
            Some((h, _)) if !h.ends_with(']') && h.contains(':') => (s.as_ref(), ""),
            Some((h, p)) => (h, p),
            None => (s.as_ref(), ""),
        };
        v.is_empty()
            || !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~[]:".contains(&b))
                && port.bytes().all(|b| b.is_ascii_digit())
    }

    /// The next complete request at the start of `buf`: Ok(Some(request)), Ok(None) while
    /// incomplete, Err(record) when the stream cannot be parsed further. An HTTP/1.1 request
    /// needs exactly one valid Host (RFC 9112 section 3.2), or it is "!malformed".
    pub fn request(buf: &[u8]) -> Result<Option<Request>, &'static str> {
        let Some((lines, head_len)) = head_lines(buf).map_err(|_| "!malformed")? else {
            return Ok(None);
        };
        let line = std::str::from_utf8(lines[0]).map_err(|_| "!malformed")?;
        let parts: Vec<&str> = line.split(' ').collect();
        let [method, target, version] = parts[..] else {
            return Err("!malformed");
        };
        if method.is_empty()
            || !method.bytes().all(tchar)
            || target.is_empty()
            || !target.bytes().all(|b| b > 0x20 && b != 0x7f)
            || !matches!(version, "HTTP/1.1" | "HTTP/1.0")
        {
            return Err("!malformed");
        }
        let mut fields = Vec::new();
        for l in &lines[1..] {
            fields.push(field(l).map_err(|_| "!malformed")?);
        }
        let hosts: Vec<&[u8]> = fields
            .iter()
            .filter(|(n, _)| n == "host")
            .map(|(_, v)| *v)
            .collect();
        if version == "HTTP/1.1" && (hosts.len() != 1 || !host_ok(hosts[0])) {
            return Err("!malformed");
        }
        let last = version == "HTTP/1.0"
            || fields.iter().any(|(n, v)| {
                n == "connection"
                    && v.split(|&b| b == b',')
                        .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
            });
        let rest = &buf[head_len..];
        let (record, used) = match framing(&fields, false)? {
            Some(Body::Length(n)) if rest.len() >= n => {
                (format!("{method} {target} {n}"), head_len + n)
            }
            Some(Body::Length(_)) => return Ok(None),
            Some(Body::Chunked) => match chunked(rest).map_err(|_| "!malformed")? {
                Some((body, used)) => (
                    format!("{method} {target} chunked {}", body.len()),
                    head_len + used,
                ),
                None => return Ok(None),
            },
            Some(Body::None) => (format!("{method} {target} 0"), head_len),
            None => return Err("!malformed"),
        };
        Ok(Some(Request {
            record,
            used,
            head: method == "HEAD",
            last,
        }))
    }

    /// One response as the client saw it.
    pub struct Response {
        pub status: u16,
        pub head: String,
        pub body: Vec<u8>,
    }

    /// Every complete response in `buf` (`closed`: the connection has ended, so a
    /// close-delimited body is whole). `head_request`: the requests were HEAD.
    pub fn responses(buf: &[u8], closed: bool, head_request: bool) -> Vec<Response> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < buf.len() {
            let Ok(Some((lines, head_len))) = head_lines(&buf[at..]) else {
                break;
            };
            let status_line = String::from_utf8_lossy(lines[0]).into_owned();
            let mut it = status_line.splitn(3, ' ');
            let version = it.next().unwrap_or("");
            let Some(status) = it.next().and_then(|c| c.parse::<u16>().ok()) else {
                break;
            };
            if !version.starts_with("HTTP/1.") {
                break;
            }
            let fields: Vec<(String, &[u8])> =
                lines[1..].iter().filter_map(|l| field(l).ok()).collect();
            let head = String::from_utf8_lossy(&buf[at..at + head_len]).to_ascii_lowercase();
            let rest = &buf[at + head_len..];
            let no_body = head_request || status < 200 || status == 204 || status == 304;
            let (body, used) = if no_body {
                (Vec::new(), 0)
            } else {
                match framing(&fields, true) {
                    Ok(Some(Body::Chunked)) => match chunked(rest) {
                        Ok(Some(x)) => x,
                        _ => break,
                    },
                    Ok(Some(Body::Length(n))) if rest.len() >= n => (rest[..n].to_vec(), n),
                    Ok(Some(Body::Length(_))) => break,
                    _ if closed => (rest.to_vec(), rest.len()),
                    _ => break,
                }
            };
            out.push(Response { status, head, body });
            at += head_len + used;
        }
        out
    }
}

/// The recording backend: every connection's bytes parsed strictly; each complete request is
/// answered (the first one with the case's answer, later ones with a plain 200).
struct Recorder {
    addr: String,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Recorder {
    fn start(answer: Vec<u8>, close_after: bool) -> Recorder {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let (s2, st2) = (seen.clone(), stop.clone());
        thread::spawn(move || {
            let answer = Arc::new(answer);
            while !st2.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((conn, _)) => {
                        let (seen, stop, answered, answer) =
                            (s2.clone(), st2.clone(), answered.clone(), answer.clone());
                        thread::spawn(move || {
                            serve(conn, &seen, &stop, &answered, &answer, close_after)
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Recorder { addr, seen, stop }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(
    mut conn: TcpStream,
    seen: &Mutex<Vec<String>>,
    stop: &AtomicBool,
    answered: &AtomicUsize,
    answer: &[u8],
    close_after: bool,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let started = Instant::now();
    while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(10) {
        match conn.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        loop {
            match strict::request(&buf) {
                Ok(Some(r)) => {
                    seen.lock().unwrap().push(r.record);
                    buf.drain(..r.used);
                    let first = answered.fetch_add(1, Ordering::Relaxed) == 0;
                    let reply = match (first, r.head) {
                        (true, _) => answer,
                        // A HEAD answer has no body (RFC 9110 section 9.3.2).
                        (false, true) => &DEFAULT_ANSWER[..DEFAULT_ANSWER.len() - 2],
                        (false, false) => DEFAULT_ANSWER,
                    };
                    let _ = conn.write_all(reply);
                    if (first && close_after) || r.last {
                        return;
                    }
                }
                Ok(None) => break,
                Err(record) => {
                    seen.lock().unwrap().push(record.to_string());
                    return;
                }
            }
        }
    }
}

/// What one case gave: the backend's records and the client's responses.
struct Outcome {
    upstream: Vec<String>,
    responses: Vec<strict::Response>,
}

fn run(case: &Case) -> Outcome {
    let answer = case.backend.as_deref().map(bytes);
    let rec = Recorder::start(
        answer.unwrap_or(DEFAULT_ANSWER.to_vec()),
        case.backend_close,
    );
    let mut args: Vec<&str> = vec!["--quiet", "--retries", "0", "--backend", &rec.addr];
    args.extend(case.args.iter().map(String::as_str));
    let p = proxy(&args);
    let mut c = TcpStream::connect(&p.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let _ = c.write_all(&bytes(&case.client));
    let want = case.expect.client.len();
    let (mut got, mut closed) = (Vec::new(), false);
    let start = Instant::now();
    let mut last = Instant::now();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match c.read(&mut chunk) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => {
                got.extend_from_slice(&chunk[..n]);
                last = Instant::now();
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
        let n = strict::responses(&got, false, case.head).len();
        let quiet = last.elapsed() > Duration::from_millis(300);
        if (n >= want && quiet && (want > 0 || start.elapsed() > Duration::from_secs(2)))
            || start.elapsed() > Duration::from_secs(6)
        {
            break;
        }
    }
    // Let the backend finish recording what the proxy sent.
    thread::sleep(Duration::from_millis(50));
    let upstream = rec.seen.lock().unwrap().clone();
    Outcome {
        upstream,
        responses: strict::responses(&got, closed, case.head),
    }
}

/// Where a case's outcome differs from its expectation, in words.
fn check(case: &Case, o: &Outcome) -> Vec<String> {
    let e = &case.expect;
    let mut wrong = Vec::new();
    if o.upstream != e.upstream {
        wrong.push(format!(
            "backend saw {:?}, expected {:?}",
            o.upstream, e.upstream
        ));
    }
    let statuses: Vec<u16> = o.responses.iter().map(|r| r.status).collect();
    if statuses != e.client {
        wrong.push(format!("client got {statuses:?}, expected {:?}", e.client));
    }
    if let Some(last) = o.responses.last() {
        for s in &e.client_has {
            if !last.head.contains(s.as_str()) {
                wrong.push(format!("the last head lacks {s:?}: {:?}", last.head));
            }
        }
        for s in &e.client_lacks {
            if last.head.contains(s.as_str()) {
                wrong.push(format!("the last head has {s:?}: {:?}", last.head));
            }
        }
        if let Some(body) = &e.client_body
            && last.body != bytes(body)
        {
            wrong.push(format!(
                "the last body is {:?}, expected {body:?}",
                String::from_utf8_lossy(&last.body)
            ));
        }
    }
    wrong
}

#[test]
fn every_corpus_case_is_framed_as_expected_on_the_wire() {
    let cases: Vec<Case> =
        serde_json::from_str(include_str!("wire_corpus.json")).expect("wire_corpus.json parses");
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let only = std::env::var("LBCTL_CORPUS_CASE").ok();
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.name == o))
        .collect();
    let (requests, responses) = (
        cases.iter().filter(|c| c.dir == "request").count(),
        cases.iter().filter(|c| c.dir == "response").count(),
    );
    assert!(only.is_some() || (requests >= 60 && responses >= 30));
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { return };
                    let wrong = check(case, &run(case));
                    if !wrong.is_empty() {
                        failures.lock().unwrap().push(format!(
                            "{}: {}",
                            case.name,
                            wrong.join("; ")
                        ));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
