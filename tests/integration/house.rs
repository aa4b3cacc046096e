//! The house rules, checked on the source: no file of `src/` is in an import cycle, and
//! `src/proxy/`'s rooms only import downward (ARCHITECTURE.md, "The house").
//!
//! How: every `.rs` file is found from `src/lib.rs` by following `mod NAME;` declarations
//! (and `#[path]`), so each file has its module path. Each file is read with comments and
//! literals removed; its `use` trees and the `crate::`/`super::`/`self::` paths in its code
//! (including those of inline `mod tests { .. }` blocks, whose `super` is the file itself)
//! are resolved to the deepest module that exists, and that module's file is the target of
//! an edge. A `pub use` at the top of a file is the room's front door, not a dependency of
//! the file's code: a path through it is followed to the file that defines the item, and the
//! re-export itself counts as an edge only when the file's own code uses the name. Paths to
//! external crates are ignored. The graph of files must then be acyclic, and a cycle is
//! reported file by file with the path that made each edge.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A token of Rust source with comments removed; literals are kept as one token each.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Open,
    Close,
    Semi,
    Comma,
    Star,
    /// A string literal's raw text (for `#[path = ".."]`).
    Str(String),
    Other,
}

fn lex(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        let rest = &b[i..];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((text, len)) = string_literal(rest) {
            out.push(Tok::Str(text));
            i += len;
        } else if c == b'\'' || rest.starts_with(b"b'") {
            // A char literal ('x', '\n', b'x'), else a lifetime ('a).
            let start = if c == b'b' { i + 1 } else { i };
            let body = &b[start + 1..];
            let len = match body {
                [b'\\', ..] => body.iter().skip(2).position(|&x| x == b'\'').map(|p| p + 3),
                [_, b'\'', ..] => Some(2),
                _ => {
                    // A multi-byte char ('é') or a lifetime.
                    let ch_len = std::str::from_utf8(&body[..body.len().min(4)])
                        .ok()
                        .or_else(|| std::str::from_utf8(&body[..body.len().min(3)]).ok())
                        .or_else(|| std::str::from_utf8(&body[..body.len().min(2)]).ok())
                        .and_then(|s| s.chars().next())
                        .map_or(1, char::len_utf8);
                    (body.get(ch_len) == Some(&b'\'')).then_some(ch_len + 1)
                }
            };
            match len {
                Some(n) => i = start + 1 + n,
                None => {
                    // A lifetime: skip the quote and its name.
                    i = start + 1;
                    while i < b.len() && ident_byte(b[i]) {
                        i += 1;
                    }
                }
            }
            out.push(Tok::Other);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && ident_byte(b[i]) {
                i += 1;
            }
            let word = &src[start..i];
            // A raw identifier (r#type) is the identifier.
            if word == "r"
                && b.get(i) == Some(&b'#')
                && b.get(i + 1).is_some_and(|&x| ident_byte(x))
            {
                i += 1;
                let s = i;
                while i < b.len() && ident_byte(b[i]) {
                    i += 1;
                }
                out.push(Tok::Ident(src[s..i].to_string()));
            } else {
                out.push(Tok::Ident(word.to_string()));
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (ident_byte(b[i]) || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Other);
        } else {
            i += 1;
            out.push(match c {
                b':' if b.get(i) == Some(&b':') => {
                    i += 1;
                    Tok::Sep
                }
                b'{' => Tok::Open,
                b'}' => Tok::Close,
                b';' => Tok::Semi,
                b',' => Tok::Comma,
                b'*' => Tok::Star,
                _ => Tok::Other,
            });
        }
    }
    out
}

/// A string literal at the start of `s` ("..", b"..", r#".."#, br".."): its text and length.
fn string_literal(s: &[u8]) -> Option<(String, usize)> {
    let mut i = 0;
    if s.first() == Some(&b'b') {
        i += 1;
    }
    if s.get(i) == Some(&b'r') {
        i += 1;
        let hashes = s[i..].iter().take_while(|&&c| c == b'#').count();
        if s.get(i + hashes) != Some(&b'"') {
            return None;
        }
        let body = i + hashes + 1;
        let mut end = String::from("\"");
        end.push_str(&"#".repeat(hashes));
        let close = s[body..]
            .windows(end.len())
            .position(|w| w == end.as_bytes())?;
        let text = String::from_utf8_lossy(&s[body..body + close]).into_owned();
        return Some((text, body + close + end.len()));
    }
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let body = i + 1;
    let mut j = body;
    while j < s.len() && s[j] != b'"' {
        j += if s[j] == b'\\' { 2 } else { 1 };
    }
    let text = String::from_utf8_lossy(&s[body..j.min(s.len())]).into_owned();
    Some((text, j + 1))
}

