//! The storage layer seen from outside: opening rules, the schema version, corruption.

use crate::common::{RawStore, TestShop, config, uid};
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
    RawStore,
    tempfile::TempDir,
    std::sync::Arc<shopcore::ManualClock>,
) {
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let db = RawStore::open(&dir.path().join("shop.db"));
    (db, dir, clock)
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let t = TestShop::new();
    let (db, dir, clock) = raw_db(t);
    let newer =
        bincode::serde::encode_to_vec(shopcore::SCHEMA_VERSION + 1, bincode::config::standard())
            .unwrap();
    db.table("meta")
        .insert("schema_version", newer.clone())
        .unwrap();
    // A newer shopcore might have left trees this one does not know (or older ones).
    db.db.open_tree("users").unwrap().insert("k", "v").unwrap();
    db.flush().unwrap();
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
    let db = RawStore::open(&dir.path().join("shop.db"));
    let stored = db.table("meta").get("schema_version").unwrap().unwrap();
    assert_eq!(
        stored.as_ref(),
        newer.as_slice(),
        "the refused database was modified"
    );
    assert!(
        db.db.tree_names().iter().any(|n| n.as_ref() == b"users"),
        "the refused database lost a tree"
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
    db.table("users")
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

mod backups {
    use crate::common::{TestShop, config, key, money, uid};
    use shopcore::{Error, ExportKind, Shop};

    fn busy_shop() -> TestShop {
        let t = TestShop::new();
        let owner = t.owner();
        t.user(10, Some("alice"));
        t.shop
            .adjust_balance(
                &owner,
                uid(10),
                money("12.5"),
                "gift, \"welcome\"",
                &key("k"),
            )
            .unwrap();
        let cat = t
            .shop
            .create_category(&owner, "=cmd|' /C calc'!A0", 0)
            .unwrap()
            .id;
        t.shop
            .create_product(&owner, &crate::common::new_product(cat, "Card, large", "3"))
            .unwrap();
        t
    }

    #[test]
    fn backup_and_restore_round_trip() {
        let t = busy_shop();
        let file = t.dir.path().join("shop.bak");
        let summary = t.shop.backup(&t.owner(), &file).unwrap();
        assert!(summary.entries > 10, "{summary:?}");
        let restored_path = t.dir.path().join("restored.db");
        let restored = Shop::restore(&file, &restored_path, config(&t.clock)).unwrap();
        assert_eq!(restored.state_digest().unwrap(), t.digest());
        assert_eq!(restored.balance(uid(10)).unwrap(), money("12.5"));
        assert!(restored.verify().unwrap().is_healthy());
        // The audit chain came along intact, and the restored shop keeps counting.
        let owner = restored.actor(uid(1)).unwrap();
        restored
            .adjust_balance(&owner, uid(10), money("1"), "more", &key("k2"))
            .unwrap();
        assert!(restored.verify().unwrap().is_healthy());
        // Restoring over an existing path is refused.
        let err = Shop::restore(&file, &restored_path, config(&t.clock))
            .err()
            .unwrap();
        assert_eq!(err.kind(), "backup.target_exists");
    }

    #[test]
    fn damaged_backups_are_refused_and_leave_nothing_behind() {
        let t = busy_shop();
        let file = t.dir.path().join("shop.bak");
        t.shop.backup(&t.owner(), &file).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "truncated",
                bytes[..bytes.len() / 2].to_vec(),
                "backup.corrupt",
            ),
            (
                "one bit flipped",
                {
                    let mut b = bytes.clone();
                    let mid = b.len() / 3;
                    b[mid] ^= 0x01;
                    b
                },
                "backup.corrupt",
            ),
            ("empty", Vec::new(), "backup.not_a_backup"),
            (
                "foreign",
                b"PK\x03\x04 a zip file".to_vec(),
                "backup.not_a_backup",
            ),
            ("magic only", b"SHOPBAK\n".to_vec(), "backup.corrupt"),
        ];
        for (name, content, kind) in cases {
            let damaged = t.dir.path().join(format!("{name}.bak"));
            std::fs::write(&damaged, &content).unwrap();
            let target = t.dir.path().join(format!("{name}.db"));
            let err = Shop::restore(&damaged, &target, config(&t.clock))
                .err()
                .unwrap();
            assert_eq!(err.kind(), kind, "{name}: {err}");
            assert!(
                !target.exists(),
                "{name}: a refused restore left a database behind"
            );
        }
        let err = t
            .shop
            .backup(&t.shop.actor(uid(10)).unwrap(), &file)
            .unwrap_err();
        assert!(matches!(err, Error::Denied(_)));
    }

    #[test]
    fn csv_exports_quote_and_guard_fields() {
        let t = busy_shop();
        let owner = t.owner();
        let mut users = Vec::new();
        assert_eq!(
            t.shop
                .export_csv(&owner, ExportKind::Users, &mut users)
                .unwrap(),
            2
        );
        let users = String::from_utf8(users).unwrap();
        assert!(
            users.starts_with("id,username,display_name,role,banned"),
            "{users}"
        );
        assert!(
            users.contains("10,alice,User 10,user,false,en,,"),
            "{users}"
        );
        let mut ledger = Vec::new();
        t.shop
            .export_csv(&owner, ExportKind::Ledger, &mut ledger)
            .unwrap();
        let ledger = String::from_utf8(ledger).unwrap();
        assert!(ledger.contains("\"gift, \"\"welcome\"\"\""), "{ledger}");
        let mut audit = Vec::new();
        t.shop
            .export_csv(&owner, ExportKind::Audit, &mut audit)
            .unwrap();
        let audit = String::from_utf8(audit).unwrap();
        assert!(audit.contains(",CREATE_CATEGORY,"), "{audit}");
        // A name a spreadsheet would run as a formula is exported inert.
        t.shop
            .register_user(&shopcore::Registration {
                id: uid(11),
                username: None,
                display_name: "=HYPERLINK(\"http://x\")",
                language: None,
            })
            .unwrap();
        let mut users = Vec::new();
        t.shop
            .export_csv(&owner, ExportKind::Users, &mut users)
            .unwrap();
        let users = String::from_utf8(users).unwrap();
        assert!(
            users.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
            "{users}"
        );
        let mut orders = Vec::new();
        assert_eq!(
            t.shop
                .export_csv(&owner, ExportKind::Orders, &mut orders)
                .unwrap(),
            0
        );
        let shopper = t.shop.actor(uid(10)).unwrap();
        assert!(
            t.shop
                .export_csv(&shopper, ExportKind::Audit, &mut Vec::new())
                .is_err()
        );
    }
}
