//! The start-up check (`Shop::check_startup`): it costs what was written since the last
//! check, and still finds what a tamperer did after the verified watermark, to the
//! watermark's own link, or (by sampling) to older records.

use crate::common::{RawStore, TestShop, config, key, money, uid};
use crate::tampering::{
    be, decode, encode, history, ledger_entries, put_ledger, remove_audit_entry, set_balance,
};
use shopcore::analytics::Totals;
use shopcore::wallet::LedgerEntry;
use shopcore::{AuditEntry, CheckLevel, ManualClock, STARTUP_SAMPLES, Shop, StartupCheck};
use std::sync::Arc;

fn open(dir: &crate::common::Place, clock: &Arc<ManualClock>) -> Shop {
    Shop::open(dir.location(), config(clock)).unwrap()
}

/// `history()` (which ends with a healthy `verify()`, leaving the watermark), then two
/// adjustments for user 10 after it; returns the closed store.
fn history_and_tail() -> (crate::common::Place, Arc<ManualClock>) {
    let (dir, clock) = history();
    {
        let shop = open(&dir, &clock);
        let owner = shop.actor(uid(1)).unwrap();
        shop.adjust_balance(&owner, uid(10), money("7"), "bonus", &key("a1"))
            .unwrap();
        shop.adjust_balance(&owner, uid(10), money("-2"), "fee", &key("a2"))
            .unwrap();
    }
    (dir, clock)
}

fn check(dir: &crate::common::Place, clock: &Arc<ManualClock>) -> StartupCheck {
    open(dir, clock).check_startup().unwrap()
}

fn problems(dir: &crate::common::Place, clock: &Arc<ManualClock>) -> String {
    let report = check(dir, clock);
    assert!(
        !report.is_healthy(),
        "the tampering went unnoticed: {report}"
    );
    report.problems.join("\n")
}

#[test]
fn a_restart_checks_only_what_followed_the_last_check() {
    let t = TestShop::new();
    let owner = t.owner();
    t.user(10, Some("buyer"));
    // Never checked: the full verify() runs and leaves a watermark.
    let first = t.shop.check_startup().unwrap();
    assert_eq!(first.level, CheckLevel::Full, "{first}");
    assert!(first.is_healthy(), "{first}");
    assert!(t.shop.last_full_verify().unwrap().is_some());
    let again = t.shop.check_startup().unwrap();
    assert_eq!(again.level, CheckLevel::Tail);
    assert_eq!(
        (again.audit_entries, again.ledger_entries),
        (0, 0),
        "{again}"
    );
    for (i, amount) in ["5", "-1", "3"].into_iter().enumerate() {
        t.shop
            .adjust_balance(
                &owner,
                uid(10),
                money(amount),
                "why",
                &key(&format!("k{i}")),
            )
            .unwrap();
    }
    let tail = t.shop.check_startup().unwrap();
    assert!(tail.is_healthy(), "{tail}");
    assert_eq!((tail.audit_entries, tail.ledger_entries), (3, 3), "{tail}");
    // The sample: older audit links (the ledger was empty at the watermark).
    assert_eq!(tail.sampled, STARTUP_SAMPLES, "{tail}");
    // The watermark moved to where the check ended; older ledger entries are sampled too.
    let after = t.shop.check_startup().unwrap();
    assert_eq!(
        (after.audit_entries, after.ledger_entries),
        (0, 0),
        "{after}"
    );
    assert_eq!(after.sampled, 2 * STARTUP_SAMPLES, "{after}");
    assert!(after.to_string().ends_with("healthy"), "{after}");
}

#[test]
fn a_full_verify_moves_the_watermark_too() {
    let (dir, clock) = history_and_tail();
    let shop = open(&dir, &clock);
    assert!(shop.verify().unwrap().is_healthy());
    let report = shop.check_startup().unwrap();
    assert_eq!(
        (report.audit_entries, report.ledger_entries),
        (0, 0),
        "{report}"
    );
}

