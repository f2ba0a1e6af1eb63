//! Durable writes: one caller versus 32 concurrent callers, each write a user registration
//! (one transaction with its audit entry) under `Durability::Immediate`. The ratio of the two
//! throughputs, measured in the same run, is the group-commit gain. `Background` (no flush
//! per write) is the ceiling.

shop_benches::use_shop_allocator!();

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shopcore::{Config, Durability, Registration, Shop, UserId};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn register(shop: &Shop, id: u64) {
    shop.register_user(&Registration {
        id: UserId::new(id).unwrap(),
        username: None,
        display_name: "bench",
        language: None,
    })
    .unwrap();
}

/// Runs at least `writes` registrations spread evenly over `callers` threads; returns the
/// elapsed time and how many writes ran.
fn run(shop: &Arc<Shop>, next_id: &Arc<AtomicU64>, callers: u64, writes: u64) -> (Duration, u64) {
    let per_caller = writes.div_ceil(callers);
    let start = Instant::now();
    let handles: Vec<_> = (0..callers)
        .map(|_| {
            let shop = shop.clone();
            let next_id = next_id.clone();
            std::thread::spawn(move || {
                for _ in 0..per_caller {
                    register(&shop, next_id.fetch_add(1, Ordering::Relaxed));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    (start.elapsed(), per_caller * callers)
}

fn durable_writes(c: &mut Criterion) {
    let mut group = c.benchmark_group("durable_writes");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (label, durability, callers) in [
        ("immediate/1_caller", Durability::Immediate, 1),
        ("immediate/32_callers", Durability::Immediate, 32),
        ("power_safe/32_callers", Durability::PowerSafe, 32),
        ("background/1_caller", Durability::Background, 1),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let shop = Arc::new(
            Shop::open(
                dir.path().join("shop.db"),
                Config::default().with_durability(durability),
            )
            .unwrap(),
        );
        let next_id = Arc::new(AtomicU64::new(1));
        group.throughput(Throughput::Elements(1));
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                // Criterion wants the time of `iters` writes; scale the measured batch to it.
                let (elapsed, writes) = run(&shop, &next_id, callers, iters);
                elapsed.mul_f64(iters as f64 / writes as f64)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, durable_writes);
criterion_main!(benches);
