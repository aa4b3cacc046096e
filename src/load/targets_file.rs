//! Reading a `--targets` file, one target at a time and never the whole file: vegeta's two
//! formats (its README, "HTTP format" and "JSON format"). target_stream.rs turns what this file
//! reads into requests.
//!
//! HTTP format: `METHOD URL`, then `Name: value` header lines, then optionally `@path` (the
//! body, a file; a relative path is taken from the targets file's directory); targets are
//! separated by blank lines; `#` lines are comments. lbctl's one addition is the weight, a
//! line `# lbctl-weight: N` among a target's lines, which vegeta reads as a comment.
//! JSON lines: `{"method":..,"url":..,"header":{"Name":["v"]},"body":"<base64>"}` per line,
//! plus lbctl's optional `"weight": N`.

use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

/// The longest line read (a JSON line carries its base64 body).
pub const MAX_LINE: usize = 16 << 20;
/// The highest weight of one target.
pub const MAX_WEIGHT: u64 = 1_000_000;

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Http,
    Json,
}

/// A request body as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySource {
    None,
    Inline(Vec<u8>),
    /// `@path`, resolved against the targets file's directory.
    File(PathBuf),
}

/// One target as read, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTarget {
    /// The line it starts on (1-based).
    pub line: u64,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: BodySource,
    pub weight: u64,
}

/// A mistake in the file, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// vegeta's JSON target, plus `weight`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonTarget {
    method: String,
    url: String,
    #[serde(default)]
    header: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    weight: Option<u64>,
}

/// A streaming reader of targets that can start over (the run goes round the file).
pub struct TargetReader {
    reader: BufReader<File>,
    format: Format,
    dir: PathBuf,
    /// Lines read so far.
    line: u64,
    /// HTTP format: a request line read while finishing the previous target (no blank line
    /// between them), with its number.
    pending: Option<(u64, String)>,
    /// HTTP format: a weight comment seen before its target's request line.
    pending_weight: Option<u64>,
    buf: Vec<u8>,
}

