//! The big store the dashboard benchmark and `store-cost` measure: users register, order
//! with a 100% coupon, half of the orders are completed, and the clock moves a minute per
//! order — built through shopcore's public API only and cached under `target/bench-data/`,
//! so a million orders are built once per machine. The full `verify()` runs when 99% of
//! the orders are in (as the bot's daily check would), so the last 1% follow the verified
//! watermark, as they would at a restart.

use shopcore::coupons::{CouponKind, CouponScope, NewCoupon};
use shopcore::{
    Config, Delivery, Durability, ManualClock, NewProduct, OrderRequest, PaymentChoice,
    ProductKind, Registration, RequestKey, Shop, Stock, Timestamp, UserId,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The owner (super admin) of the big store.
pub const OWNER: u64 = 1;
/// The store's first moment (2026-01-01 00:00 UTC); each order moves the clock a minute.
pub const START: i64 = 1_767_225_600_000;

/// The configuration the big store is built and opened with.
pub fn config(clock: Arc<ManualClock>, durability: Durability) -> Config {
    Config::default()
        .with_clock(clock)
        .with_durability(durability)
        .with_super_admins(vec![UserId::new(OWNER).unwrap()])
}

/// A clock standing at the end of the history of a store with `orders` orders.
pub fn clock_after(orders: u64) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp(
        START + i64::try_from(orders).unwrap_or(i64::MAX / 120_000) * 60_000,
    )))
}

/// Builds a store with `orders` orders at `path` (which must not exist), printing progress
/// every 100,000 orders when `progress` is set.
pub fn build(path: &Path, orders: u64, progress: bool) -> shopcore::Result<()> {
    let clock = Arc::new(ManualClock::new(Timestamp(START)));
    let shop = Shop::open(path, config(clock.clone(), Durability::Background))?;
    let owner = shop.actor(UserId::new(OWNER).unwrap())?;
    let cat = shop.create_category(&owner, "Games", 0)?.id;
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
        )?
        .id;
    shop.create_coupon(
        &owner,
        &NewCoupon {
            code: "FREE".into(),
            kind: CouponKind::Percentage(100.into()),
            max_uses: u32::try_from(orders).unwrap_or(u32::MAX).max(1),
            uses_per_user: 1,
            min_order_usd: None,
            expires_at: None,
            scope: CouponScope::All,
        },
    )?;
    let order_key = RequestKey::new("o").expect("a valid request key");
    for i in 0..orders {
        clock.advance_millis(60_000);
        let id = UserId::new(1_000 + i).expect("ids from 1,000 are valid");
        shop.register_user(&Registration {
            id,
            username: None,
            display_name: "bench",
            language: None,
        })?;
        let buyer = shop.actor(id)?;
        let request = OrderRequest {
            quantity: 1,
            product,
            payment: PaymentChoice::Balance,
            coupon: Some("FREE".into()),
            player_id: None,
            currency: None,
            proof: None,
        };
        let order = shop.create_order(&buyer, &request, &order_key)?;
        if i % 2 == 0 {
            let key = RequestKey::new(&format!("c{i}")).expect("a valid request key");
            shop.complete_order(&owner, order.id, Some("sent"), &key)?;
        }
        if i + 1 == orders - orders / 100 {
            let report = shop.verify()?;
            assert!(
                report.is_healthy(),
                "the big store is not healthy: {report}"
            );
        }
        if progress && (i + 1) % 100_000 == 0 {
            eprintln!("  {} orders", i + 1);
        }
    }
    shop.flush()?;
    Ok(())
}

/// The cached store with `orders` orders under `target/bench-data/`, built first if it is
/// missing (a `.done` marker tells a finished build from an interrupted one).
pub fn store_for(orders: u64) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("dashboard-{orders}.db"));
    let done = dir.join(format!("dashboard-{orders}.done"));
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&path);
        let started = std::time::Instant::now();
        eprintln!(
            "building a store with {orders} orders (once; cached in {})",
            dir.display()
        );
        build(&path, orders, orders >= 100_000)?;
        std::fs::write(&done, b"")?;
        eprintln!(
            "built a store with {orders} orders in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(path)
}
