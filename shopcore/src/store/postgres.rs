//! The PostgreSQL engine (the `postgres` feature): a shop's records in a PostgreSQL
//! database, shared by any number of processes (bot replicas, the console, a web panel).
//!
//! **Layout.** The shop lives in one schema of the database (`shopcore` unless the URL says
//! `?schema=NAME`), one table per store table, named as in `docs/storage.md`. Each row is
//! one record: its key within the table (`k`, `bytea`, the primary key; bytewise order is
//! the key tuple's order), its encoded value (`v`, what the shop reads) and, for the kinds
//! people read, the same value as JSON (`body`, from which typed columns, constraints and
//! views are computed: `describe.rs`). The schema is created and upgraded by
//! the versioned migrations embedded below ([`MIGRATIONS`], recorded in
//! `shopcore_migrations`), applied at open under a session advisory lock, so processes
//! opening together apply each once; a database migrated by a newer build is refused.
//!
//! **Transactions.** The store's writer runs transaction bodies one at a time and applies
//! their writes in batches (`writer.rs`); here a batch is one PostgreSQL transaction on the
//! writer's own connection. It begins at the batch's first read or write with
//! `pg_advisory_xact_lock` on the shop's writer lock, reads at READ COMMITTED (so it sees
//! every batch any process committed before it took the lock) and ends with the batch:
//! COMMIT with its writes, or ROLLBACK when no body joined it. Writers of every process are
//! therefore serialized, exactly as the single writer serializes them in one process: every
//! invariant the bodies keep on sled holds unchanged across processes, with no body ever run
//! twice. The writer keeps what it read while the shop's commit sequence
//! (`shopcore_commits`, read with the lock) shows no other process committed. Reads outside
//! transactions (listings, scans) use pooled connections and see committed batches only;
//! `snapshot` makes a thread's reads one REPEATABLE READ state (`verify()`, backups). See
//! ARCHITECTURE.md, "PostgreSQL".
//!
//! **Durability.** A COMMIT returns once PostgreSQL has flushed its WAL
//! (`synchronous_commit` on), so a batch is durable when `apply` returns; under
//! `Durability::Background` the writer's connection sets `synchronous_commit = off`.

use super::engine::Items;
use super::writer::Writes;
use super::{StoreError, Table};
use crate::config::{Config, Durability};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};
use sha2::{Digest, Sha256};
use sled::IVec;
use std::collections::{HashMap, VecDeque};
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

thread_local! {
    /// The snapshot this thread reads through (`PgEngine::snapshot`): the engine it belongs
    /// to (by address) and its connection, inside a REPEATABLE READ transaction.
    static SNAPSHOT: std::cell::RefCell<Option<(usize, Conn)>> = const { std::cell::RefCell::new(None) };
}

/// The schema a shop lives in when the URL names none.
pub(crate) const DEFAULT_SCHEMA: &str = "shopcore";

/// The first key of the shop's advisory locks (the second is the schema's hash): "shop".
const LOCK_SPACE: i32 = 0x7368_6f70;
/// Records a range query reads per round trip.
const PAGE_ROWS: i64 = 512;

/// The migrations of the PostgreSQL schema, in order: version `i + 1` is entry `i`. Each
/// runs in its own transaction. Never edit one that has shipped: add the next.
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "one table per store table: key, encoded value and JSON",
        include_str!("postgres/0001_records.sql"),
    ),
    (
        "typed columns, constraints, indexes and reading views",
        include_str!("postgres/0002_columns.sql"),
    ),
    (
        "the leases of periodic jobs",
        include_str!("postgres/0003_leases.sql"),
    ),
    (
        "the web panel's sign-in links and sessions",
        include_str!("postgres/0004_panel.sql"),
    ),
    (
        "invoices of payment providers and their payments",
        include_str!("postgres/0005_invoices.sql"),
    ),
    (
        "the shoppers who muted broadcasts",
        include_str!("postgres/0006_broadcast_mutes.sql"),
    ),
    (
        "the search index of product names",
        include_str!("postgres/0007_search.sql"),
    ),
    (
        "the shop's time zone",
        include_str!("postgres/0008_time_zone.sql"),
    ),
    (
        "product photos",
        include_str!("postgres/0009_product_photos.sql"),
    ),
    ("referrals", include_str!("postgres/0010_referrals.sql")),
    (
        "recommendations",
        include_str!("postgres/0011_recommendations.sql"),
    ),
    ("quantities", include_str!("postgres/0012_quantities.sql")),
    (
        "commits that lock the records they touch",
        include_str!("postgres/0013_commits.sql"),
    ),
];

/// A PostgreSQL location split into the client's configuration and the shop's schema.
pub(crate) struct Target {
    config: postgres::Config,
    schema: String,
    /// For messages: the URL without its password.
    shown: String,
}

