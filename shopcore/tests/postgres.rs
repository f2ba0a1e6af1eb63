//! The PostgreSQL backend's own tests: several shops (processes) on one database, a shop
//! process killed mid-load, the database server restarted mid-load, the schema's
//! migrations. The shared suites run on PostgreSQL too (`SHOPCORE_TEST_BACKEND=postgres`);
//! these are what only a database server has.
//!
//! They need a server: `SHOPCORE_TEST_POSTGRES_URL` (`.ci/postgres start` prints one), and
//! the restart test PostgreSQL's server binaries. Without them a test says so and passes,
//! except under CI (`CI` set), where a missing server is a failure.

use crate::common::{START, TestSchema, config, key, last_audit_of, money, uid};
use crate::orders::by_balance;
use shopcore::{Delivery, ManualClock, Registration, Shop, Stock};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A schema of the test server, the shop's URL in it and a shop clock; `None` (with a
/// note) without a server, outside CI.
fn database() -> Option<(TestSchema, String, Arc<ManualClock>)> {
    let schema = TestSchema::from_env("PostgreSQL-only test")?;
    let url = schema.url();
    Some((schema, url, Arc::new(ManualClock::new(START))))
}

fn register(shop: &Shop, id: u64) {
    shop.register_user(&Registration {
        id: uid(id),
        username: None,
        display_name: &format!("User {id}"),
        language: Some("en"),
    })
    .unwrap();
}

/// A shop at `url` with one product of `stock` units at 5 and `buyers` shoppers holding 10
/// each (ids 1000…).
fn stocked_shop(
    url: &str,
    clock: &Arc<ManualClock>,
    stock: u64,
    buyers: u64,
) -> (Shop, shopcore::ProductId) {
    let shop = Shop::open(url, config(clock)).unwrap();
    let owner = shop.actor(uid(1)).unwrap();
    let cat = shop.create_category(&owner, "Games", 0).unwrap().id;
    let mut new = crate::common::new_product(cat, "Last units", "5");
    new.delivery = Delivery::Manual;
    new.stock = Stock::Limited(stock);
    let p = shop.create_product(&owner, &new).unwrap().id;
    for i in 0..buyers {
        let id = 1_000 + i;
        register(&shop, id);
        shop.adjust_balance(
            &owner,
            uid(id),
            money("10"),
            "float",
            &key(&format!("f{id}")),
        )
        .unwrap();
    }
    (shop, p)
}

