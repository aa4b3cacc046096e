//! What is done to a route's answers, in the plan: compression (`--compress [ALGS]`,
//! `--compress-types`, `--compress-min-size`; `compress = true | false | { algorithms, types,
//! min_size }` on a config listener or route) and the redirect to https (`--redirect-https
//! [PORT]`, `--redirect-code`; `redirect_https = true | false | { port, code }`). A route's own
//! setting wins over its listener's. Mistakes are exit 2 naming the value and the form.

use crate::cli::ProxyArgs;
use crate::exit::Failure;
use crate::proxy::core::compress::CompressSpec;
use crate::proxy::core::policy::Policy;
use crate::proxy::core::redirect::RedirectHttps;
use std::sync::Arc;

/// The command line's compression, when `--compress` (or one of its tuning flags) is given.
pub fn flag_compress(args: &ProxyArgs) -> anyhow::Result<Option<Arc<CompressSpec>>> {
    let tuned = args.compress_types.is_some() || args.compress_min_size.is_some();
    let Some(algs) = &args.compress else {
        if tuned {
            return Err(Failure::usage(
                "--compress-types and --compress-min-size tune --compress: add --compress",
            ));
        }
        return Ok(None);
    };
    let mut spec = CompressSpec {
        algorithms: CompressSpec::parse_algorithms(algs, "--compress")?,
        ..CompressSpec::default()
    };
    if let Some(t) = &args.compress_types {
        let items: Vec<&str> = t.split(',').collect();
        spec.types = CompressSpec::parse_types(&items, "--compress-types")?;
    }
    if let Some(m) = &args.compress_min_size {
        spec.min_size = crate::spec::parse_size(m).map_err(|e| crate::spec::SpecError {
            what: "--compress-min-size",
            ..e
        })?;
    }
    Ok(Some(Arc::new(spec)))
}

/// The command line's redirect (`--redirect-https [PORT]`, `--redirect-code`).
pub fn flag_redirect(args: &ProxyArgs) -> anyhow::Result<Option<RedirectHttps>> {
    match (args.redirect_https, args.redirect_code) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(Failure::usage(
            "--redirect-code sets the status of --redirect-https: add --redirect-https",
        )),
        (Some(port), code) => Ok(Some(RedirectHttps::new(
            i64::from(port),
            i64::from(code.unwrap_or(308)),
            // The port is checked by clap; what can be wrong here is the code.
            "--redirect-code",
        )?)),
    }
}

/// The flags in the wrong setting: with --config (set them in the file), on TCP listeners only,
/// or a redirect on a listener that terminates TLS itself (it would send clients in a loop).
pub fn check_content_flags(args: &ProxyArgs, any_http: bool, tls: bool) -> anyhow::Result<()> {
    // Their values first, so a bad one is named whatever else is wrong.
    flag_compress(args)?;
    flag_redirect(args)?;
    let set = [
        (args.compress.is_some(), "--compress", "compress"),
        (
            args.redirect_https.is_some(),
            "--redirect-https",
            "redirect_https",
        ),
    ];
    if let Some((_, flag, key)) = set.iter().find(|(s, _, _)| *s) {
        if !any_http {
            return Err(Failure::usage(format!(
                "{flag} works in HTTP mode only (a TCP listener sees no requests)"
            )));
        }
        if args.config.is_some() {
            return Err(Failure::usage(format!(
                "{flag} with --config: set `{key} = ...` on a [[listener]] or route in the file"
            )));
        }
    }
    if tls && args.redirect_https.is_some() {
        return Err(Failure::usage(
            "--redirect-https on a listener that terminates TLS would redirect https to itself: use it on a plain listener",
        ));
    }
    Ok(())
}

/// The default pool's policy with the command line's compression and redirect.
pub fn with_flags(
    policy: Option<Arc<Policy>>,
    args: &ProxyArgs,
) -> anyhow::Result<Option<Arc<Policy>>> {
    let (compress, redirect) = (flag_compress(args)?, flag_redirect(args)?);
    if compress.is_none() && redirect.is_none() {
        return Ok(policy);
    }
    let own = match policy {
        None => None,
        Some(p) => Some(Arc::try_unwrap(p).map_err(|_| {
            Failure::runtime("internal: the default policy is shared while it is built")
        })?),
    };
    let name = "listener[0].default".to_string();
    Ok(Policy::with_content(own, name, compress, redirect).map(Arc::new))
}

