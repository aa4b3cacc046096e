//! `--redirect-https` on real sockets: curl over HTTP/1.1 and HTTP/2 against the proxy,
//! checking the status, Location and body of the answer (the origin of compress.rs stands
//! behind it, for the routes that are proxied).

use super::compress::{curl, header, origin, page};
use super::{config_file, proxy};

#[test]
fn redirect_to_https_keeps_host_path_and_query() {
    let (o, _gate) = origin();
    let p = proxy(&["--backend", &o, "--redirect-https"]);
    let (head, body) = curl(&[], &p.url("/a/b?x=1&y=%20"));
    let host = p.addr.split(':').next().unwrap();
    assert!(head.starts_with("http/1.1 308"), "{head}");
    assert_eq!(
        header(&head, "location"),
        [format!("https://{host}/a/b?x=1&y=%20").as_str()]
    );
    assert_eq!(
        header(&head, "content-length"),
        [body.len().to_string().as_str()]
    );
    let (head, _) = curl(&["-X", "POST", "-d", "k=v"], &p.url("/form"));
    assert!(head.starts_with("http/1.1 308"), "{head}");
    let (head, _) = curl(
        &["--http2-prior-knowledge", "-H", "Host: example.test:8080"],
        &p.url("/h2"),
    );
    assert!(head.starts_with("http/2 308"), "{head}");
    assert_eq!(header(&head, "location"), ["https://example.test/h2"]);
    drop(p);

    // 301 for GET and HEAD; methods with a body keep theirs with 308; another port.
    let p = proxy(&[
        "--backend",
        &o,
        "--redirect-https",
        "8443",
        "--redirect-code",
        "301",
    ]);
    let (head, _) = curl(&["-H", "Host: example.test"], &p.url("/p?q=1"));
    assert!(head.starts_with("http/1.1 301"), "{head}");
    assert_eq!(
        header(&head, "location"),
        ["https://example.test:8443/p?q=1"]
    );
    let (head, _) = curl(&["-I", "-H", "Host: example.test"], &p.url("/p"));
    assert!(head.starts_with("http/1.1 301"), "{head}");
    let (head, _) = curl(&["-X", "PUT", "-d", "x"], &p.url("/p"));
    assert!(head.starts_with("http/1.1 308"), "{head}");
    drop(p);

    // The ACL comes first; a route redirects, the others are proxied.
    let p = proxy(&["--backend", &o, "--redirect-https", "--deny", "127.0.0.0/8"]);
    let (head, _) = curl(&[], &p.url("/x"));
    assert!(head.starts_with("http/1.1 403"), "{head}");
    let f = config_file(&format!(
        "[[listener]]\nlisten = \"127.0.0.1:0\"\ndefault_pool = \"web\"\n[[listener.route]]\npath_prefix = \"/login\"\npool = \"web\"\nredirect_https = {{ port = 8443, code = 301 }}\n[pool.web]\nbackends = [\"{o}\"]\n"
    ));
    let p = proxy(&["--config", f.path().to_str().unwrap()]);
    let (head, _) = curl(&["-H", "Host: example.test"], &p.url("/login?next=/"));
    assert!(head.starts_with("http/1.1 301"), "{head}");
    assert_eq!(
        header(&head, "location"),
        ["https://example.test:8443/login?next=/"]
    );
    let (head, body) = curl(&[], &p.url("/page/100"));
    assert!(
        head.starts_with("http/1.1 200") && body == page(100),
        "{head}"
    );
}
