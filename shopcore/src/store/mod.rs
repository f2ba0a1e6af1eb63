//! The storage layer: the only module that names sled or PostgreSQL. It declares every table ([`Table`])
//! and its one-byte tag, encodes values (bincode 2 over serde) and keys (big-endian, so byte
//! order is numeric order), stamps and checks the schema version, allocates ids from
//! counters inside transactions, runs transactions through one writer (`writer`) and makes
//! commits durable with group commit (`durability`).
//!
//! Every record lives under its table's tag followed by the table's own key
//! (`docs/storage.md` lists the tags): in one sled tree, `records`, or in PostgreSQL in a
//! table per tag (`engine`, `postgres`). Domain modules declare their kinds of
//! record ([`Record`], with `record!`) and use [`Store::transact`] with a [`Tx`] and the typed
//! read helpers, naming a kind and a typed key; they never see a byte key, a tag or a sled
//! type (`record` alone encodes keys), so both engines serve them unchanged.

pub(crate) mod backup;
#[cfg(feature = "postgres")]
pub(crate) mod describe;
mod durability;
mod effects;
pub(crate) mod engine;
mod layout;
pub(crate) mod log;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
/// The schema a PostgreSQL shop lives in when its URL names none.
#[cfg(all(feature = "postgres", feature = "testkit"))]
pub(crate) use postgres::DEFAULT_SCHEMA as DEFAULT_PG_SCHEMA;
pub(crate) mod postings;
mod record;
mod writer;

use crate::config::{Config, Durability};
use durability::GroupCommit;
pub(crate) use durability::Need;
pub(crate) use effects::{Effects, Event};

thread_local! {
    /// The store whose durability waits this thread defers, and what they add up to (see
    /// [`Store::deferring`]).
    static DEFERRED: Cell<Option<(usize, Need)>> = const { Cell::new(None) };
}
use engine::{Engine, SledEngine};
pub(crate) use key::hex;
pub(crate) use record::{Column, KeyPart, Record, Span, code_part, is_bad_key, record, take_array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::IVec;
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::ops::Bound;
use std::path::{Path, PathBuf};
pub use writer::StoreCounters;
use writer::{Join, Writer, Writes};

/// The schema version this build writes (the layout of the records on disk; see
/// `docs/storage.md`). Opening an older database migrates it in place, once; a newer one is
/// refused with [`StoreError::SchemaTooNew`]. Bump it with a migration in the domain's list.
pub const SCHEMA_VERSION: u32 = 22;

/// A migration: upgrades a database by one schema version. The list is the domain's
/// (`domain::migrations::ALL`, entry `i` upgrades version `i + 1` to `i + 2`), since the
/// records it rewrites are; [`Store::open`] runs the ones a database needs, once, in order,
/// before anything else touches it, through the one `records` tree (a database still in
/// the per-table layout of schemas 1 and 2 is moved into it first, `layout`).
pub(crate) type Migration = fn(&Store) -> Result<(), StoreError>;

/// The key of the schema version record in [`Table::Meta`].
const SCHEMA_KEY: &[u8] = b"schema_version";

/// Every table the shop keeps. `docs/storage.md` documents each key layout and value. A
/// table is the set of records in the `records` tree whose key starts with its tag
/// (`Table::tag`); up to schema 2 each was a sled tree of its own, named `Table::name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Table {
    Meta,
    Counters,
    Users,
    Usernames,
    UsersByRole,
    BannedUsers,
    Audit,
    AuditByActor,
    AuditByAction,
    AuditByTime,
    Settings,
    Currencies,
    Categories,
    CategoriesByOrder,
    Products,
    ProductsByCategory,
    Codes,
    CodesByHash,
    PaymentMethods,
    Wallets,
    Ledger,
    LedgerByUser,
    Topups,
    TopupsByStatus,
    TopupsByUser,
    RequestKeys,
    Orders,
    OrdersByStatus,
    OrdersByUser,
    OpenOrders,
    Coupons,
    CouponUses,
    Sessions,
    Outbox,
    OutboxCursors,
    Rollups,
    Activity,
    Broadcasts,
    BlockedBot,
    AuditPruned,
    CodesSeen,
    ProofsSeen,
    ProofReuses,
    TopupsFiledFor,
    AuditActorPostings,
    AuditActionPostings,
    AuditTimePostings,
    CodeChunks,
    OrderStatusPostings,
    AuditChunks,
    OutboxChunks,
    LedgerChunks,
    Leases,
    PanelLinks,
    PanelSessions,
    Invoices,
    InvoicesByStatus,
    InvoicesByUser,
    InvoicesOpenByUser,
    InvoicePayments,
    BroadcastMutes,
    SearchTerms,
    TimeZone,
    ProductPhotos,
    ReferralProgram,
    Referrals,
    Referrers,
    CoPurchases,
    CoPurchaseRank,
    PurchaseBaskets,
    OrderLimits,
    OutboxLaneCursors,
}

impl Table {
    pub(crate) const ALL: [Table; 72] = [
        Table::Meta,
        Table::Counters,
        Table::Users,
        Table::Usernames,
        Table::UsersByRole,
        Table::BannedUsers,
        Table::Audit,
        Table::AuditByActor,
        Table::AuditByAction,
        Table::AuditByTime,
        Table::Settings,
        Table::Currencies,
        Table::Categories,
        Table::CategoriesByOrder,
        Table::Products,
        Table::ProductsByCategory,
        Table::Codes,
        Table::CodesByHash,
        Table::PaymentMethods,
        Table::Wallets,
        Table::Ledger,
        Table::LedgerByUser,
        Table::Topups,
        Table::TopupsByStatus,
        Table::TopupsByUser,
        Table::RequestKeys,
        Table::Orders,
        Table::OrdersByStatus,
        Table::OrdersByUser,
        Table::OpenOrders,
        Table::Coupons,
        Table::CouponUses,
        Table::Sessions,
        Table::Outbox,
        Table::OutboxCursors,
        Table::Rollups,
        Table::Activity,
        Table::Broadcasts,
        Table::BlockedBot,
        Table::AuditPruned,
        Table::CodesSeen,
        Table::ProofsSeen,
        Table::ProofReuses,
        Table::TopupsFiledFor,
        Table::AuditActorPostings,
        Table::AuditActionPostings,
        Table::AuditTimePostings,
        Table::CodeChunks,
        Table::OrderStatusPostings,
        Table::AuditChunks,
        Table::OutboxChunks,
        Table::LedgerChunks,
        Table::Leases,
        Table::PanelLinks,
        Table::PanelSessions,
        Table::Invoices,
        Table::InvoicesByStatus,
        Table::InvoicesByUser,
        Table::InvoicesOpenByUser,
        Table::InvoicePayments,
        Table::BroadcastMutes,
        Table::SearchTerms,
        Table::TimeZone,
        Table::ProductPhotos,
        Table::ReferralProgram,
        Table::Referrals,
        Table::Referrers,
        Table::CoPurchases,
        Table::CoPurchaseRank,
        Table::PurchaseBaskets,
        Table::OrderLimits,
        Table::OutboxLaneCursors,
    ];

