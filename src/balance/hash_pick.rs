//! A hash ring/table over a pool's backends with the proxy's failover rule: a key whose own
//! backend is not usable tries a few salted re-hashes (nginx `hash ... consistent` moves only
//! the down server's keys the same way), and the bounded-load variant reads in-flight counts.
//! Used by `proxy` (per request) and `sim` (the same picks on a virtual clock).

use crate::balance::hash::{HashAlgorithm, HashError, HashOptions, HashServer, Locator, build};

/// A built hash ring/table over a pool's backends.
pub struct HashPick {
    pub locator: Box<dyn Locator>,
    pub algorithm: HashAlgorithm,
}

/// Salted re-hashes tried before giving up on the key (then the fallback algorithm picks).
const FAILOVER_TRIES: u8 = 8;

impl HashPick {
    pub fn build(algorithm: HashAlgorithm, backends: &[(String, u32)]) -> Result<Self, HashError> {
        let servers: Vec<HashServer> = backends
            .iter()
            .map(|(n, w)| HashServer::new(n.clone(), *w))
            .collect();
        let locator = build(algorithm, &servers, &HashOptions::default())?;
        Ok(HashPick { locator, algorithm })
    }

    /// The backend for `key`: its own if `usable`, else the first usable salted re-hash.
    /// `load` (in-flight per backend) feeds the bounded-load variant.
    pub fn pick(
        &self,
        key: &[u8],
        usable: &dyn Fn(usize) -> bool,
        load: &dyn Fn(usize) -> u64,
        total_load: u64,
    ) -> Option<usize> {
        if let Some(b) = self.locator.as_bounded() {
            let i = b.locate_bounded(
                key,
                &|s| if usable(s) { load(s) } else { u64::MAX },
                total_load,
            );
            return usable(i).then_some(i);
        }
        let i = self.locator.locate(key);
        if usable(i) {
            return Some(i);
        }
        let mut salted = Vec::with_capacity(key.len() + 2);
        for salt in 1..=FAILOVER_TRIES {
            salted.clear();
            salted.extend_from_slice(key);
            salted.push(b'#');
            salted.push(salt);
            let j = self.locator.locate(&salted);
            if usable(j) {
                return Some(j);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_moves_only_the_out_backends_keys() {
        let servers: Vec<(String, u32)> = (0..4).map(|i| (format!("s{i}"), 1)).collect();
        for alg in [
            HashAlgorithm::Ketama,
            HashAlgorithm::Maglev,
            HashAlgorithm::Rendezvous,
            HashAlgorithm::Bounded,
        ] {
            let hp = HashPick::build(alg, &servers).unwrap();
            let all = |_: usize| true;
            let zero = |_: usize| 0u64;
            let before: Vec<usize> = (0..500)
                .map(|k| hp.pick(format!("k{k}").as_bytes(), &all, &zero, 0).unwrap())
                .collect();
            let no2 = |i: usize| i != 2;
            for (k, &b) in before.iter().enumerate() {
                let after = hp.pick(format!("k{k}").as_bytes(), &no2, &zero, 0).unwrap();
                assert_ne!(after, 2);
                if b != 2 {
                    assert_eq!(after, b, "{alg:?}: key {k} moved");
                }
            }
        }
    }
}