impl Target {
    /// Reads a `postgres://` (or `postgresql://`) URL; `schema=NAME` among its parameters
    /// names the schema (a lowercase SQL identifier), the rest go to the client.
    pub(crate) fn parse(url: &str) -> Result<Target, StoreError> {
        let bad = |reason: String| StoreError::Storage {
            reason: format!("the PostgreSQL URL is not valid: {reason}"),
        };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut schema = DEFAULT_SCHEMA.to_owned();
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", name)) => schema = name.to_owned(),
                _ => rest.push(pair),
            }
        }
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !schema.starts_with(|c: char| c.is_ascii_digit())
            && !schema.starts_with("pg_");
        if !valid {
            return Err(bad(format!(
                "schema {schema:?}: use lowercase letters, digits and _, not starting with a digit or pg_"
            )));
        }
        let client_url = if rest.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let config: postgres::Config = client_url.parse().map_err(|e| bad(format!("{e}")))?;
        let shown = shown_url(&config, &schema);
        Ok(Target {
            config,
            schema,
            shown,
        })
    }
}

/// `postgres://user@host:port/db (schema s)`, never the password.
fn shown_url(config: &postgres::Config, schema: &str) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{} (schema {schema})",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// A client that is closed on a thread of its own: the synchronous client blocks on its
/// runtime when dropped, which panics on a thread that drives an async runtime — where a
/// frontend may well drop its last handle to the shop.
struct OwnedClient(Option<Client>);

impl std::ops::Deref for OwnedClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("a client until dropped")
    }
}

impl std::ops::DerefMut for OwnedClient {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("a client until dropped")
    }
}

impl Drop for OwnedClient {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// One connection with its prepared statements.
pub(crate) struct Conn {
    client: OwnedClient,
    statements: HashMap<String, Statement>,
    /// A call on it found the server gone: the pool drops it.
    broken: bool,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").finish_non_exhaustive()
    }
}

/// A new connection to the server `shown` names (for messages).
fn connect(config: &postgres::Config, shown: &str) -> Result<OwnedClient, StoreError> {
    config
        .connect(NoTls)
        .map(|client| OwnedClient(Some(client)))
        .map_err(|e| StoreError::Unavailable {
            reason: format!(
                "cannot connect to PostgreSQL at {shown}: {}",
                error_text(&e)
            ),
        })
}

impl Conn {
    fn connect(config: &postgres::Config, schema: &str, shown: &str) -> Result<Conn, StoreError> {
        let mut client = connect(config, shown)?;
        client
            .batch_execute(&format!("SET search_path TO {}", ident(schema)))
            .map_err(pg_error)?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
            broken: false,
        })
    }

    /// The prepared statement for `sql`, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(pg_error)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params).map_err(pg_error)
    }
}

/// The pool's connection manager.
#[derive(Debug)]
struct Manager {
    config: postgres::Config,
    schema: String,
    shown: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = StoreError;

    fn connect(&self) -> Result<Conn, StoreError> {
        Conn::connect(&self.config, &self.schema, &self.shown)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), StoreError> {
        conn.client.simple_query("").map(|_| ()).map_err(pg_error)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

/// The writer's connection and the batch it is running.
#[derive(Debug, Default)]
struct WriterConn {
    conn: Option<Conn>,
    /// How the running batch reads: `None` before its first read or write.
    batch: Option<Batch>,
    /// A batch read under the shop's lock broke after it began: what its bodies read is no
    /// longer protected by the lock, so nothing more of it may run or be applied; it fails
    /// as a whole, and the next batch starts afresh.
    lost: bool,
    /// Records this writer read or wrote (`None`: absent), by full key, as it last saw
    /// them. Another process may have changed any of them since: a batch's commit compares
    /// every record its bodies read with the database (`shopcore_commit`), so a stale one
    /// is found there and the bodies run again on its current value.
    cache: HashMap<Vec<u8>, Option<IVec>>,
    /// What the running (optimistic) batch's bodies read, by full key: the value they saw.
    reads: HashMap<Vec<u8>, Option<IVec>>,
    /// After a conflict, batches read under the shop's lock until then: contention is
    /// bursty, and a batch under the lock cannot conflict, so no body runs more than twice.
    locked_until: Option<Instant>,
}

/// How a batch's bodies read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Batch {
    /// From the cache or the database without a lock; compared at commit.
    Optimistic,
    /// Inside a transaction holding the shop's lock exclusively (begun at the batch's first
    /// read): every read is current and stays so until COMMIT.
    Locked,
}

/// Records a commit found changed, by full key, with their current values (`None`: absent).
type Changed = Vec<(Vec<u8>, Option<IVec>)>;

/// The writer's cache is emptied when it holds more records than this.
const CACHE_RECORDS_MAX: usize = 100_000;
/// A batch that would lock more records than this takes the shop's lock exclusively at
/// commit instead: advisory locks live in the server's shared lock table, which is sized
/// for about 64 per connection.
const COMMIT_LOCKS_MAX: usize = 256;
/// How long batches read under the shop's lock after a conflict.
const LOCKED_AFTER_CONFLICT: Duration = Duration::from_secs(1);

/// One table's part of a batch: keys, values and bodies put, keys removed.
type TableWrites<'w> = (
    Vec<&'w [u8]>,
    Vec<&'w [u8]>,
    Vec<Option<String>>,
    Vec<&'w [u8]>,
);