    /// The encoded defaults of the fields a table's record kind gained at its end, for
    /// records written before (see [`decode`]): orders gained their quantity (1, encoded as
    /// the byte 1) and their further codes (none, an empty list: the byte 0) in schema 20;
    /// the orders module's tests hold these bytes to its types.
    pub(crate) fn grown_tail(self) -> Option<&'static [u8]> {
        match self {
            Table::Orders => Some(&[1, 0]),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Meta => "meta",
            Table::Counters => "counters",
            Table::Users => "users",
            Table::Usernames => "usernames",
            Table::UsersByRole => "users_by_role",
            Table::BannedUsers => "banned_users",
            Table::Audit => "audit",
            Table::AuditByActor => "audit_by_actor",
            Table::AuditByAction => "audit_by_action",
            Table::AuditByTime => "audit_by_time",
            Table::Settings => "settings",
            Table::Currencies => "currencies",
            Table::Categories => "categories",
            Table::CategoriesByOrder => "categories_by_order",
            Table::Products => "products",
            Table::ProductsByCategory => "products_by_category",
            Table::Codes => "codes",
            Table::CodesByHash => "codes_by_hash",
            Table::PaymentMethods => "payment_methods",
            Table::Wallets => "wallets",
            Table::Ledger => "ledger",
            Table::LedgerByUser => "ledger_by_user",
            Table::Topups => "topups",
            Table::TopupsByStatus => "topups_by_status",
            Table::TopupsByUser => "topups_by_user",
            Table::RequestKeys => "request_keys",
            Table::Orders => "orders",
            Table::OrdersByStatus => "orders_by_status",
            Table::OrdersByUser => "orders_by_user",
            Table::OpenOrders => "open_orders",
            Table::Coupons => "coupons",
            Table::CouponUses => "coupon_uses",
            Table::Sessions => "sessions",
            Table::Outbox => "outbox",
            Table::OutboxCursors => "outbox_cursors",
            Table::Rollups => "rollups",
            Table::Activity => "activity",
            Table::Broadcasts => "broadcasts",
            Table::BlockedBot => "blocked_bot",
            Table::AuditPruned => "audit_pruned",
            Table::CodesSeen => "codes_seen",
            Table::ProofsSeen => "proofs_seen",
            Table::ProofReuses => "proof_reuses",
            Table::TopupsFiledFor => "topups_filed_for",
            Table::AuditActorPostings => "audit_actor_postings",
            Table::AuditActionPostings => "audit_action_postings",
            Table::AuditTimePostings => "audit_time_postings",
            Table::CodeChunks => "code_chunks",
            Table::OrderStatusPostings => "order_status_postings",
            Table::AuditChunks => "audit_chunks",
            Table::OutboxChunks => "outbox_chunks",
            Table::LedgerChunks => "ledger_chunks",
            Table::Leases => "leases",
            Table::PanelLinks => "panel_links",
            Table::PanelSessions => "panel_sessions",
            Table::Invoices => "invoices",
            Table::InvoicesByStatus => "invoices_by_status",
            Table::InvoicesByUser => "invoices_by_user",
            Table::InvoicesOpenByUser => "invoices_open_by_user",
            Table::InvoicePayments => "invoice_payments",
            Table::BroadcastMutes => "broadcast_mutes",
            Table::SearchTerms => "search_terms",
            Table::TimeZone => "time_zone",
            Table::ProductPhotos => "product_photos",
            Table::ReferralProgram => "referral_program",
            Table::Referrals => "referrals",
            Table::Referrers => "referrers",
            Table::CoPurchases => "co_purchases",
            Table::CoPurchaseRank => "co_purchase_rank",
            Table::PurchaseBaskets => "purchase_baskets",
            Table::OrderLimits => "order_limits",
            Table::OutboxLaneCursors => "outbox_lane_cursors",
        }
    }

    /// The table's one-byte key prefix in the `records` tree. Stable: a number is never
    /// changed or reused (a removed table's number stays retired); `docs/storage.md` lists
    /// them and a test holds the two equal. 0 is not used.
    pub(crate) fn tag(self) -> u8 {
        match self {
            Table::Meta => 1,
            Table::Counters => 2,
            Table::Users => 3,
            Table::Usernames => 4,
            Table::UsersByRole => 5,
            Table::BannedUsers => 6,
            Table::Audit => 7,
            Table::AuditByActor => 8,
            Table::AuditByAction => 9,
            Table::AuditByTime => 10,
            Table::Settings => 11,
            Table::Currencies => 12,
            Table::Categories => 13,
            Table::CategoriesByOrder => 14,
            Table::Products => 15,
            Table::ProductsByCategory => 16,
            Table::Codes => 17,
            Table::CodesByHash => 18,
            Table::PaymentMethods => 19,
            Table::Wallets => 20,
            Table::Ledger => 21,
            Table::LedgerByUser => 22,
            Table::Topups => 23,
            Table::TopupsByStatus => 24,
            Table::TopupsByUser => 25,
            Table::RequestKeys => 26,
            Table::Orders => 27,
            Table::OrdersByStatus => 28,
            Table::OrdersByUser => 29,
            Table::OpenOrders => 30,
            Table::Coupons => 31,
            Table::CouponUses => 32,
            Table::Sessions => 33,
            Table::Outbox => 34,
            Table::OutboxCursors => 35,
            Table::Rollups => 36,
            Table::Activity => 37,
            Table::Broadcasts => 38,
            Table::BlockedBot => 39,
            Table::AuditPruned => 40,
            Table::CodesSeen => 41,
            Table::ProofsSeen => 42,
            Table::ProofReuses => 43,
            Table::TopupsFiledFor => 44,
            Table::AuditActorPostings => 45,
            Table::AuditActionPostings => 46,
            Table::AuditTimePostings => 47,
            Table::CodeChunks => 48,
            Table::OrderStatusPostings => 49,
            Table::AuditChunks => 50,
            Table::OutboxChunks => 51,
            Table::LedgerChunks => 52,
            Table::Leases => 53,
            Table::PanelLinks => 54,
            Table::PanelSessions => 55,
            Table::Invoices => 56,
            Table::InvoicesByStatus => 57,
            Table::InvoicesByUser => 58,
            Table::InvoicesOpenByUser => 59,
            Table::InvoicePayments => 60,
            Table::BroadcastMutes => 61,
            Table::SearchTerms => 62,
            Table::TimeZone => 63,
            Table::ProductPhotos => 64,
            Table::ReferralProgram => 65,
            Table::Referrals => 66,
            Table::Referrers => 67,
            Table::CoPurchases => 68,
            Table::CoPurchaseRank => 69,
            Table::PurchaseBaskets => 70,
            Table::OrderLimits => 71,
            Table::OutboxLaneCursors => 72,
        }
    }

    /// The table's key prefix, and the smallest key after every key of the table.
    fn prefix_bounds(self) -> (Vec<u8>, Vec<u8>) {
        // Tags are at most 254 (a test checks), so the next tag exists.
        (vec![self.tag()], vec![self.tag().saturating_add(1)])
    }
}

/// Named counters in [`Table::Counters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    /// The last audit sequence number handed out.
    AuditSeq,
    /// How many users currently hold the super admin role.
    SuperAdmins,
    CategorySeq,
    ProductSeq,
    PaymentMethodSeq,
    LedgerSeq,
    TopupSeq,
    OrderSeq,
    OutboxSeq,
    BroadcastSeq,
    InvoiceSeq,
}

impl Counter {
    /// Every counter.
    const ALL: [Counter; 11] = [
        Counter::AuditSeq,
        Counter::SuperAdmins,
        Counter::CategorySeq,
        Counter::ProductSeq,
        Counter::PaymentMethodSeq,
        Counter::LedgerSeq,
        Counter::TopupSeq,
        Counter::OrderSeq,
        Counter::OutboxSeq,
        Counter::BroadcastSeq,
        Counter::InvoiceSeq,
    ];

    /// The counter's name in the counters record (until schema 3, its own key).
    fn name(self) -> &'static str {
        match self {
            Counter::AuditSeq => "audit_seq",
            Counter::SuperAdmins => "super_admins",
            Counter::CategorySeq => "category_seq",
            Counter::ProductSeq => "product_seq",
            Counter::PaymentMethodSeq => "payment_method_seq",
            Counter::LedgerSeq => "ledger_seq",
            Counter::TopupSeq => "topup_seq",
            Counter::OrderSeq => "order_seq",
            Counter::OutboxSeq => "outbox_seq",
            Counter::BroadcastSeq => "broadcast_seq",
            Counter::InvoiceSeq => "invoice_seq",
        }
    }
}

/// Every counter, by name, in one record of [`Table::Counters`] (schema 4 on): a counter
/// never set is absent (and reads 0).
type CounterRecord = std::collections::BTreeMap<String, u64>;

/// The key of the one record of [`Table::Counters`].
const COUNTERS_KEY: &[u8] = b"all";

/// How many times a transaction body runs when each run's batch conflicts with another
/// process's commit (PostgreSQL). After a conflict the writer reads under the shop's lock,
/// where a batch cannot conflict, so a second run almost always commits; the bound is for
/// a database edited by hand under a running shop.
const CONFLICT_RUNS_MAX: u32 = 8;

/// Storage failures. Opening, decoding and disk errors, each naming what it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process has the database open (sled holds a file lock).
    #[error(
        "the database at {path} is in use by another process (is the bot or another console running?)"
    )]
    InUse {
        /// The database's path.
        path: String,
    },
    /// The database was written by a newer shopcore; nothing was changed.
    #[error(
        "the database was written by a newer version of shopcore (schema {found}; this build supports up to {supported}); upgrade shopcore"
    )]
    SchemaTooNew {
        /// The database's schema version.
        found: u32,
        /// [`SCHEMA_VERSION`].
        supported: u32,
    },
    /// The path holds a sled database with data but no shop schema record: not a shop.
    #[error("{path} holds data but is not a shopcore database")]
    NotAShop {
        /// The database's path.
        path: String,
    },
    /// A stored record can't be decoded or contradicts its key: the files were damaged or
    /// edited. Recovery is restoring a backup.
    #[error("corrupt record in table {table:?}, key {key}: {reason}")]
    Corrupt {
        /// The table's name (see `docs/storage.md`).
        table: &'static str,
        /// The key within the table, in hex.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A value could not be encoded (a bug, not bad input).
    #[error("could not encode a value: {reason}")]
    Encode {
        /// The encoder's error.
        reason: String,
    },
    /// The transaction committed but the flush that makes it durable failed: it may or may
    /// not survive a crash. Retrying with the same request key is safe (a replay returns the
    /// first result).
    #[error(
        "the change was committed but could not be confirmed on disk: {reason}; retry with the same request key"
    )]
    NotDurable {
        /// The flush's error.
        reason: String,
    },
    /// The database server could not be reached or the connection to it broke (a server
    /// restarting, a network failure). A change in flight when it broke may or may not
    /// have been made: retrying with the same request key is safe (a replay returns the
    /// first result).
    #[error(
        "the database server is unavailable: {reason}; retry (with the same request key, a change is made at most once)"
    )]
    Unavailable {
        /// What failed.
        reason: String,
    },
    /// sled or the file system failed (a full disk, an I/O error, damaged files at open).
    #[error("storage error: {reason}")]
    Storage {
        /// sled's error.
        reason: String,
    },
    /// A batch of transactions found, when it committed, a record it read changed by
    /// another process (PostgreSQL): nothing of it was written, and its bodies run again.
    /// The store handles it; it reaches no caller.
    #[doc(hidden)]
    #[error("a record this transaction read was changed by another process; it runs again")]
    Conflict,
}

impl StoreError {
    /// A stable, machine-readable name for the error (`"store.in_use"`); see
    /// [`crate::Error::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::InUse { .. } => "store.in_use",
            StoreError::SchemaTooNew { .. } => "store.schema_too_new",
            StoreError::NotAShop { .. } => "store.not_a_shop",
            StoreError::Corrupt { .. } => "store.corrupt",
            StoreError::Encode { .. } => "store.encode",
            StoreError::NotDurable { .. } => "store.not_durable",
            StoreError::Storage { .. } => "store.storage",
            StoreError::Unavailable { .. } => "store.unavailable",
            StoreError::Conflict => "store.conflict",
        }
    }

    pub(crate) fn from_sled(error: sled::Error) -> StoreError {
        StoreError::Storage {
            reason: error.to_string(),
        }
    }
}