/// A config `compress` value: true (the defaults), false (off), or a table.
pub fn compress_value(v: &toml::Value) -> Result<Option<Arc<CompressSpec>>, String> {
    let table = match v {
        toml::Value::Boolean(false) => return Ok(None),
        toml::Value::Boolean(true) => return Ok(Some(Arc::new(CompressSpec::default()))),
        toml::Value::Table(t) => t,
        _ => {
            return Err(format!(
                "{} is not true, false or {{ algorithms = [...], types = [...], min_size = N }}",
                show(v)
            ));
        }
    };
    let mut spec = CompressSpec::default();
    for (k, val) in table {
        match k.as_str() {
            "algorithms" => {
                spec.algorithms =
                    CompressSpec::algorithms_from(&strings(val, k)?, "compress.algorithms")
                        .map_err(|e| e.to_string())?
            }
            "types" => {
                spec.types = CompressSpec::parse_types(&strings(val, k)?, "compress.types")
                    .map_err(|e| e.to_string())?
            }
            "min_size" => {
                spec.min_size = match val {
                    toml::Value::Integer(n) if *n >= 0 => *n as u64,
                    toml::Value::String(s) => {
                        crate::spec::parse_size(s).map_err(|e| e.to_string())?
                    }
                    _ => {
                        return Err(format!(
                            "min_size {} is not a size (256, \"1KiB\")",
                            show(val)
                        ));
                    }
                }
            }
            other => {
                return Err(format!(
                    "unknown key '{other}' (expected algorithms, types, min_size)"
                ));
            }
        }
    }
    Ok(Some(Arc::new(spec)))
}

/// A value as the user wrote it, roughly (toml's Display needs its serializer).
fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("'{s}'"),
        toml::Value::Integer(n) => format!("'{n}'"),
        toml::Value::Float(f) => format!("'{f}'"),
        toml::Value::Boolean(b) => format!("'{b}'"),
        toml::Value::Datetime(d) => format!("'{d}'"),
        toml::Value::Array(_) => "a list".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

fn strings<'a>(v: &'a toml::Value, key: &str) -> Result<Vec<&'a str>, String> {
    let bad = || format!("{key} must be a list of strings, e.g. [\"gzip\", \"br\"]");
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| x.as_str().ok_or_else(bad))
        .collect()
}

/// A config `redirect_https` value: true (308 to port 443), false, or `{ port, code }`.
pub fn redirect_value(v: &toml::Value) -> Result<Option<RedirectHttps>, String> {
    let table = match v {
        toml::Value::Boolean(false) => return Ok(None),
        toml::Value::Boolean(true) => return Ok(Some(RedirectHttps::default())),
        toml::Value::Table(t) => t,
        _ => {
            return Err(format!(
                "{} is not true, false or {{ port = 8443, code = 301 }}",
                show(v)
            ));
        }
    };
    let d = RedirectHttps::default();
    let (mut port, mut code) = (i64::from(d.port), i64::from(d.code));
    for (k, val) in table {
        let n = val
            .as_integer()
            .ok_or_else(|| format!("{k} {} is not a number", show(val)))?;
        match k.as_str() {
            "port" => port = n,
            "code" => code = n,
            other => return Err(format!("unknown key '{other}' (expected port, code)")),
        }
    }
    RedirectHttps::new(port, code, "redirect_https")
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A config route's (or listener default's) policy with its answer settings: the route's own
/// values, else the listener's. Err: (the field, the message).
pub fn with_file_content(
    policy: Option<Arc<Policy>>,
    name: String,
    compress: [Option<&toml::Value>; 2],
    redirect: [Option<&toml::Value>; 2],
) -> Result<Option<Arc<Policy>>, (&'static str, String)> {
    let compress = match compress[0].or(compress[1]) {
        Some(v) => compress_value(v).map_err(|e| ("compress", e))?,
        None => None,
    };
    let redirect = match redirect[0].or(redirect[1]) {
        Some(v) => redirect_value(v).map_err(|e| ("redirect_https", e))?,
        None => None,
    };
    // Freshly built: this is the only reference.
    let own = policy.map(|p| Arc::try_unwrap(p).map_err(|p| p.name.clone()));
    let own = match own {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return Err(("policy", "internal: a shared policy".into())),
    };
    Ok(Policy::with_content(own, name, compress, redirect).map(Arc::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> toml::Value {
        let t: toml::Table = toml::from_str(&format!("x = {s}")).unwrap();
        t["x"].clone()
    }

    #[test]
    fn compress_values() {
        assert_eq!(compress_value(&val("false")).unwrap(), None);
        assert_eq!(
            *compress_value(&val("true")).unwrap().unwrap(),
            CompressSpec::default()
        );
        let s = compress_value(&val(
            r#"{ algorithms = ["gzip:6"], types = ["text/*"], min_size = "1KiB" }"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(s.describe(), "gzip:6 for text/* from 1024 bytes");
        for bad in [
            "1",
            r#"{ algos = ["gzip"] }"#,
            r#"{ algorithms = "gzip" }"#,
            r#"{ algorithms = ["lz4"] }"#,
            r#"{ min_size = -1 }"#,
            r#"{ types = ["html"] }"#,
        ] {
            assert!(compress_value(&val(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn redirect_values() {
        assert_eq!(redirect_value(&val("false")).unwrap(), None);
        assert_eq!(
            redirect_value(&val("{ port = 8443, code = 301 }")).unwrap(),
            Some(RedirectHttps {
                port: 8443,
                code: 301
            })
        );
        for bad in ["\"yes\"", "{ port = 0 }", "{ code = 200 }", "{ where = 1 }"] {
            assert!(redirect_value(&val(bad)).is_err(), "{bad}");
        }
    }
}
