//! `lbctl proxy ctl`: the runtime API's client (ops/runtime.rs documents the endpoints). One
//! HTTP/1.1 request per step on hyper's connection API (as `probe` does): `show` lists the
//! backends; drain/ready/maint/weight first read the list to turn NAME into POOL/NAME (a name
//! in two pools must be given as POOL/NAME), then write; `cache purge` empties the response
//! cache by path prefix. A table (or the answer's one line)
//! by default, the API's JSON with `--output json`. Exit 2 when the proxy refuses (4xx: bad
//! input, unknown names, a wrong or missing token), 3 when it cannot be reached or fails.

use super::runtime::{BackendList, BackendView, ChangeView};
use crate::cli::{CtlAction, CtlArgs, ProxyOutput};
use crate::exit::{ExitCode, Failure};
use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// How long one request (connect, send, read the answer) may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Run `lbctl proxy ctl`.
pub fn run(args: &CtlArgs) -> anyhow::Result<ExitCode> {
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => Some(t.trim().to_string()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| {
                    Failure::usage(format!("cannot read --token-file {}: {e}", path.display()))
                })?
                .trim()
                .to_string(),
        ),
        (None, None) => None,
    };
    let admin = authority(&args.admin)?;
    let client = Client { admin, token };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(act(&client, args))
}

/// `HOST:PORT` from `HOST:PORT`, `http://HOST:PORT` or `http://HOST:PORT/`.
fn authority(s: &str) -> anyhow::Result<String> {
    let a = s.trim();
    let a = a.strip_prefix("http://").unwrap_or(a).trim_end_matches('/');
    let ok = a.rsplit_once(':').is_some_and(|(h, p)| {
        !h.is_empty() && !a.contains('/') && p.parse::<u16>().is_ok_and(|p| p > 0)
    });
    if !ok {
        return Err(Failure::usage(format!(
            "--admin {s}: expected HOST:PORT of the proxy's admin listener, e.g. 127.0.0.1:9901"
        )));
    }
    Ok(a.to_string())
}

struct Client {
    admin: String,
    token: Option<String>,
}

impl Client {
    /// One request; the status and the body. Any failure to get an answer is exit 3.
    async fn call(
        &self,
        method: http::Method,
        path: &str,
        body: &str,
    ) -> anyhow::Result<(u16, Bytes)> {
        let admin = &self.admin;
        let unreachable = |e: &dyn std::fmt::Display| {
            Failure::runtime(format!("cannot reach the admin listener {admin}: {e}"))
        };
        let exchange = async {
            let stream = tokio::net::TcpStream::connect(admin)
                .await
                .map_err(|e| unreachable(&e))?;
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| unreachable(&e))?;
            tokio::spawn(conn);
            let mut req = http::Request::builder()
                .method(method)
                .uri(path)
                .header(http::header::HOST, admin.as_str())
                .header(http::header::CONTENT_TYPE, "text/plain");
            if let Some(t) = &self.token {
                req = req.header(http::header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let req = req
                .body(Full::new(Bytes::from(body.to_string())))
                .map_err(|e| Failure::usage(format!("cannot form the request: {e}")))?;
            let resp = send.send_request(req).await.map_err(|e| unreachable(&e))?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| unreachable(&e))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| unreachable(&format!("no answer within {TIMEOUT:?}")))?
    }

    /// A request whose answer must be a 2xx JSON document of type T.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        method: http::Method,
        path: &str,
        body: &str,
    ) -> anyhow::Result<T> {
        let (status, bytes) = self.call(method, path, body).await?;
        if !(200..300).contains(&status) {
            let msg = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string());
            let msg = format!("the proxy refused ({status}): {msg}");
            return Err(if status < 500 {
                Failure::usage(msg)
            } else {
                Failure::runtime(msg)
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            Failure::runtime(format!(
                "the admin listener {} answered something other than the runtime API's JSON ({e}); is it an lbctl proxy --admin?",
                self.admin
            ))
        })
    }
}