/// Byte-key helpers (the encoding itself is `record`'s).
mod key {
    /// The smallest key greater than every key starting with `prefix`, or `None` when the
    /// prefix is all 0xFF.
    pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
        let mut end = prefix.to_vec();
        while let Some(last) = end.pop() {
            if last < 0xFF {
                end.push(last + 1);
                return Some(end);
            }
        }
        None
    }

    pub(crate) fn hex(key: &[u8]) -> String {
        key.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn bincode_config() -> bincode::config::Configuration {
    bincode::config::standard()
}

pub(crate) fn encode<V: Serialize>(value: &V) -> Result<Vec<u8>, StoreError> {
    bincode::serde::encode_to_vec(value, bincode_config()).map_err(|e| StoreError::Encode {
        reason: e.to_string(),
    })
}

pub(crate) fn decode<V: DeserializeOwned>(
    table: Table,
    key: &[u8],
    bytes: &[u8],
) -> Result<V, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: table.name(),
        key: key::hex(key),
        reason,
    };
    let (value, used) = match bincode::serde::decode_from_slice(bytes, bincode_config()) {
        Ok(decoded) => decoded,
        // A record written before its kind grew fields at the end reads with their
        // defaults (the migration that grew it rewrites every record of the kind, so this
        // only serves the older migrations that read it before then).
        Err(e) => match table.grown_tail() {
            Some(tail) => {
                let grown = [bytes, tail].concat();
                let (value, used) = bincode::serde::decode_from_slice(&grown, bincode_config())
                    .map_err(|_| corrupt(e.to_string()))?;
                if used != grown.len() {
                    return Err(corrupt(e.to_string()));
                }
                return Ok(value);
            }
            None => return Err(corrupt(e.to_string())),
        },
    };
    if used != bytes.len() {
        return Err(corrupt(format!(
            "{} trailing bytes after the value",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// Decoded `(key, value)` records from a range read.
pub(crate) type Records<'a, V> = Box<dyn Iterator<Item = Result<(Vec<u8>, V), StoreError>> + 'a>;

/// How long opening waits for a lock held by a database that is still closing. sled
/// finishes its last writes on a background thread after the `Db` is dropped, so a shop
/// reopened at once in the same process can find the lock still held for a moment.
const LOCK_WAIT_MS_MAX: u64 = 2_000;
const LOCK_RETRY_MS: u64 = 20;

/// Removes snapshot files sled was still writing when its process died
/// (`snap.*.generating`). sled 0.34.7 can refuse to open ("Read corrupted data") when one is
/// left behind after a SIGKILL, although it is never a complete snapshot: sled writes a
/// snapshot under that name and renames it only once it is whole. The log replay recovers
/// everything from the previous snapshot. Only done while holding the database's file lock,
/// so a running shop's snapshot in progress is never touched. Returns how many were removed.
fn remove_incomplete_snapshots(path: &Path) -> Result<usize, StoreError> {
    let io = |e: std::io::Error| StoreError::Storage {
        reason: format!("checking {} for incomplete snapshots: {e}", path.display()),
    };
    let data_file = path.join("db");
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&data_file)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(e)),
    };
    match file.try_lock() {
        Ok(()) => {}
        // Another handle has it: opening will wait for it or report the database in use.
        Err(std::fs::TryLockError::WouldBlock) => return Ok(0),
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let mut removed = 0;
    for entry in std::fs::read_dir(path).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path()).map_err(io)?;
            removed += 1;
        }
    }
    drop(file); // releases the lock for sled
    Ok(removed)
}

/// How the kinds people read are shown (see `describe`): the domain's list.
#[cfg(feature = "postgres")]
pub(crate) type Describers = Vec<describe::Describer>;
/// Without a backend that shows records, nothing.
#[cfg(not(feature = "postgres"))]
pub(crate) type Describers = ();

/// The PostgreSQL engine at `url`.
#[cfg(feature = "postgres")]
fn open_postgres(url: &str, config: &Config, describers: Describers) -> Result<Engine, StoreError> {
    postgres::PgEngine::open(url, config, describers).map(|pg| Engine::Postgres(Box::new(pg)))
}

/// Without the `postgres` feature: a clear refusal.
#[cfg(not(feature = "postgres"))]
fn open_postgres(
    _url: &str,
    _config: &Config,
    _describers: Describers,
) -> Result<Engine, StoreError> {
    Err(StoreError::Storage {
        reason:
            "this build of shopcore has no PostgreSQL support: build it with the `postgres` feature"
                .into(),
    })
}

fn open_sled(path: &Path, config: &Config) -> Result<sled::Db, StoreError> {
    remove_incomplete_snapshots(path)?;
    let mut waited_ms = 0;
    loop {
        let result = sled::Config::new()
            .path(path)
            .cache_capacity(config.cache_capacity_bytes)
            .flush_every_ms(Some(config.flush_every_ms.max(1)))
            .open();
        match result {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(io)) if io.to_string().contains("could not acquire lock") => {
                if waited_ms >= LOCK_WAIT_MS_MAX {
                    return Err(StoreError::InUse {
                        path: path.display().to_string(),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(LOCK_RETRY_MS));
                waited_ms += LOCK_RETRY_MS;
            }
            Err(other) => return Err(StoreError::from_sled(other)),
        }
    }
}

/// An open database.
#[derive(Debug)]
pub(crate) struct Store {
    /// Where the records are.
    engine: Engine,
    writer: Writer,
    durability: Durability,
    group: GroupCommit,
    /// The sled directory (empty for PostgreSQL).
    path: PathBuf,
    /// Transactions hold it shared until their batch is applied; a backup holds it
    /// exclusively, so a snapshot never includes half of a batch.
    gate: std::sync::RwLock<()>,
    /// Told what a migration does (`Config::migration_progress`).
    progress: Option<crate::config::MigrationProgressFn>,
    /// The schema version the running migration starts from.
    pub(super) migrating_from: std::sync::atomic::AtomicU32,
    /// What each reported event runs (`effects`).
    effects: Effects,
    /// `Config::backup_before_migration`.
    backup_before_migration: bool,
    /// Opening migrated the store from an older schema.
    migrated: std::sync::atomic::AtomicBool,
}

/// Where opening a store of schema `version` at `store` writes the backup it makes before
/// migrating: beside the store, `NAME.schema-VERSION.bak`.
pub(crate) fn pre_migration_backup_path(store: &Path, version: u32) -> PathBuf {
    let mut name = store.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".schema-{version}.bak"));
    store.with_file_name(name)
}

/// `table`'s tag followed by `key`: where the record is in the `records` tree.
fn full_key(table: Table, key: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(1 + key.len());
    full.push(table.tag());
    full.extend_from_slice(key);
    full
}

/// Calls `f` with `table`'s tag followed by `key`, built on the stack when it is short (under
/// 64 bytes, as almost every key is; longer ones, such as long request keys, are allocated).
fn with_full_key<R>(table: Table, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    const STACK_BYTES: usize = 64;
    if key.len() < STACK_BYTES {
        let mut buffer = [0u8; STACK_BYTES];
        buffer[0] = table.tag();
        buffer[1..=key.len()].copy_from_slice(key);
        f(&buffer[..=key.len()])
    } else {
        f(&full_key(table, key))
    }
}

/// `key` within its table: a full key without its tag.
fn table_key(full: &[u8]) -> Vec<u8> {
    full.get(1..).unwrap_or_default().to_vec()
}

impl Store {
    /// Opens a database, bringing an older one up to [`SCHEMA_VERSION`] with `migrations`
    /// (entry `i` upgrades version `i + 1`; see [`Migration`]).
    #[cfg(test)]
    pub(crate) fn open(
        path: &Path,
        config: &Config,
        migrations: &[Migration],
        effects: Effects,
    ) -> Result<Store, StoreError> {
        Store::open_at(
            &crate::config::Location::Path(path.to_path_buf()),
            config,
            migrations,
            effects,
            Describers::default(),
        )
    }

    /// Opens the store at a location: a sled directory or a PostgreSQL database (see
    /// [`Store::open`]).
    pub(crate) fn open_at(
        location: &crate::config::Location,
        config: &Config,
        migrations: &[Migration],
        effects: Effects,
        describers: Describers,
    ) -> Result<Store, StoreError> {
        let path = match location {
            crate::config::Location::Path(path) => path.as_path(),
            crate::config::Location::Postgres(url) => {
                let engine = open_postgres(url, config, describers)?;
                let mut store = Store::with_engine(engine, Path::new(""), config);
                store.effects = effects;
                store.check_schema(migrations)?;
                return Ok(store);
            }
        };
        let mut store = Store::open_empty(path, config)?;
        store.effects = effects;
        if let (Engine::Sled(sled), Durability::PowerSafe) = (&mut store.engine, config.durability)
        {
            sled.data_file =
                Some(
                    File::open(path.join("db")).map_err(|e| StoreError::Storage {
                        reason: format!("opening sled's data file for syncing: {e}"),
                    })?,
                );
        }
        store.check_schema(migrations)?;
        Ok(store)
    }

    /// Opens a database without checking its schema: a new, empty one for a restore (not
    /// stamped: the backup brings its own schema record), or for `open` to check.
    pub(crate) fn open_empty(path: &Path, config: &Config) -> Result<Store, StoreError> {
        let db = open_sled(path, config)?;
        let records = db
            .open_tree(layout::RECORDS_TREE)
            .map_err(StoreError::from_sled)?;
        let engine = Engine::Sled(SledEngine {
            db,
            records,
            data_file: None,
        });
        Ok(Store::with_engine(engine, path, config))
    }

