//! The storage layer: the only module that names sled. It declares every tree ([`Table`]),
//! encodes values (bincode 2 over serde) and keys (big-endian, so byte order is numeric
//! order), stamps and checks the schema version, allocates ids from counters inside
//! transactions, and makes commits durable with group commit.
//!
//! Domain modules use [`Store::transact`] with a [`Tx`] and the read helpers; they never see
//! a sled type, so a second backend can be added without touching them.

pub(crate) mod backup;
mod durability;

use crate::config::{Config, Durability};
use durability::GroupCommit;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use std::cell::Cell;
use std::fs::File;
use std::ops::Bound;
use std::path::{Path, PathBuf};

/// The schema version this build writes (the layout of the records on disk; see
/// `docs/storage.md`). Opening an older database migrates it in place, once; a newer one is
/// refused with [`StoreError::SchemaTooNew`]. Bump it with a migration in `MIGRATIONS`.
pub const SCHEMA_VERSION: u32 = 2;

/// Migrations: entry `i` upgrades a database from version `i + 1` to `i + 2`. Each runs once,
/// in order, when an older database is opened, before anything else touches it.
type Migration = fn(&Store) -> Result<(), StoreError>;
const MIGRATIONS: &[Migration] = &[to_version_2];

/// 1 → 2: `codes_seen`, the fate of every code a product has seen; audit stubs say whether
/// they stand for a refused attempt; and where the ledger's audit bindings start.
fn to_version_2(store: &Store) -> Result<(), StoreError> {
    crate::catalog::migrate_codes_seen(store)?;
    crate::audit::migrate_stubs(store)?;
    crate::wallet::migrate_ledger_bindings(store)
}

/// Every sled tree the shop uses. `docs/storage.md` documents each key layout and value.
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
}

impl Table {
    pub(crate) const ALL: [Table; 44] = [
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
    ];

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
        }
    }

    fn index(self) -> usize {
        // `ALL` lists the variants in declaration order; a unit test checks it.
        self as usize
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
}

impl Counter {
    fn key(self) -> &'static [u8] {
        match self {
            Counter::AuditSeq => b"audit_seq",
            Counter::SuperAdmins => b"super_admins",
            Counter::CategorySeq => b"category_seq",
            Counter::ProductSeq => b"product_seq",
            Counter::PaymentMethodSeq => b"payment_method_seq",
            Counter::LedgerSeq => b"ledger_seq",
            Counter::TopupSeq => b"topup_seq",
            Counter::OrderSeq => b"order_seq",
            Counter::OutboxSeq => b"outbox_seq",
            Counter::BroadcastSeq => b"broadcast_seq",
        }
    }
}

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
    #[error("corrupt record in tree {table:?}, key {key}: {reason}")]
    Corrupt {
        /// The tree's name (see `docs/storage.md`).
        table: &'static str,
        /// The key, in hex.
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
    /// sled or the file system failed (a full disk, an I/O error, damaged files at open).
    #[error("storage error: {reason}")]
    Storage {
        /// sled's error.
        reason: String,
    },
    /// A transaction conflict. sled retries these itself; it never reaches a caller.
    #[doc(hidden)]
    #[error("transaction conflict")]
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
            StoreError::Conflict => "store.conflict",
        }
    }

    fn from_sled(error: sled::Error) -> StoreError {
        StoreError::Storage {
            reason: error.to_string(),
        }
    }
}

/// Key-building helpers: fixed-width big-endian parts, so that byte order is numeric order.
pub(crate) mod key {
    pub(crate) fn u64(value: u64) -> [u8; 8] {
        value.to_be_bytes()
    }

    /// Concatenates parts into one key.
    pub(crate) fn join(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
        for part in parts {
            out.extend_from_slice(part);
        }
        out
    }

    /// Reads a big-endian u64 at `offset`, if the key is long enough.
    pub(crate) fn read_u64(key: &[u8], offset: usize) -> Option<u64> {
        let bytes: [u8; 8] = key.get(offset..offset + 8)?.try_into().ok()?;
        Some(u64::from_be_bytes(bytes))
    }

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
    let (value, used) = bincode::serde::decode_from_slice(bytes, bincode_config())
        .map_err(|e| corrupt(e.to_string()))?;
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
    db: sled::Db,
    trees: Vec<sled::Tree>,
    durability: Durability,
    group: GroupCommit,
    /// sled's data file, synced once per group commit under `Durability::PowerSafe`.
    data_file: Option<File>,
    path: PathBuf,
    /// Transactions hold it shared; a backup holds it exclusively, so a snapshot never
    /// includes half of a transaction.
    gate: std::sync::RwLock<()>,
}

