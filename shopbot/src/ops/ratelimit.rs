//! Per-user rate limiting: a token bucket per Telegram user (governor, keyed by user id).
//! An update over the limit is dropped before it reaches the shop; the first one dropped
//! gets a polite notice and the rest of the flood gets nothing, until the user is allowed
//! again. Checking costs a hash lookup, so a flooding user's queue drains at once and
//! never holds up anyone else's updates.

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Mutex;

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
    noticed: Mutex<HashSet<u64>>,
}

impl UserLimiter {
    pub fn new(per_minute: u32, burst: u32) -> UserLimiter {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        UserLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            noticed: Mutex::new(HashSet::new()),
        }
    }

    pub fn check(&self, user: u64) -> Verdict {
        let allowed = self.limiter.check_key(&user).is_ok();
        let mut noticed = self.noticed.lock().unwrap_or_else(|p| p.into_inner());
        if allowed {
            noticed.remove(&user);
            if self.limiter.len() > SWEEP_AT {
                self.limiter.retain_recent();
                self.limiter.shrink_to_fit();
            }
            Verdict::Allow
        } else if noticed.insert(user) {
            Verdict::DropWithNotice
        } else {
            Verdict::Drop
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
}
