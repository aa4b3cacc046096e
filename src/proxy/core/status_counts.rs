//! A backend's responses counted by exact status code (and proxy-side errors), lock-free: a
//! field of [`super::backend::Backend`], counted by both data paths, read by /metrics,
//! /stats, the stats page and the terminal dashboard.

use std::sync::atomic::{AtomicU64, Ordering};

/// Status classes shown per backend: 1xx..5xx, plus proxy-side errors (no response).
pub const CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "error"];

/// Lowest and highest status code counted exactly: every code hyper's client can hand us
/// (`http::StatusCode` accepts 100..=999; HTTP defines 100..=599).
pub const FIRST_CODE: u16 = 100;
pub const LAST_CODE: u16 = 999;
const CODE_SLOTS: usize = (LAST_CODE - FIRST_CODE + 1) as usize;

/// Responses per exact status code, lock-free.
///
/// Why a flat table of one counter per possible code rather than classes plus a few common
/// codes with an "other" bucket: it is exact for every code (a 429 or a 507 is not lost in
/// "other"), the request path stays one relaxed `fetch_add` on an index computed without a
/// branch on the code, and it costs 900 x 8 bytes = 7.2 KB per backend, which is nothing
/// next to its latency histogram (~190 KB). Readers (scrapes, /stats, the dashboard, once a
/// second at most) pay for walking the 900 slots; classes are derived from it, not counted
/// twice.
pub struct StatusCounts {
    codes: Box<[AtomicU64]>,
    /// Proxy-side failures: no response from the backend (connect error, timeout, reset,
    /// queue timeout), or a TCP-mode connect failure.
    errors: AtomicU64,
}

impl Default for StatusCounts {
    fn default() -> Self {
        StatusCounts {
            codes: (0..CODE_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            errors: AtomicU64::new(0),
        }
    }
}

impl StatusCounts {
    /// Count one response with `status`, or a proxy-side error when None (or, defensively,
    /// a code outside 100..=999, which `http::StatusCode` cannot hold).
    #[inline]
    pub fn count(&self, status: Option<u16>) {
        let slot = status
            .and_then(|s| s.checked_sub(FIRST_CODE))
            .and_then(|i| self.codes.get(i as usize));
        match slot {
            Some(c) => c.fetch_add(1, Ordering::Relaxed),
            None => self.errors.fetch_add(1, Ordering::Relaxed),
        };
    }

    /// Responses with exactly `code` (0 outside 100..=999).
    pub fn code(&self, code: u16) -> u64 {
        code.checked_sub(FIRST_CODE)
            .and_then(|i| self.codes.get(i as usize))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Proxy-side errors (no response).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Every code seen at least once, ascending, with its count.
    pub fn seen(&self) -> Vec<(u16, u64)> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, c)| (FIRST_CODE + i as u16, c.load(Ordering::Relaxed)))
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Counts by [`CLASSES`]: 1xx..5xx, then errors. Codes 600..=999 (not HTTP) are folded
    /// into `error`, as before exact codes were kept; they keep their own exact count.
    pub fn classes(&self) -> [u64; 6] {
        Self::classify(&self.seen(), self.errors())
    }

    /// [`Self::classes`] from one read of [`Self::seen`] and [`Self::errors`] (so a report
    /// showing both agrees with itself while requests keep arriving).
    pub fn classify(seen: &[(u16, u64)], errors: u64) -> [u64; 6] {
        let mut out = [0u64; 6];
        for &(code, n) in seen {
            let k = if code < 600 {
                (code / 100 - 1) as usize
            } else {
                5
            };
            out[k] += n;
        }
        out[5] += errors;
        out
    }

    /// Every response and error counted.
    pub fn total(&self) -> u64 {
        self.codes
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum::<u64>()
            + self.errors()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_status_codes() {
        let c = StatusCounts::default();
        for _ in 0..3 {
            c.count(Some(200));
        }
        c.count(Some(503));
        c.count(Some(429));
        c.count(Some(100));
        c.count(Some(999));
        c.count(Some(642));
        c.count(None);
        // Out of range (cannot come from http::StatusCode): an error, never a panic.
        c.count(Some(0));
        c.count(Some(99));
        c.count(Some(1000));
        c.count(Some(u16::MAX));
        assert_eq!(
            c.seen(),
            vec![(100, 1), (200, 3), (429, 1), (503, 1), (642, 1), (999, 1)]
        );
        assert_eq!(c.code(200), 3);
        assert_eq!(c.code(201), 0);
        assert_eq!(c.code(42), 0);
        assert_eq!(c.code(1200), 0);
        assert_eq!(c.errors(), 5);
        // 642 and 999 are not HTTP classes: folded into error in the class view.
        assert_eq!(c.classes(), [1, 3, 0, 1, 1, 7]);
        assert_eq!(c.total(), 13);
        assert_eq!(c.classes().iter().sum::<u64>(), c.total());
    }
}
