//! `lbctl ring lookup`: the server of each key, streamed as it is read (`KEY<TAB>SERVER`, a JSON
//! array, or JSON lines). One reused input buffer and a 64 KiB output buffer, so it keeps up
//! with a pipe in constant memory. `bounded` places keys in input order, as a live proxy would.

use super::keys::KeySource;
use super::servers::{Assigner, build, load_servers};
use crate::balance::hash::{HashFn, parse_u64};
use crate::cli::{GlobalOpts, LookupArgs, LookupOutput};
use crate::exit::{ExitCode, Failure};
use std::borrow::Cow;
use std::io::{BufWriter, Write};

#[derive(serde::Serialize)]
struct Row<'a> {
    key: Cow<'a, str>,
    /// Present when the key is not valid UTF-8 (then `key` is a lossy rendering).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_hex: Option<String>,
    server: &'a str,
}

fn row<'a>(key: &'a [u8], server: &'a str) -> Row<'a> {
    match std::str::from_utf8(key) {
        Ok(k) => Row {
            key: Cow::Borrowed(k),
            key_hex: None,
            server,
        },
        Err(_) => Row {
            key: String::from_utf8_lossy(key),
            key_hex: Some(key.iter().map(|b| format!("{b:02x}")).collect()),
            server,
        },
    }
}

pub fn run(args: LookupArgs, global: &GlobalOpts) -> anyhow::Result<ExitCode> {
    let servers = load_servers(&args.servers)?;
    let locator = build(&args.algo, &servers)?;
    let source = KeySource::from_args(&args.keys)?;
    source.hint_if_interactive(global);
    let numeric = locator.hash_fn() == HashFn::None;
    let mut assigner = Assigner::new(locator.as_ref());
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut n: u64 = 0;
    if args.output == LookupOutput::Json {
        out.write_all(b"[")?;
    }
    source.for_each(|key| {
        if numeric && parse_u64(key).is_none() {
            return Err(Failure::usage(format!(
                "key {} '{}' is not a decimal number from 0 to {}, which --hash none requires",
                n + 1,
                String::from_utf8_lossy(key),
                u64::MAX
            )));
        }
        let name = servers[assigner.assign(key)].name.as_str();
        match args.output {
            LookupOutput::Text => {
                out.write_all(key)?;
                out.write_all(b"\t")?;
                out.write_all(name.as_bytes())?;
                out.write_all(b"\n")?;
            }
            LookupOutput::Json => {
                out.write_all(if n == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &row(key, name)).map_err(std::io::Error::from)?;
            }
            LookupOutput::Jsonl => {
                serde_json::to_writer(&mut out, &row(key, name)).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
        }
        n += 1;
        Ok(())
    })?;
    if args.output == LookupOutput::Json {
        out.write_all(if n == 0 { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    Ok(ExitCode::Success)
}
