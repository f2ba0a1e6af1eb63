//! A SQLite baseline for `load`: what a plain SQL database does with the same shoppers on
//! the same disk, so that the shop's order rate can be read as a ratio to it (issue 18).
//! It is a yardstick, not a second backend: it knows nothing of shopcore.
//!
//! The database is SQLite through `rusqlite` (SQLite compiled in, `bundled`), in WAL mode
//! with `synchronous=FULL` (every commit syncs the WAL: survives power loss), at
//! `dir/sqlite-baseline.db` next to the shop's database, made fresh for each measurement and
//! removed afterwards.
//!
//! **One connection**, shared by the shopper threads behind a mutex: a shopper takes the
//! lock, runs its whole order transaction and commits it, then lets go. That is what "one
//! connection" means for N concurrent callers without adding anything SQLite does not do
//! itself: every order is its own transaction and its own WAL sync, as an application that
//! serialises its callers on one connection gets. (A single writer thread fed by a queue
//! would be the same work plus a hand-off per order, unless it batched several orders into
//! one transaction — that is group commit, the design the shop is measured for, not the
//! baseline.) The latency of an order includes the wait for the lock, as the shop's includes
//! its waits.
//!
//! **The minimal order**, in one `BEGIN IMMEDIATE … COMMIT`: read the buyer's wallet and
//! refuse if it cannot pay; debit it; insert the order row; insert a ledger row (the debit
//! and the balance after it); insert an audit row hash-chained to the previous one
//! (SHA-256 over the previous hash and the entry, as the shop's audit log does; the newest
//! hash is kept in memory under the same lock, updated only after a commit). Money is in
//! integer cents. No stock, no idempotency key, no notifications: less than the shop does
//! per order, on purpose.
//!
//! [`check`] reads a finished database back and reports what does not add up: money not
//! conserved, counts that differ, a ledger row that does not match its order, a broken
//! audit chain.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The file name of the baseline database in the directory it is measured in.
pub const FILE_NAME: &str = "sqlite-baseline.db";

/// The price of one order, in cents (one USD, as the shop's code product).
pub const PRICE_CENTS: i64 = 100;

/// The balance each shopper's wallet starts with, in cents: ten billion orders' worth, so
/// that no wallet runs dry in a measurement.
pub const START_BALANCE_CENTS: i64 = 1_000_000_000_000;

/// What the label of this baseline says wherever it is reported.
pub const LABEL: &str = "baseline: SQLite minimal order (WAL, synchronous=FULL, 1 connection)";

const SCHEMA: &str = "
    CREATE TABLE wallets (
        user_id INTEGER PRIMARY KEY,
        balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0)
    );
    CREATE TABLE orders (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES wallets(user_id),
        amount_cents INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
    );
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        order_id INTEGER NOT NULL,
        delta_cents INTEGER NOT NULL,
        balance_after_cents INTEGER NOT NULL
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        order_id INTEGER NOT NULL,
        entry TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
";

/// The result of one measurement: orders committed, how long the shoppers ran, each
/// committed order's latency in µs (lock wait included), and refused orders.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub orders: u64,
    pub refused: u64,
    pub elapsed: Duration,
    pub latencies_us: Vec<u64>,
}

impl Run {
    pub fn orders_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.orders as f64 / secs
        } else {
            0.0
        }
    }
}

/// Whether an order went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ordered(i64),
    /// The wallet could not pay; nothing was written.
    Refused,
}

/// The one connection and the newest audit hash, behind one lock.
struct State {
    conn: Connection,
    last_hash: [u8; 32],
}

/// An open baseline database.
pub struct Baseline {
    state: Mutex<State>,
    path: PathBuf,
}

fn sql_error(e: rusqlite::Error) -> std::io::Error {
    std::io::Error::other(format!("SQLite baseline: {e}"))
}

/// The audit hash of an entry: SHA-256 over the previous hash and the entry's text.
pub fn chain_hash(prev: &[u8], entry: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(entry.as_bytes());
    h.finalize().into()
}