impl Store {
    pub(crate) fn open(path: &Path, config: &Config) -> Result<Store, StoreError> {
        let db = open_sled(path, config)?;
        let trees = Table::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from_sled)?;
        let data_file = match config.durability {
            Durability::PowerSafe => {
                Some(
                    File::open(path.join("db")).map_err(|e| StoreError::Storage {
                        reason: format!("opening sled's data file for syncing: {e}"),
                    })?,
                )
            }
            _ => None,
        };
        let store = Store {
            db,
            trees,
            durability: config.durability,
            group: GroupCommit::default(),
            data_file,
            path: path.to_path_buf(),
            gate: std::sync::RwLock::new(()),
        };
        store.check_schema()?;
        Ok(store)
    }

    /// Opens a new, empty database for a restore (not stamped: the backup brings its own
    /// schema record).
    pub(crate) fn open_empty(path: &Path, config: &Config) -> Result<Store, StoreError> {
        let db = open_sled(path, config)?;
        let trees = Table::ALL
            .iter()
            .map(|t| db.open_tree(t.name()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::from_sled)?;
        Ok(Store {
            db,
            trees,
            durability: config.durability,
            group: GroupCommit::default(),
            data_file: None,
            path: path.to_path_buf(),
            gate: std::sync::RwLock::new(()),
        })
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let found: Option<u32> = self.read(Table::Meta, b"schema_version")?;
        match found {
            None => {
                let has_data = Table::ALL.iter().any(|&t| !self.tree(t).is_empty());
                let has_foreign_data = self
                    .db
                    .tree_names()
                    .iter()
                    .any(|n| n.as_ref() != b"__sled__default" && !self.is_our_tree(n));
                if has_data || has_foreign_data || !self.db.is_empty() {
                    return Err(StoreError::NotAShop {
                        path: self.path.display().to_string(),
                    });
                }
                self.write_schema_version(SCHEMA_VERSION)
            }
            Some(v) if v > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            }),
            Some(0) => Err(StoreError::Corrupt {
                table: Table::Meta.name(),
                key: key::hex(b"schema_version"),
                reason: "schema version 0 does not exist".into(),
            }),
            Some(mut v) => {
                while v < SCHEMA_VERSION {
                    let index = usize::try_from(v - 1).unwrap_or(usize::MAX);
                    if let Some(migrate) = MIGRATIONS.get(index) {
                        migrate(self)?;
                    }
                    v += 1;
                    self.write_schema_version(v)?;
                }
                Ok(())
            }
        }
    }

    fn is_our_tree(&self, name: &[u8]) -> bool {
        Table::ALL.iter().any(|t| t.name().as_bytes() == name)
    }

    fn write_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.tree(Table::Meta)
            .insert(b"schema_version", encode(&version)?)
            .map_err(StoreError::from_sled)?;
        self.flush()
    }

    fn tree(&self, table: Table) -> &sled::Tree {
        &self.trees[table.index()]
    }

    /// Runs `body` as one atomic transaction over every tree, then waits until it is durable
    /// according to the durability policy. `body` may run more than once (sled retries on
    /// conflict): it must have no side effects outside the `Tx`.
    pub(crate) fn transact<T, E>(
        &self,
        now: crate::clock::Timestamp,
        body: impl Fn(&Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
        // The ticket is taken before the transaction starts (see `durability`).
        let ticket = self.group.begin();
        let result = self.trees[..].transaction(|views: &Vec<TransactionalTree>| {
            let tx = Tx {
                views,
                conflict: Cell::new(false),
                wrote: Cell::new(false),
                audit_notes: Default::default(),
                reports_committed_state: Cell::new(false),
                now,
            };
            match body(&tx) {
                Ok(value) => {
                    // Every fact meant for the audit log reached it (a ledger entry no audit
                    // entry binds is a bug, and `verify()` would report it).
                    debug_assert!(
                        tx.audit_notes.borrow().is_empty(),
                        "audit notes left unwritten: {:?}",
                        tx.audit_notes.borrow()
                    );
                    Ok((value, tx.wrote.get(), tx.reports_committed_state.get()))
                }
                Err(_) if tx.conflict.get() => Err(ConflictableTransactionError::Conflict),
                Err(e) => Err(ConflictableTransactionError::Abort(e)),
            }
        });
        drop(gate);
        match result {
            Ok((value, wrote, reports)) => {
                if wrote || reports {
                    self.make_durable(ticket, wrote)?;
                }
                // A plain read (a quote, a listing) answers at once: it reports nothing a
                // caller acts on as done. Reads that do (balances, ledgers, top-ups, orders)
                // call `read_barrier`.
                Ok(value)
            }
            // A refusal may report state (an approval already made, a replayed key) that a
            // commit not yet on disk holds: it is answered only once that commit is durable.
            Err(TransactionError::Abort(e)) => {
                self.make_durable(ticket, false)?;
                Err(e)
            }
            Err(TransactionError::Storage(e)) => Err(StoreError::from_sled(e).into()),
        }
    }

    /// Returns once everything committed before this call is durable (at once when nothing
    /// is pending): a read outside a transaction that reports money state calls it after
    /// reading, so a caller never acts on a commit a crash could still take back.
    pub(crate) fn read_barrier(&self) -> Result<(), StoreError> {
        let ticket = self.group.begin();
        self.make_durable(ticket, false)
    }

    /// Waits until what the transaction holding `ticket` wrote (or, for one that only read,
    /// everything it could have seen) is durable under the policy.
    fn make_durable(&self, ticket: durability::Ticket<'_>, wrote: bool) -> Result<(), StoreError> {
        let not_durable = |reason: String| StoreError::NotDurable { reason };
        match self.durability {
            Durability::Background => Ok(()),
            Durability::Immediate => self
                .group
                .finish(ticket, wrote, || self.db.flush().map(|_| ()))
                .map_err(|e| not_durable(e.to_string())),
            Durability::PowerSafe => self
                .group
                .finish(ticket, wrote, || {
                    self.db.flush().map_err(|e| e.to_string())?;
                    match &self.data_file {
                        Some(file) => file.sync_data().map_err(|e| e.to_string()),
                        None => Ok(()),
                    }
                })
                .map_err(not_durable),
        }
    }

    /// Flushes everything committed so far to disk.
    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(StoreError::from_sled)?;
        if let Some(file) = &self.data_file {
            file.sync_data().map_err(|e| StoreError::Storage {
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }

    pub(crate) fn flush_count(&self) -> u64 {
        self.group.flush_count()
    }

    pub(crate) fn size_on_disk_bytes(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(StoreError::from_sled)
    }

    /// Reads one value outside any transaction.
    pub(crate) fn read<V: DeserializeOwned>(
        &self,
        table: Table,
        key: &[u8],
    ) -> Result<Option<V>, StoreError> {
        match self.tree(table).get(key).map_err(StoreError::from_sled)? {
            Some(bytes) => decode(table, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// A SHA-256 over every record except the audit log and its bookkeeping: two equal
    /// digests mean no state changed, apart from audit entries. Tests use it to prove that a
    /// refused operation changed nothing.
    pub(crate) fn state_digest(&self) -> Result<[u8; 32], StoreError> {
        use sha2::{Digest, Sha256};
        let audit_tables = [
            Table::Audit,
            Table::AuditByActor,
            Table::AuditByAction,
            Table::AuditByTime,
        ];
        let mut hasher = Sha256::new();
        for table in Table::ALL {
            if audit_tables.contains(&table) {
                continue;
            }
            for item in self.tree(table).iter() {
                let (k, v) = item.map_err(StoreError::from_sled)?;
                let audit_bookkeeping = (table == Table::Meta && k.as_ref() == b"audit_head")
                    || (table == Table::Counters && k.as_ref() == Counter::AuditSeq.key());
                if audit_bookkeeping {
                    continue;
                }
                for part in [table.name().as_bytes(), k.as_ref(), v.as_ref()] {
                    hasher.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
                    hasher.update(part);
                }
            }
        }
        Ok(hasher.finalize().into())
    }

    /// Reads the encoded bytes of one value.
    /// Writes one value outside any transaction: for migrations only, which run before
    /// anything else touches the store.
    pub(crate) fn put_for_migration<V: Serialize>(
        &self,
        table: Table,
        key: &[u8],
        value: &V,
    ) -> Result<(), StoreError> {
        self.tree(table)
            .insert(key, encode(value)?)
            .map_err(StoreError::from_sled)?;
        Ok(())
    }

    pub(crate) fn read_raw(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tree(table)
            .get(key)
            .map_err(StoreError::from_sled)?
            .map(|v| v.to_vec()))
    }

    pub(crate) fn len(&self, table: Table) -> usize {
        self.tree(table).len()
    }

    /// Iterates `table` between two bounds, decoding values; newest-first when `reverse`.
    pub(crate) fn range<V: DeserializeOwned>(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
    ) -> Records<'_, V> {
        let iter = self.tree(table).range::<Vec<u8>, _>((lower, upper));
        let decode_item = move |item: sled::Result<(sled::IVec, sled::IVec)>| {
            let (k, v) = item.map_err(StoreError::from_sled)?;
            let value = decode(table, &k, &v)?;
            Ok((k.to_vec(), value))
        };
        if reverse {
            Box::new(iter.rev().map(decode_item))
        } else {
            Box::new(iter.map(decode_item))
        }
    }

    /// Iterates the keys of `table` between two bounds, without reading values.
    pub(crate) fn keys(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>, StoreError>> + '_> {
        let iter = self
            .tree(table)
            .range::<Vec<u8>, _>((lower, upper))
            .map(|item| item.map(|(k, _)| k.to_vec()).map_err(StoreError::from_sled));
        if reverse {
            Box::new(iter.rev())
        } else {
            Box::new(iter)
        }
    }
}

/// One transaction's view of every tree. Values go through the codec; errors name the tree.
pub(crate) struct Tx<'a> {
    views: &'a [TransactionalTree],
    conflict: Cell<bool>,
    wrote: Cell<bool>,
    /// Facts (field, value) that the next audit entry written in this transaction must
    /// carry, so that the hash chain covers them (the ledger entries an operation posted).
    pub(crate) audit_notes: std::cell::RefCell<Vec<(&'static str, String)>>,
    /// The body reports state that earlier commits wrote (a replayed request key): the
    /// answer waits until those commits are durable, even though this transaction wrote
    /// nothing.
    pub(crate) reports_committed_state: Cell<bool>,
    /// The time of this transaction, read once before it started (retries see the same).
    pub(crate) now: crate::clock::Timestamp,
}

impl Tx<'_> {
    fn view(&self, table: Table) -> &TransactionalTree {
        &self.views[table.index()]
    }

    fn sled_error(&self, error: UnabortableTransactionError) -> StoreError {
        match error {
            UnabortableTransactionError::Conflict => {
                self.conflict.set(true);
                StoreError::Conflict
            }
            UnabortableTransactionError::Storage(e) => StoreError::from_sled(e),
        }
    }

    pub(crate) fn get<V: DeserializeOwned>(
        &self,
        table: Table,
        key: &[u8],
    ) -> Result<Option<V>, StoreError> {
        match self.view(table).get(key).map_err(|e| self.sled_error(e))? {
            Some(bytes) => decode(table, key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn put<V: Serialize>(
        &self,
        table: Table,
        key: &[u8],
        value: &V,
    ) -> Result<(), StoreError> {
        let bytes = encode(value)?;
        self.view(table)
            .insert(key, bytes)
            .map_err(|e| self.sled_error(e))?;
        self.wrote.set(true);
        Ok(())
    }

    /// Whether `key` is present.
    pub(crate) fn contains_key(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        Ok(self
            .view(table)
            .get(key)
            .map_err(|e| self.sled_error(e))?
            .is_some())
    }

    /// Writes already-encoded bytes (roll-up rebuilds copy encoded records).
    pub(crate) fn put_raw(&self, table: Table, key: &[u8], bytes: &[u8]) -> Result<(), StoreError> {
        self.view(table)
            .insert(key, bytes)
            .map_err(|e| self.sled_error(e))?;
        self.wrote.set(true);
        Ok(())
    }

    /// Writes an index entry (a key with an empty value).
    pub(crate) fn put_key(&self, table: Table, key: &[u8]) -> Result<(), StoreError> {
        self.put(table, key, &())
    }

    pub(crate) fn remove(&self, table: Table, key: &[u8]) -> Result<bool, StoreError> {
        let old = self
            .view(table)
            .remove(key)
            .map_err(|e| self.sled_error(e))?;
        self.wrote.set(true);
        Ok(old.is_some())
    }

    pub(crate) fn counter(&self, counter: Counter) -> Result<u64, StoreError> {
        Ok(self.get(Table::Counters, counter.key())?.unwrap_or(0))
    }

    pub(crate) fn set_counter(&self, counter: Counter, value: u64) -> Result<(), StoreError> {
        self.put(Table::Counters, counter.key(), &value)
    }

    /// Increments `counter` and returns the new value: the next id of a sequence. Ids are
    /// contiguous and allocated in the same transaction as the record that uses them.
    pub(crate) fn next_id(&self, counter: Counter) -> Result<u64, StoreError> {
        let next = self
            .counter(counter)?
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt {
                table: Table::Counters.name(),
                key: key::hex(counter.key()),
                reason: "counter overflow".into(),
            })?;
        self.set_counter(counter, next)?;
        Ok(next)
    }
}

/// Reads a counter outside a transaction.
impl Store {
    pub(crate) fn read_counter(&self, counter: Counter) -> Result<u64, StoreError> {
        Ok(self.read(Table::Counters, counter.key())?.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_all_is_in_declaration_order() {
        for (i, table) in Table::ALL.iter().enumerate() {
            assert_eq!(table.index(), i, "{table:?}");
        }
    }

    #[test]
    fn prefix_end_cases() {
        assert_eq!(key::prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(key::prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(key::prefix_end(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn decode_garbage_names_the_tree_and_key() {
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
