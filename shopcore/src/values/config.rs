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
    /// A call returns once a flush covering its transaction has run (group commit). Survives
    /// the process being killed; the default.
    #[default]
    Immediate,
    /// Like `Immediate`, plus an `fdatasync` of sled's data file per group: survives power
    /// loss and kernel crashes too. Costs little under concurrency (the sync is shared).
    PowerSafe,
    /// A call returns as soon as its transaction commits in memory; sled writes it within
    /// [`Config::flush_every_ms`]. A crash may lose the last moments. [`crate::Shop::flush`]
    /// makes everything so far durable.
    Background,
}

/// Settings for [`crate::Shop::open`] and [`crate::Shop::restore`].
///
/// Build one from [`Config::default`] and the `with_*` methods, or set the public fields.
/// Nothing here is stored in the database: pass the same config at every open (the
/// configured [`super_admins`](Config::super_admins) are re-applied each time).
///
/// ```
/// use shopcore::{Config, Durability, UserId};
///
/// let config = Config {
///     unpaid_order_ttl_ms: 15 * 60 * 1_000, // 15 minutes to pay
///     ..Config::default()
/// }
/// .with_durability(Durability::PowerSafe)
/// .with_super_admins(vec![UserId::new(1).unwrap()]);
/// assert_eq!(config.pending_topups_per_user_max, 3);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    /// sled's page cache in bytes. sled's own default is 1 GiB; ours is 64 MiB.
    pub cache_capacity_bytes: u64,
    /// When mutating calls return relative to the disk; [`Durability::Immediate`] by default.
    pub durability: Durability,
    /// How often sled's background flusher runs, in milliseconds (relevant to
    /// `Durability::Background`).
    pub flush_every_ms: u64,
    /// Where the shop reads the time (audit times, expiry, "today" in statistics);
    /// [`SystemClock`] by default. Tests use a [`crate::ManualClock`].
    pub clock: Arc<dyn Clock>,
    /// These users are made super admins (registered if unknown) every time the shop opens.
    pub super_admins: Vec<UserId>,
    /// How many top-ups one user may have waiting for review at once (3 by default); one more
    /// is refused with [`crate::WalletError::TooManyPendingTopups`].
    pub pending_topups_per_user_max: u32,
    /// How long an order paid through a payment method may wait for its payment, in
    /// milliseconds (30 minutes by default); then [`crate::Shop::expire_unpaid_orders`]
    /// cancels it. Values below 1 count as 1.
    pub unpaid_order_ttl_ms: i64,
    /// Supplier placements per order before the supplier is asked for the order's status
    /// (and, on a definite "failed" or "never received", staff take over); 3 by default,
    /// at least 1.
    pub supplier_attempts_max: u32,
    /// The wait before the first supplier retry, in milliseconds (30 s by default); it
    /// doubles with each attempt.
    pub supplier_backoff_ms: i64,
    /// Told what opening an older database does while it migrates it (a large store takes a
    /// while: about a minute for 1,000,000 orders from schema 3 to 4); nothing by default.
    pub migration_progress: Option<MigrationProgressFn>,
    /// How many threads run the calls made through [`crate::Shop::call`] (4 by default, at
    /// least 1): calls beyond it wait in a queue, in arrival order.
    pub call_threads: usize,
    /// Before migrating an older store, write a backup of it beside the store
    /// (`PATH.schema-N.bak`, restorable with [`crate::Shop::restore`]); true by default. It
    /// needs room for a copy of the data; opening fails, with nothing migrated, when it
    /// can't be written.
    pub backup_before_migration: bool,
    /// With a PostgreSQL location: at most this many pooled connections for reads outside
    /// transactions (8 by default, at least 1); the writer has one more of its own.
    pub postgres_connections: u32,
    /// With a PostgreSQL location: the first lane this process's writer tries (0 by
    /// default, at most 2²⁴ − 65). Each writer appends its audit entries, notifications and
    /// ledger entries to a lane of its own — the lowest free one from here — and counts the
    /// dashboard's figures and its block of ids there, so writers of several processes do
    /// not share the logs' tails, the counters or the roll-ups. Tests start from another
    /// lane to run a whole suite as a second replica would.
    pub postgres_first_lane: u32,
}

