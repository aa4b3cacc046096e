//! Where `probe`'s targets come from: the arguments, `--targets-file` and stdin (`-`), one per
//! line with `#` comments, each optionally followed by its own `key=value` assertions, which
//! give that target its own copy of the check spec.

use crate::check::{CheckSpec, Target, target::split_words};
use crate::exit::Failure;
use crate::spec::{SpecError, content_lines};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

/// One target to probe, with the spec it is checked by.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// The target as shown in output (normalised URL form).
    pub label: String,
    pub target: Target,
    pub spec: Arc<CheckSpec>,
}

/// Parse one target line: `TARGET [KEY=VALUE ...]`.
pub fn parse_line(line: &str, base: &Arc<CheckSpec>) -> Result<ProbeTarget, SpecError> {
    let words = split_words(line)?;
    let Some((first, assertions)) = words.split_first() else {
        return Err(SpecError::new(
            "target line",
            line,
            "it is empty",
            "TARGET [KEY=VALUE ...]",
        ));
    };
    let target = Target::parse(first)?;
    let spec = if assertions.is_empty() {
        base.clone()
    } else {
        let mut spec = CheckSpec::clone(base);
        for a in assertions {
            spec.conditions.apply(a)?;
        }
        Arc::new(spec)
    };
    Ok(ProbeTarget {
        label: target.to_string(),
        target,
        spec,
    })
}

/// Collect every target: arguments first (in order, `-` expanded to stdin's lines), then files.
pub fn load(
    args: &[String],
    files: &[PathBuf],
    base: &Arc<CheckSpec>,
    stdin: &mut dyn Read,
) -> anyhow::Result<Vec<ProbeTarget>> {
    let mut out = Vec::new();
    let mut stdin_used = false;
    for arg in args {
        if arg == "-" {
            if stdin_used {
                continue;
            }
            stdin_used = true;
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| Failure::runtime(format!("cannot read targets from stdin: {e}")))?;
            lines(&text, "stdin", base, &mut out)?;
        } else {
            out.push(parse_line(arg, base)?);
        }
    }
    for path in files {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read targets file '{shown}': {e}")))?;
        lines(&text, &shown, base, &mut out)?;
    }
    if out.is_empty() {
        return Err(Failure::usage(
            "no targets: give TARGET arguments, --targets-file FILE or '-' for stdin",
        ));
    }
    Ok(out)
}

fn lines(
    text: &str,
    source: &str,
    base: &Arc<CheckSpec>,
    out: &mut Vec<ProbeTarget>,
) -> Result<(), SpecError> {
    for (n, line) in content_lines(text) {
        out.push(parse_line(line, base).map_err(|e| e.at(format!("{source} line {n}")))?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_with_assertions() {
        let base = Arc::new(CheckSpec::default());
        let text = "# targets\nhttps://a/health status=200 json=.status==UP max-latency=300ms\n\ndb:5432 # the db\n";
        let mut stdin = text.as_bytes();
        let got = load(&["-".into()], &[], &base, &mut stdin).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].label, "https://a/health");
        assert_eq!(got[0].spec.conditions.status.to_string(), "200");
        assert_eq!(got[0].spec.conditions.json.len(), 1);
        assert!(Arc::ptr_eq(&got[1].spec, &base));
        assert_eq!(got[1].label, "tcp://db:5432");
    }

    #[test]
    fn bad_lines_are_located() {
        let base = Arc::new(CheckSpec::default());
        let mut stdin = "db:5432\nhttp://a/ colour=red\n".as_bytes();
        let e = load(&["-".into()], &[], &base, &mut stdin).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("stdin line 2: invalid target assertion"),
            "{e}"
        );
        let mut empty = "".as_bytes();
        let e = load(&[], &[], &base, &mut empty).unwrap_err();
        assert_eq!(crate::exit::code_of(&e), crate::exit::ExitCode::Usage);
        let e = load(&[], &["/nonexistent/t.txt".into()], &base, &mut empty).unwrap_err();
        assert_eq!(crate::exit::code_of(&e), crate::exit::ExitCode::Usage);
        assert!(parse_line("http://a/ json='.x == 1", &base).is_err());
        assert!(parse_line("nohost", &base).is_err());
    }
}