/// A shop's records in PostgreSQL.
pub(crate) struct PgEngine {
    pool: r2d2::Pool<Manager>,
    writer: Mutex<WriterConn>,
    config: postgres::Config,
    schema: String,
    shown: String,
    /// The second key of the shop's advisory locks.
    lock_key: i32,
    synchronous: bool,
    /// Table names by tag.
    names: [Option<&'static str>; 256],
    /// How values of the kinds people read are shown (`body`).
    describers: Vec<super::describe::Describer>,
    /// Batches whose reads had changed when they committed.
    conflicts: AtomicU64,
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

/// An SQL identifier, quoted.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The text of a client error: the server's message when it sent one.
fn error_text(e: &postgres::Error) -> String {
    match (e.as_db_error(), std::error::Error::source(e)) {
        (Some(db), _) => format!("{}: {}", db.code().code(), db.message()),
        (None, Some(cause)) => format!("{e}: {cause}"),
        (None, None) => e.to_string(),
    }
}

/// A client error as a store error: a lost or refused connection is `Unavailable`, the
/// server's refusals are `Storage` with its message.
fn pg_error(e: postgres::Error) -> StoreError {
    let unavailable = e.is_closed()
        || e.as_db_error().is_some_and(|db| {
            // Class 08: connection exceptions; 57P01-57P03: the server shutting down or
            // starting.
            let code = db.code().code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
        })
        || std::error::Error::source(&e).is_some_and(|cause| cause.is::<std::io::Error>());
    if unavailable {
        StoreError::Unavailable {
            reason: format!("PostgreSQL: {}", error_text(&e)),
        }
    } else {
        StoreError::Storage {
            reason: format!("PostgreSQL: {}", error_text(&e)),
        }
    }
}

/// A stable 32-bit hash of the schema's name, for its advisory locks.
fn lock_key(schema: &str) -> i32 {
    // FNV-1a: stable across builds and platforms (std's hasher is not).
    let mut h: u32 = 0x811c_9dc5;
    for b in schema.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    i32::from_ne_bytes(h.to_ne_bytes())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PgEngine {
    /// Connects, creates the schema or brings it up to date ([`MIGRATIONS`]).
    pub(crate) fn open(
        url: &str,
        config: &Config,
        describers: Vec<super::describe::Describer>,
    ) -> Result<PgEngine, StoreError> {
        let Target {
            config: pg,
            schema,
            shown,
        } = Target::parse(url)?;
        let key = lock_key(&schema);
        migrate(&pg, &schema, &shown, key)?;
        let pool = r2d2::Pool::builder()
            .max_size(config.postgres_connections.max(1))
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(10))
            .build_unchecked(Manager {
                config: pg.clone(),
                schema: schema.clone(),
                shown: shown.clone(),
            });
        let mut names = [None; 256];
        for table in Table::ALL {
            names[usize::from(table.tag())] = Some(table.name());
        }
        Ok(PgEngine {
            pool,
            writer: Mutex::new(WriterConn::default()),
            config: pg,
            schema,
            shown,
            lock_key: key,
            synchronous: config.durability != Durability::Background,
            names,
            describers,
            conflicts: AtomicU64::new(0),
        })
    }

    /// The database, for messages (no password).
    pub(crate) fn describe(&self) -> String {
        self.shown.clone()
    }

    /// The JSON shown for a record, when its kind is described.
    fn body(&self, full: &[u8], value: &[u8]) -> Result<Option<String>, StoreError> {
        let Some((tag, key)) = full.split_first() else {
            return Ok(None);
        };
        let Some(table) = Table::ALL.into_iter().find(|t| t.tag() == *tag) else {
            return Ok(None);
        };
        match super::describe::find(&self.describers, table, key) {
            Some(describer) => Ok(Some((describer.render)(key, value)?.to_string())),
            None => Ok(None),
        }
    }

    /// The table holding `full`'s record, and the key within it.
    fn split<'k>(&self, full: &'k [u8]) -> Result<(&'static str, &'k [u8]), StoreError> {
        let (tag, key) = full.split_first().ok_or_else(|| StoreError::Storage {
            reason: "an empty key".into(),
        })?;
        let name = self.names[usize::from(*tag)].ok_or_else(|| StoreError::Storage {
            reason: format!("no table has tag {tag}"),
        })?;
        Ok((name, key))
    }

    /// Runs `f` on a pooled connection. When the server was gone (a connection the pool
    /// kept from before a restart), the connection is dropped and `f` runs again on
    /// another, up to the pool's size: `f` must be safe to repeat (reads, and writes that
    /// put the same values again).
    fn with_conn<T>(
        &self,
        mut f: impl FnMut(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let me = std::ptr::from_ref(self) as usize;
        let in_snapshot = SNAPSHOT.with(|snapshot| {
            let mut snapshot = snapshot.borrow_mut();
            match snapshot.as_mut() {
                Some((engine, conn)) if *engine == me => Some(f(conn)),
                _ => None,
            }
        });
        if let Some(result) = in_snapshot {
            return result;
        }
        let attempts = self.pool.max_size() + 1;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.pool.get().map_err(|e| StoreError::Unavailable {
                reason: format!("no connection to PostgreSQL at {}: {e}", self.shown),
            })?;
            match f(&mut conn) {
                Err(e @ StoreError::Unavailable { .. }) => {
                    conn.broken = true;
                    if attempt >= attempts {
                        return Err(e);
                    }
                }
                other => return other,
            }
        }
    }

    pub(crate) fn get(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        let (table, key) = self.split(full)?;
        let sql = format!("SELECT v FROM {} WHERE k = $1", ident(table));
        self.with_conn(|conn| {
            let rows = conn.query(&sql, &[&key])?;
            Ok(rows.first().map(|row| IVec::from(row.get::<_, &[u8]>(0))))
        })
    }

    /// The writer, its connection made when needed and its batch begun: a batch that reads
    /// under the shop's lock (after a conflict) opens its transaction and takes the lock.
    fn turn(&self) -> Result<MutexGuard<'_, WriterConn>, StoreError> {
        let mut writer = lock(&self.writer);
        if writer.lost {
            return Err(lost_batch());
        }
        if writer.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            writer.conn = None;
            if writer.batch == Some(Batch::Locked) {
                // The connection closed under an open batch.
                writer.batch = None;
                writer.lost = true;
                return Err(lost_batch());
            }
        }
        if writer.conn.is_none() {
            let mut conn = Conn::connect(&self.config, &self.schema, &self.shown)?;
            if !self.synchronous {
                conn.client
                    .batch_execute("SET synchronous_commit = off")
                    .map_err(pg_error)?;
            }
            writer.conn = Some(conn);
        }
        if writer.batch.is_none() {
            if writer.cache.len() > CACHE_RECORDS_MAX {
                writer.cache.clear();
            }
            let locked = writer
                .locked_until
                .is_some_and(|until| Instant::now() < until);
            if locked {
                let sql = format!(
                    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({LOCK_SPACE}, {})",
                    self.lock_key
                );
                let conn = writer.conn.as_mut().expect("connected above");
                if let Err(e) = conn.client.batch_execute(&sql).map_err(pg_error) {
                    writer.conn = None;
                    return Err(e);
                }
                writer.batch = Some(Batch::Locked);
            } else {
                writer.locked_until = None;
                writer.batch = Some(Batch::Optimistic);
            }
        }
        Ok(writer)
    }

    /// Reads one record for a transaction body. The batch's bodies see one value per
    /// record: the first read's. An optimistic batch reads the writer's cache when it holds
    /// the record, the database otherwise, and remembers what it saw for the commit to
    /// compare; a locked batch reads the database.
    pub(crate) fn get_in_turn(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        let (table, key) = self.split(full)?;
        let sql = format!("SELECT v FROM {} WHERE k = $1", ident(table));
        let mut guard = self.turn()?;
        let writer = &mut *guard;
        if let Some(seen) = writer.reads.get(full) {
            return Ok(seen.clone());
        }
        let locked = writer.batch == Some(Batch::Locked);
        if !locked && let Some(cached) = writer.cache.get(full) {
            let cached = cached.clone();
            writer.reads.insert(full.to_vec(), cached.clone());
            return Ok(cached);
        }
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        match conn.query(&sql, &[&key]) {
            Ok(rows) => {
                let value = rows.first().map(|row| IVec::from(row.get::<_, &[u8]>(0)));
                writer.cache.insert(full.to_vec(), value.clone());
                writer.reads.insert(full.to_vec(), value.clone());
                Ok(value)
            }
            Err(e) => {
                if locked {
                    // The transaction is aborted: the batch fails (its bodies learn it when
                    // it is applied) and the next one starts afresh.
                    abandon(writer);
                } else if matches!(e, StoreError::Unavailable { .. }) {
                    writer.conn = None;
                }
                Err(e)
            }
        }
    }

    /// The lock of one record (an advisory lock key): a hash of the shop's schema and the
    /// record's full key. Two records sharing one only wait for each other needlessly.
    fn record_lock(&self, full: &[u8]) -> i64 {
        // FNV-1a, 64 bits: stable across builds and processes.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.lock_key.to_le_bytes().iter().chain(full) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        i64::from_ne_bytes(h.to_ne_bytes())
    }

    /// Writes `writes` on `conn`, inside its open transaction: one statement, one round
    /// trip, whatever the tables.
    fn write(&self, conn: &mut Conn, writes: &Writes) -> Result<(), StoreError> {
        let mut by_table: std::collections::BTreeMap<&'static str, TableWrites<'_>> =
            std::collections::BTreeMap::new();
        for (full, value) in writes {
            let (table, key) = self.split(full)?;
            let body = match value {
                Some(value) => self.body(full, value)?,
                None => None,
            };
            let (keys, values, bodies, removed) = by_table.entry(table).or_default();
            match value {
                Some(value) => {
                    keys.push(key);
                    values.push(value);
                    bodies.push(body);
                }
                None => removed.push(key),
            }
        }
        let mut parts = Vec::new();
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        for (table, (keys, values, bodies, removed)) in &by_table {
            if !removed.is_empty() {
                params.push(removed);
                parts.push(format!(
                    "w{n} AS (DELETE FROM {t} WHERE k = ANY(${n}))",
                    n = params.len(),
                    t = ident(table)
                ));
            }
            if !keys.is_empty() {
                params.push(keys);
                params.push(values);
                params.push(bodies);
                parts.push(format!(
                    "w{n} AS (INSERT INTO {t} (k, v, body) \
                     SELECT k, v, b::jsonb FROM unnest(${k}::bytea[], ${v}::bytea[], ${n}::text[]) AS u(k, v, b) \
                     ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, body = EXCLUDED.body)",
                    k = params.len() - 2,
                    v = params.len() - 1,
                    n = params.len(),
                    t = ident(table)
                ));
            }
        }
        if parts.is_empty() {
            return Ok(());
        }
        let sql = format!("WITH {} SELECT 1", parts.join(", "));
        conn.query(&sql, &params).map(|_| ())
    }

    /// Commits an optimistic batch in one call of `shopcore_commit` (one round trip, its
    /// own transaction): under the shop's lock in shared mode and a lock per record read or
    /// written (taken in ascending order), every record read is compared with what the
    /// bodies saw and, when none changed, `writes` are written. Returns the records that
    /// changed, with their current values (`None`: absent); empty when committed.
    fn commit(
        &self,
        conn: &mut Conn,
        reads: &HashMap<Vec<u8>, Option<IVec>>,
        writes: &Writes,
    ) -> Result<Changed, StoreError> {
        let mut read_tables = Vec::with_capacity(reads.len());
        let mut read_keys = Vec::with_capacity(reads.len());
        let mut read_digests = Vec::with_capacity(reads.len());
        for (full, seen) in reads {
            let (table, key) = self.split(full)?;
            read_tables.push(table);
            read_keys.push(key);
            read_digests.push(seen.as_ref().map(|v| Sha256::digest(v).to_vec()));
        }
        let mut write_tables = Vec::with_capacity(writes.len());
        let mut write_keys = Vec::with_capacity(writes.len());
        let mut write_values = Vec::with_capacity(writes.len());
        let mut write_bodies = Vec::with_capacity(writes.len());
        for (full, value) in writes {
            let (table, key) = self.split(full)?;
            write_tables.push(table);
            write_keys.push(key);
            write_values.push(value.as_deref());
            write_bodies.push(match value {
                Some(value) => self.body(full, value)?,
                None => None,
            });
        }
        // A batch that writes nothing needs no lock: its reads are compared in one
        // statement, one moment of the shop.
        let mut locks: Vec<i64> = if writes.is_empty() {
            Vec::new()
        } else {
            reads
                .keys()
                .map(|k| k.as_slice())
                .chain(writes.keys().map(|k| &k[..]))
                .map(|full| self.record_lock(full))
                .collect()
        };
        locks.sort_unstable();
        locks.dedup();
        let exclusive = locks.len() > COMMIT_LOCKS_MAX;
        if exclusive {
            locks.clear();
        }
        let rows = conn.query(
            "SELECT table_name, k, v FROM shopcore_commit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &LOCK_SPACE,
                &self.lock_key,
                &exclusive,
                &locks,
                &read_tables,
                &read_keys,
                &read_digests,
                &write_tables,
                &write_keys,
                &write_values,
                &write_bodies,
            ],
        )?;
        rows.iter()
            .map(|row| {
                let name: &str = row.get(0);
                let key: &[u8] = row.get(1);
                let value: Option<&[u8]> = row.get(2);
                let table = Table::ALL
                    .into_iter()
                    .find(|t| t.name() == name)
                    .ok_or_else(|| StoreError::Storage {
                        reason: format!("PostgreSQL: shopcore_commit named table {name:?}"),
                    })?;
                Ok((super::full_key(table, key), value.map(IVec::from)))
            })
            .collect()
    }

    /// Applies the batch's writes: an optimistic batch commits if nothing it read has
    /// changed (otherwise `StoreError::Conflict`, and batches read under the shop's lock for
    /// a while); a locked batch writes and commits its transaction.
    pub(crate) fn apply(&self, writes: Writes) -> Result<(), StoreError> {
        let mut guard = match self.turn() {
            Ok(writer) => writer,
            Err(e) => {
                // The batch ends here, failed: the next starts afresh.
                let mut writer = lock(&self.writer);
                writer.lost = false;
                writer.reads.clear();
                return Err(e);
            }
        };
        let writer = &mut *guard;
        let batch = writer.batch.take();
        let reads = std::mem::take(&mut writer.reads);
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        let result = match batch {
            Some(Batch::Locked) => self.write(conn, &writes).and_then(|()| {
                conn.client
                    .batch_execute("COMMIT")
                    .map_err(pg_error)
                    .map(|()| Vec::new())
            }),
            _ => self.commit(conn, &reads, &writes),
        };
        match result {
            Ok(changed) if changed.is_empty() => {
                for (key, value) in writes {
                    writer.cache.insert(key.to_vec(), value);
                }
                Ok(())
            }
            Ok(changed) => {
                for (key, value) in changed {
                    writer.cache.insert(key, value);
                }
                Err(self.conflicted(writer))
            }
            Err(e) => {
                if batch == Some(Batch::Locked) {
                    abandon(writer);
                    writer.lost = false;
                } else if matches!(e, StoreError::Unavailable { .. }) {
                    writer.conn = None;
                }
                // Whether the commit took effect may be unknown: forget what was cached.
                writer.cache.clear();
                if is_conflict(&e) {
                    return Err(self.conflicted(writer));
                }
                Err(e)
            }
        }
    }

    /// A batch conflicted: it is counted, and batches read under the shop's lock for a while.
    fn conflicted(&self, writer: &mut WriterConn) -> StoreError {
        self.conflicts.fetch_add(1, Ordering::Relaxed);
        writer.locked_until = Some(Instant::now() + LOCKED_AFTER_CONFLICT);
        StoreError::Conflict
    }

    /// Batches that conflicted since the engine opened.
    pub(crate) fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    pub(crate) fn end_turn(&self) {
        let mut writer = lock(&self.writer);
        writer.lost = false;
        writer.reads.clear();
        if writer.batch.take() == Some(Batch::Locked) {
            let rolled_back = writer
                .conn
                .as_mut()
                .is_some_and(|c| c.client.batch_execute("ROLLBACK").is_ok());
            if !rolled_back {
                writer.conn = None;
            }
        }
    }

    pub(crate) fn apply_direct(&self, writes: Writes) -> Result<(), StoreError> {
        let key = self.lock_key;
        self.with_conn(|conn| {
            conn.client.batch_execute("BEGIN").map_err(pg_error)?;
            let result = conn
                .query("SELECT pg_advisory_xact_lock($1, $2)", &[&LOCK_SPACE, &key])
                .and_then(|_| self.write(conn, &writes))
                .and_then(|_| conn.client.batch_execute("COMMIT").map_err(pg_error));
            if result.is_err() {
                let _ = conn.client.batch_execute("ROLLBACK");
            }
            result
        })
    }

    /// Runs `read` with every read of this engine on this thread (outside the writer) seeing
    /// one state: a REPEATABLE READ, READ ONLY transaction of its own, so that commits of any
    /// process while it runs are invisible to it, and nobody waits for it.
    pub(crate) fn snapshot<T>(&self, read: impl FnOnce() -> T) -> Result<T, StoreError> {
        let mut conn = Conn::connect(&self.config, &self.schema, &self.shown)?;
        conn.client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(pg_error)?;
        let me = std::ptr::from_ref(self) as usize;
        let outer = SNAPSHOT.with(|snapshot| snapshot.borrow_mut().replace((me, conn)));
        struct Restore(Option<Option<(usize, Conn)>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let outer = self.0.take().flatten();
                let ours =
                    SNAPSHOT.with(|snapshot| std::mem::replace(&mut *snapshot.borrow_mut(), outer));
                if let Some((_, mut conn)) = ours {
                    let _ = conn.client.batch_execute("COMMIT");
                }
            }
        }
        let restore = Restore(Some(outer));
        let result = read();
        drop(restore);
        Ok(result)
    }

    pub(crate) fn range(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
        keys_only: bool,
    ) -> Items<'_> {
        Box::new(Pages {
            engine: self,
            table: table.name(),
            lower,
            upper,
            reverse,
            keys_only,
            buffer: VecDeque::new(),
            done: false,
        })
    }

    pub(crate) fn count(
        &self,
        table: Table,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    ) -> Result<u64, StoreError> {
        let (conditions, params) = bounds_sql(&lower, &upper);
        let sql = format!("SELECT count(*) FROM {}{conditions}", ident(table.name()));
        self.with_conn(|conn| {
            let params: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| *p as &(dyn ToSql + Sync)).collect();
            let rows = conn.query(&sql, &params)?;
            let n: i64 = rows[0].get(0);
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    pub(crate) fn is_empty(&self) -> Result<bool, StoreError> {
        let any = Table::ALL
            .iter()
            .map(|t| format!("SELECT 1 FROM {}", ident(t.name())))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!("SELECT EXISTS ({any})");
        self.with_conn(|conn| Ok(!conn.query(&sql, &[])?[0].get::<_, bool>(0)))
    }

    pub(crate) fn flush(&self) -> Result<(), StoreError> {
        // Commits are durable when they return (see the module's doc).
        Ok(())
    }

    pub(crate) fn size_on_disk(&self) -> Result<u64, StoreError> {
        let schema = self.schema.clone();
        self.with_conn(|conn| {
            let rows = conn.query(
                "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relkind = 'r'",
                &[&schema],
            )?;
            Ok(u64::try_from(rows[0].get::<_, i64>(0)).unwrap_or(0))
        })
    }
}

/// Ends a locked batch whose transaction failed: it is rolled back (or its connection
/// dropped), and the rest of the batch fails with it (`WriterConn::lost`).
fn abandon(writer: &mut WriterConn) {
    if let Some(conn) = writer.conn.as_mut()
        && conn.client.batch_execute("ROLLBACK").is_err()
    {
        writer.conn = None;
    }
    if writer.batch.take() == Some(Batch::Locked) {
        writer.lost = true;
    }
    writer.cache.clear();
    writer.reads.clear();
}

/// A serialization failure or a deadlock the server broke: the batch runs again.
fn is_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Storage { reason } if reason.starts_with("PostgreSQL: 40001") || reason.starts_with("PostgreSQL: 40P01"))
}