#[test]
fn an_amount_altered_after_the_watermark_is_found_and_stays_found() {
    let (dir, clock) = history_and_tail();
    {
        let db = RawStore::open(&dir.location());
        // The +7 bonus becomes +70, with the later balances shifted so the ledger replays.
        let entries = ledger_entries(&db);
        let n = entries.len();
        let delta = money("63");
        for (i, mut entry) in entries.into_iter().enumerate().skip(n - 2) {
            if i == n - 2 {
                entry.amount = money("70");
            } else {
                entry.balance_before = entry.balance_before.checked_add(delta).unwrap();
            }
            entry.balance_after = entry.balance_after.checked_add(delta).unwrap();
            put_ledger(&db, &entry);
        }
        set_balance(&db, 10, |w| {
            w.balance = w.balance.checked_add(delta).unwrap()
        });
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(
        text.contains("ADJUSTMENT 10 70\" but audit entry") && text.contains("(altered)"),
        "{text}"
    );
    // Nothing healthy was recorded: the next start finds it again.
    let again = problems(&dir, &clock);
    assert!(again.contains("(altered)"), "{again}");
}

#[test]
fn a_wallet_edited_after_the_watermark_is_found() {
    let (dir, clock) = history_and_tail();
    {
        let db = RawStore::open(&dir.location());
        set_balance(&db, 10, |w| {
            w.balance = w.balance.checked_add(money("1000")).unwrap()
        });
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(text.contains("wallet: user 10 holds"), "{text}");
}

#[test]
fn a_cut_tail_is_found() {
    let (dir, clock) = history_and_tail();
    {
        let db = RawStore::open(&dir.location());
        let (k, _) = db.table("audit").last().unwrap().unwrap();
        remove_audit_entry(&db, &k);
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(text.contains("the head record names entry"), "{text}");
}

#[test]
fn an_altered_watermark_link_is_found() {
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        // The last entry before the watermark is the watermark's link: re-hashed, so the
        // chain alone would not show it, but the watermark remembers the old hash.
        let (k, v) = db.table("audit").last().unwrap().unwrap();
        let mut entry: AuditEntry = decode(&v);
        entry.at = shopcore::Timestamp(entry.at.0 + 1);
        entry.hash = entry.compute_hash().unwrap();
        db.table("audit").insert(&k, encode(&entry)).unwrap();
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(
        text.contains("no longer has the hash the verified watermark recorded"),
        "{text}"
    );
}

#[test]
fn older_audit_entries_and_ledger_entries_are_sampled() {
    let (dir, clock) = history();
    {
        let db = RawStore::open(&dir.location());
        // Every older entry edited without fixing its hash, and every older ledger entry
        // made not to add up: whichever the sample picks is wrong.
        let audit = db.table("audit");
        let all: Vec<_> = audit.iter().map(Result::unwrap).collect();
        for (k, v) in &all[..all.len() - 1] {
            let mut entry: AuditEntry = decode(v);
            entry.at = shopcore::Timestamp(entry.at.0 + 1);
            audit.insert(k, encode(&entry)).unwrap();
        }
        for mut entry in ledger_entries(&db) {
            entry.balance_after = entry.balance_after.checked_add(money("1")).unwrap();
            put_ledger(&db, &entry);
        }
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(text.contains("was altered (hash mismatch)"), "{text}");
    assert!(text.contains("does not add up"), "{text}");
}

#[test]
fn statistics_that_disagree_with_the_topup_entries_are_found() {
    let (dir, clock) = history_and_tail();
    {
        let db = RawStore::open(&dir.location());
        let rollups = db.table("rollups");
        // Lane 0's totals, or (on PostgreSQL, where the suite writes in lane 1) the lane's:
        // "T" and the lane number.
        let key = match rollups.get(b"t").unwrap() {
            Some(_) => b"t".to_vec(),
            None => rollups
                .iter()
                .map(|item| item.unwrap().0.to_vec())
                .find(|k| k[0] == b'T')
                .unwrap(),
        };
        let mut totals: Totals = decode(&rollups.get(&key).unwrap().unwrap());
        totals.topups_usd = totals.topups_usd.checked_add(money("50")).unwrap();
        rollups.insert(key, encode(&totals)).unwrap();
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(text.contains("approved top-ups credited 150"), "{text}");
}

#[test]
fn a_deleted_newest_ledger_entry_is_found() {
    let (dir, clock) = history_and_tail();
    {
        let db = RawStore::open(&dir.location());
        let newest: LedgerEntry = ledger_entries(&db).pop().unwrap();
        db.table("ledger").remove(be(newest.seq)).unwrap();
        db.flush().unwrap();
    }
    let text = problems(&dir, &clock);
    assert!(text.contains("which is missing"), "{text}");
}

#[test]
fn after_a_migration_the_start_up_check_is_the_full_verify() {
    let (dir, clock) = history_and_tail();
    assert_eq!(check(&dir, &clock).level, CheckLevel::Tail);
    // Stamp the store one schema older: 9 → 10 moves ledger entries kept one per record
    // into chunks, and this store has none, so the migration changes nothing but the stamp.
    {
        let raw = RawStore::open(&dir.location());
        raw.table("meta")
            .insert(
                "schema_version",
                bincode::serde::encode_to_vec(
                    shopcore::SCHEMA_VERSION - 1,
                    bincode::config::standard(),
                )
                .unwrap(),
            )
            .unwrap();
        raw.flush().unwrap();
    }
    let shop = open(&dir, &clock);
    // The records were (possibly) all rewritten: the watermark no longer vouches for them.
    let first = shop.check_startup().unwrap();
    assert_eq!(first.level, CheckLevel::Full, "{first}");
    assert!(first.is_healthy(), "{first}");
    // The full check left a new watermark: the next start checks the tail again.
    assert_eq!(shop.check_startup().unwrap().level, CheckLevel::Tail);
    // On sled the migration first wrote a backup beside the store (PostgreSQL's are the
    // server's: see ARCHITECTURE.md).
    assert!(
        dir.is_postgres()
            || dir
                .path()
                .join(format!(
                    "shop.db.schema-{}.bak",
                    shopcore::SCHEMA_VERSION - 1
                ))
                .exists()
    );
}

#[test]
fn a_watermark_naming_lanes_that_cannot_be_is_reported_and_not_moved() {
    let (dir, clock) = history_and_tail();
    let verified = {
        let db = RawStore::open(&dir.location());
        let meta = db.table("meta");
        // An audit lane beyond the last (2²⁴ − 1), and lane 1 of the ledger said to have
        // reached entry 5, a number of lane 0.
        let lanes: std::collections::BTreeMap<u64, (u64, [u8; 32])> =
            std::collections::BTreeMap::from([(1 << 24, ((1 << 24) << 40, [0; 32]))]);
        meta.insert(b"verified_lanes", encode(&lanes)).unwrap();
        let ledger: std::collections::BTreeMap<u64, u64> =
            std::collections::BTreeMap::from([(1, 5)]);
        meta.insert(b"verified_ledger_lanes", encode(&ledger))
            .unwrap();
        db.flush().unwrap();
        meta.get(b"verified").unwrap().unwrap().to_vec()
    };
    let text = problems(&dir, &clock);
    assert!(
        text.contains("the verified watermark names lane 16777216, which cannot be"),
        "{text}"
    );
    assert!(
        text.contains("the verified watermark names entry 5 of ledger lane 1, which cannot be"),
        "{text}"
    );
    // Nothing was certified: the watermark is where it was, and says the same again.
    let db = RawStore::open(&dir.location());
    assert_eq!(
        db.table("meta").get(b"verified").unwrap().unwrap().to_vec(),
        verified
    );
    drop(db);
    assert!(problems(&dir, &clock).contains("ledger lane 1, which cannot be"));
}
