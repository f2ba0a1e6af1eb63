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
    let t = TestShop::on_sled();
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
    crate::common::Place,
    std::sync::Arc<shopcore::ManualClock>,
) {
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    let db = RawStore::open(&dir.path().join("shop.db"));
    (db, dir, clock)
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let t = TestShop::on_sled();
    let (db, dir, clock) = raw_db(t);
    let newer =
        bincode::serde::encode_to_vec(shopcore::SCHEMA_VERSION + 1, bincode::config::standard())
            .unwrap();
    db.table("meta")
        .insert("schema_version", newer.clone())
        .unwrap();
    // A newer shopcore might have left trees this one does not know (or older ones).
    db.sled()
        .open_tree("users")
        .unwrap()
        .insert("k", "v")
        .unwrap();
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
        db.sled()
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == b"users"),
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
    let t = TestShop::on_sled();
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
    let t = TestShop::on_sled();
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
        let t = TestShop::on_sled();
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

    /// `bytes` (a backup) with its body changed by `change` and a checksum that matches it.
    fn resealed(bytes: &[u8], change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        use sha2::Digest;
        let mut body = bytes[..bytes.len() - 32].to_vec();
        change(&mut body);
        let digest = sha2::Sha256::digest(&body);
        body.extend_from_slice(&digest);
        body
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
            // Files whose checksum is right but whose contents are not a backup this build
            // reads: refused by the structure check, before anything is written.
            (
                "sealed, bytes after the last tree",
                resealed(&bytes, |body| body.extend_from_slice(b"extra")),
                "backup.corrupt",
            ),
            (
                "sealed, a record running past the end",
                resealed(&bytes, |body| body.truncate(body.len() - 3)),
                "backup.corrupt",
            ),
            (
                "sealed, an unknown tree",
                resealed(&bytes, |body| {
                    // The first table's name (after magic, format, schema, count, name length).
                    body[8 + 12 + 2] = b'#';
                }),
                "backup.corrupt",
            ),
            (
                "sealed, format 2",
                resealed(&bytes, |body| {
                    body[8..12].copy_from_slice(&2u32.to_be_bytes())
                }),
                "backup.unknown_format",
            ),
            (
                "sealed, a newer schema",
                resealed(&bytes, |body| {
                    body[12..16].copy_from_slice(&(shopcore::SCHEMA_VERSION + 1).to_be_bytes())
                }),
                "backup.schema_too_new",
            ),
            (
                "sealed, a record claiming 4 GiB",
                resealed(&bytes, |body| {
                    // The first table's first key length.
                    let name_len = usize::from(u16::from_be_bytes([body[20], body[21]]));
                    let first = 8 + 12 + 2 + name_len + 8;
                    body[first..first + 4].copy_from_slice(&u32::MAX.to_be_bytes());
                }),
                "backup.corrupt",
            ),
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

#[test]
fn the_raw_helper_knows_every_documented_tag() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/storage.md"),
    )
    .unwrap();
    for (name, tag) in crate::common::TABLE_TAGS {
        let row = format!("| `{name}` | {tag} |");
        assert!(doc.contains(&row), "docs/storage.md lacks the row {row}");
    }
}

/// Counting writes, for the `load` benchmark: one caller at a time gets one batch per
/// commit, and every key a body wrote reaches sled.
#[test]
fn the_store_counts_commits_batches_and_writes() {
    let t = TestShop::on_sled();
    let before = t.shop.store_counters();
    t.user(10, None);
    t.user(11, None);
    let after = t.shop.store_counters();
    assert_eq!(after.commits - before.commits, 2);
    assert_eq!(after.batches - before.batches, 2);
    assert!(after.sled_writes - before.sled_writes >= 4, "{after:?}");
    assert_eq!(
        after.sled_writes - before.sled_writes,
        after.body_writes - before.body_writes
    );
    // A read-only call runs a body and writes nothing.
    t.shop.actor(uid(10)).unwrap();
    t.shop.categories(true).unwrap();
    let read = t.shop.store_counters();
    assert_eq!(read.commits, after.commits);
    assert_eq!(read.sled_writes, after.sled_writes);
}

/// Schema 3 keeps every table in one `records` tree; schemas 1 and 2 had a tree per table.
/// A store of either opens, is moved and migrated, and holds exactly what it held.
mod migration {
    use crate::common::{
        RawStore, TestShop, all_records, assert_holds_the_schema2_shop, config, key, money,
        schema2_dir, schema2_shop, to_per_table_layout, uid,
    };
    use shopcore::{Config, ManualClock, SCHEMA_VERSION, Shop, Timestamp};
    use std::sync::Arc;

