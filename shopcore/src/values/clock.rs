//! Time for the shop: a `Timestamp` type and an injectable `Clock`, so that tests and
//! fuzzers can drive time deterministically (expiry, "today", audit times).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds in a second.
    pub const MILLIS_PER_SECOND: i64 = 1_000;
    /// Milliseconds in a minute.
    pub const MILLIS_PER_MINUTE: i64 = 60 * Self::MILLIS_PER_SECOND;
    /// Milliseconds in an hour.
    pub const MILLIS_PER_HOUR: i64 = 60 * Self::MILLIS_PER_MINUTE;
    /// Milliseconds in a day (days here are always 24 hours: no leap seconds, and time zones
    /// are fixed offsets).
    pub const MILLIS_PER_DAY: i64 = 24 * Self::MILLIS_PER_HOUR;

    /// Milliseconds since the Unix epoch (the same as `.0`).
    pub fn millis(self) -> i64 {
        self.0
    }

    /// `self + millis`, saturating at the ends of the range (times never wrap).
    pub fn plus_millis(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    /// The calendar day (days since 1970-01-01) this instant falls on at a UTC offset in
    /// minutes.
    ///
    /// ```
    /// use shopcore::Timestamp;
    ///
    /// let t = Timestamp(1_767_222_000_000); // 2025-12-31T23:00:00Z
    /// assert_eq!(t.day(0), 20_453); // still 2025-12-31 in UTC
    /// assert_eq!(t.day(120), 20_454); // already 2026-01-01 at UTC+2
    /// ```
    pub fn day(self, utc_offset_minutes: i32) -> i64 {
        self.0
            .saturating_add(i64::from(utc_offset_minutes) * Self::MILLIS_PER_MINUTE)
            .div_euclid(Self::MILLIS_PER_DAY)
    }

    /// The key-order encoding: big-endian with the sign bit flipped, so that byte order is
    /// time order for negative and positive values alike.
    pub fn to_key_bytes(self) -> [u8; 8] {
        ((self.0 as u64) ^ (1 << 63)).to_be_bytes()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// Where the shop reads the time from. Implementations must be cheap and thread-safe.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time. The shop reads it once per transaction: everything one call writes
    /// carries the same time.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }
}

/// A clock that moves only when told to; for tests, fuzzers and replayed scripts.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(start.0),
        }
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.0, Ordering::SeqCst);
    }

    /// Moves the clock forward by `millis` milliseconds (backwards if negative).
    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bytes_sort_like_times() {
        let times = [i64::MIN, -5, -1, 0, 1, 7, i64::MAX];
        for pair in times.windows(2) {
            assert!(Timestamp(pair[0]).to_key_bytes() < Timestamp(pair[1]).to_key_bytes());
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp(10));
        assert_eq!(clock.now(), Timestamp(10));
        clock.advance_millis(5);
        assert_eq!(clock.now(), Timestamp(15));
        clock.set(Timestamp(1));
        assert_eq!(clock.now(), Timestamp(1));
    }
}
