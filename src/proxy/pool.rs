//! A pool of backends and its balancing algorithm: which backends are candidates right now
//! (healthy, not drained, primaries before `backup` ones, not already tried by this request,
//! with a free `maxconn` slot when one exists) and the pick itself, delegated to `balance/`.

use super::backend::Backend;
use super::hashkey::{HashKey, HashPick};
use crate::balance::pick::{Candidates, PickContext, Picker};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub struct Pool {
    pub name: String,
    pub backends: Vec<Arc<Backend>>,
    picker: Box<dyn Picker>,
    has_backup: bool,
    has_maxconn: bool,
    /// `--algorithm hash`: the ring/table (the picker is then the fallback for keyless requests).
    pub hash: Option<HashPick>,
    /// Where the hash key comes from (with `hash`).
    pub hash_key: Option<HashKey>,
    /// `--sticky cookie:NAME`.
    pub sticky_cookie: Option<String>,
    /// The algorithm's name, for /stats and logs.
    pub algorithm: &'static str,
}

/// Backends already tried by one request (bit i = backend i; backends past 64 are never excluded).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tried(u64);

impl Tried {
    pub fn add(&mut self, i: usize) {
        if i < 64 {
            self.0 |= 1 << i;
        }
    }
    pub fn has(&self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }
}

struct View<'a> {
    pool: &'a Pool,
    backup: bool,
    need_room: bool,
    tried: Tried,
}

impl Candidates for View<'_> {
    fn len(&self) -> usize {
        self.pool.backends.len()
    }
    fn eligible(&self, i: usize) -> bool {
        let b = &self.pool.backends[i];
        b.spec.backup == self.backup
            && b.spec.weight > 0
            && !self.tried.has(i)
            && b.healthy()
            && (!self.need_room || b.has_room())
    }
    fn weight(&self, i: usize) -> u32 {
        self.pool.backends[i].spec.weight
    }
    fn in_flight(&self, i: usize) -> u64 {
        self.pool.backends[i].in_flight.load(Ordering::Relaxed)
    }
}

impl Pool {
    pub fn new(name: String, backends: Vec<Arc<Backend>>, picker: Box<dyn Picker>) -> Self {
        let has_backup = backends.iter().any(|b| b.spec.backup);
        let has_maxconn = backends.iter().any(|b| b.spec.maxconn.is_some());
        Pool {
            name,
            backends,
            picker,
            has_backup,
            has_maxconn,
            hash: None,
            hash_key: None,
            sticky_cookie: None,
            algorithm: "",
        }
    }

    pub fn picker(&self) -> &dyn Picker {
        self.picker.as_ref()
    }

    /// Whether backend `i` may take this request (used to honour sticky cookies and hashes).
    pub fn usable(&self, i: usize, tried: Tried) -> bool {
        let b = &self.backends[i];
        b.spec.weight > 0 && !tried.has(i) && b.healthy()
    }

    /// Whether any primary could serve (decides whether backups are in play).
    fn primary_up(&self) -> bool {
        self.backends
            .iter()
            .any(|b| !b.spec.backup && b.spec.weight > 0 && b.healthy())
    }

    /// Pick a backend for a request, or None when nothing is healthy.
    pub fn choose(&self, ctx: &PickContext<'_>, tried: Tried) -> Option<usize> {
        let tiers: &[bool] = if !self.has_backup {
            &[false]
        } else if self.primary_up() {
            // Backups are only for when no primary is healthy, but a retry may fall onto one.
            &[false, true]
        } else {
            &[true]
        };
        for &backup in tiers {
            if self.has_maxconn {
                let view = View {
                    pool: self,
                    backup,
                    need_room: true,
                    tried,
                };
                if let Some(i) = self.picker.pick(&view, ctx) {
                    return Some(i);
                }
            }
            let view = View {
                pool: self,
                backup,
                need_room: false,
                tried,
            };
            if let Some(i) = self.picker.pick(&view, ctx) {
                return Some(i);
            }
        }
        None
    }

    /// The backend for a hash key (None: no ring, or nothing usable for this key).
    pub fn choose_hashed(&self, key: &[u8], tried: Tried) -> Option<usize> {
        let hp = self.hash.as_ref()?;
        let backups_only = self.has_backup && !self.primary_up();
        let usable =
            |i: usize| self.usable(i, tried) && self.backends[i].spec.backup == backups_only;
        let load = |i: usize| self.backends[i].in_flight.load(Ordering::Relaxed);
        let total: u64 = (0..self.backends.len()).map(load).sum();
        hp.pick(key, &usable, &load, total)
    }

    /// The backend a sticky cookie value names, if any.
    pub fn by_sticky_id(&self, id: &str) -> Option<usize> {
        self.backends.iter().position(|b| b.sticky_id == id)
    }
}
