//! Key sources for `lbctl ring`: KEY arguments, a file, stdin, or generated keys
//! (`--generate N --key-pattern 'user:{i}' --distribution uniform|zipf:S`). Keys are raw bytes
//! (non-UTF-8 is hashed as is); streamed with one reused buffer so that `lookup` runs in
//! constant memory; [`KeySet`] materialises them compactly when several passes are needed.

use crate::cli::KeyArgs;
use crate::exit::Failure;
use crate::spec::SpecError;
use rand::SeedableRng;
use rand::distr::Distribution;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

/// How generated key numbers are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyDistribution {
    /// 0..N, each once.
    Uniform,
    /// N draws of ranks 1..=N, P(k) ∝ 1/k^s.
    Zipf(f64),
}

const DIST_EXPECTED: &str = "uniform or zipf:S with S > 0 (e.g. zipf:1.1)";
const PATTERN_EXPECTED: &str = "a pattern containing {i}, e.g. user:{i}";

/// Parse `--distribution`.
pub fn parse_distribution(s: &str) -> Result<KeyDistribution, SpecError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("uniform") {
        return Ok(KeyDistribution::Uniform);
    }
    let err = |p: &str| SpecError::new("key distribution", s, p.to_string(), DIST_EXPECTED);
    match t.split_once(':') {
        Some((name, exp)) if name.eq_ignore_ascii_case("zipf") => match exp.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(KeyDistribution::Zipf(v)),
            Ok(_) => Err(err("the exponent must be above 0 and at most 100")),
            Err(_) => Err(err("the exponent is not a number")),
        },
        _ => Err(err("unknown distribution")),
    }
}

/// A key pattern split around its `{i}` placeholders.
#[derive(Debug, Clone)]
pub struct KeyPattern {
    parts: Vec<Vec<u8>>,
}

impl KeyPattern {
    pub fn parse(s: &str) -> Result<Self, SpecError> {
        if !s.contains("{i}") {
            return Err(SpecError::new(
                "key pattern",
                s,
                "it has no {i}, so every key would be the same",
                PATTERN_EXPECTED,
            ));
        }
        Ok(KeyPattern {
            parts: s.split("{i}").map(|p| p.as_bytes().to_vec()).collect(),
        })
    }

    /// Write the key for number `i` into `out` (cleared first).
    pub fn render(&self, i: u64, out: &mut Vec<u8>) {
        out.clear();
        let mut num = [0u8; 20];
        let mut n = i;
        let mut len = 0;
        loop {
            num[19 - len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for (k, part) in self.parts.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(&num[20 - len..]);
            }
            out.extend_from_slice(part);
        }
    }
}

/// Where keys come from, validated.
#[derive(Debug, Clone)]
pub enum KeySource {
    Args(Vec<Vec<u8>>),
    File(PathBuf),
    Stdin,
    Generate {
        count: u64,
        pattern: KeyPattern,
        dist: KeyDistribution,
        seed: u64,
    },
}

fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().into_owned().into_bytes()
    }
}

impl KeySource {
    pub fn from_args(a: &KeyArgs) -> anyhow::Result<KeySource> {
        if let Some(count) = a.generate {
            return Ok(KeySource::Generate {
                count,
                pattern: KeyPattern::parse(&a.key_pattern)?,
                dist: parse_distribution(&a.distribution)?,
                seed: a.seed,
            });
        }
        if let Some(f) = &a.keys_file {
            return Ok(if f.as_os_str() == "-" {
                KeySource::Stdin
            } else {
                KeySource::File(f.clone())
            });
        }
        if !a.keys.is_empty() {
            return Ok(KeySource::Args(
                a.keys.iter().map(|k| os_bytes(k)).collect(),
            ));
        }
        Ok(KeySource::Stdin)
    }

    /// Tell a person at a terminal that keys are awaited on stdin (not when piped).
    pub fn hint_if_interactive(&self, global: &crate::cli::GlobalOpts) {
        use std::io::IsTerminal;
        if matches!(self, KeySource::Stdin) && std::io::stdin().is_terminal() {
            crate::output::info(
                global,
                "reading keys from stdin, one per line (Ctrl-D ends; or pass KEY..., --keys-file, --generate)",
            );
        }
    }

    /// The number of keys, when known before reading.
    pub fn len_hint(&self) -> Option<u64> {
        match self {
            KeySource::Args(v) => Some(v.len() as u64),
            KeySource::Generate { count, .. } => Some(*count),
            _ => None,
        }
    }

