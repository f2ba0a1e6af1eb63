//! Single operations, one caller, each next to a baseline measured in the same run on the
//! same disk:
//!
//! - `create_order/{immediate,power_safe,background}`: an order paid from the balance for a
//!   code-pool product in AUTO mode (it completes inside its own transaction), under each
//!   durability policy;
//! - `approve_topup/immediate`, `complete_order/immediate` (finalizing a manual order): the
//!   staff side; the request or order each one needs is made outside the timed part;
//! - `settle_invoice/immediate` (a provider's payment of a top-up invoice: the INVOICE
//!   credit, the remembered payment, the audit entry) and `settle_invoice/replay` (the same
//!   payment reported again, as a retried webhook or a poll does), beside `approve_topup`;
//! - `quote`: the confirmation screen, a read-only transaction;
//! - `search/{2000,20000}_products`: a shopper's search (`Shop::search_products`, two words,
//!   ten results) in a catalog of 2,000 and of 20,000 products, the same share of which match;
//!   the ratio of the two is what the catalog's size costs a search;
//! - `recommendations/{200,2000}_orders`: "also bought" for a product (`Shop::recommendations`,
//!   three results) after 200 and after 2,000 completed orders over 20 products, each beside
//!   one product read from the same store (`…_product_read`); the ratio of the two sizes,
//!   against the baseline's, is what the number of orders costs a read;
//! - `baseline/fsync_4k` (one fdatasync per 4 KiB overwrite) and `baseline/sled_flush`
//!   (a bare sled insert + flush): what one durable commit costs on this disk without group
//!   commit.
//!
//! Callback encoding and product-card rendering belong to the bot crate and are not here.

shop_benches::use_shop_allocator!();

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shop_benches::baseline;
use shop_benches::fixture::{self, CODES_PER_UPLOAD, Fixture, key};
use shopcore::{Durability, Shop};
use std::hint::black_box;
use std::time::{Duration, Instant};

struct Bench {
    shop: Shop,
    fixture: Fixture,
    _dir: tempfile::TempDir,
    n: u64,
}

fn bench_shop(durability: Durability) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let shop = fixture::open(&dir.path().join("shop.db"), durability).unwrap();
    let fixture = Fixture::setup(&shop, CODES_PER_UPLOAD).unwrap();
    Bench {
        shop,
        fixture,
        _dir: dir,
        n: 0,
    }
}

fn create_order(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_order");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    for (label, durability) in [
        ("immediate", Durability::Immediate),
        ("power_safe", Durability::PowerSafe),
        ("background", Durability::Background),
    ] {
        let mut b = bench_shop(durability);
        let mut buyer = b.fixture.shopper(&b.shop).unwrap();
        let request = Fixture::by_balance(b.fixture.code_product);
        group.bench_function(label, |bencher| {
            bencher.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    b.n += 1;
                    // Untimed upkeep: codes and balance run out after many iterations.
                    if b.n.is_multiple_of(CODES_PER_UPLOAD as u64 - 10) {
                        b.fixture.restock(&b.shop).unwrap();
                    }
                    if b.n.is_multiple_of(50_000) {
                        buyer = b.fixture.shopper(&b.shop).unwrap();
                    }
                    let k = key(&format!("o{}", b.n));
                    let start = Instant::now();
                    black_box(b.shop.create_order(&buyer, &request, &k).unwrap());
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

fn staff_operations(c: &mut Criterion) {
    let mut group = c.benchmark_group("staff");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    let mut b = bench_shop(Durability::Immediate);
    let buyer = b.fixture.shopper(&b.shop).unwrap();
    group.bench_function("approve_topup/immediate", |bencher| {
        bencher.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                b.n += 1;
                let topup = b
                    .shop
                    .request_topup(&buyer, &b.fixture.topup(1, &format!("t{}", b.n)))
                    .unwrap();
                let k = key(&format!("a{}", b.n));
                let start = Instant::now();
                black_box(
                    b.shop
                        .approve_topup(&b.fixture.support, topup.id, &k)
                        .unwrap(),
                );
                total += start.elapsed();
            }
            total
        })
    });
    b.shop
        .add_currency(
            &b.fixture.admin,
            "XTR",
            "XTR",
            0,
            shopcore::Money::units(77),
        )
        .unwrap();
    let mut settled = Vec::new();
    group.bench_function("settle_invoice/immediate", |bencher| {
        bencher.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                b.n += 1;
                let invoice = b
                    .shop
                    .open_topup_invoice(
                        &buyer,
                        shopcore::Provider::Stars,
                        shopcore::Money::units(1),
                        &key(&format!("i{}", b.n)),
                    )
                    .unwrap();
                let payment = shopcore::Settlement {
                    provider: invoice.provider,
                    invoice: invoice.id,
                    payment_id: format!("charge-{}", b.n),
                    provider_invoice: None,
                    amount: invoice.amount,
                    currency: invoice.currency.as_str().to_owned(),
                };
                let start = Instant::now();
                black_box(b.shop.settle_invoice(&payment).unwrap());
                total += start.elapsed();
                if settled.len() < 1_000 {
                    settled.push(payment);
                }
            }
            total
        })
    });
    group.bench_function("settle_invoice/replay", |bencher| {
        let mut i = 0;
        bencher.iter(|| {
            i = (i + 1) % settled.len();
            let replay = b.shop.settle_invoice(&settled[i]).unwrap();
            assert!(replay.replayed);
            black_box(replay)
        })
    });
    let request = Fixture::by_balance(b.fixture.manual_product);
    group.bench_function("complete_order/immediate", |bencher| {
        bencher.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                b.n += 1;
                let order = b
                    .shop
                    .create_order(&buyer, &request, &key(&format!("m{}", b.n)))
                    .unwrap();
                let k = key(&format!("c{}", b.n));
                let start = Instant::now();
                black_box(
                    b.shop
                        .complete_order(&b.fixture.support, order.id, Some("sent"), &k)
                        .unwrap(),
                );
                total += start.elapsed();
            }
            total
        })
    });
    let request = Fixture::by_balance(b.fixture.code_product);
    group.bench_function("quote", |bencher| {
        bencher.iter(|| black_box(b.shop.quote(&buyer, &request).unwrap()))
    });
    group.finish();
}