    fn clock() -> Arc<ManualClock> {
        // After everything the schema-2 shop did (its clock moved with expiry runs).
        Arc::new(ManualClock::new(Timestamp(1_800_000_000_000)))
    }

    fn stored_version(raw: &RawStore) -> u32 {
        let bytes = raw.table("meta").get("schema_version").unwrap().unwrap();
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
            .unwrap()
            .0
    }

    /// The trees a closed database holds, sled's default one excepted.
    fn tree_names(raw: &RawStore) -> Vec<String> {
        raw.sled()
            .tree_names()
            .iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .filter(|n| n != "__sled__default")
            .collect()
    }

    #[test]
    fn a_schema_2_store_is_moved_into_one_tree_and_holds_what_it_held() {
        let (_dir, path) = schema2_shop();
        {
            let raw = RawStore::open(&path);
            let trees = tree_names(&raw);
            assert!(trees.contains(&"ledger".to_owned()), "{trees:?}");
            // 44 tables, and the (empty) `records` tree the raw helper opened.
            assert_eq!(trees.len(), 45, "{trees:?}");
            assert_eq!(raw.table("meta").get("schema_version").unwrap(), None);
            assert_eq!(all_records(&raw).len(), 0);
        }
        let clock = clock();
        drop(Shop::open(&path, config(&clock)).unwrap());
        {
            let raw = RawStore::open(&path);
            assert_eq!(tree_names(&raw), vec!["records".to_owned()]);
            assert_eq!(stored_version(&raw), SCHEMA_VERSION);
            // 3 → 4: the code hash index is gone (the codes' fates say the same), and the
            // audit indexes, written when entries were appended, are current.
            assert_eq!(raw.table("codes_by_hash").len(), 0);
            let decode_u64 = |bytes: &[u8]| -> u64 {
                bincode::serde::decode_from_slice(bytes, bincode::config::standard())
                    .unwrap()
                    .0
            };
            let indexed = decode_u64(&raw.table("meta").get("audit_indexed").unwrap().unwrap());
            let counters: std::collections::BTreeMap<String, u64> =
                bincode::serde::decode_from_slice(
                    &raw.table("counters").get("all").unwrap().unwrap(),
                    bincode::config::standard(),
                )
                .unwrap()
                .0;
            // The counters are one record now.
            assert_eq!(raw.table("counters").len(), 1);
            let head = counters["audit_seq"];
            assert_eq!(indexed, head);
            // 4 → 5: the audit indexes are chunks now, built up to the cursor; the tables
            // of one key per entry are empty.
            for (old, chunks) in [
                ("audit_by_actor", "audit_actor_postings"),
                ("audit_by_action", "audit_action_postings"),
                ("audit_by_time", "audit_time_postings"),
            ] {
                assert_eq!(raw.table(old).len(), 0, "{old}");
                let postings: usize = raw
                    .table(chunks)
                    .iter()
                    .map(|item| {
                        let chunk: Vec<u64> = bincode::serde::decode_from_slice(
                            &item.unwrap().1,
                            bincode::config::standard(),
                        )
                        .unwrap()
                        .0;
                        assert!(chunk.iter().all(|seq| *seq <= indexed));
                        chunk.len()
                    })
                    .sum();
                assert!(postings > 0, "{chunks}");
                assert!(
                    raw.table(chunks).len() < postings,
                    "{chunks}: one key per entry"
                );
            }
        }
        let shop = assert_holds_the_schema2_shop(&path, config(&clock));
        // It keeps working: money moves, the chain grows, and it still verifies.
        let owner = shop.actor(uid(1)).unwrap();
        let before = shop.balance(uid(10)).unwrap();
        shop.adjust_balance(&owner, uid(10), money("1"), "after the move", &key("moved"))
            .unwrap();
        assert_eq!(
            shop.balance(uid(10)).unwrap(),
            before.checked_add(money("1")).unwrap()
        );
        assert!(shop.verify().unwrap().is_healthy());
        drop(shop);
        let shop = Shop::open(&path, config(&clock)).unwrap();
        assert!(shop.verify().unwrap().is_healthy());
    }

