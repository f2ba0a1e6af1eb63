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
//! their writes in batches (`writer.rs`). Here the bodies of a batch read what the writer
//! last saw (its cache, or the database on the writer's connection, outside any
//! transaction), and the writer remembers each record the batch read, with its row's
//! `xmin`. The batch commits in one transaction: `shopcore_lock` (migration 13) takes the
//! shop's lock in shared mode and one advisory lock per record read or written (in
//! ascending order: no deadlock between commits) and reads the sum of every writer's
//! commit count (`shopcore_writers`); when another writer committed since the cache was
//! current, one statement compares the records read with their rows and writes only if
//! none changed, otherwise it just writes. A change found makes the store run the batch's
//! bodies again (`StoreError::Conflict`, handled in `Store::transact`), and for a second
//! the writer's batches are *locked*: one transaction holding the shop's lock exclusively
//! from the first read to COMMIT, which cannot conflict. Reads outside transactions
//! (listings, scans) use pooled connections and see committed batches only; `snapshot`
//! makes a thread's reads one REPEATABLE READ state (`verify()`, backups). See
//! ARCHITECTURE.md, "PostgreSQL".
//!
//! **Durability.** A commit returns once PostgreSQL has flushed its WAL
//! (`synchronous_commit` on), so a batch is durable when `apply` returns; under
//! `Durability::Background` the writer's connection sets `synchronous_commit = off`.

use super::engine::Items;
use super::writer::Writes;
use super::{StoreError, Table};
use crate::config::{Config, Durability};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};
use sled::IVec;
use std::collections::{BTreeMap, HashMap, VecDeque};
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
    ("lanes", include_str!("postgres/0014_lanes.sql")),
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
    /// them. Another process may have changed any of them since: then the writers' sum
    /// has moved, a batch's commit compares every record its bodies read with the
    /// database (`commit`), a stale one is found there and the bodies run again on its
    /// current value.
    cache: HashMap<Vec<u8>, Seen>,
    /// What the running batch's bodies read, by full key: the version they saw.
    reads: HashMap<Vec<u8>, Seen>,
    /// After a conflict, batches read under the shop's lock until then: contention is
    /// bursty, and a batch under the lock cannot conflict, so no body runs more than twice.
    locked_until: Option<Instant>,
    /// The sum of every writer's commit count (`shopcore_writers`) as of which the whole
    /// cache is current: while the sum is still this (grown only by this writer's own
    /// commits, which it adds), nobody else committed and a batch needs no comparison.
    seen: Option<i64>,
    /// The lane this writer holds (a session advisory lock of its connection, taken when
    /// it connects): the lane of the audit log and the outbox its commits append to.
    lane: u32,
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

/// A version of a record as a writer saw it: its encoded value and the row's `xmin` (the
/// transaction that wrote it), or `None` when absent. Comparing `xmin` finds any change
/// without reading (or detoasting) the value.
type Seen = Option<(IVec, i64)>;

/// Records a commit found changed, by full key, with their current versions.
type Changed = Vec<(Vec<u8>, Seen)>;

/// What an optimistic commit found: the records that had changed (none when it committed),
/// the `xmin` of what it wrote, and the sum of every writer's commit count before it.
struct Committed {
    changed: Changed,
    own: Option<i64>,
    sum: i64,
}

/// Reads the sum of every writer's commit count.
const WRITERS_SUM: &str = "SELECT COALESCE(sum(seq), 0)::text AS s FROM shopcore_writers";

/// The `xmin` of a row written by the running transaction: its transaction id's low 32 bits.
const OWN_XMIN: &str = "(pg_current_xact_id()::text::bigint % 4294967296)";

/// The writer's cache is emptied when it holds more records than this.
const CACHE_RECORDS_MAX: usize = 100_000;
/// A batch that would lock more records than this takes the shop's lock exclusively at
/// commit instead: advisory locks live in the server's shared lock table, which is sized
/// for about 64 per connection.
const COMMIT_LOCKS_MAX: usize = 256;
/// How many lanes a new writer tries before sharing one.
const LANES_TRIED: u32 = 64;
/// How long batches read under the shop's lock after a conflict.
const LOCKED_AFTER_CONFLICT: Duration = Duration::from_secs(1);

