//! Dashboard latency with 10k, 100k and 1M orders in the store. The dashboard reads roll-ups
//! only, so its cost must not grow with the number of orders: the 1M figure is compared with
//! the 10k figure measured in the same run.
//!
//! Stores are built once through the public API (users register, order with a 100% coupon,
//! half the orders are completed, the clock moves a minute per order) and cached under
//! `target/bench-data/`. Sizes can be chosen with `DASHBOARD_SIZES=10000,100000`.

shop_benches::use_shop_allocator!();

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{
    Config, DashboardOptions, Delivery, Durability, ManualClock, NewProduct, OrderRequest,
    PaymentChoice, ProductKind, Registration, RequestKey, Shop, Stock, Timestamp, UserId,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const OWNER: u64 = 1;
const START: i64 = 1_767_225_600_000;

fn config(clock: Arc<ManualClock>, durability: Durability) -> Config {
    Config::default()
        .with_clock(clock)
        .with_durability(durability)
        .with_super_admins(vec![UserId::new(OWNER).unwrap()])
}

fn build(path: &Path, orders: u64) {
    let clock = Arc::new(ManualClock::new(Timestamp(START)));
    let shop = Shop::open(path, config(clock.clone(), Durability::Background)).unwrap();
    let owner = shop.actor(UserId::new(OWNER).unwrap()).unwrap();
    let cat = shop.create_category(&owner, "Games", 0).unwrap().id;
    let product = shop
        .create_product(
            &owner,
            &NewProduct {
                category: cat,
                name: "UC".into(),
                description: String::new(),
                price_usd: shopcore::Money::units(3),
                kind: ProductKind::GameTopUp,
                delivery: Delivery::Manual,
                stock: Stock::Unlimited,
                player_field: None,
                sort_order: 0,
                active: true,
            },
        )
        .unwrap()
        .id;
    shop.create_coupon(
        &owner,
        &NewCoupon {
            code: "FREE".into(),
            kind: CouponKind::Percentage(100.into()),
            max_uses: 1_000_000,
            uses_per_user: 1,
            min_order_usd: None,
            expires_at: None,
            scope: CouponScope::All,
        },
    )
    .unwrap();
    for i in 0..orders {
        clock.advance_millis(60_000);
        let id = UserId::new(1_000 + i).unwrap();
        shop.register_user(&Registration {
            id,
            username: None,
            display_name: "bench",
            language: None,
        })
        .unwrap();
        let buyer = shop.actor(id).unwrap();
        let request = OrderRequest {
            product,
            payment: PaymentChoice::Balance,
            coupon: Some("FREE".into()),
            player_id: None,
            currency: None,
            proof: None,
        };
        let order = shop
            .create_order(&buyer, &request, &RequestKey::new("o").unwrap())
            .unwrap();
        if i % 2 == 0 {
            shop.complete_order(
                &owner,
                order.id,
                Some("sent"),
                &RequestKey::new(&format!("c{i}")).unwrap(),
            )
            .unwrap();
        }
    }
    shop.flush().unwrap();
}

fn store_for(orders: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("dashboard-{orders}.db"));
    let done = dir.join(format!("dashboard-{orders}.done"));
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&path);
        let started = std::time::Instant::now();
        build(&path, orders);
        std::fs::write(&done, b"").unwrap();
        eprintln!(
            "built a store with {orders} orders in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    path
}

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
        let path = store_for(orders);
        // The clock sits at the end of the history; durable, as in production.
        let clock = Arc::new(ManualClock::new(Timestamp(
            START + i64::try_from(orders).unwrap() * 60_000,
        )));
        let shop = Shop::open(&path, config(clock, Durability::Immediate)).unwrap();
        let owner = shop.actor(UserId::new(OWNER).unwrap()).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(orders), &orders, |b, _| {
            b.iter(|| shop.dashboard(&owner, DashboardOptions::default()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, dashboard);
criterion_main!(benches);
