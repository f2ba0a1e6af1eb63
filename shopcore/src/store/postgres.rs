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
use sled::IVec;
use std::collections::{HashMap, VecDeque};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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

/// The writer's connection and whether its batch transaction is open.
#[derive(Debug, Default)]
struct WriterConn {
    conn: Option<Conn>,
    in_turn: bool,
    /// The batch's transaction broke after it began: what its bodies read is no longer
    /// protected by its lock, so nothing more of this batch may run or be applied; it
    /// fails as a whole, and the next batch starts afresh.
    lost: bool,
    /// Records this writer read or wrote (`None`: absent), by full key, as of commit
    /// `seen` of the shop's commit sequence (`shopcore_commits`). A batch that finds the
    /// sequence where this writer left it knows no other process committed in between, so
    /// the cache is current and its reads need no round trip; otherwise it starts empty.
    cache: HashMap<Vec<u8>, Option<IVec>>,
    seen: Option<i64>,
}

/// The writer's cache is emptied when it holds more records than this.
const CACHE_RECORDS_MAX: usize = 100_000;

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

    /// The writer's connection inside its batch transaction (begun here when needed).
    fn turn(&self) -> Result<MutexGuard<'_, WriterConn>, StoreError> {
        let mut writer = lock(&self.writer);
        if writer.lost {
            return Err(lost_batch());
        }
        if writer.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            if writer.in_turn {
                // The connection closed under an open batch.
                writer.conn = None;
                writer.in_turn = false;
                writer.lost = true;
                return Err(lost_batch());
            }
            writer.conn = None;
            writer.in_turn = false;
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
        if !writer.in_turn {
            // One round trip: the transaction, the shop's writer lock, and the commit
            // sequence that says whether the cache is still current.
            let sql = format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; \
                 SELECT pg_advisory_xact_lock({LOCK_SPACE}, {}); \
                 SELECT seq FROM shopcore_commits",
                self.lock_key
            );
            let conn = writer.conn.as_mut().expect("connected above");
            let begun = conn
                .client
                .simple_query(&sql)
                .map_err(pg_error)
                .and_then(|messages| {
                    messages
                        .iter()
                        .filter_map(|m| match m {
                            postgres::SimpleQueryMessage::Row(row) => {
                                row.try_get("seq").ok().flatten()
                            }
                            _ => None,
                        })
                        .next()
                        .and_then(|seq| seq.parse::<i64>().ok())
                        .ok_or_else(|| StoreError::Storage {
                            reason: "PostgreSQL: shopcore_commits holds no sequence".into(),
                        })
                });
            let seq = match begun {
                Ok(seq) => seq,
                Err(e) => {
                    writer.conn = None;
                    return Err(e);
                }
            };
            if writer.seen != Some(seq) || writer.cache.len() > CACHE_RECORDS_MAX {
                writer.cache.clear();
                writer.seen = Some(seq);
            }
            writer.in_turn = true;
        }
        Ok(writer)
    }

    pub(crate) fn get_in_turn(&self, full: &[u8]) -> Result<Option<IVec>, StoreError> {
        let (table, key) = self.split(full)?;
        let sql = format!("SELECT v FROM {} WHERE k = $1", ident(table));
        let mut writer = self.turn()?;
        if let Some(cached) = writer.cache.get(full) {
            return Ok(cached.clone());
        }
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        match conn.query(&sql, &[&key]) {
            Ok(rows) => {
                let value = rows.first().map(|row| IVec::from(row.get::<_, &[u8]>(0)));
                writer.cache.insert(full.to_vec(), value.clone());
                Ok(value)
            }
            Err(e) => {
                // The transaction is aborted: the batch fails (its bodies learn it when it
                // is applied) and the next one starts afresh.
                abandon(&mut writer);
                Err(e)
            }
        }
    }

    /// Writes `writes` on `conn`, inside its open transaction, and moves the shop's commit
    /// sequence on (every writer whose cache is of an earlier commit empties it): one
    /// statement, one round trip, whatever the tables. Returns the new sequence number.
    fn write(&self, conn: &mut Conn, writes: &Writes) -> Result<i64, StoreError> {
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
        let with = if parts.is_empty() {
            String::new()
        } else {
            format!("WITH {} ", parts.join(", "))
        };
        let sql = format!("{with}UPDATE shopcore_commits SET seq = seq + 1 RETURNING seq");
        let rows = conn.query(&sql, &params)?;
        rows.first()
            .map(|row| row.get(0))
            .ok_or_else(|| StoreError::Storage {
                reason: "PostgreSQL: shopcore_commits holds no sequence".into(),
            })
    }

    pub(crate) fn apply(&self, writes: Writes) -> Result<(), StoreError> {
        let mut writer = match self.turn() {
            Ok(writer) => writer,
            Err(e) => {
                // The batch ends here, failed: the next starts afresh.
                lock(&self.writer).lost = false;
                return Err(e);
            }
        };
        let conn = writer.conn.as_mut().expect("a turn has a connection");
        let result = self.write(conn, &writes).and_then(|seq| {
            conn.client
                .batch_execute("COMMIT")
                .map_err(pg_error)
                .map(|()| seq)
        });
        match result {
            Ok(seq) => {
                writer.in_turn = false;
                writer.seen = Some(seq);
                for (key, value) in writes {
                    writer.cache.insert(key.to_vec(), value);
                }
                Ok(())
            }
            Err(e) => {
                abandon(&mut writer);
                writer.lost = false;
                // Whether the COMMIT took effect may be unknown: forget what was cached.
                writer.cache.clear();
                writer.seen = None;
                Err(e)
            }
        }
    }

    pub(crate) fn end_turn(&self) {
        let mut writer = lock(&self.writer);
        writer.lost = false;
        if writer.in_turn {
            let rolled_back = writer
                .conn
                .as_mut()
                .is_some_and(|c| c.client.batch_execute("ROLLBACK").is_ok());
            if !rolled_back {
                writer.conn = None;
            }
            writer.in_turn = false;
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

/// Ends a batch transaction that failed: it is rolled back (or its connection dropped),
/// and the rest of the batch fails with it (`WriterConn::lost`).
fn abandon(writer: &mut WriterConn) {
    if let Some(conn) = writer.conn.as_mut()
        && conn.client.batch_execute("ROLLBACK").is_err()
    {
        writer.conn = None;
    }
    if writer.in_turn {
        writer.lost = true;
    }
    writer.in_turn = false;
    writer.cache.clear();
    writer.seen = None;
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
