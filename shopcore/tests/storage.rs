//! The storage layer seen from outside: opening rules, the schema version, corruption.

use crate::common::{TestShop, config, uid};
use shopcore::{Config, Error, Shop, StoreError};
use std::process::Command;

const CHILD_ENV: &str = "SHOPCORE_TEST_CHILD_OPEN";

/// Not a test on its own: when re-run as a child process with `CHILD_ENV` set, it tries to
/// open that database and prints the outcome.
#[test]
fn child_open_helper() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    match Shop::open(path, Config::default()) {
        Ok(_) => println!("CHILD_RESULT opened"),
        Err(e) => println!("CHILD_RESULT {} | {e}", e.kind()),
    }
}

#[test]
fn a_second_process_gets_a_clear_in_use_error() {
    let t = TestShop::new();
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["storage::child_open_helper", "--exact", "--nocapture"])
        .env(CHILD_ENV, t.path())
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("CHILD_RESULT store.in_use | the database at"),
        "child said: {stdout}"
    );
    assert!(stdout.contains("in use by another process"), "{stdout}");
    // The first process is unaffected.
    t.user(5, None);
}

fn raw_db(
    t: TestShop,
) -> (
    sled::Db,
    tempfile::TempDir,
    std::sync::Arc<shopcore::ManualClock>,
) {
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let db = crate::common::raw_sled(&dir.path().join("shop.db"));
    (db, dir, clock)
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let t = TestShop::new();
    let (db, dir, clock) = raw_db(t);
    let meta = db.open_tree("meta").unwrap();
    let newer =
        bincode::serde::encode_to_vec(shopcore::SCHEMA_VERSION + 1, bincode::config::standard())
            .unwrap();
    meta.insert("schema_version", newer.clone()).unwrap();
    db.flush().unwrap();
    drop(meta);
    drop(db);
    let err = Shop::open(dir.path().join("shop.db"), config(&clock)).unwrap_err();
    match &err {
        Error::Store(StoreError::SchemaTooNew { found, supported }) => {
            assert_eq!(*found, shopcore::SCHEMA_VERSION + 1);
            assert_eq!(*supported, shopcore::SCHEMA_VERSION);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("newer version of shopcore"));
    let db = crate::common::raw_sled(&dir.path().join("shop.db"));
    let stored = db
        .open_tree("meta")
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.as_ref(),
        newer.as_slice(),
        "the refused database was modified"
    );
}

#[test]
fn a_foreign_database_is_not_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let db = crate::common::raw_sled(&path);
        db.open_tree("something_else")
            .unwrap()
            .insert("k", "v")
            .unwrap();
        db.flush().unwrap();
    }
    let err = Shop::open(&path, Config::default()).unwrap_err();
    assert!(
        matches!(err, Error::Store(StoreError::NotAShop { .. })),
        "{err:?}"
    );
}

#[test]
fn corrupt_bytes_give_an_error_naming_tree_and_key() {
    let t = TestShop::new();
    t.user(42, None);
    let (db, dir, clock) = raw_db(t);
    db.open_tree("users")
        .unwrap()
        .insert(42u64.to_be_bytes(), vec![0xFF, 0xFE, 0x00, 0x13])
        .unwrap();
    db.flush().unwrap();
    drop(db);
    let shop = Shop::open(dir.path().join("shop.db"), config(&clock)).unwrap();
    match shop.user(uid(42)) {
        Err(Error::Store(StoreError::Corrupt { table, key, .. })) => {
            assert_eq!(table, "users");
            assert_eq!(key, "000000000000002a");
        }
        other => panic!("expected a corrupt-record error, got {other:?}"),
    }
    let report = shop.verify().unwrap();
    assert!(!report.is_healthy());
    assert!(
        report.problems.iter().any(|p| p.contains("users")),
        "{report}"
    );
}

#[test]
fn sessions_are_durable_scoped_and_bounded() {
    let t = TestShop::new();
    assert_eq!(t.shop.session("telegram", 42).unwrap(), None);
    t.shop
        .set_session("telegram", 42, b"awaiting_player_id:7")
        .unwrap();
    t.shop.set_session("console", 42, b"other").unwrap();
    let t = t.reopen();
    assert_eq!(
        t.shop.session("telegram", 42).unwrap().as_deref(),
        Some(&b"awaiting_player_id:7"[..])
    );
    assert_eq!(
        t.shop.session("console", 42).unwrap().as_deref(),
        Some(&b"other"[..])
    );
    t.shop.clear_session("telegram", 42).unwrap();
    assert_eq!(t.shop.session("telegram", 42).unwrap(), None);
    assert!(
        t.shop
            .set_session("telegram", 1, &vec![0; 16 * 1024 + 1])
            .is_err()
    );
    assert!(t.shop.set_session("bad scope", 1, b"x").is_err());
    assert!(t.shop.session("", 1).is_err());
}