    /// Opens a store at `location` without checking its schema (a copy's target, which the
    /// copy stamps with the source's records).
    pub(crate) fn open_empty_at(
        location: &crate::config::Location,
        config: &Config,
        describers: Describers,
    ) -> Result<Store, StoreError> {
        match location {
            crate::config::Location::Path(path) => Store::open_empty(path, config),
            crate::config::Location::Postgres(url) => Ok(Store::with_engine(
                open_postgres(url, config, describers)?,
                Path::new(""),
                config,
            )),
        }
    }

    /// A store over an open engine (not checked: see `check_schema`).
    fn with_engine(engine: Engine, path: &Path, config: &Config) -> Store {
        Store {
            engine,
            writer: Writer::default(),
            durability: config.durability,
            group: GroupCommit::default(),
            path: path.to_path_buf(),
            gate: std::sync::RwLock::new(()),
            progress: config.migration_progress.clone(),
            migrating_from: std::sync::atomic::AtomicU32::new(0),
            effects: Effects::default(),
            backup_before_migration: config.backup_before_migration,
            migrated: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Checks the schema version and brings an older database up to [`SCHEMA_VERSION`]:
    /// moves a per-table database into the `records` tree (`layout`), finishes a move that
    /// was interrupted after its version record, and runs the migrations.
    fn check_schema(&self, migrations: &[Migration]) -> Result<(), StoreError> {
        let found: Option<u32> = self.read(Table::Meta, SCHEMA_KEY)?;
        let Some(sled) = self.engine.sled() else {
            // A database server: no legacy layout. A new database is stamped; one holding
            // records but no version is not a shop's. Processes opening a new database
            // together may both stamp it (with the same version); one that finds records
            // after finding no version reads the version again, since another process may
            // have stamped it in between and begun writing.
            let version = match found {
                Some(v) => v,
                None if self.engine.is_empty()? => {
                    self.write_schema_version(SCHEMA_VERSION)?;
                    SCHEMA_VERSION
                }
                None => match self.read(Table::Meta, SCHEMA_KEY)? {
                    Some(v) => v,
                    None => {
                        return Err(StoreError::NotAShop {
                            path: self.location(),
                        });
                    }
                },
            };
            self.check_version(version)?;
            return self.migrate_from(version, migrations);
        };
        let version = match found {
            Some(v) => {
                self.check_version(v)?;
                // The records tree is authoritative once it holds a version: legacy trees
                // still present are what a move left when it was stopped before dropping
                // them (or while dropping them).
                layout::drop_legacy_trees(&sled.db)?;
                v
            }
            None => match layout::legacy_schema_version(&sled.db)? {
                Some(v) => {
                    self.check_version(v)?;
                    if v >= 3 {
                        return Err(StoreError::Corrupt {
                            table: Table::Meta.name(),
                            key: key::hex(SCHEMA_KEY),
                            reason: format!(
                                "schema {v} in the per-table layout of schemas 1 and 2"
                            ),
                        });
                    }
                    layout::move_to_records(self, v)?;
                    v
                }
                None => {
                    if !sled.records.is_empty()
                        || layout::has_foreign_trees(&sled.db)
                        || layout::legacy_trees_hold_data(&sled.db)?
                        || !sled.db.is_empty()
                    {
                        return Err(StoreError::NotAShop {
                            path: self.path.display().to_string(),
                        });
                    }
                    self.write_schema_version(SCHEMA_VERSION)?;
                    // Empty per-table trees (a database created but never stamped by an
                    // older version) go too.
                    layout::drop_legacy_trees(&sled.db)?;
                    SCHEMA_VERSION
                }
            },
        };
        self.migrate_from(version, migrations)
    }

    /// Runs `read` (reads outside transactions, on this thread) against one consistent state
    /// of the store: sled holds this process's writers off meanwhile (the gate; there is no
    /// other process); PostgreSQL reads a snapshot (REPEATABLE READ), and nobody waits.
    /// `read` must not write: on sled it would wait for itself.
    pub(crate) fn consistent<T>(&self, read: impl FnOnce() -> T) -> Result<T, StoreError> {
        match &self.engine {
            Engine::Sled(_) => {
                let _gate = self.gate.write().unwrap_or_else(|p| p.into_inner());
                Ok(read())
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.snapshot(read),
        }
    }

    /// Whether other processes may change the store (a database server): what this process
    /// keeps in memory about it must be read again.
    pub(crate) fn is_shared(&self) -> bool {
        self.engine.sled().is_none()
    }

    /// The sled engine of a store kept in sled (its legacy layout's move and tests).
    /// Panics on another engine: callers check first.
    pub(super) fn sled_engine(&self) -> &SledEngine {
        self.engine.sled().expect("a sled store")
    }

    /// What the store is, for messages: its directory, or its database without secrets.
    pub(crate) fn location(&self) -> String {
        match &self.engine {
            Engine::Sled(_) => self.path.display().to_string(),
            #[cfg(feature = "postgres")]
            Engine::Postgres(pg) => pg.describe(),
        }
    }

    /// Brings a store of schema `version` up to [`SCHEMA_VERSION`].
    fn migrate_from(&self, version: u32, migrations: &[Migration]) -> Result<(), StoreError> {
        if version < SCHEMA_VERSION {
            self.migrated
                .store(true, std::sync::atomic::Ordering::Relaxed);
            // On a database server, backups before an upgrade are the server's (pg_dump,
            // point-in-time recovery): there is no directory beside the store to write to.
            if self.backup_before_migration && self.engine.sled().is_some() {
                self.backup_before_migrating(version)?;
            }
        }
        let mut v = version;
        while v < SCHEMA_VERSION {
            let index = usize::try_from(v - 1).unwrap_or(usize::MAX);
            self.migrating_from
                .store(v, std::sync::atomic::Ordering::Relaxed);
            let migrate = migrations.get(index).ok_or_else(|| StoreError::Storage {
                reason: format!("no migration from schema {v} to {}", v + 1),
            })?;
            self.report_progress("migrating", 0);
            migrate(self)?;
            v += 1;
            self.write_schema_version(v)?;
        }
        Ok(())
    }

    /// Writes a backup of the store as it is (schema `version`) beside it, before the first
    /// migration touches it: `PATH.schema-N.bak`, restorable with `Shop::restore` (which
    /// migrates it). One already there is kept: it is the older copy (a migration that was
    /// stopped and runs again starts from a store it has already changed). A backup that
    /// can't be written stops the opening before anything is migrated.
    fn backup_before_migrating(&self, version: u32) -> Result<(), StoreError> {
        let path = pre_migration_backup_path(&self.path, version);
        if path.exists() {
            return Ok(());
        }
        self.migrating_from
            .store(version, std::sync::atomic::Ordering::Relaxed);
        self.report_progress("writing a backup of the store before migrating it", 0);
        self.backup_as(&path, version)
            .map(|summary| {
                self.report_progress(
                    "wrote the backup before migrating (records)",
                    summary.entries,
                )
            })
            .map_err(|failure| StoreError::Storage {
                reason: format!(
                    "writing the backup {} before migrating the store failed, so nothing was migrated: {}",
                    path.display(),
                    match failure {
                        backup::BackupFailure::Store(e) => e.to_string(),
                        backup::BackupFailure::Backup(e) => e.to_string(),
                    }
                ),
            })
    }

    /// A new store in a temporary directory with the default config, no migrations and
    /// `effects`, for the store's own tests; the directory goes when dropped.
    #[cfg(test)]
    pub(crate) fn temporary(effects: Effects) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::open(&dir.path().join("db"), &Config::default(), &[], effects)
            .expect("a new store opens");
        (dir, store)
    }

    /// Whether opening migrated the store from an older schema.
    pub(crate) fn migrated(&self) -> bool {
        self.migrated.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Refuses a version this build can't open: newer ones, and 0.
    fn check_version(&self, version: u32) -> Result<(), StoreError> {
        match version {
            0 => Err(StoreError::Corrupt {
                table: Table::Meta.name(),
                key: key::hex(SCHEMA_KEY),
                reason: "schema version 0 does not exist".into(),
            }),
            v if v > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            }),
            _ => Ok(()),
        }
    }

    fn write_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.engine
            .put_direct(full_key(Table::Meta, SCHEMA_KEY), encode(&version)?)?;
        self.flush()
    }