fn lost_batch() -> StoreError {
    StoreError::Unavailable {
        reason: "the connection to PostgreSQL broke during this transaction's batch, which was rolled back".into(),
    }
}

/// ` WHERE …` for two bounds on `k`, and its parameters.
fn bounds_sql<'b>(
    lower: &'b Bound<Vec<u8>>,
    upper: &'b Bound<Vec<u8>>,
) -> (String, Vec<&'b Vec<u8>>) {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    for (bound, included, excluded) in [(lower, ">=", ">"), (upper, "<=", "<")] {
        let (op, key) = match bound {
            Bound::Included(k) => (included, k),
            Bound::Excluded(k) => (excluded, k),
            Bound::Unbounded => continue,
        };
        params.push(key);
        conditions.push(format!("k {op} ${}", params.len()));
    }
    if conditions.is_empty() {
        (String::new(), params)
    } else {
        (format!(" WHERE {}", conditions.join(" AND ")), params)
    }
}

/// A range read a page at a time (keyset pagination), each page on a pooled connection
/// returned between pages.
struct Pages<'a> {
    engine: &'a PgEngine,
    table: &'static str,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    keys_only: bool,
    buffer: VecDeque<(Vec<u8>, IVec)>,
    done: bool,
}

impl Pages<'_> {
    fn fill(&mut self) -> Result<(), StoreError> {
        let (conditions, params) = bounds_sql(&self.lower, &self.upper);
        let sql = format!(
            "SELECT k, {} FROM {}{conditions} ORDER BY k{} LIMIT {PAGE_ROWS}",
            if self.keys_only { "''::bytea" } else { "v" },
            ident(self.table),
            if self.reverse { " DESC" } else { "" },
        );
        let rows = self.engine.with_conn(|conn| {
            let params: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| *p as &(dyn ToSql + Sync)).collect();
            conn.query(&sql, &params)
        })?;
        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < PAGE_ROWS {
            self.done = true;
        }
        for row in &rows {
            let k: Vec<u8> = row.get(0);
            let v: &[u8] = row.get(1);
            self.buffer.push_back((k, IVec::from(v)));
        }
        if let Some((last, _)) = self.buffer.back() {
            let after = Bound::Excluded(last.clone());
            if self.reverse {
                self.upper = after;
            } else {
                self.lower = after;
            }
        }
        Ok(())
    }
}