fn audit_entry(seq: i64, order_id: i64, user_id: i64, amount_cents: i64) -> String {
    format!("{seq} order {order_id} user {user_id} paid {amount_cents} cents from the wallet")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Removes the database and its WAL and shared-memory files.
pub fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

impl Baseline {
    /// Creates a fresh database at `path` (removing any old one) with `wallets` wallets,
    /// user ids `1..=wallets`, each holding `balance_cents`.
    pub fn create(path: &Path, wallets: usize, balance_cents: i64) -> std::io::Result<Baseline> {
        remove(path);
        let mut conn = Connection::open(path).map_err(sql_error)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(sql_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(std::io::Error::other(format!(
                "SQLite baseline: journal_mode is {mode}, not wal"
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(sql_error)?;
        let synchronous: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .map_err(sql_error)?;
        if synchronous != 2 {
            return Err(std::io::Error::other(format!(
                "SQLite baseline: synchronous is {synchronous}, not 2 (FULL)"
            )));
        }
        conn.execute_batch(SCHEMA).map_err(sql_error)?;
        let tx = conn.transaction().map_err(sql_error)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO wallets (user_id, balance_cents) VALUES (?1, ?2)")
                .map_err(sql_error)?;
            for user in 1..=wallets as i64 {
                insert
                    .execute(params![user, balance_cents])
                    .map_err(sql_error)?;
            }
        }
        tx.commit().map_err(sql_error)?;
        Ok(Baseline {
            state: Mutex::new(State {
                conn,
                last_hash: [0; 32],
            }),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The minimal order for `user_id` at `amount_cents`, in one transaction, durable when
    /// it returns.
    pub fn order(&self, user_id: i64, amount_cents: i64) -> std::io::Result<Outcome> {
        let mut state = self.lock();
        let State { conn, last_hash } = &mut *state;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error)?;
        let balance: Option<i64> = tx
            .prepare_cached("SELECT balance_cents FROM wallets WHERE user_id = ?1")
            .and_then(|mut s| s.query_row([user_id], |r| r.get(0)).optional())
            .map_err(sql_error)?;
        let balance = match balance {
            Some(b) if b >= amount_cents => b,
            // Dropping the transaction rolls it back (it wrote nothing).
            _ => return Ok(Outcome::Refused),
        };
        let after = balance - amount_cents;
        tx.prepare_cached("UPDATE wallets SET balance_cents = ?2 WHERE user_id = ?1")
            .and_then(|mut s| s.execute(params![user_id, after]))
            .map_err(sql_error)?;
        tx.prepare_cached(
            "INSERT INTO orders (user_id, amount_cents, status, created_at_ms) VALUES (?1, ?2, 'completed', ?3)",
        )
        .and_then(|mut s| s.execute(params![user_id, amount_cents, now_ms()]))
        .map_err(sql_error)?;
        let order_id = tx.last_insert_rowid();
        tx.prepare_cached(
            "INSERT INTO ledger (user_id, order_id, delta_cents, balance_after_cents) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![user_id, order_id, -amount_cents, after]))
        .map_err(sql_error)?;
        // The audit sequence is the order id: one audit row per order, gap-free.
        let entry = audit_entry(order_id, order_id, user_id, amount_cents);
        let hash = chain_hash(last_hash, &entry);
        tx.prepare_cached(
            "INSERT INTO audit (seq, order_id, entry, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                order_id,
                order_id,
                entry,
                last_hash.as_slice(),
                hash.as_slice()
            ])
        })
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        *last_hash = hash;
        Ok(Outcome::Ordered(order_id))
    }

    /// Closes the connection (checkpointing the WAL).
    pub fn close(self) -> std::io::Result<()> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        state.conn.close().map_err(|(_, e)| sql_error(e))
    }
}

/// One measurement: a fresh database at `dir/`[`FILE_NAME`] with one wallet per shopper,
/// `shoppers` threads ordering in a closed loop (no think time) until `duration` has passed
/// or `max_orders` orders were committed; then [`check`] and removal. An error if a call
/// failed or the check found a problem.
pub fn measure(
    dir: &Path,
    shoppers: usize,
    duration: Duration,
    max_orders: u64,
) -> std::io::Result<Run> {
    let path = dir.join(FILE_NAME);
    let result = measure_at(&path, shoppers, duration, max_orders, START_BALANCE_CENTS);
    remove(&path);
    result
}

fn measure_at(
    path: &Path,
    shoppers: usize,
    duration: Duration,
    max_orders: u64,
    balance_cents: i64,
) -> std::io::Result<Run> {
    let db = Baseline::create(path, shoppers, balance_cents)?;
    let slots = AtomicU64::new(max_orders);
    let start = Instant::now();
    let deadline = start + duration;
    let results: Vec<std::io::Result<(Vec<u64>, u64)>> = std::thread::scope(|scope| {
        let threads: Vec<_> = (1..=shoppers as i64)
            .map(|user| {
                let (db, slots) = (&db, &slots);
                scope.spawn(move || -> std::io::Result<(Vec<u64>, u64)> {
                    let mut latencies = Vec::new();
                    let mut refused = 0;
                    while Instant::now() < deadline {
                        if slots
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| {
                                x.checked_sub(1)
                            })
                            .is_err()
                        {
                            break;
                        }
                        let t = Instant::now();
                        match db.order(user, PRICE_CENTS)? {
                            Outcome::Ordered(_) => {
                                latencies.push(t.elapsed().as_micros() as u64);
                            }
                            Outcome::Refused => {
                                refused += 1;
                                slots.fetch_add(1, Ordering::Relaxed);
                                // An empty wallet stays empty: this shopper is done.
                                break;
                            }
                        }
                    }
                    Ok((latencies, refused))
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|h| h.join().expect("a SQLite baseline shopper panicked"))
            .collect()
    });
    let elapsed = start.elapsed();
    let mut run = Run {
        elapsed,
        ..Run::default()
    };
    for r in results {
        let (latencies, refused) = r?;
        run.refused += refused;
        run.latencies_us.extend(latencies);
    }
    run.orders = run.latencies_us.len() as u64;
    db.close()?;
    let problems = check(path, shoppers, balance_cents, run.orders)?;
    if !problems.is_empty() {
        return Err(std::io::Error::other(format!(
            "SQLite baseline: the database does not add up: {}",
            problems.join("; ")
        )));
    }
    Ok(run)
}

/// Reads a finished baseline database and lists what does not add up: `wallets` wallets
/// that started with `start_cents` each, `orders` orders committed.
pub fn check(
    path: &Path,
    wallets: usize,
    start_cents: i64,
    orders: u64,
) -> std::io::Result<Vec<String>> {
    let conn = Connection::open(path).map_err(sql_error)?;
    check_connection(&conn, wallets, start_cents, orders)
}

/// [`check`] through an open connection (which sees its own uncommitted changes).
fn check_connection(
    conn: &Connection,
    wallets: usize,
    start_cents: i64,
    orders: u64,
) -> std::io::Result<Vec<String>> {
    let mut problems = Vec::new();
    let count = |table: &str| -> std::io::Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sql_error)
    };
    let sum = |sql: &str| -> std::io::Result<i64> {
        conn.query_row(sql, [], |r| r.get(0)).map_err(sql_error)
    };
    if count("wallets")? != wallets as i64 {
        problems.push(format!("{} wallets, expected {wallets}", count("wallets")?));
    }
    for table in ["orders", "ledger", "audit"] {
        let n = count(table)?;
        if n != orders as i64 {
            problems.push(format!("{n} rows in {table}, {orders} orders committed"));
        }
    }
    let balances = sum("SELECT COALESCE(SUM(balance_cents), 0) FROM wallets")?;
    let spent = sum("SELECT COALESCE(SUM(amount_cents), 0) FROM orders")?;
    let start = wallets as i64 * start_cents;
    if balances + spent != start {
        problems.push(format!(
            "money not conserved: wallets hold {balances} and orders took {spent} cents, {start} were put in"
        ));
    }
    let debits = sum("SELECT COALESCE(-SUM(delta_cents), 0) FROM ledger")?;
    if debits != spent {
        problems.push(format!(
            "the ledger debits {debits} cents, the orders took {spent}"
        ));
    }
    let mismatched = sum(
        "SELECT COUNT(*) FROM orders o LEFT JOIN ledger l ON l.order_id = o.id
         WHERE l.id IS NULL OR l.user_id != o.user_id OR l.delta_cents != -o.amount_cents",
    )?;
    if mismatched > 0 {
        problems.push(format!(
            "{mismatched} order(s) without a matching ledger row"
        ));
    }
    // Each wallet's newest ledger row says what it holds.
    let stale = sum(
        "SELECT COUNT(*) FROM wallets w JOIN ledger l ON l.user_id = w.user_id
         WHERE l.id = (SELECT MAX(id) FROM ledger WHERE user_id = w.user_id)
           AND l.balance_after_cents != w.balance_cents",
    )?;
    if stale > 0 {
        problems.push(format!(
            "{stale} wallet(s) whose balance is not their newest ledger row's"
        ));
    }
    // The audit chain, from the first entry.
    let mut stmt = conn
        .prepare("SELECT a.seq, a.order_id, a.entry, a.prev_hash, a.hash, o.user_id, o.amount_cents FROM audit a LEFT JOIN orders o ON o.id = a.order_id ORDER BY a.seq")
        .map_err(sql_error)?;
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut prev = [0u8; 32].to_vec();
    let mut expected_seq = 1;
    while let Some(row) = rows.next().map_err(sql_error)? {
        let seq: i64 = row.get(0).map_err(sql_error)?;
        let order_id: i64 = row.get(1).map_err(sql_error)?;
        let entry: String = row.get(2).map_err(sql_error)?;
        let prev_hash: Vec<u8> = row.get(3).map_err(sql_error)?;
        let hash: Vec<u8> = row.get(4).map_err(sql_error)?;
        let user: Option<i64> = row.get(5).map_err(sql_error)?;
        let amount: Option<i64> = row.get(6).map_err(sql_error)?;
        let fail = |what: &str| format!("audit entry {seq}: {what}");
        if seq != expected_seq {
            problems.push(fail(&format!("expected sequence {expected_seq}")));
            break;
        }
        if prev_hash != prev {
            problems.push(fail("does not link to the previous entry"));
            break;
        }
        if hash != chain_hash(&prev, &entry) {
            problems.push(fail("its hash does not match its content"));
            break;
        }
        match (user, amount) {
            (Some(user), Some(amount)) if entry == audit_entry(seq, order_id, user, amount) => {}
            _ => {
                problems.push(fail("does not describe its order"));
                break;
            }
        }
        prev = hash;
        expected_seq += 1;
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_run_conserves_money_and_counts_every_order() {
        let dir = tempfile::tempdir().unwrap();
        let run = measure(dir.path(), 3, Duration::from_secs(60), 40).unwrap();
        assert_eq!((run.orders, run.refused), (40, 0));
        assert_eq!(run.latencies_us.len(), 40);
        // Removed afterwards, WAL and all.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn the_database_adds_up_and_check_sees_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let db = Baseline::create(&path, 2, 250).unwrap();
        assert_eq!(db.order(1, 100).unwrap(), Outcome::Ordered(1));
        assert_eq!(db.order(2, 100).unwrap(), Outcome::Ordered(2));
        assert_eq!(db.order(1, 100).unwrap(), Outcome::Ordered(3));
        // 50 cents left: refused, and nothing written.
        assert_eq!(db.order(1, 100).unwrap(), Outcome::Refused);
        assert_eq!(db.order(9, 100).unwrap(), Outcome::Refused);
        assert_eq!(db.order(2, 100).unwrap(), Outcome::Ordered(4));
        db.close().unwrap();
        assert_eq!(check(&path, 2, 250, 4).unwrap(), Vec::<String>::new());
        // A wrong count is reported.
        assert!(!check(&path, 2, 250, 5).unwrap().is_empty());

        let conn = Connection::open(&path).unwrap();
        let tamper = |sql: &str| -> Vec<String> {
            conn.execute_batch(&format!("BEGIN; {sql};")).unwrap();
            let problems = check_connection(&conn, 2, 250, 4).unwrap();
            conn.execute_batch("ROLLBACK").unwrap();
            problems
        };
        let p = tamper("UPDATE wallets SET balance_cents = balance_cents + 1 WHERE user_id = 1");
        assert!(p.iter().any(|p| p.contains("money not conserved")), "{p:?}");
        let p = tamper("UPDATE audit SET entry = entry || ' ' WHERE seq = 2");
        assert!(p.iter().any(|p| p.contains("audit entry 2")), "{p:?}");
        let p = tamper("DELETE FROM audit WHERE seq = 3");
        assert!(p.iter().any(|p| p.contains("rows in audit")), "{p:?}");
        let p = tamper("UPDATE ledger SET delta_cents = -1 WHERE order_id = 1");
        assert!(p.iter().any(|p| p.contains("ledger")), "{p:?}");
        assert_eq!(check(&path, 2, 250, 4).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn an_empty_wallet_ends_its_shopper() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // Two wallets with money for three orders each: six orders, two refusals.
        let run = measure_at(&path, 2, Duration::from_secs(60), 1_000, 3 * PRICE_CENTS).unwrap();
        assert_eq!((run.orders, run.refused), (6, 2));
        remove(&path);
    }

    #[test]
    fn wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let db = Baseline::create(&path, 1, 100).unwrap();
        let state = db.lock();
        let mode: String = state
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = state
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2));
    }
}