type ModPath = Vec<String>;

/// One `use` leaf: its full path and the name it binds.
#[derive(Debug)]
struct UseLeaf {
    path: Vec<String>,
    name: String,
}

fn use_tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<UseLeaf>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(w)) if w == "as" => {
                *i += 1;
                if path.last().is_some_and(|l| l == "self") {
                    path.pop();
                }
                if let Some(Tok::Ident(alias)) = toks.get(*i) {
                    *i += 1;
                    out.push(UseLeaf {
                        path,
                        name: alias.clone(),
                    });
                }
                return;
            }
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
            }
            Some(Tok::Sep) => *i += 1,
            Some(Tok::Star) => {
                *i += 1;
                out.push(UseLeaf {
                    path,
                    name: "*".into(),
                });
                return;
            }
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            _ => {
                if path.last().is_some_and(|l| l == "self") {
                    path.pop();
                }
                let name = path.last().cloned().unwrap_or_default();
                out.push(UseLeaf { path, name });
                return;
            }
        }
    }
}

/// What one file says: the modules it declares, its `use` leaves, its paths.
#[derive(Default)]
struct Scan {
    /// `mod NAME;` with its `#[path]`, if any.
    declared: Vec<(String, Option<String>)>,
    /// (module the statement is in, leaf, whether it is a top-level `pub use`).
    uses: Vec<(ModPath, UseLeaf, bool)>,
    /// (module the path is in, segments).
    paths: Vec<(ModPath, Vec<String>)>,
    /// Identifiers outside `use` statements: the names the code itself uses.
    code_idents: BTreeSet<String>,
}