    #[test]
    fn opening_an_older_store_reports_what_the_migration_does() {
        let (_dir, path) = schema2_shop();
        let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let listening = {
            let heard = std::sync::Arc::clone(&heard);
            config(&clock()).with_migration_progress(move |p| {
                heard.lock().unwrap().push((p.from, p.doing, p.done));
            })
        };
        drop(Shop::open(&path, listening).unwrap());
        let heard = heard.lock().unwrap().clone();
        let steps: Vec<(u32, &str)> = heard
            .iter()
            .map(|(from, doing, _)| (*from, *doing))
            .collect();
        assert_eq!(
            steps,
            [
                (2, "moving every table into one tree"),
                (2, "writing a backup of the store before migrating it"),
                (2, "wrote the backup before migrating (records)"),
                (2, "migrating"),
                (3, "migrating"),
                (3, "linking each user's ledger entries"),
                (3, "linking each user's orders"),
                (3, "recording each account's newest and open order"),
                (4, "migrating"),
                (4, "rebuilding the audit indexes in chunks"),
                (5, "migrating"),
                (5, "moving the code pools into chunks"),
                (6, "migrating"),
                (6, "rebuilding the order status index in chunks"),
                (7, "migrating"),
                (7, "moving the audit log into chunks"),
                (8, "migrating"),
                (8, "moving the outbox into chunks"),
                (9, "migrating"),
                (9, "moving the ledger into chunks"),
                (10, "migrating"),
                (11, "migrating"),
                (12, "migrating"),
                (13, "migrating"),
                (14, "migrating"),
                (14, "indexing product names for search"),
                (15, "migrating"),
                (16, "migrating"),
                (17, "migrating"),
                (18, "migrating"),
                (19, "migrating"),
                (19, "giving every order its quantity"),
                (20, "migrating"),
                (21, "migrating"),
            ]
        );
        // A store at the current schema migrates nothing and says nothing.
        let quiet = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let listening = {
            let quiet = std::sync::Arc::clone(&quiet);
            config(&clock()).with_migration_progress(move |_| {
                quiet.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })
        };
        drop(Shop::open(&path, listening).unwrap());
        assert_eq!(quiet.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    /// A schema-1 store in the per-table layout: moved into one tree, then migrated 1 → 2
    /// (which learns every code's fate again), 2 → 3 and 3 → 4, and nothing else changes.
    #[test]
    fn a_schema_1_store_goes_through_both_migrations() {
        let t = TestShop::on_sled();
        let owner = t.owner();
        t.user(10, None);
        let shopper = t.shop.actor(uid(10)).unwrap();
        t.shop
            .adjust_balance(&owner, uid(10), money("50"), "gift", &key("gift"))
            .unwrap();
        let cat = t.shop.create_category(&owner, "Cards", 0).unwrap().id;
        let mut product = crate::common::new_product(cat, "Card", "5");
        product.delivery = shopcore::Delivery::Codes;
        let p = t.shop.create_product(&owner, &product).unwrap().id;
        t.shop
            .add_codes(&owner, p, &["SECRET-A", "SECRET-B", "SECRET-C"])
            .unwrap();
        let sold = t
            .shop
            .create_order(&shopper, &crate::orders::by_balance(p), &key("o1"))
            .unwrap();
        t.shop
            .complete_order(&owner, sold.id, None, &key("done"))
            .unwrap();
        t.shop
            .create_order(&shopper, &crate::orders::by_balance(p), &key("o2"))
            .unwrap();
        let TestShop { shop, clock, dir } = t;
        drop(shop);
        let path = dir.path().join("shop.db");
        let before = all_records(&RawStore::open(&path));
        assert_eq!(
            before
                .keys()
                .filter(|(table, _)| *table == "codes_seen")
                .count(),
            3
        );
        // What schema 1 looked like: a tree per table, no `codes_seen`.
        to_per_table_layout(&path, 1);
        {
            let raw = RawStore::open(&path);
            assert!(raw.sled().drop_tree("codes_seen").unwrap());
            raw.flush().unwrap();
        }
        let shop = Shop::open(&path, config(&clock)).unwrap();
        let report = shop.verify().unwrap();
        assert!(report.is_healthy(), "{report}");
        assert_eq!(shop.balance(uid(10)).unwrap(), money("40"));
        drop(shop);
        let raw = RawStore::open(&path);
        assert_eq!(tree_names(&raw), vec!["records".to_owned()]);
        assert_eq!(stored_version(&raw), SCHEMA_VERSION);
        let after = all_records(&raw);
        // Every record is back, `codes_seen` included, with the schema version it had;
        // migration 1 → 2 recorded where the ledger's audit bindings start, 3 → 4 where
        // the audit indexes stand, and the healthy verify() its watermark.
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|((table, k), _)| format!("{table} {}", String::from_utf8_lossy(k)))
            .collect();
        assert_eq!(
            changed,
            [
                "meta audit_indexed",
                "meta ledger_bound_from",
                "meta verified"
            ],
            "changed records"
        );
        assert!(before.keys().all(|k| after.contains_key(k)));
    }

    #[test]
    fn opening_an_older_store_writes_a_backup_of_it_first_which_restores_to_the_same_shop() {
        let (dir, path) = schema2_shop();
        let clock = clock();
        let reports = Arc::new(std::sync::Mutex::new(Vec::new()));
        let heard = Arc::clone(&reports);
        let shop = Shop::open(
            &path,
            config(&clock).with_migration_progress(move |p| {
                heard.lock().unwrap().push((p.from, p.doing));
            }),
        )
        .unwrap();
        let backup = dir.path().join("shop.db.schema-2.bak");
        let bytes = std::fs::read(&backup).expect("the backup before migrating");
        assert_eq!(&bytes[..8], b"SHOPBAK\n");
        assert_eq!(
            bytes[12..16],
            2u32.to_be_bytes(),
            "stamped with the store's schema"
        );
        let reports = reports.lock().unwrap().clone();
        let backup_at = reports
            .iter()
            .position(|r| r.1.starts_with("writing a backup"))
            .expect("the backup is reported");
        let first_migration = reports.iter().position(|r| r.1 == "migrating").unwrap();
        assert!(backup_at < first_migration, "{reports:?}");
        // Restoring it gives the shop the migration made (it is migrated the same way), and
        // writes no second backup.
        let restored_path = dir.path().join("restored.db");
        let restored = Shop::restore(&backup, &restored_path, config(&clock)).unwrap();
        assert_eq!(
            restored.state_digest().unwrap(),
            shop.state_digest().unwrap()
        );
        assert!(!dir.path().join("restored.db.schema-2.bak").exists());
        // A current store writes none.
        drop(shop);
        drop(Shop::open(&path, config(&clock)).unwrap());
        let backups = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".bak")
            })
            .count();
        assert_eq!(backups, 1);
    }

    #[test]
    fn a_backup_that_cannot_be_written_stops_the_migration_before_it_starts() {
        let (dir, path) = schema2_shop();
        let clock = clock();
        // Something in the way of the backup's temporary file.
        let obstacle = dir.path().join("shop.db.schema-2.partial");
        std::fs::create_dir(&obstacle).unwrap();
        let err = Shop::open(&path, config(&clock)).unwrap_err();
        assert_eq!(err.kind(), "store.storage", "{err}");
        assert!(err.to_string().contains("before migrating"), "{err}");
        {
            let raw = RawStore::open(&path);
            assert_eq!(stored_version(&raw), 2, "nothing was migrated");
        }
        // Out of the way, the next opening backs up and migrates.
        std::fs::remove_dir(&obstacle).unwrap();
        drop(Shop::open(&path, config(&clock)).unwrap());
        assert!(dir.path().join("shop.db.schema-2.bak").exists());
        // Without the backup (the setting off), an older store just migrates.
        let (dir, path) = schema2_shop();
        let no_backup = Config {
            backup_before_migration: false,
            ..config(&clock)
        };
        drop(Shop::open(&path, no_backup).unwrap());
        assert!(!dir.path().join("shop.db.schema-2.bak").exists());
    }

    #[test]
    fn a_backup_made_by_schema_2_restores() {
        let dir = tempfile::tempdir().unwrap();
        let clock = clock();
        let path = dir.path().join("restored.db");
        drop(Shop::restore(schema2_dir().join("v2.bak"), &path, config(&clock)).unwrap());
        let restored = assert_holds_the_schema2_shop(&path, config(&clock));
        // A backup of the restored shop uses the same format (1), now with schema 3, and
        // restores to the same records.
        let file = dir.path().join("v3.bak");
        let owner = restored.actor(uid(1)).unwrap();
        let summary = restored.backup(&owner, &file).unwrap();
        assert_eq!(summary.tables, 72);
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(&bytes[..8], b"SHOPBAK\n");
        assert_eq!(bytes[8..12], 1u32.to_be_bytes(), "format version");
        assert_eq!(
            bytes[12..16],
            SCHEMA_VERSION.to_be_bytes(),
            "schema version"
        );
        let again = Shop::restore(&file, dir.path().join("again.db"), Config::default()).unwrap();
        assert_eq!(
            again.state_digest().unwrap(),
            restored.state_digest().unwrap()
        );
        assert!(again.verify().unwrap().is_healthy());
    }
}