/// One table's records a batch read: keys, and the `xmin` of what the bodies saw (`None`:
/// absent).
type ReadSeen<'r> = (Vec<&'r [u8]>, Vec<Option<i64>>);

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
    /// Batches that compared what they read (another writer had committed since the
    /// cache was current).
    compared: AtomicU64,
    /// This writer's row in `shopcore_writers`, where it counts its commits.
    slot: i32,
    /// The first lane the writer tries to hold (`Config::postgres_first_lane`).
    first_lane: u32,
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
        if config.postgres_first_lane > super::log::Lane::MAX - LANES_TRIED {
            return Err(StoreError::Storage {
                reason: format!(
                    "postgres_first_lane is {}; it can be at most {}",
                    config.postgres_first_lane,
                    super::log::Lane::MAX - LANES_TRIED
                ),
            });
        }
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
            compared: AtomicU64::new(0),
            slot: writer_slot(),
            first_lane: config.postgres_first_lane,
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
            // A commit's statement has a part per table it touches, and planning it anew
            // at each execution (the server's default for its first few and often after)
            // cost as much as running it: every plan is primary-key lookups anyway.
            let mut setup = String::from("SET plan_cache_mode = force_generic_plan");
            if !self.synchronous {
                setup.push_str("; SET synchronous_commit = off");
            }
            conn.client.batch_execute(&setup).map_err(pg_error)?;
            writer.lane = self.take_lane(&mut conn)?;
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
                    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock({LOCK_SPACE}, {}); {WRITERS_SUM}",
                    self.lock_key
                );
                let conn = writer.conn.as_mut().expect("connected above");
                let sum = match writers_sum(&mut conn.client, &sql) {
                    Ok(sum) => sum,
                    Err(e) => {
                        writer.conn = None;
                        return Err(e);
                    }
                };
                // Under the shop's lock nobody else commits: the cache is current if nobody
                // did since this writer last looked.
                if writer.seen != Some(sum) {
                    writer.cache.clear();
                    writer.seen = Some(sum);
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
    /// record: the first read's, from the writer's cache when it holds the record, the
    /// database otherwise; the writer remembers what they saw for the commit to compare.
    /// (A locked batch emptied the cache when it began if anyone else had committed.)
    pub(crate) fn get_in_turn(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        let (table, key) = self.split(full)?;
        let sql = format!(
            "SELECT v, xmin::text::bigint FROM {} WHERE k = $1",
            ident(table)
        );
        let mut guard = self.turn()?;
        let writer = &mut *guard;
        if let Some(seen) = writer.reads.get(full) {
            return Ok(value_of(seen));
        }
        let locked = writer.batch == Some(Batch::Locked);
        if let Some(cached) = writer.cache.get(full) {
            let cached = cached.clone();
            let value = value_of(&cached);
            writer.reads.insert(full.to_vec(), cached);
            return Ok(value);
        }
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        match conn.query(&sql, &[&key]) {
            Ok(rows) => {
                let seen: Seen = rows
                    .first()
                    .map(|row| (IVec::from(row.get::<_, &[u8]>(0)), row.get(1)));
                let value = value_of(&seen);
                writer.cache.insert(full.to_vec(), seen.clone());
                writer.reads.insert(full.to_vec(), seen);
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

    /// [`PostgresEngine::get_in_turn`] reading the database even when the writer's cache
    /// holds the record (unless this batch read it already): for a record every process
    /// writes now and then, whose cached value is likely stale, so the commit's comparison
    /// fails only when another process wrote it in the meantime.
    pub(crate) fn get_in_turn_fresh(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        {
            let mut writer = self.turn()?;
            if !writer.reads.contains_key(full) {
                writer.cache.remove(full);
            }
        }
        self.get_in_turn(full)
    }

    /// The lane of this process's writer, its connection made when needed.
    pub(crate) fn lane(&self) -> Result<u32, StoreError> {
        Ok(self.turn()?.lane)
    }

    /// Takes the lowest free lane from `first_lane` on a new writer connection: a session
    /// advisory lock, held until the connection closes (so a killed process's lane is free
    /// again once the server notices). When every lane tried is held, the writer shares
    /// `first_lane`: lanes only keep writers off each other's records; a shared one costs
    /// conflicts, never correctness, as every commit compares what it read.
    fn take_lane(&self, conn: &mut Conn) -> Result<u32, StoreError> {
        for lane in self.first_lane..self.first_lane.saturating_add(LANES_TRIED) {
            let key = self.lane_lock(lane);
            let row = conn
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                .map_err(pg_error)?;
            if row.get::<_, bool>(0) {
                return Ok(lane);
            }
        }
        Ok(self.first_lane)
    }

    /// The advisory lock key of a lane of this shop (no record's key starts with `l`, so
    /// it is not a record's lock).
    fn lane_lock(&self, lane: u32) -> i64 {
        let h = fnv1a64(
            self.lock_key
                .to_le_bytes()
                .iter()
                .chain(b"lane")
                .chain(&lane.to_le_bytes()),
        );
        i64::from_ne_bytes(h.to_ne_bytes())
    }

    /// The lock of one record (an advisory lock key): a hash of the shop's schema and the
    /// record's full key. Two records sharing one only wait for each other needlessly.
    fn record_lock(&self, full: &[u8]) -> i64 {
        let h = fnv1a64(self.lock_key.to_le_bytes().iter().chain(full));
        i64::from_ne_bytes(h.to_ne_bytes())
    }

    /// Writes `writes` on `conn`, inside its open transaction, and counts a commit in this
    /// writer's row of `shopcore_writers`: one statement, one round trip, whatever the
    /// tables. Returns the `xmin` of the rows written (`None`: none).
    fn write(&self, conn: &mut Conn, writes: &Writes) -> Result<Option<i64>, StoreError> {
        let by_table = self.writes_by_table(writes)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        let mut parts = write_parts(&by_table, &mut params, "");
        if parts.is_empty() {
            return Ok(None);
        }
        parts.push(self.count_commit(""));
        let sql = format!("WITH {} SELECT {OWN_XMIN}", parts.join(", "));
        let rows = conn.query(&sql, &params)?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    /// The `WITH` part counting a commit in this writer's row of `shopcore_writers`, on the
    /// condition `gate` (`""` or ` AND …`).
    fn count_commit(&self, gate: &str) -> String {
        format!(
            "wc AS (INSERT INTO shopcore_writers (id, seq) SELECT {}, 1 WHERE true{gate} \
             ON CONFLICT (id) DO UPDATE SET seq = shopcore_writers.seq + 1)",
            self.slot
        )
    }

    /// `writes` by table: keys, values and bodies put, keys removed.
    fn writes_by_table<'w>(
        &self,
        writes: &'w Writes,
    ) -> Result<BTreeMap<&'static str, TableWrites<'w>>, StoreError> {
        let mut by_table: BTreeMap<&'static str, TableWrites<'_>> = BTreeMap::new();
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
        Ok(by_table)
    }

    /// Commits an optimistic batch. A batch that writes opens a transaction and takes the
    /// shop's lock in shared mode and a lock per record it read or wrote, in ascending
    /// order (`shopcore_lock`), and reads the sum of every writer's commit count (one round
    /// trip); a batch that only read reads the sum alone, needing no lock. When the sum is
    /// still `seen`, nobody else committed since the writer's cache was current and the
    /// batch writes without comparing. Otherwise one statement, whose snapshot is taken
    /// with every lock held, compares every record the bodies read with its row (by `xmin`,
    /// so a record rewritten with the same bytes counts as changed too) and writes only
    /// when none changed (one round trip). Then COMMIT.
    fn commit(
        &self,
        conn: &mut Conn,
        reads: &HashMap<Vec<u8>, Seen>,
        writes: &Writes,
        seen: Option<i64>,
    ) -> Result<Committed, StoreError> {
        let writing = !writes.is_empty();
        let first = if writing {
            let mut locks: Vec<i64> = reads
                .keys()
                .map(|k| k.as_slice())
                .chain(writes.keys().map(|k| &k[..]))
                .map(|full| self.record_lock(full))
                .collect();
            locks.sort_unstable();
            locks.dedup();
            let exclusive = locks.len() > COMMIT_LOCKS_MAX;
            if exclusive {
                locks.clear();
            }
            let list: Vec<String> = locks.iter().map(i64::to_string).collect();
            format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; \
                 SELECT shopcore_lock({LOCK_SPACE}, {}, {exclusive}, ARRAY[{}]::bigint[]); {WRITERS_SUM}",
                self.lock_key,
                list.join(",")
            )
        } else {
            WRITERS_SUM.to_owned()
        };
        let sum = match writers_sum(&mut conn.client, &first) {
            Ok(sum) => sum,
            Err(e) => {
                if writing {
                    let _ = conn.client.batch_execute("ROLLBACK");
                }
                return Err(e);
            }
        };
        let compare = seen != Some(sum) && !reads.is_empty();
        let mut committed = Committed {
            changed: Vec::new(),
            own: None,
            sum,
        };
        if !writing && !compare {
            return Ok(committed);
        }
        if compare {
            self.compared.fetch_add(1, Ordering::Relaxed);
        }
        // By table (its tag and name): the changed records come back under the tag.
        let mut read_by_table: BTreeMap<(u8, &'static str), ReadSeen<'_>> = BTreeMap::new();
        if compare {
            for (full, seen) in reads {
                let (table, key) = self.split(full)?;
                let (keys, versions) = read_by_table.entry((full[0], table)).or_default();
                keys.push(key);
                versions.push(seen.as_ref().map(|(_, version)| *version));
            }
        }
        let by_table = self.writes_by_table(writes)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        let mut compared = Vec::new();
        for ((tag, table), (keys, versions)) in &read_by_table {
            params.push(keys);
            params.push(versions);
            // Subqueries per record, not a join: each is one primary-key lookup, whatever
            // plan the server would pick for a table that keeps growing; the value is read
            // only for a record that changed.
            compared.push(format!(
                "SELECT {tag}::integer AS t, x.k, (SELECT c.v FROM {t} AS c WHERE c.k = x.k) AS v, x.now \
                 FROM (SELECT r.k, r.seen, (SELECT c.xmin::text::bigint FROM {t} AS c WHERE c.k = r.k) AS now \
                 FROM unnest(${}::bytea[], ${}::bigint[]) AS r(k, seen)) AS x \
                 WHERE x.now IS DISTINCT FROM x.seen",
                params.len() - 1,
                params.len(),
                t = ident(table),
            ));
        }
        let mut parts = Vec::new();
        if compare {
            parts.push(format!("changed AS ({})", compared.join(" UNION ALL ")));
        }
        let gate = if compare {
            " AND NOT EXISTS (SELECT 1 FROM changed)"
        } else {
            ""
        };
        if writing {
            parts.extend(write_parts(&by_table, &mut params, gate));
            parts.push(self.count_commit(gate));
        }
        // The changed records; or, when the batch wrote, one row without a table carrying
        // the `xmin` of what it wrote.
        let own = format!("SELECT NULL::integer, NULL::bytea, NULL::bytea, {OWN_XMIN}");
        let result_sql = match (compare, writing) {
            (false, _) => own,
            (true, false) => "SELECT t, k, v, now FROM changed".to_owned(),
            (true, true) => format!(
                "SELECT t, k, v, now FROM changed UNION ALL {own} WHERE NOT EXISTS (SELECT 1 FROM changed)"
            ),
        };
        let sql = format!("WITH {} {result_sql}", parts.join(", "));
        let result = conn.query(&sql, &params).and_then(|rows| {
            for row in &rows {
                let version: Option<i64> = row.get(3);
                let Some(tag) = row.get::<_, Option<i32>>(0) else {
                    committed.own = version;
                    continue;
                };
                let key: &[u8] = row.get(1);
                let value: Option<&[u8]> = row.get(2);
                let seen = value
                    .zip(version)
                    .map(|(v, version)| (IVec::from(v), version));
                let mut full = vec![u8::try_from(tag).map_err(|_| StoreError::Storage {
                    reason: format!("PostgreSQL: a commit gave table tag {tag}"),
                })?];
                full.extend_from_slice(key);
                committed.changed.push((full, seen));
            }
            Ok(())
        });
        if writing {
            let end = match &result {
                Ok(()) if committed.changed.is_empty() => "COMMIT",
                _ => "ROLLBACK",
            };
            let ended = conn.client.batch_execute(end).map_err(pg_error);
            if let (Ok(()), Err(e)) = (&result, ended) {
                return Err(e);
            }
        }
        result.map(|()| committed)
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
        let seen = writer.seen;
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        let result = match batch {
            Some(Batch::Locked) => self.write(conn, &writes).and_then(|own| {
                conn.client
                    .batch_execute("COMMIT")
                    .map_err(pg_error)
                    .map(|()| Committed {
                        changed: Vec::new(),
                        own,
                        // The batch began with the sum at `seen` and the shop's lock.
                        sum: seen.unwrap_or(0),
                    })
            }),
            _ => self.commit(conn, &reads, &writes, seen),
        };
        match result {
            Ok(Committed { changed, own, sum }) if changed.is_empty() => {
                if seen != Some(sum) {
                    // Others committed: only what this batch read (compared) or wrote is
                    // known current.
                    writer
                        .cache
                        .retain(|key, _| reads.contains_key(key) || writes.contains_key(&key[..]));
                }
                // This batch's own commit, when it wrote, is counted in the sum it leaves.
                writer.seen = Some(sum + i64::from(own.is_some()));
                if let Some(own) = own {
                    for (key, value) in writes {
                        writer
                            .cache
                            .insert(key.to_vec(), value.map(|value| (value, own)));
                    }
                }
                Ok(())
            }
            Ok(Committed { changed, sum, .. }) => {
                writer.cache.retain(|key, _| reads.contains_key(key));
                for (key, value) in changed {
                    writer.cache.insert(key, value);
                }
                writer.seen = Some(sum);
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
                writer.seen = None;
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

    /// Batches that compared what they read since the engine opened.
    pub(crate) fn compared(&self) -> u64 {
        self.compared.load(Ordering::Relaxed)
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

/// The `WITH` parts writing `by_table` (their parameters added to `params`), each on the
/// condition `gate` (`""` or ` AND …`).
fn write_parts<'p>(
    by_table: &'p BTreeMap<&'static str, TableWrites<'_>>,
    params: &mut Vec<&'p (dyn ToSql + Sync)>,
    gate: &str,
) -> Vec<String> {
    let mut parts = Vec::new();
    for (table, (keys, values, bodies, removed)) in by_table {
        if !removed.is_empty() {
            params.push(removed);
            parts.push(format!(
                "w{n} AS (DELETE FROM {t} WHERE k = ANY(${n}){gate})",
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
                 WHERE true{gate} \
                 ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, body = EXCLUDED.body)",
                k = params.len() - 2,
                v = params.len() - 1,
                n = params.len(),
                t = ident(table)
            ));
        }
    }
    parts
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
    writer.seen = None;
}

/// A serialization failure or a deadlock the server broke: the batch runs again.
fn is_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Storage { reason } if reason.starts_with("PostgreSQL: 40001") || reason.starts_with("PostgreSQL: 40P01"))
}

/// Runs `sql` (simple queries ending with [`WRITERS_SUM`]) and returns the sum.
fn writers_sum(client: &mut Client, sql: &str) -> Result<i64, StoreError> {
    client
        .simple_query(sql)
        .map_err(pg_error)?
        .iter()
        .find_map(|message| match message {
            postgres::SimpleQueryMessage::Row(row) => row.try_get("s").ok().flatten(),
            _ => None,
        })
        .and_then(|sum| sum.parse::<i64>().ok())
        .ok_or_else(|| StoreError::Storage {
            reason: "PostgreSQL: shopcore_writers gave no sum".into(),
        })
}

/// A row of `shopcore_writers` for a writer opening now: one of 1,024, at random (two
/// writers sharing one only compare their reads more often).
fn writer_slot() -> i32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let h = fnv1a64(
        nanos
            .to_le_bytes()
            .iter()
            .chain(&std::process::id().to_le_bytes()),
    );
    i32::try_from(h % 1024).unwrap_or(0)
}

/// FNV-1a, 64 bits, of `bytes`: stable across builds, platforms and processes (std's
/// hasher is not).
fn fnv1a64<'b>(bytes: impl Iterator<Item = &'b u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The value of a version as a body reads it.
fn value_of(seen: &Seen) -> Option<IVec> {
    seen.as_ref().map(|(value, _)| value.clone())
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

    fn add(store: &Store, key: &[u8], n: u32) -> u32 {
        store
            .transact(Timestamp(0), |tx| {
                let value = tx.get::<u32>(T, key)?.unwrap_or(0) + n;
                tx.put(T, key, &value).map(|()| value)
            })
            .unwrap()
    }

    #[test]
    fn a_writer_alone_compares_nothing_and_forgets_what_another_may_have_changed() {
        let Some(schema) = TestSchema::from_env() else {
            return;
        };
        let (a, b) = (open(&schema), open(&schema));
        let compared = |store: &Store| store.counters().compared;
        add(&a, b"x", 1);
        add(&a, b"y", 1);
        let before = compared(&a);
        // Alone, a writer trusts its cache: no commit compares what it read.
        for _ in 0..3 {
            add(&a, b"x", 1);
        }
        assert_eq!(compared(&a), before);
        assert_eq!(add(&b, b"x", 10), 14);
        // The next batch finds that someone else committed: it compares what it read (y
        // only) and keeps only that in the cache...
        assert_eq!(add(&a, b"y", 1), 2);
        assert_eq!(compared(&a), before + 1);
        // ...so x, which it had cached as 4, is read again: b's 14, not a stale 4.
        assert_eq!(add(&a, b"x", 1), 15);
        assert_eq!(compared(&a), before + 1, "alone again");
        assert_eq!(read(&b, b"x"), Some(15));
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
