//! Unit tests of compress.rs: negotiation, types, verdicts, ETag and Vary, the flag's parser.

use super::*;

fn all() -> Vec<(Coding, u32)> {
    CompressSpec::default().algorithms
}

fn neg(a: &str) -> Option<&'static str> {
    negotiate(a.as_bytes(), &all()).map(Coding::name)
}

#[test]
fn highest_q_wins_and_ties_go_to_the_server_order() {
    assert_eq!(neg("gzip, deflate, br, zstd"), Some("zstd"));
    assert_eq!(neg("gzip, br"), Some("br"));
    assert_eq!(neg("gzip;q=1, br;q=0.5"), Some("gzip"));
    assert_eq!(neg("zstd;q=0.1, gzip;q=0.9, br;q=0.8"), Some("gzip"));
    assert_eq!(neg("GZIP;Q=0.5"), Some("gzip"));
    assert_eq!(neg("x-gzip"), Some("gzip"));
    assert_eq!(neg(" gzip ; q=0.5 ,br;q=0.50"), Some("br"));
    let gzip_first = [(Coding::Gzip, 1), (Coding::Br, 4)];
    assert_eq!(negotiate(b"br, gzip", &gzip_first), Some(Coding::Gzip));
    assert_eq!(negotiate(b"zstd", &gzip_first), None);
}

#[test]
fn zero_star_identity_and_nonsense() {
    assert_eq!(neg("gzip;q=0"), None);
    assert_eq!(neg("gzip;q=0.000, br"), Some("br"));
    assert_eq!(neg("*"), Some("zstd"));
    assert_eq!(neg("*;q=0.5, zstd;q=0"), Some("br"));
    assert_eq!(neg("*;q=0"), None);
    assert_eq!(neg("identity"), None);
    assert_eq!(neg(""), None);
    assert_eq!(neg("deflate, compress"), None);
    assert_eq!(neg("gzip;q=0.5, identity"), None);
    assert_eq!(neg("gzip;q=0.5, identity;q=0.5"), Some("gzip"));
    assert_eq!(neg("gzip, identity;q=0"), Some("gzip"));
    // Malformed weights refuse the coding.
    for bad in [
        "q=2", "q=1.5", "q=0.1234", "q=abc", "q=", "q=-1", "q=.5", "q=1.0001",
    ] {
        assert_eq!(neg(&format!("gzip;{bad}")), None, "{bad}");
    }
    assert_eq!(neg("gzip;q=1.000"), Some("gzip"));
    assert_eq!(neg("gzip;level=9"), Some("gzip"));
    assert_eq!(neg(",,, ;q=1, gzip"), Some("gzip"));
    // Named twice: the lower weight holds.
    assert_eq!(neg("gzip, gzip;q=0"), None);
}

#[test]
fn types_match_the_media_type_only() {
    let s = CompressSpec::default();
    assert!(s.type_listed(b"text/html"));
    assert!(s.type_listed(b"Text/HTML; charset=utf-8"));
    assert!(s.type_listed(b"application/json ;charset=utf-8"));
    assert!(!s.type_listed(b"image/png"));
    assert!(!s.type_listed(b"text/htmlx"));
    assert!(!s.type_listed(b""));
    let w = CompressSpec {
        types: vec!["text/*".into()],
        ..s.clone()
    };
    assert!(w.type_listed(b"text/csv"));
    assert!(!w.type_listed(b"textual/csv"));
    assert!(!w.type_listed(b"text"));
    let any = CompressSpec {
        types: vec!["*".into()],
        ..s
    };
    assert!(any.type_listed(b"image/png"));
}

fn ok_resp() -> ResponseFacts<'static> {
    ResponseFacts {
        status: 200,
        content_type: Some(b"text/html"),
        length: Some(10_000),
        ..Default::default()
    }
}