#[test]
fn two_shops_on_one_database_sell_the_last_units_once() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let (a, p) = stocked_shop(&url, &clock, 5, 24);
    // A second shop on the same database: another process, as far as the store can tell
    // (its own writer, connections and caches).
    let b = Shop::open(&url, config(&clock)).unwrap();
    let shops = [Arc::new(a), Arc::new(b)];
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..24u64)
            .map(|i| {
                let shop = shops[usize::try_from(i % 2).unwrap()].clone();
                scope.spawn(move || {
                    let buyer = shop.actor(uid(1_000 + i)).unwrap();
                    shop.create_order(&buyer, &by_balance(p), &key("buy"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sold: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(sold.len(), 5, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.kind() == "order.out_of_stock"),
        "{results:?}"
    );
    // Both see the same shop: stock gone, five buyers charged once each.
    for shop in &shops {
        assert_eq!(shop.product(p).unwrap().unwrap().stock, Stock::Limited(0));
        let mut charged = 0;
        for i in 0..24u64 {
            let balance = shop.wallet(uid(1_000 + i)).unwrap().balance;
            if balance == money("5") {
                charged += 1;
            } else {
                assert_eq!(balance, money("10"));
            }
        }
        assert_eq!(charged, 5);
        assert!(shop.verify().unwrap().is_healthy());
    }
}

#[test]
fn two_shops_replay_one_request_key_as_one_change() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let a = Arc::new(Shop::open(&url, config(&clock)).unwrap());
    let b = Arc::new(Shop::open(&url, config(&clock)).unwrap());
    register(&a, 10);
    // Sixteen callers split over two shops send the same adjustment with the same key.
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let shop = if i % 2 == 0 { a.clone() } else { b.clone() };
                scope.spawn(move || {
                    let owner = shop.actor(uid(1)).unwrap();
                    shop.adjust_balance(&owner, uid(10), money("7"), "once", &key("same"))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(a.wallet(uid(10)).unwrap().balance, money("7"));
    assert_eq!(b.wallet(uid(10)).unwrap().balance, money("7"));
    assert!(b.verify().unwrap().is_healthy());
}

const CHILD_URL: &str = "SHOPCORE_TEST_PG_CHILD_URL";

/// Not a test on its own: re-run as a child process with `CHILD_URL` set, it adjusts user
/// 10's balance by 1 from four threads, forever, printing `ACK key` once each call returned.
#[test]
fn child_load_helper() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let clock = Arc::new(ManualClock::new(START));
    let shop = Arc::new(Shop::open(&url, config(&clock)).unwrap());
    let next = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (shop, next) = (shop.clone(), next.clone());
            std::thread::spawn(move || {
                let owner = shop.actor(uid(1)).unwrap();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let k = format!("k{n}");
                    shop.adjust_balance(&owner, uid(10), money("1"), "load", &key(&k))
                        .unwrap();
                    println!("ACK {k}");
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

#[test]
fn a_shop_process_killed_mid_load_loses_nothing_it_acknowledged() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    {
        let shop = Shop::open(&url, config(&clock)).unwrap();
        register(&shop, 10);
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "postgres::child_load_helper",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_URL, &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked = Vec::new();
    let mut lines = std::io::BufReader::new(stdout).lines();
    while acked.len() < 300 {
        let line = lines.next().expect("the child acknowledges").unwrap();
        if let Some(k) = line.strip_prefix("ACK ") {
            acked.push(k.to_owned());
        }
    }
    child.kill().unwrap();
    // Whatever it printed before dying was acknowledged too.
    for line in lines {
        if let Some(k) = line.unwrap().strip_prefix("ACK ") {
            acked.push(k.to_owned());
        }
    }
    child.wait().unwrap();
    let shop = Shop::open(&url, config(&clock)).unwrap();
    let owner = shop.actor(uid(1)).unwrap();
    let balance = shop.wallet(uid(10)).unwrap().balance;
    let acked_total = money(&acked.len().to_string());
    // At least every acknowledged change; at most one more per thread (a call in flight).
    assert!(balance >= acked_total, "{balance} < {acked_total}");
    assert!(
        balance <= money(&(acked.len() + 4).to_string()),
        "{balance} for {} acknowledged",
        acked.len()
    );
    // Each acknowledged key replays: nothing is applied twice.
    for k in acked.iter().take(50) {
        shop.adjust_balance(&owner, uid(10), money("1"), "load", &key(k))
            .unwrap();
    }
    assert_eq!(shop.wallet(uid(10)).unwrap().balance, balance);
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// A PostgreSQL server of the test's own (a cluster in a temporary directory, on a free
/// port of 127.0.0.1), so it can be restarted without disturbing other tests.
struct PrivateServer {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    port: u16,
}

impl PrivateServer {
    /// `None` (with a note) without PostgreSQL's binaries, outside CI.
    fn start() -> Option<PrivateServer> {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|dirs| {
                let mut versions: Vec<PathBuf> = dirs
                    .filter_map(|d| d.ok().map(|d| d.path().join("bin")))
                    .filter(|p| p.join("pg_ctl").exists())
                    .collect();
                versions.sort();
                versions.pop()
            });
        let Some(bindir) = bindir else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the PostgreSQL tests: install PostgreSQL's server"
            );
            eprintln!("no PostgreSQL server binaries: restart test not run");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let server = PrivateServer { dir, bindir, port };
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:", &server.dir.path().display().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        let data = server.data();
        server.run(
            "initdb",
            &["-D", &data, "-U", "shopcore", "-A", "trust", "-E", "UTF8"],
        );
        server.pg_ctl("start");
        Some(server)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://shopcore@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let binary = self.bindir.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        let output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.data();
        let log = self.dir.path().join("server.log").display().to_string();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {}",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-w", "-m", "fast", "-o", &options, action,
            ],
        );
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let data = self.data();
        let _ = Command::new(if is_root() { "runuser" } else { "true" })
            .args(["-u", "postgres", "--"])
            .arg(self.bindir.join("pg_ctl"))
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
        if !is_root() {
            let _ = Command::new(self.bindir.join("pg_ctl"))
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_server_restart_mid_load_gives_clear_errors_and_loses_nothing() {
    if shopcore::testkit::postgres::server("the restart test").is_none() {
        return;
    }
    let Some(pg) = PrivateServer::start() else {
        return;
    };
    let clock = Arc::new(ManualClock::new(START));
    let shop = Arc::new(Shop::open(pg.url(), config(&clock)).unwrap());
    register(&shop, 10);
    const CALLS: u64 = 400;
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let errors = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                let owner = shop.actor(uid(1)).unwrap();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= CALLS {
                        return;
                    }
                    // Each change is retried with its key until acknowledged: a call cut off
                    // by the restart may or may not have been made, and the key makes it
                    // happen once either way.
                    let k = key(&format!("r{n}"));
                    loop {
                        match shop.adjust_balance(&owner, uid(10), money("1"), "load", &k) {
                            Ok(_) => break,
                            Err(e) => {
                                assert!(
                                    matches!(e.kind(), "store.unavailable"),
                                    "a restart gives a clear error, not {}: {e}",
                                    e.kind()
                                );
                                errors.lock().unwrap().push(e.to_string());
                                assert!(!stop.load(Ordering::Relaxed), "gave up: {e}");
                                std::thread::sleep(std::time::Duration::from_millis(50));
                            }
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // Restart the server once a quarter of the calls are in.
        while done.load(Ordering::Relaxed) < CALLS / 4 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        pg.pg_ctl("restart");
    });
    stop.store(true, Ordering::Relaxed);
    let errors = errors.into_inner().unwrap();
    assert!(!errors.is_empty(), "the restart cut off calls in flight");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("database server is unavailable")),
        "{errors:?}"
    );
    // Exactly one change per key: none lost, none twice.
    assert_eq!(
        shop.wallet(uid(10)).unwrap().balance,
        money(&CALLS.to_string())
    );
    let report = shop.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
    drop(shop);
    // And a shop opened afresh agrees.
    let again = Shop::open(pg.url(), config(&clock)).unwrap();
    assert_eq!(
        again.wallet(uid(10)).unwrap().balance,
        money(&CALLS.to_string())
    );
}

#[test]
fn the_schema_is_versioned_and_a_newer_one_is_refused() {
    let Some((schema, url, clock)) = database() else {
        return;
    };
    drop(Shop::open(&url, config(&clock)).unwrap());
    let mut client = schema.client();
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM shopcore_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        versions,
        (1..=i32::try_from(versions.len()).unwrap()).collect::<Vec<_>>()
    );
    assert!(!versions.is_empty());
    // Opening again applies nothing twice.
    drop(Shop::open(&url, config(&clock)).unwrap());
    let count: i64 = client
        .query_one("SELECT count(*) FROM shopcore_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(usize::try_from(count).unwrap(), versions.len());
    // A schema a newer build migrated is refused, and left alone.
    let newer = versions.last().unwrap() + 1;
    client
        .execute(
            "INSERT INTO shopcore_migrations (version, name) VALUES ($1, 'from the future')",
            &[&newer],
        )
        .unwrap();
    let err = Shop::open(&url, config(&clock)).unwrap_err();
    assert!(err.to_string().contains("newer shopcore"), "{err}");
    assert!(!err.to_string().contains("password"), "{err}");
}

#[test]
fn a_bad_url_or_an_absent_server_is_a_clear_error() {
    let clock = Arc::new(ManualClock::new(START));
    let err = Shop::open("postgres://shopcore:secret@127.0.0.1:1/db", config(&clock)).unwrap_err();
    assert_eq!(err.kind(), "store.unavailable", "{err}");
    assert!(
        err.to_string()
            .contains("cannot connect to PostgreSQL at postgres://shopcore@127.0.0.1:1/db"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("secret"),
        "the password never shows: {err}"
    );
    let err = Shop::open("postgres://127.0.0.1/db?schema=Bad-Name", config(&clock)).unwrap_err();
    assert!(err.to_string().contains("schema \"Bad-Name\""), "{err}");
    // The location never shows a password either.
    let location = shopcore::Location::from("postgres://u:secret@h:5/db?schema=s");
    assert_eq!(location.to_string(), "postgres://u:***@h:5/db?schema=s");
    assert!(!format!("{location:?}").contains("secret"));
}

#[test]
fn each_shop_sees_the_others_commits_at_once() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner_a), (b, owner_b)) = two_processes(&url, &clock);
    register(&a, 10);
    // Turn by turn: each shop's writer keeps what it read in a cache, which must never
    // hide the other's commit (the balance each reads is the one it adds to).
    for i in 0..20u64 {
        let (shop, owner) = if i % 2 == 0 {
            (&a, &owner_a)
        } else {
            (&b, &owner_b)
        };
        let after = shop
            .adjust_balance(owner, uid(10), money("2"), "turns", &key(&format!("t{i}")))
            .unwrap();
        assert_eq!(
            after.balance_after,
            money(&(2 * (i + 1)).to_string()),
            "turn {i}"
        );
    }
    assert_eq!(a.wallet(uid(10)).unwrap().balance, money("40"));
    let report = a.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// Waits until `shop`'s writer reads optimistically again (it reads under the shop's lock
/// for a second after a conflict).
fn optimistic_again() {
    std::thread::sleep(std::time::Duration::from_millis(1_100));
}

#[test]
fn a_record_another_process_changed_is_found_at_commit_and_the_body_runs_again() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let (a, p) = stocked_shop(&url, &clock, 10, 0);
    let b = Shop::open(&url, config(&clock)).unwrap();
    register(&a, 10);
    let (owner_a, owner_b) = (a.actor(uid(1)).unwrap(), b.actor(uid(1)).unwrap());
    let shopper_b = b.actor(uid(10)).unwrap();
    let conflicts = |shop: &Shop| shop.store_counters().conflicts;
    // B reads the wallet (and keeps it in its writer's cache); A changes it.
    b.adjust_balance(&owner_b, uid(10), money("10"), "first", &key("b1"))
        .unwrap();
    a.adjust_balance(&owner_a, uid(10), money("5"), "second", &key("a1"))
        .unwrap();
    // B's next change was computed on 10, is found stale when it commits, runs again on 15.
    let before = conflicts(&b);
    let after = b
        .adjust_balance(&owner_b, uid(10), money("1"), "third", &key("b2"))
        .unwrap();
    assert_eq!(after.balance_after, money("16"));
    assert_eq!(conflicts(&b), before + 1, "one conflict, one run again");
    // A purchase B would allow on what it last saw (16) but that A's change made
    // impossible is refused, with nothing written.
    optimistic_again();
    a.adjust_balance(&owner_a, uid(10), money("-16"), "emptied", &key("a2"))
        .unwrap();
    let before = conflicts(&b);
    let err = b
        .create_order(&shopper_b, &by_balance(p), &key("o1"))
        .unwrap_err();
    assert_eq!(err.kind(), "wallet.insufficient_balance", "{err}");
    assert_eq!(conflicts(&b), before + 1);
    // And a refusal B would give on what it last saw (0) is not given once A changed it:
    // a refusal is compared at commit too.
    optimistic_again();
    a.adjust_balance(&owner_a, uid(10), money("5"), "refilled", &key("a3"))
        .unwrap();
    let before = conflicts(&b);
    let order = b
        .create_order(&shopper_b, &by_balance(p), &key("o2"))
        .unwrap();
    assert_eq!(conflicts(&b), before + 1);
    assert_eq!(a.wallet(uid(10)).unwrap().balance, money("0"));
    assert_eq!(
        a.order(&owner_a, order.id).unwrap().status,
        shopcore::OrderStatus::Paid
    );
    assert_eq!(a.product(p).unwrap().unwrap().stock, Stock::Limited(9));
    assert!(a.verify().unwrap().is_healthy());
    assert!(b.verify().unwrap().is_healthy());
}

#[test]
fn processes_opening_a_new_database_together_all_open_one_shop() {
    // Replicas started at once on a new database: each opens it as the shop the first
    // one creates (none may take the first one's records for a stranger's).
    for round in 0..8 {
        let Some((_schema, url, clock)) = database() else {
            return;
        };
        let opened: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| Shop::open(&url, config(&clock))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for shop in &opened {
            let shop = shop
                .as_ref()
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert!(shop.verify().unwrap().is_healthy());
        }
    }
}

#[test]
fn orders_the_ledger_and_the_audit_log_read_with_plain_sql() {
    let Some((schema, url, clock)) = database() else {
        return;
    };
    let (shop, p) = stocked_shop(&url, &clock, 3, 1);
    let owner = shop.actor(uid(1)).unwrap();
    let buyer = shop.actor(uid(1_000)).unwrap();
    let order = shop
        .create_order(&buyer, &by_balance(p), &key("o1"))
        .unwrap();
    shop.complete_order(&owner, order.id, Some("CODE-SECRET-1"), &key("c1"))
        .unwrap();
    let mut db = schema.client();
    let row = db
        .query_one(
            "SELECT status, total_usd::text, user_id, product_name, created_at = to_timestamp($1::double precision / 1000) \
             FROM orders WHERE order_id = $2",
            &[&(START.0 as f64), &i64::try_from(order.id.get()).unwrap()],
        )
        .unwrap();
    assert_eq!(row.get::<_, &str>(0), "Completed");
    assert_eq!(row.get::<_, &str>(1), "5");
    assert_eq!(row.get::<_, i64>(2), 1_000);
    assert_eq!(row.get::<_, &str>(3), "Last units");
    assert!(row.get::<_, bool>(4), "created_at is the order's time");
    // The ledger adds up to the balance the shop reports.
    let sum: String = db
        .query_one(
            "SELECT sum(amount)::text FROM ledger_entries WHERE user_id = 1000",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(money(&sum), shop.wallet(uid(1_000)).unwrap().balance);
    let balance: String = db
        .query_one(
            "SELECT balance::text FROM wallets WHERE user_id = 1000",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(money(&balance), money("5"));
    // The audit log, one row per entry, chained.
    let newest = last_audit_of(&shop, &owner);
    let (entries, newest_seq, action): (i64, i64, String) = {
        let r = db
            .query_one(
                "SELECT count(*), max(seq), (SELECT action FROM audit_entries ORDER BY seq DESC LIMIT 1) FROM audit_entries",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(u64::try_from(newest_seq).unwrap(), newest.seq);
    // (Numbered in the lane of the shop's writer: see `common::config`.)
    assert_eq!(
        u64::try_from(entries).unwrap(),
        newest.seq & ((1 << 40) - 1)
    );
    assert_eq!(action, format!("{:?}", newest.action));
    let unchained: i64 = db
        .query_one(
            "SELECT count(*) FROM audit_entries a JOIN audit_entries b ON b.seq = a.seq + 1 WHERE b.prev_hash <> a.hash",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(unchained, 0, "each entry names the one before it");
    // Typed columns.
    let types: Vec<(String, String)> = db
        .query(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns \
             WHERE table_schema = current_schema() AND (table_name, column_name) IN \
             (('orders', 'total_usd'), ('orders', 'created_at'), ('wallets', 'balance'), ('users', 'role'), ('ledger_entries', 'amount')) \
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected = [
        ("ledger_entries.amount", "numeric"),
        ("orders.created_at", "timestamp with time zone"),
        ("orders.total_usd", "numeric"),
        ("users.role", "text"),
        ("wallets.balance", "numeric"),
    ];
    assert_eq!(
        types,
        expected
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    );
    // What reporting reads has no codes.
    let secret_columns: i64 = db
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name LIKE 'report_%' AND column_name IN ('delivery', 'body', 'v')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(secret_columns, 0);
    let leaked: i64 = db
        .query_one(
            "SELECT count(*) FROM report_orders r WHERE r::text LIKE '%CODE-SECRET%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(leaked, 0);
    // An order of two units: its quantity is a column of the orders and of the report.
    shop.set_order_limit(&owner, p, 2).unwrap();
    shop.adjust_balance(&owner, uid(1_000), money("10"), "more", &key("more"))
        .unwrap();
    let pair = shop
        .create_order(
            &buyer,
            &shopcore::OrderRequest {
                quantity: 2,
                ..by_balance(p)
            },
            &key("o2"),
        )
        .unwrap();
    let quantities: Vec<(i64, i32)> = db
        .query(
            "SELECT order_id, quantity FROM report_orders ORDER BY order_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        quantities,
        [
            (i64::try_from(order.id.get()).unwrap(), 1),
            (i64::try_from(pair.id.get()).unwrap(), 2)
        ]
    );
}

#[test]
fn the_database_refuses_records_that_break_an_invariant() {
    let Some((schema, url, clock)) = database() else {
        return;
    };
    let shop = Shop::open(&url, config(&clock)).unwrap();
    let owner = shop.actor(uid(1)).unwrap();
    register(&shop, 10);
    register(&shop, 11);
    shop.adjust_balance(&owner, uid(10), money("3"), "float", &key("f"))
        .unwrap();
    shop.create_coupon(
        &owner,
        &shopcore::NewCoupon {
            code: "ONCE".into(),
            kind: shopcore::CouponKind::Percentage(shopcore::Decimal::from(10)),
            max_uses: 1,
            uses_per_user: 1,
            min_order_usd: None,
            expires_at: None,
            scope: shopcore::CouponScope::All,
        },
    )
    .unwrap();
    let digest = shop.state_digest().unwrap();
    let mut db = schema.client();
    let refused = |db: &mut postgres::Client, statement: &str, constraint: &str| {
        let err = db.batch_execute(statement).unwrap_err();
        let text = err
            .as_db_error()
            .map(|e| format!("{}: {}", e.message(), e.constraint().unwrap_or("")))
            .unwrap_or_else(|| err.to_string());
        assert!(text.contains(constraint), "{statement}: {text}");
    };
    refused(
        &mut db,
        "UPDATE wallets SET body = jsonb_set(body, '{balance}', '\"-0.01\"') WHERE user_id = 10",
        "balance_never_below_zero",
    );
    refused(
        &mut db,
        "UPDATE coupons SET body = jsonb_set(body, '{uses}', '2') WHERE code = 'ONCE'",
        "coupon_uses_within_limit",
    );
    refused(
        &mut db,
        "INSERT INTO ledger_chunks (k, v, body) VALUES ('\\x00000000000003e7', '\\x00', \
         '[{\"seq\": 7999, \"amount\": \"5\", \"balance_before\": \"0\", \"balance_after\": \"6\"}]')",
        "ledger_entries_add_up",
    );
    // Two accounts holding the same open order.
    db.batch_execute(
        "INSERT INTO wallets (k, v, body) VALUES (int8send(11), '\\x00', \
         '{\"balance\": \"0\", \"pending_topups\": 0, \"open_order\": 77}')",
    )
    .unwrap();
    refused(
        &mut db,
        "UPDATE wallets SET body = jsonb_set(body, '{open_order}', '77') WHERE user_id = 10",
        "wallets_open_order_idx",
    );
    db.batch_execute("DELETE FROM wallets WHERE user_id = 11")
        .unwrap();
    // A decision on a top-up is final.
    db.batch_execute(
        "INSERT INTO topups (k, v, body) VALUES (int8send(900), '\\x00', \
         '{\"id\": 900, \"user\": 10, \"status\": \"Approved\", \"amount\": \"1\", \"amount_usd\": \"1\"}')",
    )
    .unwrap();
    refused(
        &mut db,
        "UPDATE topups SET body = jsonb_set(body, '{status}', '\"Rejected\"') WHERE topup_id = 900",
        "a decision is final",
    );
    db.batch_execute("DELETE FROM topups WHERE topup_id = 900")
        .unwrap();
    // An account of a user the shop does not know.
    refused(
        &mut db,
        "INSERT INTO wallets (k, v, body) VALUES (int8send(4242), '\\x00', '{\"balance\": \"1\", \"pending_topups\": 0}')",
        "wallets_user",
    );
    // Nothing the database refused changed the shop.
    assert_eq!(shop.state_digest().unwrap(), digest);
    assert!(shop.verify().unwrap().is_healthy());
}

#[test]
fn a_sled_shop_moves_to_postgres_and_back() {
    let Some((schema, url, clock)) = database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sled_path = dir.path().join("shop.db");
    let (shop, p) = stocked_shop(sled_path.to_str().unwrap(), &clock, 10, 6);
    let owner = shop.actor(uid(1)).unwrap();
    for i in 0..4u64 {
        let buyer = shop.actor(uid(1_000 + i)).unwrap();
        let order = shop
            .create_order(&buyer, &by_balance(p), &key("buy"))
            .unwrap();
        if i % 2 == 0 {
            shop.complete_order(&owner, order.id, Some("done"), &key(&format!("c{i}")))
                .unwrap();
        }
    }
    let digest = shop.state_digest().unwrap();
    // A shopper may not copy the shop.
    let shopper = shop.actor(uid(1_000)).unwrap();
    let err = shop
        .copy_to(&shopper, &url, config(&clock), |_, _| {})
        .unwrap_err();
    assert_eq!(err.kind(), "denied.missing_permission", "{err}");
    // Into PostgreSQL, with progress.
    let mut heard = Vec::new();
    let summary = shop
        .copy_to(&owner, &url, config(&clock), |table, n| {
            heard.push((table.to_owned(), n));
        })
        .unwrap();
    assert!(summary.records > 50, "{summary:?}");
    assert_eq!(heard.last().map(|(_, n)| *n), Some(summary.records));
    assert!(heard.iter().any(|(t, _)| t == "orders"));
    let moved = Shop::open(&url, config(&clock)).unwrap();
    assert_eq!(moved.state_digest().unwrap(), digest);
    for i in 0..6u64 {
        assert_eq!(
            moved.wallet(uid(1_000 + i)).unwrap(),
            shop.wallet(uid(1_000 + i)).unwrap()
        );
    }
    assert!(moved.verify().unwrap().is_healthy());
    // The moved shop goes on working, and is read with SQL.
    let buyer = moved.actor(uid(1_005)).unwrap();
    let on_pg = moved
        .create_order(&buyer, &by_balance(p), &key("after-the-move"))
        .unwrap();
    // (Its writer took a block of ids after sled's four, up to the end of the index chunk.)
    assert_eq!(on_pg.id.get(), 5);
    let orders: i64 = schema
        .client()
        .query_one("SELECT count(*) FROM orders", &[])
        .unwrap()
        .get(0);
    assert_eq!(orders, 5);
    // Copying into a schema that holds a shop is refused, and changes nothing there.
    let after = moved.state_digest().unwrap();
    let err = shop
        .copy_to(&owner, &url, config(&clock), |_, _| {})
        .unwrap_err();
    assert_eq!(err.kind(), "backup.target_not_empty", "{err}");
    assert_eq!(moved.state_digest().unwrap(), after);
    // And back into sled, next to the original.
    let back_path = dir.path().join("back.db");
    let owner_pg = moved.actor(uid(1)).unwrap();
    moved
        .copy_to(&owner_pg, &back_path, config(&clock), |_, _| {})
        .unwrap();
    drop(moved);
    let back = Shop::open(&back_path, config(&clock)).unwrap();
    assert_eq!(back.state_digest().unwrap(), after);
    assert!(back.verify().unwrap().is_healthy());
    // What PostgreSQL wrote in its writer's lane (the suites run in lane 1) came along, and
    // sled goes on in lane 0 beside it: the chains verify, the notices of both lanes are
    // delivered once.
    let buyer = back.actor(uid(1_004)).unwrap();
    let in_sled = back
        .create_order(&buyer, &by_balance(p), &key("back-in-sled"))
        .unwrap();
    // Numbered above the block PostgreSQL took, though it used one id of it.
    assert_eq!(in_sled.id.get(), 1024);
    let report = back.verify().unwrap();
    assert!(report.is_healthy(), "{report}");
    let check = back.check_startup().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let notices = back.pending_notifications("bot", 100).unwrap();
    let lanes: std::collections::BTreeSet<u64> = notices.iter().map(|n| n.seq >> 40).collect();
    assert_eq!(lanes.len(), 2, "{notices:?}");
    for n in &notices {
        back.ack_notifications("bot", n.seq).unwrap();
    }
    assert!(back.pending_notifications("bot", 100).unwrap().is_empty());
    assert_eq!(back.notification_backlog("bot").unwrap(), 0);
    // A directory that exists is never written into.
    let err = back
        .copy_to(
            &back.actor(uid(1)).unwrap(),
            &sled_path,
            config(&clock),
            |_, _| {},
        )
        .unwrap_err();
    assert_eq!(err.kind(), "backup.target_exists", "{err}");
}

#[test]
fn a_mode_set_by_one_process_holds_in_the_other_at_once() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let (a, p) = stocked_shop(&url, &clock, 5, 1);
    let b = Shop::open(&url, config(&clock)).unwrap();
    assert_eq!(b.settings().state, shopcore::StoreState::Open);
    a.set_store_state(
        &a.actor(uid(1)).unwrap(),
        shopcore::StoreState::Emergency,
        Some("leaked codes"),
    )
    .unwrap();
    // The other process's rules refuse at once (they read the settings they check)…
    let buyer = b.actor(uid(1_000)).unwrap();
    let err = b
        .create_order(&buyer, &by_balance(p), &key("during"))
        .unwrap_err();
    assert_eq!(err.kind(), "mode.emergency", "{err}");
    // …and what it shows follows within a second.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert_eq!(b.settings().state, shopcore::StoreState::Emergency);
}

/// Two shops on one database, as two processes, each with the owner's actor: the first
/// writer in the lower lane.
fn two_processes(
    url: &str,
    clock: &Arc<ManualClock>,
) -> ((Shop, shopcore::Actor), (Shop, shopcore::Actor)) {
    let a = Shop::open(url, config(clock)).unwrap();
    let b = Shop::open(url, config(clock)).unwrap();
    let (owner_a, owner_b) = (a.actor(uid(1)).unwrap(), b.actor(uid(1)).unwrap());
    ((a, owner_a), (b, owner_b))
}

/// The sequence numbers of the `ViewStats` entries, read through the action index.
fn dashboard_views(shop: &Shop, reader: &shopcore::Actor) -> Vec<u64> {
    let page = shop
        .audit_log(
            reader,
            &shopcore::AuditQuery {
                action: Some(shopcore::AuditAction::ViewStats),
                limit: 200,
                ..Default::default()
            },
        )
        .unwrap();
    page.entries.iter().map(|e| e.seq).collect()
}

#[test]
fn audit_entries_of_two_processes_chain_in_lanes_of_their_own_without_conflicts() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner_a), (b, owner_b)) = two_processes(&url, &clock);
    let conflicts = |shop: &Shop| shop.store_counters().conflicts;
    let before = (conflicts(&a), conflicts(&b));
    // Audited commits of both processes, alternating: each appends to its own chain, so
    // neither finds a record it read changed by the other (with one chain, each commit
    // after the other's found the head changed and ran again).
    for _ in 0..10 {
        a.dashboard(&owner_a, Default::default()).unwrap();
        b.dashboard(&owner_b, Default::default()).unwrap();
    }
    assert_eq!((conflicts(&a), conflicts(&b)), before, "no conflicts");
    // Both processes' entries are found through the indexes, from either process: ten in
    // the first lane, ten in the second, each lane numbered from 1 in commit order.
    let seqs = dashboard_views(&b, &owner_b);
    assert_eq!(seqs, dashboard_views(&a, &owner_a));
    let lane = |seq: u64| seq >> 40;
    let lane_a = lane(*seqs.last().unwrap());
    let (first, second): (Vec<u64>, Vec<u64>) = seqs.iter().partition(|s| lane(**s) == lane_a);
    assert_eq!((first.len(), second.len()), (10, 10), "{seqs:?}");
    let lane_b = lane(second[0]);
    assert!(second.iter().all(|s| lane(*s) == lane_b), "{seqs:?}");
    let mut numbers: Vec<u64> = second.iter().map(|s| s & ((1 << 40) - 1)).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    for shop in [&a, &b] {
        assert!(shop.verify().unwrap().is_healthy());
    }
    // More in both lanes after the watermark: the start-up check follows each lane's tail.
    a.dashboard(&owner_a, Default::default()).unwrap();
    b.dashboard(&owner_b, Default::default()).unwrap();
    let check = b.check_startup().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert!(check.audit_entries >= 2, "{check:?}");
    // A lost tail of the second lane is found, by the full check and the start-up check.
    let last_b = *dashboard_views(&a, &owner_a).iter().max().unwrap();
    assert_eq!(lane(last_b), lane_b);
    let raw = crate::common::RawStore::open(std::path::Path::new(&url));
    let entry = raw
        .table("audit")
        .remove(last_b.to_be_bytes())
        .unwrap()
        .unwrap();
    let lost = format!("the head record names entry {last_b}");
    let problems = a.verify().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&lost)), "{problems:?}");
    // (The start-up check moved the watermark to it: the watermark's link is missing.)
    let problems = b.check_startup().unwrap().problems;
    let cut = format!("entry {last_b} named by the verified watermark is missing");
    assert!(problems.iter().any(|p| p.contains(&cut)), "{problems:?}");
    // Put back, the shop is healthy again; an entry altered in the second lane is found.
    raw.table("audit")
        .insert(last_b.to_be_bytes(), entry)
        .unwrap();
    assert!(a.verify().unwrap().is_healthy());
    let mut altered = raw
        .table("audit")
        .get(second[0].to_be_bytes())
        .unwrap()
        .unwrap()
        .to_vec();
    let last = altered.len() - 40;
    altered[last] ^= 1;
    raw.table("audit")
        .insert(second[0].to_be_bytes(), altered)
        .unwrap();
    let problems = a.verify().unwrap().problems;
    assert!(!problems.is_empty());
    assert!(
        problems.iter().all(|p| p.contains(&second[0].to_string())),
        "{problems:?}"
    );
}

#[test]
fn ledger_entries_of_two_processes_post_in_lanes_and_each_users_chain_crosses_them() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner_a), (b, owner_b)) = two_processes(&url, &clock);
    for id in 10..13 {
        register(&a, id);
    }
    let conflicts = |shop: &Shop| shop.store_counters().conflicts;
    let before = (conflicts(&a), conflicts(&b));
    // Credits of different shoppers through both processes, alternating: each posts in its
    // own lane of the ledger (with one ledger, each commit after the other's found the
    // ledger's counter and last chunk changed and ran again).
    for i in 0..5 {
        a.adjust_balance(
            &owner_a,
            uid(10),
            money("5"),
            "float",
            &key(&format!("a{i}")),
        )
        .unwrap();
        b.adjust_balance(
            &owner_b,
            uid(11),
            money("3"),
            "float",
            &key(&format!("b{i}")),
        )
        .unwrap();
    }
    assert_eq!((conflicts(&a), conflicts(&b)), before, "no conflicts");
    // One shopper's balance moved by both processes: their chain crosses the lanes.
    let mut expected = Vec::new();
    for (i, amount) in ["7", "-2", "4", "-6", "1"].into_iter().enumerate() {
        let (shop, owner) = if i % 2 == 0 {
            (&a, &owner_a)
        } else {
            (&b, &owner_b)
        };
        let entry = shop
            .adjust_balance(
                owner,
                uid(12),
                money(amount),
                "mixed",
                &key(&format!("m{i}")),
            )
            .unwrap();
        expected.push(entry.seq);
    }
    let lane = |seq: u64| seq >> 40;
    let lanes: std::collections::BTreeSet<u64> = expected.iter().map(|s| lane(*s)).collect();
    assert_eq!(lanes.len(), 2, "{expected:?}");
    // Each lane numbered from 1 in its own order, with no gap.
    let numbers = |l: u64| -> Vec<u64> {
        let raw = crate::common::RawStore::open(std::path::Path::new(&url));
        crate::tampering::ledger_entries(&raw)
            .into_iter()
            .filter(|e| lane(e.seq) == l)
            .map(|e| e.seq - (l << 40))
            .collect()
    };
    for l in &lanes {
        let n = numbers(*l);
        assert_eq!(n, (1..=n.len() as u64).collect::<Vec<_>>(), "lane {l}");
    }
    // The shopper's ledger, newest first, from either process, in pages: the chain.
    for (shop, owner) in [(&a, &owner_a), (&b, &owner_b)] {
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = shop.ledger(owner, uid(12), before, 2).unwrap();
            seen.extend(page.entries.iter().map(|e| e.seq));
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        let mut newest_first = expected.clone();
        newest_first.reverse();
        assert_eq!(seen, newest_first);
        assert_eq!(shop.balance(uid(12)).unwrap(), money("4"));
    }
    for shop in [&a, &b] {
        let report = shop.verify().unwrap();
        assert!(report.is_healthy(), "{report}");
    }
    // More in both lanes after the watermark, the chain crossing again: the start-up check
    // follows each lane's tail along it.
    a.adjust_balance(&owner_a, uid(12), money("2"), "tail", &key("t1"))
        .unwrap();
    let newest = b
        .adjust_balance(&owner_b, uid(12), money("-1"), "tail", &key("t2"))
        .unwrap();
    let check = a.check_startup().unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert_eq!(check.ledger_entries, 2, "{check:?}");
    assert!(b.check_startup().unwrap().problems.is_empty());
    // An entry after the watermark, continuing the other lane's, altered to start from
    // another balance (still adding up): found by both checks.
    let next = a
        .adjust_balance(&owner_a, uid(12), money("1"), "later", &key("t3"))
        .unwrap();
    assert_eq!(next.prev_for_user, Some(newest.seq));
    assert_ne!(lane(next.seq), lane(newest.seq));
    let raw = crate::common::RawStore::open(std::path::Path::new(&url));
    let mut forged = next.clone();
    forged.balance_before = money("9");
    forged.balance_after = money("10");
    crate::tampering::put_ledger(&raw, &forged);
    let starts = format!("ledger entry {} of user 12 starts at 9", forged.seq);
    let problems = b.check_startup().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&starts)), "{problems:?}");
    let problems = a.verify().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&starts)), "{problems:?}");
    // Put back, both are clean again.
    crate::tampering::put_ledger(&raw, &next);
    assert!(a.verify().unwrap().is_healthy());
    assert!(b.check_startup().unwrap().problems.is_empty());
}