impl Iterator for Pages<'_> {
    type Item = Result<(Vec<u8>, IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buffer.is_empty()
            && !self.done
            && let Err(e) = self.fill()
        {
            self.done = true;
            return Some(Err(e));
        }
        self.buffer.pop_front().map(Ok)
    }
}

/// Creates the schema and applies the migrations it lacks, under a session advisory lock
/// (processes opening together wait for each other). Refuses a schema a newer build
/// migrated.
fn migrate(
    config: &postgres::Config,
    schema: &str,
    shown: &str,
    key: i32,
) -> Result<(), StoreError> {
    let mut client = connect(config, shown)?;
    client
        .query(
            "SELECT pg_advisory_lock($1, $2)",
            &[&(LOCK_SPACE + 1), &key],
        )
        .map_err(pg_error)?;
    let result = (|| {
        client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}; \
                 CREATE TABLE IF NOT EXISTS shopcore_migrations ( \
                     version integer PRIMARY KEY, \
                     name text NOT NULL, \
                     applied_at timestamptz NOT NULL DEFAULT now())",
                s = ident(schema)
            ))
            .map_err(pg_error)?;
        let found: i32 = client
            .query_one(
                "SELECT COALESCE(max(version), 0) FROM shopcore_migrations",
                &[],
            )
            .map_err(pg_error)?
            .get(0);
        let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        if found > known {
            return Err(StoreError::Storage {
                reason: format!(
                    "the PostgreSQL schema at {shown} was migrated by a newer shopcore (version {found}; this build knows up to {known}); upgrade shopcore"
                ),
            });
        }
        for (version, (name, sql)) in (1..)
            .zip(MIGRATIONS)
            .skip(usize::try_from(found).unwrap_or(0))
        {
            let mut tx = client.transaction().map_err(pg_error)?;
            tx.batch_execute(sql).map_err(|e| StoreError::Storage {
                reason: format!(
                    "PostgreSQL migration {version} ({name}) failed at {shown}: {}",
                    error_text(&e)
                ),
            })?;
            tx.execute(
                "INSERT INTO shopcore_migrations (version, name) VALUES ($1, $2)",
                &[&version, name],
            )
            .map_err(pg_error)?;
            tx.commit().map_err(pg_error)?;
        }
        Ok(())
    })();
    let _ = client.query(
        "SELECT pg_advisory_unlock($1, $2)",
        &[&(LOCK_SPACE + 1), &key],
    );
    result
}