/// `%`-encode a path segment (backend names may be `[::1]:8080`).
fn encode(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    for b in seg.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// NAME or POOL/NAME to (pool, name), from the proxy's list.
fn locate(list: &BackendList, given: &str) -> anyhow::Result<(String, String)> {
    let matches: Vec<&BackendView> = match given.split_once('/') {
        Some((pool, name)) => list
            .backends
            .iter()
            .filter(|b| b.pool == pool && b.name == name)
            .collect(),
        None => list.backends.iter().filter(|b| b.name == given).collect(),
    };
    match matches.as_slice() {
        [one] => Ok((one.pool.clone(), one.name.clone())),
        [] => Err(Failure::usage(format!(
            "no backend {given} (backends: {}); give NAME or POOL/NAME as `show` lists them",
            list.backends
                .iter()
                .map(|b| format!("{}/{}", b.pool, b.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Err(Failure::usage(format!(
            "backend {given} is in pools {}: say which, as POOL/{given}",
            many.iter()
                .map(|b| b.pool.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

async fn act(client: &Client, args: &CtlArgs) -> anyhow::Result<ExitCode> {
    use http::Method;
    let list = || client.json::<BackendList>(Method::GET, "/api/backends", "");
    let (method, path, body) = match &args.action {
        CtlAction::Show => {
            let l = list().await?;
            match args.output {
                ProxyOutput::Json => crate::output::print_json(&l)?,
                ProxyOutput::Text => println!("{}", table(&l)),
            }
            return Ok(ExitCode::Success);
        }
        CtlAction::Drain { backend }
        | CtlAction::Ready { backend }
        | CtlAction::Maint { backend } => {
            let (p, n) = locate(&list().await?, backend)?;
            let state = match &args.action {
                CtlAction::Drain { .. } => "drain",
                CtlAction::Maint { .. } => "maint",
                _ => "ready",
            };
            let path = format!("/api/backends/{}/{}/state", encode(&p), encode(&n));
            (Method::POST, path, state.to_string())
        }
        CtlAction::Weight { backend, weight } => {
            let (p, n) = locate(&list().await?, backend)?;
            let path = format!("/api/backends/{}/{}/weight", encode(&p), encode(&n));
            (Method::POST, path, weight.to_string())
        }
        CtlAction::Add { pool, spec } => (
            Method::PUT,
            format!("/api/pools/{}/backends", encode(pool)),
            spec.clone(),
        ),
        CtlAction::Cache(crate::cli::CtlCache::Purge {
            prefix,
            host,
            exact,
        }) => {
            let mut body = serde_json::json!({ "host": host });
            body[if *exact { "path" } else { "prefix" }] = prefix.as_str().into();
            let path = "/api/cache/purge";
            let done: super::cache_stats::PurgeView =
                client.json(Method::POST, path, &body.to_string()).await?;
            match args.output {
                ProxyOutput::Json => crate::output::print_json(&done)?,
                ProxyOutput::Text => println!("purged {} cache entries", done.purged),
            }
            return Ok(ExitCode::Success);
        }
        CtlAction::Remove { pool, backend } => (
            Method::DELETE,
            format!("/api/pools/{}/backends/{}", encode(pool), encode(backend)),
            String::new(),
        ),
    };
    let change: ChangeView = client.json(method, &path, &body).await?;
    match args.output {
        ProxyOutput::Json => crate::output::print_json(&change)?,
        ProxyOutput::Text => println!("{}", change.changed),
    }
    Ok(ExitCode::Success)
}

fn table(l: &BackendList) -> comfy_table::Table {
    let mut t = crate::output::new_table(&[
        "POOL",
        "BACKEND",
        "ADDRESS",
        "ADMIN",
        "STATE",
        "WEIGHT",
        "EFFECTIVE",
        "IN FLIGHT",
        "REQUESTS",
    ]);
    for b in &l.backends {
        let weight = if b.weight == b.configured_weight {
            b.weight.to_string()
        } else {
            format!("{} (was {})", b.weight, b.configured_weight)
        };
        t.add_row(vec![
            b.pool.clone(),
            format!("{}{}", b.name, if b.backup { " (backup)" } else { "" }),
            b.address.clone(),
            b.admin_state.clone(),
            b.state.clone(),
            weight,
            b.effective_weight.to_string(),
            b.in_flight.to_string(),
            b.requests.to_string(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(pool: &str, name: &str) -> BackendView {
        BackendView {
            pool: pool.into(),
            name: name.into(),
            address: "127.0.0.1:1".into(),
            admin_state: "ready".into(),
            state: "up".into(),
            weight: 1,
            configured_weight: 1,
            effective_weight: 1,
            backup: false,
            in_flight: 0,
            requests: 0,
        }
    }

    #[test]
    fn names_resolve_or_say_why_not() {
        let l = BackendList {
            backends: vec![view("a", "b1"), view("a", "b2"), view("c", "b2")],
        };
        assert_eq!(locate(&l, "b1").unwrap(), ("a".into(), "b1".into()));
        assert_eq!(locate(&l, "c/b2").unwrap(), ("c".into(), "b2".into()));
        let e = locate(&l, "b2").unwrap_err().to_string();
        assert!(e.contains("POOL/b2") && e.contains("a, c"), "{e}");
        assert!(locate(&l, "zz").unwrap_err().to_string().contains("a/b1"));
    }

    #[test]
    fn admin_addresses_and_segments() {
        assert_eq!(
            authority("http://127.0.0.1:9901/").unwrap(),
            "127.0.0.1:9901"
        );
        assert_eq!(authority("localhost:9901").unwrap(), "localhost:9901");
        assert!(authority("127.0.0.1").is_err());
        assert!(authority("http://h:1/x").is_err());
        assert_eq!(encode("[::1]:80"), "%5B::1%5D:80");
        assert_eq!(encode("b 1/x"), "b%201%2Fx");
    }
}