fn scan(file_mod: &[String], src: &str) -> Scan {
    let toks = lex(src);
    let mut s = Scan::default();
    // Inline modules: (name, brace depth inside them).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let here = |inline: &[(String, usize)]| -> ModPath {
        let mut m = file_mod.to_vec();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Ident(w) if w == "use" => {
                let public = i > 0
                    && (matches!(&toks[i - 1], Tok::Ident(p) if p == "pub")
                        || (i >= 4
                            && matches!(&toks[i - 1], Tok::Other)
                            && matches!(&toks[i - 4], Tok::Ident(p) if p == "pub")));
                let mut j = i + 1;
                if toks.get(j) == Some(&Tok::Sep) {
                    // `use ::crate_name::..`: external.
                    while j < toks.len() && toks[j] != Tok::Semi {
                        j += 1;
                    }
                    i = j + 1;
                    continue;
                }
                let mut leaves = Vec::new();
                use_tree(&toks, &mut j, &[], &mut leaves);
                let m = here(&inline);
                for l in leaves {
                    s.uses.push((m.clone(), l, public && inline.is_empty()));
                }
                while j < toks.len() && toks[j] != Tok::Semi {
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(Tok::Ident(name)) = toks.get(i + 1) {
                    match toks.get(i + 2) {
                        Some(Tok::Semi) if inline.is_empty() => {
                            s.declared.push((name.clone(), path_attr(&toks[..i])));
                        }
                        Some(Tok::Open) => {
                            depth += 1;
                            inline.push((name.clone(), depth));
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            Tok::Open => depth += 1,
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(w) if i == 0 || toks[i - 1] != Tok::Sep => {
                s.code_idents.insert(w.clone());
                if toks.get(i + 1) == Some(&Tok::Sep) {
                    let mut segs = vec![w.clone()];
                    let mut j = i + 1;
                    while toks.get(j) == Some(&Tok::Sep) {
                        match toks.get(j + 1) {
                            Some(Tok::Ident(n)) => {
                                segs.push(n.clone());
                                j += 2;
                            }
                            _ => break,
                        }
                    }
                    for t in &toks[i + 1..j] {
                        if let Tok::Ident(n) = t {
                            s.code_idents.insert(n.clone());
                        }
                    }
                    s.paths.push((here(&inline), segs));
                    i = j;
                    continue;
                }
            }
            Tok::Ident(w) => {
                s.code_idents.insert(w.clone());
            }
            _ => {}
        }
        i += 1;
    }
    s
}

/// The `#[path = ".."]` just before a `mod` declaration, if any.
fn path_attr(before: &[Tok]) -> Option<String> {
    let mut k = before.len();
    // Skip `pub`, `pub(crate)` and the like.
    while k > 0 && !matches!(before[k - 1], Tok::Other) {
        if let Tok::Ident(w) = &before[k - 1]
            && (w == "pub" || w == "crate" || w == "super")
        {
            k -= 1;
            continue;
        }
        break;
    }
    // ... # [ path = "x" ] : the string sits four tokens before the `]`.
    let window = &before[..k];
    let n = window.len();
    if n >= 6
        && let (Tok::Ident(p), Tok::Str(s)) = (&window[n - 4], &window[n - 2])
        && p == "path"
    {
        return Some(s.clone());
    }
    None
}

/// The module tree and the import graph of a crate's files.
struct House {
    files: BTreeMap<ModPath, PathBuf>,
    scans: HashMap<ModPath, Scan>,
    /// file -> (file it imports, the path that made the edge)
    edges: BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
}

impl House {
    /// Read the crate whose root is `lib` (`read` gives a file's text).
    fn load(lib: &Path, read: &dyn Fn(&Path) -> Option<String>) -> House {
        let mut house = House {
            files: BTreeMap::new(),
            scans: HashMap::new(),
            edges: BTreeMap::new(),
        };
        let mut todo = vec![(Vec::new(), lib.to_path_buf())];
        while let Some((m, path)) = todo.pop() {
            let src = read(&path).unwrap_or_else(|| panic!("cannot read {}", path.display()));
            let sc = scan(&m, &src);
            let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let child_dir = if matches!(stem, "lib" | "main" | "mod") {
                dir.clone()
            } else {
                dir.join(stem)
            };
            for (name, attr) in &sc.declared {
                let child = match attr {
                    Some(p) => dir.join(p),
                    None => {
                        let flat = child_dir.join(format!("{name}.rs"));
                        if read(&flat).is_some() {
                            flat
                        } else {
                            child_dir.join(name).join("mod.rs")
                        }
                    }
                };
                let mut cm = m.clone();
                cm.push(name.clone());
                todo.push((cm, child));
            }
            house.files.insert(m.clone(), path);
            house.scans.insert(m, sc);
        }
        house.link();
        house
    }

    fn is_module(&self, m: &[String]) -> bool {
        self.files.contains_key(m)
    }

    /// The file holding module `m` (an inline module is in its parent's file).
    fn file_of(&self, m: &[String]) -> &PathBuf {
        let mut m = m.to_vec();
        loop {
            if let Some(f) = self.files.get(&m) {
                return f;
            }
            m.pop();
        }
    }

    /// The file a path written in module `at` (of file module `file`) leads to, if any.
    fn resolve(&self, at: &[String], segs: &[String], hops: usize) -> Option<&PathBuf> {
        let (mut m, mut rest): (Vec<String>, &[String]) = match segs.first()?.as_str() {
            "crate" => (Vec::new(), &segs[1..]),
            "super" | "self" => {
                let mut m = at.to_vec();
                let mut k = 0;
                while let Some(s) = segs.get(k) {
                    match s.as_str() {
                        "super" => {
                            m.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    k += 1;
                }
                (m, &segs[k..])
            }
            first => {
                // A child module in scope: of this module, or (in an inline `mod tests`, after
                // its `use super::*`) of the modules around it in the same file.
                let mut scope = at.to_vec();
                loop {
                    let mut c = scope.clone();
                    c.push(first.to_string());
                    if self.is_module(&c) {
                        break (scope, segs);
                    }
                    if self.files.contains_key(&scope) || scope.pop().is_none() {
                        return None; // an external crate, a local item, or a name from `use`
                    }
                }
            }
        };
        while let Some(next) = rest.first() {
            let mut c = m.clone();
            c.push(next.clone());
            if !self.is_module(&c) {
                break;
            }
            m = c;
            rest = &rest[1..];
        }
        // Through a re-export to the file that defines the item.
        if let (Some(name), Some(sc)) = (rest.first(), self.scans.get(&m))
            && hops < 8
            && let Some((from, leaf, _)) = sc
                .uses
                .iter()
                .find(|(from, l, public)| *public && from == &m && &l.name == name)
        {
            let mut p = leaf.path.clone();
            p.extend(rest[1..].iter().cloned());
            if let Some(f) = self.resolve(from, &p, hops + 1) {
                return Some(f);
            }
        }
        Some(self.file_of(&m))
    }

    fn link(&mut self) {
        let mut edges: BTreeMap<PathBuf, BTreeMap<PathBuf, String>> = BTreeMap::new();
        for (m, sc) in &self.scans {
            let me = self.files[m].clone();
            let out = edges.entry(me.clone()).or_default();
            let mut add = |at: &[String], segs: &[String]| {
                if let Some(f) = self.resolve(at, segs, 0)
                    && *f != me
                {
                    out.entry(f.clone()).or_insert_with(|| segs.join("::"));
                }
            };
            for (at, leaf, public) in &sc.uses {
                // A front door (`pub use`) is an edge only when this file's code uses the name.
                if *public && !sc.code_idents.contains(&leaf.name) {
                    continue;
                }
                add(at, &leaf.path);
            }
            for (at, segs) in &sc.paths {
                add(at, segs);
            }
        }
        self.edges = edges;
    }

    /// A cycle of files, each with the path that made the edge to the next, if there is one.
    fn cycle(&self) -> Option<Vec<(PathBuf, String)>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark: BTreeMap<&PathBuf, Mark> =
            self.edges.keys().map(|f| (f, Mark::New)).collect();
        let mut stack: Vec<&PathBuf> = Vec::new();
        fn visit<'a>(
            h: &'a House,
            f: &'a PathBuf,
            mark: &mut BTreeMap<&'a PathBuf, Mark>,
            stack: &mut Vec<&'a PathBuf>,
        ) -> Option<Vec<(PathBuf, String)>> {
            mark.insert(f, Mark::Open);
            stack.push(f);
            for to in h.edges.get(f).into_iter().flat_map(|e| e.keys()) {
                match mark.get(to).copied().unwrap_or(Mark::Done) {
                    Mark::Open => {
                        let start = stack.iter().position(|x| *x == to).unwrap_or(0);
                        let ring: Vec<&PathBuf> = stack[start..].to_vec();
                        return Some(
                            ring.iter()
                                .enumerate()
                                .map(|(k, a)| {
                                    let b = ring[(k + 1) % ring.len()];
                                    ((*a).clone(), h.edges[*a][b].clone())
                                })
                                .collect(),
                        );
                    }
                    Mark::New => {
                        if let Some(c) = visit(h, to, mark, stack) {
                            return Some(c);
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            mark.insert(f, Mark::Done);
            None
        }
        let files: Vec<&PathBuf> = self.edges.keys().collect();
        for f in files {
            if mark[f] == Mark::New
                && let Some(c) = visit(self, f, &mut mark, &mut stack)
            {
                return Some(c);
            }
        }
        None
    }

    fn file_count(&self) -> usize {
        self.files.len()
    }
}

/// A path as the crate names it (`src/..`), for messages.
fn rel(p: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

fn show_cycle(c: &[(PathBuf, String)]) -> String {
    (0..c.len())
        .map(|k| {
            let (from, via) = &c[k];
            let to = &c[(k + 1) % c.len()].0;
            format!("  {} -> {} (via {via})", rel(from), rel(to))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn crate_house() -> House {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    House::load(&root.join("src/lib.rs"), &|p| {
        std::fs::read_to_string(p).ok()
    })
}

#[test]
fn no_file_of_src_is_in_an_import_cycle() {
    let house = crate_house();
    // The parser saw the crate (a broken one would find no edges and no cycle).
    assert!(house.file_count() > 100, "{} files", house.file_count());
    let relay = house
        .edges
        .get(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/proxy/http/fast/relay.rs")
                .as_path(),
        )
        .expect("the fast path's relay is in the module tree");
    assert!(
        relay
            .keys()
            .any(|f| f.ends_with("src/proxy/http/decide.rs")),
        "relay.rs imports decide.rs: {relay:?}"
    );
    if let Some(c) = house.cycle() {
        panic!(
            "import cycle between files of src/ (move the shared type down to where both sides can see it):\n{}",
            show_cycle(&c)
        );
    }
}

/// The room of a file under `src/proxy/` (`mod` for proxy/mod.rs), and its sub-room in http/.
fn proxy_room(f: &Path) -> Option<(String, Option<String>)> {
    let rel = f.to_str()?.split("/src/proxy/").nth(1)?;
    let parts: Vec<&str> = rel.split('/').collect();
    Some(match parts.as_slice() {
        [_file] => ("mod".into(), None),
        ["http", sub, _, ..] => ("http".into(), Some((*sub).to_string())),
        [room, ..] => ((*room).to_string(), None),
        [] => return None,
    })
}

#[test]
fn proxy_rooms_import_only_downward() {
    // ops -> plan -> tcp -> core; ops, http -> core. A data path never imports the other.
    let may: &[(&str, &[&str])] = &[
        ("core", &["core"]),
        ("http", &["core", "http"]),
        ("tcp", &["core", "tcp"]),
        ("plan", &["core", "tcp", "plan"]),
        ("ops", &["core", "http", "tcp", "plan", "ops"]),
    ];
    let house = crate_house();
    let mut wrong = Vec::new();
    for (from, to) in &house.edges {
        let Some((room, sub)) = proxy_room(from) else {
            continue;
        };
        for (target, via) in to {
            let Some((troom, tsub)) = proxy_room(target) else {
                continue;
            };
            let allowed = may
                .iter()
                .find(|(r, _)| *r == room)
                .is_none_or(|(_, ok)| ok.contains(&troom.as_str()));
            // Inside http/: fast/ and hyper/ share decisions, never each other's internals,
            // and the shared files (decide, headers, local) import neither; serve.rs starts both.
            let http_inside = room == "http"
                && troom == "http"
                && tsub.is_some()
                && sub != tsub
                && !from.ends_with("http/serve.rs");
            if !allowed || http_inside {
                wrong.push(format!("  {} -> {} (via {via})", rel(from), rel(target)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the rooms of src/proxy/ (see src/proxy/mod.rs):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_use_trees_super_re_exports_and_cycles() {
    let mut files: HashMap<PathBuf, String> = [
        ("s/lib.rs", "pub mod a;\npub mod b;\nmod c;\n"),
        // A use tree with an alias; an inline test module whose `super` is this file; a path
        // in a string and in a comment, which are not code.
        (
            "s/a.rs",
            "use crate::b::{self as bee};\npub fn f() { bee::g(\"\"); }\n#[cfg(test)]\nmod tests {\n    use super::*;\n    const S: &str = \"crate::c::D {\";\n    // crate::c::D\n}\n",
        ),
        // A lifetime and a char literal brace, then a path in code through c's front door.
        (
            "s/b.rs",
            "pub fn g<'a>(x: &'a str) -> char { let _ = x; '{' }\npub fn h() -> crate::c::D { crate::c::D }\n",
        ),
        // A front door: re-exporting inner's item is not a dependency of c's own code.
        ("s/c/mod.rs", "mod inner;\npub use inner::D;\n"),
        ("s/c/inner.rs", "pub struct D;\n"),
    ]
    .into_iter()
    .map(|(p, s)| (PathBuf::from(p), s.to_string()))
    .collect();
    let load = |files: &HashMap<PathBuf, String>| {
        House::load(Path::new("s/lib.rs"), &|p| files.get(p).cloned())
    };
    let edges = |h: &House, f: &str| -> Vec<String> {
        h.edges[Path::new(f)]
            .keys()
            .map(|p| p.display().to_string())
            .collect()
    };
    let house = load(&files);
    assert_eq!(edges(&house, "s/a.rs"), ["s/b.rs"]);
    assert_eq!(edges(&house, "s/b.rs"), ["s/c/inner.rs"]);
    assert!(edges(&house, "s/c/mod.rs").is_empty());
    assert!(house.cycle().is_none(), "{:?}", house.cycle());

    // The front door counts once c's own code uses the name.
    files.insert(
        "s/c/mod.rs".into(),
        "mod inner;\npub use inner::D;\nfn k() -> D { D }\n".into(),
    );
    assert_eq!(edges(&load(&files), "s/c/mod.rs"), ["s/c/inner.rs"]);

    // inner -> a closes a -> b -> inner -> a, and the report names every step.
    files.insert(
        "s/c/inner.rs".into(),
        "pub struct D;\nfn z() { super::super::a::f(); }\n".into(),
    );
    let c = load(&files).cycle().expect("a cycle");
    let shown = show_cycle(&c);
    for f in ["s/a.rs", "s/b.rs", "s/c/inner.rs", "via super::super::a::f"] {
        assert!(shown.contains(f), "{f} in:\n{shown}");
    }
}

#[test]
fn the_readme_names_only_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut missing = Vec::new();
    // Every `code span` that is a repository path (placeholders in capitals are not).
    for span in readme.split('`').skip(1).step_by(2) {
        let is_path = ["src/", "tests/", "benches/", "fuzz/", ".ci/"]
            .iter()
            .any(|p| span.starts_with(p));
        if is_path
            && !span.contains(char::is_whitespace)
            && !span.chars().any(|c| c.is_ascii_uppercase())
            && !root.join(span.trim_end_matches('/')).exists()
        {
            missing.push(span.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "README.md names paths that do not exist: {missing:?}"
    );
}