#[test]
fn two_processes_selling_different_products_do_not_conflict() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner_a), (b, owner_b)) = two_processes(&url, &clock);
    a.set_fulfilment_mode(&owner_a, shopcore::FulfilmentMode::Auto)
        .unwrap();
    let cat = a.create_category(&owner_a, "Games", 0).unwrap().id;
    // A code product for each process, and shoppers of each with money.
    let mut products = Vec::new();
    for (shop, owner, name) in [(&a, &owner_a, "A"), (&b, &owner_b, "B")] {
        let mut new = crate::common::new_product(cat, name, "1");
        new.delivery = Delivery::Codes;
        new.stock = Stock::Unlimited;
        let p = shop.create_product(owner, &new).unwrap().id;
        let codes: Vec<String> = (0..12).map(|i| format!("{name}-CODE-{i}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        shop.add_codes(owner, p, &codes).unwrap();
        products.push(p);
    }
    for id in 2_000..2_012u64 {
        register(&a, id);
        a.adjust_balance(
            &owner_a,
            uid(id),
            money("5"),
            "float",
            &key(&format!("f{id}")),
        )
        .unwrap();
    }
    // Orders through both processes, alternating, a minute apart; each completes at once
    // (codes): the order, its payment, its code, its roll-ups, its notices. The first of
    // each process takes a block of order ids from the shared counter (once per 1,024
    // orders, and may conflict with the other's); the others share nothing.
    let conflicts = |shop: &Shop| shop.store_counters().conflicts;
    let mut before = (conflicts(&a), conflicts(&b));
    let mut ids = Vec::new();
    for i in 0..12u64 {
        if i == 2 {
            before = (conflicts(&a), conflicts(&b));
        }
        clock.advance_millis(60_000);
        let (shop, p) = if i % 2 == 0 {
            (&a, products[0])
        } else {
            (&b, products[1])
        };
        let shopper = shop.actor(uid(2_000 + i)).unwrap();
        let order = shop
            .create_order(&shopper, &by_balance(p), &key(&format!("o{i}")))
            .unwrap();
        assert_eq!(order.status, shopcore::OrderStatus::Completed);
        ids.push(order.id);
    }
    assert_eq!((conflicts(&a), conflicts(&b)), before, "no conflicts");
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    // Each process's ids follow each other within its block; the blocks do not overlap.
    let mine: Vec<u64> = ids.iter().step_by(2).map(|id| id.get()).collect();
    let theirs: Vec<u64> = ids.iter().skip(1).step_by(2).map(|id| id.get()).collect();
    assert!(mine.windows(2).all(|w| w[1] == w[0] + 1), "{mine:?}");
    assert!(theirs.windows(2).all(|w| w[1] == w[0] + 1), "{theirs:?}");
    // (Blocks end where a chunk of the status index ends: the processes share no chunk.)
    assert_ne!(mine[0] / 1024, theirs[0] / 1024, "{ids:?}");
    assert_eq!(mine[0] / 1024, mine.last().unwrap() / 1024, "{ids:?}");
    assert_eq!(theirs[0] / 1024, theirs.last().unwrap() / 1024, "{ids:?}");
    // The figures count every order once, whichever process counted it.
    for (shop, owner) in [(&a, &owner_a), (&b, &owner_b)] {
        let totals = shop.totals().unwrap();
        assert_eq!(totals.orders, 12);
        assert_eq!(totals.revenue_usd, money("12"));
        assert_eq!(totals.completed_auto, 12);
        let dashboard = shop.dashboard(owner, Default::default()).unwrap();
        assert_eq!(dashboard.orders.today, 12);
        assert_eq!(dashboard.revenue.today, money("12"));
        let units: Vec<u64> = dashboard.best_by_units.iter().map(|b| b.units).collect();
        assert_eq!(units, [6, 6]);
        let report = shop.verify().unwrap();
        assert!(report.is_healthy(), "{report}");
        assert!(shop.check_startup().unwrap().problems.is_empty());
    }
    // The last order a process handed out from its block, lost: named by both checks.
    let raw = crate::common::RawStore::open(std::path::Path::new(&url));
    let last = *theirs.last().unwrap();
    let order = raw
        .table("orders")
        .remove(last.to_be_bytes())
        .unwrap()
        .unwrap();
    let lost = format!("order {last}, the last lane");
    let problems = a.verify().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&lost)), "{problems:?}");
    let problems = b.check_startup().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&lost)), "{problems:?}");
    // Back, and one more under the block's next id, which was never handed out: added.
    raw.table("orders")
        .insert(last.to_be_bytes(), order.clone())
        .unwrap();
    raw.table("orders")
        .insert((last + 1).to_be_bytes(), order)
        .unwrap();
    let added = format!("order {} is stored in lane", last + 1);
    let problems = b.check_startup().unwrap().problems;
    assert!(problems.iter().any(|p| p.contains(&added)), "{problems:?}");
    raw.table("orders")
        .remove((last + 1).to_be_bytes())
        .unwrap();
    assert!(a.verify().unwrap().is_healthy());
}

