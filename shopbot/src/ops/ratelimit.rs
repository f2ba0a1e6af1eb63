//! Per-user rate limiting: a token bucket per Telegram user (governor, keyed by user id).
//! An update over the limit is dropped before it reaches the shop; the first one dropped
//! gets a polite notice and the rest of the flood gets nothing — also the updates the
//! bucket lets through as it refills — until the user has been quiet for
//! [`NOTICE_QUIET`]: one notice per flood, not one per allowed message. Checking costs a
//! hash lookup, so a flooding user's queue drains at once and never holds up anyone else's
//! updates.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long after the last dropped update a flood counts as over (the next one dropped
/// gets a notice again).
pub const NOTICE_QUIET: Duration = Duration::from_secs(60);

/// Users tracked before idle entries are swept.
const SWEEP_AT: usize = 10_000;

/// What to do with one update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit: drop it and tell the user once.
    DropWithNotice,
    /// Over the limit and already told.
    Drop,
}

pub struct UserLimiter {
    limiter: DefaultKeyedRateLimiter<u64>,
    /// Users told to slow down, with when their last update was dropped.
    noticed: Mutex<HashMap<u64, Instant>>,
}

impl UserLimiter {
    pub fn new(per_minute: u32, burst: u32) -> UserLimiter {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        UserLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            noticed: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, user: u64) -> Verdict {
        let allowed = self.limiter.check_key(&user).is_ok();
        self.verdict(user, allowed, Instant::now())
    }

    /// The verdict for an update the bucket allowed or not, at `now`.
    fn verdict(&self, user: u64, allowed: bool, now: Instant) -> Verdict {
        let mut noticed = self.noticed.lock().unwrap_or_else(|p| p.into_inner());
        if allowed {
            if self.limiter.len() > SWEEP_AT {
                self.limiter.retain_recent();
                self.limiter.shrink_to_fit();
                noticed.retain(|_, last| now.duration_since(*last) < NOTICE_QUIET);
            }
            return Verdict::Allow;
        }
        match noticed.insert(user, now) {
            // Still the same flood: it was told.
            Some(last) if now.duration_since(last) < NOTICE_QUIET => Verdict::Drop,
            _ => Verdict::DropWithNotice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_told_once_and_others_are_untouched() {
        let limiter = UserLimiter::new(60, 3);
        let verdicts: Vec<_> = (0..20).map(|_| limiter.check(7)).collect();
        assert_eq!(&verdicts[..3], &[Verdict::Allow; 3]);
        assert_eq!(verdicts[3], Verdict::DropWithNotice);
        assert!(verdicts[4..].iter().all(|v| *v == Verdict::Drop));
        assert_eq!(limiter.check(8), Verdict::Allow);
    }

    #[test]
    fn a_flood_the_bucket_lets_some_of_through_is_told_once() {
        let limiter = UserLimiter::new(60, 1);
        let start = Instant::now();
        let mut notices = 0;
        // Ten minutes of a flood: every second the bucket lets one update through and
        // drops the other nine.
        for second in 0..600u64 {
            let now = start + Duration::from_secs(second);
            for n in 0..10 {
                if limiter.verdict(7, n == 0, now) == Verdict::DropWithNotice {
                    notices += 1;
                }
            }
        }
        assert_eq!(notices, 1, "one notice per flood");
        // Quiet for a minute: the next flood is told again.
        let later = start + Duration::from_secs(600) + NOTICE_QUIET;
        assert_eq!(limiter.verdict(7, false, later), Verdict::DropWithNotice);
    }
}