#[test]
fn verdicts() {
    let s = CompressSpec::default();
    let req = RequestFacts::default();
    let gz = Some(&b"gzip"[..]);
    assert_eq!(
        verdict(&s, req, ok_resp(), gz),
        Verdict::Compress(Coding::Gzip, 2)
    );
    assert_eq!(verdict(&s, req, ok_resp(), None), Verdict::VaryOnly);
    assert_eq!(
        verdict(&s, req, ok_resp(), Some(b"identity")),
        Verdict::VaryOnly
    );
    let unknown = ResponseFacts {
        length: None,
        ..ok_resp()
    };
    assert_eq!(
        verdict(&s, req, unknown, gz),
        Verdict::Compress(Coding::Gzip, 2)
    );
    let never = [
        ResponseFacts {
            status: 204,
            ..ok_resp()
        },
        ResponseFacts {
            status: 304,
            ..ok_resp()
        },
        ResponseFacts {
            status: 101,
            ..ok_resp()
        },
        ResponseFacts {
            status: 206,
            ..ok_resp()
        },
        ResponseFacts {
            content_range: true,
            ..ok_resp()
        },
        ResponseFacts {
            content_encoding: true,
            ..ok_resp()
        },
        ResponseFacts {
            no_transform: true,
            ..ok_resp()
        },
        ResponseFacts {
            content_type: None,
            ..ok_resp()
        },
        ResponseFacts {
            content_type: Some(b"image/png"),
            ..ok_resp()
        },
        ResponseFacts {
            length: Some(255),
            ..ok_resp()
        },
    ];
    for r in never {
        assert_eq!(verdict(&s, req, r, gz), Verdict::Skip, "{r:?}");
    }
    assert_eq!(
        verdict(
            &s,
            RequestFacts {
                never: true,
                head: false
            },
            ok_resp(),
            gz
        ),
        Verdict::Skip
    );
    assert_eq!(
        verdict(
            &s,
            req,
            ResponseFacts {
                length: Some(256),
                status: 404,
                ..ok_resp()
            },
            gz
        ),
        Verdict::Compress(Coding::Gzip, 2)
    );
}

#[test]
fn etags_and_vary() {
    assert_eq!(weaken_etag(b"\"abc\"").unwrap(), b"W/\"abc\"");
    assert_eq!(weaken_etag(b"W/\"abc\""), None);
    assert_eq!(weaken_etag(b"abc"), None);
    assert!(varies_on_encoding(b"Origin, Accept-Encoding"));
    assert!(varies_on_encoding(b"*"));
    assert!(!varies_on_encoding(b"Origin"));
}

/// Hostile Accept-Encoding values (seeded random bytes and token soup): no panic, and the
/// coding chosen is always one offered whose weight in the header is above zero.
#[test]
fn negotiation_holds_on_hostile_input() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(16);
    let parts: [&[u8]; 14] = [
        b"gzip",
        b"br",
        b"zstd",
        b"*",
        b"identity",
        b";q=",
        b"0",
        b"1",
        b".",
        b"5",
        b",",
        b" ",
        b";",
        b"\xff",
    ];
    let offered = [(Coding::Br, 4), (Coding::Gzip, 1)];
    for i in 0..20_000 {
        let v: Vec<u8> = if i % 2 == 0 {
            (0..rng.random_range(0..64)).map(|_| rng.random()).collect()
        } else {
            (0..rng.random_range(0..24))
                .flat_map(|_| parts[rng.random_range(0..parts.len())].iter().copied())
                .collect()
        };
        if let Some(c) = negotiate(&v, &offered) {
            assert!(offered.iter().any(|(o, _)| *o == c), "{v:?}");
            // Refused outright (only entry, weight 0) never wins.
            let zero = [c.name().as_bytes(), b";q=0"].concat();
            assert_eq!(negotiate(&zero, &offered), None);
        }
        let _ = weaken_etag(&v);
        let _ = varies_on_encoding(&v);
        let _ = CompressSpec::default().type_listed(&v);
    }
}

#[test]
fn parsing_the_flag() {
    let a = CompressSpec::parse_algorithms("on", "--compress").unwrap();
    assert_eq!(a, all());
    let a = CompressSpec::parse_algorithms("gzip:6, br", "--compress").unwrap();
    assert_eq!(a, vec![(Coding::Gzip, 6), (Coding::Br, 4)]);
    for bad in [
        "gzip:0",
        "gzip:10",
        "br:12",
        "zstd:20",
        "lz4",
        "gzip,gzip",
        "x-gzip",
        "gzip:x",
        ",",
    ] {
        let e = CompressSpec::parse_algorithms(bad, "--compress").unwrap_err();
        assert!(e.to_string().contains("--compress"), "{e}");
    }
    assert!(CompressSpec::parse_types(&["text/html", "text/*", "*"], "t").is_ok());
    for bad in ["html", "text/", "/x", "text/html;q=1", "a b/c"] {
        assert!(CompressSpec::parse_types(&[bad], "t").is_err(), "{bad}");
    }
}