impl TargetReader {
    /// Open `path`; `format` None detects it from the first non-blank character (`{`: JSON).
    pub fn open(path: &Path, format: Option<Format>) -> std::io::Result<TargetReader> {
        let file = File::open(path)?;
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let format = match format {
            Some(f) => f,
            None => detect(&mut reader)?,
        };
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(TargetReader {
            reader,
            format,
            dir,
            line: 0,
            pending: None,
            pending_weight: None,
            buf: Vec::new(),
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Go back to the start of the file.
    pub fn rewind(&mut self) -> std::io::Result<()> {
        self.reader.rewind()?;
        self.line = 0;
        self.pending = None;
        self.pending_weight = None;
        Ok(())
    }

    /// The next line without its line ending; None at the end of the file.
    fn next_line(&mut self) -> Result<Option<(u64, String)>, LineError> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        self.buf.clear();
        let line = self.line + 1;
        let err = |message: String| LineError { line, message };
        let n = (&mut self.reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| err(format!("cannot read: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line = line;
        if self.buf.len() > MAX_LINE {
            return Err(err(format!(
                "the line is longer than {} MiB; expected shorter lines",
                MAX_LINE >> 20
            )));
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        let text = std::str::from_utf8(&self.buf)
            .map_err(|_| err("the line is not UTF-8".into()))?
            .to_string();
        Ok(Some((line, text)))
    }

    /// The next target; None at the end of the file.
    pub fn next_target(&mut self) -> Result<Option<RawTarget>, LineError> {
        match self.format {
            Format::Json => self.next_json(),
            Format::Http => self.next_http(),
        }
    }

    fn next_json(&mut self) -> Result<Option<RawTarget>, LineError> {
        loop {
            let Some((line, text)) = self.next_line()? else {
                return Ok(None);
            };
            if text.trim().is_empty() {
                continue;
            }
            return json_target(line, &text).map(Some);
        }
    }

    fn next_http(&mut self) -> Result<Option<RawTarget>, LineError> {
        let mut current: Option<RawTarget> = None;
        loop {
            let Some((line, text)) = self.next_line()? else {
                return Ok(current);
            };
            let t = text.trim();
            let err = |message: String| LineError { line, message };
            let Some(target) = current.as_mut() else {
                if t.is_empty() {
                    continue;
                }
                if let Some(c) = t.strip_prefix('#') {
                    if let Some(w) = weight_comment(c).transpose().map_err(err)? {
                        self.pending_weight = Some(w);
                    }
                    continue;
                }
                let mut rt = request_line(line, t)?;
                if let Some(w) = self.pending_weight.take() {
                    rt.weight = w;
                }
                current = Some(rt);
                continue;
            };
            if t.is_empty() {
                return Ok(current);
            }
            if let Some(c) = t.strip_prefix('#') {
                if let Some(w) = weight_comment(c).transpose().map_err(err)? {
                    target.weight = w;
                }
                continue;
            }
            if let Some(p) = t.strip_prefix('@') {
                let p = p.trim();
                if p.is_empty() {
                    return Err(err("'@' names no body file; expected @path/to/body".into()));
                }
                target.body = BodySource::File(self.dir.join(p));
                return Ok(current);
            }
            let first = t.split_whitespace().next().unwrap_or("");
            if !first.contains(':') && t.contains("://") {
                // The next target's request line, with no blank line before it.
                self.pending = Some((line, text));
                return Ok(current);
            }
            let Some((name, value)) = t.split_once(':') else {
                return Err(err(format!(
                    "'{}' is not a header; expected 'Name: value', '@body-file' or a blank line",
                    shorten(t)
                )));
            };
            target
                .headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
}

/// `{` first means JSON lines; the reader is left at the start.
fn detect(reader: &mut BufReader<File>) -> std::io::Result<Format> {
    let mut format = Format::Http;
    'scan: loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        for &b in chunk {
            if !b.is_ascii_whitespace() {
                if b == b'{' {
                    format = Format::Json;
                }
                break 'scan;
            }
        }
        reader.consume(n);
    }
    reader.rewind()?;
    Ok(format)
}

/// `METHOD URL`.
fn request_line(line: u64, t: &str) -> Result<RawTarget, LineError> {
    let mut words = t.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(method), Some(url), None) => Ok(RawTarget {
            line,
            method: method.to_string(),
            url: url.to_string(),
            headers: Vec::new(),
            body: BodySource::None,
            weight: 1,
        }),
        _ => Err(LineError {
            line,
            message: format!(
                "'{}' is not a request line; expected 'METHOD URL' such as 'GET http://host/path'",
                shorten(t)
            ),
        }),
    }
}

/// The text after `#`: Some(weight) when it is `lbctl-weight: N`, None for any other comment.
fn weight_comment(c: &str) -> Option<Result<u64, String>> {
    let (key, value) = c.split_once(':')?;
    if !key.trim().eq_ignore_ascii_case("lbctl-weight") {
        return None;
    }
    Some(parse_weight(value.trim()))
}

fn parse_weight(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .ok()
        .filter(|w| (1..=MAX_WEIGHT).contains(w))
        .ok_or_else(|| {
            format!(
                "weight '{}' is not an integer in 1..{MAX_WEIGHT}",
                shorten(v)
            )
        })
}

fn json_target(line: u64, text: &str) -> Result<RawTarget, LineError> {
    let err = |message: String| LineError { line, message };
    let j: JsonTarget = serde_json::from_str(text).map_err(|e| {
        err(format!(
            "not a JSON target ({e}); expected {{\"method\":\"GET\",\"url\":\"http://...\",\
             \"header\":{{\"Name\":[\"value\"]}},\"body\":\"<base64>\"}}"
        ))
    })?;
    let body = match j.body.as_deref() {
        None | Some("") => BodySource::None,
        Some(b) => BodySource::Inline(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| err(format!("body is not base64 ({e})")))?,
        ),
    };
    let weight = match j.weight {
        None => 1,
        Some(w) => parse_weight(&w.to_string()).map_err(err)?,
    };
    let mut headers = Vec::new();
    for (name, values) in j.header {
        for v in values {
            headers.push((name.clone(), v));
        }
    }
    Ok(RawTarget {
        line,
        method: j.method,
        url: j.url,
        headers,
        body,
        weight,
    })
}

/// At most 60 characters of user text in a message.
fn shorten(t: &str) -> String {
    match t.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &t[..i]),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, format: Option<Format>) -> Result<Vec<RawTarget>, LineError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.txt");
        std::fs::write(&p, text).unwrap();
        let mut r = TargetReader::open(&p, format).unwrap();
        let mut out = Vec::new();
        while let Some(t) = r.next_target()? {
            if let BodySource::File(f) = &t.body {
                assert!(f.starts_with(dir.path()));
            }
            out.push(t);
        }
        Ok(out)
    }

