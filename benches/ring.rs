//! Lookup cost of every `balance::hash` algorithm at N = 10, 100, 1000 servers (divan).
//! The question: is maglev/modulo O(1), are the rings O(log vN), jump ~ln N, rendezvous O(N)?
//! Each iteration looks up the same 1,000 pre-generated keys; throughput is in keys.
//! Run: cargo bench --bench ring   (the lead runs it on release builds)

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use lbctl::balance::hash::{HashAlgorithm, HashOptions, HashServer, build};

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [10, 100, 1000];
const KEYS: usize = 1000;

fn servers(n: usize) -> Vec<HashServer> {
    (0..n)
        .map(|i| HashServer::new(format!("10.0.{}.{}:11211", i / 256, i % 256), 1))
        .collect()
}

fn keys() -> Vec<Vec<u8>> {
    (0..KEYS)
        .map(|i| format!("user:{i}").into_bytes())
        .collect()
}

fn lookup(bencher: Bencher, alg: HashAlgorithm, n: usize) {
    let list = servers(n);
    let locator = build(alg, &list, &HashOptions::default()).expect("valid servers");
    let keys = keys();
    bencher.counter(ItemsCount::new(KEYS)).bench_local(|| {
        for k in &keys {
            black_box(locator.locate(black_box(k)));
        }
    });
}

macro_rules! lookups {
    ($($name:ident => $alg:expr),* $(,)?) => {
        $(
            #[divan::bench(args = SIZES)]
            fn $name(bencher: Bencher, n: usize) {
                lookup(bencher, $alg, n);
            }
        )*
    };
}

lookups! {
    modulo => HashAlgorithm::Modulo,
    ketama => HashAlgorithm::Ketama,
    nginx => HashAlgorithm::Nginx,
    ring => HashAlgorithm::Ring,
    jump => HashAlgorithm::Jump,
    rendezvous => HashAlgorithm::Rendezvous,
    maglev => HashAlgorithm::Maglev,
    bounded_first_choice => HashAlgorithm::Bounded,
}

/// Bounded placement with live loads (what `proxy` does per request).
#[divan::bench(args = SIZES)]
fn bounded_placement(bencher: Bencher, n: usize) {
    let list = servers(n);
    let b =
        lbctl::balance::hash::build_bounded(&list, &HashOptions::default()).expect("valid servers");
    let keys = keys();
    bencher.counter(ItemsCount::new(KEYS)).bench_local(|| {
        let mut p = b.placer();
        for k in &keys {
            black_box(p.place(black_box(k)));
        }
    });
}

/// Building the structure (maglev's table fill dominates; rendezvous is nearly free).
#[divan::bench(args = [HashAlgorithm::Ketama, HashAlgorithm::Nginx, HashAlgorithm::Maglev, HashAlgorithm::Rendezvous])]
fn build_100(alg: HashAlgorithm) {
    let list = servers(100);
    black_box(build(alg, &list, &HashOptions::default()).expect("valid servers"));
}