#[cfg(test)]
mod tests {
    use super::super::{Store, Table};
    use crate::clock::Timestamp;
    use crate::config::{Config, Location};
    use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    const T: Table = Table::Sessions;

    /// A schema of its own on the test server (the one the integration tests use), dropped
    /// at the end; `None` without a server, outside CI.
    struct TestSchema {
        base: String,
        name: String,
    }

    impl TestSchema {
        fn from_env() -> Option<TestSchema> {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let Some(base) = std::env::var("SHOPCORE_TEST_POSTGRES_URL")
                .ok()
                .filter(|url| !url.is_empty())
            else {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "CI runs the PostgreSQL tests"
                );
                return None;
            };
            let name = format!(
                "unit{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            Some(TestSchema { base, name })
        }

        fn url(&self) -> String {
            let sep = if self.base.contains('?') { '&' } else { '?' };
            format!("{}{sep}schema={}", self.base, self.name)
        }
    }

    impl Drop for TestSchema {
        fn drop(&mut self) {
            let (base, name) = (self.base.clone(), self.name.clone());
            let _ = std::thread::spawn(move || {
                if let Ok(mut client) = postgres::Client::connect(&base, postgres::NoTls) {
                    let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
                }
            })
            .join();
        }
    }

    /// A store on `schema`: each is another process as far as the database can tell.
    fn open(schema: &TestSchema) -> Store {
        Store::open_at(
            &Location::Postgres(schema.url()),
            &Config::default(),
            &[],
            Default::default(),
            Default::default(),
        )
        .expect("a new store opens")
    }