fn baselines(c: &mut Criterion) {
    let mut group = c.benchmark_group("baseline");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    let dir = tempfile::tempdir().unwrap();
    group.bench_function("fsync_4k", |bencher| {
        bencher.iter_custom(|iters| {
            let rate = baseline::fsync_4k(dir.path(), Duration::MAX, iters).unwrap();
            rate.elapsed
        })
    });
    group.bench_function("sled_flush", |bencher| {
        bencher.iter_custom(|iters| {
            let rate = baseline::sled_flush_per_write(dir.path(), Duration::MAX, iters).unwrap();
            rate.elapsed
        })
    });
    group.finish();
}

/// A 1 USD gift card with unlimited stock, delivered by hand.
fn gift_card(
    shop: &Shop,
    admin: &shopcore::Actor,
    category: shopcore::CategoryId,
    name: String,
) -> shopcore::ProductId {
    shop.create_product(
        admin,
        &shopcore::NewProduct {
            category,
            name,
            description: String::new(),
            price_usd: shopcore::Money::units(1),
            kind: shopcore::ProductKind::GiftCard,
            delivery: shopcore::Delivery::Manual,
            stock: shopcore::Stock::Unlimited,
            player_field: None,
            sort_order: 0,
            active: true,
        },
    )
    .unwrap()
    .id
}

/// A shop with `n` products named from a small vocabulary (one in 50 a "PUBG Mobile 660
/// UC"-like name the search finds), in Background durability (building it is not timed).
fn catalog(n: usize) -> (tempfile::TempDir, Shop) {
    let dir = tempfile::tempdir().unwrap();
    let shop = fixture::open(&dir.path().join("shop.db"), Durability::Background).unwrap();
    let admin = shop.system_actor("bench").unwrap();
    let category = shop.create_category(&admin, "Catalog", 0).unwrap().id;
    let games = [
        "Free Fire",
        "Fortnite",
        "Roblox",
        "Valorant",
        "Genshin",
        "بطاقة جوجل",
    ];
    for i in 0..n {
        let name = if i % 50 == 0 {
            format!("PUBG Mobile {} UC", 600 + i % 97)
        } else {
            format!("{} {} pack {i}", games[i % games.len()], 10 + i % 90)
        };
        gift_card(&shop, &admin, category, name);
    }
    shop.flush().unwrap();
    (dir, shop)
}

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("search");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    for n in [2_000, 20_000] {
        let (_dir, shop) = catalog(n);
        assert!(!shop.search_products("pubg mobile", 10).unwrap().is_empty());
        group.bench_function(format!("{n}_products"), |bencher| {
            bencher.iter(|| black_box(shop.search_products("pubg mobile", 10).unwrap()))
        });
    }
    group.finish();
}