    /// Runs `body` as one atomic transaction, through the single writer (`writer`): bodies
    /// run one at a time in arrival order, each on its own overlay over the store; a
    /// successful body's writes are applied to sled in one atomic batch (possibly together
    /// with the bodies that ran just before or after it), a failed body's are dropped. Then
    /// it waits until the result is durable according to the durability policy. `body` must
    /// have no side effects outside the `Tx` (it runs while every other writer waits).
    ///
    /// On sled a body runs exactly once. On PostgreSQL a batch's commit compares what its
    /// bodies read with the database; when another process changed a record in between,
    /// nothing of the batch is written and its bodies run again (so `body` is `Fn`), the
    /// next time under the shop's lock, where they cannot conflict: no result is given on
    /// what a body read unless the records it read were still so when it committed.
    pub(crate) fn transact<T, E>(
        &self,
        now: crate::clock::Timestamp,
        body: impl Fn(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
        let validates = self.engine.validates_reads();
        let mut runs = 0;
        loop {
            runs += 1;
            // The ticket is taken before the body starts (see `durability`).
            let ticket = self.group.begin();
            let turn = self.writer.turn(&self.engine, &self.group);
            let tx = Tx {
                engine: &self.engine,
                pending: turn.pending_writes(),
                writes: RefCell::default(),
                saw_pending: Cell::new(false),
                read_engine: Cell::new(false),
                effects: &self.effects,
                audit_notes: Default::default(),
                via: Cell::new(None),
                reports_committed_state: Cell::new(false),
                now,
            };
            let result = body(&tx);
            if result.is_ok() {
                // Every fact meant for the audit log reached it (a ledger entry no audit
                // entry binds is a bug, and `verify()` would report it).
                debug_assert!(
                    tx.audit_notes.borrow().is_empty(),
                    "audit notes left unwritten: {:?}",
                    tx.audit_notes.borrow()
                );
            }
            let Tx {
                writes,
                saw_pending,
                read_engine,
                reports_committed_state,
                ..
            } = tx;
            let writes = writes.into_inner();
            let wrote = result.is_ok() && !writes.is_empty();
            // A refusal may report state (an approval already made, a replayed key) that a
            // commit not yet on disk holds: it is answered only once that commit is durable.
            let reports = reports_committed_state.get() || result.is_err();
            // A body whose reads the commit compares waits for that comparison, whatever it
            // answers (a refusal made on a record another process had changed is no answer).
            let join = if wrote {
                Join::Writes(writes)
            } else if saw_pending.get() || (validates && read_engine.get()) {
                Join::Reader
            } else {
                Join::No
            };
            let outcome = turn.end(join);
            let number = match outcome.map(|outcome| outcome.wait()) {
                None => None,
                Some(Ok(number)) => Some(number),
                Some(Err(StoreError::Conflict)) if runs < CONFLICT_RUNS_MAX => continue,
                Some(Err(StoreError::Conflict)) => {
                    return Err(StoreError::Unavailable {
                        reason: format!(
                            "other processes changed what this transaction read each of the {runs} times it ran"
                        ),
                    }
                    .into());
                }
                Some(Err(e)) => return Err(e.into()),
            };
            drop(gate);
            if wrote || reports {
                match number {
                    Some(number) => self.wait_for_commit(ticket, number)?,
                    None => self.wait_for_read(ticket)?,
                }
            }
            // A plain read (a quote, a listing) answers at once: it reports nothing a caller
            // acts on as done. Reads that do (balances, ledgers, top-ups, orders) call
            // `read_barrier`.
            return result;
        }
    }

    /// Returns once everything committed before this call is durable (at once when nothing
    /// is pending): a read outside a transaction that reports money state calls it after
    /// reading, so a caller never acts on a commit a crash could still take back.
    pub(crate) fn read_barrier(&self) -> Result<(), StoreError> {
        let ticket = self.group.begin();
        self.wait_for_read(ticket)
    }

    /// Waits until commit `number` is durable under the policy (or, inside
    /// [`Store::deferring`], adds it to what the deferred answer waits for).
    fn wait_for_commit(
        &self,
        ticket: durability::Ticket<'_>,
        number: u64,
    ) -> Result<(), StoreError> {
        match self.durability {
            Durability::Background => Ok(()),
            _ => {
                let need = self.group.commit_need(ticket, number);
                self.wait_or_defer(need)
            }
        }
    }

    /// Waits until everything the read holding `ticket` could have seen is durable (or,
    /// inside [`Store::deferring`], adds that to what the deferred answer waits for).
    fn wait_for_read(&self, ticket: durability::Ticket<'_>) -> Result<(), StoreError> {
        match self.durability {
            Durability::Background => Ok(()),
            _ => {
                let need = self.group.read_need(ticket);
                self.wait_or_defer(need)
            }
        }
    }

    fn wait_or_defer(&self, need: Need) -> Result<(), StoreError> {
        if need.is_nothing() {
            return Ok(());
        }
        let me = self.identity();
        let deferred = DEFERRED.with(|deferred| match deferred.get() {
            Some((store, so_far)) if store == me => {
                deferred.set(Some((store, so_far.and(need))));
                true
            }
            _ => false,
        });
        if deferred {
            Ok(())
        } else {
            self.wait_durable(need)
        }
    }

    /// Returns once `need` is met, sharing flushes with every other caller (group commit).
    pub(crate) fn wait_durable(&self, need: Need) -> Result<(), StoreError> {
        self.group
            .wait_for(need, || self.flush_for_group())
            .map_err(|reason| StoreError::NotDurable { reason })
    }

    /// Runs `call` on this thread with the store's durability waits deferred: transactions
    /// commit (their batches are applied to sled, so later transactions of the same call
    /// and of other callers see them) but do not wait for a flush; instead the returned
    /// [`Need`] says what must be durable before `call`'s answer may be given to anyone
    /// ([`Store::wait_durable`]). One thread (the flusher of `crate::calls`) can then wait
    /// for the answers of many calls with one flush, while the threads that ran them go on.
    ///
    /// Only this store's waits are deferred; a call that uses another store waits for it
    /// as usual. Deferring inside a deferring call adds to the outer call's need.
    pub(crate) fn deferring<T>(&self, call: impl FnOnce() -> T) -> (T, Need) {
        struct Restore(Option<(usize, Need)>, usize);
        impl Drop for Restore {
            fn drop(&mut self) {
                // Put back what was deferred before (a panic included), merged with this
                // call's need when it is the same store's.
                let Restore(outer, me) = *self;
                DEFERRED.with(|deferred| {
                    let inner = deferred.get();
                    deferred.set(match (outer, inner) {
                        (Some((store, a)), Some((_, b))) if store == me => Some((store, a.and(b))),
                        (outer, _) => outer,
                    });
                });
            }
        }
        let me = self.identity();
        let outer = DEFERRED.with(|deferred| deferred.replace(Some((me, Need::default()))));
        let restore = Restore(outer, me);
        let result = call();
        let need = DEFERRED
            .with(|deferred| deferred.get())
            .map_or(Need::default(), |(_, need)| need);
        drop(restore);
        (result, need)
    }

    /// Tells stores apart for [`Store::deferring`].
    fn identity(&self) -> usize {
        std::ptr::from_ref(&self.group) as usize
    }

    /// One group-commit flush: sled's, plus `fdatasync` of its data file under `PowerSafe`.
    fn flush_for_group(&self) -> Result<(), String> {
        self.engine
            .flush(self.durability == Durability::PowerSafe)
            .map_err(|e| e.to_string())
    }

    /// Flushes everything committed so far to disk.
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        self.engine.flush(true)
    }

    pub(crate) fn flush_count(&self) -> u64 {
        self.group.flush_count()
    }

    /// What the writer has counted since the store was opened.
    /// Keys written to sled so far per table (name, count), for benchmarks.
    pub(crate) fn writes_by_table(&self) -> Vec<(&'static str, u64)> {
        self.writer
            .writes_by_tag()
            .into_iter()
            .map(|(tag, n)| {
                let name = Table::ALL
                    .iter()
                    .find(|t| t.tag() == tag)
                    .map_or("(unknown tag)", |t| t.name());
                (name, n)
            })
            .collect()
    }

    pub(crate) fn counters(&self) -> StoreCounters {
        StoreCounters {
            conflicts: self.engine.conflicts(),
            compared: self.engine.compared(),
            ..self.writer.counters()
        }
    }

    pub(crate) fn size_on_disk_bytes(&self) -> Result<u64, StoreError> {
        self.engine.size_on_disk()
    }