    #[test]
    fn http_format() {
        let text = "# a comment\nGET http://h/a\nX-A: 1\nX-B:  two words \n\n\n\
                    POST http://h/b\n# lbctl-weight: 3\nContent-Type: text/plain\n@ body.txt\n\
                    PUT http://h/c\nDELETE http://h/d\n";
        let t = read_all(text, None).unwrap();
        assert_eq!(t.len(), 4);
        assert_eq!((t[0].line, t[0].method.as_str()), (2, "GET"));
        assert_eq!(
            t[0].headers,
            vec![
                ("X-A".into(), "1".into()),
                ("X-B".into(), "two words".into())
            ]
        );
        assert_eq!(t[1].weight, 3);
        assert!(matches!(&t[1].body, BodySource::File(p) if p.ends_with("body.txt")));
        assert_eq!((t[2].line, t[2].url.as_str()), (11, "http://h/c"));
        assert_eq!((t[3].line, t[3].method.as_str()), (12, "DELETE"));
    }

    #[test]
    fn json_format() {
        let text = "\n  {\"method\":\"POST\",\"url\":\"http://h/\",\"header\":{\"A\":[\"1\",\"2\"]},\
                    \"body\":\"aGVsbG8=\",\"weight\":2}\n\n{\"method\":\"GET\",\"url\":\"http://h/x\"}\n";
        let t = read_all(text, None).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].line, 2);
        assert_eq!(t[0].body, BodySource::Inline(b"hello".to_vec()));
        assert_eq!(t[0].headers.len(), 2);
        assert_eq!(t[0].weight, 2);
        assert_eq!((t[1].line, t[1].weight), (4, 1));
    }

    #[test]
    fn bad_lines_name_the_line() {
        let cases: [(&str, Option<Format>, u64, &str); 7] = [
            ("GET\n", None, 1, "not a request line"),
            ("GET http://h/\nnot a header\n", None, 2, "not a header"),
            ("GET http://h/\n# lbctl-weight: 0\n", None, 2, "weight"),
            ("GET http://h/\n@\n", None, 2, "body file"),
            ("{\"method\":\"GET\"}\n", None, 1, "missing field"),
            (
                "{\"method\":\"GET\",\"url\":\"x\",\"body\":\"!!\"}",
                None,
                1,
                "base64",
            ),
            (
                "{\"method\":\"GET\",\"url\":\"x\",\"wieght\":2}",
                None,
                1,
                "unknown field",
            ),
        ];
        for (text, f, line, what) in cases {
            let e = read_all(text, f).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e:?}");
            assert!(e.message.contains(what), "{text}: {}", e.message);
        }
    }

    #[test]
    fn rewinds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, "GET http://h/a\n\nGET http://h/b").unwrap();
        let mut r = TargetReader::open(&p, Some(Format::Http)).unwrap();
        for _ in 0..2 {
            assert_eq!(r.next_target().unwrap().unwrap().url, "http://h/a");
            assert_eq!(r.next_target().unwrap().unwrap().url, "http://h/b");
            assert!(r.next_target().unwrap().is_none());
            r.rewind().unwrap();
        }
    }
}
