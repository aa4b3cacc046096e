//! `lbctl ring lookup`: the server of each key, streamed as it is read (`KEY<TAB>SERVER`, a JSON
//! array, or JSON lines). One reused input buffer and a 64 KiB output buffer, so it keeps up
//! with a pipe in constant memory. `bounded` places keys in input order, as a live proxy would.
//! `--replicas N` prints each key's preference list instead (`KEY<TAB>S1<TAB>S2...`).

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
    /// With --replicas: the preference list, `server`'s first choice first.
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<Vec<&'a str>>,
}

fn row<'a>(key: &'a [u8], server: &'a str, replicas: Option<Vec<&'a str>>) -> Row<'a> {
    match std::str::from_utf8(key) {
        Ok(k) => Row {
            key: Cow::Borrowed(k),
            key_hex: None,
            server,
            replicas,
        },
        Err(_) => Row {
            key: String::from_utf8_lossy(key),
            key_hex: Some(key.iter().map(|b| format!("{b:02x}")).collect()),
            server,
            replicas,
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
    let mut reps: Vec<usize> = Vec::new();
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
        let replicas = args.replicas.map(|r| {
            locator.replicas(key, r as usize, &mut reps);
            reps.iter()
                .map(|&i| servers[i].name.as_str())
                .collect::<Vec<_>>()
        });
        match args.output {
            LookupOutput::Text => {
                out.write_all(key)?;
                match &replicas {
                    None => {
                        out.write_all(b"\t")?;
                        out.write_all(name.as_bytes())?;
                    }
                    Some(list) => {
                        for r in list {
                            out.write_all(b"\t")?;
                            out.write_all(r.as_bytes())?;
                        }
                    }
                }
                out.write_all(b"\n")?;
            }
            LookupOutput::Json => {
                out.write_all(if n == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut out, &row(key, name, replicas))
                    .map_err(std::io::Error::from)?;
            }
            LookupOutput::Jsonl => {
                serde_json::to_writer(&mut out, &row(key, name, replicas))
                    .map_err(std::io::Error::from)?;
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