    /// Reads one value outside any transaction.
    fn read<V: DeserializeOwned>(&self, table: Table, key: &[u8]) -> Result<Option<V>, StoreError> {
        match self.read_raw(table, key)? {
            Some(bytes) => decode(table, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Every record of `table`, in key order, with keys within the table.
    fn scan_table(
        &self,
        table: Table,
    ) -> impl Iterator<Item = Result<(Vec<u8>, IVec), StoreError>> {
        self.engine
            .range(table, Bound::Unbounded, Bound::Unbounded, false, false)
    }

    /// A SHA-256 over every record except the audit log and its bookkeeping: two equal
    /// digests mean no state changed, apart from audit entries. Tests use it to prove that a
    /// refused operation changed nothing. It hashes each table's name with its keys, so it
    /// is the same for the same records in either storage layout.
    pub(crate) fn state_digest(&self) -> Result<[u8; 32], StoreError> {
        use sha2::{Digest, Sha256};
        let audit_tables = [
            Table::Audit,
            Table::AuditByActor,
            Table::AuditByAction,
            Table::AuditByTime,
            Table::AuditActorPostings,
            Table::AuditActionPostings,
            Table::AuditTimePostings,
            Table::AuditChunks,
        ];
        let mut hasher = Sha256::new();
        for table in Table::ALL {
            if audit_tables.contains(&table) {
                continue;
            }
            let mut hash = |k: &[u8], v: &[u8]| {
                for part in [table.name().as_bytes(), k, v] {
                    hasher.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
                    hasher.update(part);
                }
            };
            for item in self.scan_table(table) {
                let (k, v) = item?;
                if table == Table::Counters && k.as_slice() == COUNTERS_KEY {
                    // Hashed counter by counter, as when each was a record of its own, so
                    // the digest is the same before and after they were merged.
                    let all: CounterRecord = decode(table, &k, &v)?;
                    for (name, value) in &all {
                        if name != Counter::AuditSeq.name() {
                            hash(name.as_bytes(), &encode(value)?);
                        }
                    }
                    continue;
                }
                let audit_bookkeeping = (table == Table::Meta
                    && (matches!(
                        k.as_slice(),
                        b"audit_head"
                            | b"verified"
                            | b"audit_indexed"
                            | b"verified_lanes"
                            | b"verified_ledger_lanes"
                    ) || k.starts_with(b"audit_head/")
                        || k.starts_with(b"audit_indexed/")))
                    || (table == Table::Counters
                        && (k.as_slice() == Counter::AuditSeq.name().as_bytes()
                            || k.starts_with(&lane_counters_prefix(Counter::AuditSeq))));
                if audit_bookkeeping {
                    continue;
                }
                hash(&k, &v);
            }
        }
        Ok(hasher.finalize().into())
    }

    /// Tells `Config::migration_progress` what the running migration is doing.
    pub(crate) fn report_progress(&self, doing: &'static str, done: u64) {
        if let Some(report) = &self.progress {
            (report.0)(&crate::config::MigrationProgress {
                from: self
                    .migrating_from
                    .load(std::sync::atomic::Ordering::Relaxed),
                doing,
                done,
            });
        }
    }

    /// Writes encoded records in one batch, outside any transaction, and flushes: for
    /// migrations only. The flush after each batch keeps a migration that rewrites every
    /// record from holding all of them as dirty pages (a 1,000,000-order store peaked at
    /// 3 GiB without it).
    pub(crate) fn put_raw_for_migration(
        &self,
        table: Table,
        records: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let mut writes = Writes::new();
        for (k, v) in records {
            writes.insert(IVec::from(full_key(table, &k)), Some(IVec::from(v)));
        }
        self.engine.apply_direct(writes)?;
        self.flush()
    }

    /// Removes every record of one kind, outside any transaction: for migrations only.
    pub(crate) fn delete_kind_for_migration<R: Record>(&self) -> Result<(), StoreError> {
        let (lower, upper) = Span::<R>::all().into_bounds();
        let mut writes = Writes::new();
        for k in self.keys(R::TABLE, lower, upper, false) {
            writes.insert(IVec::from(full_key(R::TABLE, &k?)), None);
        }
        self.engine.apply_direct(writes)?;
        self.flush()
    }

    /// Removes every record of `table`, outside any transaction: for migrations only.
    pub(crate) fn clear_for_migration(&self, table: Table) -> Result<(), StoreError> {
        self.engine.clear_table(table)?;
        self.flush()
    }

    /// Writes one record outside the writer, without waiting for a flush. Only for records
    /// no transaction can be writing at the same time: migrations (they run before anything
    /// else touches the store) and the verified watermark (no transaction reads or writes
    /// it). It reaches the disk with the next flush; sled's log is replayed in order, so it
    /// is never on disk without everything written before it.
    pub(crate) fn put_direct<V: Serialize>(
        &self,
        table: Table,
        key: &[u8],
        value: &V,
    ) -> Result<(), StoreError> {
        self.engine.put_direct(full_key(table, key), encode(value)?)
    }

    /// Reads the encoded bytes of one value.
    fn read_raw(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.engine.get(&full_key(table, key))?.map(|v| v.to_vec()))
    }

    /// Iterates `table` between two bounds, decoding values; newest-first when `reverse`.
    fn range<V: DeserializeOwned>(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
    ) -> Records<'_, V> {
        Box::new(
            self.engine
                .range(table, lower, upper, reverse, false)
                .map(move |item| {
                    let (k, v) = item?;
                    let value = decode(table, &k, &v)?;
                    Ok((k, value))
                }),
        )
    }

    /// Iterates the keys of `table` between two bounds, without reading values.
    fn keys(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>, StoreError>> + '_> {
        Box::new(
            self.engine
                .range(table, lower, upper, reverse, true)
                .map(|item| item.map(|(k, _)| k)),
        )
    }
}

/// A key of `R` as opaque bytes, for a cursor that travels outside the shop (a button).
pub(crate) fn cursor_bytes<R: Record>(key: &R::Key) -> Vec<u8> {
    record::key_bytes::<R>(key)
}

/// The key of `R` that [`cursor_bytes`] made, or `None` for bytes that are not one.
pub(crate) fn cursor_key<R: Record>(bytes: &[u8]) -> Option<R::Key> {
    record::decode_key::<R>(bytes).ok()
}

/// Decodes a value stored under a key of `R` (migrations decoding an older shape).
pub(crate) fn decode_as<R: Record, V: DeserializeOwned>(
    key: &R::Key,
    bytes: &[u8],
) -> Result<V, StoreError> {
    decode(R::TABLE, &record::key_bytes::<R>(key), bytes)
}

/// Typed access by record kind ([`Record`]): what domain modules use.
impl Store {
    /// Reads one record outside any transaction.
    pub(crate) fn fetch<R: Record>(&self, key: &R::Key) -> Result<Option<R::Value>, StoreError> {
        self.read(R::TABLE, &record::key_bytes::<R>(key))
    }

    /// Whether a record exists, outside any transaction.
    pub(crate) fn exists<R: Record>(&self, key: &R::Key) -> Result<bool, StoreError> {
        Ok(self
            .read_raw(R::TABLE, &record::key_bytes::<R>(key))?
            .is_some())
    }

    /// The records of `span`, in key order (newest-first when `reverse`), decoded.
    pub(crate) fn scan<R: Record>(
        &self,
        span: Span<R>,
        reverse: bool,
    ) -> impl Iterator<Item = Result<(R::Key, R::Value), StoreError>> + '_ {
        let (lower, upper) = span.into_bounds();
        self.range::<R::Value>(R::TABLE, lower, upper, reverse)
            .map(|item| {
                let (k, v) = item?;
                Ok((record::decode_key::<R>(&k)?, v))
            })
    }

    /// The keys of `span`, without decoding values.
    pub(crate) fn scan_keys<R: Record>(
        &self,
        span: Span<R>,
        reverse: bool,
    ) -> impl Iterator<Item = Result<R::Key, StoreError>> + '_ {
        let (lower, upper) = span.into_bounds();
        self.keys(R::TABLE, lower, upper, reverse)
            .map(|k| record::decode_key::<R>(&k?))
    }

    /// How many records `span` holds (a scan of their keys).
    pub(crate) fn count<R: Record>(&self, span: Span<R>) -> Result<u64, StoreError> {
        let (lower, upper) = span.into_bounds();
        self.engine.count(R::TABLE, lower, upper)
    }

    /// The records of `span` with their encoded values: for migrations that decode an
    /// older shape.
    pub(crate) fn scan_raw<R: Record>(
        &self,
        span: Span<R>,
    ) -> impl Iterator<Item = Result<(R::Key, IVec), StoreError>> + '_ {
        let (lower, upper) = span.into_bounds();
        self.engine
            .range(R::TABLE, lower, upper, false, false)
            .map(|item| {
                let (k, v) = item?;
                Ok((record::decode_key::<R>(&k)?, v))
            })
    }

    /// Writes encoded records of one kind in one batch, outside any transaction, and
    /// flushes: for migrations only (see [`Store::put_raw_for_migration`]).
    pub(crate) fn put_encoded_for_migration<R: Record>(
        &self,
        records: Vec<(R::Key, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let records = records
            .into_iter()
            .map(|(k, v)| (record::key_bytes::<R>(&k), v))
            .collect();
        self.put_raw_for_migration(R::TABLE, records)
    }

    /// Removes every record of a kind (a retired one), outside any transaction: for
    /// migrations only.
    pub(crate) fn clear_kind_for_migration<R: Record>(&self) -> Result<(), StoreError> {
        assert!(R::FIXED.is_empty(), "clears whole tables only");
        self.clear_for_migration(R::TABLE)
    }

    /// Writes one record outside the writer: see [`Store::put_direct`].
    pub(crate) fn put_direct_record<R: Record>(
        &self,
        key: &R::Key,
        value: &R::Value,
    ) -> Result<(), StoreError> {
        self.put_direct(R::TABLE, &record::key_bytes::<R>(key), value)
    }
}

/// Typed access by record kind inside a transaction.
impl Tx<'_> {
    /// Reads one record.
    pub(crate) fn load<R: Record>(&self, key: &R::Key) -> Result<Option<R::Value>, StoreError> {
        self.get(R::TABLE, &record::key_bytes::<R>(key))
    }

    /// [`Tx::load`] past the writer's cache (on PostgreSQL): for a record other processes
    /// change now and then, whose cached copy is likely stale — read from the cache, the
    /// commit would find it changed and run again; read fresh, only when another process
    /// changes it in the moment between. (What this transaction, its batch or its body
    /// already read or wrote is what it sees, as always.)
    pub(crate) fn load_fresh<R: Record>(
        &self,
        key: &R::Key,
    ) -> Result<Option<R::Value>, StoreError> {
        self.get_fresh(R::TABLE, &record::key_bytes::<R>(key))
    }

    /// Writes one record.
    pub(crate) fn save<R: Record>(&self, key: &R::Key, value: &R::Value) -> Result<(), StoreError> {
        self.put(R::TABLE, &record::key_bytes::<R>(key), value)
    }

    /// Writes one record already encoded (a copy of a stored record's bytes).
    pub(crate) fn save_encoded<R: Record>(
        &self,
        key: &R::Key,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.put_raw(R::TABLE, &record::key_bytes::<R>(key), bytes)
    }

    /// Whether a record exists.
    pub(crate) fn has<R: Record>(&self, key: &R::Key) -> Result<bool, StoreError> {
        self.contains_key(R::TABLE, &record::key_bytes::<R>(key))
    }

    /// Removes one record; returns whether it was there.
    pub(crate) fn delete<R: Record>(&self, key: &R::Key) -> Result<bool, StoreError> {
        self.remove(R::TABLE, &record::key_bytes::<R>(key))
    }
}