#[test]
fn a_replica_asking_for_a_job_another_holds_does_not_conflict() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, _), (b, _)) = two_processes(&url, &clock);
    let ttl = std::time::Duration::from_secs(30);
    assert!(a.claim_job("outbox", "replica-a", ttl).unwrap());
    assert!(!b.claim_job("outbox", "replica-b", ttl).unwrap());
    // Each period the holder renews its lease and the other asks again (as the bot's
    // replicas do for every periodic job): the asking replica reads the lease as it is now,
    // so its answer needs no second run (before: it compared the lease it had read the
    // period before, found it renewed, and ran again under the shop's lock).
    let before = b.store_counters().conflicts;
    for _ in 0..5 {
        clock.advance_millis(2_000);
        assert!(a.claim_job("outbox", "replica-a", ttl).unwrap());
        assert!(!b.claim_job("outbox", "replica-b", ttl).unwrap());
    }
    assert_eq!(b.store_counters().conflicts, before, "no conflicts");
    // Once the holder stops renewing, the lease lapses and the other takes it.
    clock.advance_millis(31_000);
    assert!(b.claim_job("outbox", "replica-b", ttl).unwrap());
    assert!(!a.claim_job("outbox", "replica-a", ttl).unwrap());
}

#[test]
fn the_audit_log_lists_two_processes_entries_newest_first() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner_a), (b, owner_b)) = two_processes(&url, &clock);
    // Views a second apart, alternating between the processes (two lanes), over two hours.
    let mut made = Vec::new();
    for i in 0..8u64 {
        clock.advance_millis(if i == 4 { 3_600_000 } else { 1_000 });
        let (shop, owner) = if i % 2 == 0 {
            (&a, &owner_a)
        } else {
            (&b, &owner_b)
        };
        let before = dashboard_views(shop, owner);
        shop.dashboard(owner, Default::default()).unwrap();
        let new: Vec<u64> = dashboard_views(shop, owner)
            .into_iter()
            .filter(|seq| !before.contains(seq))
            .collect();
        assert_eq!(new.len(), 1);
        made.push(new[0]);
    }
    made.reverse();
    // Every page size, through the log and through each index: each entry once, newest
    // first, whichever process reads.
    let through = [
        shopcore::AuditQuery::default(),
        shopcore::AuditQuery {
            actor: Some(shopcore::ActorRef::User(uid(1))),
            ..Default::default()
        },
        shopcore::AuditQuery {
            since: Some(shopcore::Timestamp(START.0 + 1)),
            ..Default::default()
        },
    ];
    for (limit, base) in [1, 3, 8]
        .into_iter()
        .flat_map(|l| through.iter().map(move |q| (l, q)))
    {
        for (shop, owner) in [(&a, &owner_a), (&b, &owner_b)] {
            let mut query = shopcore::AuditQuery {
                limit,
                ..base.clone()
            };
            let mut listed = Vec::new();
            loop {
                let page = shop.audit_log(owner, &query).unwrap();
                listed.extend(
                    page.entries
                        .iter()
                        .filter(|e| e.action == shopcore::AuditAction::ViewStats)
                        .map(|e| e.seq),
                );
                match page.next {
                    Some(cursor) => query.cursor = Some(cursor),
                    None => break,
                }
            }
            assert_eq!(listed, made, "pages of {limit} of {base:?}");
        }
    }
}

