//! Arbitrary or mutated backup files: restore never panics, and never leaves behind a shop
//! that fails `verify()` (a refused restore leaves nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopcore::{Config, Shop};
use std::sync::OnceLock;

/// A real backup of a small shop, made once; inputs starting with 0xFF mutate it instead of
/// replacing it, so the fuzzer reaches past the checksum check too.
fn valid_backup() -> &'static Vec<u8> {
    static BACKUP: OnceLock<Vec<u8>> = OnceLock::new();
    BACKUP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut harness = shopcore::testkit::Harness::new(&dir.path().join("shop.db")).expect("fixture");
        harness.apply(&shopcore::testkit::Op::Topup { user: 0, cents: 1_000 }).expect("top-up");
        let console = harness.shop().system_actor("fuzz").expect("actor");
        let file = dir.path().join("shop.bak");
        harness.shop().backup(&console, &file).expect("backup");
        std::fs::read(&file).expect("read backup")
    })
}

fuzz_target!(|data: &[u8]| {
    let bytes = match data.split_first() {
        Some((0xFF, edits)) => {
            // Each pair of bytes is (position, xor mask) applied to the valid backup.
            let mut bytes = valid_backup().clone();
            for pair in edits.chunks(3) {
                if let [hi, lo, mask] = pair {
                    let at = (usize::from(*hi) << 8 | usize::from(*lo)) % bytes.len();
                    bytes[at] ^= mask;
                }
            }
            if edits.len() % 3 == 1 {
                let keep = bytes.len() * usize::from(edits[edits.len() - 1]) / 256;
                bytes.truncate(keep);
            }
            bytes
        }
        _ => data.to_vec(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("input.bak");
    std::fs::write(&file, &bytes).expect("write");
    let target = dir.path().join("restored.db");
    match Shop::restore(&file, &target, Config::default()) {
        Ok(shop) => {
            let report = shop.verify().expect("verify runs");
            assert!(report.is_healthy(), "a restored shop fails verify: {report}");
        }
        Err(_) => assert!(!target.exists(), "a refused restore left a database behind"),
    }
});