/// One transaction's view of the store: its own writes, over the pending batch of the
/// bodies before it, over the `records` tree. Values go through the codec; errors name the
/// table. The body runs alone (the writer is held), so what it reads can't change under it.
pub(crate) struct Tx<'a> {
    engine: &'a Engine,
    /// Writes of earlier bodies not yet applied to sled.
    pending: &'a Writes,
    /// This body's writes (full keys).
    writes: RefCell<Writes>,
    /// A read was answered from `pending`: the answer must not be given before that batch
    /// is applied.
    saw_pending: Cell<bool>,
    /// A read was answered by the engine (which on PostgreSQL compares it at commit).
    read_engine: Cell<bool>,
    /// The handlers of reported events (`effects`).
    effects: &'a Effects,
    /// Facts (field, value) that the next audit entry written in this transaction must
    /// carry, so that the hash chain covers them (the ledger entries an operation posted).
    pub(crate) audit_notes: RefCell<Vec<(&'static str, String)>>,
    /// The channel the acting person came through (`"web"`), when an actor says so: every
    /// audit entry the transaction writes notes it.
    pub(crate) via: Cell<Option<&'static str>>,
    /// The body reports state that earlier commits wrote (a replayed request key): the
    /// answer waits until those commits are durable, even though this transaction wrote
    /// nothing.
    pub(crate) reports_committed_state: Cell<bool>,
    /// The time of this transaction, read once before it started.
    pub(crate) now: crate::clock::Timestamp,
}

