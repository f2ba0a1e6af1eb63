//! Dashboard latency with 10k, 100k and 1M orders in the store. The dashboard reads roll-ups
//! only, so its cost must not grow with the number of orders: the 1M figure is compared with
//! the 10k figure measured in the same run.
//!
//! Stores are built once through the public API (`shop_benches::bigstore`) and cached under
//! `target/bench-data/`. Sizes can be chosen with `DASHBOARD_SIZES=10000,100000`.

shop_benches::use_shop_allocator!();

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use shop_benches::bigstore;
use shopcore::{DashboardOptions, Durability, Shop, UserId};
use std::time::Duration;

fn dashboard(c: &mut Criterion) {
    let sizes: Vec<u64> = std::env::var("DASHBOARD_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut group = c.benchmark_group("dashboard");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    for orders in sizes {
        let path = bigstore::store_for(orders).unwrap();
        // The clock sits at the end of the history; durable, as in production.
        let clock = bigstore::clock_after(orders);
        let shop = Shop::open(&path, bigstore::config(clock, Durability::Immediate)).unwrap();
        let owner = shop.actor(UserId::new(bigstore::OWNER).unwrap()).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(orders), &orders, |b, _| {
            b.iter(|| shop.dashboard(&owner, DashboardOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