/// Where a shop keeps its records: a directory for the embedded sled database (the
/// default), or a PostgreSQL database reached by a `postgres://` URL (with the `postgres`
/// feature), which several processes can share. Text starting with `postgres://` or
/// `postgresql://` is a URL; anything else is a path.
///
/// A URL may name the schema the shop lives in with `?schema=NAME` (`shopcore` by
/// default), so several shops can share one database. Shown (`Debug`, `Display`), a URL
/// never includes its password.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A sled database in this directory.
    Path(std::path::PathBuf),
    /// A PostgreSQL database: `postgres://user:password@host:port/db?schema=NAME`.
    Postgres(String),
}

impl Location {
    /// Whether the text is a PostgreSQL URL.
    pub fn is_postgres_url(text: &str) -> bool {
        text.starts_with("postgres://") || text.starts_with("postgresql://")
    }
}

/// The URL with its password replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Path(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

impl From<&str> for Location {
    fn from(text: &str) -> Location {
        if Location::is_postgres_url(text) {
            Location::Postgres(text.to_owned())
        } else {
            Location::Path(text.into())
        }
    }
}

impl From<String> for Location {
    fn from(text: String) -> Location {
        Location::from(text.as_str())
    }
}

impl From<&String> for Location {
    fn from(text: &String) -> Location {
        Location::from(text.as_str())
    }
}

impl From<std::path::PathBuf> for Location {
    fn from(path: std::path::PathBuf) -> Location {
        match path.to_str() {
            Some(text) if Location::is_postgres_url(text) => Location::Postgres(text.to_owned()),
            _ => Location::Path(path),
        }
    }
}

impl From<&std::path::PathBuf> for Location {
    fn from(path: &std::path::PathBuf) -> Location {
        Location::from(path.clone())
    }
}

impl From<&std::path::Path> for Location {
    fn from(path: &std::path::Path) -> Location {
        Location::from(path.to_path_buf())
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Location {
        location.clone()
    }
}

/// What a migration is doing, as [`Config::migration_progress`] hears it: the step (from
/// schema `from` to `from + 1`) and, while records are rewritten, how many so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationProgress {
    /// The schema version the step migrates from.
    pub from: u32,
    /// What it is doing, e.g. `"moving every table into one tree"` or `"linking each
    /// user's ledger entries"`.
    pub doing: &'static str,
    /// Records handled so far in this part (0 when it starts).
    pub done: u64,
}

/// A callback for [`MigrationProgress`] reports.
#[derive(Clone)]
pub struct MigrationProgressFn(pub Arc<dyn Fn(&MigrationProgress) + Send + Sync>);

impl std::fmt::Debug for MigrationProgressFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MigrationProgressFn(..)")
    }
}

impl Config {
    /// The default [`Config::cache_capacity_bytes`]: 64 MiB.
    pub const CACHE_CAPACITY_BYTES_DEFAULT: u64 = 64 * 1024 * 1024;

    /// The same config reading the time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Config {
        self.clock = clock;
        self
    }

    /// The same config with another durability policy.
    pub fn with_durability(mut self, durability: Durability) -> Config {
        self.durability = durability;
        self
    }

    /// The same config calling `report` with what a migration is doing while an older
    /// database is opened.
    pub fn with_migration_progress(
        mut self,
        report: impl Fn(&MigrationProgress) + Send + Sync + 'static,
    ) -> Config {
        self.migration_progress = Some(MigrationProgressFn(Arc::new(report)));
        self
    }

    /// The same config with `super_admins` as the users made super admins at every open
    /// (replacing any set before).
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
            migration_progress: None,
            call_threads: 4,
            backup_before_migration: true,
            postgres_connections: 8,
            postgres_first_lane: 0,
        }
    }
}
