//! What probe's HTTP requests carry besides -H: the content (`--body`, `--body-file`,
//! `--json`) and the credentials (`--basic-auth-*`, `--bearer-token-*`), read once before the
//! first check and put on the [`CheckSpec`](crate::check::CheckSpec) by mod.rs.
//!
//! Secrets come from a file or an environment variable only, and no message here quotes one:
//! errors name the flag, the file or the variable, and what is wrong with the content.

use crate::check::auth;
use crate::cli::ProbeArgs;
use crate::exit::Failure;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, header};
use std::io::Read;
use std::path::Path;

/// A request body read from a file is cut off here with an error (a health check, not an
/// upload).
const MAX_BODY: u64 = 16 << 20;
/// A secret file is one line; anything bigger is the wrong file.
const MAX_SECRET: u64 = 64 << 10;

/// The content and credentials of every HTTP request of this run.
#[derive(Debug, Default)]
pub struct Payload {
    pub body: Option<Bytes>,
    /// Headers the body implies (--json's Content-Type and Accept), when -H does not set them.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Marked sensitive: its Debug form is `Sensitive`.
    pub authorization: Option<HeaderValue>,
}

/// Read the payload flags; `user` is what -H already sets.
pub fn read(args: &ProbeArgs, user: &[(HeaderName, HeaderValue)]) -> anyhow::Result<Payload> {
    let mut out = Payload::default();
    let has = |name: &HeaderName| user.iter().any(|(k, _)| k == name);
    let p = &*args.payload;
    if let Some(text) = &p.body {
        out.body = Some(Bytes::from(text.clone().into_bytes()));
    } else if let Some(path) = &p.body_file {
        out.body = Some(Bytes::from(read_file("--body-file", path, MAX_BODY)?));
    } else if let Some(text) = &p.json {
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            return Err(Failure::usage(format!(
                "--json '{}': not valid JSON ({e}); expected a JSON document such as '{{\"deep\": true}}'",
                crate::check::cond::truncate(text, 40)
            )));
        }
        out.body = Some(Bytes::from(text.clone().into_bytes()));
        for name in [header::CONTENT_TYPE, header::ACCEPT] {
            if !has(&name) {
                out.headers
                    .push((name, HeaderValue::from_static("application/json")));
            }
        }
    }
    out.authorization = authorization(args)?;
    if out.authorization.is_some() && has(&header::AUTHORIZATION) {
        return Err(Failure::usage(
            "-H 'Authorization: ...' and --basic-auth-user/--bearer-token-* both set the Authorization header: give one",
        ));
    }
    Ok(out)
}

/// The Authorization value from the auth flags, if any.
fn authorization(args: &ProbeArgs) -> anyhow::Result<Option<HeaderValue>> {
    let args = &*args.payload;
    if let Some(user) = &args.basic_auth_user {
        let (what, password) = match (
            &args.basic_auth_password_file,
            &args.basic_auth_password_env,
        ) {
            (Some(path), _) => (
                format!("--basic-auth-password-file '{}'", path.display()),
                secret_file("--basic-auth-password-file", path)?,
            ),
            (None, Some(var)) => (
                format!("--basic-auth-password-env {var}"),
                secret_env("--basic-auth-password-env", var)?,
            ),
            (None, None) => {
                return Err(Failure::usage(
                    "--basic-auth-user needs the password from --basic-auth-password-file FILE or --basic-auth-password-env VAR (never on the command line)",
                ));
            }
        };
        return auth::basic(user, &password).map(Some).map_err(|e| match e {
            auth::AuthError::ColonInUser | auth::AuthError::ControlInUser => Failure::usage(
                format!("--basic-auth-user '{}': {e}", user.escape_default()),
            ),
            auth::AuthError::BadToken => Failure::usage(format!("{what}: {e}")),
        });
    }
    let (what, token) = match (&args.bearer_token_file, &args.bearer_token_env) {
        (Some(path), _) => (
            format!("--bearer-token-file '{}'", path.display()),
            secret_file("--bearer-token-file", path)?,
        ),
        (None, Some(var)) => (
            format!("--bearer-token-env {var}"),
            secret_env("--bearer-token-env", var)?,
        ),
        (None, None) => return Ok(None),
    };
    auth::bearer(&token)
        .map(Some)
        .map_err(|e| Failure::usage(format!("{what}: the token {e}")))
}

/// A secret from a file: trailing newlines are not part of it; empty is an error.
fn secret_file(flag: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = read_file(flag, path, MAX_SECRET)?;
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Err(Failure::usage(format!(
            "{flag} '{}' is empty; expected the secret on its first line",
            path.display()
        )));
    }
    Ok(bytes)
}

/// A secret from an environment variable; unset or empty is an error.
fn secret_env(flag: &str, var: &str) -> anyhow::Result<Vec<u8>> {
    match std::env::var_os(var) {
        None => Err(Failure::usage(format!(
            "{flag} {var}: the environment variable is not set"
        ))),
        Some(v) if v.is_empty() => Err(Failure::usage(format!(
            "{flag} {var}: the environment variable is empty"
        ))),
        Some(v) => Ok(v.into_encoded_bytes()),
    }
}

/// A whole file, at most `max` bytes; errors name the file, never its content.
fn read_file(flag: &str, path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let shown = path.display();
    let why = |e: std::io::Error| {
        Failure::usage(format!(
            "{flag} '{shown}': cannot read it ({})",
            short_io(&e)
        ))
    };
    let file = std::fs::File::open(path).map_err(why)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(why)?;
    if bytes.len() as u64 > max {
        return Err(Failure::usage(format!(
            "{flag} '{shown}' is larger than {} KiB",
            max >> 10
        )));
    }
    Ok(bytes)
}

/// An I/O error without its "(os error N)" tail.
fn short_io(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
