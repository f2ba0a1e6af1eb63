//! Damaged database files: flipping or truncating bytes in sled's files makes the shop
//! refuse to open or report the damage through `verify()` — never a panic that escapes,
//! never silently wrong balances. (The documented recovery is restoring the latest backup.)

use crate::common::{TestShop, config, key, money, uid};
use shopcore::Shop;
use std::panic::AssertUnwindSafe;

fn shop_with_money() -> TestShop {
    let t = TestShop::on_sled();
    let owner = t.owner();
    for id in 10..20 {
        t.user(id, None);
        t.shop
            .adjust_balance(
                &owner,
                uid(id),
                money("25"),
                "float",
                &key(&format!("k{id}")),
            )
            .unwrap();
    }
    t
}

/// What opening and checking a damaged shop gave.
#[derive(Debug, PartialEq)]
enum Outcome {
    RefusedToOpen,
    DamageReported,
    Intact,
}

fn open_and_check(
    path: &std::path::Path,
    clock: &std::sync::Arc<shopcore::ManualClock>,
) -> Outcome {
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let shop = match Shop::open(path, config(clock)) {
            Ok(shop) => shop,
            Err(_) => return Outcome::RefusedToOpen,
        };
        match shop.verify() {
            Err(_) => Outcome::DamageReported,
            Ok(report) if !report.is_healthy() => Outcome::DamageReported,
            Ok(_) => {
                // Healthy means every balance is what was written.
                for id in 10..20 {
                    match shop.balance(uid(id)) {
                        Ok(b) if b == money("25") => {}
                        Ok(b) => panic!("silently wrong balance for user {id}: {b}"),
                        Err(_) => return Outcome::DamageReported,
                    }
                }
                Outcome::Intact
            }
        }
    }));
    match result {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("opening a damaged shop panicked: {message}");
        }
    }
}

fn damage(t: TestShop, edit: impl FnOnce(&mut Vec<u8>)) -> Outcome {
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    // Wait for sled to let go of the file (it finishes writes on a background thread).
    drop(crate::common::raw_sled(&dir.location()));
    let file = dir.location().join("db");
    let mut bytes = std::fs::read(&file).unwrap();
    edit(&mut bytes);
    std::fs::write(&file, &bytes).unwrap();
    open_and_check(&dir.location(), &clock)
}

#[test]
fn truncated_files_are_refused_or_reported() {
    // Each outcome is acceptable as long as nothing panicked and, when the shop says it is
    // intact, every balance is right (both checked in open_and_check).
    for keep_percent in [0usize, 10, 50, 90, 99] {
        let t = shop_with_money();
        let outcome = damage(t, |bytes| {
            let len = bytes.len();
            bytes.truncate(len * keep_percent / 100);
        });
        eprintln!("truncated to {keep_percent}%: {outcome:?}");
    }
}

#[test]
fn flipped_bytes_are_refused_reported_or_harmless() {
    let mut outcomes = Vec::new();
    for seed in 1..=12u64 {
        let t = shop_with_money();
        let outcome = damage(t, |bytes| {
            let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = usize::try_from(state % u64::try_from(bytes.len()).unwrap()).unwrap();
                bytes[at] ^= 0xA5;
            }
        });
        eprintln!("flip seed {seed}: {outcome:?}");
        outcomes.push(outcome);
    }
    // Whatever sled made of each, no balance was silently wrong and nothing panicked (both
    // checked in open_and_check); some damage must have been noticed.
    assert!(
        outcomes.iter().any(|o| *o != Outcome::Intact),
        "{outcomes:?}"
    );
}

#[test]
fn an_incomplete_snapshot_left_by_a_kill_does_not_block_opening() {
    let t = shop_with_money();
    let TestShop { shop, clock, dir } = t;
    drop(shop);
    drop(crate::common::raw_sled(&dir.location()));
    // What a process killed while sled wrote a snapshot leaves behind.
    let stale = dir
        .path()
        .join("shop.db")
        .join("snap.00000000DEADBEEF.generating");
    std::fs::write(&stale, vec![0x5Au8; 4096]).unwrap();
    assert_eq!(open_and_check(&dir.location(), &clock), Outcome::Intact);
    assert!(!stale.exists());
}
