//! Sequences of shop operations against the real store and the reference model
//! (`shopcore::testkit`): after every step the two agree and `verify()` is empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopcore::testkit::{Harness, Op};

fuzz_target!(|ops: Vec<Op>| {
    // Bounded: long sequences add little and make each run slow.
    let ops = &ops[..ops.len().min(64)];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut harness = Harness::new(&dir.path().join("shop.db")).expect("fixture");
    for op in ops {
        if let Err(problem) = harness.apply(op) {
            panic!("{problem}\nops: {ops:?}");
        }
    }
});