    /// Call `f` with every key, in order. The slice is only valid during the call.
    pub fn for_each(&self, mut f: impl FnMut(&[u8]) -> anyhow::Result<()>) -> anyhow::Result<()> {
        match self {
            KeySource::Args(keys) => keys.iter().try_for_each(|k| f(k)),
            KeySource::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| {
                    Failure::usage(format!("cannot open --keys-file '{}': {e}", path.display()))
                })?;
                if file.metadata().is_ok_and(|m| m.is_dir()) {
                    return Err(Failure::usage(format!(
                        "--keys-file '{}' is a directory; expected a file with one key per line",
                        path.display()
                    )));
                }
                read_lines(file, f)
            }
            KeySource::Stdin => read_lines(std::io::stdin().lock(), f),
            KeySource::Generate {
                count,
                pattern,
                dist,
                seed,
            } => {
                let mut buf = Vec::with_capacity(64);
                match *dist {
                    KeyDistribution::Uniform => {
                        for i in 0..*count {
                            pattern.render(i, &mut buf);
                            f(&buf)?;
                        }
                    }
                    KeyDistribution::Zipf(s) => {
                        let n = (*count).max(1) as f64;
                        let zipf = rand_distr::Zipf::new(n, s)
                            .map_err(|e| Failure::usage(format!("--distribution zipf:{s}: {e}")))?;
                        let mut rng = rand::rngs::SmallRng::seed_from_u64(*seed);
                        for _ in 0..*count {
                            let rank = zipf.sample(&mut rng) as u64;
                            pattern.render(rank, &mut buf);
                            f(&buf)?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// Split a stream into keys: lines without the trailing LF/CRLF, empty lines skipped.
pub fn read_lines<R: Read>(
    r: R,
    mut f: impl FnMut(&[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, r);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::runtime(format!("reading keys: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        let mut key = &line[..];
        if let Some(k) = key.strip_suffix(b"\n") {
            key = k;
        }
        if let Some(k) = key.strip_suffix(b"\r") {
            key = k;
        }
        if !key.is_empty() {
            f(key)?;
        }
    }
}

/// Keys held in memory for several passes: one byte buffer and the end offset of each key.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl KeySet {
    pub fn load(src: &KeySource) -> anyhow::Result<KeySet> {
        let mut set = KeySet::default();
        if let Some(n) = src.len_hint() {
            set.ends.reserve(n as usize);
        }
        src.for_each(|k| {
            set.push(k);
            Ok(())
        })?;
        Ok(set)
    }

    pub fn push(&mut self, key: &[u8]) {
        self.data.extend_from_slice(key);
        self.ends.push(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<Vec<u8>> {
        let mut out = vec![];
        read_lines(input, |k| {
            out.push(k.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn lines_are_raw_bytes() {
        assert_eq!(
            collect(b"a\r\n\nb\xff\nc"),
            vec![b"a".to_vec(), b"b\xff".to_vec(), b"c".to_vec()]
        );
        assert!(collect(b"").is_empty());
        assert!(collect(b"\n\r\n\n").is_empty());
        assert_eq!(collect(b"\0\n"), vec![b"\0".to_vec()]);
    }

    #[test]
    fn patterns() {
        let p = KeyPattern::parse("user:{i}:{i}").unwrap();
        let mut b = vec![];
        p.render(0, &mut b);
        assert_eq!(b, b"user:0:0");
        p.render(u64::MAX, &mut b);
        assert_eq!(b, b"user:18446744073709551615:18446744073709551615");
        let e = KeyPattern::parse("user").unwrap_err().to_string();
        assert!(e.contains("{i}"), "{e}");
    }

    #[test]
    fn distributions() {
        assert_eq!(
            parse_distribution("uniform").unwrap(),
            KeyDistribution::Uniform
        );
        assert_eq!(
            parse_distribution("zipf:1.1").unwrap(),
            KeyDistribution::Zipf(1.1)
        );
        for bad in [
            "", "zipf", "zipf:", "zipf:x", "zipf:0", "zipf:-1", "zipf:nan", "normal:1", "gauss",
        ] {
            assert!(parse_distribution(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn zipf_is_skewed_and_seeded() {
        let src = |seed| KeySource::Generate {
            count: 10_000,
            pattern: KeyPattern::parse("{i}").unwrap(),
            dist: KeyDistribution::Zipf(1.2),
            seed,
        };
        let a = KeySet::load(&src(7)).unwrap();
        let b = KeySet::load(&src(7)).unwrap();
        assert_eq!(a.len(), 10_000);
        assert!(a.iter().eq(b.iter()));
        let ones = a.iter().filter(|k| *k == b"1").count();
        assert!(ones > 1000, "rank 1 should be hot: {ones}");
    }

    /// A seeded stand-in for the cargo-fuzz target (fuzz/fuzz_targets/ring_input.rs): random
    /// bytes through the key reader, the spec parsers and every algorithm never panic.
    #[test]
    fn random_input_never_panics() {
        use crate::balance::hash::{HashAlgorithm, HashOptions, HashServer, build};
        use rand::Rng;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(42);
        let alphabet = b"ab:=,.[]0123456789weight=backup\n\r#\xff\x00 {i}zipf";
        for _ in 0..2000 {
            let len = rng.random_range(0..64);
            let data: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            let mut keys = Vec::new();
            read_lines(&data[..], |k| {
                keys.push(k.to_vec());
                Ok(())
            })
            .unwrap();
            let text = String::from_utf8_lossy(&data);
            let _ = parse_distribution(&text);
            let _ = KeyPattern::parse(&text);
            if let Ok(specs) = crate::spec::parse_backend_lines(&text, "fuzz") {
                let servers: Vec<HashServer> = specs
                    .into_iter()
                    .map(|s| HashServer::new(s.name, s.weight.min(4)))
                    .collect();
                let opts = HashOptions {
                    table_size: 251,
                    vnodes: 8,
                    ..Default::default()
                };
                for alg in HashAlgorithm::ALL {
                    if let Ok(l) = build(alg, &servers, &opts) {
                        for k in &keys {
                            assert!(l.locate(k) < servers.len());
                        }
                    }
                }
            }
        }
    }
}