/// A shop of 20 products where `orders / 2` shoppers each bought two of them (completed),
/// in Background durability (building it is not timed).
fn purchases(orders: usize) -> (tempfile::TempDir, Shop, shopcore::ProductId) {
    let dir = tempfile::tempdir().unwrap();
    let shop = fixture::open(&dir.path().join("shop.db"), Durability::Background).unwrap();
    let admin = shop.system_actor("bench").unwrap();
    let category = shop.create_category(&admin, "Catalog", 0).unwrap().id;
    let products: Vec<shopcore::ProductId> = (0..20)
        .map(|i| gift_card(&shop, &admin, category, format!("Card {i}")))
        .collect();
    for u in 0..orders / 2 {
        let id = shopcore::UserId::new(1_000 + u as u64).unwrap();
        shop.register_user(&shopcore::Registration {
            id,
            username: None,
            display_name: "buyer",
            language: None,
        })
        .unwrap();
        shop.adjust_balance(
            &admin,
            id,
            shopcore::Money::units(10),
            "bench",
            &key(&format!("f{u}")),
        )
        .unwrap();
        let buyer = shop.actor(id).unwrap();
        for (j, product) in [products[0], products[1 + u % 19]].into_iter().enumerate() {
            let order = shop
                .create_order(
                    &buyer,
                    &shopcore::OrderRequest::from_balance(product, 1),
                    &key(&format!("o{u}-{j}")),
                )
                .unwrap();
            shop.complete_order(&admin, order.id, Some("x"), &key(&format!("c{u}-{j}")))
                .unwrap();
        }
    }
    shop.flush().unwrap();
    (dir, shop, products[0])
}

fn recommendations(c: &mut Criterion) {
    let mut group = c.benchmark_group("recommendations");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    for n in [200, 2_000] {
        let (_dir, shop, product) = purchases(n);
        assert_eq!(shop.recommendations(product, 3).unwrap().len(), 3);
        group.bench_function(format!("{n}_orders"), |bencher| {
            bencher.iter(|| black_box(shop.recommendations(product, 3).unwrap()))
        });
        // The baseline: one product read from the same store (what the store's size costs
        // any read).
        group.bench_function(format!("{n}_orders_product_read"), |bencher| {
            bencher.iter(|| black_box(shop.product(product).unwrap()))
        });
    }
    group.finish();
}

/// An order of ten code units beside an order of one, each completing at once from the
/// pool (AUTO mode): what each further unit adds to an order's transaction. In Background
/// durability (the commit's flush would hide it) and in Immediate (what a shopper waits for).
fn quantity(c: &mut Criterion) {
    let mut group = c.benchmark_group("quantity");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (label, durability) in [
        ("background", Durability::Background),
        ("immediate", Durability::Immediate),
    ] {
        let mut b = bench_shop(durability);
        b.shop
            .set_order_limit(&b.fixture.admin, b.fixture.code_product, 10)
            .unwrap();
        let mut buyer = b.fixture.shopper(&b.shop).unwrap();
        for units in [1u32, 10] {
            let request = shopcore::OrderRequest {
                quantity: units,
                ..Fixture::by_balance(b.fixture.code_product)
            };
            group.throughput(Throughput::Elements(1));
            group.bench_function(format!("{label}_{units}_units"), |bencher| {
                bencher.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        b.n += 1;
                        // Untimed upkeep: the pool runs out.
                        if b.fixture.codes_available(&b.shop).unwrap() < 20 {
                            b.fixture.restock(&b.shop).unwrap();
                        }
                        if b.n.is_multiple_of(1_000) {
                            buyer = b.fixture.shopper(&b.shop).unwrap();
                        }
                        let k = key(&format!("q{}", b.n));
                        let start = Instant::now();
                        let order = b.shop.create_order(&buyer, &request, &k).unwrap();
                        total += start.elapsed();
                        assert_eq!(order.quantity, units);
                    }
                    total
                })
            });
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    baselines,
    create_order,
    staff_operations,
    search,
    recommendations,
    quantity
);
criterion_main!(benches);