#[test]
fn a_first_lane_beyond_the_last_is_refused_at_open() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    for lane in [u32::MAX, 1 << 24] {
        let config = shopcore::Config {
            postgres_first_lane: lane,
            ..config(&clock)
        };
        let err = Shop::open(&url, config).unwrap_err();
        assert!(err.to_string().contains("postgres_first_lane"), "{err}");
    }
    // The last lane that leaves room for the lanes a writer tries opens.
    let config = shopcore::Config {
        postgres_first_lane: (1 << 24) - 1 - 64,
        ..config(&clock)
    };
    let shop = Shop::open(&url, config).unwrap();
    let owner = shop.actor(uid(1)).unwrap();
    shop.dashboard(&owner, Default::default()).unwrap();
    assert!(shop.verify().unwrap().is_healthy());
}

#[test]
fn two_processes_notifications_are_delivered_once_each_through_lanes_of_their_own() {
    let Some((_schema, url, clock)) = database() else {
        return;
    };
    let ((a, owner), (b, _)) = two_processes(&url, &clock);
    let method = a
        .create_payment_method(
            &owner,
            &crate::common::new_method("Bank", "USD", "1", "1000"),
        )
        .unwrap()
        .id;
    for id in 10..16 {
        register(&a, id);
    }
    // Top-ups asked through both processes, alternating, a second apart: each tells staff,
    // in the lane of the process that took it.
    let mut asked = Vec::new();
    for (i, id) in (10..16u64).enumerate() {
        clock.advance_millis(1_000);
        let shop = if i % 2 == 0 { &a } else { &b };
        let shopper = shop.actor(uid(id)).unwrap();
        let topup = shop
            .request_topup(
                &shopper,
                &crate::common::topup_request(method, "5", &format!("t{id}")),
            )
            .unwrap();
        asked.push(topup.id);
    }
    let waiting = |n: &shopcore::Notification| match n.kind {
        shopcore::NotificationKind::StaffTopupWaiting { topup } => Some(topup),
        _ => None,
    };
    let lane = |seq: u64| seq >> 40;
    // Oldest first across both lanes, whichever process reads, in pages of any size.
    let all = b.pending_notifications("bot", 100).unwrap();
    assert_eq!(all.iter().filter_map(waiting).collect::<Vec<_>>(), asked);
    let lanes: std::collections::BTreeSet<u64> = all.iter().map(|n| lane(n.seq)).collect();
    assert_eq!(lanes.len(), 2, "{all:?}");
    assert_eq!(a.notification_backlog("bot").unwrap(), 6);
    // A consumer delivering three, one at a time, then stopping (as the bot does).
    let first = a.pending_notifications("bot", 3).unwrap();
    assert_eq!(first, all[..3]);
    for n in &first {
        a.ack_notifications("bot", n.seq).unwrap();
    }
    assert_eq!(b.notification_backlog("bot").unwrap(), 3);
    assert_eq!(b.pending_notifications("bot", 100).unwrap(), all[3..]);
    // Acknowledging the last of one lane leaves the other's.
    let last = all.last().unwrap();
    b.ack_notifications("bot", last.seq).unwrap();
    let left = a.pending_notifications("bot", 100).unwrap();
    assert!(!left.is_empty());
    assert!(
        left.iter().all(|n| lane(n.seq) != lane(last.seq)),
        "{left:?}"
    );
    for n in &left {
        a.ack_notifications("bot", n.seq).unwrap();
    }
    assert!(b.pending_notifications("bot", 100).unwrap().is_empty());
    assert_eq!(a.notification_backlog("bot").unwrap(), 0);
    // Another consumer still has all six; a number not yet written is refused and moves
    // nothing.
    assert_eq!(a.pending_notifications("web", 100).unwrap(), all);
    for bogus in [all[5].seq + 1, (lane(all[5].seq) + 7) << 40 | 1, u64::MAX] {
        let err = a.ack_notifications("web", bogus).unwrap_err();
        assert!(err.to_string().contains("notification"), "{err}");
    }
    assert_eq!(a.notification_backlog("web").unwrap(), 6);
    // Retention removes what every consumer acknowledged, lane by lane.
    for n in &all[..4] {
        a.ack_notifications("web", n.seq).unwrap();
    }
    clock.advance_millis(1_000);
    let everything = shopcore::retention::RetentionPolicy::everything_before(a.now());
    let report = a.prune(&owner, &everything).unwrap();
    assert_eq!(report.outbox_entries, 4);
    assert_eq!(b.pending_notifications("web", 100).unwrap(), all[4..]);
    assert!(a.verify().unwrap().is_healthy());
}