    fn read(store: &Store, key: &[u8]) -> Option<u32> {
        store.read::<u32>(T, key).unwrap()
    }

    #[test]
    fn a_body_running_in_one_process_holds_up_no_commit_of_another() {
        let Some(schema) = TestSchema::from_env() else {
            return;
        };
        let (a, b) = (open(&schema), open(&schema));
        a.transact(Timestamp(0), |tx| tx.put(T, b"x", &0u32))
            .unwrap();
        let (entered_tx, entered) = mpsc::channel();
        let (go_tx, go) = mpsc::channel::<()>();
        let go = std::sync::Mutex::new(go);
        let first_run = AtomicBool::new(true);
        let runs = AtomicU32::new(0);
        std::thread::scope(|scope| {
            let held = scope.spawn(|| {
                b.transact(Timestamp(0), |tx| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    let x: u32 = tx.get(T, b"x")?.unwrap_or(0);
                    if first_run.swap(false, Ordering::Relaxed) {
                        // Hold the body here, having read x, until the other process
                        // committed.
                        entered_tx.send(()).unwrap();
                        go.lock().unwrap().recv().unwrap();
                    }
                    tx.put(T, b"x", &(x + 1))
                })
            });
            entered.recv().unwrap();
            // The other process commits to another record and to x itself, and neither
            // waits for the body in flight (with one lock per shop, both would).
            let (done_tx, done) = mpsc::channel();
            let a = &a;
            scope.spawn(move || {
                a.transact(Timestamp(0), |tx| tx.put(T, b"y", &1u32))
                    .unwrap();
                a.transact(Timestamp(0), |tx| {
                    let x: u32 = tx.get(T, b"x")?.unwrap_or(0);
                    tx.put(T, b"x", &(x + 10))
                })
                .unwrap();
                done_tx.send(()).unwrap();
            });
            let waited = done.recv_timeout(Duration::from_secs(20));
            go_tx.send(()).unwrap();
            assert!(waited.is_ok(), "a commit waited for a body in flight");
            held.join().unwrap().unwrap();
        });
        // The held body's first run read x = 0, which the other process changed: it ran
        // again, on 10.
        assert_eq!(runs.load(Ordering::Relaxed), 2);
        assert_eq!(b.counters().conflicts, 1);
        assert_eq!(a.counters().conflicts, 0);
        assert_eq!(read(&a, b"x"), Some(11));
        assert_eq!(read(&b, b"y"), Some(1));
    }

    #[test]
    fn two_processes_moving_overlapping_records_in_any_order_lose_no_change() {
        let Some(schema) = TestSchema::from_env() else {
            return;
        };
        let stores = [open(&schema), open(&schema)];
        const KEYS: u32 = 5;
        const THREADS: u32 = 3;
        const ROUNDS: u32 = 40;
        std::thread::scope(|scope| {
            for (s, store) in stores.iter().enumerate() {
                for t in 0..THREADS {
                    scope.spawn(move || {
                        for round in 0..ROUNDS {
                            // Three of the five records, in an order of this round's own.
                            let seed = u32::try_from(s).unwrap() * 7 + t * 3 + round;
                            let keys: Vec<[u8; 1]> = (0..3)
                                .map(
                                    |i| [u8::try_from((seed + i * (1 + seed % 4)) % KEYS).unwrap()],
                                )
                                .collect();
                            store
                                .transact(Timestamp(0), |tx| {
                                    for key in &keys {
                                        let n: u32 = tx.get(T, key)?.unwrap_or(0);
                                        tx.put(T, key, &(n + 1))?;
                                    }
                                    let total: u32 = tx.get(T, b"total")?.unwrap_or(0);
                                    tx.put(T, b"total", &(total + 3))
                                })
                                .unwrap();
                        }
                    });
                }
            }
        });
        let sum: u32 = (0..KEYS)
            .map(|k| read(&stores[0], &[u8::try_from(k).unwrap()]).unwrap_or(0))
            .sum();
        let expected = 2 * THREADS * ROUNDS * 3;
        assert_eq!(sum, expected, "every increment kept");
        assert_eq!(read(&stores[1], b"total"), Some(expected));
    }
}