impl Tx<'_> {
    /// Notes that the acting person came through `via` (`"web"`): every audit entry this
    /// transaction writes says so.
    pub(crate) fn set_via(&self, via: &'static str) {
        self.via.set(Some(via));
    }

    /// The current bytes at `full`: this body's writes, then the pending batch, then sled.
    fn lookup(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        if let Some(value) = self.writes.borrow().get(full) {
            return Ok(value.clone());
        }
        if let Some(value) = self.pending.get(full) {
            self.saw_pending.set(true);
            return Ok(value.clone());
        }
        self.read_engine.set(true);
        self.engine.get_in_turn(full)
    }

    /// [`Tx::get`] past the writer's cache (see [`Tx::load_fresh`]).
    fn get_fresh<V: DeserializeOwned>(
        &self,
        table: Table,
        key: &[u8],
    ) -> Result<Option<V>, StoreError> {
        let bytes = with_full_key(table, key, |full| {
            if self.writes.borrow().contains_key(full) || self.pending.contains_key(full) {
                self.lookup(full)
            } else {
                self.read_engine.set(true);
                self.engine.get_in_turn_fresh(full)
            }
        })?;
        match bytes {
            Some(bytes) => decode(table, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn get<V: DeserializeOwned>(&self, table: Table, key: &[u8]) -> Result<Option<V>, StoreError> {
        match with_full_key(table, key, |full| self.lookup(full))? {
            Some(bytes) => decode(table, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn put<V: Serialize>(&self, table: Table, key: &[u8], value: &V) -> Result<(), StoreError> {
        let bytes = encode(value)?;
        self.put_raw(table, key, &bytes)
    }

    /// Whether `key` is present.
    fn contains_key(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        Ok(with_full_key(table, key, |full| self.lookup(full))?.is_some())
    }

    /// Writes already-encoded bytes (roll-up rebuilds copy encoded records).
    fn put_raw(&self, table: Table, key: &[u8], bytes: &[u8]) -> Result<(), StoreError> {
        let full = with_full_key(table, key, |full| IVec::from(full));
        self.writes
            .borrow_mut()
            .insert(full, Some(IVec::from(bytes)));
        Ok(())
    }

    /// Removes `key`; returns whether it was present. Removing an absent key writes nothing.
    fn remove(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        with_full_key(table, key, |full| {
            if self.lookup(full)?.is_none() {
                return Ok(false);
            }
            self.writes.borrow_mut().insert(IVec::from(full), None);
            Ok(true)
        })
    }

    /// The lane of the writer running this transaction (see [`log::Lane`]).
    pub(crate) fn lane(&self) -> Result<log::Lane, StoreError> {
        self.engine.lane().map(log::Lane)
    }

    pub(crate) fn counter(&self, counter: Counter) -> Result<u64, StoreError> {
        Ok(self
            .get::<CounterRecord>(Table::Counters, COUNTERS_KEY)?
            .and_then(|all| all.get(counter.name()).copied())
            .unwrap_or(0))
    }

    /// Sets one counter. They all live in one record, so the commits of one batch that
    /// move several counters (an order moves four) reach sled as one write.
    pub(crate) fn set_counter(&self, counter: Counter, value: u64) -> Result<(), StoreError> {
        let mut all: CounterRecord = self.get(Table::Counters, COUNTERS_KEY)?.unwrap_or_default();
        all.insert(counter.name().to_owned(), value);
        self.put(Table::Counters, COUNTERS_KEY, &all)
    }

    /// Increments `counter` and returns the new value: the next id of a sequence. Ids are
    /// contiguous and allocated in the same transaction as the record that uses them.
    pub(crate) fn next_id(&self, counter: Counter) -> Result<u64, StoreError> {
        let next = self
            .counter(counter)?
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt {
                table: Table::Counters.name(),
                key: key::hex(counter.name().as_bytes()),
                reason: "counter overflow".into(),
            })?;
        self.set_counter(counter, next)?;
        Ok(next)
    }
}

/// The key of a lane's own counter of a sequence (lane 0's is the counter in
/// [`COUNTERS_KEY`]): the counter's name, `/`, the lane number.
fn lane_counter_key(counter: Counter, lane: log::Lane) -> Vec<u8> {
    let mut key = lane_counters_prefix(counter);
    key.extend_from_slice(&u64::from(lane.0).to_be_bytes());
    key
}

/// What the keys of every lane's own counter of `counter` start with.
fn lane_counters_prefix(counter: Counter) -> Vec<u8> {
    let mut prefix = counter.name().as_bytes().to_vec();
    prefix.push(b'/');
    prefix
}

impl Tx<'_> {
    /// The next number of `counter`'s sequence in `lane` ([`log::Lane`]): lane 0 hands out
    /// the counter's own numbers ([`Tx::next_id`]); another lane counts in a record of its
    /// own, from the lane's base, so the writers of two lanes never share the record.
    pub(crate) fn next_in_lane(
        &self,
        counter: Counter,
        lane: log::Lane,
    ) -> Result<u64, StoreError> {
        if lane == log::Lane(0) {
            return self.next_id(counter);
        }
        let key = lane_counter_key(counter, lane);
        let last: u64 = self.get(Table::Counters, &key)?.unwrap_or(lane.base());
        if last >= lane.last() {
            return Err(StoreError::Corrupt {
                table: Table::Counters.name(),
                key: key::hex(&key),
                reason: "the lane is full".into(),
            });
        }
        self.put(Table::Counters, &key, &(last + 1))?;
        Ok(last + 1)
    }
}

/// Ids a PostgreSQL writer takes from a sequence at a time (orders, top-ups, invoices:
/// numbers shown to people, so not numbered in lanes 2⁴⁰ apart). A block is a chunk of the
/// order-status index ([`postings::BLOCK`]), so two writers' orders share no chunk.
pub(crate) const ID_BLOCK: u64 = postings::BLOCK;

/// The key of a record numbered by a sequence taken in blocks (an order, a top-up, an
/// invoice id), for [`Store::check_id_blocks`].
pub(crate) trait BlockId: Sized {
    /// Its number.
    fn number(&self) -> u64;
    /// The key numbered `n`, if `n` can be one.
    fn numbered(n: u64) -> Option<Self>;
}

/// A writer's block of a sequence's ids: the last one it handed out and the block's last.
/// Every earlier block of the lane was used up before it took this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdBlock {
    pub(crate) last: u64,
    pub(crate) end: u64,
}

impl IdBlock {
    /// The lowest id the block can start at (the first block taken above ids handed out one
    /// by one may start higher: it ends where a chunk of the index ends).
    pub(crate) fn start(self) -> u64 {
        self.end.saturating_sub(ID_BLOCK - 1)
    }
}

/// The key of the last id of `counter`'s sequence taken in a block.
fn claimed_key(counter: Counter) -> Vec<u8> {
    let mut key = counter.name().as_bytes().to_vec();
    key.extend_from_slice(b"#claimed");
    key
}

impl Tx<'_> {
    /// The next id of `counter`'s sequence. On sled (one process) the counter's next
    /// number ([`Tx::next_id`]), above any block a PostgreSQL writer took before the shop
    /// moved. On PostgreSQL a writer takes a block of ids at a time — up to the end of the
    /// index chunk after the last id taken, 1,024 once aligned — recording the last id
    /// taken in a record of its own (`<counter>#claimed`, read past the writer's cache, so
    /// two processes conflict over it only when both take a block at the same moment), and
    /// hands them out from its lane's record (`<counter>/<lane>`, an [`IdBlock`]). A single
    /// process still numbers 1, 2, 3, …; two interleave by block; a block is used up before
    /// its lane takes another (a later process in the same lane goes on in it).
    pub(crate) fn next_in_block(&self, counter: Counter) -> Result<u64, StoreError> {
        let claimed_key = claimed_key(counter);
        if self.engine.sled().is_some() {
            let claimed: u64 = self.get(Table::Counters, &claimed_key)?.unwrap_or(0);
            if claimed > self.counter(counter)? {
                self.set_counter(counter, claimed)?;
            }
            return self.next_id(counter);
        }
        let key = lane_counter_key(counter, self.lane()?);
        let next = match self.get::<IdBlock>(Table::Counters, &key)? {
            Some(block) if block.last < block.end => IdBlock {
                last: block.last + 1,
                end: block.end,
            },
            _ => {
                let claimed = match self.get_fresh(Table::Counters, &claimed_key)? {
                    Some(claimed) => claimed,
                    None => self.counter(counter)?,
                };
                let end = if claimed % ID_BLOCK == ID_BLOCK - 1 {
                    claimed.checked_add(ID_BLOCK)
                } else {
                    Some(claimed | (ID_BLOCK - 1))
                }
                .ok_or_else(|| StoreError::Corrupt {
                    table: Table::Counters.name(),
                    key: key::hex(&claimed_key),
                    reason: "the sequence is exhausted".into(),
                })?;
                self.put(Table::Counters, &claimed_key, &end)?;
                IdBlock {
                    last: claimed + 1,
                    end,
                }
            }
        };
        self.put(Table::Counters, &key, &next)?;
        Ok(next.last)
    }
}

/// Reads a counter outside a transaction.
impl Store {
    /// The last id of `counter`'s sequence handed out or taken in a block, and each lane's
    /// block of it ([`Tx::next_in_block`]).
    pub(crate) fn id_blocks(
        &self,
        counter: Counter,
    ) -> Result<(u64, Vec<(log::Lane, IdBlock)>), StoreError> {
        let mut blocks = Vec::new();
        for lane in self.lanes_counting(counter)? {
            if let Some(block) = self.read(Table::Counters, &lane_counter_key(counter, lane))? {
                blocks.push((lane, block));
            }
        }
        let claimed: u64 = self
            .read(Table::Counters, &claimed_key(counter))?
            .unwrap_or(0);
        Ok((self.read_counter(counter)?.max(claimed), blocks))
    }

    /// Checks a sequence whose ids writers in lanes take in blocks ([`Tx::next_in_block`])
    /// against the records `R` it numbers: no record is
    /// numbered above the counter; each lane's block names the last id it handed out, which
    /// is stored, and nothing of the block after it is; the counter is the last id stored or
    /// the end of a lane's block. Given how many records are stored (`stored`: the full
    /// check), they are as many as were handed out — the counter less what the lanes'
    /// blocks hold unused, as every earlier block was used up. Problems start with `area`
    /// ("orders") and name the sequence as `what` ("order").
    pub(crate) fn check_id_blocks<R: Record>(
        &self,
        counter: Counter,
        area: &str,
        what: &str,
        stored: Option<u64>,
    ) -> Result<Vec<String>, StoreError>
    where
        R::Key: BlockId,
    {
        let mut problems = Vec::new();
        let (value, blocks) = self.id_blocks(counter)?;
        let last_stored = match self.scan_keys(Span::<R>::all(), true).next() {
            Some(k) => k?.number(),
            None => 0,
        };
        let first_after = |after: u64| -> Result<Option<u64>, StoreError> {
            let Some(after) = R::Key::numbered(after) else {
                return Ok(None);
            };
            match self
                .scan_keys(Span::<R>::all().from(Bound::Excluded(&after)), false)
                .next()
            {
                Some(k) => Ok(Some(k?.number())),
                None => Ok(None),
            }
        };
        let mut unused = 0u64;
        for (lane, block) in &blocks {
            let lane = lane.0;
            if block.end > value || block.last < block.start() || block.last > block.end {
                problems.push(format!(
                    "the {what} block of lane {lane} ({}-{}, last handed out {}) cannot be: the {what} counter is {value}",
                    block.start(),
                    block.end,
                    block.last
                ));
                continue;
            }
            unused += block.end - block.last;
            if !R::Key::numbered(block.last).map_or(Ok(false), |k| self.exists::<R>(&k))? {
                problems.push(format!(
                    "{what} {}, the last lane {lane} handed out, is missing (lost)",
                    block.last
                ));
            }
            if let Some(next) = first_after(block.last)?
                && next <= block.end
            {
                problems.push(format!(
                    "{what} {next} is stored in lane {lane}'s block after the last it handed out, {} (added)",
                    block.last
                ));
            }
        }
        if last_stored > value {
            problems.push(format!(
                "{what} {last_stored} is stored but the {what} counter is {value} (added)"
            ));
        } else if last_stored != value && !blocks.iter().any(|(_, b)| b.end == value) {
            problems.push(format!(
                "the {what} counter is {value} but the last {what} stored is {last_stored} (lost or added)"
            ));
        }
        if let Some(stored) = stored {
            let handed = value.saturating_sub(unused);
            if stored != handed {
                let handed = if blocks.is_empty() {
                    String::new()
                } else {
                    format!(", {handed} handed out")
                };
                problems.push(format!(
                    "{what} counter is {value} but {stored} {what}s are stored{handed} (lost or added)"
                ));
            }
        }
        Ok(problems
            .into_iter()
            .map(|problem| format!("{area}: {problem}"))
            .collect())
    }

    /// The last number of `counter`'s sequence handed out in `lane` (the lane's base when
    /// none was).
    pub(crate) fn read_lane_counter(
        &self,
        counter: Counter,
        lane: log::Lane,
    ) -> Result<u64, StoreError> {
        if lane == log::Lane(0) {
            return self.read_counter(counter);
        }
        Ok(self
            .read(Table::Counters, &lane_counter_key(counter, lane))?
            .unwrap_or(lane.base()))
    }

    /// The lanes that hold a record of their own of `counter`'s sequence (`<counter>/<lane>`:
    /// for the logs, lanes other than 0; for ids taken in blocks, any), ascending (a lane
    /// whose entries were all lost still shows here).
    pub(crate) fn lanes_counting(&self, counter: Counter) -> Result<Vec<log::Lane>, StoreError> {
        let prefix = lane_counters_prefix(counter);
        let upper = key::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
        let mut lanes = Vec::new();
        for item in self.engine.range(
            Table::Counters,
            Bound::Included(prefix.clone()),
            upper,
            false,
            true,
        ) {
            let (k, _) = item?;
            let lane = <[u8; 8]>::try_from(&k[prefix.len()..])
                .ok()
                .and_then(|n| log::Lane::numbered(u64::from_be_bytes(n)))
                .ok_or_else(|| StoreError::Corrupt {
                    table: Table::Counters.name(),
                    key: key::hex(&k),
                    reason: "not a lane's counter".into(),
                })?;
            lanes.push(lane);
        }
        Ok(lanes)
    }

    pub(crate) fn read_counter(&self, counter: Counter) -> Result<u64, StoreError> {
        match self.read::<CounterRecord>(Table::Counters, COUNTERS_KEY)? {
            Some(all) => Ok(all.get(counter.name()).copied().unwrap_or(0)),
            // A store before schema 4, being migrated: one record per counter.
            None => Ok(self
                .read(Table::Counters, counter.name().as_bytes())?
                .unwrap_or(0)),
        }
    }

    /// Schema 3 → 4: the counters, one record each until then, become one record.
    pub(crate) fn merge_counters_for_migration(&self) -> Result<(), StoreError> {
        // (A record already merged is kept: a migration stopped after its batch runs again.)
        let mut all: CounterRecord = self
            .read(Table::Counters, COUNTERS_KEY)?
            .unwrap_or_default();
        let mut old_keys = Vec::new();
        for item in self.scan_table(Table::Counters) {
            let (k, v) = item?;
            // Only the counters that were records of their own (the table also holds
            // records of later schemas, such as the audit lanes' counters).
            if !Counter::ALL
                .iter()
                .any(|c| c.name().as_bytes() == k.as_slice())
            {
                continue;
            }
            let value: u64 = decode(Table::Counters, &k, &v)?;
            all.insert(String::from_utf8_lossy(&k).into_owned(), value);
            old_keys.push(k);
        }
        let mut writes = Writes::new();
        for k in old_keys {
            writes.insert(IVec::from(full_key(Table::Counters, &k)), None);
        }
        writes.insert(
            IVec::from(full_key(Table::Counters, COUNTERS_KEY)),
            Some(IVec::from(encode(&all)?)),
        );
        self.engine.apply_direct(writes)?;
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_all_is_in_declaration_order() {
        for (i, table) in Table::ALL.iter().enumerate() {
            assert_eq!(*table as usize, i, "{table:?}");
        }
    }

    #[test]
    fn tags_are_unique_and_leave_room_for_the_next() {
        let mut seen = std::collections::BTreeSet::new();
        for table in Table::ALL {
            let tag = table.tag();
            assert!(tag != 0 && tag < u8::MAX, "{table:?} has tag {tag}");
            assert!(seen.insert(tag), "tag {tag} is used twice");
        }
    }

    /// docs/storage.md lists every table with its tag, and nothing else.
    #[test]
    fn the_docs_list_every_tag() {
        let doc = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/storage.md"),
        )
        .unwrap();
        let mut listed = std::collections::BTreeMap::new();
        for line in doc.lines() {
            // Rows of the tag table: | `name` | tag |
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if let [_, name, tag, _] = cells.as_slice()
                && let (Some(name), Ok(tag)) = (
                    name.strip_prefix('`').and_then(|n| n.strip_suffix('`')),
                    tag.parse::<u8>(),
                )
            {
                listed.insert(name.to_owned(), tag);
            }
        }
        let code: std::collections::BTreeMap<String, u8> = Table::ALL
            .into_iter()
            .map(|t| (t.name().to_owned(), t.tag()))
            .collect();
        assert_eq!(
            listed, code,
            "docs/storage.md's table of tags differs from Table::tag"
        );
    }

    #[test]
    fn prefix_end_cases() {
        assert_eq!(key::prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(key::prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(key::prefix_end(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn decode_garbage_names_the_table_and_key() {
        let err = decode::<(u64, String)>(Table::Users, &[0, 1], &[0xFF, 0xFF, 0xFF]).unwrap_err();
        match err {
            StoreError::Corrupt { table, key, .. } => {
                assert_eq!(table, "users");
                assert_eq!(key, "0001");
            }
            other => panic!("{other:?}"),
        }
        let trailing = decode::<u8>(Table::Meta, b"k", &[1, 2]).unwrap_err();
        assert!(matches!(trailing, StoreError::Corrupt { .. }));
    }
}
