//! How a shop is opened: cache size, durability policy, clock, bootstrap super admins.

use crate::clock::{Clock, SystemClock};
use crate::ids::UserId;
use std::sync::Arc;

/// When a mutating call may return, relative to the disk.
///
/// | policy | a call returns after | survives |
/// |---|---|---|
/// | `Immediate` (default) | its transaction is flushed by sled (`sync_file_range`) | the process being killed (`kill -9`, a panic, OOM) |
/// | `PowerSafe` | that flush plus an `fdatasync` of sled's data file | also power loss and kernel crashes |
/// | `Background` | the commit in memory; sled writes it within `flush_every_ms` | nothing: the last moments may be lost on a crash |
///
/// `Immediate` and `PowerSafe` use group commit: concurrent callers share one flush (one
/// flush covers every transaction committed before it started), so many callers together
/// get far more durable operations per second than one flush per call would give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    #[default]
    Immediate,
    PowerSafe,
    Background,
}

/// Settings for [`crate::Shop::open`].
#[derive(Clone, Debug)]
pub struct Config {
    /// sled's page cache in bytes. sled's own default is 1 GiB; ours is 64 MiB.
    pub cache_capacity_bytes: u64,
    pub durability: Durability,
    /// How often sled's background flusher runs, in milliseconds (relevant to
    /// `Durability::Background`).
    pub flush_every_ms: u64,
    pub clock: Arc<dyn Clock>,
    /// These users are made super admins (registered if unknown) every time the shop opens.
    pub super_admins: Vec<UserId>,
    /// How many top-ups one user may have waiting for review at once.
    pub pending_topups_per_user_max: u32,
    /// How long an order paid through a payment method may wait for its payment.
    pub unpaid_order_ttl_ms: i64,
    /// Supplier attempts per order before staff take over.
    pub supplier_attempts_max: u32,
    /// The wait before the first supplier retry; it doubles with each attempt.
    pub supplier_backoff_ms: i64,
}

impl Config {
    pub const CACHE_CAPACITY_BYTES_DEFAULT: u64 = 64 * 1024 * 1024;

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Config {
        self.clock = clock;
        self
    }

    pub fn with_durability(mut self, durability: Durability) -> Config {
        self.durability = durability;
        self
    }

    pub fn with_super_admins(mut self, super_admins: Vec<UserId>) -> Config {
        self.super_admins = super_admins;
        self
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            cache_capacity_bytes: Config::CACHE_CAPACITY_BYTES_DEFAULT,
            durability: Durability::Immediate,
            flush_every_ms: 500,
            clock: Arc::new(SystemClock),
            super_admins: Vec::new(),
            pending_topups_per_user_max: 3,
            unpaid_order_ttl_ms: 30 * 60 * 1_000,
            supplier_attempts_max: 3,
            supplier_backoff_ms: 30 * 1_000,
        }
    }
}
